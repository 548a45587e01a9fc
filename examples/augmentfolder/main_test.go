package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// TestRunTiny augments the repository's small fixture folder, as CI does,
// and checks that the output is complete, decodable and independent of the
// number of workers.
func TestRunTiny(t *testing.T) {
	src := filepath.Join("..", "..", "testdata", "images")
	outputs := map[string]map[string][]byte{}
	for _, workers := range []string{"1", "4"} {
		dst := filepath.Join(t.TempDir(), "out")
		var log bytes.Buffer
		args := []string{"-copies", "2", "-workers", workers, "-policy", "rcrop size=32 scale=0.5-1; hflip p=0.5; rotate deg=10", src, dst}
		if err := run(context.Background(), args, &log); err != nil {
			t.Fatalf("workers=%s: %v\n%s", workers, err, log.String())
		}
		files := readTree(t, dst)
		inputs, _ := filepath.Glob(filepath.Join(src, "*", "*.*"))
		if len(files) != 2*len(inputs) || len(inputs) == 0 {
			t.Fatalf("wrote %d files for %d inputs and 2 copies", len(files), len(inputs))
		}
		if !strings.Contains(log.String(), "wrote ") || !strings.Contains(log.String(), "augment") {
			t.Errorf("log lacks the summary or the stage table:\n%s", log.String())
		}
		outputs[workers] = files
	}
	for name, data := range outputs["1"] {
		if !bytes.Equal(data, outputs["4"][name]) {
			t.Errorf("%s differs between 1 and 4 workers", name)
		}
	}
}

func readTree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		files[rel] = data
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestRunCorruptInput checks that a bad image stops the run with its name
// and leaves no output behind.
func TestRunCorruptInput(t *testing.T) {
	src := t.TempDir()
	os.MkdirAll(filepath.Join(src, "a"), 0o755)
	good, _ := os.ReadFile(filepath.Join("..", "..", "testdata", "images", "circle", "circle_00.png"))
	os.WriteFile(filepath.Join(src, "a", "good.png"), good, 0o644)
	os.WriteFile(filepath.Join(src, "a", "bad.png"), good[:len(good)/2], 0o644)
	dst := filepath.Join(t.TempDir(), "out")
	err := run(context.Background(), []string{src, dst}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "bad.png") {
		t.Fatalf("run = %v, want an error naming bad.png", err)
	}
	if _, err := os.Stat(dst); !os.IsNotExist(err) {
		t.Error("a failed run left the output directory")
	}
	left, _ := filepath.Glob(filepath.Join(filepath.Dir(dst), ".out.tmp-*"))
	sort.Strings(left)
	if len(left) > 0 {
		t.Errorf("temporary directories left: %v", left)
	}
}

func TestRunUsage(t *testing.T) {
	for _, args := range [][]string{{}, {"only-src"}, {"-policy", "nosuchop", "a", "b"}} {
		if err := run(context.Background(), args, &bytes.Buffer{}); err == nil {
			t.Errorf("run(%q) succeeded", args)
		}
	}
}

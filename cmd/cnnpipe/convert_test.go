package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cnnpipe/cnnpipe/loaders"
)

func runCmd(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, &env{stdout: &out, stderr: &errb})
	return code, out.String(), errb.String()
}

func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		if filepath.Ext(p) == ".go" {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestConvertFolderParquetFolder(t *testing.T) {
	dir := t.TempDir()
	pq := filepath.Join(dir, "images.parquet")
	code, out, errs := runCmd(t, "convert", "../../testdata/images", pq, "--row-group", "8", "--compression=zstd")
	if code != 0 || !strings.Contains(out, "wrote 30 images to "+pq+" (parquet)") {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, out, errs)
	}
	back := filepath.Join(dir, "back")
	if code, out, errs := runCmd(t, "convert", pq, back); code != 0 {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, out, errs)
	}
	d, err := loaders.Open(back, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if i := d.Info(); i.Count != 30 || strings.Join(i.Classes, ",") != "circle,square,triangle" {
		t.Fatalf("round trip info %+v", i)
	}
	// The output exists now: converting again is refused, the file kept.
	if code, _, errs := runCmd(t, "convert", "../../testdata/images", pq); code != 1 || !strings.Contains(errs, "output exists") {
		t.Fatalf("second convert: exit %d, %s", code, errs)
	}
}

func TestConvertSkipsCorruptFiles(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	copyTree(t, "../../testdata/images", src)
	os.WriteFile(filepath.Join(src, "circle", "zz_corrupt.png"), []byte("\x89PNG\r\n\x1a\nnot really"), 0o644)
	good, _ := os.ReadFile(filepath.Join(src, "square", "square_01.jpg"))
	os.WriteFile(filepath.Join(src, "square", "zz_truncated.jpg"), good[:len(good)/2], 0o644)

	out := filepath.Join(dir, "out.arrow")
	code, _, errs := runCmd(t, "convert", src, out)
	if code != 1 || !strings.Contains(errs, "zz_corrupt.png") || !strings.Contains(errs, "corrupt data") {
		t.Fatalf("fail policy: exit %d, stderr %s", code, errs)
	}
	if _, err := os.Stat(out); err == nil {
		t.Fatal("failed conversion left an output")
	}
	code, stdout, errs := runCmd(t, "convert", "--on-error=skip", src, out)
	if code != 0 || !strings.Contains(stdout, "wrote 30 images") || !strings.Contains(stdout, "skipped 2 unreadable") ||
		!strings.Contains(errs, "zz_corrupt.png") || !strings.Contains(errs, "zz_truncated.jpg") {
		t.Fatalf("skip policy: exit %d\nstdout %s\nstderr %s", code, stdout, errs)
	}
}

func TestConvertUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"convert", "only-one"},
		{"convert", "--on-error=ignore", "a", "b.parquet"},
		{"convert", "--format=zip", "a", "b"},
		{"convert", "a", "b.zip"},
		{"convert", "--batch-size=0", "a", "b.parquet"},
	} {
		if code, _, _ := runCmd(t, args...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}

func TestConvertShuffle(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.arrow"), filepath.Join(dir, "b.arrow")
	for _, out := range []string{a, b} {
		if code, _, errs := runCmd(t, "convert", "--shuffle", "5", "shapes?n=50", out); code != 0 {
			t.Fatalf("exit %d: %s", code, errs)
		}
	}
	// The rows are in a new order; the paths keep the original positions.
	d, err := loaders.Open(a, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	seen := map[string]bool{}
	inOrder := 0
	i := 0
	for s, err := range d.Samples(context.Background(), nil) {
		if err != nil {
			t.Fatal(err)
		}
		seen[s.Path] = true
		if s.Path == fmt.Sprintf("shapes#%d", i) {
			inOrder++
		}
		i++
	}
	if len(seen) != 50 || inOrder > 5 {
		t.Fatalf("%d distinct samples, %d in their original place", len(seen), inOrder)
	}
	ba, _ := os.ReadFile(a)
	bb, _ := os.ReadFile(b)
	if !bytes.Equal(ba, bb) {
		t.Error("the same seed gave different files")
	}
}

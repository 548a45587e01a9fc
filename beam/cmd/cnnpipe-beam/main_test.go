package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cnnpipe/cnnpipe/augment"
	"github.com/cnnpipe/cnnpipe/expand"
	"github.com/cnnpipe/cnnpipe/loaders"
)

func TestParseInterleaved(t *testing.T) {
	for _, tc := range []struct {
		args []string
		pos  []string
		n    int
	}{
		{[]string{"a", "b"}, []string{"a", "b"}, 0},
		{[]string{"-n", "3", "a", "b"}, []string{"a", "b"}, 3},
		{[]string{"a", "b", "--n=4"}, []string{"a", "b"}, 4},
		{[]string{"a", "-n", "5", "b"}, []string{"a", "b"}, 5},
		{[]string{"a", "--", "-b"}, []string{"a", "-b"}, 0},
	} {
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		n := fs.Int("n", 0, "")
		pos, err := parseInterleaved(fs, tc.args)
		if err != nil || !slices.Equal(pos, tc.pos) || *n != tc.n {
			t.Errorf("%q: pos %q n %d err %v; want %q %d", tc.args, pos, *n, err, tc.pos, tc.n)
		}
	}
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.SetOutput(new(bytes.Buffer))
	if _, err := parseInterleaved(fs, []string{"a", "--nope"}); err == nil {
		t.Error("unknown flag accepted")
	}
}

func TestUsageErrors(t *testing.T) {
	src := t.TempDir()
	for _, args := range [][]string{
		{},
		{"nope"},
		{"augment", src},
		{"augment", src, filepath.Join(src, "out")},              // DST inside SRC
		{"augment", src, t.TempDir(), "--ops", "nope"},           // unknown transform
		{"augment", src, t.TempDir(), "--on-error", "sometimes"}, // bad policy
	} {
		var out, errb bytes.Buffer
		if code := run(context.Background(), args, &out, &errb); code != exitUsage {
			t.Errorf("%q: exit %d, want %d (stderr %q)", args, code, exitUsage, errb.String())
		}
		flag.CommandLine.Set("ops", "")
		flag.CommandLine.Set("on-error", "fail")
	}
}

// TestAugmentCommand runs the command end to end on Prism (the default
// runner) with the default policy and compares with package expand.
func TestAugmentCommand(t *testing.T) {
	root := filepath.Join(t.TempDir(), "src")
	for i := range 6 {
		class := []string{"a", "b"}[i%2]
		os.MkdirAll(filepath.Join(root, class), 0o755)
		img := image.NewNRGBA(image.Rect(0, 0, 20, 16))
		for j := range img.Pix {
			img.Pix[j] = uint8(j*3 + 50*i)
		}
		var buf bytes.Buffer
		png.Encode(&buf, img)
		os.WriteFile(filepath.Join(root, class, fmt.Sprintf("%d.png", i)), buf.Bytes(), 0o644)
	}
	dst := filepath.Join(t.TempDir(), "beam")
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"augment", root, dst, "--copies", "2", "--seed", "9"}, &out, &errb); code != exitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "augment: 6 inputs -> 12 outputs") {
		t.Errorf("summary %q", out.String())
	}
	pol, _ := augment.Parse(expand.DefaultPolicy)
	d, err := loaders.Open(root, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	core := filepath.Join(t.TempDir(), "core")
	if _, err := expand.Run(context.Background(), d, root, core, &expand.Config{Ops: pol.String(), Copies: 2, Seed: 9}, nil); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"a/0_000.png", "a/0_001.png", "b/5_001.png", expand.StateFile} {
		want, err1 := os.ReadFile(filepath.Join(core, filepath.FromSlash(name)))
		got, err2 := os.ReadFile(filepath.Join(dst, filepath.FromSlash(name)))
		if err1 != nil || err2 != nil || !bytes.Equal(want, got) {
			t.Errorf("%s: differs from cnnpipe augment's (%v, %v)", name, err1, err2)
		}
	}
	if parts, _ := filepath.Glob(filepath.Join(dst, "manifest", "part-*.parquet")); len(parts) != 1 {
		t.Errorf("manifest parts %v", parts)
	}
}

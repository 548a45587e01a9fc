package expandbeam

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem"

	"github.com/cnnpipe/cnnpipe/expand"
)

func TestJoinPath(t *testing.T) {
	for _, tc := range []struct{ root, rel, want string }{
		{"out", "cat/001_000.png", filepath.Join("out", "cat", "001_000.png")},
		{"gs://bucket/out", "cat/001_000.png", "gs://bucket/out/cat/001_000.png"},
		{"gs://bucket/out/", "manifest/part-00001.parquet", "gs://bucket/out/manifest/part-00001.parquet"},
		{"s3://b/o", "a/./b.png", "s3://b/o/a/b.png"},
	} {
		if got := joinPath(tc.root, tc.rel); got != tc.want {
			t.Errorf("joinPath(%q, %q) = %q, want %q", tc.root, tc.rel, got, tc.want)
		}
	}
}

func TestPartOf(t *testing.T) {
	seen := map[int]bool{}
	for i := range 1000 {
		p := partOf(strings.Repeat("x", i%7)+string(rune('a'+i%26))+"/"+string(rune('0'+i%10)), 7)
		if p < 0 || p >= 7 {
			t.Fatalf("part %d out of range", p)
		}
		seen[p] = true
	}
	if len(seen) != 7 {
		t.Errorf("1000 paths fell into %d of 7 parts", len(seen))
	}
	if partOf("cat/1.png", 5) != partOf("cat/1.png", 5) {
		t.Error("partOf is not deterministic")
	}
}

func TestSortFailures(t *testing.T) {
	in := []Failure{
		{Path: "b.png", Index: 2, Err: "x"},
		{Path: "a.png", Index: 1, Err: "y"},
		{Path: "b.png", Index: 2, Err: "x"},
		{Path: "a.png", Index: 0, Err: "z"},
	}
	got := sortFailures(in)
	want := []Failure{{Path: "a.png", Index: 0, Err: "z"}, {Path: "a.png", Index: 1, Err: "y"}, {Path: "b.png", Index: 2, Err: "x"}}
	if !slices.Equal(got, want) {
		t.Errorf("sortFailures = %v, want %v", got, want)
	}
}

func TestFailuresRoundTrip(t *testing.T) {
	dst := t.TempDir()
	fs := []Failure{{Path: "/src/dog/bad.png", Index: 3, Err: "dog/bad.png: corrupt data: \"quoted\", comma"}}
	data, err := encodeFailures(fs)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(data), "path,index,error\n") {
		t.Errorf("header: %q", data)
	}
	if err := os.WriteFile(filepath.Join(dst, expand.FailuresCSV), data, 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := ReadFailures(context.Background(), dst)
	if err != nil || !slices.Equal(got, fs) {
		t.Errorf("ReadFailures = %v, %v; want %v", got, err, fs)
	}
	if got, err := ReadFailures(context.Background(), t.TempDir()); got != nil || err != nil {
		t.Errorf("no failures file: %v %v", got, err)
	}
}

func TestWriteAtomic(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	name := filepath.Join(dir, "sub", "a.png")
	fsys, err := filesystem.New(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	for _, content := range []string{"first", "second"} { // a retry replaces the file
		if err := writeAtomic(ctx, fsys, name, []byte(content)); err != nil {
			t.Fatal(err)
		}
		if b, err := os.ReadFile(name); err != nil || string(b) != content {
			t.Errorf("read %q %v, want %q", b, err, content)
		}
	}
	entries, _ := os.ReadDir(filepath.Dir(name))
	if len(entries) != 1 {
		t.Errorf("temporary files left: %v", entries)
	}
	// A failed write (the target is a directory) leaves no temporary file.
	if err := os.MkdirAll(filepath.Join(dir, "isdir"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := writeAtomic(ctx, fsys, filepath.Join(dir, "isdir"), []byte("x")); err == nil {
		t.Error("rename over a directory succeeded")
	}
	entries, _ = os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), tmpMarker) {
			t.Errorf("temporary file %s left after a failed write", e.Name())
		}
	}
}

func TestPlanAndRefusals(t *testing.T) {
	src := makeFolder(t, 4, false)
	p, err := NewPlan(Options{Src: src, Dst: filepath.Join(t.TempDir(), "out"), Config: expand.Config{Ops: "hflip", Copies: 2}})
	if err != nil {
		t.Fatal(err)
	}
	if p.Info.Count != 12 || p.ReadShards != 1 || p.ManifestShards != 1 || p.Options.OnError != "fail" || p.Options.Config.Format != "png" {
		t.Errorf("plan %+v", p)
	}
	for _, tc := range []struct {
		name string
		opts Options
	}{
		{"no src", Options{Dst: "x"}},
		{"bad ops", Options{Src: src, Dst: "x", Config: expand.Config{Ops: "nope"}}},
		{"tensor ops", Options{Src: src, Dst: "x", Config: expand.Config{Ops: "hflip; normalize"}}},
		{"bad format", Options{Src: src, Dst: "x", Config: expand.Config{Format: "gif"}}},
		{"bad policy", Options{Src: src, Dst: "x", OnError: "maybe"}},
		{"missing src", Options{Src: filepath.Join(src, "nope"), Dst: "x"}},
		{"bad split", Options{Src: src, Dst: "x", Split: "train"}},
	} {
		if _, err := NewPlan(tc.opts); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
	ctx := context.Background()
	for _, dst := range []string{src, filepath.Join(src, "aug")} {
		p, err := NewPlan(Options{Src: src, Dst: dst})
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Prepare(ctx); !errors.Is(err, ErrDstInSrc) {
			t.Errorf("dst %s: %v, want ErrDstInSrc", dst, err)
		}
	}
	foreign := t.TempDir()
	os.WriteFile(filepath.Join(foreign, "notes.txt"), nil, 0o644)
	p, err = NewPlan(Options{Src: src, Dst: foreign})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Prepare(ctx); !errors.Is(err, ErrMismatch) {
		t.Errorf("non-empty foreign dst: %v, want ErrMismatch", err)
	}
}

func TestRunnerResults(t *testing.T) {
	src := makeFolder(t, 1, false)
	ctx := context.Background()
	noResult := func(context.Context, *beam.Pipeline) (beam.PipelineResult, error) { return nil, nil }
	if _, _, err := Run(ctx, Options{Src: src, Dst: filepath.Join(t.TempDir(), "a")}, noResult); !errors.Is(err, ErrNoResult) {
		t.Errorf("runner without result: %v, want ErrNoResult", err)
	}
	boom := errors.New("boom")
	failing := func(context.Context, *beam.Pipeline) (beam.PipelineResult, error) { return nil, boom }
	if _, _, err := Run(ctx, Options{Src: src, Dst: filepath.Join(t.TempDir(), "b")}, failing); !errors.Is(err, boom) {
		t.Errorf("failing runner: %v, want it wrapped", err)
	}
}

package expand

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/cnnpipe/cnnpipe/loaders"
)

const testOps = "rcrop size=20 scale=0.5-1; hflip; rotate deg=15; jitter b=0.4 c=0.4 s=0.4 h=0.1"

// makeFolder writes a class folder: cat/ and dog/ with n small images
// each (PNG, one JPEG in dog/), plus, with corrupt, a broken dog/bad.png.
func makeFolder(t *testing.T, n int, corrupt bool) string {
	t.Helper()
	root := filepath.Join(t.TempDir(), "src")
	for ci, class := range []string{"cat", "dog"} {
		dir := filepath.Join(root, class)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for i := range n {
			img := image.NewNRGBA(image.Rect(0, 0, 32, 24))
			for y := 0; y < 24; y++ {
				for x := 0; x < 32; x++ {
					img.SetNRGBA(x, y, color.NRGBA{uint8(8*x + 40*ci), uint8(10*y + 7*i), uint8(x*y + 30*i), 255})
				}
			}
			var buf bytes.Buffer
			name := fmt.Sprintf("%03d.png", i)
			if ci == 1 && i == 0 {
				name = "000.jpg"
				jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90})
			} else {
				png.Encode(&buf, img)
			}
			if err := os.WriteFile(filepath.Join(dir, name), buf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	if corrupt {
		if err := os.WriteFile(filepath.Join(root, "dog", "bad.png"), []byte("\x89PNG\r\n\x1a\nthis is not a png"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func runJob(t *testing.T, ctx context.Context, src, dst string, cfg *Config, opts *Options) (Summary, error) {
	t.Helper()
	d, err := loaders.Open(src, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	return Run(ctx, d, src, dst, cfg, opts)
}

// tree reads every file under root into a map keyed by relative path.
func tree(t *testing.T, root string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(root, p)
		out[filepath.ToSlash(rel)] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func sameTree(t *testing.T, a, b map[string][]byte) {
	t.Helper()
	if len(a) != len(b) {
		t.Errorf("trees have %d and %d files", len(a), len(b))
	}
	for k, v := range a {
		w, ok := b[k]
		if !ok {
			t.Errorf("%s missing from the second tree", k)
		} else if !bytes.Equal(v, w) {
			t.Errorf("%s differs", k)
		}
	}
}

func readManifest(t *testing.T, dst string) [][]string {
	t.Helper()
	f, err := os.Open(filepath.Join(dst, ManifestCSV))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func TestWorkersGiveIdenticalTrees(t *testing.T) {
	src := makeFolder(t, 5, false)
	cfg := &Config{Ops: testOps, Copies: 3, Seed: 7}
	dst1 := filepath.Join(t.TempDir(), "w1")
	dst4 := filepath.Join(t.TempDir(), "w4")
	s1, err := runJob(t, context.Background(), src, dst1, cfg, &Options{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	s4, err := runJob(t, context.Background(), src, dst4, cfg, &Options{Workers: 4})
	if err != nil {
		t.Fatal(err)
	}
	if s1.Time.Decode <= 0 || s1.Time.Transform <= 0 || s1.Time.Encode <= 0 || s1.Time.Write <= 0 || s1.Bytes <= 0 {
		t.Errorf("timings not recorded: %+v", s1)
	}
	if s1.Inputs != 10 || s1.Outputs != 30 || s1.Written != 30 || s4.Written != 30 || s1.Failed != 0 {
		t.Errorf("summaries %+v / %+v", s1, s4)
	}
	t1, t4 := tree(t, dst1), tree(t, dst4)
	sameTree(t, t1, t4)
	for _, name := range []string{"cat/000_000.png", "cat/004_002.png", "dog/000_001.png", ManifestCSV, ManifestParquet, StateFile} {
		if _, ok := t1[name]; !ok {
			t.Errorf("%s not written", name)
		}
	}
	// The manifest: one row per output, labels as in the source, params
	// recorded, seeds as SampleSeed.
	recs := readManifest(t, dst1)
	if len(recs) != 31 || strings.Join(recs[0], ",") != "output,source,index,label,class,split,copy,seed,params" {
		t.Fatalf("manifest has %d rows, header %v", len(recs), recs[0])
	}
	for _, r := range recs[1:] {
		class := strings.Split(r[0], "/")[0]
		if r[4] != class || (class == "cat") != (r[3] == "0") || !strings.HasPrefix(r[1], class+"/") {
			t.Errorf("row %v: label/class do not match the source", r)
		}
		if !strings.Contains(r[8], "rcrop x=") || !strings.Contains(r[8], "rotate angle=") {
			t.Errorf("row %v: params missing", r)
		}
	}
	// The Parquet manifest opens with a standard reader and has the rows.
	pf, err := file.OpenParquetFile(filepath.Join(dst1, ManifestParquet), false)
	if err != nil {
		t.Fatal(err)
	}
	defer pf.Close()
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
	if err != nil {
		t.Fatal(err)
	}
	tbl, err := fr.ReadTable(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Release()
	if tbl.NumRows() != 30 || tbl.NumCols() != 9 {
		t.Errorf("parquet manifest: %d rows, %d columns", tbl.NumRows(), tbl.NumCols())
	}
	// Outputs are valid images of the requested size.
	img, err := png.Decode(bytes.NewReader(t1["dog/002_001.png"]))
	if err != nil || img.Bounds().Dx() != 20 || img.Bounds().Dy() != 20 {
		t.Errorf("dog/002_001.png: %v %v", img, err)
	}
}

// TestRenderMatchesRun: the pure function gives the bytes Run wrote, the
// contract a distributed executor relies on.
func TestRenderMatchesRun(t *testing.T) {
	src := makeFolder(t, 2, false)
	cfg := &Config{Ops: testOps, Copies: 2, Seed: 3, Format: "jpeg", Quality: 80}
	dst := filepath.Join(t.TempDir(), "out")
	if _, err := runJob(t, context.Background(), src, dst, cfg, &Options{Workers: 2}); err != nil {
		t.Fatal(err)
	}
	d, err := loaders.Open(src, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	n := 0
	for s, err := range d.Samples(context.Background(), nil) {
		if err != nil {
			t.Fatal(err)
		}
		for copy := range 2 {
			out, err := Render(&s, copy, cfg)
			if err != nil {
				t.Fatal(err)
			}
			again, _ := Render(&s, copy, cfg)
			if !bytes.Equal(out.Data, again.Data) {
				t.Errorf("%s: Render is not deterministic", out.Path)
			}
			disk, err := os.ReadFile(filepath.Join(dst, filepath.FromSlash(out.Path)))
			if err != nil || !bytes.Equal(disk, out.Data) {
				t.Errorf("%s: Render differs from the file Run wrote (%v)", out.Path, err)
			}
			if !strings.HasSuffix(out.Path, ".jpg") || out.Row.Label != s.Label || out.Row.Class != s.Class {
				t.Errorf("%s: row %+v", out.Path, out.Row)
			}
			n++
		}
	}
	if n != 8 {
		t.Errorf("%d outputs checked", n)
	}
}

// TestResume: a run canceled part-way and run again leaves the same tree as
// an uninterrupted run, and does not rewrite finished files.
func TestResume(t *testing.T) {
	src := makeFolder(t, 6, false)
	cfg := &Config{Ops: testOps, Copies: 2, Seed: 11, KeepOriginals: true}
	full := filepath.Join(t.TempDir(), "full")
	if _, err := runJob(t, context.Background(), src, full, cfg, &Options{Workers: 3}); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(t.TempDir(), "resumed")
	ctx, cancel := context.WithCancel(context.Background())
	sum, err := runJob(t, ctx, src, dst, cfg, &Options{Workers: 2, Progress: func(p Progress) {
		if p.Inputs == 4 {
			cancel()
		}
	}})
	cancel()
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("canceled run: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dst, ManifestCSV)); err == nil {
		t.Error("a canceled run wrote the manifest")
	}
	if sum.Written == 0 || sum.Written >= 36 {
		t.Fatalf("canceled run wrote %d files; want some but not all", sum.Written)
	}
	// A temporary file left by a killed process is cleaned up.
	if err := os.WriteFile(filepath.Join(dst, "cat", tmpMarker+"123"), []byte("partial"), 0o644); err != nil {
		t.Fatal(err)
	}
	sum2, err := runJob(t, context.Background(), src, dst, cfg, &Options{Workers: 4})
	if err != nil {
		t.Fatal(err)
	}
	if sum2.Existed != sum.Written || sum2.Written+sum2.Existed != 36 {
		t.Errorf("resumed run: %+v after %+v", sum2, sum)
	}
	sameTree(t, tree(t, full), tree(t, dst))
	// Originals are copied byte for byte.
	orig, _ := os.ReadFile(filepath.Join(src, "dog", "000.jpg"))
	if got := tree(t, dst)["dog/000.jpg"]; !bytes.Equal(got, orig) {
		t.Error("original dog/000.jpg not copied unchanged")
	}
}

func TestCorruptInput(t *testing.T) {
	src := makeFolder(t, 3, true)
	var named []string
	dst := filepath.Join(t.TempDir(), "out")
	sum, err := runJob(t, context.Background(), src, dst, &Config{Ops: "hflip", Copies: 2}, &Options{Workers: 2,
		Failure: func(err error) { named = append(named, err.Error()) }})
	if !errors.Is(err, ErrFailed) {
		t.Fatalf("err = %v, want ErrFailed", err)
	}
	if sum.Failed != 1 || sum.Inputs != 7 || sum.Outputs != 12 || len(named) != 1 || !strings.Contains(named[0], "bad.png") {
		t.Errorf("summary %+v, failures %q", sum, named)
	}
	if len(readManifest(t, dst)) != 13 {
		t.Error("manifest should list the 12 good outputs")
	}
	f, err := os.ReadFile(filepath.Join(dst, FailuresCSV))
	if err != nil || !strings.Contains(string(f), "bad.png") {
		t.Errorf("failures.csv: %q %v", f, err)
	}
	// With Skip the run succeeds (and the rerun rewrites nothing).
	sum, err = runJob(t, context.Background(), src, dst, &Config{Ops: "hflip", Copies: 2}, &Options{OnError: loaders.Skip})
	if err != nil || sum.Failed != 1 || sum.Written != 0 || sum.Existed != 12 {
		t.Errorf("skip: %+v %v", sum, err)
	}
}

func TestRefusals(t *testing.T) {
	src := makeFolder(t, 1, false)
	for _, dst := range []string{src, filepath.Join(src, "aug"), filepath.Join(src, "cat", "x")} {
		if _, err := runJob(t, context.Background(), src, dst, nil, nil); !errors.Is(err, ErrDstInSrc) {
			t.Errorf("dst %s: err = %v, want ErrDstInSrc", dst, err)
		}
	}
	if _, err := os.Stat(filepath.Join(src, "aug")); err == nil {
		t.Error("a refused run created its destination")
	}
	// A symbolic link to the source is the source.
	link := filepath.Join(t.TempDir(), "link")
	if err := os.Symlink(src, link); err == nil {
		if _, err := runJob(t, context.Background(), src, filepath.Join(link, "out"), nil, nil); !errors.Is(err, ErrDstInSrc) {
			t.Errorf("dst through a symlink: %v", err)
		}
	}
	dst := filepath.Join(t.TempDir(), "out")
	if _, err := runJob(t, context.Background(), src, dst, &Config{Seed: 1}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := runJob(t, context.Background(), src, dst, &Config{Seed: 2}, nil); !errors.Is(err, ErrMismatch) {
		t.Errorf("rerun with another seed: %v, want ErrMismatch", err)
	}
	other := t.TempDir()
	os.WriteFile(filepath.Join(other, "x.txt"), nil, 0o644)
	if _, err := runJob(t, context.Background(), src, other, nil, nil); !errors.Is(err, ErrMismatch) {
		t.Errorf("non-empty foreign dst: %v, want ErrMismatch", err)
	}
	for _, cfg := range []*Config{{Ops: "hflip; normalize"}, {Ops: "nope"}, {Format: "gif"}, {Quality: 101}, {Copies: -1}, {PNGLevel: "max"}} {
		if _, err := NewRenderer(cfg); err == nil {
			t.Errorf("NewRenderer(%+v): no error", cfg)
		}
	}
}

func TestOutputPath(t *testing.T) {
	png := &Config{}
	for _, tc := range []struct {
		s    loaders.Sample
		copy int
		want string
	}{
		{loaders.Sample{Path: "cat/001.png", Class: "cat", Format: "png"}, 0, "cat/001_000.png"},
		{loaders.Sample{Path: "cat/deep/001.jpeg", Class: "cat", Format: "jpeg"}, 12, "cat/deep/001_012.png"},
		{loaders.Sample{Path: "train/cat/001.png", Class: "cat", Split: "train", Format: "png"}, 1, "train/cat/001_001.png"},
		{loaders.Sample{Path: "cat/001.jpeg", Class: "cat", Format: "jpeg"}, OriginalCopy, "cat/001.jpeg"},
		{loaders.Sample{Path: "imgs/a.png", Class: "cat", Index: 4, Format: "png"}, 0, "cat/a-4_000.png"},
		{loaders.Sample{Path: "../x/a.png", Class: "../evil", Index: 4, Format: "png"}, 0, ".._evil/a-4_000.png"},
		{loaders.Sample{Path: "train-images-idx3-ubyte.gz#17", Class: "7", Split: "train", Index: 17, Format: "raw"}, 2, "train/7/train-images-idx3-ubyte-17_002.png"},
		{loaders.Sample{Path: "train-images-idx3-ubyte.gz#17", Class: "7", Index: 17, Format: "raw"}, OriginalCopy, "7/train-images-idx3-ubyte-17.png"},
	} {
		if got := OutputPath(&tc.s, tc.copy, png); got != tc.want {
			t.Errorf("OutputPath(%q, %d) = %q, want %q", tc.s.Path, tc.copy, got, tc.want)
		}
	}
	if got := OutputPath(&loaders.Sample{Path: "c/1.png", Class: "c"}, 0, &Config{Format: "jpeg"}); got != "c/1_000.jpg" {
		t.Errorf("jpeg: %q", got)
	}
}

// TestRawGraySource: raw gray samples (IDX-like) encode as gray PNGs.
func TestRawGraySource(t *testing.T) {
	pix := make([]byte, 6*5)
	for i := range pix {
		pix[i] = uint8(i * 8)
	}
	s := &loaders.Sample{Path: "x.idx#3", Class: "3", Label: 3, Index: 3, Format: loaders.FormatRaw, Data: pix, Height: 5, Width: 6, Channels: 1}
	out, err := Render(s, 0, &Config{Ops: "hflip p=1"})
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(out.Data))
	if err != nil {
		t.Fatal(err)
	}
	g, ok := img.(*image.Gray)
	if !ok || g.Pix[0] != pix[5] || out.Row.Params != "hflip" {
		t.Errorf("got %T, first pixel %v, params %q", img, g, out.Row.Params)
	}
}

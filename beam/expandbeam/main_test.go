package expandbeam

import (
	"bytes"
	"context"
	"flag"
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

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/runners/prism"

	"github.com/cnnpipe/cnnpipe/expand"
	"github.com/cnnpipe/cnnpipe/loaders"
)

func TestMain(m *testing.M) {
	flag.Parse()
	beam.Init()
	os.Exit(m.Run())
}

// onPrism runs pipelines on the in-process Prism runner.
func onPrism(ctx context.Context, p *beam.Pipeline) (beam.PipelineResult, error) {
	return prism.Execute(ctx, p)
}

const testOps = "rcrop size=20 scale=0.5-1; hflip p=0.5; rotate deg=15; jitter b=0.4 c=0.4 s=0.4 h=0.1"

// makeFolder writes a class folder with classes cat, dog and gray, n small
// images each: RGB PNGs, a JPEG in dog/, gray PNGs in gray/; with corrupt,
// also a broken dog/bad.png.
func makeFolder(t testing.TB, n int, corrupt bool) string {
	t.Helper()
	root := filepath.Join(t.TempDir(), "src")
	for ci, class := range []string{"cat", "dog", "gray"} {
		dir := filepath.Join(root, class)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for i := range n {
			var img image.Image
			if class == "gray" {
				g := image.NewGray(image.Rect(0, 0, 28, 26))
				for j := range g.Pix {
					g.Pix[j] = uint8(j*7 + 13*i)
				}
				img = g
			} else {
				c := image.NewNRGBA(image.Rect(0, 0, 32, 24))
				for y := range 24 {
					for x := range 32 {
						c.SetNRGBA(x, y, color.NRGBA{uint8(8*x + 40*ci), uint8(10*y + 7*i), uint8(x*y + 30*i), 255})
					}
				}
				img = c
			}
			var buf bytes.Buffer
			name := fmt.Sprintf("%03d.png", i)
			if class == "dog" && i%4 == 0 {
				name = fmt.Sprintf("%03d.jpg", i)
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

// runCore runs `cnnpipe augment`'s job (package expand) on src.
func runCore(t testing.TB, src, dst string, cfg expand.Config, policy loaders.ErrorPolicy) (expand.Summary, error) {
	t.Helper()
	d, err := loaders.Open(src, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	return expand.Run(context.Background(), d, src, dst, &cfg, &expand.Options{Workers: 2, OnError: policy})
}

// tree reads every file under root into a map keyed by slash-separated
// relative path, leaving out the manifests (whose layout differs: one file
// for the core, Parquet parts for Beam).
func tree(t testing.TB, root string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		if rel == expand.ManifestCSV || rel == expand.ManifestParquet || strings.HasPrefix(rel, ManifestDir+"/") {
			return nil
		}
		b, err := os.ReadFile(p)
		out[rel] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func sameTree(t testing.TB, core, beam map[string][]byte) {
	t.Helper()
	if len(core) != len(beam) {
		t.Errorf("core wrote %d files, beam %d", len(core), len(beam))
	}
	for k, v := range core {
		w, ok := beam[k]
		switch {
		case !ok:
			t.Errorf("%s: written by the core, missing from beam's output", k)
		case !bytes.Equal(v, w):
			t.Errorf("%s: beam's file differs from the core's", k)
		}
	}
	for k := range beam {
		if _, ok := core[k]; !ok {
			t.Errorf("%s: written by beam only", k)
		}
	}
}

// readRows reads a Parquet manifest file as CSV-like string rows.
func readRows(t testing.TB, name string) [][]string {
	t.Helper()
	pf, err := file.OpenParquetFile(name, false)
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
	if !sameFields(tbl.Schema(), expand.ManifestSchema) {
		t.Errorf("%s: schema %v, want %v", name, tbl.Schema(), expand.ManifestSchema)
	}
	tr := array.NewTableReader(tbl, -1)
	defer tr.Release()
	var rows [][]string
	for tr.Next() {
		rec := tr.RecordBatch()
		for i := range int(rec.NumRows()) {
			row := make([]string, rec.NumCols())
			for j, col := range rec.Columns() {
				row[j] = col.ValueStr(i)
			}
			rows = append(rows, row)
		}
	}
	return rows
}

// sameFields compares schemas by field names and types, ignoring the
// metadata Parquet adds.
func sameFields(a, b *arrow.Schema) bool {
	if a.NumFields() != b.NumFields() {
		return false
	}
	for i := range a.NumFields() {
		fa, fb := a.Field(i), b.Field(i)
		if fa.Name != fb.Name || !arrow.TypeEqual(fa.Type, fb.Type) {
			return false
		}
	}
	return true
}

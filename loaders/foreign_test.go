package loaders

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// foreignRecord builds a record the way other tools lay out image datasets.
func foreignRecord(t *testing.T, schema *arrow.Schema, imgs [][]byte, labels []int64) arrow.RecordBatch {
	t.Helper()
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	for i, img := range imgs {
		for f := range schema.Fields() {
			switch fb := b.Field(f).(type) {
			case *array.Int64Builder:
				fb.Append(labels[i])
			case *array.Int8Builder:
				fb.Append(int8(labels[i]))
			case *array.BinaryBuilder:
				fb.Append(img)
			case *array.StructBuilder: // Hugging Face: struct<bytes: binary, path: string>
				fb.Append(true)
				fb.FieldBuilder(0).(*array.BinaryBuilder).Append(img)
				fb.FieldBuilder(1).(*array.StringBuilder).Append("")
			}
		}
	}
	return b.NewRecordBatch()
}

func TestForeignTables(t *testing.T) {
	dir := t.TempDir()
	src := mustOpen(t, "../testdata/images", nil)
	orig := collect(t, src, nil)
	var imgs [][]byte
	var labels []int64
	for _, s := range orig {
		imgs = append(imgs, s.Data)
		labels = append(labels, int64(s.Label))
	}
	hfMeta := arrow.NewMetadata([]string{"huggingface"}, []string{`{"info":{"features":{"image":{"_type":"Image"},"label":{"names":["circle","square","triangle"],"_type":"ClassLabel"}}}}`})
	hf := arrow.NewSchema([]arrow.Field{
		{Name: "image", Type: arrow.StructOf(arrow.Field{Name: "bytes", Type: arrow.BinaryTypes.Binary, Nullable: true}, arrow.Field{Name: "path", Type: arrow.BinaryTypes.String, Nullable: true}), Nullable: true},
		{Name: "label", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	}, &hfMeta)
	plain := arrow.NewSchema([]arrow.Field{
		{Name: "label", Type: arrow.PrimitiveTypes.Int8, Nullable: true},
		{Name: "image", Type: arrow.BinaryTypes.Binary, Nullable: true},
	}, nil)
	for _, tc := range []struct {
		name    string
		schema  *arrow.Schema
		classes []string
	}{
		{"hf.parquet", hf, []string{"circle", "square", "triangle"}},
		{"plain.parquet", plain, []string{"0", "1", "2"}},
		{"plain.arrow", plain, nil}, // no names, labels stand for themselves
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := foreignRecord(t, tc.schema, imgs, labels)
			defer rec.Release()
			p := filepath.Join(dir, tc.name)
			f, err := os.Create(p)
			if err != nil {
				t.Fatal(err)
			}
			if filepath.Ext(p) == ".parquet" {
				w, err := pqarrow.NewFileWriter(tc.schema, f, nil, pqarrow.DefaultWriterProps())
				if err != nil {
					t.Fatal(err)
				}
				if err := w.Write(rec); err != nil {
					t.Fatal(err)
				}
				if err := w.Close(); err != nil {
					t.Fatal(err)
				}
			} else {
				w, err := ipc.NewFileWriter(f, ipc.WithSchema(tc.schema))
				if err != nil {
					t.Fatal(err)
				}
				if err := w.Write(rec); err != nil {
					t.Fatal(err)
				}
				if err := w.Close(); err != nil {
					t.Fatal(err)
				}
				f.Close()
			}
			d := mustOpen(t, p, nil)
			if !slices.Equal(d.Info().Classes, tc.classes) {
				t.Errorf("classes %v, want %v", d.Info().Classes, tc.classes)
			}
			got := collect(t, d, &ReadOptions{Verify: true})
			if len(got) != len(orig) {
				t.Fatalf("%d samples", len(got))
			}
			for i, s := range got {
				o := orig[i]
				if s.Label != o.Label || s.Format != o.Format || s.Height != o.Height || string(s.Data) != string(o.Data) {
					t.Fatalf("row %d: %+v vs %+v", i, s, o)
				}
			}
			// And on to cnnpipe's own schema and back.
			out := filepath.Join(dir, "back-"+tc.name+".parquet")
			convert(t, d, out, nil)
			if n := len(collect(t, mustOpen(t, out, nil), nil)); n != len(orig) {
				t.Fatalf("converted %d samples", n)
			}
		})
	}
}

// TestForeignHugeLabel: a label of two billion in a file without class
// names is a per-row error, not two billion class names.
func TestForeignHugeLabel(t *testing.T) {
	plain := arrow.NewSchema([]arrow.Field{
		{Name: "label", Type: arrow.PrimitiveTypes.Int64},
		{Name: "image", Type: arrow.BinaryTypes.Binary},
	}, nil)
	img := readFile(t, "../testdata/images/circle/circle_00.png")
	rec := foreignRecord(t, plain, [][]byte{img, img}, []int64{1, 2_000_000_000})
	defer rec.Release()
	for _, name := range []string{"h.arrow", "h.parquet"} {
		p := filepath.Join(t.TempDir(), name)
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		if filepath.Ext(name) == ".parquet" {
			w, _ := pqarrow.NewFileWriter(plain, f, nil, pqarrow.DefaultWriterProps())
			w.Write(rec)
			w.Close()
		} else {
			w, _ := ipc.NewFileWriter(f, ipc.WithSchema(plain))
			w.Write(rec)
			w.Close()
			f.Close()
		}
		d := mustOpen(t, p, nil)
		_, err = readAll(d, nil)
		wantErr(t, err, ErrUnknownClass, p, "2000000000")
		counts, err := d.ClassCounts(context.Background())
		if err != nil || len(counts) > 2 {
			t.Fatalf("%s: class counts of length %d, %v", name, len(counts), err)
		}
	}
}

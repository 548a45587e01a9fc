package expand

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"path/filepath"
	"runtime"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

func runtimeProcs() int { return runtime.GOMAXPROCS(0) }

// ManifestSchema is the Arrow schema of manifest.parquet; manifest.csv has
// the same columns in the same order.
var ManifestSchema = arrow.NewSchema([]arrow.Field{
	{Name: "output", Type: arrow.BinaryTypes.String},
	{Name: "source", Type: arrow.BinaryTypes.String},
	{Name: "index", Type: arrow.PrimitiveTypes.Int64},
	{Name: "label", Type: arrow.PrimitiveTypes.Int32},
	{Name: "class", Type: arrow.BinaryTypes.String},
	{Name: "split", Type: arrow.BinaryTypes.String},
	{Name: "copy", Type: arrow.PrimitiveTypes.Int32},
	{Name: "seed", Type: arrow.PrimitiveTypes.Uint64},
	{Name: "params", Type: arrow.BinaryTypes.String},
}, nil)

// EncodeCSV encodes rows as CSV with a header of ManifestSchema's names.
func EncodeCSV(rows []Row) ([]byte, error) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	names := make([]string, len(ManifestSchema.Fields()))
	for i, f := range ManifestSchema.Fields() {
		names[i] = f.Name
	}
	w.Write(names)
	for _, r := range rows {
		w.Write([]string{r.Output, r.Source, strconv.FormatInt(r.Index, 10), strconv.Itoa(int(r.Label)), r.Class, r.Split,
			strconv.Itoa(int(r.Copy)), strconv.FormatUint(r.Seed, 10), r.Params})
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}

// EncodeParquet encodes rows as a Parquet file of ManifestSchema.
func EncodeParquet(rows []Row) ([]byte, error) {
	b := array.NewRecordBuilder(memory.DefaultAllocator, ManifestSchema)
	defer b.Release()
	for _, r := range rows {
		b.Field(0).(*array.StringBuilder).Append(r.Output)
		b.Field(1).(*array.StringBuilder).Append(r.Source)
		b.Field(2).(*array.Int64Builder).Append(r.Index)
		b.Field(3).(*array.Int32Builder).Append(r.Label)
		b.Field(4).(*array.StringBuilder).Append(r.Class)
		b.Field(5).(*array.StringBuilder).Append(r.Split)
		b.Field(6).(*array.Int32Builder).Append(r.Copy)
		b.Field(7).(*array.Uint64Builder).Append(r.Seed)
		b.Field(8).(*array.StringBuilder).Append(r.Params)
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	var buf bytes.Buffer
	props := parquet.NewWriterProperties(parquet.WithCompression(compress.Codecs.Snappy), parquet.WithCreatedBy("cnnpipe"))
	w, err := pqarrow.NewFileWriter(ManifestSchema, &buf, props, pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema()))
	if err != nil {
		return nil, err
	}
	if err := w.Write(rec); err != nil {
		w.Close()
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func writeManifests(dst string, rows []Row) error {
	c, err := EncodeCSV(rows)
	if err != nil {
		return fmt.Errorf("expand: manifest: %w", err)
	}
	if err := WriteFileAtomic(filepath.Join(dst, ManifestCSV), c); err != nil {
		return err
	}
	p, err := EncodeParquet(rows)
	if err != nil {
		return fmt.Errorf("expand: manifest: %w", err)
	}
	return WriteFileAtomic(filepath.Join(dst, ManifestParquet), p)
}

func writeFailures(dst string, failures []Failure) error {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write([]string{"path", "index", "error"})
	for _, f := range failures {
		w.Write([]string{f.Path, strconv.Itoa(f.Index), f.Err.Error()})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return fmt.Errorf("expand: failures: %w", err)
	}
	return WriteFileAtomic(filepath.Join(dst, FailuresCSV), buf.Bytes())
}

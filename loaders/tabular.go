package loaders

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"math/rand/v2"
	"os"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// colMap locates the package's columns in a foreign schema; -1 = absent.
type colMap struct {
	path, label, split, image, format, h, w, c int
	imageChild                                 int // for a struct image column ({bytes, path}), the bytes child
}

type strValues interface {
	Value(int) string
	IsNull(int) bool
}

type binValues interface {
	Value(int) []byte
	IsNull(int) bool
}

func mapColumns(s *arrow.Schema, name string) (colMap, error) {
	find := func(n string) int {
		if idx := s.FieldIndices(n); len(idx) > 0 {
			return idx[0]
		}
		return -1
	}
	m := colMap{path: find(ColPath), label: find(ColLabel), split: find(ColSplit), image: find(ColImage),
		format: find(ColFormat), h: find(ColHeight), w: find(ColWidth), c: find(ColChannels), imageChild: -1}
	if m.image < 0 {
		m.image = find("img")
	}
	if m.image < 0 || m.label < 0 {
		return m, fileErr(name, ErrSchema, "want at least an %q column (binary) and a %q column (integer); have %v", ColImage, ColLabel, fieldNames(s))
	}
	switch t := s.Field(m.image).Type.(type) {
	case *arrow.BinaryType, *arrow.LargeBinaryType:
	case *arrow.StructType:
		// Hugging Face datasets store images as struct<bytes: binary, path: string>.
		if i, ok := t.FieldIdx("bytes"); ok {
			m.imageChild = i
			break
		}
		return m, fileErr(name, ErrSchema, "image column is a struct without a bytes field")
	default:
		return m, fileErr(name, ErrSchema, "image column has type %s, want binary", t)
	}
	if !arrow.IsInteger(s.Field(m.label).Type.ID()) {
		return m, fileErr(name, ErrSchema, "label column has type %s, want an integer type", s.Field(m.label).Type)
	}
	for _, p := range []*int{&m.path, &m.split, &m.format} {
		if *p >= 0 {
			switch s.Field(*p).Type.ID() {
			case arrow.STRING, arrow.LARGE_STRING:
			default:
				*p = -1
			}
		}
	}
	for _, p := range []*int{&m.h, &m.w, &m.c} {
		if *p >= 0 && !arrow.IsInteger(s.Field(*p).Type.ID()) {
			*p = -1
		}
	}
	return m, nil
}

func fieldNames(s *arrow.Schema) []string {
	n := make([]string, s.NumFields())
	for i := range n {
		n[i] = s.Field(i).Name
	}
	return n
}

// intAt returns an integer array's value as int64.
func intAt(a arrow.Array, i int) int64 {
	switch a := a.(type) {
	case *array.Int8:
		return int64(a.Value(i))
	case *array.Int16:
		return int64(a.Value(i))
	case *array.Int32:
		return int64(a.Value(i))
	case *array.Int64:
		return a.Value(i)
	case *array.Uint8:
		return int64(a.Value(i))
	case *array.Uint16:
		return int64(a.Value(i))
	case *array.Uint32:
		return int64(a.Value(i))
	case *array.Uint64:
		return int64(a.Value(i))
	}
	return 0
}

// classesFromMetadata reads class names from cnnpipe's metadata key, or
// from Hugging Face datasets' "huggingface" key.
func classesFromMetadata(s *arrow.Schema) []string {
	if c, err := ClassesFromSchema(s); err == nil && c != nil {
		return c
	}
	md := s.Metadata()
	if i := md.FindKey("huggingface"); i >= 0 {
		var hf struct {
			Info struct {
				Features map[string]struct {
					Names []string `json:"names"`
				} `json:"features"`
			} `json:"info"`
		}
		if json.Unmarshal([]byte(md.Values()[i]), &hf) == nil {
			if f, ok := hf.Info.Features[ColLabel]; ok && len(f.Names) > 0 {
				return f.Names
			}
		}
	}
	return nil
}

// tableRows converts the rows of a record batch to samples. base is the
// index of the batch's first row in the file.
func tableRows(rec arrow.RecordBatch, m colMap, base int, file string, classes []string, maxPixels int, yield func(Sample, error) bool) bool {
	rr, err := newRowReader(rec, m, file, classes, maxPixels)
	if err != nil {
		return yield(Sample{}, err)
	}
	for i := 0; i < int(rec.NumRows()); i++ {
		if !yield(rr.sample(i, base+i)) {
			return false
		}
	}
	return true
}

// rowReader converts rows of one record batch with a foreign or native
// layout (see mapColumns) to samples.
type rowReader struct {
	rec       arrow.RecordBatch
	m         colMap
	img       binValues
	label     arrow.Array
	file      string
	classes   []string
	maxPixels int
}

func newRowReader(rec arrow.RecordBatch, m colMap, file string, classes []string, maxPixels int) (*rowReader, error) {
	imgCol := rec.Column(m.image)
	if m.imageChild >= 0 {
		imgCol = imgCol.(*array.Struct).Field(m.imageChild)
	}
	img, ok := imgCol.(binValues)
	if !ok {
		return nil, fileErr(file, ErrSchema, "image column has type %s", imgCol.DataType())
	}
	return &rowReader{rec: rec, m: m, img: img, label: rec.Column(m.label), file: file, classes: classes, maxPixels: maxPixels}, nil
}

func (r *rowReader) str(col, i int) string {
	if col < 0 {
		return ""
	}
	a := r.rec.Column(col).(strValues)
	if a.IsNull(i) {
		return ""
	}
	return a.Value(i)
}

func (r *rowReader) num(col, i int) int {
	if col < 0 || r.rec.Column(col).IsNull(i) {
		return 0
	}
	return int(intAt(r.rec.Column(col), i))
}

// sample converts row i, whose index in the file is idx. The sample owns
// its data.
func (r *rowReader) sample(i, idx int) (Sample, error) {
	m := r.m
	s := Sample{Index: idx, Path: r.str(m.path, i), Split: r.str(m.split, i), Format: r.str(m.format, i), file: r.file + " row " + strconv.Itoa(idx)}
	if s.Path == "" {
		s.Path = "row-" + strconv.Itoa(idx)
	}
	if r.label.IsNull(i) || r.img.IsNull(i) {
		return Sample{}, sampleErr(s.file, idx, ErrCorrupt, "null label or image")
	}
	l := intAt(r.label, i)
	if !validLabel(l, len(r.classes)) {
		if len(r.classes) == 0 {
			return Sample{}, sampleErr(s.file, idx, ErrUnknownClass, "label %d (the file names no classes; labels must be 0..%d)", l, MaxClasses-1)
		}
		return Sample{}, sampleErr(s.file, idx, ErrUnknownClass, "label %d, but there are %d classes", l, len(r.classes))
	}
	s.Label = int32(l)
	s.Class = ClassName(r.classes, s.Label)
	s.Data = bytes.Clone(r.img.Value(i))
	if s.Format == FormatRaw {
		s.Height, s.Width, s.Channels = r.num(m.h, i), r.num(m.w, i), r.num(m.c, i)
		if s.Height <= 0 || s.Width <= 0 || s.Channels <= 0 || len(s.Data) != s.Height*s.Width*s.Channels {
			return Sample{}, sampleErr(s.file, idx, ErrCorrupt, "%d bytes of raw pixels for %dx%dx%d", len(s.Data), s.Height, s.Width, s.Channels)
		}
		return s, nil
	}
	h, _, err := DecodeHeader(s.Data, r.maxPixels)
	if err != nil {
		return Sample{}, &SampleError{Path: s.file, Index: idx, Err: err}
	}
	s.Format, s.Height, s.Width, s.Channels = h.Format, h.Height, h.Width, h.Channels
	return s, nil
}

// tableSource reads an Arrow IPC or Parquet file as a stream.
type tableSource struct {
	info      Info
	path      string
	maxPixels int
	cols      colMap
	// batches opens the file and yields its record batches, each valid
	// until the next one.
	batches func(ctx context.Context) iter.Seq2[arrow.RecordBatch, error]
	// groups holds the rows per Parquet row group (nil for Arrow IPC).
	groups []int
}

func (t *tableSource) Info() Info   { return t.info }
func (t *tableSource) Close() error { return nil }

func (t *tableSource) Samples(ctx context.Context) iter.Seq2[Sample, error] {
	return func(yield func(Sample, error) bool) {
		base := 0
		for rec, err := range t.batches(ctx) {
			if err != nil {
				yield(Sample{}, fmt.Errorf("loaders: %s: %w", t.path, err))
				return
			}
			if err := ctx.Err(); err != nil {
				yield(Sample{}, err)
				return
			}
			if !tableRows(rec, t.cols, base, t.path, t.info.Classes, t.maxPixels, yield) {
				return
			}
			base += int(rec.NumRows())
		}
	}
}

func openIPC(path, format string, cfg *Config) (Source, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("loaders: %s: %w", path, err)
	}
	var schema *arrow.Schema
	count := -1
	if format == "arrow" {
		r, err := ipc.NewFileReader(f, ipc.WithAllocator(memory.DefaultAllocator))
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("loaders: %s: %w: arrow file: %v", path, ErrCorrupt, err)
		}
		schema = r.Schema()
		r.Close()
	} else {
		r, err := ipc.NewReader(f)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("loaders: %s: %w: arrow stream: %v", path, ErrCorrupt, err)
		}
		schema = r.Schema()
		r.Release()
	}
	f.Close()
	t := &tableSource{path: path, maxPixels: cfg.MaxPixels}
	if t.cols, err = mapColumns(schema, path); err != nil {
		return nil, err
	}
	t.info = Info{Format: format, Path: path, Classes: classesFromMetadata(schema), Count: count, Encoded: true}
	t.batches = func(ctx context.Context) iter.Seq2[arrow.RecordBatch, error] {
		return func(yield func(arrow.RecordBatch, error) bool) {
			f, err := os.Open(path)
			if err != nil {
				yield(nil, err)
				return
			}
			defer f.Close()
			if format == "arrow" {
				r, err := ipc.NewFileReader(f)
				if err != nil {
					yield(nil, fmt.Errorf("%w: %v", ErrCorrupt, err))
					return
				}
				defer r.Close()
				for i := 0; i < r.NumRecords(); i++ {
					rec, err := r.RecordBatch(i)
					if err != nil {
						yield(nil, fmt.Errorf("%w: record batch %d: %v", ErrCorrupt, i, err))
						return
					}
					if !yield(rec, nil) {
						return
					}
				}
				return
			}
			r, err := ipc.NewReader(f)
			if err != nil {
				yield(nil, fmt.Errorf("%w: %v", ErrCorrupt, err))
				return
			}
			defer r.Release()
			for r.Next() {
				if !yield(r.RecordBatch(), nil) {
					return
				}
			}
			if err := r.Err(); err != nil {
				yield(nil, fmt.Errorf("%w: %v", ErrCorrupt, err))
			}
		}
	}
	if format == "arrow" {
		if m := openMappedIPC(t); m != nil {
			return m, nil
		}
	}
	return t, nil
}

func openParquet(path string, cfg *Config) (Source, error) {
	pf, err := file.OpenParquetFile(path, false)
	if err != nil {
		return nil, fmt.Errorf("loaders: %s: %w: parquet: %v", path, ErrCorrupt, err)
	}
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: defaultBatchSize}, memory.DefaultAllocator)
	if err != nil {
		pf.Close()
		return nil, fmt.Errorf("loaders: %s: %w: parquet: %v", path, ErrCorrupt, err)
	}
	schema, err := fr.Schema()
	count := int(pf.NumRows())
	// The file's key-value metadata, which pqarrow only exposes through a
	// stored Arrow schema (files from DuckDB and others have none).
	kv := pf.MetaData().KeyValueMetadata()
	kvMeta := arrow.NewMetadata(kv.Keys(), kv.Values())
	groups := make([]int, pf.NumRowGroups())
	for i := range groups {
		groups[i] = int(pf.RowGroup(i).NumRows())
	}
	pf.Close()
	if err != nil {
		return nil, fmt.Errorf("loaders: %s: %w: parquet schema: %v", path, ErrSchema, err)
	}
	t := &tableSource{path: path, maxPixels: cfg.MaxPixels, groups: groups}
	if t.cols, err = mapColumns(schema, path); err != nil {
		return nil, err
	}
	t.info = Info{Format: "parquet", Path: path, Classes: classesFromMetadata(schema), Count: count, Encoded: true}
	if t.info.Classes == nil {
		t.info.Classes = classesFromMetadata(arrow.NewSchema(nil, &kvMeta))
	}
	if t.info.Classes == nil {
		// No class names: name the labels "0".."max" from the label column
		// (read alone, so this is cheap).
		if t.info.Classes, err = parquetLabelRange(path, schema.Field(t.cols.label).Name); err != nil {
			return nil, err
		}
	}
	t.batches = func(ctx context.Context) iter.Seq2[arrow.RecordBatch, error] {
		return t.parquetBatches(ctx, nil)
	}
	return t, nil
}

// parquetBatches reads the record batches of the given row groups (nil:
// all, in file order).
func (t *tableSource) parquetBatches(ctx context.Context, rowGroups []int) iter.Seq2[arrow.RecordBatch, error] {
	return func(yield func(arrow.RecordBatch, error) bool) {
		pf, err := file.OpenParquetFile(t.path, false)
		if err != nil {
			yield(nil, fmt.Errorf("%w: parquet: %v", ErrCorrupt, err))
			return
		}
		defer pf.Close()
		fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: defaultBatchSize}, memory.DefaultAllocator)
		if err != nil {
			yield(nil, fmt.Errorf("%w: parquet: %v", ErrCorrupt, err))
			return
		}
		rr, err := fr.GetRecordReader(ctx, nil, rowGroups)
		if err != nil {
			yield(nil, fmt.Errorf("%w: parquet: %v", ErrCorrupt, err))
			return
		}
		defer rr.Release()
		for rr.Next() {
			if !yield(rr.RecordBatch(), nil) {
				return
			}
		}
		if err := rr.Err(); err != nil && !errors.Is(err, context.Canceled) {
			yield(nil, fmt.Errorf("%w: parquet: %v", ErrCorrupt, err))
		}
	}
}

// shuffledChunks yields the samples of a Parquet file row group by row
// group, in an order of row groups drawn from seed. Dataset.Shuffle uses it
// before its shuffle buffer, so that a file sorted by class is still mixed
// across the whole file with bounded memory.
func (t *tableSource) shuffledChunks(ctx context.Context, seed uint64) iter.Seq2[Sample, error] {
	return func(yield func(Sample, error) bool) {
		if t.groups == nil {
			for s, err := range t.Samples(ctx) {
				if !yield(s, err) {
					return
				}
			}
			return
		}
		base := make([]int, len(t.groups))
		for i := 1; i < len(base); i++ {
			base[i] = base[i-1] + t.groups[i-1]
		}
		order := rand.New(rand.NewPCG(seed, 0x726f7767726f7570)).Perm(len(t.groups))
		for _, g := range order {
			off := base[g]
			for rec, err := range t.parquetBatches(ctx, []int{g}) {
				if err != nil {
					yield(Sample{}, fmt.Errorf("loaders: %s: row group %d: %w", t.path, g, err))
					return
				}
				if err := ctx.Err(); err != nil {
					yield(Sample{}, err)
					return
				}
				if !tableRows(rec, t.cols, off, t.path, t.info.Classes, t.maxPixels, yield) {
					return
				}
				off += int(rec.NumRows())
			}
		}
	}
}

// Labels reads the label column alone (Parquet only; Arrow IPC files are
// read whole). Null or negative labels are returned as -1.
func (t *tableSource) Labels(ctx context.Context) ([]int32, error) {
	if t.groups == nil {
		var labels []int32
		for s, err := range t.Samples(ctx) {
			if err != nil {
				var se *SampleError
				if errors.As(err, &se) {
					labels = append(labels, -1)
					continue
				}
				return nil, err
			}
			labels = append(labels, s.Label)
		}
		return labels, nil
	}
	labels := make([]int32, 0, t.info.Count)
	err := readParquetColumn(ctx, t.path, ColLabel, func(a arrow.Array) {
		for i := 0; i < a.Len(); i++ {
			v := int64(-1)
			if !a.IsNull(i) {
				v = intAt(a, i)
			}
			if !validLabel(v, len(t.info.Classes)) {
				v = -1
			}
			labels = append(labels, int32(v))
		}
	})
	return labels, err
}

// readParquetColumn streams one top-level primitive column of a Parquet file.
func readParquetColumn(ctx context.Context, path, name string, fn func(arrow.Array)) error {
	pf, err := file.OpenParquetFile(path, false)
	if err != nil {
		return fmt.Errorf("loaders: %s: %w: parquet: %v", path, ErrCorrupt, err)
	}
	defer pf.Close()
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: 64 << 10}, memory.DefaultAllocator)
	if err != nil {
		return fmt.Errorf("loaders: %s: %w: parquet: %v", path, ErrCorrupt, err)
	}
	col := pf.MetaData().Schema.ColumnIndexByName(name) // a leaf index, not a field index
	if col < 0 {
		return fileErr(path, ErrSchema, "no leaf column %q", name)
	}
	rr, err := fr.GetRecordReader(ctx, []int{col}, nil)
	if err != nil {
		return fmt.Errorf("loaders: %s: %w: parquet: %v", path, ErrCorrupt, err)
	}
	defer rr.Release()
	for rr.Next() {
		fn(rr.RecordBatch().Column(0))
	}
	if err := rr.Err(); err != nil {
		return fmt.Errorf("loaders: %s: %w: parquet: %v", path, ErrCorrupt, err)
	}
	return nil
}

// parquetLabelRange reads only the label column of a Parquet file and
// returns the numeric class names "0".."max label".
func parquetLabelRange(path, name string) ([]string, error) {
	maxLabel := int64(-1)
	err := readParquetColumn(context.Background(), path, name, func(a arrow.Array) {
		for i := 0; i < a.Len(); i++ {
			if !a.IsNull(i) {
				maxLabel = max(maxLabel, intAt(a, i))
			}
		}
	})
	if err != nil {
		return nil, err
	}
	if maxLabel >= MaxClasses {
		return nil, nil // implausible as a class count: leave the labels unnamed
	}
	return numericClasses(int(maxLabel) + 1), nil
}

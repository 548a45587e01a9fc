package loaders

import (
	"context"
	"fmt"
	"iter"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// RecordReader streams a Dataset as record batches of the package schema.
// It implements array.RecordReader. The record returned by RecordBatch is
// owned by the reader and valid until the next call to Next or Release:
// Retain it to keep it longer, and Release it when done.
type RecordReader struct {
	refs     atomic.Int64
	schema   *arrow.Schema
	classes  []string
	batch    int
	maxBytes int
	pending  *Sample // read but not yet in a batch
	next     func() (Sample, error, bool)
	stop     func()
	bld      *array.RecordBuilder
	cur      arrow.RecordBatch
	err      error
	done     bool
}

var _ array.RecordReader = (*RecordReader)(nil)

// Records returns a reader of the view's samples as record batches of
// opts.BatchSize rows (the last one may be shorter, and a batch is cut
// short when its images would exceed opts.MaxBatchBytes). The caller must
// Release the reader.
func (d *Dataset) Records(ctx context.Context, opts *ReadOptions) *RecordReader {
	o := opts.withDefaults(d.maxPixels)
	classes := d.src.Info().Classes
	next, stop := iter.Pull2(d.Samples(ctx, &o))
	r := &RecordReader{
		schema:   Schema(classes),
		classes:  classes,
		batch:    o.BatchSize,
		maxBytes: o.MaxBatchBytes,
		next:     next,
		stop:     stop,
	}
	r.bld = array.NewRecordBuilder(o.Allocator, r.schema)
	r.refs.Store(1)
	return r
}

// Retain increases the reference count by 1.
func (r *RecordReader) Retain() { r.refs.Add(1) }

// Release decreases the reference count by 1; at zero it frees the current
// record and stops reading. Release may be called concurrently with
// Retain and Release but not with Next.
func (r *RecordReader) Release() {
	if r.refs.Add(-1) == 0 {
		if r.cur != nil {
			r.cur.Release()
			r.cur = nil
		}
		r.stop()
		r.bld.Release()
	}
}

// Schema returns the schema of the records.
func (r *RecordReader) Schema() *arrow.Schema { return r.schema }

// Next reads the next batch; it returns false at the end or on error (see Err).
func (r *RecordReader) Next() bool {
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
	if r.done {
		return false
	}
	n, size := 0, 0
	if r.pending != nil {
		appendSample(r.bld, r.pending)
		n, size = 1, len(r.pending.Data)
		r.pending = nil
	}
	for n < r.batch {
		s, err, ok := r.next()
		if !ok {
			r.done = true
			break
		}
		if err != nil {
			r.err = err
			r.done = true
			break
		}
		if n > 0 && size+len(s.Data) > r.maxBytes {
			r.pending = &s // starts the next batch
			break
		}
		appendSample(r.bld, &s)
		n++
		size += len(s.Data)
	}
	if n == 0 || r.err != nil {
		// Drop a partial batch on error: the caller sees Err.
		if n > 0 {
			r.bld.NewRecordBatch().Release()
		}
		return false
	}
	r.cur = r.bld.NewRecordBatch()
	return true
}

// RecordBatch returns the current batch.
func (r *RecordReader) RecordBatch() arrow.RecordBatch { return r.cur }

// Record returns the current batch.
//
// Deprecated: Use [RecordReader.RecordBatch] instead.
func (r *RecordReader) Record() arrow.RecordBatch { return r.cur }

// Err returns the error that ended reading, if any.
func (r *RecordReader) Err() error { return r.err }

// appendSample appends one row to a builder of the package schema.
func appendSample(b *array.RecordBuilder, s *Sample) {
	b.Field(idxIndex).(*array.Int64Builder).Append(int64(s.Index))
	b.Field(idxPath).(*array.StringBuilder).Append(s.Path)
	b.Field(idxLabel).(*array.Int32Builder).Append(s.Label)
	b.Field(idxSplit).(*array.StringBuilder).Append(s.Split)
	b.Field(idxImage).(*array.BinaryBuilder).Append(s.Data)
	b.Field(idxFormat).(*array.StringBuilder).Append(s.Format)
	b.Field(idxHeight).(*array.Int32Builder).Append(int32(s.Height))
	b.Field(idxWidth).(*array.Int32Builder).Append(int32(s.Width))
	b.Field(idxChannels).(*array.Int32Builder).Append(int32(s.Channels))
}

// A RowView gives row-level access to a record batch of the package
// schema. Samples it returns alias the record's memory and are valid only
// while the record is retained.
type RowView struct {
	n       int
	index   *array.Int64
	path    *array.String
	label   *array.Int32
	split   *array.String
	image   *array.Binary
	format  *array.String
	h, w, c *array.Int32
	classes []string
}

// NewRowView checks that rec has the package schema's columns (by name and
// type; other columns are ignored) and returns a row view of it.
func NewRowView(rec arrow.RecordBatch) (*RowView, error) {
	classes, err := ClassesFromSchema(rec.Schema())
	if err != nil {
		return nil, fmt.Errorf("loaders: %w: %v", ErrSchema, err)
	}
	v := &RowView{n: int(rec.NumRows()), classes: classes}
	col := func(name string) arrow.Array {
		idx := rec.Schema().FieldIndices(name)
		if len(idx) == 0 {
			return nil
		}
		return rec.Column(idx[0])
	}
	var ok bool
	get := func(name string, dst any) {
		if err != nil {
			return
		}
		a := col(name)
		switch p := dst.(type) {
		case **array.Int64:
			*p, ok = a.(*array.Int64)
		case **array.String:
			*p, ok = a.(*array.String)
		case **array.Int32:
			*p, ok = a.(*array.Int32)
		case **array.Binary:
			*p, ok = a.(*array.Binary)
		}
		if !ok {
			err = fmt.Errorf("loaders: %w: column %q missing or of wrong type", ErrSchema, name)
		}
	}
	get(ColIndex, &v.index)
	get(ColPath, &v.path)
	get(ColLabel, &v.label)
	get(ColSplit, &v.split)
	get(ColImage, &v.image)
	get(ColFormat, &v.format)
	get(ColHeight, &v.h)
	get(ColWidth, &v.w)
	get(ColChannels, &v.c)
	if err != nil {
		return nil, err
	}
	return v, nil
}

// Len returns the number of rows.
func (v *RowView) Len() int { return v.n }

// Classes returns the class names from the record's schema metadata.
func (v *RowView) Classes() []string { return v.classes }

// Sample returns row i. Its Data aliases the record's memory.
func (v *RowView) Sample(i int) Sample {
	return Sample{
		Index:    int(v.index.Value(i)),
		Path:     v.path.Value(i),
		Split:    v.split.Value(i),
		Label:    v.label.Value(i),
		Class:    ClassName(v.classes, v.label.Value(i)),
		Format:   v.format.Value(i),
		Data:     v.image.Value(i),
		Height:   int(v.h.Value(i)),
		Width:    int(v.w.Value(i)),
		Channels: int(v.c.Value(i)),
	}
}

package pipeline

import (
	"fmt"
	"image"
	"strings"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/cnnpipe/cnnpipe/loaders"
)

// A Sample is one image travelling through the image stages: the dataset
// row it came from (with its own copy of the data), then its decoded pixels,
// which Collate finally writes into a batch tensor. Each stage fills in the
// next representation and drops the one it consumed.
//
// A *Sample sent on a channel belongs to the receiver.
type Sample struct {
	// Sample is the dataset row. Its Data is owned by this Sample (not an
	// alias of an Arrow record) and is dropped once decoded.
	loaders.Sample
	// Epoch is the epoch the sample is drawn for; with Index and the run's
	// seed it keys the sample's augmentation randomness.
	Epoch int
	// Image holds the decoded pixels (set by Decode, replaced by Augment,
	// consumed by Collate). Buffers that Decode and Augment allocate are
	// recycled once consumed; an image set by other code is left alone.
	Image *image.NRGBA

	// pooled is set when Image's buffer came from the package's image
	// pool, so that a later stage may recycle it; images set by user code
	// are never recycled.
	pooled bool
	// dataPooled is set when Data's buffer came from the package's data
	// pool (Rows); Decode gives it back once decoded.
	dataPooled bool
}

// ID names the sample in errors by its file.
func (s *Sample) ID() string { return s.File() }

// ReadRecords returns a channel of the record batches read from r, in order.
// Each record sent is retained for the receiver, which must Release it.
// Records still queued when the pipeline is cancelled are released by Rows;
// a receiver other than Rows must drain and release them the same way. A
// reading error (r.Err) stops the pipeline. r stays owned by the caller, who
// releases it after Wait.
func ReadRecords(p *Pipeline, name string, r array.RecordReader) <-chan arrow.RecordBatch {
	st := p.newStage(name, "source", 1)
	out := make(chan arrow.RecordBatch, defaultBuffer)
	p.run(st, func() { readRecords(p, st, r, out) })
	return out
}

// readRecords is the body of ReadRecords, as one goroutine of stage st.
func readRecords(p *Pipeline, st *stage, r array.RecordReader, out chan<- arrow.RecordBatch) {
	defer close(out)
	for {
		if p.ctx.Err() != nil {
			return
		}
		start := time.Now()
		more := r.Next()
		st.busy(time.Since(start))
		if !more {
			if err := r.Err(); err != nil {
				p.fail(&StageError{Stage: st.name, Index: -1, Err: err})
			}
			return
		}
		rec := r.RecordBatch()
		rec.Retain() // for the receiver
		st.in()
		if !send(p.ctx, out, rec, st) {
			rec.Release()
			return
		}
	}
}

// Rows returns a channel of the rows of the record batches received from
// in, as Samples of the given epoch. Each row's strings and image bytes are
// copied out of the record, and each record is released once its rows have
// been sent, so no Arrow memory outlives this stage. When the pipeline stops
// early, Rows releases the records left in in.
func Rows(p *Pipeline, name string, in <-chan arrow.RecordBatch, epoch int) <-chan *Sample {
	st := p.newStage(name, "rows", 1)
	out := make(chan *Sample, defaultBuffer)
	p.run(st, func() { rows(p, st, in, epoch, out) })
	return out
}

// rows is the body of Rows, as one goroutine of stage st.
func rows(p *Pipeline, st *stage, in <-chan arrow.RecordBatch, epoch int, out chan<- *Sample) {
	defer close(out)
	defer func() {
		// Release whatever upstream still queues: it closes in promptly
		// once the pipeline is cancelled.
		for rec := range in {
			rec.Release()
		}
	}()
	var nrec int64
	var names interner
	for {
		rec, ok := recv(p.ctx, in, st)
		if !ok {
			return
		}
		st.in()
		start := time.Now()
		view, err := loaders.NewRowView(rec)
		if err != nil {
			rec.Release()
			p.fail(&StageError{Stage: st.name, Index: nrec, Err: fmt.Errorf("record %d: %w", nrec, err)})
			return
		}
		nrec++
		for i := 0; i < view.Len(); i++ {
			row := view.Sample(i)
			s := &Sample{Sample: row, Epoch: epoch, dataPooled: true}
			s.Path = strings.Clone(row.Path)
			s.Split = names.clone(row.Split)
			s.Class = names.clone(row.Class)
			s.Format = names.clone(row.Format)
			s.Data = dataBufs.clone(row.Data)
			st.busy(time.Since(start))
			if !send(p.ctx, out, s, st) {
				rec.Release()
				return
			}
			start = time.Now()
		}
		rec.Release()
	}
}

// ReadRows reads every reader in its own goroutine (stages name "read" and
// "rows" with one goroutine per reader) and returns their rows interleaved
// round-robin: the first row of readers[0], then of readers[1], and so on.
// Given the k shards of one view (loaders.Dataset.Shard(i, k)), whose
// sample j is in shard j%k, the result is the view's order, read k times
// faster when reading or generating samples is the slow part.
func ReadRows(p *Pipeline, readers []array.RecordReader, epoch int) <-chan *Sample {
	k := len(readers)
	read := p.newStage("read", "source", k)
	rowSt := p.newStage("rows", "rows", k)
	outs := make([]<-chan *Sample, k)
	for i, r := range readers {
		recs := make(chan arrow.RecordBatch, defaultBuffer)
		samples := make(chan *Sample, defaultBuffer)
		p.run(read, func() { readRecords(p, read, r, recs) })
		p.run(rowSt, func() { rows(p, rowSt, recs, epoch, samples) })
		outs[i] = samples
	}
	if k == 1 {
		return outs[0]
	}
	return Interleave(p, "interleave", outs...)
}

// An interner copies the few distinct strings of a column (class names,
// formats, splits) once each, instead of once per row. Its zero value is
// ready; it is used by one goroutine.
type interner map[string]string

// clone returns a copy of v that does not alias v's memory.
func (in *interner) clone(v string) string {
	if c, ok := (*in)[v]; ok { // no allocation: the lookup does not keep v
		return c
	}
	if len(*in) >= 1024 { // not a column of few values: stop remembering
		return strings.Clone(v)
	}
	if *in == nil {
		*in = make(interner)
	}
	c := strings.Clone(v)
	(*in)[c] = c
	return c
}

// dataPool recycles the buffers that Rows copies encoded images into,
// from Rows to Decode, which gives them back once the image is decoded.
type dataPool struct{ p sync.Pool } // of *[]byte

var dataBufs dataPool

// clone returns a copy of b in a recycled buffer when one is large enough.
func (dp *dataPool) clone(b []byte) []byte {
	if b == nil {
		return nil
	}
	if bp, ok := dp.p.Get().(*[]byte); ok && cap(*bp) >= len(b) {
		return append((*bp)[:0], b...)
	}
	// Room to grow: file sizes vary, a slightly larger one reuses it.
	return append(make([]byte, 0, len(b)+len(b)/4), b...)
}

// put gives b's buffer back. The caller must not use b afterwards.
func (dp *dataPool) put(b []byte) {
	if cap(b) == 0 || cap(b) > 1<<20 {
		return // keep large buffers out of the pool
	}
	b = b[:0]
	dp.p.Put(&b)
}

package loaders

import (
	"context"
	"fmt"
	"iter"
	"os"
	"sort"
	"sync"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
)

// mappedIPC is an uncompressed Arrow IPC file mapped into memory: its
// record batches are views of the mapping, so any row can be read at the
// cost of locating its batch. It gives Arrow files random access (a full
// shuffle, parallel reads).
type mappedIPC struct {
	*tableSource
	data  []byte
	unmap func() error
	r     *ipc.FileReader
	offs  []int // offs[b] is the index of batch b's first row; offs[len] = count

	mu       sync.Mutex
	cache    arrow.RecordBatch
	cacheIdx int
}

var (
	_ IndexedSource = (*mappedIPC)(nil)
	_ Labeler       = (*mappedIPC)(nil)
)

// openMappedIPC maps an Arrow IPC file. It returns nil (no error) when the
// file cannot be mapped or its batches are compressed (a compressed batch
// is decompressed on every access, so streaming is better).
func openMappedIPC(t *tableSource) *mappedIPC {
	f, err := os.Open(t.path)
	if err != nil {
		return nil
	}
	data, unmap := mapFile(f)
	f.Close()
	if data == nil {
		return nil
	}
	m := &mappedIPC{tableSource: t, data: data, unmap: unmap, cacheIdx: -1}
	fail := func() *mappedIPC {
		if m.r != nil {
			m.r.Close()
		}
		unmap()
		return nil
	}
	m.r, err = ipc.NewMappedFileReader(data)
	if err != nil {
		return fail()
	}
	m.offs = make([]int, m.r.NumRecords()+1)
	for b := 0; b < m.r.NumRecords(); b++ {
		rec, err := m.r.RecordBatchAt(b)
		if err != nil {
			return fail()
		}
		if b == 0 && !m.zeroCopy(rec) {
			rec.Release()
			return fail()
		}
		m.offs[b+1] = m.offs[b] + int(rec.NumRows())
		rec.Release()
	}
	m.info.Count = m.offs[len(m.offs)-1]
	return m
}

// zeroCopy reports whether rec's image values lie inside the mapping
// (they do not when the batch was decompressed).
func (m *mappedIPC) zeroCopy(rec arrow.RecordBatch) bool {
	col := rec.Column(m.cols.image)
	if m.cols.imageChild >= 0 {
		col = col.(*array.Struct).Field(m.cols.imageChild)
	}
	bufs := col.Data().Buffers()
	if len(bufs) < 3 || bufs[2] == nil || bufs[2].Len() == 0 {
		return true // nothing to copy either way
	}
	p := uintptr(unsafe.Pointer(unsafe.SliceData(bufs[2].Bytes())))
	lo := uintptr(unsafe.Pointer(unsafe.SliceData(m.data)))
	return p >= lo && p < lo+uintptr(len(m.data))
}

func (m *mappedIPC) Len() int { return m.info.Count }

// batch returns record batch b, retained for the caller, keeping the last
// one used.
func (m *mappedIPC) batch(b int) (arrow.RecordBatch, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.cacheIdx != b {
		rec, err := m.r.RecordBatchAt(b)
		if err != nil {
			return nil, fmt.Errorf("loaders: %s: %w: record batch %d: %v", m.path, ErrCorrupt, b, err)
		}
		if m.cache != nil {
			m.cache.Release()
		}
		m.cache, m.cacheIdx = rec, b
	}
	m.cache.Retain()
	return m.cache, nil
}

func (m *mappedIPC) Sample(i int) (Sample, error) {
	if i < 0 || i >= m.info.Count {
		return Sample{}, fmt.Errorf("loaders: %s: sample %d out of range [0,%d)", m.path, i, m.info.Count)
	}
	b := sort.SearchInts(m.offs, i+1) - 1
	rec, err := m.batch(b)
	if err != nil {
		return Sample{}, err
	}
	defer rec.Release()
	rr, err := newRowReader(rec, m.cols, m.path, m.info.Classes, m.maxPixels)
	if err != nil {
		return Sample{}, err
	}
	return rr.sample(i-m.offs[b], i)
}

func (m *mappedIPC) Samples(ctx context.Context) iter.Seq2[Sample, error] {
	return func(yield func(Sample, error) bool) {
		for b := 0; b+1 < len(m.offs); b++ {
			if err := ctx.Err(); err != nil {
				yield(Sample{}, err)
				return
			}
			rec, err := m.r.RecordBatchAt(b)
			if err != nil {
				yield(Sample{}, fmt.Errorf("loaders: %s: %w: record batch %d: %v", m.path, ErrCorrupt, b, err))
				return
			}
			ok := tableRows(rec, m.cols, m.offs[b], m.path, m.info.Classes, m.maxPixels, yield)
			rec.Release()
			if !ok {
				return
			}
		}
	}
}

func (m *mappedIPC) Labels(context.Context) ([]int32, error) {
	labels := make([]int32, 0, m.info.Count)
	for b := 0; b+1 < len(m.offs); b++ {
		rec, err := m.r.RecordBatchAt(b)
		if err != nil {
			return nil, fmt.Errorf("loaders: %s: %w: record batch %d: %v", m.path, ErrCorrupt, b, err)
		}
		a := rec.Column(m.cols.label)
		for i := 0; i < a.Len(); i++ {
			v := int64(-1)
			if !a.IsNull(i) {
				v = intAt(a, i)
			}
			if !validLabel(v, len(m.info.Classes)) {
				v = -1
			}
			labels = append(labels, int32(v))
		}
		rec.Release()
	}
	return labels, nil
}

func (m *mappedIPC) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.r == nil {
		return nil
	}
	if m.cache != nil {
		m.cache.Release()
		m.cache = nil
	}
	m.r.Close()
	m.r = nil
	return m.unmap()
}

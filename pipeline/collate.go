package pipeline

import (
	"context"
	"fmt"

	"github.com/cnnpipe/cnnpipe/cnn"
)

// A TensorBatch is a collated mini-batch: the cnn.Batch the trainer consumes
// plus the dataset indices of its samples. Its buffers come from a
// BatchPool; Release returns them once the trainer's step is done.
type TensorBatch struct {
	cnn.Batch
	// Index holds the dataset index of each sample, in batch order.
	Index []int
	pool  *BatchPool
}

// Release returns b's buffers to the pool it came from. b must not be used
// afterwards. Releasing a batch that has no pool does nothing.
func (b *TensorBatch) Release() {
	if b.pool != nil {
		b.pool.put(b)
	}
}

// A BatchPool recycles batch tensors, so that a steady-state epoch
// allocates no tensor memory. It keeps at most its capacity of free
// batches; Get allocates when none is free. It is safe for concurrent use.
type BatchPool struct {
	free chan *TensorBatch
}

// NewBatchPool returns a pool keeping up to capacity free batches.
func NewBatchPool(capacity int) *BatchPool {
	return &BatchPool{free: make(chan *TensorBatch, max(capacity, 1))}
}

// Get returns a batch whose X is shaped [n, c, h, w] and whose Labels and
// Index have length n. Its contents are undefined.
func (bp *BatchPool) Get(n, c, h, w int) *TensorBatch {
	var b *TensorBatch
	select {
	case b = <-bp.free:
	default:
		b = &TensorBatch{Batch: cnn.Batch{X: &cnn.Tensor{}}}
	}
	b.pool = bp
	b.X.Resize(n, c, h, w)
	b.Labels = resizeInts(b.Labels, n)
	b.Index = resizeInts(b.Index, n)
	return b
}

func (bp *BatchPool) put(b *TensorBatch) {
	select {
	case bp.free <- b:
	default:
	}
}

func resizeInts(s []int, n int) []int {
	if cap(s) < n {
		return make([]int, n)
	}
	return s[:n]
}

// CollateConfig configures a Collate stage.
type CollateConfig struct {
	// Workers is the number of goroutines filling batches; 0 means 1.
	Workers int
	// Channels is the number of channels of the tensors (1 or 3); 0 means 3.
	Channels int
	// Normalization maps pixel values to inputs (zero value: [0, 1]).
	Normalization Normalization
	// Pool provides the batch buffers; nil means a new pool.
	Pool *BatchPool
}

// Collate returns a channel of mini-batches made from the groups of decoded
// samples received from in (see Batch): each image becomes a
// [channels, height, width] slice of X, normalized, and its label and index
// are recorded. All images of a group must have the same size. Batches are
// delivered in order and owned by the receiver, which calls Release when
// done with one. The image buffers that Decode and Augment allocated are
// recycled for later samples.
func Collate(p *Pipeline, name string, in <-chan []*Sample, cfg CollateConfig) <-chan *TensorBatch {
	ch := cfg.Channels
	if ch == 0 {
		ch = 3
	}
	tz, err := NewTensorizer(ch, cfg.Normalization)
	pool := cfg.Pool
	if pool == nil {
		pool = NewBatchPool(2 * max(cfg.Workers, 1))
	}
	// A batch tensor is large: keep at most one finished batch waiting.
	return Map(p, name, in, MapConfig{Workers: cfg.Workers, Buffer: 1}, func(_ context.Context, group []*Sample) (*TensorBatch, error) {
		if err != nil {
			return nil, err
		}
		return collate(group, tz, pool)
	})
}

// collateError names the sample that could not be collated.
type collateError struct {
	s   *Sample
	err error
}

func (e *collateError) Error() string { return fmt.Sprintf("%s: %v", e.s.File(), e.err) }
func (e *collateError) Unwrap() error { return e.err }

func collate(group []*Sample, tz *Tensorizer, pool *BatchPool) (*TensorBatch, error) {
	if len(group) == 0 {
		return nil, fmt.Errorf("empty batch")
	}
	first := group[0].Image
	if first == nil {
		return nil, &collateError{group[0], fmt.Errorf("sample not decoded")}
	}
	h, w := first.Rect.Dy(), first.Rect.Dx()
	b := pool.Get(len(group), tz.Channels(), h, w)
	for k, s := range group {
		if s.Image == nil {
			b.Release()
			return nil, &collateError{s, fmt.Errorf("sample not decoded")}
		}
		if s.Image.Rect.Dy() != h || s.Image.Rect.Dx() != w {
			b.Release()
			return nil, &collateError{s, fmt.Errorf("image is %dx%d (HxW) but the batch's first is %dx%d; resize or crop images to one size", s.Image.Rect.Dy(), s.Image.Rect.Dx(), h, w)}
		}
		if err := tz.Fill(b.X.Sample(k), s.Image); err != nil {
			b.Release()
			return nil, &collateError{s, err}
		}
		b.Labels[k] = int(s.Label)
		b.Index[k] = s.Index
		if s.pooled {
			images.put(s.Image) // its pixels are in the batch now
		}
		s.Image, s.pooled = nil, false
	}
	return b, nil
}

package cnn

import (
	"fmt"
	"iter"
	"math/rand/v2"
)

// Batch is one mini-batch: X is [N, C, H, W] (or [N, F]) float32 data and
// Labels holds N class indices.
//
// Ownership: a Batch is lent to the consumer for the duration of one yield
// of a Source's iterator. The Trainer reads X and Labels only until the
// yield call returns (one training or evaluation step) and keeps no
// reference afterwards, so a producer may reuse both buffers for the next
// batch as soon as yield returns.
type Batch struct {
	X      *Tensor
	Labels []int
}

// Source yields the mini-batches of one epoch. It is the seam between the
// trainer and whatever produces data (memory, files, a channel pipeline).
type Source interface {
	// Epoch returns an iterator over the batches of epoch e (counting from
	// 1); a non-nil error ends the epoch and the training run. Sources
	// that shuffle derive the order from their seed and e, so that an
	// interrupted run resumed at epoch e sees the same data.
	Epoch(e int) iter.Seq2[Batch, error]
}

// SourceFunc adapts a function to a Source.
type SourceFunc func(epoch int) iter.Seq2[Batch, error]

// Epoch calls f(e).
func (f SourceFunc) Epoch(e int) iter.Seq2[Batch, error] { return f(e) }

// ChannelBatches returns an iterator over the batches received from ch
// until it is closed; errc, if not nil, is read after ch closes and a
// non-nil error ends the iteration with that error.
//
// A batch sent on ch belongs to the consumer until the consumer is done
// with it. If free is not nil, each batch is sent back on free as soon as
// the consumer is done with it (after its training step), so a producer can
// recycle a fixed set of buffers: give free a capacity of at least the
// number of buffers, fill it with them, and take one from free before
// filling and sending it. Without free, the producer must not reuse a
// batch it has sent.
//
// A producer that starts one channel per epoch becomes a Source with
// SourceFunc:
//
//	src := cnn.SourceFunc(func(e int) iter.Seq2[cnn.Batch, error] {
//		ch, free, errc := produce(e)
//		return cnn.ChannelBatches(ch, free, errc)
//	})
func ChannelBatches(ch <-chan Batch, free chan<- Batch, errc <-chan error) iter.Seq2[Batch, error] {
	return func(yield func(Batch, error) bool) {
		for b := range ch {
			if !yield(b, nil) {
				return
			}
			if free != nil {
				free <- b
			}
		}
		if errc != nil {
			if err := <-errc; err != nil {
				yield(Batch{}, err)
			}
		}
	}
}

// MemoryDataset is a labelled image set held in memory as uint8 pixels in
// NCHW order; batches are converted to float32 scaled to [0, 1].
type MemoryDataset struct {
	// Shape is the per-sample shape [C, H, W].
	Shape Shape
	// Pixels holds len(Labels)*Shape.Size() bytes.
	Pixels []uint8
	// Labels holds the class of every sample.
	Labels []int
}

// Len returns the number of samples.
func (d *MemoryDataset) Len() int { return len(d.Labels) }

// Validate checks that Pixels and Labels agree with Shape.
func (d *MemoryDataset) Validate() error {
	if d.Shape.Size() <= 0 || len(d.Pixels) != len(d.Labels)*d.Shape.Size() {
		return fmt.Errorf("cnn: memory dataset: %d pixels for %d samples of shape %v", len(d.Pixels), len(d.Labels), []int(d.Shape))
	}
	return nil
}

// BatchConfig configures MemoryDataset.Batches.
type BatchConfig struct {
	// Size is the batch size (0 = 64). The last batch of an epoch may be
	// smaller.
	Size int
	// Shuffle permutes the samples every epoch, from (Seed, epoch).
	Shuffle bool
	// Seed seeds the shuffle.
	Seed uint64
}

// Batches returns a Source over d. It reuses one Batch buffer for every
// batch (see Batch for the ownership rule) and allocates nothing per batch;
// so the iterators of two epochs of one Source must not run at the same
// time.
func (d *MemoryDataset) Batches(cfg BatchConfig) Source {
	bs := cfg.Size
	if bs <= 0 {
		bs = 64
	}
	var (
		x     Tensor
		lab   []int
		order []int
	)
	return SourceFunc(func(epoch int) iter.Seq2[Batch, error] {
		return func(yield func(Batch, error) bool) {
			if err := d.Validate(); err != nil {
				yield(Batch{}, err)
				return
			}
			n := d.Len()
			if len(order) != n {
				order = make([]int, n)
			}
			for i := range order {
				order[i] = i
			}
			if cfg.Shuffle {
				r := rand.New(rand.NewPCG(cfg.Seed, uint64(epoch)))
				r.Shuffle(n, func(i, j int) { order[i], order[j] = order[j], order[i] })
			}
			size := d.Shape.Size()
			for lo := 0; lo < n; lo += bs {
				hi := min(lo+bs, n)
				x.resizeBatch(hi-lo, d.Shape)
				lab = lab[:0]
				for k, idx := range order[lo:hi] {
					src := d.Pixels[idx*size : (idx+1)*size]
					dst := x.Data[k*size : (k+1)*size]
					for j, v := range src {
						dst[j] = float32(v) * (1.0 / 255)
					}
					lab = append(lab, d.Labels[idx])
				}
				if !yield(Batch{X: &x, Labels: lab}, nil) {
					return
				}
			}
		}
	})
}

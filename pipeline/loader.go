package pipeline

import (
	"context"
	"fmt"
	"image"
	"iter"
	"runtime"
	"sync"

	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/cnnpipe/cnnpipe/augment"
	"github.com/cnnpipe/cnnpipe/cnn"
	"github.com/cnnpipe/cnnpipe/loaders"
)

// LoaderConfig configures a Loader. The zero value means batches of 64,
// one worker per core in each parallel stage, no shuffling, no
// augmentation, 3 channels in [0, 1], and images kept at their size.
type LoaderConfig struct {
	// BatchSize is the number of samples per batch; 0 means 64.
	BatchSize int
	// DropLast drops a last batch smaller than BatchSize.
	DropLast bool
	// Workers is the number of goroutines of each parallel stage (decode,
	// augment, collate); 0 means runtime.GOMAXPROCS(0), one per core.
	// Results do not depend on it.
	Workers int
	// Shuffle draws a new order of the dataset every epoch from (Seed,
	// epoch).
	Shuffle bool
	// Seed seeds the shuffle and the augmentation: sample i of epoch e is
	// augmented with the random stream (Seed, e, i).
	Seed uint64
	// Augment is applied to every image; nil means none. An
	// *augment.Policy ending in "normalize" supplies Normalization when
	// that is left zero.
	Augment augment.Op
	// Height and Width, if set, are the model's input size: images of
	// another size after Augment are resized (bilinear) to it.
	Height, Width int
	// Channels is the number of input channels, 1 or 3; 0 means 3.
	Channels int
	// Normalization maps pixels to inputs (zero value: [0, 1]).
	Normalization Normalization
	// MaxPixels refuses larger images; 0 means loaders.DefaultMaxPixels.
	MaxPixels int
	// Prefetch is the number of batches prepared ahead of the trainer; 0
	// means 2.
	Prefetch int
	// ReadBatch is the number of rows per Arrow record read from the
	// dataset; 0 means 64.
	ReadBatch int
	// Readers is the number of goroutines reading the dataset, each one
	// shard of it, merged back into the dataset's order (see ReadRows).
	// 0 means min(Workers, 4) for datasets with random access (folders,
	// manifests, IDX, CIFAR, shapes) and 1 for streams (Arrow, Parquet),
	// which every shard would have to read in full.
	Readers int
}

// A Loader streams a loaders.Dataset to a trainer as mini-batches. It
// implements cnn.Source: each epoch runs a fresh Pipeline
//
//	read (Arrow records, Readers shards) → rows → decode → augment → batch → collate → prefetch
//
// whose statistics stay available from Stats until the next epoch starts.
// Per-sample randomness comes from (Seed, epoch, sample index), so the
// batches of an epoch are the same for any number of workers.
//
// Memory is bounded by the configuration: at most Prefetch+Workers+4 batch
// tensors (BatchSize×Channels×Height×Width float32 values each, recycled
// through a BatchPool), one batch of images being grouped, and a few images
// per worker in each parallel stage.
type Loader struct {
	ds   *loaders.Dataset
	cfg  LoaderConfig
	pool *BatchPool
	tz   *Tensorizer
	post augment.Op // policy plus resize to the model's input size

	mu    sync.Mutex
	cur   *Pipeline
	stats Stats // of the last finished epoch
	total Stats // of every finished epoch
}

var _ cnn.Source = (*Loader)(nil)

// NewLoader returns a Loader over ds. It checks cfg but reads nothing.
func NewLoader(ds *loaders.Dataset, cfg LoaderConfig) (*Loader, error) {
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = 64
	}
	if cfg.Workers <= 0 {
		cfg.Workers = runtime.GOMAXPROCS(0)
	}
	if cfg.Channels == 0 {
		cfg.Channels = 3
	}
	if cfg.Prefetch <= 0 {
		cfg.Prefetch = 2
	}
	if cfg.ReadBatch <= 0 {
		cfg.ReadBatch = 64
	}
	if cfg.Readers <= 0 {
		cfg.Readers = 1
		if _, ok := ds.Source().(loaders.IndexedSource); ok {
			cfg.Readers = min(cfg.Workers, 4)
		}
	}
	if (cfg.Height > 0) != (cfg.Width > 0) || cfg.Height < 0 || cfg.Width < 0 {
		return nil, fmt.Errorf("pipeline: loader: input size %dx%d: set both height and width, or neither", cfg.Height, cfg.Width)
	}
	if pol, ok := cfg.Augment.(*augment.Policy); ok && pol.Tensor != nil && pol.Tensor.Normalize &&
		cfg.Normalization.Mean == nil && cfg.Normalization.Std == nil {
		// A policy ending in "normalize": tensorize with its statistics.
		cfg.Normalization = Normalization{Mean: pol.Tensor.Mean[:cfg.Channels], Std: pol.Tensor.Std[:cfg.Channels]}
	}
	tz, err := NewTensorizer(cfg.Channels, cfg.Normalization)
	if err != nil {
		return nil, err
	}
	l := &Loader{ds: ds, cfg: cfg, tz: tz, pool: NewBatchPool(cfg.Prefetch + cfg.Workers + 4)}
	var ops augment.Compose
	if cfg.Augment != nil {
		ops = append(ops, cfg.Augment)
	}
	if cfg.Height > 0 {
		ops = append(ops, fitSize{augment.Size{H: cfg.Height, W: cfg.Width}})
	}
	if len(ops) > 0 {
		l.post = ops
	}
	return l, nil
}

// fitSize resizes images that are not already of the given size.
type fitSize struct{ size augment.Size }

func (f fitSize) Apply(img *image.NRGBA, s *augment.State) *image.NRGBA {
	if img.Rect.Dx() == f.size.W && img.Rect.Dy() == f.size.H {
		return img
	}
	return augment.Resize{Size: f.size}.Apply(img, s)
}

// Batches starts the pipeline of one epoch and returns it with its output:
// batches in order, each owned by the receiver, who calls Release when done
// with it. The caller drains the channel (or calls Stop) and then calls
// Wait. Epoch numbers are those of the trainer (counting from 1), but any
// integer works: it only keys the shuffle and the augmentation.
func (l *Loader) Batches(ctx context.Context, epoch int) (*Pipeline, <-chan *TensorBatch) {
	cfg := l.cfg
	p := New(ctx)
	ds := l.ds
	if cfg.Shuffle {
		ds = ds.Shuffle(augment.SampleSeed(cfg.Seed, uint64(epoch), 1<<62))
	}
	readers := make([]array.RecordReader, 0, cfg.Readers)
	for i := range cfg.Readers {
		shard := ds
		if cfg.Readers > 1 {
			var err error
			if shard, err = ds.Shard(i, cfg.Readers); err != nil {
				p.fail(&StageError{Stage: "read", Index: -1, Err: err})
				shard = ds
			}
		}
		rr := shard.Records(p.Context(), &loaders.ReadOptions{BatchSize: cfg.ReadBatch, MaxPixels: cfg.MaxPixels, Allocator: recordAlloc})
		p.Cleanup(rr.Release) // once every stage has stopped
		readers = append(readers, rr)
	}
	rows := ReadRows(p, readers, epoch)
	dec := Decode(p, "decode", rows, DecodeConfig{Workers: cfg.Workers, MaxPixels: cfg.MaxPixels})
	aug := dec
	if l.post != nil {
		aug = Augment(p, "augment", dec, l.post, AugmentConfig{Workers: cfg.Workers, Seed: cfg.Seed})
	}
	groups := Batch(p, "batch", aug, BatchConfig{Size: cfg.BatchSize, DropLast: cfg.DropLast})
	col := Collate(p, "collate", groups, CollateConfig{Workers: cfg.Workers, Channels: cfg.Channels, Normalization: cfg.Normalization, Pool: l.pool})
	out := Prefetch(p, "prefetch", col, cfg.Prefetch)
	l.mu.Lock()
	l.cur, l.stats = p, nil
	l.mu.Unlock()
	return p, out
}

// Epoch implements cnn.Source: it yields the batches of epoch e, each valid
// until the yield returns (its buffers are then recycled). A failure yields
// the pipeline's error, naming the stage and the file. Breaking out of the
// loop stops the epoch's pipeline.
func (l *Loader) Epoch(e int) iter.Seq2[cnn.Batch, error] {
	return l.EpochContext(context.Background(), e)
}

// EpochContext is Epoch with a context that stops the epoch's pipeline.
func (l *Loader) EpochContext(ctx context.Context, e int) iter.Seq2[cnn.Batch, error] {
	return func(yield func(cnn.Batch, error) bool) {
		p, out := l.Batches(ctx, e)
		defer func() {
			p.Stop()
			for b := range out { // recycle what was prepared ahead
				b.Release()
			}
			p.Wait()
			st := p.Stats()
			l.mu.Lock()
			l.stats = st
			l.total = l.total.Add(st)
			l.mu.Unlock()
		}()
		for b := range All(p, "train", out) {
			ok := yield(b.Batch, nil)
			b.Release()
			if !ok {
				return
			}
		}
		if err := p.Wait(); err != nil {
			yield(cnn.Batch{}, err)
		}
	}
}

// Stats returns the statistics of the running epoch's pipeline, or of the
// last finished one. The "train" stage is the consumer: its WaitIn is the
// time the trainer waited for data and its Busy the time it spent on the
// batches (compute).
func (l *Loader) Stats() Stats {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.cur != nil && l.stats == nil {
		return l.cur.Stats()
	}
	return l.stats
}

// TotalStats returns the statistics of every finished epoch added up (see
// Stats.Add). The "train" stage's Busy and WaitIn give where a training
// run's time went: computing, or waiting for data.
func (l *Loader) TotalStats() Stats {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append(Stats(nil), l.total...)
}

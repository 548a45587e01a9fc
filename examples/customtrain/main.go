// Command customtrain shows cnnpipe used as a library: it builds its own
// streaming pipeline from the pipeline package's stages, adds a transform
// written here (Scanlines, an augment.Op), defines a CNN in Go code, and
// trains it with cnn.Trainer on the built-in shapes dataset (or any dataset
// loaders.Open understands, given 1-channel images of the model's size).
//
//	go run ./examples/customtrain -n 2000 -epochs 3 -workers 2
//
// After training it prints where the time went, stage by stage.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"image"
	"io"
	"iter"
	"os"
	"os/signal"

	"github.com/cnnpipe/cnnpipe/augment"
	"github.com/cnnpipe/cnnpipe/cnn"
	"github.com/cnnpipe/cnnpipe/loaders"
	"github.com/cnnpipe/cnnpipe/pipeline"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "customtrain:", err)
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

// Scanlines is a custom transform: it overwrites Lines random rows of the
// image with a random gray level, as a crude model of sensor defects. Like
// every augment.Op it draws its randomness from the State, so a sample's
// result depends only on (seed, epoch, index).
type Scanlines struct{ Lines int }

// Apply implements augment.Op, modifying img in place.
func (o Scanlines) Apply(img *image.NRGBA, s *augment.State) *image.NRGBA {
	h, w := img.Rect.Dy(), img.Rect.Dx()
	for range o.Lines {
		y := s.Rand.Intn(h)
		v := uint8(s.Rand.Intn(256))
		row := img.Pix[img.PixOffset(img.Rect.Min.X, img.Rect.Min.Y+y):]
		for x := 0; x < w; x++ {
			row[4*x], row[4*x+1], row[4*x+2] = v, v, v
		}
	}
	return img
}

// model is the network, defined in Go code rather than a spec file: the
// layout of the seed model (three convolution blocks and a classifier) for
// 1xHxW inputs.
func model(h, w, classes int, seed uint64) (*cnn.Sequential, error) {
	m, err := cnn.NewSequential(cnn.Shape{1, h, w},
		cnn.NewConv2D(cnn.Conv2DConfig{Filters: 12, Kernel: 5}),
		cnn.NewReLU(),
		cnn.NewMaxPool2D(cnn.PoolConfig{Size: 2}),
		cnn.NewConv2D(cnn.Conv2DConfig{Filters: 16, Kernel: 5}),
		cnn.NewReLU(),
		cnn.NewMaxPool2D(cnn.PoolConfig{Size: 2}),
		cnn.NewConv2D(cnn.Conv2DConfig{Filters: 20, Kernel: 4}),
		cnn.NewReLU(),
		cnn.NewMaxPool2D(cnn.PoolConfig{Size: 2}),
		cnn.NewFlatten(),
		cnn.NewDense(cnn.DenseConfig{Units: 64}),
		cnn.NewReLU(),
		cnn.NewDense(cnn.DenseConfig{Units: classes}),
		cnn.NewSoftmax(),
	)
	if err != nil {
		return nil, err
	}
	m.Init(seed)
	return m, nil
}

// source feeds the trainer: every epoch it builds a pipeline by hand from
// the generic stages and the image adapters, and yields its batches.
type source struct {
	ds      *loaders.Dataset
	policy  augment.Op // nil for validation
	batch   int
	workers int
	seed    uint64
	pool    *pipeline.BatchPool
	stats   pipeline.Stats // of the last epoch
}

// Epoch implements cnn.Source.
func (s *source) Epoch(e int) iter.Seq2[cnn.Batch, error] {
	return func(yield func(cnn.Batch, error) bool) {
		p := pipeline.New(context.Background())
		defer func() {
			p.Stop()
			p.Wait()
			s.stats = p.Stats()
		}()

		view := s.ds
		if s.policy != nil {
			view = view.Shuffle(s.seed + uint64(e)) // a new order every epoch
		}
		rr := view.Records(p.Context(), nil)
		p.Cleanup(rr.Release) // after every stage has stopped

		records := pipeline.ReadRecords(p, "read", rr)
		rows := pipeline.Rows(p, "rows", records, e)
		images := pipeline.Decode(p, "decode", rows, pipeline.DecodeConfig{Workers: s.workers})
		if s.policy != nil {
			images = pipeline.Augment(p, "augment", images, s.policy,
				pipeline.AugmentConfig{Workers: s.workers, Seed: s.seed})
		}
		groups := pipeline.Batch(p, "batch", images, pipeline.BatchConfig{Size: s.batch})
		batches := pipeline.Collate(p, "collate", groups, pipeline.CollateConfig{
			Workers: s.workers, Channels: 1, Pool: s.pool,
		})
		ready := pipeline.Prefetch(p, "prefetch", batches, 2)

		for b := range pipeline.All(p, "train", ready) {
			ok := yield(b.Batch, nil)
			b.Release() // the trainer is done with it: recycle its buffers
			if !ok {
				return
			}
		}
		if err := p.Wait(); err != nil {
			yield(cnn.Batch{}, err)
		}
	}
}

func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("customtrain", flag.ContinueOnError)
	fs.SetOutput(out)
	var (
		data    = fs.String("data", "", "dataset path (default: the built-in shapes dataset of -n images)")
		n       = fs.Int("n", 2000, "number of shapes images when -data is not given")
		epochs  = fs.Int("epochs", 3, "training epochs")
		batch   = fs.Int("batch", 64, "batch size")
		workers = fs.Int("workers", 2, "goroutines per parallel stage")
		seed    = fs.Uint64("seed", 1, "seed for the split, the order, the augmentation and the weights")
		lr      = fs.Float64("lr", 1e-3, "learning rate (Adam)")
	)
	if err := fs.Parse(args); err != nil {
		return err
	}
	path := *data
	if path == "" {
		path = fmt.Sprintf("shapes?n=%d", *n)
	}
	ds, err := loaders.Open(path, nil)
	if err != nil {
		return err
	}
	defer ds.Close()
	train, val, err := ds.SplitFraction(ctx, 0.2, *seed)
	if err != nil {
		return err
	}

	// Built-in transforms composed with the custom one.
	policy := augment.Compose{
		augment.RandomApply{P: 0.5, Op: augment.HFlip{}},
		augment.Rotate{Degrees: augment.Range{Lo: -10, Hi: 10}},
		augment.RandomApply{P: 0.5, Op: Scanlines{Lines: 3}},
	}
	pool := pipeline.NewBatchPool(2*(*workers) + 4) // shared: one trainer, one batch at a time
	trainSrc := &source{ds: train, policy: policy, batch: *batch, workers: *workers, seed: *seed, pool: pool}
	valSrc := &source{ds: val, batch: *batch, workers: *workers, seed: *seed, pool: pool}

	info := ds.Info()
	h, w := loaders.ShapesHeight, loaders.ShapesWidth
	m, err := model(h, w, len(info.Classes), *seed)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%s\n", m.Summary())
	t := cnn.NewTrainer(m, cnn.TrainConfig{
		Epochs: *epochs,
		LR:     *lr,
		OnEpoch: func(st cnn.EpochStats) {
			fmt.Fprintf(out, "epoch %d: train loss %.4f acc %.3f, val loss %.4f acc %.3f, %.0f img/s\n",
				st.Epoch, st.TrainLoss, st.TrainAcc, st.ValLoss, st.ValAcc, st.ImagesPerSec)
		},
	})
	if err := t.Fit(ctx, trainSrc, valSrc); err != nil {
		return err
	}
	fmt.Fprintf(out, "\nlast training epoch, stage by stage (train = the trainer: busy is compute, wait-in is waiting for data):\n%s", trainSrc.stats)
	return nil
}

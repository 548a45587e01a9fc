package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/cnnpipe/cnnpipe/cnn"
	"github.com/cnnpipe/cnnpipe/cnn/report"
	"github.com/cnnpipe/cnnpipe/loaders"
	"github.com/cnnpipe/cnnpipe/models"
	"github.com/schollz/progressbar/v3"
)

// Default number of epochs of cnnpipe train: enough for the seed model to
// pass 95% validation accuracy on the shapes dataset.
const defaultTrainEpochs = 5

func init() {
	register(&command{
		name:    "train",
		summary: "train a CNN (by default the built-in seed model on the built-in shapes dataset)",
		usage:   "cnnpipe train [flags]",
		example: "cnnpipe train                          # seed model, shapes dataset, runs/<time>/\n" +
			"cnnpipe train --epochs 3 --out runs/quick\n" +
			"cnnpipe train --model my.yaml --optimizer sgd --lr 0.05\n" +
			"cnnpipe train --resume runs/quick/last.safetensors --epochs 6 --out runs/quick",
		setup: setupTrain,
	})
}

type trainFlags struct {
	out, model, optimizer, resume string
	epochs, batch                 int
	trainSize, valSize            int
	seed                          uint64
	lr                            float64
}

func setupTrain(fs *flag.FlagSet) func(ctx context.Context, args []string, e *env) error {
	f := &trainFlags{}
	fs.StringVar(&f.out, "out", "", "output directory (default runs/<date-time>)")
	fs.StringVar(&f.model, "model", models.Default, "built-in model name or path to a .yaml/.json spec")
	fs.StringVar(&f.optimizer, "optimizer", "", "override the spec's optimizer: sgd, momentum, nesterov or adam")
	fs.StringVar(&f.resume, "resume", "", "continue the run saved in this checkpoint (a last.safetensors; its model and seed are used)")
	fs.IntVar(&f.epochs, "epochs", defaultTrainEpochs, "total number of epochs")
	fs.IntVar(&f.batch, "batch", 64, "mini-batch size")
	fs.IntVar(&f.trainSize, "train-size", 8000, "images of the generated shapes training set")
	fs.IntVar(&f.valSize, "val-size", 2000, "images of the generated shapes validation set")
	fs.Uint64Var(&f.seed, "seed", 1, "seed of weight init, dropout and shuffling")
	fs.Float64Var(&f.lr, "lr", 0, "override the spec's learning rate")
	return func(ctx context.Context, args []string, e *env) error { return runTrain(ctx, args, e, f) }
}

func runTrain(ctx context.Context, args []string, e *env, f *trainFlags) error {
	if len(args) != 0 {
		return usagef("unexpected arguments %q", args)
	}
	if f.epochs <= 0 || f.batch <= 0 || f.trainSize <= 0 || f.valSize < 0 || f.lr < 0 {
		return usagef("--epochs, --batch and --train-size must be positive, --val-size and --lr non-negative")
	}
	var spec *cnn.Spec
	if f.resume != "" {
		// A resumed run continues the checkpoint's model (its spec is in
		// the header), whatever --model says.
		c, err := cnn.LoadCheckpoint(f.resume)
		if err != nil {
			return err
		}
		if spec, err = c.Spec(); err != nil {
			return fmt.Errorf("%s: %w", f.resume, err)
		}
		f.model = f.resume
	} else {
		var err error
		if spec, err = models.Open(f.model); err != nil {
			return usagef("%v", err)
		}
	}
	if err := overrideOptimizer(spec, f.optimizer, f.lr); err != nil {
		return err
	}
	m, err := spec.Build(f.seed)
	if err != nil {
		return fmt.Errorf("%s: %w", f.model, err)
	}
	opt, lr, sched, err := spec.NewOptimizer()
	if err != nil {
		return err
	}
	loss, err := spec.NewLoss()
	if err != nil {
		return err
	}
	shape := cnn.Shape{1, loaders.ShapesHeight, loaders.ShapesWidth}
	if !m.InputShape().Equal(shape) || m.OutputShape().Size() != len(loaders.ShapesClasses) {
		return usagef("model %s takes %v and gives %v; the shapes dataset needs input %v and %d classes",
			f.model, m.InputShape(), m.OutputShape(), shape, len(loaders.ShapesClasses))
	}
	if f.out == "" {
		f.out = filepath.Join("runs", time.Now().Format("20060102-150405"))
	}

	fmt.Fprint(e.stdout, m.Summary())
	start := time.Now()
	train, val := shapesData(f.trainSize, f.valSize)
	fmt.Fprintf(e.stdout, "data: shapes, %d training and %d validation images generated in %.1fs\n", f.trainSize, f.valSize, time.Since(start).Seconds())

	bar := newProgress(e.stderr, f.trainSize)
	var tr *cnn.Trainer
	var plotErr error
	cfg := cnn.TrainConfig{
		Epochs: f.epochs, Loss: loss, Optimizer: opt, LR: lr, Schedule: sched, OutDir: f.out,
		OnBatch: func(b cnn.BatchStats) { bar.update(b) },
		OnEpoch: func(s cnn.EpochStats) {
			bar.done()
			best := ""
			if s.Best {
				best = "  *best"
			}
			fmt.Fprintf(e.stdout, "epoch %2d/%d  lr %.2g  loss %.4f  acc %.4f  val_loss %.4f  val_acc %.4f  %5.0f img/s  %5.1fs%s\n",
				s.Epoch, f.epochs, s.LR, s.TrainLoss, s.TrainAcc, s.ValLoss, s.ValAcc, s.ImagesPerSec, s.Seconds, best)
			if err := report.WriteCurves(filepath.Join(f.out, "curves.png"), tr.State().History); err != nil && plotErr == nil {
				plotErr = err
			}
		},
	}
	tr = cnn.NewTrainer(m, cfg)
	if f.resume != "" {
		if err := tr.Resume(f.resume); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "resumed %s after epoch %d\n", f.resume, tr.State().Epoch)
		f.seed = tr.State().Seed // the shuffle continues the checkpoint's run
	}
	bs := cnn.BatchConfig{Size: f.batch, Shuffle: true, Seed: f.seed}
	var valSrc cnn.Source
	if val.Len() > 0 {
		valSrc = val.Batches(cnn.BatchConfig{Size: 256})
	}
	err = tr.Fit(ctx, train.Batches(bs), valSrc)
	bar.done()
	if err == nil {
		err = plotErr
	}
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return fmt.Errorf("interrupted; continue with: cnnpipe train --resume %s --out %s --epochs %d",
				filepath.Join(f.out, "last.safetensors"), f.out, f.epochs)
		}
		return err
	}
	st := tr.State()
	if valSrc != nil {
		cm, err := tr.Confusion(ctx, valSrc, 0)
		if err != nil {
			return err
		}
		if err := report.WriteConfusion(filepath.Join(f.out, "confusion.png"), cm, loaders.ShapesClasses); err != nil {
			return err
		}
	}
	fmt.Fprintf(e.stdout, "best accuracy %.4f at epoch %d; %.0fs in all; wrote %s/{metrics.csv,last.safetensors,best.safetensors,curves.png,confusion.png}\n",
		st.BestValAcc, st.BestEpoch, time.Since(start).Seconds(), f.out)
	return nil
}

// shapesData generates the built-in shapes dataset in memory.
func shapesData(nTrain, nVal int) (train, val *cnn.MemoryDataset) {
	shape := cnn.Shape{1, loaders.ShapesHeight, loaders.ShapesWidth}
	pix, labels := loaders.GenerateShapes(1, nTrain)
	train = &cnn.MemoryDataset{Shape: shape, Pixels: pix, Labels: labels}
	pix, labels = loaders.GenerateShapes(2, nVal)
	val = &cnn.MemoryDataset{Shape: shape, Pixels: pix, Labels: labels}
	return train, val
}

// overrideOptimizer applies --optimizer and --lr to the spec.
func overrideOptimizer(spec *cnn.Spec, name string, lr float64) error {
	if name == "" && lr == 0 {
		return nil
	}
	o := cnn.OptimizerSpec{}
	if spec.Optimizer != nil {
		o = *spec.Optimizer
	}
	switch name {
	case "":
	case "adam":
		o = cnn.OptimizerSpec{Name: "adam", Schedule: o.Schedule, WeightDecay: o.WeightDecay}
	case "sgd", "momentum", "nesterov":
		o = cnn.OptimizerSpec{Name: "sgd", Schedule: o.Schedule, WeightDecay: o.WeightDecay}
		if name != "sgd" {
			o.Momentum = 0.9
			o.Nesterov = name == "nesterov"
		}
	default:
		return usagef("--optimizer %q: want sgd, momentum, nesterov or adam", name)
	}
	if lr != 0 {
		o.LR = lr
	}
	spec.Optimizer = &o
	_, _, _, err := spec.NewOptimizer()
	return err
}

// progress shows a progress bar per epoch on a terminal and nothing
// otherwise (the per-epoch lines are printed in both cases).
type progress struct {
	bar   *progressbar.ProgressBar
	w     io.Writer
	total int
	epoch int
}

func newProgress(w io.Writer, total int) *progress {
	p := &progress{total: total}
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			p.w = w
		}
	}
	return p
}

func (p *progress) update(b cnn.BatchStats) {
	if p.w == nil {
		return
	}
	if p.bar == nil || p.epoch != b.Epoch {
		p.epoch = b.Epoch
		p.bar = progressbar.NewOptions(p.total, progressbar.OptionSetWriter(p.w),
			progressbar.OptionSetDescription(fmt.Sprintf("epoch %d", b.Epoch)), progressbar.OptionShowCount(),
			progressbar.OptionShowIts(), progressbar.OptionSetItsString("img"), progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish(), progressbar.OptionSetPredictTime(true))
	}
	p.bar.Describe(fmt.Sprintf("epoch %d loss %.3f", b.Epoch, b.Loss))
	p.bar.Set(b.Images)
}

func (p *progress) done() {
	if p.bar != nil {
		p.bar.Finish()
		p.bar = nil
	}
}

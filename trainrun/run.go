package trainrun

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"github.com/cnnpipe/cnnpipe/augment"
	"github.com/cnnpipe/cnnpipe/cnn"
	"github.com/cnnpipe/cnnpipe/cnn/report"
	"github.com/cnnpipe/cnnpipe/eval"
	"github.com/cnnpipe/cnnpipe/loaders"
	"github.com/cnnpipe/cnnpipe/models"
	"github.com/cnnpipe/cnnpipe/pipeline"
)

// ErrConfig is wrapped by the errors of Run that come from the
// configuration (bad values, a model that does not fit the data), as
// opposed to failures while running; a command line reports them as usage
// errors.
var ErrConfig = errors.New("invalid training configuration")

// Defaults of Config.
const (
	DefaultEpochs      = 5 // enough for the seed model to pass 95% on the shapes dataset
	DefaultBatch       = 64
	DefaultShapesTrain = 8000
	DefaultShapesVal   = 2000
)

// Config describes a training run. The zero value trains the built-in seed
// model on the built-in shapes dataset with the defaults below.
type Config struct {
	// Data is the training dataset: anything loaders.Open accepts. ""
	// means the built-in shapes dataset (ShapesTrain images of seed 1,
	// validated on ShapesVal images of seed 2). A dataset with "train" and
	// "test" splits trains on "train" and validates on "test" unless Val
	// or ValSplit say otherwise.
	Data string
	// Val is a separate validation dataset.
	Val string
	// ValSplit, if in (0, 1), holds out this fraction of the training
	// data (stratified by class, drawn from Seed) for validation.
	ValSplit float64
	// Model is a built-in model name or the path of a YAML/JSON spec (""
	// = models.Default).
	Model string
	// Augment is an augmentation policy (augment.Parse) applied to the
	// training split only.
	Augment string
	// Epochs is the total number of epochs (0 = DefaultEpochs); a resumed
	// run continues up to it.
	Epochs int
	// Batch is the mini-batch size (0 = DefaultBatch).
	Batch int
	// LR and Optimizer ("sgd", "momentum", "nesterov", "adam") override
	// the spec's optimizer when set.
	LR        float64
	Optimizer string
	// Workers is the number of goroutines of each parallel pipeline stage
	// (0 = one per core). Results do not depend on it.
	Workers int
	// Seed seeds weight init, dropout, shuffling and augmentation (0 = 1).
	Seed uint64
	// OutDir receives the outputs ("" = the directory of Resume, or
	// runs/<date-time>).
	OutDir string
	// Resume is a training checkpoint (last.safetensors) to continue:
	// its model, seed, optimizer state, epoch and position in the epoch
	// are used. Data, Augment and Batch must be those of the first run
	// for the data order to continue.
	Resume string
	// ShapesTrain and ShapesVal are the sizes of the built-in dataset
	// (0 = DefaultShapesTrain, DefaultShapesVal; ShapesVal < 0 = no
	// validation).
	ShapesTrain, ShapesVal int
	// Out receives the model summary, one line per epoch and the final
	// report (nil = discard).
	Out io.Writer
	// Progress, if not nil, receives a progress line (batches, running
	// loss, images/sec): redrawn in place when ProgressTTY is set, printed
	// every ProgressEvery (0 = 10s) otherwise.
	Progress      io.Writer
	ProgressTTY   bool
	ProgressEvery time.Duration
	// OnBatch, if not nil, is called after every training step.
	OnBatch func(cnn.BatchStats)
}

// Result describes a finished (or stopped) run.
type Result struct {
	// OutDir is the output directory.
	OutDir string
	// State is the trainer's final state (epochs, best accuracy, history).
	State cnn.TrainState
	// Time is where the time went.
	Time Breakdown
	// Train is the training pipeline's statistics over every epoch.
	Train pipeline.Stats
}

// iter2 is what a cnn.Source yields.
type iter2 = iter.Seq2[cnn.Batch, error]

func configErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrConfig, fmt.Sprintf(format, args...))
}

// Run trains as described by cfg. The error of an interrupted run wraps
// *cnn.InterruptedError (and ctx's error), that of a diverged one
// *cnn.DivergedError; the Result is returned in both cases, with the time
// spent so far.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	start := time.Now()
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	out := cfg.Out

	// Model: from the checkpoint when resuming, else from Model.
	var spec *cnn.Spec
	var err error
	if cfg.Resume != "" {
		c, err := cnn.LoadCheckpoint(cfg.Resume)
		if err != nil {
			return nil, err
		}
		if spec, err = c.Spec(); err != nil {
			return nil, fmt.Errorf("%s: %w", cfg.Resume, err)
		}
	} else if spec, err = models.Open(cfg.Model); err != nil {
		return nil, configErr("%v", err)
	}
	if err := OverrideOptimizer(spec, cfg.Optimizer, cfg.LR); err != nil {
		return nil, err
	}
	modelName := cfg.Model
	if cfg.Resume != "" {
		modelName = cfg.Resume
	}
	// A built-in model's last layer is sized to the dataset's classes, so
	// that it trains on any labelled folder; a model from a file is taken
	// as written (a mismatch is an error below).
	var data *runData
	var headNote string
	if cfg.Resume == "" && slices.Contains(models.Names(), cfg.Model) {
		if data, err = openData(ctx, &cfg); err != nil {
			return nil, err
		}
		defer data.close()
		if k := len(data.train.Info().Classes); k > 0 {
			if old, err := spec.SetOutputUnits(k); err == nil && old != k {
				headNote = fmt.Sprintf("model %s: last layer set to %d units (from %d) for the %d classes of %s", cfg.Model, k, old, k, data.name)
			}
		}
	}
	m, err := spec.Build(cfg.Seed)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", modelName, err)
	}
	opt, lr, sched, err := spec.NewOptimizer()
	if err != nil {
		return nil, err
	}
	loss, err := spec.NewLoss()
	if err != nil {
		return nil, err
	}
	in := m.InputShape()
	if len(in) != 3 || (in[0] != 1 && in[0] != 3) {
		return nil, configErr("model %s takes %v; training from images needs an input of [1 or 3 channels, height, width]", modelName, in)
	}

	res := &Result{OutDir: cfg.OutDir}
	var tr *cnn.Trainer
	var plotErr error
	prog := newProgress(cfg.Progress, cfg.ProgressTTY, cfg.ProgressEvery)
	meta := map[string]string{} // class names and normalization, filled in once the data is open
	tcfg := cnn.TrainConfig{
		Epochs: cfg.Epochs, Loss: loss, Optimizer: opt, LR: lr, Schedule: sched, OutDir: cfg.OutDir, Metadata: meta,
		OnBatch: func(b cnn.BatchStats) {
			prog.update(b, cfg.Epochs)
			if cfg.OnBatch != nil {
				cfg.OnBatch(b)
			}
		},
		OnEpoch: func(s cnn.EpochStats) {
			prog.clear()
			best := ""
			if s.Best {
				best = "  *best"
			}
			fmt.Fprintf(out, "epoch %2d/%d  lr %.2g  loss %.4f  acc %.4f  val_loss %.4f  val_acc %.4f  %5.0f img/s  %5.1fs%s\n",
				s.Epoch, cfg.Epochs, s.LR, s.TrainLoss, s.TrainAcc, s.ValLoss, s.ValAcc, s.ImagesPerSec, s.Seconds, best)
			if err := report.WriteCurves(filepath.Join(cfg.OutDir, "curves.png"), tr.State().History); err != nil && plotErr == nil {
				plotErr = err
			}
		},
	}
	tr = cnn.NewTrainer(m, tcfg)
	var from *cnn.EpochProgress
	if cfg.Resume != "" {
		if from, err = tr.ResumeGuarded(cfg.Resume); err != nil {
			return nil, err
		}
		cfg.Seed = tr.State().Seed // shuffle and augmentation continue the checkpoint's run
		if from != nil && from.Batches > 0 && from.BatchSize != 0 && from.BatchSize != cfg.Batch {
			return nil, configErr("%s was interrupted in a run with batches of %d: resume with the same batch size, not %d",
				cfg.Resume, from.BatchSize, cfg.Batch)
		}
	}

	if data == nil {
		if data, err = openData(ctx, &cfg); err != nil {
			return nil, err
		}
		defer data.close()
	}
	classes := data.train.Info().Classes
	if k := m.OutputShape().Size(); len(classes) > 0 && k != len(classes) {
		return nil, configErr("model %s has %d outputs but %s has %d classes; use a model whose last layer has %d units",
			modelName, k, data.name, len(classes), len(classes))
	}
	if len(classes) > 0 {
		js, _ := json.Marshal(classes)
		meta[cnn.MetaClasses] = string(js)
	}

	fmt.Fprint(out, m.Summary())
	if headNote != "" {
		fmt.Fprintf(out, "note: %s\n", headNote)
	}
	fmt.Fprintf(out, "data: %s\n", data.describe)
	if note := sizeNote(ctx, data.train, in); note != "" {
		fmt.Fprintf(out, "note: %s\n", note)
	}
	if cfg.Resume != "" {
		at := fmt.Sprintf("after epoch %d", tr.State().Epoch)
		if from != nil {
			at = fmt.Sprintf("in epoch %d after %d batches", from.Epoch, from.Batches)
		}
		fmt.Fprintf(out, "resumed %s %s (seed %d)\n", cfg.Resume, at, cfg.Seed)
	}

	var policy augment.Op
	norm := pipeline.Normalization{}
	if cfg.Augment != "" {
		pol, err := augment.Parse(cfg.Augment)
		if err != nil {
			return nil, configErr("--augment: %v", err)
		}
		policy = pol
		if pol.Tensor != nil && pol.Tensor.Normalize { // the same normalization for validation
			norm = pipeline.Normalization{Mean: pol.Tensor.Mean[:in[0]], Std: pol.Tensor.Std[:in[0]]}
			js, _ := json.Marshal(struct {
				Mean []float32 `json:"mean"`
				Std  []float32 `json:"std"`
			}{norm.Mean, norm.Std})
			meta[cnn.MetaNormalization] = string(js)
		}
	}
	var trainSrc, valSrc cnn.Source
	var trainStats, valStats func() pipeline.Stats
	if cfg.Data == "" && policy == nil && in.Equal(cnn.Shape{1, loaders.ShapesHeight, loaders.ShapesWidth}) {
		// The built-in dataset without augmentation: generated once and
		// batched from memory, which leaves both cores to the trainer
		// (the pipeline regenerates every image every epoch). --data
		// shapes streams it through the pipeline instead.
		t0 := time.Now()
		mtrain, mval := shapesMemory(cfg.ShapesTrain, max(cfg.ShapesVal, 0))
		fmt.Fprintf(out, "data: in memory (%d+%d images generated in %.1fs; --data shapes streams them through the pipeline)\n", cfg.ShapesTrain, max(cfg.ShapesVal, 0), time.Since(t0).Seconds())
		ts := &timedSource{src: mtrain.Batches(cnn.BatchConfig{Size: cfg.Batch, Shuffle: true, Seed: cfg.Seed})}
		trainSrc, trainStats = ts, ts.stats
		if mval.Len() > 0 {
			vs := &timedSource{src: mval.Batches(cnn.BatchConfig{Size: cfg.Batch})}
			valSrc, valStats = vs, vs.stats
		}
	} else {
		tl, err := pipeline.NewLoader(data.train, pipeline.LoaderConfig{
			BatchSize: cfg.Batch, Workers: cfg.Workers, Shuffle: true, Seed: cfg.Seed, Augment: policy,
			Channels: in[0], Height: in[1], Width: in[2], Normalization: norm,
		})
		if err != nil {
			return nil, err
		}
		trainSrc = cnn.SourceFunc(func(e int) iter2 { return tl.EpochContext(ctx, e) })
		trainStats = tl.TotalStats
		if data.val != nil {
			vl, err := pipeline.NewLoader(data.val, pipeline.LoaderConfig{
				BatchSize: cfg.Batch, Workers: cfg.Workers, Channels: in[0], Height: in[1], Width: in[2], Normalization: norm,
			})
			if err != nil {
				return nil, err
			}
			valSrc = cnn.SourceFunc(func(e int) iter2 { return vl.EpochContext(ctx, e) })
			valStats = vl.TotalStats
		}
	}
	prog.setTotal(data.trainCount, cfg.Batch)

	fitStart := time.Now()
	err = tr.FitGuarded(ctx, trainSrc, valSrc, from)
	prog.clear()
	if err == nil && valSrc != nil && ctx.Err() == nil {
		var cm [][]int
		if cm, err = tr.Confusion(ctx, valSrc, 0); err == nil {
			err = eval.WriteConfusionPNG(filepath.Join(cfg.OutDir, "confusion.png"), eval.Confusion(cm), classes, "validation")
		}
	}
	if err == nil {
		err = plotErr
	}
	res.State = tr.State()
	res.Train = trainStats()
	var vst pipeline.Stats
	if valStats != nil {
		vst = valStats()
	}
	res.Time = breakdown(time.Since(start), time.Since(fitStart), res.Train, vst)
	if len(res.Train) > 0 {
		res.Time.WriteTable(out)
		fmt.Fprintf(out, "training data stages, all epochs (wait-in of \"train\" = the trainer waiting for data):\n")
		res.Train.WriteTable(out)
	}
	if err != nil {
		return res, err
	}
	st := res.State
	fmt.Fprintf(out, "best accuracy %.4f at epoch %d; %.0fs in all; wrote %s/{metrics.csv,last.safetensors,best.safetensors,curves.png,confusion.png}\n",
		st.BestValAcc, st.BestEpoch, time.Since(start).Seconds(), cfg.OutDir)
	return res, nil
}

func (cfg *Config) defaults() error {
	if cfg.Epochs == 0 {
		cfg.Epochs = DefaultEpochs
	}
	if cfg.Batch == 0 {
		cfg.Batch = DefaultBatch
	}
	if cfg.Seed == 0 {
		cfg.Seed = 1
	}
	if cfg.Model == "" {
		cfg.Model = models.Default
	}
	if cfg.ShapesTrain == 0 {
		cfg.ShapesTrain = DefaultShapesTrain
	}
	if cfg.ShapesVal == 0 {
		cfg.ShapesVal = DefaultShapesVal
	}
	if cfg.Out == nil {
		cfg.Out = io.Discard
	}
	switch {
	case cfg.Epochs < 0 || cfg.Batch < 0 || cfg.ShapesTrain < 0 || cfg.Workers < 0:
		return configErr("epochs, batch size, workers and the shapes training size must be positive")
	case cfg.LR < 0:
		return configErr("learning rate %g is negative", cfg.LR)
	case cfg.ValSplit < 0 || cfg.ValSplit >= 1:
		return configErr("validation split %g is not in [0, 1)", cfg.ValSplit)
	case cfg.ValSplit > 0 && cfg.Val != "":
		return configErr("give a validation dataset or a validation split, not both")
	case cfg.Data == "" && (cfg.Val != "" || cfg.ValSplit > 0):
		return configErr("a validation dataset or split needs a training dataset (--data)")
	}
	if cfg.OutDir == "" {
		if cfg.Resume != "" {
			cfg.OutDir = filepath.Dir(cfg.Resume)
		} else {
			cfg.OutDir = filepath.Join("runs", time.Now().Format("20060102-150405"))
		}
	}
	return nil
}

// OverrideOptimizer applies an optimizer name ("sgd", "momentum",
// "nesterov", "adam"; "" keeps the spec's) and a learning rate (0 keeps
// the spec's) to spec, keeping its schedule and weight decay.
func OverrideOptimizer(spec *cnn.Spec, name string, lr float64) error {
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
		return configErr("optimizer %q: want sgd, momentum, nesterov or adam", name)
	}
	if lr != 0 {
		o.LR = lr
	}
	spec.Optimizer = &o
	if _, _, _, err := spec.NewOptimizer(); err != nil {
		return configErr("%v", err)
	}
	return nil
}

// runData is the opened training and validation data.
type runData struct {
	train, val *loaders.Dataset
	trainCount int // -1 when unknown
	name       string
	describe   string
	closers    []*loaders.Dataset
}

func (d *runData) close() {
	for _, c := range d.closers {
		c.Close()
	}
}

// count returns the number of samples of a view, or -1.
func count(ds *loaders.Dataset) int {
	if c := ds.Info().Count; c >= 0 {
		return c
	}
	return -1
}

// openData opens the training and validation datasets of cfg.
func openData(ctx context.Context, cfg *Config) (*runData, error) {
	d := &runData{}
	if cfg.Data == "" {
		train, err := loaders.Open("shapes?n="+strconv.Itoa(cfg.ShapesTrain)+"&seed=1", nil)
		if err != nil {
			return nil, configErr("%v", err)
		}
		d.closers = append(d.closers, train)
		d.train, d.name = train, "the shapes dataset"
		d.describe = fmt.Sprintf("built-in shapes, %d training images", cfg.ShapesTrain)
		if cfg.ShapesVal > 0 {
			val, err := loaders.Open("shapes?n="+strconv.Itoa(cfg.ShapesVal)+"&seed=2", nil)
			if err != nil {
				return nil, configErr("%v", err)
			}
			d.closers = append(d.closers, val)
			d.val = val
			d.describe += fmt.Sprintf(" and %d validation images", cfg.ShapesVal)
		}
		d.trainCount = cfg.ShapesTrain
		return d, nil
	}
	root, err := loaders.Open(cfg.Data, nil)
	if err != nil {
		return nil, err
	}
	d.closers = append(d.closers, root)
	d.name = cfg.Data
	d.train = root
	hasSplit := func(name string) bool {
		for _, s := range root.Info().Splits {
			if s.Name == name {
				return true
			}
		}
		return false
	}
	trainDesc := cfg.Data
	if hasSplit("train") {
		if d.train, err = root.Split("train"); err != nil {
			d.close()
			return nil, err
		}
		trainDesc += " split train"
	}
	valDesc := ""
	switch {
	case cfg.Val != "":
		val, err := loaders.Open(cfg.Val, nil)
		if err != nil {
			d.close()
			return nil, err
		}
		d.closers = append(d.closers, val)
		d.val, valDesc = val, cfg.Val
	case cfg.ValSplit > 0:
		if d.train, d.val, err = d.train.SplitFraction(ctx, cfg.ValSplit, cfg.Seed); err != nil {
			d.close()
			return nil, err
		}
		valDesc = fmt.Sprintf("%g of %s (stratified, seed %d)", cfg.ValSplit, trainDesc, cfg.Seed)
		trainDesc = fmt.Sprintf("the other %g of %s", 1-cfg.ValSplit, trainDesc)
	case hasSplit("train") && (hasSplit("test") || hasSplit("val")):
		name := "test"
		if !hasSplit("test") {
			name = "val"
		}
		if d.val, err = root.Split(name); err != nil {
			d.close()
			return nil, err
		}
		valDesc = cfg.Data + " split " + name
	}
	d.trainCount = count(d.train)
	d.describe = fmt.Sprintf("training on %s (%s images)", trainDesc, countString(d.trainCount))
	if d.val != nil {
		d.describe += fmt.Sprintf(", validating on %s (%s images)", valDesc, countString(count(d.val)))
	} else {
		d.describe += ", no validation set (see --val and --val-split)"
	}
	return d, nil
}

func countString(n int) string {
	if n < 0 {
		return "?"
	}
	return strconv.Itoa(n)
}

// sizeNote reads the first sample of ds and says how its images are
// adapted to the model's input shape in (resized, channels converted),
// or "" when they fit.
func sizeNote(ctx context.Context, ds *loaders.Dataset, in cnn.Shape) string {
	for s, err := range ds.Samples(ctx, &loaders.ReadOptions{BatchSize: 1}) {
		if err != nil {
			return ""
		}
		h, w, c := s.Height, s.Width, s.Channels
		if h == 0 || w == 0 {
			img, err := s.Image(0)
			if err != nil {
				return ""
			}
			b := img.Bounds()
			h, w = b.Dy(), b.Dx()
		}
		note := ""
		if h != in[1] || w != in[2] {
			note = fmt.Sprintf("images are %dx%d, the model takes %dx%d: they are resized (bilinear) after augmentation", h, w, in[1], in[2])
		}
		if c != 0 && c != in[0] && !(c == 4 && in[0] == 3) {
			if note != "" {
				note += "; "
			}
			if in[0] == 1 {
				note += fmt.Sprintf("images have %d channels, the model takes 1: converted to luminance", c)
			} else {
				note += fmt.Sprintf("images have %d channel(s), the model takes %d: gray is repeated", c, in[0])
			}
		}
		return note
	}
	return ""
}

// shapesMemory generates the built-in shapes dataset in memory: the same
// images as the loaders' "shapes?n=N&seed=1" (training) and seed 2
// (validation).
func shapesMemory(nTrain, nVal int) (train, val *cnn.MemoryDataset) {
	shape := cnn.Shape{1, loaders.ShapesHeight, loaders.ShapesWidth}
	pix, labels := loaders.GenerateShapes(1, nTrain)
	train = &cnn.MemoryDataset{Shape: shape, Pixels: pix, Labels: labels}
	pix, labels = loaders.GenerateShapes(2, nVal)
	val = &cnn.MemoryDataset{Shape: shape, Pixels: pix, Labels: labels}
	return train, val
}

// timedSource measures, like the "train" sink of a pipeline, the time the
// consumer spends on each batch (Busy) and waits for the next (WaitIn).
type timedSource struct {
	src              cnn.Source
	n                int64
	busy, wait, elap time.Duration
}

func (s *timedSource) Epoch(e int) iter2 {
	return func(yield func(cnn.Batch, error) bool) {
		start := time.Now()
		defer func() { s.elap += time.Since(start) }()
		t := start
		for b, err := range s.src.Epoch(e) {
			s.wait += time.Since(t)
			t0 := time.Now()
			ok := yield(b, err)
			s.busy += time.Since(t0)
			s.n++
			if !ok {
				return
			}
			t = time.Now()
		}
	}
}

func (s *timedSource) stats() pipeline.Stats {
	return pipeline.Stats{
		{Name: "memory", Kind: "source", Workers: 1, In: s.n, Out: s.n, Elapsed: s.elap, Busy: s.wait, Done: true},
		{Name: "train", Kind: "sink", Workers: 1, In: s.n, Out: s.n, Elapsed: s.elap, Busy: s.busy, WaitIn: s.wait, Done: true},
	}
}

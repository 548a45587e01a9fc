package eval

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"runtime"
	"time"

	"github.com/cnnpipe/cnnpipe/cnn"
	"github.com/cnnpipe/cnnpipe/loaders"
)

// ErrNoData is returned when a dataset yields no sample to evaluate.
var ErrNoData = errors.New("no samples to evaluate")

// Config configures Evaluate and EvaluateDataset. The zero value (or nil)
// means defaults.
type Config struct {
	// Classes names the classes (label i is Classes[i]); labels without a
	// name are shown as numbers. EvaluateDataset takes them from the
	// dataset when this is nil.
	Classes []string
	// Loss is the loss reported (nil: the model's spec's loss, else
	// cross-entropy). Cross-entropy is computed on the logits, fused with a
	// final softmax layer, as in training.
	Loss cnn.Loss
	// BatchSize is the number of images per forward pass (0 means 256).
	BatchSize int
	// Workers is the number of goroutines decoding and resizing images
	// (0 means GOMAXPROCS).
	Workers int
	// Input overrides how images become inputs (zero value: InputOf the
	// model, images scaled to [0, 1]).
	Input *Input
}

// Result is the evaluation of a model on a labelled dataset. It encodes to
// JSON as one object.
type Result struct {
	// Model and Data name what was evaluated (set by the caller; may be
	// empty). Split is the dataset split used, if any.
	Model string `json:"model,omitempty"`
	Data  string `json:"data,omitempty"`
	Split string `json:"split,omitempty"`
	// Images is the number of samples evaluated.
	Images int `json:"images"`
	// Accuracy is the fraction of samples whose most probable class is
	// their label; Loss is the mean loss.
	Accuracy float64 `json:"accuracy"`
	Loss     float64 `json:"loss"`
	LossName string  `json:"loss_name"`
	Averages
	// Classes holds the metrics of every class, in label order.
	Classes []ClassMetrics `json:"classes"`
	// Confusion counts Confusion[label][prediction].
	Confusion Confusion `json:"confusion"`
	// Resized and ChannelsConverted count the images converted to fit the
	// model's input (see Conversion); Example describes the first one.
	Resized           int    `json:"resized"`
	ChannelsConverted int    `json:"channels_converted"`
	Example           string `json:"conversion_example,omitempty"`
	// Seconds is the wall time of the evaluation and ImagesPerSec its
	// throughput.
	Seconds      float64 `json:"seconds"`
	ImagesPerSec float64 `json:"images_per_sec"`
}

// ClassNames returns the class names in label order.
func (r *Result) ClassNames() []string {
	names := make([]string, len(r.Classes))
	for i, c := range r.Classes {
		names[i] = c.Class
	}
	return names
}

// Evaluate runs m in evaluation mode over every batch of batches (for
// example cnn.Source.Epoch(1)) and returns its accuracy, mean loss,
// per-class metrics and confusion matrix. Batches must match the model's
// input; labels must be below the model's number of outputs.
func Evaluate(ctx context.Context, m *cnn.Sequential, batches iter.Seq2[cnn.Batch, error], cfg *Config) (*Result, error) {
	if cfg == nil {
		cfg = &Config{}
	}
	k := m.OutputShape().Size()
	if len(m.OutputShape()) != 1 || k < 1 {
		return nil, fmt.Errorf("eval: model output %v is not a vector of class scores", m.OutputShape())
	}
	if len(cfg.Classes) > k {
		return nil, fmt.Errorf("eval: the data has %d classes but the model gives %d outputs", len(cfg.Classes), k)
	}
	loss, err := modelLoss(m, cfg.Loss)
	if err != nil {
		return nil, err
	}
	_, fused := loss.(cnn.CrossEntropy)
	start := time.Now()
	cm := NewConfusion(k)
	var sum float64
	n := 0
	for b, err := range batches {
		if err != nil {
			return nil, err
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		for i, l := range b.Labels {
			if l < 0 || l >= k {
				return nil, fmt.Errorf("eval: sample %d has label %d but the model has %d classes", n+i, l, k)
			}
		}
		var out *cnn.Tensor
		if fused {
			out, err = m.Logits(b.X)
		} else {
			out, err = m.Predict(b.X)
		}
		if err != nil {
			return nil, fmt.Errorf("eval: %w", err)
		}
		sum += loss.Eval(out, b.Labels, nil) * float64(len(b.Labels))
		for i, l := range b.Labels {
			cm.Add(l, argmax(out.Sample(i)))
		}
		n += len(b.Labels)
	}
	if n == 0 {
		return nil, fmt.Errorf("eval: %w", ErrNoData)
	}
	secs := time.Since(start).Seconds()
	r := &Result{
		Images: n, Accuracy: cm.Accuracy(), Loss: sum / float64(n), LossName: loss.Name(),
		Classes: PerClass(cm, cfg.Classes), Confusion: cm, Seconds: secs,
	}
	r.Averages = Average(r.Classes)
	if secs > 0 {
		r.ImagesPerSec = float64(n) / secs
	}
	return r, nil
}

// EvaluateDataset evaluates m on every sample of ds, streamed through the
// pipeline stages (read, decode, fit to the model's input, collate) with
// bounded memory. Images of another size or channel count than the model's
// input are converted as in training and counted in the result.
func EvaluateDataset(ctx context.Context, m *cnn.Sequential, ds *loaders.Dataset, cfg *Config) (*Result, error) {
	c := Config{}
	if cfg != nil {
		c = *cfg
	}
	if c.Classes == nil {
		c.Classes = ds.Info().Classes
	}
	var in Input
	if c.Input != nil {
		in = *c.Input
	} else {
		var err error
		if in, err = InputOf(m); err != nil {
			return nil, err
		}
	}
	if !in.Shape().Equal(m.InputShape()) {
		return nil, fmt.Errorf("eval: input %v does not match the model's %v", in.Shape(), m.InputShape())
	}
	if c.BatchSize <= 0 {
		c.BatchSize = 256
	}
	if c.Workers <= 0 {
		c.Workers = runtime.GOMAXPROCS(0)
	}
	counts := &conversionCounts{}
	r, err := Evaluate(ctx, m, in.datasetBatches(ctx, ds, streamConfig{batch: c.BatchSize, workers: c.Workers, counts: counts}), &c)
	if errors.Is(err, ErrNoData) {
		return nil, fmt.Errorf("eval: %s: %w", ds.Info().Path, ErrNoData)
	}
	if err != nil {
		return nil, err
	}
	r.Data = ds.Info().Path
	r.Resized, r.ChannelsConverted = int(counts.resized.Load()), int(counts.channels.Load())
	if f := counts.first.Load(); f != nil {
		r.Example = f.String()
	}
	return r, nil
}

// modelLoss returns l, or the loss of m's spec, or cross-entropy.
func modelLoss(m *cnn.Sequential, l cnn.Loss) (cnn.Loss, error) {
	if l != nil {
		return l, nil
	}
	if spec, err := m.Spec(); err == nil {
		return spec.NewLoss()
	}
	return cnn.CrossEntropy{}, nil
}

// argmax returns the index of the largest value (the first one on ties).
func argmax(v []float32) int {
	best := 0
	for i, x := range v {
		if x > v[best] {
			best = i
		}
	}
	return best
}

// SelectSplit returns the part of ds to evaluate: the split named split when
// it is not empty, else the "test" split when ds has one, else all of ds.
// It also returns the name of the split chosen ("" for all of ds).
func SelectSplit(ds *loaders.Dataset, split string) (*loaders.Dataset, string, error) {
	if split == "" {
		for _, s := range ds.Info().Splits {
			if s.Name == "test" {
				split = "test"
			}
		}
		if split == "" {
			return ds, "", nil
		}
	}
	sub, err := ds.Split(split)
	if err != nil {
		return nil, "", err
	}
	return sub, split, nil
}

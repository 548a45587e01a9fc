package eval

import (
	"context"
	"fmt"
	"image"
	"image/color"
	"iter"
	"strings"
	"sync/atomic"

	"github.com/cnnpipe/cnnpipe/augment"
	"github.com/cnnpipe/cnnpipe/cnn"
	"github.com/cnnpipe/cnnpipe/loaders"
	"github.com/cnnpipe/cnnpipe/pipeline"
)

// Input says how images become inputs of a model: the model's input size
// and channels, and how pixels are scaled. It matches what cnnpipe's
// training pipeline does by default, so a model sees at evaluation what it
// saw in training.
type Input struct {
	// Height, Width and Channels are the model's per-sample input
	// [Channels, Height, Width]; Channels is 1 or 3.
	Height, Width, Channels int
	// Normalization maps pixels to inputs (zero value: v/255 in [0, 1],
	// as in training without a "normalize" step).
	Normalization pipeline.Normalization
	// MaxPixels refuses larger images before decoding them (0 means
	// loaders.DefaultMaxPixels).
	MaxPixels int
}

// InputOf returns the Input of model m with the default scaling. It fails
// for a model whose input is not an image of 1 or 3 channels.
func InputOf(m *cnn.Sequential) (Input, error) {
	s := m.InputShape()
	if len(s) != 3 || (s[0] != 1 && s[0] != 3) {
		return Input{}, fmt.Errorf("eval: model input %v is not an image of 1 or 3 channels", s)
	}
	return Input{Channels: s[0], Height: s[1], Width: s[2]}, nil
}

// Shape returns the per-sample shape [Channels, Height, Width].
func (in Input) Shape() cnn.Shape { return cnn.Shape{in.Channels, in.Height, in.Width} }

// Conversion records what was done to one image to fit a model's input.
// The zero value means the image was used as it was.
type Conversion struct {
	// FromHeight, FromWidth and FromChannels describe the image as read.
	FromHeight, FromWidth, FromChannels int
	// Resized is set when the image was resized (bilinear) to the input
	// size, and Channels when its channels were converted (RGB to
	// luminance, or gray repeated over RGB).
	Resized, Channels bool
	// ToHeight, ToWidth and ToChannels are the model's input.
	ToHeight, ToWidth, ToChannels int
}

// Converted reports whether anything was done to the image.
func (c Conversion) Converted() bool { return c.Resized || c.Channels }

// String describes the conversion, e.g. "resized 32x32 to 28x28
// (bilinear); 3 channels to 1 (luminance)", or "" when there was none.
func (c Conversion) String() string {
	var parts []string
	if c.Resized {
		parts = append(parts, fmt.Sprintf("resized %dx%d to %dx%d (bilinear)", c.FromHeight, c.FromWidth, c.ToHeight, c.ToWidth))
	}
	if c.Channels {
		how := "luminance"
		if c.ToChannels == 3 {
			how = "gray repeated"
		}
		parts = append(parts, fmt.Sprintf("%d channels to %d (%s)", c.FromChannels, c.ToChannels, how))
	}
	return strings.Join(parts, "; ")
}

// Fit returns img resized to the input size when it differs (with the
// bilinear filter of augment.Resize, as the training pipeline uses) and
// what was done; channels is the number of channels the image had before
// decoding to RGB (1 for gray). img is not modified. st provides buffers
// and may be nil.
func (in Input) Fit(img *image.NRGBA, channels int, st *augment.State) (*image.NRGBA, Conversion) {
	h, w := img.Rect.Dy(), img.Rect.Dx()
	c := Conversion{FromHeight: h, FromWidth: w, FromChannels: channels, ToHeight: in.Height, ToWidth: in.Width, ToChannels: in.Channels}
	c.Channels = channels != in.Channels
	if h == in.Height && w == in.Width {
		return img, c
	}
	if st == nil {
		st = augment.NewState(0, 0, 0)
	}
	c.Resized = true
	return augment.Resize{Size: augment.Size{H: in.Height, W: in.Width}}.Apply(img, st), c
}

// imageChannels returns 1 for a gray image and 3 for any other.
func imageChannels(img image.Image) int {
	switch img.ColorModel() {
	case color.GrayModel, color.Gray16Model:
		return 1
	}
	return 3
}

// conversionCounts counts the conversions made while streaming a dataset.
type conversionCounts struct {
	resized, channels atomic.Int64
	first             atomic.Pointer[Conversion]
}

func (cc *conversionCounts) add(c Conversion) {
	if c.Resized {
		cc.resized.Add(1)
	}
	if c.Channels {
		cc.channels.Add(1)
	}
	if c.Converted() && cc.first.Load() == nil {
		cc.first.CompareAndSwap(nil, &c)
	}
}

// streamConfig configures datasetBatches.
type streamConfig struct {
	batch, workers int
	counts         *conversionCounts
}

// datasetBatches streams ds through the pipeline stages read → rows →
// decode → fit → batch → collate and yields model-ready batches in dataset
// order. Each batch is valid until the next iteration.
func (in Input) datasetBatches(ctx context.Context, ds *loaders.Dataset, cfg streamConfig) iter.Seq2[cnn.Batch, error] {
	return func(yield func(cnn.Batch, error) bool) {
		p := pipeline.New(ctx)
		rr := ds.Records(p.Context(), &loaders.ReadOptions{BatchSize: 256, MaxPixels: in.MaxPixels})
		recs := pipeline.ReadRecords(p, "read", rr)
		rows := pipeline.Rows(p, "rows", recs, 0)
		dec := pipeline.Decode(p, "decode", rows, pipeline.DecodeConfig{Workers: cfg.workers, MaxPixels: in.MaxPixels})
		fit := pipeline.Map(p, "fit", dec, pipeline.MapConfig{Workers: cfg.workers}, func(_ context.Context, s *pipeline.Sample) (*pipeline.Sample, error) {
			img, conv := in.Fit(s.Image, s.Channels, augment.NewState(0, 0, uint64(s.Index)))
			s.Image = img
			cfg.counts.add(conv)
			return s, nil
		})
		groups := pipeline.Batch(p, "batch", fit, pipeline.BatchConfig{Size: cfg.batch})
		batches := pipeline.Collate(p, "collate", groups, pipeline.CollateConfig{Channels: in.Channels, Normalization: in.Normalization})
		stopped := false
		for b := range batches {
			if stopped {
				b.Release()
				continue
			}
			if !yield(b.Batch, nil) {
				stopped = true
				p.Stop()
			}
			b.Release()
		}
		err := p.Wait()
		rr.Release()
		if err != nil && !stopped {
			yield(cnn.Batch{}, err)
		}
	}
}

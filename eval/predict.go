package eval

import (
	"context"
	"fmt"
	"image"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"sort"

	"github.com/cnnpipe/cnnpipe/augment"
	"github.com/cnnpipe/cnnpipe/cnn"
	"github.com/cnnpipe/cnnpipe/loaders"
	"github.com/cnnpipe/cnnpipe/pipeline"
)

// Prediction is the classification of one image. It encodes to JSON as
// {"path", "class", "label", "prob", "probs", "top", "converted"}.
type Prediction struct {
	// Path is the image file (empty for an image given in memory).
	Path string `json:"path"`
	// Class is the most probable class, Label its index and Prob its
	// probability.
	Class string  `json:"class"`
	Label int     `json:"label"`
	Prob  float64 `json:"prob"`
	// Probs holds the probability of every class, in label order; they sum
	// to 1.
	Probs []float64 `json:"probs"`
	// Top holds the most probable classes, best first (see TopK); it is
	// filled by PredictFiles.
	Top []Ranked `json:"top,omitempty"`
	// Converted describes how the image was converted to fit the model
	// (empty when it was used as it was).
	Converted string `json:"converted,omitempty"`
}

// Ranked is one class with its probability.
type Ranked struct {
	Label int     `json:"label"`
	Class string  `json:"class"`
	Prob  float64 `json:"prob"`
}

// TopK returns the k most probable classes, best first (ties in label
// order). k is clamped to [1, number of classes].
func (p *Prediction) TopK(k int, classes []string) []Ranked {
	idx := make([]int, len(p.Probs))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return p.Probs[idx[a]] > p.Probs[idx[b]] })
	k = min(max(k, 1), len(idx))
	out := make([]Ranked, k)
	for i, l := range idx[:k] {
		out[i] = Ranked{Label: l, Class: className(classes, l), Prob: p.Probs[l]}
	}
	return out
}

// Predictor classifies images with a model, converting each image to the
// model's input as training data is. It is not safe for concurrent use.
type Predictor struct {
	m       *cnn.Sequential
	in      Input
	classes []string
	tz      *pipeline.Tensorizer
	x       *cnn.Tensor
	st      *augment.State
}

// NewPredictor returns a Predictor for m. classes names the model's outputs
// (numbers are shown for missing names); in, if not nil, overrides InputOf(m).
func NewPredictor(m *cnn.Sequential, classes []string, in *Input) (*Predictor, error) {
	var input Input
	if in != nil {
		input = *in
	} else {
		var err error
		if input, err = InputOf(m); err != nil {
			return nil, err
		}
	}
	if !input.Shape().Equal(m.InputShape()) {
		return nil, fmt.Errorf("eval: input %v does not match the model's %v", input.Shape(), m.InputShape())
	}
	if k := m.OutputShape().Size(); len(m.OutputShape()) != 1 || len(classes) > k {
		return nil, fmt.Errorf("eval: %d class names for a model output %v", len(classes), m.OutputShape())
	}
	tz, err := pipeline.NewTensorizer(input.Channels, input.Normalization)
	if err != nil {
		return nil, err
	}
	return &Predictor{m: m, in: input, classes: classes, tz: tz, x: &cnn.Tensor{}, st: augment.NewState(0, 0, 0)}, nil
}

// Classes returns the class names of the predictions (label numbers where
// there is no name).
func (p *Predictor) Classes() []string {
	k := p.m.OutputShape().Size()
	names := make([]string, k)
	for i := range names {
		names[i] = className(p.classes, i)
	}
	return names
}

// Predict classifies a batch of images in one forward pass. Each image is
// resized and its channels converted as needed; the Prediction says so.
func (p *Predictor) Predict(imgs []image.Image) ([]Prediction, error) {
	if len(imgs) == 0 {
		return nil, nil
	}
	in := p.in
	p.x.Resize(len(imgs), in.Channels, in.Height, in.Width)
	preds := make([]Prediction, len(imgs))
	for i, img := range imgs {
		nrgba := pipeline.ToNRGBA(img, nil)
		fitted, conv := in.Fit(nrgba, imageChannels(img), p.st)
		if err := p.tz.Fill(p.x.Sample(i), fitted); err != nil {
			return nil, fmt.Errorf("eval: %w", err)
		}
		preds[i].Converted = conv.String()
	}
	logits, err := p.m.Logits(p.x)
	if err != nil {
		return nil, fmt.Errorf("eval: %w", err)
	}
	for i := range preds {
		pr := &preds[i]
		pr.Probs = softmax(logits.Sample(i))
		pr.Label = argmax64(pr.Probs)
		pr.Class = className(p.classes, pr.Label)
		pr.Prob = pr.Probs[pr.Label]
	}
	return preds, nil
}

// PredictFiles classifies the image files in paths, batch images per
// forward pass (0 means 64), and calls fn with each prediction, in order,
// with Top set to the k most probable classes. A file that cannot be read
// or decoded is passed to fn with its error (and a Prediction holding only
// its Path); the other files are still classified. PredictFiles stops at
// the first error fn returns, or when ctx is done.
func (p *Predictor) PredictFiles(ctx context.Context, paths []string, batch, k int, fn func(Prediction, error) error) error {
	if batch <= 0 {
		batch = 64
	}
	for start := 0; start < len(paths); start += batch {
		if err := ctx.Err(); err != nil {
			return err
		}
		chunk := paths[start:min(start+batch, len(paths))]
		imgs := make([]image.Image, 0, len(chunk))
		errs := make([]error, len(chunk))
		for i, path := range chunk {
			img, err := p.readImage(path)
			if err != nil {
				errs[i] = err
				continue
			}
			imgs = append(imgs, img)
		}
		preds, err := p.Predict(imgs)
		if err != nil {
			return err
		}
		j := 0
		for i, path := range chunk {
			if errs[i] != nil {
				if err := fn(Prediction{Path: path}, errs[i]); err != nil {
					return err
				}
				continue
			}
			pr := preds[j]
			j++
			pr.Path = path
			pr.Top = pr.TopK(k, p.classes)
			if err := fn(pr, nil); err != nil {
				return err
			}
		}
	}
	return nil
}

// readImage reads and decodes one image file, refusing images larger than
// the input's MaxPixels before decoding them.
func (p *Predictor) readImage(path string) (image.Image, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("eval: %w", err)
	}
	maxPixels := p.in.MaxPixels
	if maxPixels <= 0 {
		maxPixels = loaders.DefaultMaxPixels
	}
	img, _, err := loaders.Decode(data, maxPixels)
	if err != nil {
		return nil, fmt.Errorf("eval: %s: %w", path, err)
	}
	return img, nil
}

// ImageFiles expands args into image files: a file is kept as given, and a
// directory is walked recursively for files with an image extension
// (loaders.IsImageFile), in sorted order. A missing path or a directory
// without images is an error naming it.
func ImageFiles(args []string) ([]string, error) {
	var files []string
	for _, a := range args {
		st, err := os.Stat(a)
		if err != nil {
			return nil, fmt.Errorf("eval: %w", err)
		}
		if !st.IsDir() {
			files = append(files, a)
			continue
		}
		n := len(files)
		err = filepath.WalkDir(a, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() && loaders.IsImageFile(d.Name()) {
				files = append(files, path)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("eval: %w", err)
		}
		if len(files) == n {
			return nil, fmt.Errorf("eval: %s: no image files in the directory", a)
		}
		sort.Strings(files[n:])
	}
	return files, nil
}

// softmax returns the probabilities of logits z, computed in float64 with
// the maximum subtracted.
func softmax(z []float32) []float64 {
	out := make([]float64, len(z))
	m := z[0]
	for _, v := range z {
		m = max(m, v)
	}
	var s float64
	for i, v := range z {
		out[i] = math.Exp(float64(v - m))
		s += out[i]
	}
	for i := range out {
		out[i] /= s
	}
	return out
}

func argmax64(v []float64) int {
	best := 0
	for i, x := range v {
		if x > v[best] {
			best = i
		}
	}
	return best
}

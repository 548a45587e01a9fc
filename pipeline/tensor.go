package pipeline

import (
	"fmt"
	"image"

	"github.com/cnnpipe/cnnpipe/internal/pixel"
)

// Normalization describes how 8-bit pixels become float32 model inputs:
// each value v of channel c becomes (v/255 - Mean[c]) / Std[c]. Nil Mean and
// Std give v/255 in [0, 1] (torchvision's ToTensor); one value applies to
// every channel.
type Normalization struct {
	Mean, Std []float32
}

// ImageNet is the normalization used by torchvision's ImageNet models
// (and by the reference benchmark).
var ImageNet = Normalization{
	Mean: []float32{0.485, 0.456, 0.406},
	Std:  []float32{0.229, 0.224, 0.225},
}

// A Tensorizer converts images to float32 CHW tensors with a fixed number of
// channels and a fixed normalization. It is safe for concurrent use.
//
// With three channels and a normalization (any Mean or Std given), each
// value is computed as v·(1/(255·Std[c])) + (−Mean[c]/Std[c]) in float32,
// by the same kernel as augment's ToTensor, so that a tensor from the
// pipeline and one from [augment.Policy.ApplyTensor] are bit-identical;
// this differs from (v/255 − Mean[c])/Std[c] by at most a few units in the
// last place. Without a normalization the values are exactly v/255 (a
// float32 division; gray pixels keep their exact value), and with one
// channel they come from a 256-entry table indexed by the integer luma
// (pixel.LumaLUT, AVX2 on amd64).
type Tensorizer struct {
	channels int
	lut      [3][256]float32
	// affine selects pixel.Planes with scale and bias for three channels;
	// otherwise they are divided by 255 with pixel.PlanesDiv.
	affine      bool
	scale, bias [3]float32
}

// NewTensorizer returns a Tensorizer producing channels (1 or 3) channels
// normalized by n. For 1 channel, RGB pixels are reduced to their luminance
// (gray pixels, with R=G=B, keep their value).
func NewTensorizer(channels int, n Normalization) (*Tensorizer, error) {
	if channels != 1 && channels != 3 {
		return nil, fmt.Errorf("pipeline: tensorize: %d channels, want 1 or 3", channels)
	}
	pick := func(s []float32, c int, def float32) (float32, error) {
		switch len(s) {
		case 0:
			return def, nil
		case 1:
			return s[0], nil
		case channels:
			return s[c], nil
		}
		return 0, fmt.Errorf("pipeline: tensorize: %d normalization values for %d channels", len(s), channels)
	}
	t := &Tensorizer{channels: channels, affine: len(n.Mean) > 0 || len(n.Std) > 0}
	for c := 0; c < channels; c++ {
		mean, err := pick(n.Mean, c, 0)
		if err != nil {
			return nil, err
		}
		std, err := pick(n.Std, c, 1)
		if err != nil {
			return nil, err
		}
		if std == 0 {
			return nil, fmt.Errorf("pipeline: tensorize: standard deviation 0 for channel %d", c)
		}
		for v := range 256 {
			t.lut[c][v] = (float32(v)/255 - mean) / std
		}
		// As augment.ToTensor computes them.
		t.scale[c], t.bias[c] = 1/(255*std), -mean/std
	}
	return t, nil
}

var div255 = [3]float32{255, 255, 255}

// Channels returns the number of channels of the tensors t produces.
func (t *Tensorizer) Channels() int { return t.channels }

// Fill writes img as a [channels, height, width] tensor into dst, which must
// hold exactly channels*height*width values.
func (t *Tensorizer) Fill(dst []float32, img *image.NRGBA) error {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	n := w * h
	if len(dst) != t.channels*n {
		return fmt.Errorf("pipeline: tensorize: %dx%d image into %d values, want %d", w, h, len(dst), t.channels*n)
	}
	if t.channels == 1 {
		if img.Stride == 4*w && n > 0 {
			// Contiguous rows: one call for the whole image.
			off := img.PixOffset(img.Rect.Min.X, img.Rect.Min.Y)
			pixel.LumaLUT(dst, img.Pix[off:off+4*n], &t.lut[0])
			return nil
		}
		for y := 0; y < h; y++ {
			row := img.Pix[img.PixOffset(img.Rect.Min.X, img.Rect.Min.Y+y):]
			pixel.LumaLUT(dst[y*w:(y+1)*w], row[:4*w], &t.lut[0])
		}
		return nil
	}
	for y := 0; y < h; y++ {
		row := img.Pix[img.PixOffset(img.Rect.Min.X, img.Rect.Min.Y+y):]
		row = row[:4*w]
		r := dst[y*w : (y+1)*w]
		g := dst[n+y*w : n+(y+1)*w]
		b := dst[2*n+y*w : 2*n+(y+1)*w]
		if t.affine {
			pixel.Planes(r, g, b, row, &t.scale, &t.bias)
		} else {
			pixel.PlanesDiv(r, g, b, row, &div255)
		}
	}
	return nil
}

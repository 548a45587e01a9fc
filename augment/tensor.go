package augment

import (
	"fmt"
	"image"
	"strings"

	"github.com/cnnpipe/cnnpipe/internal/pixel"
)

// Tensor is a float32 image in CHW layout (channel planes, then rows),
// the layout PyTorch and cnnpipe's trainer use.
type Tensor struct {
	C, H, W int
	Data    []float32
}

// ToTensor converts the R, G and B channels of an image to a float32 CHW
// tensor, scaling [0, 255] to [0, 1] (torchvision ToTensor) and then, when
// Mean and Std are set, normalizing each channel as (x - Mean[c]) / Std[c]
// (torchvision Normalize), in one pass.
type ToTensor struct {
	Mean, Std [3]float32
	// Normalize enables the Mean/Std step.
	Normalize bool
}

// ImageNet's channel statistics, the usual Normalize arguments.
var (
	ImageNetMean = [3]float32{0.485, 0.456, 0.406}
	ImageNetStd  = [3]float32{0.229, 0.224, 0.225}
)

// Apply writes img into dst, reusing dst.Data when it is large enough.
func (t ToTensor) Apply(img *image.NRGBA, dst *Tensor) {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	n := w * h
	if cap(dst.Data) < 3*n {
		dst.Data = make([]float32, 3*n)
	}
	dst.C, dst.H, dst.W, dst.Data = 3, h, w, dst.Data[:3*n]
	var scale, bias [3]float32
	for c := range 3 {
		scale[c], bias[c] = 1.0/255, 0
		if t.Normalize {
			scale[c] = 1 / (255 * t.Std[c])
			bias[c] = -t.Mean[c] / t.Std[c]
		}
	}
	r, g, b := dst.Data[:n], dst.Data[n:2*n], dst.Data[2*n:3*n]
	for y := 0; y < h; y++ {
		row := img.Pix[y*img.Stride : y*img.Stride+4*w]
		pixel.Planes(r[y*w:(y+1)*w], g[y*w:(y+1)*w], b[y*w:(y+1)*w], row, &scale, &bias)
	}
}

// String returns the op in the policy text form.
func (t ToTensor) String() string {
	if !t.Normalize {
		return "totensor"
	}
	return "normalize mean=" + floats(t.Mean[:]) + " std=" + floats(t.Std[:])
}

func floats(v []float32) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = formatFloat(float64(x))
	}
	return strings.Join(s, ",")
}

// Normalize standardizes each channel of a CHW tensor in place:
// x = (x - Mean[c]) / Std[c].
type Normalize struct {
	Mean, Std []float32
}

// Apply normalizes t. It returns an error when t has more channels than
// Mean or Std has values.
func (o Normalize) Apply(t *Tensor) error {
	if len(o.Mean) < t.C || len(o.Std) < t.C {
		return fmt.Errorf("augment: normalize: %d channels but %d means and %d stds", t.C, len(o.Mean), len(o.Std))
	}
	n := t.H * t.W
	for c := 0; c < t.C; c++ {
		inv, m := 1/o.Std[c], o.Mean[c]
		plane := t.Data[c*n : (c+1)*n]
		for i, v := range plane {
			plane[i] = (v - m) * inv
		}
	}
	return nil
}

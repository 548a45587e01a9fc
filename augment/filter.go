package augment

import (
	"fmt"
	"image"
	"image/color"
	"math"
)

// GaussianBlur blurs with a separable gaussian kernel of Kernel taps (odd)
// and a standard deviation drawn from Sigma, with reflected borders
// (torchvision GaussianBlur; its default sigma range is 0.1-2).
type GaussianBlur struct {
	Kernel int
	Sigma  Range
}

// Apply implements [Op].
func (o GaussianBlur) Apply(img *image.NRGBA, s *State) *image.NRGBA {
	sigma := o.Sigma.draw(&s.Rand)
	s.record("blur", Param{"sigma", sigma})
	k := o.Kernel
	if k < 1 {
		k = 1
	}
	w, h := img.Rect.Dx(), img.Rect.Dy()
	if k == 1 || w == 0 || h == 0 {
		return img
	}
	// Kernel weights in 14-bit fixed point, summing to 1<<14.
	half := k / 2
	kf := make([]float64, k)
	sum := 0.0
	for i := range kf {
		x := float64(i - half)
		kf[i] = math.Exp(-0.5 * (x / sigma) * (x / sigma))
		sum += kf[i]
	}
	kw := make([]int32, k)
	for i := range kw {
		kw[i] = int32(math.Round(kf[i] / sum * (1 << 14)))
	}
	// Horizontal pass into 8.8 fixed-point intermediates.
	tmp := s.int32s(4 * w * h)
	xi := make([]int, w+2*half)
	for i := range xi {
		xi[i] = 4 * borderIndex(i-half, w, BorderReflect)
	}
	for y := 0; y < h; y++ {
		row := img.Pix[y*img.Stride : y*img.Stride+4*w]
		trow := tmp[4*w*y : 4*w*(y+1)]
		for x := 0; x < w; x++ {
			var r, g, b, a int32
			for j, wt := range kw {
				o := xi[x+j]
				p := row[o : o+4 : o+4]
				r += int32(p[0]) * wt
				g += int32(p[1]) * wt
				b += int32(p[2]) * wt
				a += int32(p[3]) * wt
			}
			t := trow[4*x : 4*x+4 : 4*x+4]
			t[0], t[1], t[2], t[3] = (r+32)>>6, (g+32)>>6, (b+32)>>6, (a+32)>>6
		}
	}
	// Vertical pass into the target.
	dst := s.target(img)
	acc := make([]int32, 4*w)
	for y := 0; y < h; y++ {
		for i := range acc {
			acc[i] = 1 << 21
		}
		for j, wt := range kw {
			sy := borderIndex(y+j-half, h, BorderReflect)
			trow := tmp[4*w*sy : 4*w*(sy+1)]
			for i, v := range trow {
				acc[i] += v * wt
			}
		}
		row := dst.Pix[y*dst.Stride : y*dst.Stride+4*w]
		for i, v := range acc {
			row[i] = sat8(v >> 22)
		}
	}
	return dst
}

// String returns the op in the policy text form.
func (o GaussianBlur) String() string {
	return fmt.Sprintf("blur k=%d sigma=%s", o.Kernel, o.Sigma)
}

// Noise adds independent gaussian noise to R, G and B, with a standard
// deviation drawn from Std in units of the full range (0.1 = 25.5 levels),
// clipping to [0, 255].
type Noise struct {
	Std Range
}

// Apply implements [Op].
func (o Noise) Apply(img *image.NRGBA, s *State) *image.NRGBA {
	std := o.Std.draw(&s.Rand)
	s.record("noise", Param{"std", std})
	sd := std * 255
	r := &s.Rand
	dst := s.target(img)
	rows(dst, img, func(d, src []uint8) {
		d = d[:len(src)]
		for i := 0; i+3 < len(src); i += 4 {
			for c := range 3 {
				d[i+c] = clampRound(float64(src[i+c]) + sd*r.NormFloat64())
			}
			d[i+3] = src[i+3]
		}
	})
	return dst
}

// String returns the op in the policy text form.
func (o Noise) String() string { return "noise std=" + o.Std.String() }

// Erase blanks a random rectangle (torchvision RandomErasing: area fraction
// from Scale, aspect ratio from Ratio drawn log-uniformly, ten tries, no
// erasing if none fits). The rectangle's R, G and B are set to Fill's, or with uniform
// random bytes when Random is set. Zero Scale and Ratio mean torchvision's
// defaults 0.02-0.33 and 0.3-3.3.
type Erase struct {
	Scale, Ratio Range
	Fill         color.NRGBA
	Random       bool
}

// Apply implements [Op].
func (o Erase) Apply(img *image.NRGBA, s *State) *image.NRGBA {
	scale, ratio := o.Scale, o.Ratio
	if scale == (Range{}) {
		scale = Range{0.02, 0.33}
	}
	if ratio == (Range{}) {
		ratio = Range{0.3, 3.3}
	}
	r := &s.Rand
	iw, ih := img.Rect.Dx(), img.Rect.Dy()
	area := float64(iw * ih)
	lr0, lr1 := math.Log(ratio.Lo), math.Log(ratio.Hi)
	for range 10 {
		ea := area * r.Uniform(scale.Lo, scale.Hi)
		aspect := math.Exp(r.Uniform(lr0, lr1))
		h := int(math.RoundToEven(math.Sqrt(ea * aspect)))
		w := int(math.RoundToEven(math.Sqrt(ea / aspect)))
		if !(h < ih && w < iw) {
			continue
		}
		y0 := r.IntRange(0, ih-h)
		x0 := r.IntRange(0, iw-w)
		s.record("erase", Param{"x", float64(x0)}, Param{"y", float64(y0)}, Param{"w", float64(w)}, Param{"h", float64(h)})
		if !s.owns(img) {
			img = s.Clone(img)
		}
		for y := y0; y < y0+h; y++ {
			row := img.Pix[y*img.Stride+4*x0 : y*img.Stride+4*(x0+w)]
			for i := 0; i+3 < len(row); i += 4 {
				if o.Random {
					v := r.Uint64()
					row[i], row[i+1], row[i+2] = uint8(v), uint8(v>>8), uint8(v>>16)
				} else {
					row[i], row[i+1], row[i+2] = o.Fill.R, o.Fill.G, o.Fill.B
				}
			}
		}
		return img
	}
	return img
}

// String returns the op in the policy text form.
func (o Erase) String() string {
	str := "erase"
	if o.Scale != (Range{}) {
		str += " scale=" + o.Scale.String()
	}
	if o.Ratio != (Range{}) {
		str += " ratio=" + o.Ratio.String()
	}
	if o.Random {
		return str + " value=random"
	}
	if o.Fill.R|o.Fill.G|o.Fill.B != 0 {
		str += fmt.Sprintf(" value=%d,%d,%d", o.Fill.R, o.Fill.G, o.Fill.B)
	}
	return str
}

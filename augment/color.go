package augment

import (
	"image"
	"math"

	"github.com/cnnpipe/cnnpipe/internal/pixel"
)

// rows calls f for each row of dst and the matching row of src, as slices
// of exactly 4×width bytes. dst and src have the same size and may be the
// same image.
func rows(dst, src *image.NRGBA, f func(d, s []uint8)) {
	w, h := src.Rect.Dx(), src.Rect.Dy()
	for y := 0; y < h; y++ {
		f(dst.Pix[y*dst.Stride:y*dst.Stride+4*w], src.Pix[y*src.Stride:y*src.Stride+4*w])
	}
}

// applyLUT maps the R, G and B samples of src through lut into dst; alpha
// is copied.
func applyLUT(dst, src *image.NRGBA, lut *[256]uint8) {
	rows(dst, src, func(d, s []uint8) { pixel.LUT(d, s, lut) })
}

func clampRound(v float64) uint8 {
	if v <= 0 {
		return 0
	}
	if v >= 255 {
		return 255
	}
	return uint8(v + 0.5)
}

// brightnessLUT multiplies by f (torchvision adjust_brightness: a blend
// with black).
func brightnessLUT(f float64) (lut [256]uint8) {
	for i := range lut {
		lut[i] = clampRound(float64(i) * f)
	}
	return lut
}

// contrastLUT blends with the mean gray level m: m + f*(v-m).
func contrastLUT(f, m float64) (lut [256]uint8) {
	for i := range lut {
		lut[i] = clampRound(m + f*(float64(i)-m))
	}
	return lut
}

// meanOfSums turns channel sums into PIL's integer mean luma.
func meanOfSums(sr, sg, sb uint64, n int) float64 {
	if n == 0 {
		return 0
	}
	mean := (19595*float64(sr) + 38470*float64(sg) + 7471*float64(sb)) / 65536 / float64(n)
	return math.Floor(mean + 0.5)
}

// grayMean returns the mean luma of img rounded to an integer, as PIL's
// ImageEnhance.Contrast computes it.
func grayMean(img *image.NRGBA) float64 {
	var sums [3]uint64
	rows(img, img, func(_, s []uint8) { pixel.Sums(&sums, s) })
	return meanOfSums(sums[0], sums[1], sums[2], img.Rect.Dx()*img.Rect.Dy())
}

func sat8(v int32) uint8 {
	if v < 0 {
		return 0
	}
	if v > 255 {
		return 255
	}
	return uint8(v)
}

// saturatePass blends each pixel of src with its luma into dst:
// l + f*(v-l), f in 16.16 fixed point (see [pixel.Saturate]).
func saturatePass(dst, src *image.NRGBA, fi int32) {
	rows(dst, src, func(d, s []uint8) { pixel.Saturate(d, s, fi) })
}

// huePass rotates the hue of every pixel of src by sq/1536 turns into dst
// (see [pixel.Hue]).
func huePass(dst, src *image.NRGBA, sq int32) {
	rows(dst, src, func(d, s []uint8) { pixel.Hue(d, s, sq) })
}

// Jitter randomly changes brightness, contrast, saturation and hue in a
// random order, as torchvision ColorJitter: each factor is drawn from its
// range (Brightness, Contrast and Saturation are multiplicative factors,
// e.g. 0.6-1.4 for "b=0.4"; Hue is a shift in turns within [-0.5, 0.5]).
// A zero Range leaves that property alone.
type Jitter struct {
	Brightness, Contrast, Saturation, Hue Range
}

// Apply implements [Op].
func (o Jitter) Apply(img *image.NRGBA, s *State) *image.NRGBA {
	r := &s.Rand
	var perm [4]int
	for i := range perm {
		perm[i] = i
	}
	for i := 3; i > 0; i-- {
		j := r.Intn(i + 1)
		perm[i], perm[j] = perm[j], perm[i]
	}
	var f [4]float64
	var on [4]bool
	for i, rg := range [4]Range{o.Brightness, o.Contrast, o.Saturation, o.Hue} {
		if rg != (Range{}) {
			f[i], on[i] = rg.draw(r), true
		}
	}
	params := make([]Param, 0, 5)
	names := [4]string{"b", "c", "s", "h"}
	order := 0.0
	for _, i := range perm {
		if on[i] {
			params = append(params, Param{names[i], f[i]})
			order = order*10 + float64(i)
		}
	}
	s.record("jitter", params...)
	return jitter(img, s, perm, on, f)
}

// jitter applies the enabled adjustments in perm order, one pass over the
// pixels each (consecutive brightness/contrast lookup tables are merged).
// The first pass reads img and writes the target, later ones work in place.
func jitter(img *image.NRGBA, s *State, perm [4]int, on [4]bool, f [4]float64) *image.NRGBA {
	src := img
	var dst *image.NRGBA
	next := func() *image.NRGBA {
		if dst == nil {
			dst = s.target(img)
		}
		return dst
	}
	var lut [256]uint8
	pending := false
	flush := func() {
		if pending {
			applyLUT(next(), src, &lut)
			src, pending = dst, false
		}
	}
	addLUT := func(l [256]uint8) {
		if pending {
			for i := range lut {
				lut[i] = l[lut[i]]
			}
		} else {
			lut, pending = l, true
		}
	}
	for _, i := range perm {
		if !on[i] {
			continue
		}
		switch i {
		case 0:
			if f[0] != 1 {
				addLUT(brightnessLUT(f[0]))
			}
		case 1:
			if f[1] != 1 {
				flush()
				addLUT(contrastLUT(f[1], grayMean(src)))
			}
		case 2:
			if fi := int32(math.Round(f[2] * 65536)); fi != 65536 {
				flush()
				saturatePass(next(), src, fi)
				src = dst
			}
		case 3:
			if sq := pixel.HueShift(f[3]); sq != 0 {
				flush()
				huePass(next(), src, sq)
				src = dst
			}
		}
	}
	flush()
	return src
}

// String returns the op in the policy text form.
func (o Jitter) String() string {
	str := "jitter"
	for i, rg := range [4]Range{o.Brightness, o.Contrast, o.Saturation, o.Hue} {
		if rg != (Range{}) {
			str += " " + [4]string{"b", "c", "s", "h"}[i] + "=" + rg.explicit()
		}
	}
	return str
}

// Grayscale replaces R, G and B by the pixel's luma (PIL "L" weights).
type Grayscale struct{}

// Apply implements [Op].
func (Grayscale) Apply(img *image.NRGBA, s *State) *image.NRGBA {
	s.record("gray")
	dst := s.target(img)
	// A saturation factor of 0 leaves the luma in all three channels.
	rows(dst, img, func(d, s []uint8) { pixel.Saturate(d, s, 0) })
	return dst
}

// String returns the op in the policy text form.
func (Grayscale) String() string { return "gray" }

// Gamma applies v' = 255·(v/255)^γ with γ drawn from Gamma
// (torchvision adjust_gamma with gain 1).
type Gamma struct{ Gamma Range }

// Apply implements [Op].
func (o Gamma) Apply(img *image.NRGBA, s *State) *image.NRGBA {
	g := o.Gamma.draw(&s.Rand)
	s.record("gamma", Param{"g", g})
	var lut [256]uint8
	for i := range lut {
		lut[i] = clampRound(255 * math.Pow(float64(i)/255, g))
	}
	dst := s.target(img)
	applyLUT(dst, img, &lut)
	return dst
}

// String returns the op in the policy text form.
func (o Gamma) String() string { return "gamma g=" + o.Gamma.String() }

// Invert replaces R, G and B by 255 minus their value.
type Invert struct{}

// Apply implements [Op].
func (Invert) Apply(img *image.NRGBA, s *State) *image.NRGBA {
	s.record("invert")
	var lut [256]uint8
	for i := range lut {
		lut[i] = uint8(255 - i)
	}
	dst := s.target(img)
	applyLUT(dst, img, &lut)
	return dst
}

// String returns the op in the policy text form.
func (Invert) String() string { return "invert" }

// Equalize equalizes the histogram of each of R, G and B separately, with
// PIL's ImageOps.equalize algorithm (which torchvision uses).
type Equalize struct{}

// Apply implements [Op].
func (Equalize) Apply(img *image.NRGBA, s *State) *image.NRGBA {
	s.record("equalize")
	w, h := img.Rect.Dx(), img.Rect.Dy()
	var hist [3][256]int
	for y := 0; y < h; y++ {
		row := img.Pix[y*img.Stride : y*img.Stride+4*w]
		for i := 0; i+3 < len(row); i += 4 {
			hist[0][row[i]]++
			hist[1][row[i+1]]++
			hist[2][row[i+2]]++
		}
	}
	var luts [3][256]uint8
	for c := range 3 {
		luts[c] = equalizeLUT(&hist[c])
	}
	dst := s.target(img)
	rows(dst, img, func(d, s []uint8) {
		d = d[:len(s)]
		for i := 0; i+3 < len(s); i += 4 {
			p := s[i : i+4 : i+4]
			q := d[i : i+4 : i+4]
			q[0], q[1], q[2], q[3] = luts[0][p[0]], luts[1][p[1]], luts[2][p[2]], p[3]
		}
	})
	return dst
}

func equalizeLUT(h *[256]int) (lut [256]uint8) {
	total, last := 0, 0
	for _, n := range h {
		total += n
		if n != 0 {
			last = n
		}
	}
	step := (total - last) / 255
	if step == 0 {
		for i := range lut {
			lut[i] = uint8(i)
		}
		return lut
	}
	n := step / 2
	for i := range lut {
		lut[i] = uint8(min(n/step, 255))
		n += h[i]
	}
	return lut
}

// String returns the op in the policy text form.
func (Equalize) String() string { return "equalize" }

package augment

// Slow, obviously-correct reference implementations used by the golden
// tests: pixel-by-pixel, float64, image.At-style access, no fixed point.

import (
	"image"
	"image/color"
	"math"
)

// testImage returns a w×h image of random pixels whose Rect starts at
// (x0, y0). With alpha false every pixel is opaque.
func testImage(x0, y0, w, h int, seed uint64, alpha bool) *image.NRGBA {
	r := NewRand(seed, 99, 0)
	img := image.NewNRGBA(image.Rect(x0, y0, x0+w, y0+h))
	for y := y0; y < y0+h; y++ {
		for x := x0; x < x0+w; x++ {
			v := r.Uint64()
			a := uint8(255)
			if alpha {
				a = uint8(v >> 24)
			}
			img.SetNRGBA(x, y, color.NRGBA{uint8(v), uint8(v >> 8), uint8(v >> 16), a})
		}
	}
	return img
}

// subImage returns a w×h view into a larger image (Stride > 4·w, Rect not
// at the origin).
func subImage(w, h int, seed uint64) *image.NRGBA {
	big := testImage(-5, 7, w+9, h+4, seed, false)
	return big.SubImage(image.Rect(-2, 9, -2+w, 9+h)).(*image.NRGBA)
}

type fpx [4]float64

// at returns the pixel at (x, y) relative to the image's top-left corner.
func at(img *image.NRGBA, x, y int) fpx {
	c := img.NRGBAAt(img.Rect.Min.X+x, img.Rect.Min.Y+y)
	return fpx{float64(c.R), float64(c.G), float64(c.B), float64(c.A)}
}

func toFpx(c color.NRGBA) fpx { return fpx{float64(c.R), float64(c.G), float64(c.B), float64(c.A)} }

// refImage builds a w×h image from a per-pixel function.
func refImage(w, h int, f func(x, y int) fpx) *image.NRGBA {
	out := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			p := f(x, y)
			var c [4]uint8
			for i := range c {
				c[i] = uint8(math.Max(0, math.Min(255, math.Floor(p[i]+0.5))))
			}
			out.SetNRGBA(x, y, color.NRGBA{c[0], c[1], c[2], c[3]})
		}
	}
	return out
}

// refBorder maps i into [0, n) by repeated mirroring or clamping, the
// definition of the modes; ok is false for constant outside.
func refBorder(i, n int, b Border) (int, bool) {
	for i < 0 || i >= n {
		switch b {
		case BorderEdge:
			if i < 0 {
				i = 0
			} else {
				i = n - 1
			}
		case BorderReflect:
			if n == 1 {
				i = 0
			} else if i < 0 {
				i = -i
			} else {
				i = 2*(n-1) - i
			}
		default:
			return 0, false
		}
	}
	return i, true
}

func refSample(img *image.NRGBA, x, y int, b Border, fill color.NRGBA) fpx {
	xi, ok1 := refBorder(x, img.Rect.Dx(), b)
	yi, ok2 := refBorder(y, img.Rect.Dy(), b)
	if !ok1 || !ok2 {
		return toFpx(fill)
	}
	return at(img, xi, yi)
}

// refBilinear samples img at continuous coordinates (u, v) in pixel-centre
// units (pixel i's centre is at i).
func refBilinear(img *image.NRGBA, u, v float64, b Border, fill color.NRGBA) fpx {
	x0, y0 := int(math.Floor(u)), int(math.Floor(v))
	fx, fy := u-float64(x0), v-float64(y0)
	var out fpx
	for _, t := range []struct {
		dx, dy int
		w      float64
	}{{0, 0, (1 - fx) * (1 - fy)}, {1, 0, fx * (1 - fy)}, {0, 1, (1 - fx) * fy}, {1, 1, fx * fy}} {
		p := refSample(img, x0+t.dx, y0+t.dy, b, fill)
		for c := range out {
			out[c] += t.w * p[c]
		}
	}
	return out
}

// refWarp applies the inverse map (out pixel centre -> source point).
func refWarp(img *image.NRGBA, inv func(x, y float64) (float64, float64), b Border, fill color.NRGBA) *image.NRGBA {
	return refImage(img.Rect.Dx(), img.Rect.Dy(), func(x, y int) fpx {
		sx, sy := inv(float64(x)+0.5, float64(y)+0.5)
		return refBilinear(img, sx-0.5, sy-0.5, b, fill)
	})
}

// refResize is antialiased resampling written out directly: each output
// pixel is the filter-weighted average of the source pixels of region r
// under its footprint (scaled when downscaling). Like PIL, whose output
// users compare against, the horizontal pass is rounded and clipped to
// 8 bits before the vertical pass (this matters for the filters with
// negative lobes).
func refResize(img *image.NRGBA, r image.Rectangle, ow, oh int, f Filter) *image.NRGBA {
	weights := func(in, out, i int) (lo int, w []float64) {
		scale := float64(in) / float64(out)
		fs := math.Max(scale, 1)
		support := f.support() * fs
		center := (float64(i) + 0.5) * scale
		lo = max(0, int(math.Floor(center-support+0.5)))
		hi := min(in, int(math.Floor(center+support+0.5)))
		sum := 0.0
		for j := lo; j < hi; j++ {
			v := f.at((float64(j) + 0.5 - center) / fs)
			w = append(w, v)
			sum += v
		}
		for j := range w {
			w[j] /= sum
		}
		return lo, w
	}
	horiz := refImage(ow, r.Dy(), func(x, y int) fpx {
		xl, xw := weights(r.Dx(), ow, x)
		var out fpx
		for i, wx := range xw {
			p := at(img, r.Min.X+xl+i, r.Min.Y+y)
			for c := range out {
				out[c] += wx * p[c]
			}
		}
		return out
	})
	return refImage(ow, oh, func(x, y int) fpx {
		yl, yw := weights(r.Dy(), oh, y)
		var out fpx
		for j, wy := range yw {
			p := at(horiz, x, yl+j)
			for c := range out {
				out[c] += wy * p[c]
			}
		}
		return out
	})
}

func refLuma(p fpx) float64 { return 0.299*p[0] + 0.587*p[1] + 0.114*p[2] }

// refHSV converts with the textbook formulas (colorsys).
func refHSV(p fpx) (h, s, v float64) {
	r, g, b := p[0]/255, p[1]/255, p[2]/255
	mx, mn := math.Max(r, math.Max(g, b)), math.Min(r, math.Min(g, b))
	v = mx
	if mx == mn {
		return 0, 0, v
	}
	s = (mx - mn) / mx
	rc, gc, bc := (mx-r)/(mx-mn), (mx-g)/(mx-mn), (mx-b)/(mx-mn)
	switch {
	case r == mx:
		h = bc - gc
	case g == mx:
		h = 2 + rc - bc
	default:
		h = 4 + gc - rc
	}
	h = math.Mod(h/6, 1)
	if h < 0 {
		h++
	}
	return
}

func refRGB(h, s, v float64) (r, g, b float64) {
	if s == 0 {
		return v, v, v
	}
	i := math.Floor(h * 6)
	f := h*6 - i
	p, q, t := v*(1-s), v*(1-s*f), v*(1-s*(1-f))
	switch int(i) % 6 {
	case 0:
		return v, t, p
	case 1:
		return q, v, p
	case 2:
		return p, v, t
	case 3:
		return p, q, v
	case 4:
		return t, p, v
	}
	return v, p, q
}

package augment

import (
	"fmt"
	"image"
	"math"

	"github.com/cnnpipe/cnnpipe/internal/pixel"
)

// Filter is a resampling filter for resizes.
type Filter int

// Resampling filters. Bilinear, CatmullRom and Lanczos are applied as
// separable convolutions whose support widens when downscaling
// (antialiasing, as PIL and torchvision on PIL images do).
const (
	// Bilinear is the triangle filter (the zero value, torchvision's default).
	Bilinear Filter = iota
	// Nearest picks the source pixel under the output pixel's centre.
	Nearest
	// CatmullRom is the bicubic filter with a = -0.5 (PIL's BICUBIC).
	CatmullRom
	// Lanczos is the three-lobed Lanczos filter (PIL's LANCZOS).
	Lanczos
)

var filterNames = []string{"bilinear", "nearest", "catmullrom", "lanczos"}

// String returns the name used in the policy text form.
func (f Filter) String() string {
	if int(f) < len(filterNames) {
		return filterNames[f]
	}
	return fmt.Sprintf("Filter(%d)", int(f))
}

func (f Filter) support() float64 {
	switch f {
	case CatmullRom:
		return 2
	case Lanczos:
		return 3
	}
	return 1
}

func sinc(x float64) float64 {
	if x == 0 {
		return 1
	}
	x *= math.Pi
	return math.Sin(x) / x
}

func (f Filter) at(x float64) float64 {
	x = math.Abs(x)
	switch f {
	case CatmullRom:
		const a = -0.5
		if x < 1 {
			return ((a+2)*x-(a+3))*x*x + 1
		}
		if x < 2 {
			return (((x-5)*x+8)*x - 4) * a
		}
		return 0
	case Lanczos:
		if x < 3 {
			return sinc(x) * sinc(x/3)
		}
		return 0
	}
	if x < 1 {
		return 1 - x
	}
	return 0
}

const precBits = 22

// coeffs are the fixed-point weights of a 1-D resampling: output i reads
// n[i] inputs starting at start[i], with weights w[i*taps : i*taps+n[i]].
type coeffs struct {
	start, n []int
	w        []int32 // scaled by 1<<precBits
	w16      []int32 // the weights scaled by 1<<16 (non-negative filters)
	taps     int
	neg      bool // some weight is negative: results need clipping
}

// makeCoeffs computes PIL-style antialiased coefficients mapping the input
// span [off, off+inSize) (in source pixels) onto outSize outputs.
func makeCoeffs(c *coeffs, inSize, outSize, off int, f Filter) {
	scale := float64(inSize) / float64(outSize)
	fscale := math.Max(scale, 1)
	support := f.support() * fscale
	taps := int(math.Ceil(support))*2 + 1
	c.taps = taps
	c.neg = false
	c.start = growInts(c.start, outSize)
	c.n = growInts(c.n, outSize)
	if cap(c.w) < outSize*taps {
		c.w = make([]int32, outSize*taps)
	}
	c.w = c.w[:outSize*taps]
	var k [64]float64
	kk := k[:]
	if taps > len(k) {
		kk = make([]float64, taps)
	}
	ss := 1 / fscale
	for i := 0; i < outSize; i++ {
		center := (float64(i) + 0.5) * scale
		xmin := int(center - support + 0.5)
		if center-support+0.5 < 0 {
			xmin = 0
		}
		xmax := int(center + support + 0.5)
		if xmax > inSize {
			xmax = inSize
		}
		n := xmax - xmin
		if n > taps {
			n = taps
		}
		sum := 0.0
		for j := 0; j < n; j++ {
			x := (float64(j+xmin) - center + 0.5) * ss
			var v float64
			if f == Bilinear { // f.at inlined: the common case
				if x = math.Abs(x); x < 1 {
					v = 1 - x
				}
			} else {
				v = f.at(x)
			}
			kk[j] = v
			sum += v
		}
		// Drop zero weights at the ends.
		lo, hi := 0, n
		for lo < hi-1 && kk[lo] == 0 {
			lo++
		}
		for hi > lo+1 && kk[hi-1] == 0 {
			hi--
		}
		ws := c.w[i*taps : i*taps+taps]
		for j := range ws {
			ws[j] = 0
		}
		total, big := int32(0), 0
		for j := lo; j < hi; j++ {
			v := kk[j]
			if sum != 0 {
				v /= sum
			}
			wj := int32(math.Round(v * (1 << precBits)))
			ws[j-lo] = wj
			total += wj
			if wj > ws[big] {
				big = j - lo
			}
			if wj < 0 {
				c.neg = true
			}
		}
		// Make the weights sum to exactly 1, so that flat areas stay flat
		// and non-negative filters cannot overflow 255.
		ws[big] += 1<<precBits - total
		c.start[i] = xmin + lo + off
		c.n[i] = hi - lo
	}
	if c.neg {
		return
	}
	if cap(c.w16) < len(c.w) {
		c.w16 = make([]int32, len(c.w))
	}
	c.w16 = c.w16[:len(c.w)]
	for i := 0; i < outSize; i++ {
		ws, w16 := c.w[i*taps:(i+1)*taps], c.w16[i*taps:(i+1)*taps]
		total, big := int32(0), 0
		for j, w := range ws {
			w16[j] = int32(uint32(w+1<<(precBits-17)) >> (precBits - 16))
			total += w16[j]
			if w16[j] > w16[big] {
				big = j
			}
		}
		w16[big] += 1<<16 - total
	}
}

// vweights returns the weights of output row i and their scale in bits,
// as the vertical pass uses them: 16-bit for non-negative filters, except
// the 22-bit ones with two taps, and 22-bit when some are negative. (The
// horizontal pass takes all 16-bit or all 22-bit weights.)
func (c *coeffs) vweights(i int) ([]int32, uint) {
	ws := c.w[i*c.taps : i*c.taps+c.n[i]]
	if c.neg || c.n[i] == 2 {
		return ws, precBits
	}
	return c.w16[i*c.taps : i*c.taps+c.n[i]], 16
}

func growInts(s []int, n int) []int {
	if cap(s) < n {
		return make([]int, n)
	}
	return s[:n]
}

// resizeCache keeps the coefficients of the last resizes, which repeat when
// a dataset's images share a size.
type resizeCache struct {
	h, v     coeffs
	hKey     [5]int
	vKey     [4]int
	hOK, vOK bool
	hr       pixel.HResample // the horizontal pass of h
	nearestX []int
	nearestY []int
	rowsTmp  []uint8
}

// resample resizes the region r of src (relative to src.Rect.Min) into all
// of dst (an origin-based image) with filter f.
func resample(dst, src *image.NRGBA, r image.Rectangle, f Filter, s *State) {
	ow, oh := dst.Rect.Dx(), dst.Rect.Dy()
	iw, ih := r.Dx(), r.Dy()
	if ow == 0 || oh == 0 || iw == 0 || ih == 0 {
		return
	}
	if f == Nearest {
		nearest(dst, src, r, s)
		return
	}
	rc := &s.rc
	hk := [5]int{iw, ow, r.Min.X, int(f), src.Rect.Dx()}
	if !rc.hOK || rc.hKey != hk {
		makeCoeffs(&rc.h, iw, ow, r.Min.X, f)
		hw, bits := rc.h.w16, uint(16)
		if rc.h.neg {
			hw, bits = rc.h.w, precBits
		}
		rc.hr.Set(src.Rect.Dx(), rc.h.start, rc.h.n, hw, rc.h.taps, bits)
		rc.hKey, rc.hOK = hk, true
	}
	vk := [4]int{ih, oh, r.Min.Y, int(f)}
	if !rc.vOK || rc.vKey != vk {
		makeCoeffs(&rc.v, ih, oh, r.Min.Y, f)
		rc.vKey, rc.vOK = vk, true
	}
	// Rows of src the vertical pass reads.
	y0 := rc.v.start[0]
	y1 := rc.v.start[oh-1] + rc.v.n[oh-1]
	rows := y1 - y0
	// Horizontal pass: rows [y0, y1) of src -> tmp (ow wide).
	tstride := 4 * ow
	if cap(rc.rowsTmp) < rows*tstride {
		rc.rowsTmp = make([]uint8, rows*tstride)
	}
	tmp := rc.rowsTmp[:rows*tstride]
	for y := 0; y < rows; y++ {
		srow := src.Pix[(y0+y)*src.Stride : (y0+y)*src.Stride+4*src.Rect.Dx()]
		rc.hr.Row(tmp[y*tstride:(y+1)*tstride], srow)
	}
	// Vertical pass: tmp -> dst.
	vc := &rc.v
	for y := 0; y < oh; y++ {
		st, n := vc.start[y]-y0, vc.n[y]
		drow := dst.Pix[y*dst.Stride : y*dst.Stride+tstride]
		if n == 1 {
			copy(drow, tmp[st*tstride:(st+1)*tstride])
			continue
		}
		ws, bits := vc.vweights(y)
		pixel.VResample(drow, tmp[st*tstride:], tstride, ws, bits)
	}
}

// nearest resizes with nearest-neighbour sampling at output pixel centres.
func nearest(dst, src *image.NRGBA, r image.Rectangle, s *State) {
	ow, oh := dst.Rect.Dx(), dst.Rect.Dy()
	iw, ih := r.Dx(), r.Dy()
	rc := &s.rc
	rc.nearestX = growInts(rc.nearestX, ow)
	rc.nearestY = growInts(rc.nearestY, oh)
	for x := range rc.nearestX {
		sx := int((float64(x) + 0.5) * float64(iw) / float64(ow))
		rc.nearestX[x] = 4 * (min(sx, iw-1) + r.Min.X)
	}
	for y := range rc.nearestY {
		sy := int((float64(y) + 0.5) * float64(ih) / float64(oh))
		rc.nearestY[y] = min(sy, ih-1) + r.Min.Y
	}
	for y, sy := range rc.nearestY {
		srow := src.Pix[sy*src.Stride:]
		drow := dst.Pix[y*dst.Stride : y*dst.Stride+4*ow]
		for x, sx := range rc.nearestX {
			copy(drow[4*x:4*x+4], srow[sx:sx+4])
		}
	}
}

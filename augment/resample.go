package augment

import (
	"encoding/binary"
	"fmt"
	"image"
	"math"
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
	w        []int32
	w16      []uint64 // the weights in 16-bit fixed point (non-negative filters)
	byte8    []bool   // per output: every w16 is a multiple of 256, so 8-bit weights are exact
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
	c.byte8 = c.byte8[:0]
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
			v := f.at((float64(j+xmin) - center + 0.5) * ss)
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
		c.w16 = make([]uint64, len(c.w))
	}
	c.w16 = c.w16[:len(c.w)]
	for i := 0; i < outSize; i++ {
		ws, w16 := c.w[i*taps:(i+1)*taps], c.w16[i*taps:(i+1)*taps]
		total, big := uint64(0), 0
		for j, w := range ws {
			w16[j] = uint64(w+1<<(precBits-17)) >> (precBits - 16)
			total += w16[j]
			if w16[j] > w16[big] {
				big = j
			}
		}
		w16[big] += 1<<16 - total
	}
	if cap(c.byte8) < outSize {
		c.byte8 = make([]bool, outSize)
	}
	c.byte8 = c.byte8[:outSize]
	for i := range c.byte8 {
		c.byte8[i] = true
		for _, w := range c.w16[i*taps : (i+1)*taps] {
			if w&255 != 0 {
				c.byte8[i] = false
			}
		}
	}
}

// Packed arithmetic for non-negative filters: a pixel's R and B (or G and
// A) go into the two 32-bit lanes of a uint64 and are weighted with 16-bit
// weights summing to 1<<16, so lanes cannot overflow.
func rbLanes(p uint64) uint64 { return p&0xff | (p&0xff0000)<<16 }
func gaLanes(p uint64) uint64 { return p>>8&0xff | (p&0xff000000)<<8 }

const lanesRound = 1<<15 | 1<<47

func packLanes(rb, ga uint64) uint32 {
	return uint32(rb>>16&0xff) | uint32(ga>>16&0xff)<<8 | uint32(rb>>48&0xff)<<16 | uint32(ga>>48&0xff)<<24
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
	hKey     [4]int
	vKey     [4]int
	hOK, vOK bool
	nearestX []int
	nearestY []int
	rowsTmp  []uint8
	accum    []int32
}

func clip8(v int32) uint8 {
	v >>= precBits
	if v < 0 {
		return 0
	}
	if v > 255 {
		return 255
	}
	return uint8(v)
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
	hk := [4]int{iw, ow, r.Min.X, int(f)}
	if !rc.hOK || rc.hKey != hk {
		makeCoeffs(&rc.h, iw, ow, r.Min.X, f)
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
	hc := &rc.h
	const half = 1 << (precBits - 1)
	for y := 0; y < rows; y++ {
		srow := src.Pix[(y0+y)*src.Stride : (y0+y)*src.Stride+4*src.Rect.Dx()]
		trow := tmp[y*tstride : (y+1)*tstride]
		for x := 0; x < ow; x++ {
			st, n := hc.start[x], hc.n[x]
			if n == 2 && !hc.neg {
				i := 4 * st
				v := binary.LittleEndian.Uint64(srow[i : i+8])
				w0, w1 := hc.w16[x*hc.taps], hc.w16[x*hc.taps+1]
				p0, p1 := v&0xffffffff, v>>32
				rb := rbLanes(p0)*w0 + rbLanes(p1)*w1 + lanesRound
				ga := gaLanes(p0)*w0 + gaLanes(p1)*w1 + lanesRound
				binary.LittleEndian.PutUint32(trow[4*x:], packLanes(rb, ga))
				continue
			}
			if n == 4 && !hc.neg && hc.byte8[x] {
				// Exact 8-bit weights (e.g. halving): all four channels
				// in 16-bit lanes of one uint64, one multiply per tap;
				// the same result as the 16-bit path.
				i := 4 * st
				v, u := binary.LittleEndian.Uint64(srow[i:i+8]), binary.LittleEndian.Uint64(srow[i+8:i+16])
				ws := hc.w16[x*hc.taps : x*hc.taps+4 : x*hc.taps+4]
				acc := spread(uint32(v))*(ws[0]>>8) + spread(uint32(v>>32))*(ws[1]>>8) +
					spread(uint32(u))*(ws[2]>>8) + spread(uint32(u>>32))*(ws[3]>>8) + lanesHalf
				binary.LittleEndian.PutUint32(trow[4*x:], pack(acc>>8&laneMask))
				continue
			}
			if n == 4 && !hc.neg {
				i := 4 * st
				v, u := binary.LittleEndian.Uint64(srow[i:i+8]), binary.LittleEndian.Uint64(srow[i+8:i+16])
				ws := hc.w16[x*hc.taps : x*hc.taps+4 : x*hc.taps+4]
				p0, p1, p2, p3 := v&0xffffffff, v>>32, u&0xffffffff, u>>32
				rb := rbLanes(p0)*ws[0] + rbLanes(p1)*ws[1] + rbLanes(p2)*ws[2] + rbLanes(p3)*ws[3] + lanesRound
				ga := gaLanes(p0)*ws[0] + gaLanes(p1)*ws[1] + gaLanes(p2)*ws[2] + gaLanes(p3)*ws[3] + lanesRound
				binary.LittleEndian.PutUint32(trow[4*x:], packLanes(rb, ga))
				continue
			}
			if n == 3 && !hc.neg {
				i := 4 * st
				v, u := binary.LittleEndian.Uint64(srow[i:i+8]), uint64(binary.LittleEndian.Uint32(srow[i+8:i+12]))
				ws := hc.w16[x*hc.taps : x*hc.taps+3 : x*hc.taps+3]
				p0, p1 := v&0xffffffff, v>>32
				rb := rbLanes(p0)*ws[0] + rbLanes(p1)*ws[1] + rbLanes(u)*ws[2] + lanesRound
				ga := gaLanes(p0)*ws[0] + gaLanes(p1)*ws[1] + gaLanes(u)*ws[2] + lanesRound
				binary.LittleEndian.PutUint32(trow[4*x:], packLanes(rb, ga))
				continue
			}
			if !hc.neg {
				ws := hc.w16[x*hc.taps : x*hc.taps+n]
				px := srow[4*st : 4*(st+n)]
				rb, ga := uint64(lanesRound), uint64(lanesRound)
				for j, w := range ws {
					p := uint64(binary.LittleEndian.Uint32(px[4*j:]))
					rb += rbLanes(p) * w
					ga += gaLanes(p) * w
				}
				binary.LittleEndian.PutUint32(trow[4*x:], packLanes(rb, ga))
				continue
			}
			ws := hc.w[x*hc.taps : x*hc.taps+n]
			px := srow[4*st : 4*(st+n)]
			r, g, b, a := int32(half), int32(half), int32(half), int32(half)
			for j, w := range ws {
				v := binary.LittleEndian.Uint32(px[4*j:])
				r += int32(v&0xff) * w
				g += int32(v>>8&0xff) * w
				b += int32(v>>16&0xff) * w
				a += int32(v>>24) * w
			}
			var o uint32
			if hc.neg {
				o = uint32(clip8(r)) | uint32(clip8(g))<<8 | uint32(clip8(b))<<16 | uint32(clip8(a))<<24
			} else {
				o = uint32(r>>precBits) | uint32(g>>precBits)<<8 | uint32(b>>precBits)<<16 | uint32(a>>precBits)<<24
			}
			binary.LittleEndian.PutUint32(trow[4*x:], o)
		}
	}
	// Vertical pass: tmp -> dst.
	vc := &rc.v
	if cap(rc.accum) < tstride {
		rc.accum = make([]int32, tstride)
	}
	acc := rc.accum[:tstride]
	for y := 0; y < oh; y++ {
		st, n := vc.start[y]-y0, vc.n[y]
		ws := vc.w[y*vc.taps : y*vc.taps+n]
		drow := dst.Pix[y*dst.Stride : y*dst.Stride+tstride]
		switch {
		case n == 1:
			copy(drow, tmp[st*tstride:(st+1)*tstride])
			continue
		case n == 2 && !vc.neg:
			t0 := tmp[st*tstride : (st+1)*tstride]
			t1 := tmp[(st+1)*tstride : (st+2)*tstride]
			t0, t1 = t0[:len(drow)], t1[:len(drow)]
			w0, w1 := ws[0], ws[1]
			for i := range drow {
				drow[i] = uint8((int32(t0[i])*w0 + int32(t1[i])*w1 + half) >> precBits)
			}
			continue
		case n == 4 && !vc.neg && vc.byte8[y]:
			ws := vc.w16[y*vc.taps : y*vc.taps+4 : y*vc.taps+4]
			w0, w1, w2, w3 := ws[0]>>8, ws[1]>>8, ws[2]>>8, ws[3]>>8
			t0 := tmp[st*tstride : (st+1)*tstride][:len(drow)]
			t1 := tmp[(st+1)*tstride : (st+2)*tstride][:len(drow)]
			t2 := tmp[(st+2)*tstride : (st+3)*tstride][:len(drow)]
			t3 := tmp[(st+3)*tstride : (st+4)*tstride][:len(drow)]
			for i := 0; i+4 <= len(drow); i += 4 {
				acc := spread(binary.LittleEndian.Uint32(t0[i:i+4]))*w0 + spread(binary.LittleEndian.Uint32(t1[i:i+4]))*w1 +
					spread(binary.LittleEndian.Uint32(t2[i:i+4]))*w2 + spread(binary.LittleEndian.Uint32(t3[i:i+4]))*w3 + lanesHalf
				binary.LittleEndian.PutUint32(drow[i:i+4], pack(acc>>8&laneMask))
			}
			continue
		case (n == 3 || n == 4) && !vc.neg && vc.taps >= 4:
			ws := vc.w16[y*vc.taps : y*vc.taps+4 : y*vc.taps+4]
			t0 := tmp[st*tstride : (st+1)*tstride][:len(drow)]
			t1 := tmp[(st+1)*tstride : (st+2)*tstride][:len(drow)]
			t2 := tmp[(st+2)*tstride : (st+3)*tstride][:len(drow)]
			t3 := t2 // unused weight is 0 when n == 3
			w3 := uint64(0)
			if n == 4 {
				t3, w3 = tmp[(st+3)*tstride : (st+4)*tstride][:len(drow)], ws[3]
			}
			w0, w1, w2 := ws[0], ws[1], ws[2]
			for i := 0; i+4 <= len(drow); i += 4 {
				p0 := uint64(binary.LittleEndian.Uint32(t0[i : i+4]))
				p1 := uint64(binary.LittleEndian.Uint32(t1[i : i+4]))
				p2 := uint64(binary.LittleEndian.Uint32(t2[i : i+4]))
				p3 := uint64(binary.LittleEndian.Uint32(t3[i : i+4]))
				rb := rbLanes(p0)*w0 + rbLanes(p1)*w1 + rbLanes(p2)*w2 + rbLanes(p3)*w3 + lanesRound
				ga := gaLanes(p0)*w0 + gaLanes(p1)*w1 + gaLanes(p2)*w2 + gaLanes(p3)*w3 + lanesRound
				binary.LittleEndian.PutUint32(drow[i:i+4], packLanes(rb, ga))
			}
			continue
		case !vc.neg:
			ws := vc.w16[y*vc.taps : y*vc.taps+n]
			base := tmp[st*tstride : (st+n)*tstride]
			for i := 0; i+3 < len(drow); i += 4 {
				rb, ga := uint64(lanesRound), uint64(lanesRound)
				for j, w := range ws {
					p := uint64(binary.LittleEndian.Uint32(base[j*tstride+i:]))
					rb += rbLanes(p) * w
					ga += gaLanes(p) * w
				}
				binary.LittleEndian.PutUint32(drow[i:], packLanes(rb, ga))
			}
			continue
		}
		for i := range acc {
			acc[i] = half
		}
		for j, w := range ws {
			trow := tmp[(st+j)*tstride : (st+j+1)*tstride]
			acc := acc[:len(trow)]
			for i, v := range trow {
				acc[i] += int32(v) * w
			}
		}
		for i, v := range acc[:len(drow)] {
			drow[i] = clip8(v)
		}
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

package augment

import (
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"math"
	"sync/atomic"

	"github.com/cnnpipe/cnnpipe/internal/pixel"
)

// affine2 is an inverse mapping from output to input pixel coordinates in
// continuous space (pixel (i, j) covers [i, i+1) × [j, j+1)):
// sx = A*x + B*y + C, sy = D*x + E*y + F.
type affine2 struct{ A, B, C, D, E, F float64 }

// warp fills dst (origin-based, same size as src) by sampling src through
// the inverse mapping m with bilinear (or nearest) interpolation; samples
// outside src follow border and fill.
func warp(dst, src *image.NRGBA, m affine2, nearest bool, border Border, fill color.NRGBA) {
	w, h := dst.Rect.Dx(), dst.Rect.Dy()
	iw, ih := src.Rect.Dx(), src.Rect.Dy()
	const one = 1 << warpBits
	dxA, dxD := int64(math.Round(m.A*one)), int64(math.Round(m.D*one))
	if !nearest {
		touchRows(src)
	}
	for y := 0; y < h; y++ {
		drow := dst.Pix[y*dst.Stride : y*dst.Stride+4*w]
		cy := float64(y) + 0.5
		// Source coordinate of the first pixel centre, shifted by half a
		// pixel so that integer parts index pixels and fractions weight them.
		sx := int64(math.Round((m.A*0.5 + m.B*cy + m.C - 0.5) * one))
		sy := int64(math.Round((m.D*0.5 + m.E*cy + m.F - 0.5) * one))
		if nearest {
			sx += one / 2
			sy += one / 2
			for x := 0; x < w; x, sx, sy = x+1, sx+dxA, sy+dxD {
				o := drow[4*x : 4*x+4 : 4*x+4]
				xi, yi := borderIndex(int(sx>>warpBits), iw, border), borderIndex(int(sy>>warpBits), ih, border)
				if xi < 0 || yi < 0 {
					o[0], o[1], o[2], o[3] = fill.R, fill.G, fill.B, fill.A
				} else {
					copy(o, src.Pix[yi*src.Stride+4*xi:])
				}
			}
			continue
		}
		// Output pixels [xa, xb) have all four taps inside src.
		xa, xb := fastRange(sx, dxA, 0, int64(iw-1)*one-1, w)
		ya, yb := fastRange(sy, dxD, 0, int64(ih-1)*one-1, w)
		xa, xb = max(xa, ya), min(xb, yb)
		if xb < xa {
			xa, xb = 0, 0
		}
		// With a constant border, pixels outside [pa, pb) have no tap
		// inside src and get the fill colour.
		pa, pb := 0, w
		if border == BorderConstant {
			pa, pb = fastRange(sx, dxA, -one, int64(iw)*one-1, w)
			qa, qb := fastRange(sy, dxD, -one, int64(ih)*one-1, w)
			pa, pb = max(pa, qa), min(pb, qb)
			if pb < pa {
				pa, pb = 0, 0
			}
			if xa == xb {
				xa, xb = pa, pa
			}
			fillRow(drow[:4*pa], fill)
			fillRow(drow[4*pb:], fill)
		}
		for x := pa; x < xa; x++ {
			warpEdge(drow[4*x:4*x+4:4*x+4], src, sx+int64(x)*dxA, sy+int64(x)*dxD, border, fill)
		}
		if xa < xb {
			pixel.WarpBilinear(drow[4*xa:4*xb], src.Pix, src.Stride, sx+int64(xa)*dxA, sy+int64(xa)*dxD, dxA, dxD)
		}
		for x := max(xb, xa); x < pb; x++ {
			warpEdge(drow[4*x:4*x+4:4*x+4], src, sx+int64(x)*dxA, sy+int64(x)*dxD, border, fill)
		}
	}
}

// touchSink keeps touchRows' loads from being optimized away; it is
// atomic because workers warp concurrently.
var touchSink atomic.Uint32

// touchRows reads one byte of every cache line of src's rows, in order,
// so that the warp's scattered reads (rows crossed diagonally) find them
// in cache instead of missing on each: a sequential sweep is what the
// hardware prefetchers handle well. Sources too large to stay in a
// last-level cache are left alone.
func touchRows(src *image.NRGBA) {
	w, h := src.Rect.Dx(), src.Rect.Dy()
	if 4*w*h > 16<<20 {
		return
	}
	var acc uint8
	for y := 0; y < h; y++ {
		row := src.Pix[y*src.Stride : y*src.Stride+4*w]
		for i := 0; i < len(row); i += 64 {
			acc ^= row[i]
		}
	}
	touchSink.Store(uint32(acc))
}

// fillRow sets every pixel of row to c.
func fillRow(row []uint8, c color.NRGBA) {
	p := uint32(c.R) | uint32(c.G)<<8 | uint32(c.B)<<16 | uint32(c.A)<<24
	v := uint64(p) | uint64(p)<<32
	for len(row) >= 8 {
		binary.LittleEndian.PutUint64(row, v)
		row = row[8:]
	}
	if len(row) >= 4 {
		binary.LittleEndian.PutUint32(row, p)
	}
}

// warpBits is the number of fractional bits of warp coordinates.
const warpBits = 16

// fastRange returns the x in [0, n) with lo <= v0 + x*d <= hi, an interval.
func fastRange(v0, d, lo, hi int64, n int) (int, int) {
	var a, b int64 // inclusive
	switch {
	case d == 0:
		if v0 >= lo && v0 <= hi {
			return 0, n
		}
		return 0, 0
	case d > 0:
		a, b = -floorDiv(v0-lo, d), floorDiv(hi-v0, d)
	default:
		a, b = -floorDiv(hi-v0, -d), floorDiv(v0-lo, -d)
	}
	a, b = max(a, 0), min(b, int64(n)-1)
	if b < a {
		return 0, 0
	}
	return int(a), int(b) + 1
}

// floorDiv is ⌊a/b⌋ for b > 0.
func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}

// warpEdge computes one output pixel whose taps may fall outside src:
// taps outside take their pixel from border (or fill), and the four are
// weighted at once with 16-bit weights (the interior's two 8-bit stages
// round differently; the edges have always used this one).
func warpEdge(o []uint8, src *image.NRGBA, sx, sy int64, border Border, fill color.NRGBA) {
	iw, ih := src.Rect.Dx(), src.Rect.Dy()
	x0, y0 := int(sx>>warpBits), int(sy>>warpBits)
	if border == BorderConstant && (x0 < -1 || y0 < -1 || x0 >= iw || y0 >= ih) {
		o[0], o[1], o[2], o[3] = fill.R, fill.G, fill.B, fill.A
		return
	}
	fx := uint64(sx>>(warpBits-8)) & 0xff
	fy := uint64(sy>>(warpBits-8)) & 0xff
	xa, xb := borderIndex(x0, iw, border), borderIndex(x0+1, iw, border)
	ya, yb := borderIndex(y0, ih, border), borderIndex(y0+1, ih, border)
	fillPx := uint64(fill.R) | uint64(fill.G)<<8 | uint64(fill.B)<<16 | uint64(fill.A)<<24
	tap := func(xi, yi int) uint64 {
		if xi < 0 || yi < 0 {
			return fillPx
		}
		return uint64(binary.LittleEndian.Uint32(src.Pix[yi*src.Stride+4*xi:]))
	}
	p00, p01, p10, p11 := tap(xa, ya), tap(xb, ya), tap(xa, yb), tap(xb, yb)
	w00, w01 := (256-fx)*(256-fy), fx*(256-fy)
	w10, w11 := (256-fx)*fy, fx*fy
	// R and B (G and A) in the two 32-bit lanes of a uint64: the weights
	// sum to 1<<16, so a lane holds at most 255<<16 + 1<<15.
	rb := edgeRB(p00)*w00 + edgeRB(p01)*w01 + edgeRB(p10)*w10 + edgeRB(p11)*w11 + edgeRound
	ga := edgeGA(p00)*w00 + edgeGA(p01)*w01 + edgeGA(p10)*w10 + edgeGA(p11)*w11 + edgeRound
	o[0], o[1], o[2], o[3] = uint8(rb>>16), uint8(ga>>16), uint8(rb>>48), uint8(ga>>48)
}

const edgeRound = 1<<15 | 1<<47

func edgeRB(p uint64) uint64 { return p&0xff | (p&0xff0000)<<16 }
func edgeGA(p uint64) uint64 { return p>>8&0xff | (p&0xff000000)<<8 }

// Rotate turns the image about its centre by an angle drawn uniformly from
// Degrees (positive is counter-clockwise, as torchvision RandomRotation),
// keeping its size; uncovered pixels follow Border and Fill.
type Rotate struct {
	Degrees Range
	Nearest bool
	Border  Border
	Fill    color.NRGBA
}

// Apply implements [Op].
func (o Rotate) Apply(img *image.NRGBA, s *State) *image.NRGBA {
	return warpSameSize(img, s, o.draw, o.Nearest, o.Border, o.Fill)
}

// warpSameSize draws the inverse map of a w×h image with draw, resamples
// img through it into a new image of the same size, and releases img.
func warpSameSize(img *image.NRGBA, s *State, draw func(w, h int, s *State) affine2, nearest bool, border Border, fill color.NRGBA) *image.NRGBA {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	m := draw(w, h, s)
	out := s.NewImage(w, h)
	warp(out, img, m, nearest, border, opaque(fill))
	s.Release(img)
	return out
}

// draw draws the angle, records it and returns the inverse mapping for a
// w×h image.
func (o Rotate) draw(w, h int, s *State) affine2 {
	angle := o.Degrees.draw(&s.Rand)
	s.record("rotate", Param{"angle", angle})
	// Output pixel p maps back to R(-angle) about the centre; with y down,
	// a counter-clockwise turn on screen of +angle has the inverse
	// [cos -sin; sin cos] applied to (x-cx, y-cy).
	rad := angle * math.Pi / 180
	cs, sn := math.Cos(rad), math.Sin(rad)
	cx, cy := float64(w)/2, float64(h)/2
	m := affine2{A: cs, B: -sn, D: sn, E: cs}
	m.C = cx - m.A*cx - m.B*cy
	m.F = cy - m.D*cx - m.E*cy
	return m
}

// String returns the op in the policy text form.
func (o Rotate) String() string {
	str := "rotate deg=" + o.Degrees.explicit()
	if o.Nearest {
		str += " interp=nearest"
	}
	if o.Border != BorderConstant {
		str += " mode=" + o.Border.String()
	}
	return str + fillString(o.Fill)
}

// Affine applies a random affine map about the image centre, as
// torchvision RandomAffine: a rotation drawn from Degrees (clockwise, as
// torchvision's affine), a translation of up to Translate×width and
// ×height pixels (rounded), a scale drawn from Scale (zero means 1), and
// shears along x and y drawn from ShearX and ShearY (degrees).
type Affine struct {
	Degrees        Range
	Translate      [2]float64
	Scale          Range
	ShearX, ShearY Range
	Nearest        bool
	Border         Border
	Fill           color.NRGBA
}

// Apply implements [Op].
func (o Affine) Apply(img *image.NRGBA, s *State) *image.NRGBA {
	return warpSameSize(img, s, o.draw, o.Nearest, o.Border, o.Fill)
}

// draw draws the parameters, records them and returns the inverse mapping
// for a w×h image.
func (o Affine) draw(w, h int, s *State) affine2 {
	r := &s.Rand
	angle := o.Degrees.draw(r)
	maxDx, maxDy := o.Translate[0]*float64(w), o.Translate[1]*float64(h)
	tx := math.RoundToEven(r.Uniform(-maxDx, maxDx))
	ty := math.RoundToEven(r.Uniform(-maxDy, maxDy))
	scale := 1.0
	if o.Scale != (Range{}) {
		scale = o.Scale.draw(r)
	}
	shx, shy := o.ShearX.draw(r), o.ShearY.draw(r)
	s.record("affine", Param{"angle", angle}, Param{"tx", tx}, Param{"ty", ty}, Param{"scale", scale},
		Param{"shx", shx}, Param{"shy", shy})
	return inverseAffine(float64(w)/2, float64(h)/2, angle, tx, ty, scale, shx, shy)
}

// then returns the mapping a∘b: first b, then a.
func (a affine2) then(b affine2) affine2 {
	return affine2{
		A: a.A*b.A + a.B*b.D, B: a.A*b.B + a.B*b.E, C: a.A*b.C + a.B*b.F + a.C,
		D: a.D*b.A + a.E*b.D, E: a.D*b.B + a.E*b.E, F: a.D*b.C + a.E*b.F + a.F,
	}
}

// inverseAffine is torchvision's _get_inverse_affine_matrix.
func inverseAffine(cx, cy, angle, tx, ty, scale, shx, shy float64) affine2 {
	rot := angle * math.Pi / 180
	sx, sy := shx*math.Pi/180, shy*math.Pi/180
	a := math.Cos(rot-sy) / math.Cos(sy)
	b := -math.Cos(rot-sy)*math.Tan(sx)/math.Cos(sy) - math.Sin(rot)
	c := math.Sin(rot-sy) / math.Cos(sy)
	d := -math.Sin(rot-sy)*math.Tan(sx)/math.Cos(sy) + math.Cos(rot)
	det := a*d - b*c
	m := affine2{A: d / det / scale, B: -b / det / scale, D: -c / det / scale, E: a / det / scale}
	m.C = m.A*(-cx-tx) + m.B*(-cy-ty) + cx
	m.F = m.D*(-cx-tx) + m.E*(-cy-ty) + cy
	return m
}

// String returns the op in the policy text form.
func (o Affine) String() string {
	str := "affine deg=" + o.Degrees.explicit()
	if o.Translate != [2]float64{} {
		str += fmt.Sprintf(" translate=%s,%s", formatFloat(o.Translate[0]), formatFloat(o.Translate[1]))
	}
	if o.Scale != (Range{}) {
		str += " scale=" + o.Scale.String()
	}
	if o.ShearX != (Range{}) {
		str += " shear=" + o.ShearX.explicit()
	}
	if o.ShearY != (Range{}) {
		str += " sheary=" + o.ShearY.explicit()
	}
	if o.Nearest {
		str += " interp=nearest"
	}
	if o.Border != BorderConstant {
		str += " mode=" + o.Border.String()
	}
	return str + fillString(o.Fill)
}

package augment

import (
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"math"
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
	const fb = 16 // fractional bits of coordinates
	const one = 1 << fb
	dxA, dxD := int64(math.Round(m.A*one)), int64(math.Round(m.D*one))
	fillPx := [4]int32{int32(fill.R), int32(fill.G), int32(fill.B), int32(fill.A)}
	fillU := uint32(fill.R) | uint32(fill.G)<<8 | uint32(fill.B)<<16 | uint32(fill.A)<<24
	for y := 0; y < h; y++ {
		drow := dst.Pix[y*dst.Stride : y*dst.Stride+4*w]
		cy := float64(y) + 0.5
		// Source coordinate of the first pixel centre, shifted by half a
		// pixel so that integer parts index pixels and fractions weight them.
		sx := int64(math.Round((m.A*0.5+m.B*cy+m.C-0.5)*one)) + one*4
		sy := int64(math.Round((m.D*0.5+m.E*cy+m.F-0.5)*one)) + one*4
		if nearest {
			sx += one / 2
			sy += one / 2
		}
		for x := 0; x < w; x, sx, sy = x+1, sx+dxA, sy+dxD {
			// The +4 pixel bias keeps the shifts flooring correctly just
			// left of/above the image.
			x0 := int(sx>>fb) - 4
			y0 := int(sy>>fb) - 4
			o := drow[4*x : 4*x+4 : 4*x+4]
			if nearest {
				xi, yi := borderIndex(x0, iw, border), borderIndex(y0, ih, border)
				if xi < 0 || yi < 0 {
					binary.LittleEndian.PutUint32(o, fillU)
				} else {
					copy(o, src.Pix[yi*src.Stride+4*xi:])
				}
				continue
			}
			fx := int32(sx>>(fb-8)) & 0xff
			fy := int32(sy>>(fb-8)) & 0xff
			w00 := (256 - fx) * (256 - fy)
			w01 := fx * (256 - fy)
			w10 := (256 - fx) * fy
			w11 := fx * fy
			if x0 >= 0 && y0 >= 0 && x0+1 < iw && y0+1 < ih {
				// Packed bilinear: each pixel's four channels spread into
				// 16-bit lanes of a uint64, 8-bit weights.
				i := y0*src.Stride + 4*x0
				p := binary.LittleEndian.Uint64(src.Pix[i:])
				q := binary.LittleEndian.Uint64(src.Pix[i+src.Stride:])
				fx64, fy64 := uint64(fx), uint64(fy)
				top := (spread(uint32(p))*(256-fx64) + spread(uint32(p>>32))*fx64 + lanesHalf) >> 8 & laneMask
				bot := (spread(uint32(q))*(256-fx64) + spread(uint32(q>>32))*fx64 + lanesHalf) >> 8 & laneMask
				v := (top*(256-fy64) + bot*fy64 + lanesHalf) >> 8 & laneMask
				binary.LittleEndian.PutUint32(o, pack(v))
				continue
			}
			if border == BorderConstant && (x0 < -1 || y0 < -1 || x0 >= iw || y0 >= ih) {
				binary.LittleEndian.PutUint32(o, fillU)
				continue
			}
			// Slow path near the edges: each tap looked up on its own.
			var acc [4]int32
			taps := [4]struct {
				x, y int
				w    int32
			}{{x0, y0, w00}, {x0 + 1, y0, w01}, {x0, y0 + 1, w10}, {x0 + 1, y0 + 1, w11}}
			for _, t := range taps {
				xi, yi := borderIndex(t.x, iw, border), borderIndex(t.y, ih, border)
				if xi < 0 || yi < 0 {
					for c := range 4 {
						acc[c] += fillPx[c] * t.w
					}
					continue
				}
				p := src.Pix[yi*src.Stride+4*xi:]
				for c := range 4 {
					acc[c] += int32(p[c]) * t.w
				}
			}
			for c := range 4 {
				o[c] = uint8((acc[c] + 32768) >> 16)
			}
		}
	}
}

const (
	laneMask  = 0x00ff00ff00ff00ff
	lanesHalf = 0x0080008000800080
)

// spread moves the four bytes of p into the low bytes of four 16-bit lanes.
func spread(p uint32) uint64 {
	x := uint64(p)
	x = (x | x<<16) & 0x0000ffff0000ffff
	return (x | x<<8) & laneMask
}

// pack is the inverse of spread for lanes holding values below 256.
func pack(x uint64) uint32 {
	x = (x | x>>8) & 0x0000ffff0000ffff
	return uint32(x | x>>16)
}

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
	angle := o.Degrees.draw(&s.Rand)
	s.record("rotate", Param{"angle", angle})
	w, h := img.Rect.Dx(), img.Rect.Dy()
	// Output pixel p maps back to R(-angle) about the centre; with y down,
	// a counter-clockwise turn on screen of +angle has the inverse
	// [cos -sin; sin cos] applied to (x-cx, y-cy).
	rad := angle * math.Pi / 180
	cs, sn := math.Cos(rad), math.Sin(rad)
	cx, cy := float64(w)/2, float64(h)/2
	m := affine2{A: cs, B: -sn, D: sn, E: cs}
	m.C = cx - m.A*cx - m.B*cy
	m.F = cy - m.D*cx - m.E*cy
	out := s.NewImage(w, h)
	warp(out, img, m, o.Nearest, o.Border, opaque(o.Fill))
	s.Release(img)
	return out
}

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
	w, h := img.Rect.Dx(), img.Rect.Dy()
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
	m := inverseAffine(float64(w)/2, float64(h)/2, angle, tx, ty, scale, shx, shy)
	out := s.NewImage(w, h)
	warp(out, img, m, o.Nearest, o.Border, opaque(o.Fill))
	s.Release(img)
	return out
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

package augment

import (
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"math"
	"math/bits"
)

// Fill colors in this package: the zero color.NRGBA means opaque black.

// Border says how pixels outside an image are made up by padding, crops
// past the edge, rotations and affine warps.
type Border int

// Border modes.
const (
	// BorderConstant uses the fill color.
	BorderConstant Border = iota
	// BorderEdge repeats the edge pixel.
	BorderEdge
	// BorderReflect mirrors the image without repeating the edge pixel
	// (d c b | a b c d | c b a), like torchvision's "reflect".
	BorderReflect
)

var borderNames = []string{"constant", "edge", "reflect"}

// String returns the name used in the policy text form.
func (b Border) String() string {
	if int(b) < len(borderNames) {
		return borderNames[b]
	}
	return fmt.Sprintf("Border(%d)", int(b))
}

// borderIndex maps i into [0, n) for the edge and reflect modes; for
// BorderConstant it returns -1 when i is outside.
func borderIndex(i, n int, b Border) int {
	if i >= 0 && i < n {
		return i
	}
	switch b {
	case BorderEdge:
		if i < 0 {
			return 0
		}
		return n - 1
	case BorderReflect:
		if n == 1 {
			return 0
		}
		period := 2 * (n - 1)
		i %= period
		if i < 0 {
			i += period
		}
		if i >= n {
			i = period - i
		}
		return i
	}
	return -1
}

// HFlip mirrors the image left to right.
type HFlip struct{}

// Apply implements [Op].
func (HFlip) Apply(img *image.NRGBA, s *State) *image.NRGBA {
	s.record("hflip")
	w, h := img.Rect.Dx(), img.Rect.Dy()
	if s.owns(img) {
		hflipInPlace(img)
		return img
	}
	dst := s.NewImage(w, h)
	for y := 0; y < h; y++ {
		src := img.Pix[y*img.Stride : y*img.Stride+4*w]
		row := dst.Pix[y*dst.Stride : y*dst.Stride+4*w]
		hflipRow(row, src)
	}
	return dst
}

// String returns the op in the policy text form.
func (HFlip) String() string { return "hflip" }

// hflipRow writes the pixels of src into row in reverse order. It reads
// src forwards (friendlier to prefetching than reading backwards), and
// shrinking the slices as it goes lets the compiler drop most bounds
// checks.
func hflipRow(row, src []uint8) {
	for len(src) >= 32 {
		s := src[:32]
		d := row[len(row)-32:]
		a, b := binary.LittleEndian.Uint64(s[0:]), binary.LittleEndian.Uint64(s[8:])
		c, e := binary.LittleEndian.Uint64(s[16:]), binary.LittleEndian.Uint64(s[24:])
		binary.LittleEndian.PutUint64(d[24:], bits.RotateLeft64(a, 32))
		binary.LittleEndian.PutUint64(d[16:], bits.RotateLeft64(b, 32))
		binary.LittleEndian.PutUint64(d[8:], bits.RotateLeft64(c, 32))
		binary.LittleEndian.PutUint64(d[0:], bits.RotateLeft64(e, 32))
		src = src[32:]
		row = row[:len(row)-32]
	}
	for len(src) >= 4 {
		copy(row[len(row)-4:], src[:4])
		src = src[4:]
		row = row[:len(row)-4]
	}
}

func hflipInPlace(img *image.NRGBA) {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	for y := 0; y < h; y++ {
		row := img.Pix[y*img.Stride : y*img.Stride+4*w]
		i, j := 0, 4*(w-2)
		// Two pixels from each end at a time: swapping the 32-bit halves
		// of a 64-bit load reverses a pixel pair.
		for ; i+8 <= j; i, j = i+8, j-8 {
			a := binary.LittleEndian.Uint64(row[i:])
			b := binary.LittleEndian.Uint64(row[j:])
			binary.LittleEndian.PutUint64(row[i:], b<<32|b>>32)
			binary.LittleEndian.PutUint64(row[j:], a<<32|a>>32)
		}
		for i, j := i, j+4; i < j; i, j = i+4, j-4 {
			a := binary.LittleEndian.Uint32(row[i:])
			binary.LittleEndian.PutUint32(row[i:], binary.LittleEndian.Uint32(row[j:]))
			binary.LittleEndian.PutUint32(row[j:], a)
		}
	}
}

// VFlip mirrors the image top to bottom.
type VFlip struct{}

// Apply implements [Op].
func (VFlip) Apply(img *image.NRGBA, s *State) *image.NRGBA {
	s.record("vflip")
	w, h := img.Rect.Dx(), img.Rect.Dy()
	if !s.owns(img) {
		dst := s.NewImage(w, h)
		// Read the source forwards (what the hardware prefetchers follow
		// best when it is not in cache) and write the rows backwards.
		for y := 0; y < h; y++ {
			copy(dst.Pix[(h-1-y)*dst.Stride:(h-1-y)*dst.Stride+4*w], img.Pix[y*img.Stride:y*img.Stride+4*w])
		}
		return dst
	}
	tmp := s.bytes(4 * w)
	for y0, y1 := 0, h-1; y0 < y1; y0, y1 = y0+1, y1-1 {
		a := img.Pix[y0*img.Stride : y0*img.Stride+4*w]
		b := img.Pix[y1*img.Stride : y1*img.Stride+4*w]
		copy(tmp, a)
		copy(a, b)
		copy(b, tmp)
	}
	return img
}

// String returns the op in the policy text form.
func (VFlip) String() string { return "vflip" }

// Rot90 rotates the image by K quarter turns counter-clockwise (like
// numpy.rot90 and PIL's ROTATE_90). When KMax > K, the number of turns is
// drawn uniformly from [K, KMax].
type Rot90 struct {
	K, KMax int
}

// Apply implements [Op].
func (o Rot90) Apply(img *image.NRGBA, s *State) *image.NRGBA {
	k := o.K
	if o.KMax > o.K {
		k = s.Rand.IntRange(o.K, o.KMax)
	}
	k = ((k % 4) + 4) % 4
	s.record("rot90", Param{"k", float64(k)})
	return rot90(img, k, s)
}

// String returns the op in the policy text form.
func (o Rot90) String() string {
	if o.KMax > o.K {
		return fmt.Sprintf("rot90 k=%d-%d", o.K, o.KMax)
	}
	return fmt.Sprintf("rot90 k=%d", o.K)
}

func rot90(img *image.NRGBA, k int, s *State) *image.NRGBA {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	switch k {
	case 0:
		return img
	case 2:
		out := s.NewImage(w, h)
		for y := 0; y < h; y++ {
			src := img.Pix[y*img.Stride : y*img.Stride+4*w]
			dst := out.Pix[(h-1-y)*out.Stride : (h-1-y)*out.Stride+4*w]
			for x := 0; x < w; x++ {
				copy(dst[4*(w-1-x):4*(w-1-x)+4], src[4*x:4*x+4])
			}
		}
		s.Release(img)
		return out
	}
	out := s.NewImage(h, w) // width h, height w
	for Y := 0; Y < w; Y++ {
		dst := out.Pix[Y*out.Stride : Y*out.Stride+4*h]
		if k == 1 {
			// out(X, Y) = in(w-1-Y, X)
			off := 4 * (w - 1 - Y)
			for X := 0; X < h; X++ {
				o := X*img.Stride + off
				binary.LittleEndian.PutUint32(dst[4*X:], binary.LittleEndian.Uint32(img.Pix[o:o+4]))
			}
		} else {
			// out(X, Y) = in(Y, h-1-X)
			off := 4 * Y
			for X := 0; X < h; X++ {
				o := (h-1-X)*img.Stride + off
				binary.LittleEndian.PutUint32(dst[4*X:], binary.LittleEndian.Uint32(img.Pix[o:o+4]))
			}
		}
	}
	s.Release(img)
	return out
}

// window returns the w×h region of img whose top-left corner is (x0, y0)
// relative to img.Rect.Min. A region inside img is returned as a view
// sharing img's pixels (its Rect is the corresponding sub-rectangle);
// otherwise a new origin-based image is built, with pixels outside img made
// up according to border and fill, and img is released.
func window(img *image.NRGBA, x0, y0, w, h int, border Border, fill color.NRGBA, s *State) *image.NRGBA {
	iw, ih := img.Rect.Dx(), img.Rect.Dy()
	if x0 >= 0 && y0 >= 0 && x0+w <= iw && y0+h <= ih {
		min := img.Rect.Min.Add(image.Pt(x0, y0))
		return img.SubImage(image.Rectangle{Min: min, Max: min.Add(image.Pt(w, h))}).(*image.NRGBA)
	}
	out := s.NewImage(w, h)
	fillPx := uint32(fill.R) | uint32(fill.G)<<8 | uint32(fill.B)<<16 | uint32(fill.A)<<24
	for y := 0; y < h; y++ {
		dst := out.Pix[y*out.Stride : y*out.Stride+4*w]
		sy := borderIndex(y0+y, ih, border)
		if sy < 0 || iw == 0 {
			for x := 0; x < w; x++ {
				binary.LittleEndian.PutUint32(dst[4*x:], fillPx)
			}
			continue
		}
		src := img.Pix[sy*img.Stride : sy*img.Stride+4*iw]
		// Inside span copied in one go.
		lo, hi := max(0, -x0), min(w, iw-x0)
		if lo < hi {
			copy(dst[4*lo:4*hi], src[4*(x0+lo):4*(x0+hi)])
		}
		for x := 0; x < w; x++ {
			if x >= lo && x < hi {
				x = hi - 1
				continue
			}
			sx := borderIndex(x0+x, iw, border)
			if sx < 0 {
				binary.LittleEndian.PutUint32(dst[4*x:], fillPx)
			} else {
				copy(dst[4*x:4*x+4], src[4*sx:4*sx+4])
			}
		}
	}
	s.Release(img)
	return out
}

// Size is a target height and width in pixels.
type Size struct{ H, W int }

// String formats the value as the policy text form writes it.
func (z Size) String() string {
	if z.H == z.W {
		return fmt.Sprint(z.H)
	}
	return fmt.Sprintf("%dx%d", z.H, z.W)
}

// Pad adds Left, Top, Right and Bottom pixels around the image.
type Pad struct {
	Left, Top, Right, Bottom int
	Border                   Border
	Fill                     color.NRGBA
}

// Apply implements [Op].
func (o Pad) Apply(img *image.NRGBA, s *State) *image.NRGBA {
	s.record("pad")
	w, h := img.Rect.Dx(), img.Rect.Dy()
	return window(img, -o.Left, -o.Top, w+o.Left+o.Right, h+o.Top+o.Bottom, o.Border, opaque(o.Fill), s)
}

// String returns the op in the policy text form.
func (o Pad) String() string {
	return fmt.Sprintf("pad l=%d t=%d r=%d b=%d mode=%s%s", o.Left, o.Top, o.Right, o.Bottom, o.Border, fillString(o.Fill))
}

// opaque returns the fill to use for c: the zero value means opaque black.
func opaque(c color.NRGBA) color.NRGBA {
	if c == (color.NRGBA{}) {
		return color.NRGBA{A: 255}
	}
	return c
}

func fillString(c color.NRGBA) string {
	c = opaque(c)
	if c == (color.NRGBA{A: 255}) {
		return ""
	}
	if c.A == 255 {
		return fmt.Sprintf(" fill=%d,%d,%d", c.R, c.G, c.B)
	}
	return fmt.Sprintf(" fill=%d,%d,%d,%d", c.R, c.G, c.B, c.A)
}

// CenterCrop cuts the central Size region (torchvision CenterCrop: offsets
// rounded half to even; an image smaller than Size is padded with Fill).
// The result is a view of the input when it fits inside it.
type CenterCrop struct {
	Size Size
	Fill color.NRGBA
}

// Apply implements [Op].
func (o CenterCrop) Apply(img *image.NRGBA, s *State) *image.NRGBA {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	top := int(math.RoundToEven(float64(h-o.Size.H) / 2))
	left := int(math.RoundToEven(float64(w-o.Size.W) / 2))
	s.record("ccrop", Param{"x", float64(left)}, Param{"y", float64(top)})
	return window(img, left, top, o.Size.W, o.Size.H, BorderConstant, opaque(o.Fill), s)
}

// String returns the op in the policy text form.
func (o CenterCrop) String() string { return "ccrop size=" + o.Size.String() + fillString(o.Fill) }

// RandomCrop cuts a Size region at a uniformly drawn position (torchvision
// RandomCrop with pad_if_needed): the image is first padded by Padding on
// every side, then, if still smaller than Size, by the missing amount on
// both sides of the short dimension.
type RandomCrop struct {
	Size    Size
	Padding int
	Border  Border
	Fill    color.NRGBA
}

// Apply implements [Op].
func (o RandomCrop) Apply(img *image.NRGBA, s *State) *image.NRGBA {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	pl, pt := o.Padding, o.Padding
	pw, ph := w+2*o.Padding, h+2*o.Padding
	if pw < o.Size.W {
		d := o.Size.W - pw
		pl += d
		pw += 2 * d
	}
	if ph < o.Size.H {
		d := o.Size.H - ph
		pt += d
		ph += 2 * d
	}
	y := s.Rand.IntRange(0, ph-o.Size.H)
	x := s.Rand.IntRange(0, pw-o.Size.W)
	s.record("crop", Param{"x", float64(x - pl)}, Param{"y", float64(y - pt)})
	return window(img, x-pl, y-pt, o.Size.W, o.Size.H, o.Border, opaque(o.Fill), s)
}

// String returns the op in the policy text form.
func (o RandomCrop) String() string {
	str := "crop size=" + o.Size.String()
	if o.Padding != 0 {
		str += fmt.Sprintf(" pad=%d", o.Padding)
	}
	if o.Border != BorderConstant {
		str += " mode=" + o.Border.String()
	}
	return str + fillString(o.Fill)
}

// Range is a closed interval [Lo, Hi] a parameter is drawn from.
type Range struct{ Lo, Hi float64 }

func (r Range) draw(rng *Rand) float64 { return rng.Uniform(r.Lo, r.Hi) }

// explicit formats r as "lo-hi" even when lo == hi, for parameters where
// a single number means a symmetric or factor range.
func (r Range) explicit() string { return formatFloat(r.Lo) + "-" + formatFloat(r.Hi) }

// String formats the value as the policy text form writes it.
func (r Range) String() string {
	if r.Lo == r.Hi {
		return formatFloat(r.Lo)
	}
	return formatFloat(r.Lo) + "-" + formatFloat(r.Hi)
}

// RandomResizedCrop cuts a region of random area fraction (Scale) and
// aspect ratio (Ratio, width/height, drawn log-uniformly) and resizes it to
// Size, with torchvision's sampling algorithm (ten tries, then a central
// fallback). Zero Scale and Ratio mean torchvision's defaults 0.08-1 and
// 3/4-4/3.
type RandomResizedCrop struct {
	Size   Size
	Scale  Range
	Ratio  Range
	Filter Filter
}

// Apply implements [Op].
func (o RandomResizedCrop) Apply(img *image.NRGBA, s *State) *image.NRGBA {
	scale, ratio := o.Scale, o.Ratio
	if scale == (Range{}) {
		scale = Range{0.08, 1}
	}
	if ratio == (Range{}) {
		ratio = Range{3.0 / 4, 4.0 / 3}
	}
	width, height := img.Rect.Dx(), img.Rect.Dy()
	x, y, cw, ch := rrcParams(width, height, scale, ratio, &s.Rand)
	s.record("rcrop", Param{"x", float64(x)}, Param{"y", float64(y)}, Param{"w", float64(cw)}, Param{"h", float64(ch)})
	out := s.NewImage(o.Size.W, o.Size.H)
	resample(out, img, image.Rect(x, y, x+cw, y+ch), o.Filter, s)
	s.Release(img)
	return out
}

func rrcParams(width, height int, scale, ratio Range, r *Rand) (x, y, w, h int) {
	area := float64(width * height)
	lr0, lr1 := math.Log(ratio.Lo), math.Log(ratio.Hi)
	for range 10 {
		target := area * r.Uniform(scale.Lo, scale.Hi)
		aspect := math.Exp(r.Uniform(lr0, lr1))
		w := int(math.RoundToEven(math.Sqrt(target * aspect)))
		h := int(math.RoundToEven(math.Sqrt(target / aspect)))
		if w > 0 && w <= width && h > 0 && h <= height {
			y := r.IntRange(0, height-h)
			x := r.IntRange(0, width-w)
			return x, y, w, h
		}
	}
	inRatio := float64(width) / float64(height)
	switch {
	case inRatio < ratio.Lo:
		w = width
		h = int(math.RoundToEven(float64(w) / ratio.Lo))
	case inRatio > ratio.Hi:
		h = height
		w = int(math.RoundToEven(float64(h) * ratio.Hi))
	default:
		w, h = width, height
	}
	return (width - w) / 2, (height - h) / 2, w, h
}

// String returns the op in the policy text form.
func (o RandomResizedCrop) String() string {
	str := "rcrop size=" + o.Size.String()
	if o.Scale != (Range{}) {
		str += " scale=" + o.Scale.String()
	}
	if o.Ratio != (Range{}) {
		str += " ratio=" + o.Ratio.String()
	}
	if o.Filter != Bilinear {
		str += " interp=" + o.Filter.String()
	}
	return str
}

// Resize scales the image. With Short > 0 the shorter side becomes Short
// and the other keeps the aspect ratio (torchvision Resize(int)); otherwise
// the output is exactly Size.
type Resize struct {
	Short  int
	Size   Size
	Filter Filter
}

// Apply implements [Op].
func (o Resize) Apply(img *image.NRGBA, s *State) *image.NRGBA {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	ow, oh := o.Size.W, o.Size.H
	if o.Short > 0 {
		if w <= h {
			ow, oh = o.Short, int(float64(o.Short)*float64(h)/float64(w))
		} else {
			ow, oh = int(float64(o.Short)*float64(w)/float64(h)), o.Short
		}
	}
	s.record("resize", Param{"w", float64(ow)}, Param{"h", float64(oh)})
	if ow == w && oh == h {
		return img
	}
	out := s.NewImage(ow, oh)
	resample(out, img, image.Rect(0, 0, w, h), o.Filter, s)
	s.Release(img)
	return out
}

// String returns the op in the policy text form.
func (o Resize) String() string {
	str := fmt.Sprintf("resize size=%dx%d", o.Size.H, o.Size.W)
	if o.Short > 0 {
		str = fmt.Sprintf("resize size=%d", o.Short)
	}
	if o.Filter != Bilinear {
		str += " interp=" + o.Filter.String()
	}
	return str
}

package pixel

import "math"

// Colour kernels on rows of 8-bit RGBA pixels (image.NRGBA.Pix layout).
// Each exported function checks its slice lengths, runs the AVX2 body on
// whole blocks of 8 pixels when the CPU has it, and finishes the row (or
// all of it) with the portable Go body below; both give the same bytes.

// rowLen returns the number of whole pixels of src and panics when dst
// cannot hold them.
func rowLen(dst, src []uint8) int {
	n := len(src) / 4
	if len(dst) < 4*n {
		panic("pixel: destination row shorter than source row")
	}
	return n
}

// MaxSaturation is the largest saturation factor, in 16.16 fixed point,
// for which [Saturate] computes in 32-bit lanes (64.0); larger factors
// (and factors below -64) take a 64-bit path with the same formula.
const MaxSaturation = 1 << 22

// Saturate blends each pixel of src with its luma into dst, as PIL's
// ImageEnhance.Color does: every channel v becomes
// l + ((v-l)·f + 2^15) >> 16 clamped to [0, 255], where l is the pixel's
// ITU-R 601-2 luma (19595·R + 38470·G + 7471·B + 2^15) >> 16 and f the
// factor in 16.16 fixed point (65536 leaves the pixel unchanged, 0 makes it
// gray). Alpha is copied. It processes len(src)/4 pixels; dst must be at
// least as long, and may be src itself but must not otherwise overlap it.
func Saturate(dst, src []uint8, f int32) {
	n := rowLen(dst, src)
	i := 0
	if f >= -MaxSaturation && f <= MaxSaturation {
		i = saturateAsm(dst, src, n, f)
	}
	saturateGo(dst[4*i:4*n], src[4*i:4*n], f)
}

// saturateGo is the reference body of [Saturate].
func saturateGo(dst, src []uint8, f int32) {
	dst = dst[:len(src)]
	if f > MaxSaturation || f < -MaxSaturation {
		// The 32-bit products would overflow.
		for i := 0; i+3 < len(src); i += 4 {
			p := src[i : i+4 : i+4]
			q := dst[i : i+4 : i+4]
			l := int64(luma(p[0], p[1], p[2]))
			for c := range 3 {
				v := l + ((int64(p[c])-l)*int64(f)+32768)>>16
				q[c] = uint8(min(max(v, 0), 255))
			}
			q[3] = p[3]
		}
		return
	}
	for i := 0; i+3 < len(src); i += 4 {
		p := src[i : i+4 : i+4]
		q := dst[i : i+4 : i+4]
		r, g, b := int32(p[0]), int32(p[1]), int32(p[2])
		l := (19595*r + 38470*g + 7471*b + 0x8000) >> 16
		r = l + ((r-l)*f+32768)>>16
		g = l + ((g-l)*f+32768)>>16
		b = l + ((b-l)*f+32768)>>16
		q[0], q[1], q[2], q[3] = clamp8(r), clamp8(g), clamp8(b), p[3]
	}
}

func clamp8(v int32) uint8 { return uint8(min(max(v, 0), 255)) }

// luma returns the ITU-R 601-2 luma of an RGB triple, rounded, as PIL's
// "L" conversion computes it.
func luma(r, g, b uint8) int32 {
	return (19595*int32(r) + 38470*int32(g) + 7471*int32(b) + 0x8000) >> 16
}

// HueSteps is the number of hue steps in a full turn of the colour
// circle for [Hue]: six sectors of 256 steps.
const HueSteps = 1536

// HueShift converts a hue shift in turns (0.5 is half the colour circle)
// to the step count [Hue] takes, in [0, HueSteps).
func HueShift(turns float64) int32 {
	sq := int32(math.Round(turns*HueSteps)) % HueSteps
	if sq < 0 {
		sq += HueSteps
	}
	return sq
}

// recip[c] = round(2^16 / c), recip[0] = 0.
var recip = func() (t [256]int32) {
	for c := 1; c < 256; c++ {
		t[c] = int32(math.Round(65536 / float64(c)))
	}
	return
}()

// Per hue sector, the index into {max, min, rising, falling} of R, G, B.
var (
	hueR = [8]uint8{0, 3, 1, 1, 2, 0}
	hueG = [8]uint8{2, 0, 0, 3, 1, 1}
	hueB = [8]uint8{1, 1, 2, 0, 0, 3}
)

// Hue rotates the hue of each pixel of src by shift/[HueSteps] turns into
// dst, keeping each pixel's maximum and minimum channel (HSV value and
// chroma), in integer arithmetic: the hue is measured in 1/1536 turns
// (256 steps per sector of the colour circle, from the channel difference
// times a rounded reciprocal of the chroma), shifted, and the channel that
// moves within the new sector gets min + (chroma·step + 128) >> 8 (or max
// minus that). shift is taken modulo [HueSteps]. Alpha is copied. It
// processes len(src)/4 pixels; dst must be at least as long, and may be src
// itself but must not otherwise overlap it.
func Hue(dst, src []uint8, shift int32) {
	n := rowLen(dst, src)
	sq := shift % HueSteps
	if sq < 0 {
		sq += HueSteps
	}
	i := hueAsm(dst, src, n, sq)
	hueGo(dst[4*i:4*n], src[4*i:4*n], sq)
}

// hueGo is the reference body of [Hue], for sq in [0, HueSteps).
func hueGo(dst, src []uint8, sq int32) {
	dst = dst[:len(src)]
	for i := 0; i+3 < len(src); i += 4 {
		p := src[i : i+4 : i+4]
		q := dst[i : i+4 : i+4]
		r, g, b := int32(p[0]), int32(p[1]), int32(p[2])
		mx, mn := max(r, g, b), min(r, g, b)
		c := mx - mn // when 0, every value below is mx
		var hq int32
		if mx == r {
			hq = ((g - b) * recip[c&255]) >> 8
		} else if mx == g {
			hq = 512 + ((b-r)*recip[c&255])>>8
		} else {
			hq = 1024 + ((r-g)*recip[c&255])>>8
		}
		hq += sq
		if hq < 0 {
			hq += HueSteps
		}
		if hq >= HueSteps {
			hq -= HueSteps
		}
		rise := (c*(hq&255) + 128) >> 8
		// Sector k of the hue circle: which of max, min, rising and
		// falling values each channel takes.
		vals := [4]uint8{uint8(mx), uint8(mn), uint8(mn + rise), uint8(mx - rise)}
		k := hq >> 8
		q[0], q[1], q[2], q[3] = vals[hueR[k&7]&3], vals[hueG[k&7]&3], vals[hueB[k&7]&3], p[3]
	}
}

// LUT maps the R, G and B samples of each pixel of src through lut into
// dst and copies alpha. It processes len(src)/4 pixels; dst must be at
// least as long, and may be src itself but must not otherwise overlap it.
func LUT(dst, src []uint8, lut *[256]uint8) {
	n := rowLen(dst, src)
	i := lutAsm(dst, src, n, lut)
	lutGo(dst[4*i:4*n], src[4*i:4*n], lut)
}

// lutGo is the reference body of [LUT].
func lutGo(dst, src []uint8, lut *[256]uint8) {
	dst = dst[:len(src)]
	for i := 0; i+3 < len(src); i += 4 {
		p := src[i : i+4 : i+4]
		q := dst[i : i+4 : i+4]
		q[0], q[1], q[2], q[3] = lut[p[0]], lut[p[1]], lut[p[2]], p[3]
	}
}

// Sums adds the R, G and B samples of the len(src)/4 pixels of src to
// s[0], s[1] and s[2]. With them, the mean luma of an image is
// (19595·s[0] + 38470·s[1] + 7471·s[2]) / 65536 / pixels.
func Sums(s *[3]uint64, src []uint8) {
	n := len(src) / 4
	i := sumsAsm(s, src, n)
	sumsGo(s, src[4*i:4*n])
}

// sumsGo is the reference body of [Sums].
func sumsGo(s *[3]uint64, src []uint8) {
	var r, g, b uint64
	for i := 0; i+3 < len(src); i += 4 {
		p := src[i : i+3 : i+3]
		r += uint64(p[0])
		g += uint64(p[1])
		b += uint64(p[2])
	}
	s[0], s[1], s[2] = s[0]+r, s[1]+g, s[2]+b
}

package pixel

// YCbCrRow converts one row of JPEG YCbCr samples to NRGBA pixels:
// pixel i (0 <= i < len(y)) gets luma y[i] and chroma cb[i>>hshift],
// cr[i>>hshift], converted with exactly the integer arithmetic of
// color.YCbCrToRGB, and alpha 255. It writes dst[:4*len(y)].
//
// hshift is the horizontal chroma subsampling: 0 for 4:4:4 and 4:4:0, 1
// for 4:2:2 and 4:2:0, 2 for 4:1:1 and 4:1:0; the chroma of a row starting
// at an even (hshift 1) or multiple-of-4 (hshift 2) column is nearest
// neighbour, as image.YCbCr's COffset picks it. YCbCrRow panics if dst or
// the chroma rows are too short or hshift > 2.
func YCbCrRow(dst, y, cb, cr []byte, hshift uint) {
	n := len(y)
	if hshift > 2 {
		panic("pixel: YCbCrRow: hshift > 2")
	}
	if n == 0 {
		return
	}
	nc := (n-1)>>hshift + 1
	if len(dst) < 4*n || len(cb) < nc || len(cr) < nc {
		panic("pixel: YCbCrRow: short dst or chroma row")
	}
	done := ycbcrRowAsm(dst, y, cb, cr, hshift)
	ycbcrRowGeneric(dst[4*done:4*n], y[done:], cb[done>>hshift:nc], cr[done>>hshift:nc], hshift)
}

// ycbcrRowGeneric is the portable YCbCrRow; done is always a multiple of
// 8, so chroma indices stay aligned. The chroma terms are computed once
// per chroma sample and shared by the 1<<hshift pixels that use it.
func ycbcrRowGeneric(dst, y, cb, cr []byte, hshift uint) {
	n := len(y)
	dst = dst[:4*n]
	step := 1 << hshift
	for c, i := 0, 0; i < n; c, i = c+1, i+step {
		cb1 := int32(cb[c]) - 128
		cr1 := int32(cr[c]) - 128
		dr, dg, db := 91881*cr1, -22554*cb1-46802*cr1, 116130*cb1
		for k := i; k < min(i+step, n); k++ {
			yy1 := int32(y[k]) * 0x10101
			p := dst[4*k : 4*k+4 : 4*k+4]
			p[0] = clampYCbCr(yy1 + dr)
			p[1] = clampYCbCr(yy1 + dg)
			p[2] = clampYCbCr(yy1 + db)
			p[3] = 0xff
		}
	}
}

// clampYCbCr is color.YCbCrToRGB's rounding and clamping of a 16.16
// fixed-point value.
func clampYCbCr(v int32) uint8 {
	if uint32(v)&0xff000000 == 0 {
		return uint8(v >> 16)
	}
	return uint8(^(v >> 31))
}

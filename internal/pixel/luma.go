package pixel

// LumaLUT maps the len(src)/4 RGBA pixels of src through a 256-entry table
// indexed by their luma: dst[x] = lut[(19595·R + 38470·G + 7471·B + 1<<15) >> 16],
// the exact integer luma of image/color's GrayModel (gray pixels, with
// R = G = B, keep their value); alpha is ignored. dst must hold at least
// len(src)/4 values. It is the one-channel tensorization of an RGBA row.
func LumaLUT(dst []float32, src []uint8, lut *[256]float32) {
	n := len(src) / 4
	if len(dst) < n {
		panic("pixel: destination shorter than source row")
	}
	i := lumaLUTAsm(dst, src, n, lut)
	lumaLUTGo(dst[i:n], src[4*i:4*n], lut)
}

// lumaLUTGo is the reference body of [LumaLUT].
func lumaLUTGo(dst []float32, src []uint8, lut *[256]float32) {
	dst = dst[:len(src)/4]
	for x := range dst {
		p := src[4*x : 4*x+3 : 4*x+3]
		r, g, b := uint32(p[0]), uint32(p[1]), uint32(p[2])
		dst[x] = lut[uint8((19595*r+38470*g+7471*b+1<<15)>>16)]
	}
}

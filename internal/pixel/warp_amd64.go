//go:build amd64 && !purego && !noasm

package pixel

import "golang.org/x/sys/cpu"

// warpAVX2 reports whether WarpBilinear uses its AVX2 body.
var warpAVX2 = cpu.X86.HasAVX2

// warpBilinearAVX2 writes n > 0 pixels, 8 per step: VPGATHERDQ of the
// tap pairs (x0, x0+1) of both rows, then the two interpolation stages in
// 16-bit lanes; the last 1..7 pixels with a masked store. The caller has
// checked the taps and that coordinates and offsets fit in an int32.
//
//go:noescape
func warpBilinearAVX2(dst, src *uint8, stride, n int, fx, fy, dx, dy int64)

// warpAsm runs the AVX2 body when the CPU has AVX2 and reports whether it
// did.
func warpAsm(dst, src []uint8, stride int, fx, fy, dx, dy int64) bool {
	if !warpAVX2 {
		return false
	}
	warpBilinearAVX2(&dst[0], &src[0], stride, len(dst)/4, fx, fy, dx, dy)
	return true
}

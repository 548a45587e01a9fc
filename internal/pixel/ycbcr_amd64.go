//go:build amd64 && !purego && !noasm

package pixel

import "golang.org/x/sys/cpu"

// ycbcrAVX2 reports whether YCbCrRow uses its AVX2 kernel.
var ycbcrAVX2 = cpu.X86.HasAVX2

// ycbcrRowAVX2 converts the first n pixels (n a multiple of 8, hshift
// 0, 1 or 2); the caller has checked the lengths.
//
//go:noescape
func ycbcrRowAVX2(dst, y, cb, cr *byte, n int, hshift uint)

// ycbcrRowAsm converts as many leading pixels as the assembly handles (a
// multiple of 8) and returns how many.
func ycbcrRowAsm(dst, y, cb, cr []byte, hshift uint) int {
	n := len(y) &^ 7
	if !ycbcrAVX2 || n == 0 || hshift > 2 {
		return 0
	}
	ycbcrRowAVX2(&dst[0], &y[0], &cb[0], &cr[0], n, hshift)
	return n
}

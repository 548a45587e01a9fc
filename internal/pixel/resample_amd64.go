//go:build amd64 && !purego && !noasm

package pixel

import "golang.org/x/sys/cpu"

// resampleAVX2 reports whether HResample and VResample use their AVX2
// bodies.
var resampleAVX2 = cpu.X86.HasAVX2

// hresampleAVX2 computes blocks of 8 output pixels (see HResample's AVX2
// layout); the last block is stored at dst+lastOff. half is 1<<(bits-1).
//
//go:noescape
func hresampleAVX2(dst, src *uint8, idx, base, wt *int32, blocks, taps, lastOff int, bits uint, half int)

// vresampleAVX2 computes n >= 32 bytes, 32 at a time, the last 32 ending
// at n; half is 1<<(bits-1).
//
//go:noescape
func vresampleAVX2(dst, src *uint8, n, stride int, w *int32, rows int, bits uint, half int)

func hresampleAsm(r *HResample, dst, src []uint8) bool {
	hresampleAVX2(&dst[0], &src[0], &r.idx[0], &r.base[0], &r.wt[0], len(r.base), r.wtaps, 4*(r.outW-8), r.bits, 1<<(r.bits-1))
	return true
}

// vresampleAsm returns how many leading bytes of dst it computed.
func vresampleAsm(dst, src []uint8, stride int, w []int32, bits uint) int {
	if !resampleAVX2 || len(dst) < 32 || len(w) == 0 {
		return 0
	}
	vresampleAVX2(&dst[0], &src[0], len(dst), stride, &w[0], len(w), bits, 1<<(bits-1))
	return len(dst)
}

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

// hresample8AVX2 is hresampleAVX2 for 8-bit weights (wt8, 16-bit lanes).
//
//go:noescape
func hresample8AVX2(dst, src *uint8, idx, base *int32, wt *uint16, blocks, taps, lastOff int)

// vresampleAVX2 computes n >= 32 bytes, 32 at a time, the last 32 ending
// at n; half is 1<<(bits-1).
//
//go:noescape
func vresampleAVX2(dst, src *uint8, n, stride int, w *int32, rows int, bits uint, half int)

func hresampleAsm(r *HResample, dst, src []uint8) bool {
	// Runs of blocks of the same kind, each with its own kernel; a run's
	// last block is the row's last (overlapping) block or sits at 32 bytes
	// per block.
	blocks := len(r.base)
	for b := 0; b < blocks; {
		e := b + 1
		for e < blocks && r.byte8[e] == r.byte8[b] {
			e++
		}
		lastOff := 32 * (e - 1 - b)
		if e == blocks {
			lastOff = 4*(r.outW-8) - 32*b
		}
		if r.byte8[b] {
			hresample8AVX2(&dst[32*b], &src[0], &r.idx[8*b], &r.base[b], &r.wt8[32*b*r.wtaps], e-b, r.wtaps, lastOff)
		} else {
			hresampleAVX2(&dst[32*b], &src[0], &r.idx[8*b], &r.base[b], &r.wt[8*b*r.wtaps], e-b, r.wtaps, lastOff, r.bits, 1<<(r.bits-1))
		}
		b = e
	}
	return true
}

// vresample8AVX2 is vresampleAVX2 for 8-bit weights (16-bit lanes).
//
//go:noescape
func vresample8AVX2(dst, src *uint8, n, stride int, w *int32, rows int)

// vresampleAsm returns how many leading bytes of dst it computed.
func vresampleAsm(dst, src []uint8, stride int, w []int32, bits uint) int {
	if !resampleAVX2 || len(dst) < 32 || len(w) == 0 {
		return 0
	}
	if w8, ok := resampleByte8(w, bits); ok {
		vresample8AVX2(&dst[0], &src[0], len(dst), stride, &w8[0], len(w))
		return len(dst)
	}
	vresampleAVX2(&dst[0], &src[0], len(dst), stride, &w[0], len(w), bits, 1<<(bits-1))
	return len(dst)
}

// resampleByte8 returns up to 16 weights >> 8 when they are 16-bit,
// non-negative multiples of 256 summing to at most 1<<16: then (Σ t·w +
// 1<<15) >> 16 is (Σ t·(w>>8) + 128) >> 8, and the sums fit in 16 bits.
func resampleByte8(w []int32, bits uint) (w8 [16]int32, ok bool) {
	if bits != 16 || len(w) > len(w8) {
		return w8, false
	}
	sum := int32(0)
	for j, v := range w {
		if v < 0 || v&255 != 0 || v > 1<<16 {
			return w8, false
		}
		w8[j] = v >> 8
		sum += w8[j]
	}
	return w8, sum <= 256
}

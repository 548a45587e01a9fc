//go:build amd64 && !purego && !noasm

package jpeg

import "golang.org/x/sys/cpu"

// idctAVX2 reports whether idctStore uses the AVX2 kernel.
var idctAVX2 = cpu.X86.HasAVX2

// idctK holds the constants of idctRows and idctCols, each broadcast to
// eight int32 lanes, in the order idct_amd64.s reads them. For a dctBox
// with (kcos, ksin) it holds kcos, ksin-kcos and kcos+ksin.
var idctK = func() (k [16][8]int32) {
	box := func(i int, kcos, ksin int32) {
		k[i] = splat(kcos)
		k[i+1] = splat(ksin - kcos)
		k[i+2] = splat(kcos + ksin)
	}
	box(0, c(sqrt2inv_cos6, 18), -c(sqrt2inv_sin6, 18))
	k[3] = splat(c(sqrt2inv, 8))
	box(4, c(cos3, 12), -c(sin3, 12))
	box(7, c(cos1, 12), -c(sin1, 12))
	box(10, c(sqrt2inv_cos6, 12), -c(sqrt2inv_sin6, 12))
	k[13] = splat(c(sqrt2inv, 14))
	k[14] = splat(1 << 19)
	k[15] = splat(128)
	return k
}()

func splat(v int32) [8]int32 { return [8]int32{v, v, v, v, v, v, v, v} }

// idctStoreAVX2 is idctStoreGeneric in AVX2 (b is left unchanged).
//
//go:noescape
func idctStoreAVX2(b, qt *block, dst *byte, stride int)

// idctStore dequantizes, inverse-transforms, level-shifts, clips and
// stores one block: see idctStoreGeneric.
func idctStore(b, qt *block, dst []byte, stride int) {
	if !idctAVX2 {
		idctStoreGeneric(b, qt, dst, stride)
		return
	}
	_ = dst[7*stride+7]
	idctStoreAVX2(b, qt, &dst[0], stride)
}

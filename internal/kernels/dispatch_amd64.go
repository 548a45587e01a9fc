//go:build amd64 && !purego && !noasm

package kernels

import "golang.org/x/sys/cpu"

//go:generate go run gen_amd64.go

// avx512Impl uses 12×32 AVX-512 tiles: 24 zmm accumulators, two zmm of B
// and one broadcast of A per k step.
var avx512Impl = &impl{
	name: "avx512",
	mr:   12, nr: 32,
	kc: 256, mc: 1020, nc: 512,
	kern: kernAVX512, kernMasked: kernAVX512Masked, aStride: 16,
	dot: dotAVX512, dotR: 4, dotS: 6, dotW: 16,
}

// avx2Impl uses 6×16 AVX2 tiles: 12 ymm accumulators, two ymm of B and
// one broadcast of A per k step.
var avx2Impl = &impl{
	name: "avx2",
	mr:   6, nr: 16,
	kc: 256, mc: 1020, nc: 512,
	kern: kernAVX2, kernMasked: kernAVX2Masked,
	dot: dotAVX2, dotR: 3, dotS: 4, dotW: 8,
}

func kernAVX512(h, k int, a, b []float32, ldb int, c []float32, ldc int, beta float32) {
	// Bounds checks here, so the assembly can trust its pointers.
	_ = a[(k-1)*16+h-1]
	_ = b[(k-1)*ldb+31]
	_ = c[(h-1)*ldc+31]
	kernAVX512Table[h](k, &a[0], &b[0], ldb, &c[0], ldc, beta)
}

func kernAVX512Masked(h, k int, a, b []float32, ldb int, c []float32, ldc int, beta float32, cols int) {
	_ = a[(k-1)*16+h-1]
	_ = b[(k-1)*ldb+cols-1]
	_ = c[(h-1)*ldc+cols-1]
	kernAVX512MaskedTable[h](k, &a[0], &b[0], ldb, &c[0], ldc, beta, uint32(1)<<cols-1)
}

func kernAVX2(h, k int, a, b []float32, ldb int, c []float32, ldc int, beta float32) {
	_ = a[h*k-1]
	_ = b[(k-1)*ldb+15]
	_ = c[(h-1)*ldc+15]
	kernAVX2Table[h](k, &a[0], &b[0], ldb, &c[0], ldc, beta)
}

func dotAVX512(r, s, kv int, a []float32, lda int, b []float32, ldb int, out []float32, ldo int) {
	_ = a[(r-1)*lda+kv*16-1]
	_ = b[(s-1)*ldb+kv*16-1]
	_ = out[(r-1)*ldo+s-1]
	dotAVX512Table[r][s](kv, &a[0], lda, &b[0], ldb, &out[0], ldo)
}

func dotAVX2(r, s, kv int, a []float32, lda int, b []float32, ldb int, out []float32, ldo int) {
	_ = a[(r-1)*lda+kv*8-1]
	_ = b[(s-1)*ldb+kv*8-1]
	_ = out[(r-1)*ldo+s-1]
	dotAVX2Table[r][s](kv, &a[0], lda, &b[0], ldb, &out[0], ldo)
}

func transpose16Checked(nb int, src []float32, lds int, dst []float32, ldd int) {
	_ = src[15*lds+16*nb-1]
	_ = dst[(16*nb-1)*ldd+15]
	transpose16AVX512(nb, &src[0], lds, &dst[0], ldd)
}

func packA16Checked(nb, h int, src []float32, lds int, dst []float32, alpha float32) {
	_ = src[(h-1)*lds+16*nb-1]
	_ = dst[256*nb-1]
	packA16AVX512(nb, h, &src[0], lds, &dst[0], alpha)
}

func copyChunksChecked(n, vecs int, src, dst []float32, dstStride int) {
	_ = src[n*vecs*8-1]
	_ = dst[(n-1)*dstStride+vecs*8-1]
	copyChunksAVX(n, vecs, &src[0], &dst[0], dstStride)
}

// ymmMasks holds the lane masks of the AVX2 edge kernels: the 8 lanes
// starting at ymmMasks[8-c] enable the first c lanes.
var ymmMasks = [16]int32{-1, -1, -1, -1, -1, -1, -1, -1}

func kernAVX2Masked(h, k int, a, b []float32, ldb int, c []float32, ldc int, beta float32, cols int) {
	_ = a[h*k-1]
	_ = b[(k-1)*ldb+cols-1]
	_ = c[(h-1)*ldc+cols-1]
	if cols <= 8 {
		kernAVX2E1Table[h](k, &a[0], &b[0], ldb, &c[0], ldc, beta, &ymmMasks[8-cols])
		return
	}
	kernAVX2E2Table[h](k, &a[0], &b[0], ldb, &c[0], ldc, beta, &ymmMasks[16-cols])
}

// impls lists every implementation usable on this CPU, fastest first, for
// tests and benchmarks.
var impls = func() []*impl {
	var l []*impl
	if cpu.X86.HasAVX512F && cpu.X86.HasAVX512VL && cpu.X86.HasFMA {
		l = append(l, avx512Impl)
		transpose16 = transpose16Checked
		packA16 = packA16Checked
	}
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		l = append(l, avx2Impl)
	}
	if cpu.X86.HasAVX {
		copyChunks = copyChunksChecked
	}
	return append(l, goImpl)
}()

// activeImpl is the implementation Sgemm uses on this CPU.
var activeImpl = impls[0]

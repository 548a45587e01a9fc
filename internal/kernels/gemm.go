package kernels

import (
	"fmt"
	"runtime"
	"sync/atomic"
)

// Sgemm computes C = alpha*op(A)*op(B) + beta*C, where op(X) is X or its
// transpose, op(A) is m×k, op(B) is k×n and C is m×n. All matrices are
// row-major with leading dimensions lda, ldb and ldc. When beta is zero, C
// is not read, so it may hold NaNs or garbage.
//
// Large products are split across up to [MaxThreads] goroutines; small ones
// run on the calling goroutine. Sgemm is safe for concurrent use (each call
// has its own packing buffers, recycled from a free list), and in steady
// state it does not allocate.
//
// C must not overlap A or B. Sgemm panics if a slice is too short for the
// dimensions given; callers own the shapes.
func Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	sgemm(activeImpl, MaxThreads(), transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// SgemmSerial is [Sgemm] restricted to the calling goroutine. Use it when
// the caller already splits its work (for example one image of a batch per
// goroutine) and extra threads would only oversubscribe the cores.
func SgemmSerial(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	sgemm(activeImpl, 1, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// maxThreads holds the value set by SetMaxThreads; 0 means GOMAXPROCS.
var maxThreads atomic.Int32

// SetMaxThreads sets how many goroutines one [Sgemm] call may use and
// returns the previous setting. n <= 0 restores the default, which is
// runtime.GOMAXPROCS(0) at the time of each call.
func SetMaxThreads(n int) (prev int) {
	if n < 0 {
		n = 0
	}
	return int(maxThreads.Swap(int32(n)))
}

// MaxThreads reports how many goroutines one [Sgemm] call may use.
func MaxThreads() int {
	if n := maxThreads.Load(); n > 0 {
		return int(n)
	}
	return runtime.GOMAXPROCS(0)
}

// Impl reports the name of the GEMM implementation selected for this CPU:
// "avx512", "avx2" or "go".
func Impl() string { return activeImpl.name }

// checkArgs panics with a descriptive message when the slices cannot hold
// the matrices described by the dimensions and leading dimensions.
func checkArgs(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	if m < 0 || n < 0 || k < 0 {
		panic(fmt.Sprintf("kernels: Sgemm: negative dimension m=%d n=%d k=%d", m, n, k))
	}
	need := func(name string, s []float32, rows, cols, ld int) {
		if rows == 0 || cols == 0 {
			return
		}
		if ld < cols {
			panic(fmt.Sprintf("kernels: Sgemm: ld%s=%d < %d", name, ld, cols))
		}
		if l := (rows-1)*ld + cols; len(s) < l {
			panic(fmt.Sprintf("kernels: Sgemm: len(%s)=%d < %d", name, len(s), l))
		}
	}
	if transA {
		need("a", a, k, m, lda)
	} else {
		need("a", a, m, k, lda)
	}
	if transB {
		need("b", b, n, k, ldb)
	} else {
		need("b", b, k, n, ldb)
	}
	need("c", c, m, n, ldc)
}

// scaleC sets C = beta*C for an m×n block, writing zeros when beta is zero
// (so NaNs in C do not survive).
func scaleC(m, n int, beta float32, c []float32, ldc int) {
	if beta == 1 {
		return
	}
	for i := 0; i < m; i++ {
		row := c[i*ldc : i*ldc+n]
		if beta == 0 {
			clear(row)
			continue
		}
		for j := range row {
			row[j] *= beta
		}
	}
}

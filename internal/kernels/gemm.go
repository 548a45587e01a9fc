package kernels

// Sgemm computes C = alpha*op(A)*op(B) + beta*C, where op(X) is X or its
// transpose, op(A) is m×k, op(B) is k×n and C is m×n. All matrices are
// row-major with leading dimensions lda, ldb and ldc. When beta is zero, C
// is not read, so it may hold NaNs or garbage.
//
// Sgemm panics if a slice is too short for the dimensions given; callers
// own the shapes.
func Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	for i := 0; i < m; i++ {
		ci := c[i*ldc : i*ldc+n]
		if beta == 0 {
			clear(ci)
		} else if beta != 1 {
			for j := range ci {
				ci[j] *= beta
			}
		}
		if k == 0 || alpha == 0 {
			continue
		}
		for p := 0; p < k; p++ {
			var av float32
			if transA {
				av = a[p*lda+i]
			} else {
				av = a[i*lda+p]
			}
			av *= alpha
			if av == 0 {
				continue
			}
			if !transB {
				bp := b[p*ldb : p*ldb+n]
				for j, bv := range bp {
					ci[j] += av * bv
				}
			} else {
				for j := range ci {
					ci[j] += av * b[j*ldb+p]
				}
			}
		}
	}
}

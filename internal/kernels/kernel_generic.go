package kernels

// goImpl is the portable implementation: a 4×4 microkernel in plain Go
// (sixteen scalar accumulators, which fit the register file of arm64 and
// spill only a little on amd64) behind the same packing and blocking as
// the assembly kernels.
var goImpl = &impl{
	name: "go",
	mr:   4, nr: 4,
	kc: 256, mc: 256, nc: 1024,
	kern: kernGo,
}

// kernGo is the portable microkernel; see impl.kern for the contract.
func kernGo(h, k int, a, b []float32, ldb int, c []float32, ldc int, beta float32) {
	if h == 4 {
		kernGo4(k, a, b, ldb, c, ldc, beta)
		return
	}
	var acc [4][4]float32
	a = a[:h*k]
	for p := 0; p < k; p++ {
		bp := b[p*ldb : p*ldb+4 : p*ldb+4]
		ap := a[p*h : p*h+h]
		for r, av := range ap {
			acc[r][0] += av * bp[0]
			acc[r][1] += av * bp[1]
			acc[r][2] += av * bp[2]
			acc[r][3] += av * bp[3]
		}
	}
	for r := 0; r < h; r++ {
		storeRow4(c[r*ldc:r*ldc+4], acc[r][0], acc[r][1], acc[r][2], acc[r][3], beta)
	}
}

// kernGo4 is kernGo for a full 4-row tile, with the accumulators in
// local variables so that the compiler can keep them in registers.
func kernGo4(k int, a, b []float32, ldb int, c []float32, ldc int, beta float32) {
	var c00, c01, c02, c03 float32
	var c10, c11, c12, c13 float32
	var c20, c21, c22, c23 float32
	var c30, c31, c32, c33 float32
	a = a[:4*k]
	for p := 0; p < k; p++ {
		bp := b[p*ldb : p*ldb+4 : p*ldb+4]
		b0, b1, b2, b3 := bp[0], bp[1], bp[2], bp[3]
		a0, a1, a2, a3 := a[0], a[1], a[2], a[3]
		c00 += a0 * b0
		c01 += a0 * b1
		c02 += a0 * b2
		c03 += a0 * b3
		c10 += a1 * b0
		c11 += a1 * b1
		c12 += a1 * b2
		c13 += a1 * b3
		c20 += a2 * b0
		c21 += a2 * b1
		c22 += a2 * b2
		c23 += a2 * b3
		c30 += a3 * b0
		c31 += a3 * b1
		c32 += a3 * b2
		c33 += a3 * b3
		a = a[4:]
	}
	storeRow4(c[0:4], c00, c01, c02, c03, beta)
	storeRow4(c[ldc:ldc+4], c10, c11, c12, c13, beta)
	storeRow4(c[2*ldc:2*ldc+4], c20, c21, c22, c23, beta)
	storeRow4(c[3*ldc:3*ldc+4], c30, c31, c32, c33, beta)
}

// storeRow4 writes v + beta*c into the four elements of c, without
// reading c when beta is zero.
func storeRow4(c []float32, v0, v1, v2, v3, beta float32) {
	c = c[:4]
	if beta == 0 {
		c[0], c[1], c[2], c[3] = v0, v1, v2, v3
		return
	}
	c[0] = v0 + beta*c[0]
	c[1] = v1 + beta*c[1]
	c[2] = v2 + beta*c[2]
	c[3] = v3 + beta*c[3]
}

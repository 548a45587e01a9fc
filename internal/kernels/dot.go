package kernels

// dotMaxRatio bounds m·n/k for the dot-product path: A·Bᵀ with few
// outputs per k step (weight gradients of convolutions, dense layers on a
// small batch) is faster as dot products along k than packed.
var dotMaxRatio = 16

// dotBlockBytes is the L2 budget for the rows of A and B of one k-block
// of the dot-product path. Tests lower it to cross block boundaries.
var dotBlockBytes = 512 << 10

// useDot reports whether this call should take the dot-product path.
func (g *gemmArgs) useDot() bool {
	im := g.im
	return im.dot != nil && !g.transA && g.transB && g.k >= 4*im.dotW &&
		g.m*g.n <= dotMaxRatio*g.k
}

// finishDot completes the dot-product path: C = alpha·(Σ partial sums
// + the k % dotW tail) + beta·C.
func (g *gemmArgs) finishDot() {
	im, m, n, k := g.im, g.m, g.n, g.k
	mn := m * n
	kv := k / im.dotW
	alpha, beta := g.alpha, g.beta
	for i := 0; i < m; i++ {
		ai := g.a[i*g.lda : i*g.lda+k]
		ci := g.c[i*g.ldc : i*g.ldc+n]
		for j := range ci {
			s := g.partial[i*n+j]
			for t := 1; t < g.nchunks; t++ {
				s += g.partial[t*mn+i*n+j]
			}
			if kv*im.dotW < k {
				bj := g.b[j*g.ldb : j*g.ldb+k]
				for p := kv * im.dotW; p < k; p++ {
					s += ai[p] * bj[p]
				}
			}
			if beta == 0 {
				ci[j] = alpha * s
			} else {
				ci[j] = alpha*s + beta*ci[j]
			}
		}
	}
}

// runDot sets out (m×n) to the dot products of the rows of A and B over
// the vectors [kv0, kv1) of k.
func (g *gemmArgs) runDot(kv0, kv1 int, out []float32) {
	im, m, n := g.im, g.m, g.n
	wd := im.dotW
	clear(out[:m*n])
	// Tiles of near-equal size: n = 25 runs as 5 tiles of 5, not 4×6+1.
	rt, st := (m+im.dotR-1)/im.dotR, (n+im.dotS-1)/im.dotS
	// The operand with fewer rows stays in L2 for a whole k-block while
	// the tiles of the other stream past it; k is blocked only when that
	// operand is too big, since every block costs a reduction per tile.
	kb := max(16, dotBlockBytes/(4*wd*min(m+im.dotS, n+im.dotR)))
	for b0 := kv0; b0 < kv1; b0 += kb {
		nv := min(kb, kv1-b0)
		if m <= n {
			for tj := 0; tj < st; tj++ {
				j0, j1 := n*tj/st, n*(tj+1)/st
				b := g.b[j0*g.ldb+b0*wd:]
				for ti := 0; ti < rt; ti++ {
					i0, i1 := m*ti/rt, m*(ti+1)/rt
					im.dot(i1-i0, j1-j0, nv, g.a[i0*g.lda+b0*wd:], g.lda, b, g.ldb, out[i0*n+j0:], n)
				}
			}
			continue
		}
		for ti := 0; ti < rt; ti++ {
			i0, i1 := m*ti/rt, m*(ti+1)/rt
			a := g.a[i0*g.lda+b0*wd:]
			for tj := 0; tj < st; tj++ {
				j0, j1 := n*tj/st, n*(tj+1)/st
				im.dot(i1-i0, j1-j0, nv, a, g.lda, g.b[j0*g.ldb+b0*wd:], g.ldb, out[i0*n+j0:], n)
			}
		}
	}
}

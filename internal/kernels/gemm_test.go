package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"
)

// refGemm is the obviously correct reference: float64 accumulation,
// straight from the definition. It also returns, per element, the sum of
// the absolute values of the terms, which bounds the rounding error.
func refGemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) (want, mag []float64) {
	want = make([]float64, m*n)
	mag = make([]float64, m*n)
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s, sa float64
			for p := 0; p < k; p++ {
				var av, bv float64
				if transA {
					av = float64(a[p*lda+i])
				} else {
					av = float64(a[i*lda+p])
				}
				if transB {
					bv = float64(b[j*ldb+p])
				} else {
					bv = float64(b[p*ldb+j])
				}
				s += av * bv
				sa += math.Abs(av * bv)
			}
			w := float64(alpha) * s
			mg := math.Abs(float64(alpha)) * sa
			if beta != 0 {
				cv := float64(c[i*ldc+j])
				w += float64(beta) * cv
				mg += math.Abs(float64(beta) * cv)
			}
			want[i*n+j], mag[i*n+j] = w, mg
		}
	}
	return want, mag
}

func randSlice(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(r.NormFloat64())
	}
	return s
}

type gemmCase struct {
	transA, transB bool
	m, n, k        int
	alpha, beta    float32
	pad            int // extra leading-dimension padding
}

func (tc gemmCase) String() string {
	t := func(b bool) string {
		if b {
			return "T"
		}
		return "N"
	}
	return fmt.Sprintf("%s%s/m%d_n%d_k%d/a%g_b%g/pad%d", t(tc.transA), t(tc.transB), tc.m, tc.n, tc.k, tc.alpha, tc.beta, tc.pad)
}

// checkCase runs one case through sgemm with the given implementation and
// thread count and compares it with refGemm.
func checkCase(t *testing.T, im *impl, threads int, tc gemmCase, r *rand.Rand) {
	t.Helper()
	m, n, k := tc.m, tc.n, tc.k
	ar, ac := m, k
	if tc.transA {
		ar, ac = k, m
	}
	br, bc := k, n
	if tc.transB {
		br, bc = n, k
	}
	lda, ldb, ldc := ac+tc.pad, bc+tc.pad, n+tc.pad
	a := randSlice(r, max(ar*lda, 1))
	b := randSlice(r, max(br*ldb, 1))
	c := randSlice(r, max(m*ldc, 1))
	if tc.beta == 0 {
		for i := range c {
			c[i] = float32(math.NaN())
		}
	}
	want, mag := refGemm(tc.transA, tc.transB, m, n, k, tc.alpha, a, lda, b, ldb, tc.beta, c, ldc)
	got := append([]float32(nil), c...)
	sgemm(im, threads, tc.transA, tc.transB, m, n, k, tc.alpha, a, lda, b, ldb, tc.beta, got, ldc)
	bad := 0
	for i := 0; i < m; i++ {
		for j := 0; j < ldc; j++ {
			g := got[i*ldc+j]
			if j >= n {
				// Padding between rows must be left alone.
				if g != c[i*ldc+j] && !(math.IsNaN(float64(g)) && math.IsNaN(float64(c[i*ldc+j]))) {
					t.Fatalf("%v: padding C[%d][%d] changed to %v", tc, i, j, g)
				}
				continue
			}
			w, mg := want[i*n+j], mag[i*n+j]
			tol := 1e-5*mg + 1e-6*float64(k+1)*0 + 1e-30
			tol = max(tol, 4e-6*mg*math.Sqrt(float64(k+1)))
			if d := math.Abs(float64(g) - w); !(d <= tol+1e-6) {
				if bad++; bad <= 3 {
					t.Errorf("%v: C[%d][%d] = %v, want %v (tol %.3g)", tc, i, j, g, w, tol)
				}
			}
		}
	}
	if bad > 0 {
		t.Fatalf("%v: %d wrong elements", tc, bad)
	}
}

// smallBlocks returns a copy of im with tiny cache blocks, so that small
// test matrices cross every k-, m- and n-block boundary.
func smallBlocks(im *impl) *impl {
	c := *im
	c.name += "-small"
	c.kc, c.mc, c.nc = 7, 2*im.mr+1, 2*im.nr
	return &c
}

func testImpls() []*impl {
	var out []*impl
	for _, im := range impls {
		out = append(out, im, smallBlocks(im))
	}
	return out
}

func gemmCases(big bool) []gemmCase {
	var cs []gemmCase
	dims := []int{1, 3, 17, 33}
	ab := [][2]float32{{1, 0}, {1, 1}, {-0.5, 2}, {2, -1}}
	i := 0
	for _, ta := range []bool{false, true} {
		for _, tb := range []bool{false, true} {
			for _, m := range dims {
				for _, n := range dims {
					for _, k := range dims {
						x := ab[i%len(ab)]
						cs = append(cs, gemmCase{ta, tb, m, n, k, x[0], x[1], i % 3})
						i++
					}
				}
			}
			// Shapes around the tile sizes and the model's conv shapes.
			for _, s := range [][3]int{{31, 257, 5}, {257, 31, 9}, {12, 300, 25}, {16, 130, 300}, {20, 70, 256}, {7, 1, 600}, {1, 600, 7}} {
				x := ab[i%len(ab)]
				cs = append(cs, gemmCase{ta, tb, s[0], s[1], s[2], x[0], x[1], i % 2})
				i++
			}
			if big {
				cs = append(cs, gemmCase{ta, tb, 257, 257, 257, 1.5, 0.5, 1})
			}
		}
	}
	return cs
}

func TestSgemmImpls(t *testing.T) {
	defer func(v int) { tinyMNK = v }(tinyMNK)
	tinyMNK = 0
	big := !testing.Short() && !raceEnabled
	old, oldDot := directMaxSlivers, dotMaxRatio
	defer func() { directMaxSlivers, dotMaxRatio = old, oldDot }()
	// Run every case with B always packed (and no dot path), and with
	// the default rules (B read in place whenever it is not transposed).
	for _, direct := range []int{0, old} {
		directMaxSlivers = direct
		dotMaxRatio = oldDot
		if direct == 0 {
			dotMaxRatio = 0
		}
		for _, im := range testImpls() {
			t.Run(fmt.Sprintf("%s/direct%d", im.name, direct), func(t *testing.T) {
				r := rand.New(rand.NewPCG(1, 2))
				for _, tc := range gemmCases(big && im == activeImpl && direct == old) {
					checkCase(t, im, 1, tc, r)
				}
			})
		}
	}
}

// forceParallel makes every call of the test split into as many chunks as
// its shape allows, however small.
func forceParallel(t *testing.T) {
	oldPar, oldChunk := parMinFlops, chunkFlops
	parMinFlops, chunkFlops = 0, 1
	t.Cleanup(func() { parMinFlops, chunkFlops = oldPar, oldChunk })
}

// TestSgemmDot covers the dot-product path for A·Bᵀ, including tile
// edges, the k % width tail, k blocking and the split of k across
// goroutines.
func TestSgemmDot(t *testing.T) {
	defer func(v int) { tinyMNK = v }(tinyMNK)
	tinyMNK = 0
	forceParallel(t)
	oldDot, oldBlock := dotMaxRatio, dotBlockBytes
	defer func() { dotMaxRatio, dotBlockBytes = oldDot, oldBlock }()
	dotMaxRatio = 1 << 30
	r := rand.New(rand.NewPCG(12, 13))
	for _, im := range impls {
		if im.dot == nil {
			continue
		}
		for _, threads := range []int{1, 2, 3} {
			dotBlockBytes = oldBlock
			if threads == 3 {
				dotBlockBytes = 1 // 16-vector k-blocks
			}
			for i, s := range [][3]int{{1, 1, 64}, {3, 5, 100}, {5, 7, 257}, {12, 25, 1000}, {13, 13, 80}, {4, 6, 4097}, {9, 30, 600}} {
				ab := [][2]float32{{1, 0}, {0.5, 1}, {-1, -0.5}}[i%3]
				checkCase(t, im, threads, gemmCase{false, true, s[0], s[1], s[2], ab[0], ab[1], i % 2}, r)
			}
		}
	}
}

// TestSgemmParallel forces the split across goroutines on small matrices.
func TestSgemmParallel(t *testing.T) {
	defer func(v int) { tinyMNK = v }(tinyMNK)
	tinyMNK = 0
	forceParallel(t)
	r := rand.New(rand.NewPCG(3, 4))
	for _, im := range testImpls() {
		for _, threads := range []int{2, 3} {
			for _, tc := range []gemmCase{
				{false, false, 33, 97, 17, 1, 0, 1},
				{true, false, 97, 5, 40, 2, 1, 0},
				{false, true, 64, 64, 64, 1, -1, 3},
				{true, true, 3, 200, 9, 0.5, 0.25, 0},
			} {
				checkCase(t, im, threads, tc, r)
			}
		}
	}
}

func TestSgemmSpecial(t *testing.T) {
	defer func(v int) { tinyMNK = v }(tinyMNK)
	tinyMNK = 0
	r := rand.New(rand.NewPCG(5, 6))
	for _, im := range impls {
		for _, tc := range []gemmCase{
			{false, false, 5, 7, 0, 1, 0, 1},  // k = 0, beta = 0: C = 0
			{false, false, 5, 7, 0, 1, 3, 0},  // k = 0: C = beta*C
			{true, true, 5, 7, 4, 0, 0.5, 2},  // alpha = 0
			{false, false, 0, 7, 4, 1, 0, 0},  // empty
			{false, false, 1, 1, 1, 1, 0, 0},  // scalar
			{true, false, 1, 40, 70, 1, 0, 0}, // row vector
			{false, true, 40, 1, 70, 1, 1, 0}, // column vector
		} {
			checkCase(t, im, 1, tc, r)
		}
	}
}

// TestSgemmImplsAgree runs the same products through every implementation
// and checks that they agree with the portable one within float32
// rounding, element by element.
func TestSgemmImplsAgree(t *testing.T) {
	defer func(v int) { tinyMNK = v }(tinyMNK)
	tinyMNK = 0
	r := rand.New(rand.NewPCG(16, 17))
	for _, tc := range []gemmCase{
		{false, false, 31, 257, 33, 1, 0, 1},
		{true, false, 17, 100, 300, -1, 0.5, 0},
		{false, true, 12, 25, 700, 1, 1, 2},
		{true, true, 40, 33, 64, 0.5, 0, 0},
	} {
		ar, ac := tc.m, tc.k
		if tc.transA {
			ar, ac = tc.k, tc.m
		}
		br, bc := tc.k, tc.n
		if tc.transB {
			br, bc = tc.n, tc.k
		}
		lda, ldb, ldc := ac+tc.pad, bc+tc.pad, tc.n+tc.pad
		a, b, c0 := randSlice(r, ar*lda), randSlice(r, br*ldb), randSlice(r, tc.m*ldc)
		_, mag := refGemm(tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, a, lda, b, ldb, tc.beta, c0, ldc)
		want := append([]float32(nil), c0...)
		sgemm(goImpl, 1, tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, a, lda, b, ldb, tc.beta, want, ldc)
		for _, im := range impls {
			got := append([]float32(nil), c0...)
			sgemm(im, 2, tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, a, lda, b, ldb, tc.beta, got, ldc)
			for i := 0; i < tc.m; i++ {
				for j := 0; j < tc.n; j++ {
					g, w := got[i*ldc+j], want[i*ldc+j]
					tol := 1e-5*mag[i*tc.n+j]*math.Sqrt(float64(tc.k)) + 1e-6
					if d := math.Abs(float64(g - w)); d > tol {
						t.Fatalf("%v: %s gives C[%d][%d] = %v, go gives %v", tc, im.name, i, j, g, w)
					}
				}
			}
		}
	}
}

// TestSgemmTiny covers the plain loop used for very small products.
func TestSgemmTiny(t *testing.T) {
	r := rand.New(rand.NewPCG(14, 15))
	i := 0
	for _, ta := range []bool{false, true} {
		for _, tb := range []bool{false, true} {
			for _, s := range [][3]int{{1, 1, 1}, {4, 4, 4}, {3, 17, 5}, {12, 12, 12}} {
				if s[0]*s[1]*s[2] > tinyMNK {
					t.Fatalf("%v is not tiny", s)
				}
				ab := [][2]float32{{1, 0}, {0.5, 1}, {-1, 2}}[i%3]
				checkCase(t, activeImpl, 1, gemmCase{ta, tb, s[0], s[1], s[2], ab[0], ab[1], i % 2}, r)
				i++
			}
		}
	}
}

// TestSgemmPublic checks the exported entry points and the thread knob.
func TestSgemmPublic(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	m, n, k := 70, 90, 110
	a, b := randSlice(r, m*k), randSlice(r, k*n)
	want, _ := refGemm(false, false, m, n, k, 1, a, k, b, n, 0, nil, n)
	prev := SetMaxThreads(2)
	defer SetMaxThreads(prev)
	if MaxThreads() != 2 {
		t.Fatalf("MaxThreads() = %d after SetMaxThreads(2)", MaxThreads())
	}
	for name, f := range map[string]func(bool, bool, int, int, int, float32, []float32, int, []float32, int, float32, []float32, int){
		"Sgemm": Sgemm, "SgemmSerial": SgemmSerial,
	} {
		c := make([]float32, m*n)
		f(false, false, m, n, k, 1, a, k, b, n, 0, c, n)
		for i := range c {
			if d := math.Abs(float64(c[i]) - want[i]); d > 1e-3 {
				t.Fatalf("%s: C[%d] = %v, want %v", name, i, c[i], want[i])
			}
		}
	}
	if Impl() == "" {
		t.Fatal("Impl() is empty")
	}
}

// TestSgemmConcurrent runs many Sgemm calls at once; with -race it checks
// that the pooled buffers and worker hand-off do not share state.
func TestSgemmConcurrent(t *testing.T) {
	forceParallel(t)
	var wg sync.WaitGroup
	for g := 0; g < 6; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(g), 9))
			for it := 0; it < 5; it++ {
				m, n, k := 1+r.IntN(40), 1+r.IntN(80), 1+r.IntN(60)
				a, b := randSlice(r, m*k), randSlice(r, k*n)
				c := make([]float32, m*n)
				Sgemm(false, false, m, n, k, 1, a, k, b, n, 0, c, n)
				want, mag := refGemm(false, false, m, n, k, 1, a, k, b, n, 0, nil, n)
				for i := range c {
					if d := math.Abs(float64(c[i]) - want[i]); d > 1e-5*mag[i]+1e-5 {
						t.Errorf("goroutine %d: C[%d] = %v, want %v", g, i, c[i], want[i])
						return
					}
				}
			}
		}()
	}
	wg.Wait()
}

func TestSgemmPanics(t *testing.T) {
	for name, f := range map[string]func(){
		"short a": func() {
			Sgemm(false, false, 2, 2, 2, 1, make([]float32, 3), 2, make([]float32, 4), 2, 0, make([]float32, 4), 2)
		},
		"small ldc": func() {
			Sgemm(false, false, 2, 2, 2, 1, make([]float32, 4), 2, make([]float32, 4), 2, 0, make([]float32, 4), 1)
		},
		"negative": func() { Sgemm(false, false, -1, 2, 2, 1, nil, 2, nil, 2, 0, nil, 2) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}

func TestSgemmNoAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	r := rand.New(rand.NewPCG(10, 11))
	m, n, k := 64, 300, 200
	a, b, c := randSlice(r, m*k), randSlice(r, k*n), make([]float32, m*n)
	for _, threads := range []int{1, 2} {
		prev := SetMaxThreads(threads)
		f := func() { Sgemm(false, true, m, n, k, 1, a, k, b, k, 0, c, n) }
		// Warm up. A helper goroutine that cannot get a core keeps its
		// call's gemmArgs until it runs, so on a busy machine the free
		// list fills up over a bounded number of calls (the hand-off
		// queue holds at most 64).
		for range 100 {
			f()
		}
		if got := testing.AllocsPerRun(20, f); got > 0.5 {
			t.Errorf("threads=%d: %.1f allocs per call, want 0", threads, got)
		}
		// Garbage collections (a program that allocates elsewhere) must
		// not make the calls reallocate their packing buffers.
		gcf := func() {
			runtime.GC()
			runtime.GC()
			f()
		}
		if got := testing.AllocsPerRun(5, gcf); got > 0.5 {
			t.Errorf("threads=%d, with GCs: %.1f allocs per call, want 0", threads, got)
		}
		SetMaxThreads(prev)
	}
}

// TestSgemmTinyTransposed runs products small enough for the plain loop
// with every transpose combination; A and B are exactly as long as their
// shapes, so an index computed for the wrong layout goes out of range.
func TestSgemmTinyTransposed(t *testing.T) {
	const m, n, k = 5, 4, 3
	for _, ta := range []bool{false, true} {
		for _, tb := range []bool{false, true} {
			a := make([]float32, m*k)
			b := make([]float32, k*n)
			for i := range a {
				a[i] = float32(i%7) - 3
			}
			for i := range b {
				b[i] = float32(i%5) - 2
			}
			lda, ldb := k, n
			if ta {
				lda = m
			}
			if tb {
				ldb = k
			}
			c := make([]float32, m*n)
			Sgemm(ta, tb, m, n, k, 1, a, lda, b, ldb, 0, c, n)
			for i := 0; i < m; i++ {
				for j := 0; j < n; j++ {
					var want float32
					for p := 0; p < k; p++ {
						ai, bi := i*lda+p, p*ldb+j
						if ta {
							ai = p*lda + i
						}
						if tb {
							bi = j*ldb + p
						}
						av, bv := a[ai], b[bi]
						want += av * bv
					}
					if c[i*n+j] != want {
						t.Fatalf("transA=%v transB=%v: c[%d,%d] = %v, want %v", ta, tb, i, j, c[i*n+j], want)
					}
				}
			}
		}
	}
}

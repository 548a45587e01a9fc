package kernels

import (
	"sync"
	"sync/atomic"
)

// impl describes one GEMM implementation: a microkernel and the tile and
// cache-block sizes the driver uses with it.
type impl struct {
	name string
	// mr and nr are the largest microkernel tile: up to mr rows of C by
	// exactly nr columns.
	mr, nr int
	// kc is the largest k-block (depth of one packed panel). mc is the
	// largest number of rows of A packed at once, nc the largest number of
	// columns of B packed at once (a multiple of nr).
	kc, mc, nc int
	// kern computes the h×nr tile C = A·B + beta·C for 1 <= h <= mr. a is a
	// packed sliver of h rows stored k-major (a[p*st+r], st = aStride or
	// h); b holds k rows of nr columns, ldb elements apart (a packed
	// sliver has ldb = nr, but B may also be read in place); c is the
	// tile's top-left element within a matrix of leading dimension ldc.
	// When beta is zero, C is not read.
	kern func(h, k int, a, b []float32, ldb int, c []float32, ldc int, beta float32)
	// kernMasked, when not nil, is kern for a ragged right edge: only the
	// first cols (< nr) columns of B are read and of C read and written,
	// so the edge needs neither packing nor a scratch tile.
	kernMasked func(h, k int, a, b []float32, ldb int, c []float32, ldc int, beta float32, cols int)
	// aStride, when not zero, is the distance in floats between the A
	// values of two k steps in a packed sliver (the sliver is padded to
	// aStride rows); zero means the sliver height h.
	aStride int

	// dot, when not nil, is the kernel for A·Bᵀ with small m×n, where both
	// operands have k contiguous and packing would cost more than it
	// saves: out[i*ldo+j] += Σ a[i*lda+p]·b[j*ldb+p] over p < kv*dotW for
	// an r×s tile, r <= dotR, s <= dotS.
	dot              func(r, s, kv int, a []float32, lda int, b []float32, ldb int, out []float32, ldo int)
	dotR, dotS, dotW int
}

// gemmArgs is one Sgemm call as seen by the goroutines working on it.
type gemmArgs struct {
	im             *impl
	transA, transB bool
	m, n, k        int
	alpha, beta    float32
	a, b, c        []float32
	lda, ldb, ldc  int

	// The call is cut into nchunks chunks of whole tiles (units of step
	// rows, columns or k-vectors, see split), claimed through next by the
	// caller and by any helper goroutine that joins in; pending counts
	// chunks not yet finished, refs the goroutines still holding g.
	split                splitKind
	units, step, nchunks int
	next                 atomic.Int64
	pending              sync.WaitGroup
	refs                 atomic.Int32
	partial              []float32 // split == splitK: an m×n sum per chunk
}

// splitKind says along which dimension a call is cut into chunks.
type splitKind int

const (
	splitCols splitKind = iota // columns of C (packed or in-place B)
	splitRows                  // rows of C
	splitK                     // k, for the dot-product path
)

// workspace holds one goroutine's packing buffers. Workspaces are recycled
// so that steady-state calls do not allocate.
type workspace struct {
	a, b, tile []float32
}

// wsFree recycles workspaces. Unlike a sync.Pool it is not emptied by
// the garbage collector, so a program that allocates elsewhere does not
// make Sgemm reallocate its (megabyte-sized) packing buffers.
var wsFree = make(chan *workspace, 64)

func getWorkspace() *workspace {
	select {
	case ws := <-wsFree:
		return ws
	default:
		return new(workspace)
	}
}

func putWorkspace(ws *workspace) {
	select {
	case wsFree <- ws:
	default:
	}
}

// argsFree recycles gemmArgs. It is a channel rather than a sync.Pool
// because the last holder of a gemmArgs may be a helper goroutine, and a
// sync.Pool keeps what a goroutine puts private to its P, out of the
// caller's reach.
var argsFree = make(chan *gemmArgs, 64)

func getArgs() *gemmArgs {
	select {
	case g := <-argsFree:
		return g
	default:
		return new(gemmArgs)
	}
}

// grow returns s resliced to n elements, reallocating only when its
// capacity is too small.
func grow(s []float32, n int) []float32 {
	if cap(s) < n {
		return make([]float32, n)
	}
	return s[:n]
}

// parMinFlops is the smallest product (2·m·n·k) that is split across
// goroutines; below it the hand-off costs more than it saves. Tests lower
// it to exercise the parallel split on small matrices.
var parMinFlops = float64(1 << 21)

// tinyMNK is the largest m·n·k computed by sgemmTiny: below it, packing
// and dispatch cost more than the arithmetic. Tests set it to zero to run
// small matrices through the kernels.
var tinyMNK = 2048

// sgemmTiny is a plain loop for very small products.
func sgemmTiny(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	scaleC(m, n, beta, c, ldc)
	for i := 0; i < m; i++ {
		ci := c[i*ldc : i*ldc+n]
		for p := 0; p < k; p++ {
			var av float32
			if transA {
				av = a[p*lda+i]
			} else {
				av = a[i*lda+p]
			}
			av *= alpha
			if !transB {
				for j, bv := range b[p*ldb : p*ldb+n] {
					ci[j] += av * bv
				}
				continue
			}
			for j := range ci {
				ci[j] += av * b[j*ldb+p]
			}
		}
	}
}

// chunkFlops is the target work of one chunk; chunksPerThread bounds the
// number of chunks per goroutine. Many small chunks let the caller carry
// on alone when a helper is slow to wake up (the cores are shared).
var (
	chunkFlops      = float64(1 << 20)
	chunksPerThread = 4
)

var (
	workMu   sync.Mutex
	nWorkers int
	// workCh hands calls to helper goroutines. It is buffered so that a
	// hand-off never waits; when it is full the caller works alone.
	workCh = make(chan *gemmArgs, 64)
)

// ensureWorkers starts helper goroutines until at least n exist. They
// live for the life of the process and block on workCh when idle.
func ensureWorkers(n int) {
	workMu.Lock()
	for nWorkers < n {
		nWorkers++
		go func() {
			ws := new(workspace)
			for g := range workCh {
				g.work(ws)
				g.release()
			}
		}()
	}
	workMu.Unlock()
}

// sgemm is the common driver behind Sgemm and SgemmSerial.
func sgemm(im *impl, threads int, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	checkArgs(transA, transB, m, n, k, a, lda, b, ldb, c, ldc)
	if m == 0 || n == 0 {
		return
	}
	if k == 0 || alpha == 0 {
		scaleC(m, n, beta, c, ldc)
		return
	}
	if m*n*k <= tinyMNK {
		sgemmTiny(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	g := getArgs()
	g.im, g.transA, g.transB = im, transA, transB
	g.m, g.n, g.k, g.alpha, g.beta = m, n, k, alpha, beta
	g.a, g.b, g.c, g.lda, g.ldb, g.ldc = a, b, c, lda, ldb, ldc
	w := threads
	if float64(2*m)*float64(n)*float64(k) < parMinFlops {
		w = 1
	}
	g.plan(w)
	g.execute(w - 1)
	if g.split == splitK {
		g.finishDot()
	}
	g.release()
}

// plan chooses the split and the number of chunks for w goroutines.
func (g *gemmArgs) plan(w int) {
	im, m, n := g.im, g.m, g.n
	maxChunks := 1
	if w > 1 {
		flops := 2 * float64(m) * float64(n) * float64(g.k)
		maxChunks = max(1, min(chunksPerThread*w, int(flops/chunkFlops)))
	}
	if g.useDot() {
		kv := g.k / im.dotW
		g.split, g.units, g.step = splitK, kv, 1
		// Each chunk ends in a horizontal reduction per tile and adds an
		// m×n buffer to sum: keep at least 64 vectors of k per chunk.
		g.nchunks = max(1, min(maxChunks, kv/64))
		g.partial = grow(g.partial, g.nchunks*m*n)
		return
	}
	ns, ms := (n+im.nr-1)/im.nr, (m+im.mr-1)/im.mr
	// A chunk that packs B (or all of A) repeats work another chunk also
	// does; such chunks are kept at least dupMin rows (columns) wide so
	// that the repeated packing stays a few per cent of their arithmetic.
	const dupMin = 256
	inPlace := !g.transB && ms <= directMaxSlivers
	if ms > ns || (!g.transB && ms >= 2*w) {
		g.split, g.units, g.step = splitRows, ms, im.mr
		g.nchunks = min(maxChunks, ms)
		if g.transB || ms/g.nchunks > directMaxSlivers {
			g.nchunks = max(1, min(g.nchunks, m/dupMin))
		}
		return
	}
	g.split, g.units, g.step = splitCols, ns, im.nr
	g.nchunks = min(maxChunks, ns)
	if !inPlace {
		g.nchunks = max(1, min(g.nchunks, n/dupMin))
	}
}

// execute runs the chunks on the calling goroutine and on up to helpers
// helper goroutines, and returns when all chunks are done.
func (g *gemmArgs) execute(helpers int) {
	g.next.Store(0)
	g.pending.Add(g.nchunks)
	helpers = max(0, min(helpers, g.nchunks-1))
	g.refs.Store(int32(1 + helpers))
	if helpers > 0 {
		ensureWorkers(helpers)
	}
	for h := 0; h < helpers; h++ {
		select {
		case workCh <- g:
		default: // queue full (many concurrent calls): work alone.
			g.refs.Add(-1)
		}
	}
	ws := getWorkspace()
	g.work(ws)
	putWorkspace(ws)
	g.pending.Wait()
}

// work claims and runs chunks until none is left.
func (g *gemmArgs) work(ws *workspace) {
	for {
		c := int(g.next.Add(1) - 1)
		if c >= g.nchunks {
			return
		}
		lo, hi := g.units*c/g.nchunks*g.step, g.units*(c+1)/g.nchunks*g.step
		switch g.split {
		case splitCols:
			g.run(ws, 0, g.m, lo, min(hi, g.n)-lo)
		case splitRows:
			g.run(ws, lo, min(hi, g.m)-lo, 0, g.n)
		case splitK:
			mn := g.m * g.n
			g.runDot(lo, hi, g.partial[c*mn:(c+1)*mn])
		}
		g.pending.Done()
	}
}

// release drops one reference to g; the last one returns it to argsFree.
// A helper that wakes up after the caller has returned still holds a
// reference, so g is not reused under its feet.
func (g *gemmArgs) release() {
	if g.refs.Add(-1) == 0 {
		g.a, g.b, g.c, g.im = nil, nil, nil, nil
		select {
		case argsFree <- g:
		default:
		}
	}
}

// blocks splits total into the fewest near-equal blocks of at most size
// elements and returns the block length (the last block may be shorter).
func blocks(total, size int) int {
	nb := (total + size - 1) / size
	return (total + nb - 1) / nb
}

// transpose16, when not nil, transposes nb 16×16 blocks lying side by
// side along the rows of src into dst: dst[(16*b+p)*ldd+c] =
// src[c*lds+16*b+p]. It is set when the CPU has a vector version.
var transpose16 func(nb int, src []float32, lds int, dst []float32, ldd int)

// packA16, when not nil, packs nb blocks of 16 k steps of an h-row sliver
// of a row-major A (h <= 16), scaled by alpha, as 16×16 blocks:
// dst[(16*b+p)*16+r] = alpha*src[r*lds+16*b+p]. It is set when the CPU has
// a vector version.
var packA16 func(nb, h int, src []float32, lds int, dst []float32, alpha float32)

// copyChunks, when not nil, copies n chunks of 8*vecs floats, contiguous
// in src, to dst, dstStride elements apart. It is set when the CPU has a
// vector version (a plain copy of 128 bytes costs a call to memmove).
var copyChunks func(n, vecs int, src, dst []float32, dstStride int)

// directMaxSlivers is the largest number of A slivers in a block for
// which a non-transposed B is read in place instead of being packed: with
// few rows of A, each B element is used too few times to repay the copy.
var directMaxSlivers = 12

// run computes the block of C with rows [i0,i0+mm) and columns
// [j0,j0+nn) using the packing buffers in ws.
func (g *gemmArgs) run(ws *workspace, i0, mm, j0, nn int) {
	im := g.im
	mr, nr := im.mr, im.nr
	kcb := blocks(g.k, im.kc)
	mcb := blocks(mm, im.mc)
	ncb := min(im.nc, (nn+nr-1)/nr*nr)
	if im.aStride > 0 {
		ws.a = grow(ws.a, (min(mcb, mm)+mr-1)/mr*im.aStride*kcb)
	} else {
		ws.a = grow(ws.a, min(mcb, mm)*kcb)
	}
	ws.b = grow(ws.b, ncb*kcb)
	ws.tile = grow(ws.tile, mr*nr)
	for ib := i0; ib < i0+mm; ib += mcb {
		mp := min(mcb, i0+mm-ib)
		// Split the mp rows into s slivers of near-equal height <= mr,
		// so that m = 16 runs as 8+8 rather than 12+4.
		s := (mp + mr - 1) / mr
		direct := !g.transB && s <= directMaxSlivers
		for p0 := 0; p0 < g.k; p0 += kcb {
			kc := min(kcb, g.k-p0)
			g.packA(ws.a, ib, mp, s, p0, kc)
			beta := g.beta
			if p0 > 0 {
				beta = 1
			}
			if direct {
				// Walk B slivers in place, each used by every A sliver
				// while it is hot in L1; only a ragged right edge is
				// packed (zero-padded).
				for q := 0; q*nr < nn; q++ {
					j := j0 + q*nr
					cols := min(nr, nn-q*nr)
					bp, ldb := g.b[p0*g.ldb+j:], g.ldb
					if cols < nr && im.kernMasked == nil {
						g.packB(ws.b, p0, kc, j, cols)
						bp, ldb = ws.b[:nr*kc], nr
					}
					for t := 0; t < s; t++ {
						r0, r1 := mp*t/s, mp*(t+1)/s
						g.tile(ws, r1-r0, kc, g.aSliver(ws.a, t, r0, r1, kc), bp, ldb, (ib+r0)*g.ldc+j, cols, beta)
					}
				}
				continue
			}
			for jb := j0; jb < j0+nn; jb += ncb {
				np := min(ncb, j0+nn-jb)
				g.packB(ws.b, p0, kc, jb, np)
				for t := 0; t < s; t++ {
					r0, r1 := mp*t/s, mp*(t+1)/s
					ap := g.aSliver(ws.a, t, r0, r1, kc)
					for q := 0; q*nr < np; q++ {
						bp := ws.b[q*nr*kc : (q+1)*nr*kc]
						g.tile(ws, r1-r0, kc, ap, bp, nr, (ib+r0)*g.ldc+jb+q*nr, min(nr, np-q*nr), beta)
					}
				}
			}
		}
	}
}

// tile runs the microkernel for one h×nr tile whose top-left element is
// c[ci], of which only the first cols columns lie inside C. Ragged tiles
// go through the masked kernel, or are computed into a scratch tile and
// merged.
func (g *gemmArgs) tile(ws *workspace, h, kc int, ap, bp []float32, ldb, ci, cols int, beta float32) {
	im := g.im
	nr := im.nr
	if cols == nr {
		im.kern(h, kc, ap, bp, ldb, g.c[ci:], g.ldc, beta)
		return
	}
	if im.kernMasked != nil {
		im.kernMasked(h, kc, ap, bp, ldb, g.c[ci:], g.ldc, beta, cols)
		return
	}
	im.kern(h, kc, ap, bp, ldb, ws.tile, nr, 0)
	for r := 0; r < h; r++ {
		dst := g.c[ci+r*g.ldc : ci+r*g.ldc+cols]
		src := ws.tile[r*nr : r*nr+cols]
		switch beta {
		case 0:
			copy(dst, src)
		case 1:
			for j, v := range src {
				dst[j] += v
			}
		default:
			for j, v := range src {
				dst[j] = v + beta*dst[j]
			}
		}
	}
}

// aSliver returns packed A sliver t (rows [r0,r1) of the block) of a
// k-block of depth kc.
func (g *gemmArgs) aSliver(buf []float32, t, r0, r1, kc int) []float32 {
	if st := g.im.aStride; st > 0 {
		return buf[t*st*kc : (t+1)*st*kc]
	}
	return buf[r0*kc : r1*kc]
}

// packA copies alpha·op(A)[ib:ib+mp, p0:p0+kc] into dst as s slivers of
// near-equal height; sliver t covers rows [mp*t/s, mp*(t+1)/s) and is
// stored k-major (see aSliver), st floats per k step: st = h, or
// impl.aStride with the lanes past h unused.
func (g *gemmArgs) packA(dst []float32, ib, mp, s, p0, kc int) {
	alpha, a, lda := g.alpha, g.a, g.lda
	for t := 0; t < s; t++ {
		r0, r1 := mp*t/s, mp*(t+1)/s
		h := r1 - r0
		st := g.im.aStride
		if st == 0 {
			st = h
		}
		d := g.aSliver(dst, t, r0, r1, kc)
		if g.transA {
			// op(A)[i][p] = a[p*lda+i]: each p is a contiguous run of h.
			for p := 0; p < kc; p++ {
				src := a[(p0+p)*lda+ib+r0:][:h]
				row := d[p*st : p*st+h]
				for r, v := range src {
					row[r] = alpha * v
				}
			}
			continue
		}
		// op(A) = A: a transpose of the h rows. Whole blocks of 16 k
		// steps go through the vector version when there is one.
		pDone := 0
		if packA16 != nil && st == 16 && kc >= 16 {
			nb := kc / 16
			packA16(nb, h, a[(ib+r0)*lda+p0:], lda, d, alpha)
			pDone = nb * 16
		}
		for r := 0; r < h; r++ {
			src := a[(ib+r0+r)*lda+p0:][:kc]
			for p := pDone; p < kc; p++ {
				d[p*st+r] = alpha * src[p]
			}
		}
	}
}

// packB copies op(B)[p0:p0+kc, jb:jb+np] into dst as slivers of nr
// columns stored k-major (sliver q at dst[q*nr*kc:]), padding the last
// sliver with zeros.
func (g *gemmArgs) packB(dst []float32, p0, kc, jb, np int) {
	nr, b, ldb := g.im.nr, g.b, g.ldb
	full := np / nr
	if !g.transB {
		// Row by row, so that the reads stream through memory.
		for p := 0; p < kc; p++ {
			src := b[(p0+p)*ldb+jb:][:np]
			off := p * nr
			switch {
			case copyChunks != nil && nr%8 == 0 && full > 0:
				copyChunks(full, nr/8, src, dst[off:], nr*kc)
			case nr == 32:
				for q := 0; q < full; q++ {
					*(*[32]float32)(dst[off+q*nr*kc:]) = *(*[32]float32)(src[q*nr:])
				}
			case nr == 16:
				for q := 0; q < full; q++ {
					*(*[16]float32)(dst[off+q*nr*kc:]) = *(*[16]float32)(src[q*nr:])
				}
			default:
				for q := 0; q < full; q++ {
					copy(dst[off+q*nr*kc:][:nr], src[q*nr:])
				}
			}
			if cols := np - full*nr; cols > 0 {
				row := dst[off+full*nr*kc:][:nr]
				copy(row, src[full*nr:])
				clear(row[cols:])
			}
		}
		return
	}
	for q := 0; q*nr < np; q++ {
		d := dst[q*nr*kc : (q+1)*nr*kc]
		cols := min(nr, np-q*nr)
		j := jb + q*nr
		// op(B)[p][j] = b[j*ldb+p]: a transpose. Whole 16×16 blocks go
		// through the vector transpose when there is one.
		pDone := 0
		if transpose16 != nil && cols == nr && nr%16 == 0 && kc >= 16 {
			nb := kc / 16
			for h := 0; h < nr; h += 16 {
				transpose16(nb, b[(j+h)*ldb+p0:], ldb, d[h:], nr)
			}
			pDone = nb * 16
		}
		for c := 0; c < cols; c++ {
			src := b[(j+c)*ldb+p0:][:kc]
			for p := pDone; p < kc; p++ {
				d[p*nr+c] = src[p]
			}
		}
		if cols < nr {
			for p := 0; p < kc; p++ {
				clear(d[p*nr+cols : p*nr+nr])
			}
		}
	}
}

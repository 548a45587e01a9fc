package kernels

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/cnnpipe/cnnpipe/internal/cputime"
)

var (
	benchImpl    = flag.String("impl", "", "GEMM implementation for benchmarks (go, avx2, avx512; default: the one chosen for this CPU)")
	benchDirectS = flag.Int("direct-slivers", -1, "tuning: override directMaxSlivers in benchmarks")
	benchDot     = flag.Int("dot-ratio", -1, "tuning: override dotMaxRatio in benchmarks")
	benchPar     = flag.Float64("par-flops", -1, "tuning: override parMinFlops in benchmarks")
	benchChunks  = flag.Int("chunks-per-thread", -1, "tuning: override chunksPerThread in benchmarks")
	benchBlock   = flag.String("blocks", "", "tuning: override the implementation's kc,mc,nc in benchmarks")
)

// benchShape is one GEMM a benchmark runs: C[m×n] = op(A)·op(B) with
// inner dimension k.
type benchShape struct {
	name           string
	transA, transB bool
	m, n, k        int
}

// benchShapes lists 1024³ and the GEMMs of the seed model and the MNIST
// LeNet (see bench/README.md) at batch 64. For a convolution with
// out_ch filters over in_ch×kh×kw patches and H_out×W_out outputs (P):
// forward W[out_ch×K]·col[K×P]; weight gradient dY[out_ch×P]·colᵀ (k = P);
// input gradient Wᵀ[K×out_ch]·dY[out_ch×P] (k = out_ch). "b64" shapes
// batch the 64 images along the columns. Dense layers take X[64×in] and
// W[out×in]: forward X·Wᵀ, weight gradient dYᵀ·X, input gradient dY·W.
var benchShapes = []benchShape{
	{"square/1024", false, false, 1024, 1024, 1024},
	{"square/2048", false, false, 2048, 2048, 2048},
	// seed: 1x120x60 -> conv 12@5x5 (116x56) -> pool -> conv 16@5x5 (54x24)
	// -> pool -> conv 20@4x4 (24x9) -> pool -> 960 -> dense 128 -> dense 4.
	{"seed/conv1_fwd", false, false, 12, 6496, 25},
	{"seed/conv1_fwd_b64", false, false, 12, 64 * 6496, 25},
	{"seed/conv1_wgrad", false, true, 12, 25, 6496},
	{"seed/conv2_fwd", false, false, 16, 1296, 300},
	{"seed/conv2_fwd_b64", false, false, 16, 64 * 1296, 300},
	{"seed/conv2_wgrad", false, true, 16, 300, 1296},
	{"seed/conv2_dgrad", true, false, 300, 1296, 16},
	{"seed/conv3_fwd", false, false, 20, 216, 256},
	{"seed/conv3_fwd_b64", false, false, 20, 64 * 216, 256},
	{"seed/conv3_wgrad", false, true, 20, 256, 216},
	{"seed/conv3_dgrad", true, false, 256, 216, 20},
	{"seed/dense1_fwd", false, true, 64, 128, 960},
	{"seed/dense1_wgrad", true, false, 128, 960, 64},
	{"seed/dense1_dgrad", false, false, 64, 960, 128},
	{"seed/dense2_fwd", false, true, 64, 4, 128},
	// lenet: 1x28x28 -> conv 32@3x3 (26x26) -> pool -> conv 64@3x3 (11x11)
	// -> pool -> 1600 -> dense 128 -> dense 10.
	{"lenet/conv1_fwd", false, false, 32, 676, 9},
	{"lenet/conv1_fwd_b64", false, false, 32, 64 * 676, 9},
	{"lenet/conv1_wgrad", false, true, 32, 9, 676},
	{"lenet/conv2_fwd", false, false, 64, 121, 288},
	{"lenet/conv2_fwd_b64", false, false, 64, 64 * 121, 288},
	{"lenet/conv2_wgrad", false, true, 64, 288, 121},
	{"lenet/conv2_wgrad_b64", false, true, 64, 288, 64 * 121},
	{"lenet/conv2_dgrad", true, false, 288, 121, 64},
	{"lenet/dense1_fwd", false, true, 64, 128, 1600},
	{"lenet/dense1_wgrad", true, false, 128, 1600, 64},
	{"lenet/dense1_dgrad", false, false, 64, 1600, 128},
	{"lenet/dense2_fwd", false, true, 64, 10, 128},
}

// BenchmarkSgemm reports, per shape, wall-clock GFLOPS and GFLOPS per
// CPU-second (per-core efficiency; on the AMD EPYC this was tuned on, one
// core peaks near 113 GFLOPS).
func BenchmarkSgemm(b *testing.B) {
	if *benchDirectS >= 0 {
		defer func(v int) { directMaxSlivers = v }(directMaxSlivers)
		directMaxSlivers = *benchDirectS
	}
	if *benchPar >= 0 {
		defer func(v float64) { parMinFlops = v }(parMinFlops)
		parMinFlops = *benchPar
	}
	if *benchChunks >= 0 {
		defer func(v int) { chunksPerThread = v }(chunksPerThread)
		chunksPerThread = *benchChunks
	}
	if *benchDot >= 0 {
		defer func(v int) { dotMaxRatio = v }(dotMaxRatio)
		dotMaxRatio = *benchDot
	}
	im := activeImpl
	if *benchImpl != "" {
		im = nil
		for _, x := range impls {
			if x.name == *benchImpl {
				im = x
			}
		}
		if im == nil {
			b.Fatalf("implementation %q not available on this CPU", *benchImpl)
		}
	}
	if *benchBlock != "" {
		c := *im
		if _, err := fmt.Sscanf(*benchBlock, "%d,%d,%d", &c.kc, &c.mc, &c.nc); err != nil || c.nc%c.nr != 0 {
			b.Fatalf("-blocks %q: want kc,mc,nc with nc a multiple of %d", *benchBlock, c.nr)
		}
		im = &c
	}
	for _, s := range benchShapes {
		b.Run(fmt.Sprintf("%s/%dx%dx%d", s.name, s.m, s.n, s.k), func(b *testing.B) {
			r := rand.New(rand.NewPCG(1, 1))
			lda, ldb := s.k, s.n
			if s.transA {
				lda = s.m
			}
			if s.transB {
				ldb = s.k
			}
			a, bm := randSlice(r, s.m*s.k), randSlice(r, s.k*s.n)
			c := make([]float32, s.m*s.n)
			threads := MaxThreads()
			b.ReportAllocs()
			b.ResetTimer()
			cpu0 := processCPU()
			for b.Loop() {
				sgemm(im, threads, s.transA, s.transB, s.m, s.n, s.k, 1, a, lda, bm, ldb, 0, c, s.n)
			}
			flops := 2 * float64(s.m) * float64(s.n) * float64(s.k) * float64(b.N)
			b.ReportMetric(flops/b.Elapsed().Seconds()/1e9, "GFLOPS")
			// GFLOPS per second of CPU time used (all threads): the
			// efficiency per core, which a busy shared machine distorts
			// far less than the wall-clock figure.
			if cpu := processCPU() - cpu0; cpu > 0 {
				b.ReportMetric(flops/cpu/1e9, "GFLOPS/cpu-s")
			}
		})
	}
}

// processCPU returns the process's user+system CPU time in seconds.
func processCPU() float64 { return cputime.Process().Seconds() }

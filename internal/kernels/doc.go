// Package kernels holds the float32 compute kernels that the trainer spends
// its time in: general matrix multiply (GEMM) and the helpers convolution is
// built on. Every kernel has a portable pure-Go path; faster paths for
// specific CPUs are chosen at run time and must agree with the portable path
// within float32 tolerance.
//
// Matrices are dense, row-major float32 slices with an explicit leading
// dimension (the distance between the starts of two rows), as in CBLAS with
// CblasRowMajor.
//
// # GEMM design
//
// [Sgemm] follows the Goto/BLIS structure. op(A) is packed, scaled by
// alpha, into slivers of up to MR rows stored k-major; op(B) is packed into
// slivers of NR columns stored k-major (zero-padded at the right edge). A
// microkernel multiplies one A sliver by one B sliver, keeping the MR×NR
// tile of C in registers for the whole k-block, and then adds it into C
// (C is not read when beta is zero). Loops, outermost first: rows of A in
// blocks of MC (the packed A panel), k in blocks of KC, columns of B in
// blocks of NC (the packed B block, sized to stay in L2), then A slivers,
// then B slivers (the A sliver stays in L1 while B streams from L2). The
// rows of an A block are split into slivers of near-equal height, so m=16
// runs as two 8-row tiles rather than 12+4; right-edge tiles are computed
// into a scratch tile and merged.
//
// Products of at least about 2 MFLOP are split across [MaxThreads]
// goroutines (by columns of C, or by rows when C is narrow); the goroutines
// are long-lived workers fed through a channel, and packing buffers come
// from a pool, so a call does not allocate in steady state.
//
// Implementations:
//
//   - "go": portable, a 4×4 microkernel in plain Go (the only one with the
//     purego or noasm build tag, or off amd64).
//
// [Impl] reports the one in use.
//
// # Benchmarks
//
//	go test -run - -bench Sgemm -benchtime 10x ./internal/kernels
//	go test -run - -bench 'Sgemm/square/1024' -impl go ./internal/kernels
//
// report GFLOPS for 1024³ and 2048³ and for the forward and backward GEMMs
// of the seed model and the MNIST LeNet at batch 64.
package kernels

// Package kernels holds the float32 compute kernels that the trainer spends
// its time in: general matrix multiply (GEMM) and the helpers convolution is
// built on. Every kernel has a portable pure-Go path; faster paths for
// specific CPUs are chosen at run time and must agree with the portable path
// within float32 tolerance.
//
// Matrices are dense, row-major float32 slices with an explicit leading
// dimension (the distance between the starts of two rows), as in CBLAS with
// CblasRowMajor.
package kernels

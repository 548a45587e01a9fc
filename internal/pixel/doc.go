// Package pixel holds the row kernels that image augmentation and decoding
// spend their time in: bilinear sampling of RGBA rows through an affine
// map, separable resampling, colour adjustments (saturation, hue, lookup
// tables), conversion of RGBA rows to normalized float32 channel planes,
// and YCbCr to RGBA conversion.
//
// Every kernel works on 8-bit, non-premultiplied RGBA pixels stored as in
// image.NRGBA.Pix, one row (or a few rows) per call, so that callers keep
// control of image geometry, buffers and concurrency. Each has a portable
// Go implementation; on amd64 an AVX2 implementation is chosen at init
// from golang.org/x/sys/cpu. The two give bit-identical results (integer
// arithmetic throughout; float32 results use a separate multiply and add,
// never a fused multiply-add), so an augmented sample is the same on any
// machine. Build with -tags purego (or noasm) to force the Go paths.
package pixel

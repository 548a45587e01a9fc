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
//
// # Kernels
//
// Geometry:
//   - [WarpBilinear] samples a row of output pixels along a line of source
//     coordinates in [WarpBits] fixed point, four taps each, with 8-bit
//     weights (augment's rotate, affine and the fused crop+flip+rotate warp).
//     AVX2: eight pixels per step, taps fetched with VPGATHERDD.
//   - [HResample] and [VResample] are the horizontal and vertical passes of
//     a separable antialiased resize with precomputed fixed-point weights
//     (augment's resize and random resized crop). AVX2: eight outputs per
//     step; a block that reads a narrow span loads it once and permutes
//     instead of gathering; weights that are multiples of 256 run in
//     16-bit lanes.
//
// Colour:
//   - [Saturate] blends each pixel with its luma (saturation; factor 0 is
//     grayscale), [Hue] rotates hue in 1/[HueSteps] turns with integer HSV
//     arithmetic, [LUT] maps R, G and B through a table (brightness,
//     contrast, gamma; AVX-512 VBMI VPERMI2B where present, else sixteen
//     VPSHUFB lookups), [Sums] adds up R, G and B (contrast's mean luma).
//   - [Planes] and [PlanesDiv] turn an RGBA row into three float32 planes
//     as x·scale+bias or x/div (ToTensor and Normalize in one pass).
//   - [LumaLUT] maps each RGBA pixel's exact integer luma through a
//     256-entry float32 table (one-channel tensors). AVX2: luma in 32-bit
//     lanes, eight table entries per VGATHERDPS.
//   - [YCbCrRow] converts a row of Y, Cb and Cr samples (any horizontal
//     chroma subsampling, nearest chroma sample) to RGBA with the
//     arithmetic of image/color.YCbCrToRGB (JPEG decoding).
//   - [ToNRGBA] converts a whole decoded image to the NRGBA layout with
//     these kernels: the one conversion that the pipeline, augment and the
//     fast JPEG and PNG decoders share, so they give the same pixels.
package pixel

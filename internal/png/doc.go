// Package png decodes PNG images straight to the pipeline's pixel layout:
// an *image.NRGBA with its Rect at the origin and Stride 4*width, gray
// samples copied to R, G and B and alpha 255 where the file has none.
//
// It exists because image/png sets up a fresh zlib reader, flate tables,
// row buffers and an image of the file's own colour type for every call,
// which for the small images of a training set costs about as much as
// inflating them; the pipeline then converts that image to NRGBA. A
// [Decoder] inflates the whole IDAT stream with its own DEFLATE decoder
// (inflate.go: in-memory input and output, tables kept between calls)
// into a reused buffer, unfilters it in place and writes each row once,
// into an image the caller supplies, so a decode allocates nothing in
// steady state. On the 120x60 gray PNGs of the pipeline's
// TrainFromPNGFolder benchmark it takes ~50 us against ~110 us for
// image/png plus the conversion (BenchmarkDecode).
//
// Non-interlaced 8-bit gray, gray+alpha, RGB, RGBA and paletted images
// (with or without a tRNS chunk) take this fast path. Everything else
// (Adam7 interlacing, 16-bit samples, bit depths below 8) is decoded by
// image/png and converted, so every PNG that image/png decodes still
// decodes. Either way the pixels are byte-identical to image/png's result
// converted to NRGBA the way pipeline.ToNRGBA does it (a copy for
// *image.NRGBA, R=G=B for *image.Gray, palette entries in
// color.NRGBAModel (exact for partly transparent ones), draw.Draw with
// draw.Src otherwise), and a file is refused exactly when image/png refuses it:
// bad CRCs, chunks out of order, too little or too much pixel data, a bad
// zlib header or checksum, corrupt deflate data and truncation are all
// errors that name the problem, never panics.
//
// # Security considerations
//
// A PNG header can claim up to 2^31-1 by 2^31-1 pixels. Decode refuses a
// header that claims more pixel data than its IDAT chunks could inflate to
// (DEFLATE expands at most 1032-fold) before allocating, but a small file
// can still legitimately describe a large image: check the size first
// with image/png.DecodeConfig (loaders.Decode and loaders.DecodeInto do
// this against their pixel limit) before decoding untrusted input.
package png

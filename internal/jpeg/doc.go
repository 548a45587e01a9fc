// Copyright 2009 The Go Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

// Package jpeg is cnnpipe's JPEG decoder: a fork of the Go standard
// library's image/jpeg (Go 1.26; BSD licence, copyright The Go Authors, see
// the headers of reader.go, huffman.go, scan.go and dct.go) that decodes
// the same files to the same pixels, faster, and straight to the RGBA
// layout cnnpipe's image stages work on.
//
// What changed from image/jpeg:
//
//   - Decode returns a YCbCr image as an *image.NRGBA: the colour
//     conversion (color.YCbCrToRGB's integer arithmetic, nearest chroma
//     sample as image.YCbCr.COffset picks it) runs row by row through
//     internal/pixel.YCbCrRow (AVX2 on amd64) right after the last scan,
//     from planes that are pooled and reused rather than returned.
//   - DecodeNRGBA decodes any JPEG straight into an *image.NRGBA the
//     caller provides (a recycled buffer), with the pixels
//     pipeline.ToNRGBA would give; loaders registers it for JPEG.
//   - Dequantization, the inverse DCT (image/jpeg's Loeffler algorithm,
//     the same integer arithmetic), level shift, clipping and the store of
//     each 8x8 block are one AVX2 kernel on amd64, processing the block's
//     eight rows (then columns) in the lanes of 256-bit registers.
//   - Huffman decoding keeps 64 bits in hand, refilled up to 8 bytes at a
//     time from the buffer (stopping before any 0xff, which image/jpeg's
//     byte-stuffing code still handles), with the accumulator in local
//     variables in the AC loop; a 10-bit look-up table gives the code and,
//     when its magnitude bits fit too, the coefficient in one step. The
//     table is built by replaying image/jpeg's decodeHuffman and
//     receiveExtend, so the same bits decode the same way, and is shared
//     between decodes of files with the same table.
//   - Decoder state is pooled. There is no encoder.
//
// Everything else — baseline, extended and progressive scans, restart
// intervals, grayscale, every chroma subsampling image/jpeg supports,
// Adobe RGB, CMYK and YCCK, and every error — is image/jpeg's code. The
// tests compare pixels and errors with image/jpeg on generated, committed
// and fuzzed files.
//
// Build with -tags purego (or noasm) for the portable Go kernels, which
// give the same results.
//
// # Security considerations
//
// As with image/jpeg, a small file can claim a huge image: call
// DecodeConfig first and refuse sizes you do not want to allocate
// (cnnpipe's loaders.Decode does).
package jpeg

// Package jpegturbo is an optional JPEG decoder for cnnpipe backed by the
// system's libjpeg-turbo (through cgo). It decodes straight into the RGBA
// layout the image stages work on, about three times faster than the
// standard library's image/jpeg plus the YCbCr to RGB conversion. On amd64
// cnnpipe's default JPEG decoder (internal/jpeg, image/jpeg with AVX2
// kernels and faster Huffman decoding) is now as fast or faster (256 vs
// 298–312 CPU-µs per 256×256 image, measured side by side); jpegturbo
// remains useful on other architectures, where the default decoder runs
// its portable Go paths.
//
// The package is built with cgo only when the jpegturbo build tag is set,
// so that cnnpipe's default build stays pure Go:
//
//	apt-get install libjpeg62-turbo-dev   # Debian; libjpeg-turbo-devel elsewhere
//	go build -tags jpegturbo ./...
//
// Without the tag, Available is false and Decoder returns ErrUnavailable.
// With it, plug the decoder into the loaders registry, which every decode
// in cnnpipe goes through:
//
//	if d, err := jpegturbo.Decoder(); err == nil {
//		loaders.RegisterDecoder(d)
//	}
//
// Corrupt or truncated data is an error (libjpeg's warnings, such as a
// premature end of data, are treated as errors), as with image/jpeg. Pixel
// values can differ from image/jpeg's by a few levels: the two libraries
// use different inverse DCTs and chroma upsampling.
package jpegturbo

import "errors"

// ErrUnavailable is returned by Decoder when the package was built without
// the jpegturbo build tag (or without cgo).
var ErrUnavailable = errors.New("jpegturbo: not built in (build with -tags jpegturbo and cgo)")

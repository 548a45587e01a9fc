// Package jpegturbo is an optional JPEG decoder for cnnpipe backed by the
// system's libjpeg-turbo (through cgo). It decodes straight into the RGBA
// layout the image stages work on, about four times faster than the
// standard library's image/jpeg plus the YCbCr to RGB conversion, which
// matters when decoding is a large share of a pipeline's time (small JPEGs,
// light augmentation).
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

//go:build !(cgo && jpegturbo)

package jpegturbo

import (
	"image"

	"github.com/cnnpipe/cnnpipe/loaders"
)

// Available reports whether the libjpeg-turbo decoder is built in.
const Available = false

// Decoder returns ErrUnavailable: the package was built without the
// jpegturbo build tag.
func Decoder() (loaders.Decoder, error) { return loaders.Decoder{}, ErrUnavailable }

// Decode returns ErrUnavailable: the package was built without the
// jpegturbo build tag.
func Decode(data []byte) (*image.NRGBA, error) { return nil, ErrUnavailable }

// DecodeInto returns ErrUnavailable: the package was built without the
// jpegturbo build tag.
func DecodeInto(data []byte, dst *image.NRGBA) error { return ErrUnavailable }

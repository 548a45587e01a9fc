package png

import (
	"bytes"
	"image"
	stdpng "image/png"

	"github.com/cnnpipe/cnnpipe/internal/pixel"
)

// decodeFallback decodes with image/png the images the fast path does not
// handle (interlaced, 16-bit, fewer than 8 bits per sample) and converts
// the result with pixel.ToNRGBA (which pipeline.ToNRGBA is).
func decodeFallback(data []byte, w, h int, alloc func(w, h int) *image.NRGBA) (*image.NRGBA, error) {
	img, err := stdpng.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	b := img.Bounds()
	if b.Dx() != w || b.Dy() != h {
		return nil, FormatError("image/png decoded another size than the header's")
	}
	return pixel.ToNRGBA(img, newImage(w, h, alloc)), nil
}

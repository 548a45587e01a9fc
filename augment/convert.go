package augment

import (
	"image"

	"github.com/cnnpipe/cnnpipe/internal/pixel"
)

// ToNRGBA returns img as an *image.NRGBA in a buffer owned by s (so the
// result can be handed to an [Op]), with its Rect moved to the origin.
// It converts as the training pipeline does (pipeline.ToNRGBA), with fast
// paths for decoder outputs (*image.YCbCr from JPEG, *image.RGBA,
// *image.NRGBA, *image.Gray and *image.Paletted from PNG) and colours in
// color.NRGBAModel otherwise.
func ToNRGBA(img image.Image, s *State) *image.NRGBA {
	b := img.Bounds()
	return pixel.ToNRGBA(img, s.NewImage(b.Dx(), b.Dy()))
}

package augment

import (
	"image"
	"image/color"
	"image/draw"
)

// ToNRGBA returns img as an *image.NRGBA in a buffer owned by s (so the
// result can be handed to an [Op]), with its Rect moved to the origin.
// Opaque decoder outputs (*image.YCbCr from JPEG, *image.RGBA and
// *image.Gray from PNG) take fast paths.
func ToNRGBA(img image.Image, s *State) *image.NRGBA {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	out := s.NewImage(w, h)
	switch src := img.(type) {
	case *image.NRGBA:
		for y := 0; y < h; y++ {
			copy(out.Pix[y*out.Stride:y*out.Stride+4*w], src.Pix[y*src.Stride:])
		}
		return out
	case *image.RGBA:
		if isOpaque(src) {
			for y := 0; y < h; y++ {
				copy(out.Pix[y*out.Stride:y*out.Stride+4*w], src.Pix[y*src.Stride:])
			}
			return out
		}
	case *image.Gray:
		for y := 0; y < h; y++ {
			row := src.Pix[y*src.Stride : y*src.Stride+w]
			dst := out.Pix[y*out.Stride : y*out.Stride+4*w]
			for x, v := range row {
				d := dst[4*x : 4*x+4 : 4*x+4]
				d[0], d[1], d[2], d[3] = v, v, v, 255
			}
		}
		return out
	case *image.YCbCr:
		// Opaque: RGBA and NRGBA bytes coincide, and draw has a fast
		// YCbCr -> RGBA path.
		rgba := &image.RGBA{Pix: out.Pix, Stride: out.Stride, Rect: out.Rect}
		draw.Draw(rgba, rgba.Rect, src, b.Min, draw.Src)
		return out
	}
	for y := 0; y < h; y++ {
		dst := out.Pix[y*out.Stride:]
		for x := 0; x < w; x++ {
			c := color.NRGBAModel.Convert(img.At(b.Min.X+x, b.Min.Y+y)).(color.NRGBA)
			dst[4*x], dst[4*x+1], dst[4*x+2], dst[4*x+3] = c.R, c.G, c.B, c.A
		}
	}
	return out
}

func isOpaque(img *image.RGBA) bool {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	for y := 0; y < h; y++ {
		row := img.Pix[y*img.Stride : y*img.Stride+4*w]
		for i := 3; i < len(row); i += 4 {
			if row[i] != 255 {
				return false
			}
		}
	}
	return true
}

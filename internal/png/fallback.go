package png

import (
	"bytes"
	"image"
	"image/draw"
	stdpng "image/png"
)

// decodeFallback decodes with image/png the images the fast path does not
// handle (interlaced, 16-bit, fewer than 8 bits per sample) and converts
// the result as pipeline.ToNRGBA does.
func decodeFallback(data []byte, w, h int, alloc func(w, h int) *image.NRGBA) (*image.NRGBA, error) {
	img, err := stdpng.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	b := img.Bounds()
	if b.Dx() != w || b.Dy() != h {
		return nil, FormatError("image/png decoded another size than the header's")
	}
	dst := newImage(w, h, alloc)
	switch m := img.(type) {
	case *image.NRGBA:
		for y := 0; y < h; y++ {
			copy(dst.Pix[y*dst.Stride:y*dst.Stride+4*w], m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):])
		}
	case *image.Gray:
		for y := 0; y < h; y++ {
			grayRow(dst.Pix[y*dst.Stride:], m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):][:w])
		}
	default:
		draw.Draw(dst, dst.Rect, img, b.Min, draw.Src)
	}
	return dst, nil
}

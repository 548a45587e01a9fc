package png

import (
	"bytes"
	"image"
	"image/color"
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
	case *image.Paletted:
		// As pipeline.ToNRGBA: palette entries through color.NRGBAModel,
		// exact for the non-premultiplied tRNS entries.
		var lut [256][4]byte
		for i := range lut {
			lut[i] = [4]byte{0, 0, 0, 0xff}
		}
		for i, c := range m.Palette[:min(len(m.Palette), 256)] {
			n := color.NRGBAModel.Convert(c).(color.NRGBA)
			lut[i] = [4]byte{n.R, n.G, n.B, n.A}
		}
		for y := 0; y < h; y++ {
			row := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):][:w]
			o := dst.Pix[y*dst.Stride : y*dst.Stride+4*w]
			for x, v := range row {
				copy(o[4*x:4*x+4], lut[v][:])
			}
		}
	default:
		draw.Draw(dst, dst.Rect, img, b.Min, draw.Src)
	}
	return dst, nil
}

package pixel

import (
	"image"
	"image/color"
	"image/draw"
)

// ToNRGBA returns img as an *image.NRGBA with its Rect at the origin, the
// layout image pipelines work in, writing into dst when it has that size
// and Stride 4*width (else into a new image). It has fast paths for the
// types decoders return (*image.YCbCr with YCbCrRow, *image.Gray,
// *image.NRGBA, opaque *image.RGBA, *image.Paletted); colours are converted as
// color.NRGBAModel does, which keeps non-premultiplied palette entries
// exact. The cnnpipe decoders that decode straight to NRGBA give exactly
// these pixels.
func ToNRGBA(img image.Image, dst *image.NRGBA) *image.NRGBA {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if dst == nil || dst.Rect.Dx() != w || dst.Rect.Dy() != h || dst.Stride != 4*w {
		dst = image.NewNRGBA(image.Rect(0, 0, w, h))
	}
	switch m := img.(type) {
	case *image.NRGBA:
		for y := 0; y < h; y++ {
			copy(dst.Pix[y*dst.Stride:y*dst.Stride+4*w], m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):])
		}
	case *image.YCbCr:
		ycbcrToNRGBA(m, dst)
	case *image.Gray:
		for y := 0; y < h; y++ {
			row := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):]
			o := dst.Pix[y*dst.Stride:]
			for x := 0; x < w; x++ {
				v := row[x]
				o[4*x], o[4*x+1], o[4*x+2], o[4*x+3] = v, v, v, 0xff
			}
		}
	case *image.RGBA:
		if !opaque(m) {
			draw.Draw(dst, dst.Rect, img, b.Min, draw.Src)
			break
		}
		// Opaque (image/png's RGB images): premultiplied and
		// non-premultiplied bytes coincide.
		for y := 0; y < h; y++ {
			copy(dst.Pix[y*dst.Stride:y*dst.Stride+4*w], m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):])
		}
	case *image.Paletted:
		palettedToNRGBA(m, dst)
	default:
		draw.Draw(dst, dst.Rect, img, b.Min, draw.Src)
	}
	return dst
}

// palettedToNRGBA converts through a table of the palette's colours in
// color.NRGBAModel, so that partly transparent entries (color.NRGBA from
// a PNG tRNS chunk) keep their exact values, as augment.ToNRGBA keeps
// them; draw.Draw would round them through premultiplied 16-bit colour.
// Indexes past the palette are opaque black.
func palettedToNRGBA(m *image.Paletted, dst *image.NRGBA) {
	var lut [256][4]uint8
	for i := range lut {
		lut[i] = [4]uint8{0, 0, 0, 0xff}
	}
	for i, c := range m.Palette[:min(len(m.Palette), 256)] {
		n := color.NRGBAModel.Convert(c).(color.NRGBA)
		lut[i] = [4]uint8{n.R, n.G, n.B, n.A}
	}
	b := m.Rect
	w := b.Dx()
	for y := 0; y < b.Dy(); y++ {
		row := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):][:w]
		o := dst.Pix[y*dst.Stride : y*dst.Stride+4*w]
		for x, v := range row {
			copy(o[4*x:4*x+4], lut[v][:])
		}
	}
}

// ycbcrToNRGBA converts with the same integer arithmetic as
// color.YCbCrToRGB: row by row with YCbCrRow (AVX2 on amd64) when
// the chroma samples of a row start with its first pixel, as in every
// decoded image, else pixel by pixel.
func ycbcrToNRGBA(m *image.YCbCr, dst *image.NRGBA) {
	b := m.Rect
	w := b.Dx()
	var hs uint
	switch m.SubsampleRatio {
	case image.YCbCrSubsampleRatio422, image.YCbCrSubsampleRatio420:
		hs = 1
	case image.YCbCrSubsampleRatio411, image.YCbCrSubsampleRatio410:
		hs = 2
	}
	if b.Min.X >= 0 && b.Min.X%(1<<hs) == 0 && w > 0 {
		nc := (w-1)>>hs + 1
		for y := b.Min.Y; y < b.Max.Y; y++ {
			o := dst.Pix[(y-b.Min.Y)*dst.Stride : (y-b.Min.Y)*dst.Stride+4*w]
			yi := m.YOffset(b.Min.X, y)
			ci := m.COffset(b.Min.X, y)
			YCbCrRow(o, m.Y[yi:yi+w], m.Cb[ci:ci+nc], m.Cr[ci:ci+nc], hs)
		}
		return
	}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		o := dst.Pix[(y-b.Min.Y)*dst.Stride : (y-b.Min.Y)*dst.Stride+4*w]
		yi := m.YOffset(b.Min.X, y)
		yrow := m.Y[yi : yi+w]
		for x := 0; x < w; x++ {
			ci := m.COffset(b.Min.X+x, y)
			yy1 := int32(yrow[x]) * 0x10101
			cb1 := int32(m.Cb[ci]) - 128
			cr1 := int32(m.Cr[ci]) - 128
			o[4*x] = clamp16(yy1 + 91881*cr1)
			o[4*x+1] = clamp16(yy1 - 22554*cb1 - 46802*cr1)
			o[4*x+2] = clamp16(yy1 + 116130*cb1)
			o[4*x+3] = 0xff
		}
	}
}

func clamp16(v int32) uint8 {
	if uint32(v)&0xff000000 == 0 {
		return uint8(v >> 16)
	}
	return uint8(^(v >> 31))
}

// opaque reports whether every pixel of m has alpha 255.
func opaque(m *image.RGBA) bool {
	w := m.Rect.Dx()
	for y := m.Rect.Min.Y; y < m.Rect.Max.Y; y++ {
		row := m.Pix[m.PixOffset(m.Rect.Min.X, y):][:4*w]
		for i := 3; i < len(row); i += 4 {
			if row[i] != 0xff {
				return false
			}
		}
	}
	return true
}

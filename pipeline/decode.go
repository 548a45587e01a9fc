package pipeline

import (
	"context"
	"fmt"
	"image"
	"image/color"
	"image/draw"

	"github.com/cnnpipe/cnnpipe/internal/pixel"
	"github.com/cnnpipe/cnnpipe/loaders"
)

// DecodeConfig configures a Decode stage. The zero value means one worker
// and loaders.DefaultMaxPixels.
type DecodeConfig struct {
	// Workers is the number of decoding goroutines; 0 means 1.
	Workers int
	// MaxPixels refuses images with more pixels than this (checked from the
	// header before decoding); 0 means loaders.DefaultMaxPixels.
	MaxPixels int
}

// Decode returns a channel of the samples of in with Image set to their
// decoded pixels (gray images become RGB with equal channels) and Data
// dropped (its buffer is recycled when Rows made it), in order. A corrupt, truncated, unknown or too large image stops
// the pipeline with an error naming its file.
func Decode(p *Pipeline, name string, in <-chan *Sample, cfg DecodeConfig) <-chan *Sample {
	return Map(p, name, in, MapConfig{Workers: cfg.Workers}, func(_ context.Context, s *Sample) (*Sample, error) {
		img, err := DecodeImage(&s.Sample, cfg.MaxPixels)
		if err != nil {
			return nil, err
		}
		if s.dataPooled {
			dataBufs.put(s.Data) // copied by Rows; decoders keep no reference
		}
		s.Image, s.Data, s.pooled, s.dataPooled = img, nil, true, false
		return s, nil
	})
}

// DecodeImage decodes one dataset row (encoded bytes or raw HWC pixels) to
// an *image.NRGBA with its Rect at the origin.
func DecodeImage(s *loaders.Sample, maxPixels int) (*image.NRGBA, error) {
	if s.Format == loaders.FormatRaw {
		return rawToNRGBA(s)
	}
	// Decoders with a DecodeNRGBA (PNG) write straight into a pooled image.
	img, _, err := loaders.DecodeInto(s.Data, maxPixels, getImage)
	if err != nil {
		return nil, err
	}
	b := img.Bounds()
	if m, ok := img.(*image.NRGBA); ok && b.Min == (image.Point{}) && m.Stride == 4*b.Dx() {
		return m, nil // a decoder that produces the pipeline's layout: no copy
	}
	return ToNRGBA(img, images.get(b.Dx(), b.Dy())), nil
}

// getImage is images.get as a func value made once (a method value made
// per call would allocate).
var getImage = images.get

// rawToNRGBA converts raw HWC pixels of 1, 3 or 4 channels.
func rawToNRGBA(s *loaders.Sample) (*image.NRGBA, error) {
	h, w, c := s.Height, s.Width, s.Channels
	if h <= 0 || w <= 0 || (c != 1 && c != 3 && c != 4) || len(s.Data) != h*w*c {
		return nil, fmt.Errorf("%w: %d bytes of pixels for %dx%dx%d", loaders.ErrCorrupt, len(s.Data), h, w, c)
	}
	img := images.get(w, h)
	pix, src := img.Pix, s.Data
	switch c {
	case 1:
		for i, v := range src {
			pix[4*i], pix[4*i+1], pix[4*i+2], pix[4*i+3] = v, v, v, 0xff
		}
	case 3:
		for i, j := 0, 0; i < len(src); i, j = i+3, j+4 {
			pix[j], pix[j+1], pix[j+2], pix[j+3] = src[i], src[i+1], src[i+2], 0xff
		}
	case 4:
		copy(pix, src)
	}
	return img, nil
}

// ToNRGBA returns img as an *image.NRGBA with its Rect at the origin,
// converting with fast paths for the types decoders return (*image.YCbCr,
// *image.Gray, *image.RGBA, *image.NRGBA, *image.Paletted). Colours are
// converted as color.NRGBAModel does, which keeps non-premultiplied
// palette entries exact. dst is reused if it has the right size.
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
// color.YCbCrToRGB: row by row with pixel.YCbCrRow (AVX2 on amd64) when
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
			pixel.YCbCrRow(o, m.Y[yi:yi+w], m.Cb[ci:ci+nc], m.Cr[ci:ci+nc], hs)
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

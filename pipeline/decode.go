package pipeline

import (
	"context"
	"fmt"
	"image"

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
// dropped (its buffer is recycled when Rows made it), in order. A corrupt,
// truncated, unknown or too large image stops the pipeline with an error
// naming its file.
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

// ToNRGBA returns img as an *image.NRGBA with its Rect at the origin, as
// pixel.ToNRGBA converts it (the conversion the fast JPEG and PNG decoders
// match): fast paths for *image.YCbCr, *image.Gray, *image.NRGBA and
// *image.Paletted, colours in color.NRGBAModel. dst is reused if it has
// the right size.
func ToNRGBA(img image.Image, dst *image.NRGBA) *image.NRGBA {
	return pixel.ToNRGBA(img, dst)
}

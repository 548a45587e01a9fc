package pipeline

import (
	"fmt"
	"image"
	"image/color"
	"math/rand/v2"
	"testing"
)

// TestToNRGBAYCbCr compares ToNRGBA on YCbCr images of every subsampling,
// whole and as sub-images at even and odd offsets (the row kernel and the
// per-pixel path), with color.YCbCrToRGB pixel by pixel.
func TestToNRGBAYCbCr(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	ratios := []image.YCbCrSubsampleRatio{
		image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio422, image.YCbCrSubsampleRatio420,
		image.YCbCrSubsampleRatio440, image.YCbCrSubsampleRatio411, image.YCbCrSubsampleRatio410,
	}
	for _, ratio := range ratios {
		full := image.NewYCbCr(image.Rect(0, 0, 37, 21), ratio)
		for _, p := range [][]byte{full.Y, full.Cb, full.Cr} {
			for i := range p {
				p[i] = uint8(rng.Uint32())
			}
		}
		for _, r := range []image.Rectangle{full.Rect, image.Rect(4, 2, 30, 19), image.Rect(1, 1, 36, 20), image.Rect(3, 0, 4, 1)} {
			t.Run(fmt.Sprintf("%v/%v", ratio, r), func(t *testing.T) {
				m := full.SubImage(r).(*image.YCbCr)
				got := ToNRGBA(m, nil)
				if got.Rect != image.Rect(0, 0, r.Dx(), r.Dy()) {
					t.Fatalf("Rect %v", got.Rect)
				}
				for y := r.Min.Y; y < r.Max.Y; y++ {
					for x := r.Min.X; x < r.Max.X; x++ {
						c := m.YCbCrAt(x, y)
						rr, gg, bb := color.YCbCrToRGB(c.Y, c.Cb, c.Cr)
						if want, g := (color.NRGBA{rr, gg, bb, 0xff}), got.NRGBAAt(x-r.Min.X, y-r.Min.Y); g != want {
							t.Fatalf("(%d, %d): %v, want %v", x, y, g, want)
						}
					}
				}
			})
		}
	}
}

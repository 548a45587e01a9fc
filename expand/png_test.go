package expand

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"testing"
)

// TestPNGRoundTrip: what pngWriter writes, image/png decodes to the same
// pixels, for RGB, RGBA and gray images, sub-images, odd sizes and every
// level; and equal inputs give equal bytes.
func TestPNGRoundTrip(t *testing.T) {
	mk := func(w, h int, alpha bool) *image.NRGBA {
		img := image.NewNRGBA(image.Rect(-3, 5, w-3, h+5))
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				a := uint8(255)
				if alpha {
					a = uint8(x * 37)
				}
				img.SetNRGBA(x-3, y+5, color.NRGBA{uint8(x*y + 3), uint8(7 * x), uint8(255 - 5*y), a})
			}
		}
		return img
	}
	big := mk(30, 20, false)
	gray := image.NewGray(image.Rect(0, 0, 9, 4))
	for i := range gray.Pix {
		gray.Pix[i] = uint8(i * 7)
	}
	for _, level := range []string{"fast", "default", "best", "none"} {
		for _, img := range []image.Image{mk(1, 1, false), mk(17, 9, false), mk(8, 5, true), big.SubImage(image.Rect(0, 8, 20, 20)), gray} {
			var a, b bytes.Buffer
			if err := newPNGWriter(level).encode(&a, img); err != nil {
				t.Fatal(err)
			}
			newPNGWriter(level).encode(&b, img)
			if !bytes.Equal(a.Bytes(), b.Bytes()) {
				t.Errorf("%s %T %v: not deterministic", level, img, img.Bounds())
			}
			got, err := png.Decode(bytes.NewReader(a.Bytes()))
			if err != nil {
				t.Fatalf("%s %v: %v", level, img.Bounds(), err)
			}
			b0, g0 := img.Bounds(), got.Bounds()
			if b0.Dx() != g0.Dx() || b0.Dy() != g0.Dy() {
				t.Fatalf("size %v, want %v", g0, b0)
			}
			for y := 0; y < b0.Dy(); y++ {
				for x := 0; x < b0.Dx(); x++ {
					want := color.NRGBAModel.Convert(img.At(b0.Min.X+x, b0.Min.Y+y))
					have := color.NRGBAModel.Convert(got.At(g0.Min.X+x, g0.Min.Y+y))
					if want != have {
						t.Fatalf("%s %T %v: pixel (%d,%d) = %v, want %v", level, img, b0, x, y, have, want)
					}
				}
			}
		}
	}
	if err := newPNGWriter("fast").encode(&bytes.Buffer{}, image.NewRGBA(image.Rect(0, 0, 1, 1))); err == nil {
		t.Error("unsupported type: no error")
	}
}

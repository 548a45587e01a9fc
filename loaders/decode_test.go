package loaders

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"testing"
)

// slowPixels is the obviously correct conversion ToPixels must match.
func slowPixels(img image.Image) []byte {
	b := img.Bounds()
	var out []byte
	gray := img.ColorModel() == color.GrayModel || img.ColorModel() == color.Gray16Model
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if gray {
				out = append(out, color.GrayModel.Convert(img.At(x, y)).(color.Gray).Y)
				continue
			}
			c := color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
			out = append(out, c.R, c.G, c.B)
		}
	}
	return out
}

func TestToPixelsMatchesSlowPath(t *testing.T) {
	src := testImage(3, 13, 9, false)
	var imgs []image.Image
	for _, r := range []image.YCbCrSubsampleRatio{image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio422, image.YCbCrSubsampleRatio420,
		image.YCbCrSubsampleRatio440, image.YCbCrSubsampleRatio411, image.YCbCrSubsampleRatio410} {
		// Odd sizes and a rectangle not at the origin catch offset bugs.
		m := image.NewYCbCr(image.Rect(-3, 5, 10, 14), r)
		for i := range m.Y {
			m.Y[i] = uint8(i * 7)
		}
		for i := range m.Cb {
			m.Cb[i], m.Cr[i] = uint8(i*13), uint8(255-i*5)
		}
		imgs = append(imgs, m, m.SubImage(image.Rect(-2, 6, 9, 13)))
	}
	var buf bytes.Buffer
	jpeg.Encode(&buf, src, nil)
	dec, _ := jpeg.Decode(&buf)
	imgs = append(imgs, dec)
	nrgba := image.NewNRGBA(image.Rect(-1, -1, 12, 8))
	draw.Draw(nrgba, nrgba.Rect, src, image.Point{}, draw.Src)
	nrgba.Pix[3] = 0 // a transparent pixel keeps its colour
	rgba := image.NewRGBA(image.Rect(2, 2, 9, 9))
	draw.Draw(rgba, rgba.Rect, src, image.Point{}, draw.Src)
	rgba.Pix[7] = 128
	pal := image.NewPaletted(image.Rect(0, 0, 5, 4), color.Palette{color.Black, color.White, color.NRGBA{10, 200, 30, 255}})
	for i := range pal.Pix {
		pal.Pix[i] = uint8(i % 3)
	}
	imgs = append(imgs, nrgba, rgba, pal, testImage(1, 7, 5, true).(*image.Gray).SubImage(image.Rect(1, 1, 6, 4)), image.NewGray16(image.Rect(0, 0, 3, 3)), image.NewCMYK(image.Rect(0, 0, 4, 2)))
	for i, img := range imgs {
		t.Run(fmt.Sprintf("%d-%T", i, img), func(t *testing.T) {
			pix, h, w, c := ToPixels(nil, img)
			if h != img.Bounds().Dy() || w != img.Bounds().Dx() || len(pix) != h*w*c {
				t.Fatalf("shape %dx%dx%d, %d bytes", h, w, c, len(pix))
			}
			if want := slowPixels(img); !bytes.Equal(pix, want) {
				t.Fatalf("pixels differ from the slow path")
			}
			back, err := FromPixels(pix, h, w, c)
			if err != nil {
				t.Fatal(err)
			}
			if p2, _, _, _ := ToPixels(nil, back); !bytes.Equal(p2, pix) {
				t.Fatalf("FromPixels/ToPixels do not round-trip")
			}
		})
	}
}

// BenchmarkToPixels compares the row-wise YCbCr conversion with a
// per-pixel loop over YOffset/COffset/color.YCbCrToRGB (224x224 JPEG).
func BenchmarkToPixels(b *testing.B) {
	var buf bytes.Buffer
	jpeg.Encode(&buf, testImage(1, 224, 224, false), &jpeg.Options{Quality: 90})
	img, err := jpeg.Decode(&buf)
	if err != nil {
		b.Fatal(err)
	}
	dst := make([]byte, 224*224*3)
	b.Run("rows", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			ToPixels(dst, img)
		}
	})
	b.Run("per-pixel", func(b *testing.B) {
		m := img.(*image.YCbCr)
		for b.Loop() {
			i := 0
			for y := m.Rect.Min.Y; y < m.Rect.Max.Y; y++ {
				for x := m.Rect.Min.X; x < m.Rect.Max.X; x++ {
					yi, ci := m.YOffset(x, y), m.COffset(x, y)
					dst[i], dst[i+1], dst[i+2] = color.YCbCrToRGB(m.Y[yi], m.Cb[ci], m.Cr[ci])
					i += 3
				}
			}
		}
	})
}

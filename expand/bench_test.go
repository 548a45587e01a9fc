package expand

import (
	"bytes"
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// benchImage is a 224x224 photo-like RGB image: the first PNG of
// gen_imgs.py's set when IMG_DIR is set, otherwise a smooth synthetic one.
func benchImage(b *testing.B) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, 224, 224))
	if dir := os.Getenv("IMG_DIR"); dir != "" {
		if f, err := os.Open(filepath.Join(dir, "png", "000.png")); err == nil {
			defer f.Close()
			if m, err := png.Decode(f); err == nil {
				for y := 0; y < 224; y++ {
					for x := 0; x < 224; x++ {
						r, g, bb, _ := m.At(x, y).RGBA()
						img.Pix[y*img.Stride+4*x], img.Pix[y*img.Stride+4*x+1], img.Pix[y*img.Stride+4*x+2], img.Pix[y*img.Stride+4*x+3] = uint8(r>>8), uint8(g>>8), uint8(bb>>8), 255
					}
				}
				return img
			}
		}
	}
	for y := 0; y < 224; y++ {
		for x := 0; x < 224; x++ {
			i := y*img.Stride + 4*x
			img.Pix[i] = uint8(128 + 60*math.Sin(float64(x)/9+float64(y)/23))
			img.Pix[i+1] = uint8(128 + 60*math.Sin(float64(x*y)/700))
			img.Pix[i+2] = uint8(x + y)
			img.Pix[i+3] = 255
		}
	}
	return img
}

// BenchmarkPNGEncode compares the job's PNG writer with image/png at the
// same zlib levels (bytes per image are reported).
func BenchmarkPNGEncode(b *testing.B) {
	img := benchImage(b)
	var buf bytes.Buffer
	for _, level := range []string{"fast", "default"} {
		b.Run("cnnpipe-"+level, func(b *testing.B) {
			w := newPNGWriter(level)
			for b.Loop() {
				buf.Reset()
				w.encode(&buf, img)
			}
			b.ReportMetric(float64(buf.Len()), "bytes")
		})
		b.Run("image-png-"+level, func(b *testing.B) {
			enc := png.Encoder{CompressionLevel: png.BestSpeed}
			if level == "default" {
				enc.CompressionLevel = png.DefaultCompression
			}
			for b.Loop() {
				buf.Reset()
				enc.Encode(&buf, img)
			}
			b.ReportMetric(float64(buf.Len()), "bytes")
		})
	}
}

package jpeg

import (
	"bytes"
	"image"
	stdjpeg "image/jpeg"
	"os"
	"path/filepath"
	"testing"
)

// benchFiles returns the benchmark JPEGs: $IMG_DIR/jpg/*.jpg (the
// 256x256 images of the pipeline benchmark) if set, else testdata.
func benchFiles(b *testing.B) [][]byte {
	pattern := filepath.Join("testdata", "*.jpeg")
	if dir := os.Getenv("IMG_DIR"); dir != "" {
		pattern = filepath.Join(dir, "jpg", "*.jpg")
	}
	paths, _ := filepath.Glob(pattern)
	if len(paths) > 64 {
		paths = paths[:64]
	}
	var out [][]byte
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := stdjpeg.DecodeConfig(bytes.NewReader(data)); err == nil {
			if _, err := stdjpeg.Decode(bytes.NewReader(data)); err == nil {
				out = append(out, data)
			}
		}
	}
	if len(out) == 0 {
		b.Skip("no JPEG files")
	}
	return out
}

// BenchmarkDecode compares Decode with image/jpeg.Decode alone and with
// the YCbCr to NRGBA conversion that Decode includes. Besides ns/op it
// reports cpu-µs/op, the process's CPU time per image, which other
// processes competing for the cores inflate much less.
//
//	IMG_DIR=/tmp/imgs go test -run '^$' -bench Decode -benchtime 300x -cpu 1 ./internal/jpeg
func BenchmarkDecode(b *testing.B) {
	files := benchFiles(b)
	b.Run("impl=stdlib", func(b *testing.B) {
		defer reportCPU(b)()
		for i := range b.N {
			if _, err := stdjpeg.Decode(bytes.NewReader(files[i%len(files)])); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("impl=stdlib+nrgba", func(b *testing.B) {
		defer reportCPU(b)()
		for i := range b.N {
			img, err := stdjpeg.Decode(bytes.NewReader(files[i%len(files)]))
			if err != nil {
				b.Fatal(err)
			}
			if m, ok := img.(*image.YCbCr); ok {
				dst := image.NewNRGBA(m.Rect)
				drawYCbCrNRGBA(dst, m)
			}
		}
	})
	b.Run("impl=internal", func(b *testing.B) {
		defer reportCPU(b)()
		for i := range b.N {
			if _, err := DecodeBytes(files[i%len(files)]); err != nil {
				b.Fatal(err)
			}
		}
	})
	if idctAVX2 {
		b.Run("impl=internal-portable", func(b *testing.B) {
			defer reportCPU(b)()
			defer setIDCTAVX2(false)()
			for i := range b.N {
				if _, err := DecodeBytes(files[i%len(files)]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// drawYCbCrNRGBA converts as the pipeline did before this package, with
// color.YCbCrToRGB inlined per pixel.
func drawYCbCrNRGBA(dst *image.NRGBA, m *image.YCbCr) {
	b := m.Rect
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			yi, ci := m.YOffset(x, y), m.COffset(x, y)
			yy1 := int32(m.Y[yi]) * 0x10101
			cb1 := int32(m.Cb[ci]) - 128
			cr1 := int32(m.Cr[ci]) - 128
			o := dst.PixOffset(x, y)
			dst.Pix[o] = clamp(yy1 + 91881*cr1)
			dst.Pix[o+1] = clamp(yy1 - 22554*cb1 - 46802*cr1)
			dst.Pix[o+2] = clamp(yy1 + 116130*cb1)
			dst.Pix[o+3] = 0xff
		}
	}
}

func clamp(v int32) uint8 {
	if uint32(v)&0xff000000 == 0 {
		return uint8(v >> 16)
	}
	return uint8(^(v >> 31))
}

// reportCPU starts measuring CPU time; the function it returns reports
// cpu-µs/op.
func reportCPU(b *testing.B) func() {
	c0 := cpuTime()
	return func() {
		b.ReportMetric((cpuTime()-c0)*1e6/float64(b.N), "cpu-µs/op")
	}
}

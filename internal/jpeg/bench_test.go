package jpeg

import (
	"bytes"
	stdjpeg "image/jpeg"
	"os"
	"path/filepath"
	"testing"

	"github.com/cnnpipe/cnnpipe/internal/cputime"
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

// BenchmarkDecode compares Decode (which includes the YCbCr to NRGBA
// conversion) with image/jpeg.Decode alone; pipeline's BenchmarkStages
// compares the two with the conversion on both sides. Besides ns/op it
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

// reportCPU starts measuring CPU time; the function it returns reports
// cpu-µs/op.
func reportCPU(b *testing.B) func() {
	c0 := cpuTime()
	return func() {
		b.ReportMetric((cpuTime()-c0)*1e6/float64(b.N), "cpu-µs/op")
	}
}

// cpuTime returns the process's user+system CPU time in seconds.
func cpuTime() float64 { return cputime.Process().Seconds() }

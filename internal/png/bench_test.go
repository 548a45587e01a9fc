package png_test

import (
	"bytes"
	"image"
	stdpng "image/png"
	"testing"

	"github.com/cnnpipe/cnnpipe/internal/png"
	"github.com/cnnpipe/cnnpipe/loaders"
	"github.com/cnnpipe/cnnpipe/pipeline"
)

// shapesPNGs encodes n images of the built-in shapes dataset (120x60
// gray) as image/png writes them: the files of the pipeline's
// TrainFromPNGFolder benchmark.
func shapesPNGs(tb testing.TB, n int) [][]byte {
	pix, _ := loaders.GenerateShapes(loaders.DefaultShapesSeed, n)
	size := loaders.ShapesHeight * loaders.ShapesWidth
	files := make([][]byte, n)
	for i := range files {
		img := &image.Gray{Pix: pix[i*size : (i+1)*size], Stride: loaders.ShapesWidth,
			Rect: image.Rect(0, 0, loaders.ShapesWidth, loaders.ShapesHeight)}
		var buf bytes.Buffer
		if err := stdpng.Encode(&buf, img); err != nil {
			tb.Fatal(err)
		}
		files[i] = buf.Bytes()
	}
	return files
}

// benchFiles are the benchmark inputs: shapes PNGs and one larger RGB
// photo-like image.
func benchFiles(b *testing.B) map[string][][]byte {
	return map[string][][]byte{
		"shapes-gray-120x60": shapesPNGs(b, 64),
		"rgb-256x256":        {rawPNG{w: 256, h: 256, depth: 8, ct: 2, filter: 4, level: 6, seed: 3}.encode()},
		"rgba-256x256":       {rawPNG{w: 256, h: 256, depth: 8, ct: 6, filter: 4, level: 6, seed: 3}.encode()},
	}
}

// BenchmarkDecode compares image/png followed by pipeline.ToNRGBA (what
// the pipeline did before) with this package's Decoder.
//
//	go test -run '^$' -bench Decode -benchtime 2000x ./internal/png
func BenchmarkDecode(b *testing.B) {
	for name, files := range benchFiles(b) {
		cfg, _ := stdpng.DecodeConfig(bytes.NewReader(files[0]))
		dst := image.NewNRGBA(image.Rect(0, 0, cfg.Width, cfg.Height))
		alloc := func(w, h int) *image.NRGBA { return dst }
		b.Run(name+"/image-png+ToNRGBA", func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				img, err := stdpng.Decode(bytes.NewReader(files[i%len(files)]))
				if err != nil {
					b.Fatal(err)
				}
				pipeline.ToNRGBA(img, dst)
				i++
			}
		})
		b.Run(name+"/internal-png", func(b *testing.B) {
			var d png.Decoder
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if _, err := d.Decode(files[i%len(files)], alloc); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

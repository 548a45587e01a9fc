package png_test

import (
	"bytes"
	stdpng "image/png"
	"os"
	"testing"

	"github.com/cnnpipe/cnnpipe/internal/png"
)

// FuzzDecode checks Decode against image/png (followed by the pipeline's
// conversion): the same error or no error, and the same pixels. Seeds are
// the committed files, generated files of every colour type, and the
// corpus in testdata/fuzz/FuzzDecode.
//
//	go test ./internal/png -run '^$' -fuzz FuzzDecode -fuzztime 60s
func FuzzDecode(f *testing.F) {
	for _, name := range testFiles(f) {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		if len(data) < 4096 {
			f.Add(data)
		}
	}
	for _, ct := range []int{0, 2, 3, 4, 6} {
		p := rawPNG{w: 5, h: 3, depth: 8, ct: ct, filter: -1, seed: uint64(ct)}
		if ct == 3 {
			p.plte, p.trns = palette(7), []byte{0, 99}
		}
		f.Add(p.encode())
		p.split = 5
		f.Add(p.encode())
	}
	var d png.Decoder
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := stdpng.DecodeConfig(bytes.NewReader(data))
		if err == nil && cfg.Width*cfg.Height > 1e6 {
			t.Skip("too large") // image/png would allocate it all
		}
		want, wantErr := reference(data)
		for _, dec := range []*png.Decoder{new(png.Decoder), &d} {
			got, err := dec.Decode(data, nil)
			if (err != nil) != (wantErr != nil) {
				t.Fatalf("error %v, image/png: %v", err, wantErr)
			}
			if err == nil && (got.Rect != want.Rect || got.Stride != want.Stride || !bytes.Equal(got.Pix, want.Pix)) {
				t.Fatalf("pixels differ: %s", firstDiff(got, want))
			}
		}
	})
}

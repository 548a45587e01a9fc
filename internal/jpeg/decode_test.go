package jpeg

import (
	"bytes"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	stdjpeg "image/jpeg"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/fuzz/FuzzDecode")

// want decodes data with image/jpeg and converts a YCbCr result to NRGBA
// with color.YCbCrToRGB, pixel by pixel: what Decode must return.
func want(data []byte) (image.Image, error) {
	img, err := stdjpeg.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	m, ok := img.(*image.YCbCr)
	if !ok {
		return img, nil
	}
	b := m.Bounds()
	out := image.NewNRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			c := m.YCbCrAt(x, y)
			r, g, bb := color.YCbCrToRGB(c.Y, c.Cb, c.Cr)
			out.SetNRGBA(x-b.Min.X, y-b.Min.Y, color.NRGBA{r, g, bb, 0xff})
		}
	}
	return out, nil
}

// samePixels reports why got and want differ, or "" if they have the same
// type, size and pixel bytes.
func samePixels(got, want image.Image) string {
	if fmt.Sprintf("%T", got) != fmt.Sprintf("%T", want) {
		return fmt.Sprintf("type %T, want %T", got, want)
	}
	if got.Bounds().Size() != want.Bounds().Size() {
		return fmt.Sprintf("size %v, want %v", got.Bounds().Size(), want.Bounds().Size())
	}
	if got.Bounds().Min != (image.Point{}) {
		return fmt.Sprintf("Rect.Min %v, want the origin", got.Bounds().Min)
	}
	type pixImage interface {
		PixOffset(x, y int) int
	}
	pix := func(m image.Image) ([]byte, int) {
		switch m := m.(type) {
		case *image.NRGBA:
			return m.Pix, 4
		case *image.RGBA:
			return m.Pix, 4
		case *image.CMYK:
			return m.Pix, 4
		case *image.Gray:
			return m.Pix, 1
		}
		return nil, 0
	}
	gp, bpp := pix(got)
	wp, _ := pix(want)
	if gp == nil {
		return fmt.Sprintf("unexpected type %T", got)
	}
	b, wb := got.Bounds(), want.Bounds()
	for y := 0; y < b.Dy(); y++ {
		go0 := got.(pixImage).PixOffset(b.Min.X, b.Min.Y+y)
		wo0 := want.(pixImage).PixOffset(wb.Min.X, wb.Min.Y+y)
		g, w := gp[go0:go0+bpp*b.Dx()], wp[wo0:wo0+bpp*b.Dx()]
		if !bytes.Equal(g, w) {
			for i := range g {
				if g[i] != w[i] {
					return fmt.Sprintf("pixel (%d, %d) byte %d: %d, want %d", i/bpp, y, i%bpp, g[i], w[i])
				}
			}
		}
	}
	return ""
}

// check decodes data with Decode and image/jpeg and fails t unless both
// fail, or both succeed with the same pixels; DecodeConfig must agree too.
func check(t *testing.T, name string, data []byte) {
	t.Helper()
	wantCfg, wantCfgErr := stdjpeg.DecodeConfig(bytes.NewReader(data))
	cfg, cfgErr := DecodeConfig(bytes.NewReader(data))
	if (cfgErr == nil) != (wantCfgErr == nil) || cfg != wantCfg {
		t.Fatalf("%s: DecodeConfig = %v, %v; image/jpeg: %v, %v", name, cfg, cfgErr, wantCfg, wantCfgErr)
	}
	if wantCfgErr == nil && wantCfg.Width*wantCfg.Height > 1e6 {
		return // keep fuzzing fast, as image/jpeg's FuzzDecode does
	}
	w, werr := want(data)
	g, err := DecodeBytes(data)
	if (err == nil) != (werr == nil) {
		t.Fatalf("%s: error %v; image/jpeg: %v", name, err, werr)
	}
	if err != nil {
		if err.Error() != werr.Error() {
			t.Fatalf("%s: error %q; image/jpeg: %q", name, err, werr)
		}
		if _, err := DecodeNRGBA(data, garbageAlloc); err == nil || err.Error() != werr.Error() {
			t.Fatalf("%s: DecodeNRGBA error %v; image/jpeg: %q", name, err, werr)
		}
		return
	}
	if d := samePixels(g, w); d != "" {
		t.Fatalf("%s: %s", name, d)
	}
	n, err := DecodeNRGBA(data, garbageAlloc)
	if err != nil {
		t.Fatalf("%s: DecodeNRGBA: %v; Decode succeeded", name, err)
	}
	if d := samePixels(n, wantNRGBA(w)); d != "" {
		t.Fatalf("%s: DecodeNRGBA: %s", name, d)
	}
}

// garbageAlloc returns images full of noise, as a recycling pool may.
func garbageAlloc(w, h int) *image.NRGBA {
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := range m.Pix {
		m.Pix[i] = uint8(i*7 + 3)
	}
	return m
}

// wantNRGBA converts want's image as pipeline.ToNRGBA does.
func wantNRGBA(img image.Image) *image.NRGBA {
	if m, ok := img.(*image.NRGBA); ok {
		return m
	}
	b := img.Bounds()
	dst := image.NewNRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	if m, ok := img.(*image.Gray); ok {
		for y := 0; y < b.Dy(); y++ {
			for x := 0; x < b.Dx(); x++ {
				v := m.GrayAt(b.Min.X+x, b.Min.Y+y).Y
				dst.SetNRGBA(x, y, color.NRGBA{v, v, v, 0xff})
			}
		}
		return dst
	}
	draw.Draw(dst, dst.Rect, img, b.Min, draw.Src)
	return dst
}

// testImage is a synthetic picture with edges, gradients and noise, so
// that every quality setting gives non-trivial coefficients.
func testImage(w, h int, seed uint64) *image.NRGBA {
	rng := rand.New(rand.NewPCG(seed, 7))
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			v := color.NRGBA{uint8(x * 255 / max(w-1, 1)), uint8(y * 255 / max(h-1, 1)), uint8((x ^ y) * 8), 255}
			if (x/5+y/3)%2 == 0 {
				v.R, v.B = 255-v.R, 255-v.B
			}
			v.G += uint8(rng.IntN(32))
			m.SetNRGBA(x, y, v)
		}
	}
	return m
}

// generated returns JPEGs from image/jpeg's encoder: colour (4:2:0) and
// gray, of awkward sizes, at qualities 1 to 100.
func generated(t testing.TB) map[string][]byte {
	out := map[string][]byte{}
	sizes := [][2]int{{1, 1}, {7, 9}, {16, 16}, {17, 33}, {64, 48}, {99, 75}}
	quals := []int{1, 5, 25, 50, 75, 90, 95, 100}
	if testing.Short() || raceEnabled {
		quals = []int{1, 50, 100}
	}
	for i, s := range sizes {
		src := testImage(s[0], s[1], uint64(i))
		gray := image.NewGray(src.Rect)
		for y := range s[1] {
			for x := range s[0] {
				gray.Set(x, y, src.At(x, y))
			}
		}
		for _, q := range quals {
			for kind, m := range map[string]image.Image{"color": src, "gray": gray} {
				var buf bytes.Buffer
				if err := stdjpeg.Encode(&buf, m, &stdjpeg.Options{Quality: q}); err != nil {
					t.Fatal(err)
				}
				out[fmt.Sprintf("%s-%dx%d-q%d", kind, s[0], s[1], q)] = buf.Bytes()
			}
		}
	}
	return out
}

// files returns the committed JPEGs of this package and of the repository,
// and up to limit of the benchmark images in /tmp/imgs/jpg if present.
func files(t testing.TB, limit int) map[string][]byte {
	out := map[string][]byte{}
	var paths []string
	for _, g := range []string{"testdata/*.jpeg", "../../testdata/images/*/*.jpg", "/tmp/imgs/jpg/*.jpg"} {
		m, _ := filepath.Glob(g)
		if g == "/tmp/imgs/jpg/*.jpg" && len(m) > limit {
			m = m[:limit]
		}
		paths = append(paths, m...)
	}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out[p] = data
	}
	// The same CMYK file marked as YCCK (Adobe transform 2), which takes
	// the YCbCr conversion path of applyBlack.
	if data, ok := out["testdata/video-001.cmyk.jpeg"]; ok {
		i := bytes.Index(data, []byte("Adobe"))
		if i < 0 || data[i+11] != 0 {
			t.Fatal("video-001.cmyk.jpeg: no Adobe transform 0")
		}
		ycck := bytes.Clone(data)
		ycck[i+11] = 2
		out["video-001.cmyk.jpeg as YCCK"] = ycck
	}
	if len(out) < 20 {
		t.Fatalf("only %d test files found", len(out))
	}
	return out
}

// forEachPath runs f with the assembly kernels and, where they exist,
// again with the portable ones.
func forEachPath(t *testing.T, f func(t *testing.T)) {
	t.Run("default", f)
	if idctAVX2 && !raceEnabled {
		t.Run("portable", func(t *testing.T) {
			defer setIDCTAVX2(false)()
			f(t)
		})
	}
}

func TestDecodeMatchesImageJPEG(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		for name, data := range generated(t) {
			check(t, name, data)
		}
		limit := 100
		if raceEnabled {
			limit = 5
		}
		for name, data := range files(t, limit) {
			check(t, name, data)
		}
	})
}

func TestDecodeTypes(t *testing.T) {
	for _, tc := range []struct {
		file string
		want string
	}{
		{"video-001.jpeg", "*image.NRGBA"},
		{"video-001.q50.410.progressive.jpeg", "*image.NRGBA"},
		{"video-005.gray.jpeg", "*image.Gray"},
		{"video-001.rgb.jpeg", "*image.RGBA"},
		{"video-001.cmyk.jpeg", "*image.CMYK"},
	} {
		data, err := os.ReadFile(filepath.Join("testdata", tc.file))
		if err != nil {
			t.Fatal(err)
		}
		img, err := DecodeBytes(data)
		if err != nil {
			t.Fatalf("%s: %v", tc.file, err)
		}
		if got := fmt.Sprintf("%T", img); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.file, got, tc.want)
		}
	}
}

// TestDecodeDamaged truncates files and flips bytes: Decode must fail or
// succeed exactly when image/jpeg does, with the same message and pixels,
// and never panic.
func TestDecodeDamaged(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	inputs := files(t, 3)
	for name, data := range generated(t) {
		if len(data) < 3000 {
			inputs[name] = data
		}
	}
	n := 0
	forEachPath(t, func(t *testing.T) {
		for name, data := range inputs {
			for _, cut := range []int{0, 1, 2, 20, len(data) / 3, len(data) / 2, len(data) - 3, len(data) - 1} {
				if cut >= 0 && cut < len(data) {
					check(t, fmt.Sprintf("%s[:%d]", name, cut), data[:cut])
					n++
				}
			}
			for range 6 {
				d := bytes.Clone(data)
				for range 1 + rng.IntN(3) {
					i := rng.IntN(len(d))
					d[i] ^= uint8(1 + rng.IntN(255))
				}
				check(t, name+" damaged", d)
				n++
			}
		}
	})
	if n < 100 {
		t.Fatalf("only %d damaged inputs", n)
	}
}

func TestDecodeGarbage(t *testing.T) {
	for _, data := range [][]byte{nil, {0xff}, {0xff, 0xd8}, {0xff, 0xd8, 0xff, 0xd9}, []byte("not a jpeg"), {0xff, 0xd8, 0xff, 0xc0, 0x00, 0x02}} {
		if _, err := DecodeBytes(data); err == nil {
			t.Errorf("%q: no error", data)
		}
		check(t, fmt.Sprintf("%q", data), data)
	}
}

// TestIDCTStore compares the assembly block kernel with the portable one
// on random coefficient blocks, from typical to overflowing values.
func TestIDCTStore(t *testing.T) {
	if !idctAVX2 {
		t.Skip("no assembly in this build")
	}
	rng := rand.New(rand.NewPCG(5, 6))
	for i := range 20000 {
		var b, qt block
		scale := []int32{1, 16, 256, 2048, 1 << 16, 1 << 30}[i%6]
		for k := range b {
			if rng.IntN(3) == 0 || k == 0 {
				b[k] = int32(rng.Int64N(2*int64(scale)) - int64(scale))
			}
			qt[k] = 1 + rng.Int32N([]int32{1, 16, 255, 65535}[i%4])
		}
		if i%7 == 0 {
			for k := range b {
				b[k] = rng.Int32()
				if rng.IntN(2) == 0 {
					b[k] = -b[k]
				}
			}
		}
		stride := 8 + i%13
		got := make([]byte, 7*stride+8)
		want := make([]byte, len(got))
		for k := range got {
			got[k], want[k] = 0x77, 0x77
		}
		b1, b2 := b, b
		idctStoreAVX2(&b1, &qt, &got[0], stride)
		idctStoreGeneric(&b2, &qt, want, stride)
		if !bytes.Equal(got, want) {
			t.Fatalf("block %d (scale %d, stride %d):\ncoefficients %v\nquant %v\n got %v\nwant %v", i, scale, stride, b, qt, got, want)
		}
	}
}

// TestDecodeConcurrent decodes from several goroutines at once (pooled
// decoders and planes); run it with -race.
func TestDecodeConcurrent(t *testing.T) {
	in := map[string][]byte{}
	for name, data := range files(t, 2) {
		if len(in) < 6 {
			in[name] = data
		}
	}
	done := make(chan string)
	for range 4 {
		go func() {
			for name, data := range in {
				w, _ := want(data)
				g, err := DecodeBytes(data)
				if err == nil && w != nil {
					if d := samePixels(g, w); d != "" {
						done <- name + ": " + d
						return
					}
				}
			}
			done <- ""
		}()
	}
	for range 4 {
		if msg := <-done; msg != "" {
			t.Error(msg)
		}
	}
}

// FuzzDecode checks that Decode agrees with image/jpeg (and the colour
// conversion of color.YCbCrToRGB) on arbitrary input: both fail, with the
// same message, or both succeed with the same pixels.
func FuzzDecode(f *testing.F) {
	if testing.Short() {
		// The committed corpus in testdata/fuzz/FuzzDecode is still run.
	} else {
		for _, data := range files(f, 2) {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		check(t, "input", data)
	})
}

// TestWriteFuzzCorpus writes FuzzDecode's committed seed corpus: small
// generated files, truncated and damaged copies. Run with -update.
func TestWriteFuzzCorpus(t *testing.T) {
	if !*update {
		t.Skip("run with -update to rewrite testdata/fuzz/FuzzDecode")
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzDecode")
	os.RemoveAll(dir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	i := 0
	write := func(data []byte) {
		s := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", data)
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("seed%03d", i)), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		i++
	}
	for _, name := range []string{"color-7x9-q50", "gray-7x9-q50", "color-17x33-q100", "color-16x16-q5", "gray-17x33-q90"} {
		data := generated(t)[name]
		write(data)
		write(data[:len(data)/2])
		d := bytes.Clone(data)
		d[len(d)*2/3] ^= 0x5a
		write(d)
	}
	for _, name := range []string{"video-001.q50.422.progressive.jpeg", "video-005.gray.q50.2x2.jpeg", "video-001.restart2.jpeg"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		if len(data) < 12000 {
			write(data)
		}
	}
}

package jpegturbo

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"testing"

	"github.com/cnnpipe/cnnpipe/loaders"
)

func testJPEG(t *testing.T, w, h int) ([]byte, image.Image) {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.SetNRGBA(x, y, color.NRGBA{uint8(4 * x), uint8(3 * y), uint8(x + y), 255})
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	std, err := jpeg.Decode(bytes.NewReader(b.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	return b.Bytes(), std
}

func TestDecoder(t *testing.T) {
	d, err := Decoder()
	if !Available {
		if !errors.Is(err, ErrUnavailable) {
			t.Fatalf("Decoder() without the build tag = %v, want ErrUnavailable", err)
		}
		t.Skip("built without -tags jpegturbo")
	}
	if err != nil || d.Name != "jpeg" {
		t.Fatalf("Decoder() = %v, %v", d.Name, err)
	}
	data, std := testJPEG(t, 37, 21) // odd sizes exercise chroma edges
	img, err := d.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	got, ok := img.(*image.NRGBA)
	if !ok || got.Rect != image.Rect(0, 0, 37, 21) {
		t.Fatalf("decoded %T %v", img, img.Bounds())
	}
	// Within a few levels of image/jpeg (different IDCT and upsampling).
	var sum, n, worst int
	for y := range 21 {
		for x := range 37 {
			r, g, b, _ := std.At(x, y).RGBA()
			p := got.NRGBAAt(x, y)
			for _, d := range []int{int(r>>8) - int(p.R), int(g>>8) - int(p.G), int(b>>8) - int(p.B)} {
				d = max(d, -d)
				sum += d
				worst = max(worst, d)
				n++
			}
			if p.A != 255 {
				t.Fatalf("alpha %d at %d,%d", p.A, x, y)
			}
		}
	}
	if mean := float64(sum) / float64(n); mean > 2 || worst > 24 {
		t.Errorf("differs from image/jpeg by %.2f levels on average, %d at worst", mean, worst)
	}
}

func TestCorrupt(t *testing.T) {
	if !Available {
		t.Skip("built without -tags jpegturbo")
	}
	data, _ := testJPEG(t, 64, 64)
	for name, bad := range map[string][]byte{
		"truncated": data[:len(data)/2],
		"garbage":   append(append([]byte{}, data[:200]...), bytes.Repeat([]byte{0x55}, 500)...),
		"header":    data[:10],
	} {
		if _, err := Decode(bad); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	// Through the loaders registry, errors keep naming the problem.
	d, _ := Decoder()
	old, _ := loaders.LookupDecoder("jpeg")
	loaders.RegisterDecoder(d)
	defer loaders.RegisterDecoder(old)
	if _, _, err := loaders.Decode(data[:len(data)/2], 0); !errors.Is(err, loaders.ErrCorrupt) {
		t.Errorf("loaders.Decode of a truncated JPEG = %v, want ErrCorrupt", err)
	}
	if img, _, err := loaders.Decode(data, 0); err != nil || img.Bounds().Dx() != 64 {
		t.Errorf("loaders.Decode = %v, %v", img, err)
	}
}

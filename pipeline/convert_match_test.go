package pipeline_test

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"testing"

	"github.com/cnnpipe/cnnpipe/augment"
	"github.com/cnnpipe/cnnpipe/loaders"
	"github.com/cnnpipe/cnnpipe/pipeline"
)

// TestPalettedConversionsAgree: a PNG with partly transparent palette
// entries gives the same pixels to training (pipeline.ToNRGBA, and the
// fast PNG decoder behind loaders.DecodeInto) and to cnnpipe augment
// (augment.ToNRGBA), with the entries' exact non-premultiplied values.
func TestPalettedConversionsAgree(t *testing.T) {
	pal := color.Palette{
		color.NRGBA{200, 100, 50, 255},
		color.NRGBA{200, 100, 50, 128}, // rounds through premultiplied colour
		color.NRGBA{7, 250, 3, 1},
		color.NRGBA{90, 80, 70, 0},
		color.NRGBA{1, 2, 3, 255},
	}
	// More than 16 entries, so that image/png writes 8-bit indexes: the
	// fast decoder's path (fewer bits go through its image/png fallback).
	for i := range 15 {
		pal = append(pal, color.NRGBA{uint8(10 * i), 33, uint8(255 - i), uint8(17 * i)})
	}
	src := image.NewPaletted(image.Rect(0, 0, 13, 5), pal)
	for i := range src.Pix {
		src.Pix[i] = uint8(i % len(pal))
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, src); err != nil {
		t.Fatal(err)
	}
	decoded, err := png.Decode(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := decoded.(*image.Paletted); !ok {
		t.Fatalf("image/png returned %T, want *image.Paletted", decoded)
	}
	want := make([]uint8, 0, 4*len(src.Pix))
	for _, v := range src.Pix {
		c := pal[v].(color.NRGBA)
		want = append(want, c.R, c.G, c.B, c.A)
	}
	img, _, err := loaders.DecodeInto(buf.Bytes(), 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	fast, ok := img.(*image.NRGBA)
	if !ok {
		t.Fatalf("loaders.DecodeInto returned %T, want *image.NRGBA from the fast PNG decoder", img)
	}
	for name, got := range map[string]*image.NRGBA{
		"pipeline.ToNRGBA":   pipeline.ToNRGBA(decoded, nil),
		"augment.ToNRGBA":    augment.ToNRGBA(decoded, augment.NewState(0, 0, 0)),
		"loaders.DecodeInto": fast,
	} {
		if !bytes.Equal(got.Pix[:len(want)], want) {
			t.Errorf("%s: pixels\n%v\nwant exact palette values\n%v", name, got.Pix[:16], want[:16])
		}
	}
}

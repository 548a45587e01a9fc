package jpeg_test

import (
	"bytes"
	"errors"
	"fmt"
	stdjpeg "image/jpeg"
	"os"
	"path/filepath"
	"testing"

	"github.com/cnnpipe/cnnpipe/internal/jpeg"
	"github.com/cnnpipe/cnnpipe/loaders"
	"github.com/cnnpipe/cnnpipe/pipeline"
)

// sofSize returns data with the frame size in its SOF0/SOF2 header set to
// w x h.
func sofSize(t *testing.T, data []byte, w, h int) []byte {
	d := bytes.Clone(data)
	for i := 2; i+9 < len(d); {
		if d[i] != 0xff {
			t.Fatal("no SOF marker")
		}
		m, n := d[i+1], int(d[i+2])<<8|int(d[i+3])
		if m == 0xc0 || m == 0xc2 {
			d[i+5], d[i+6] = byte(h>>8), byte(h)
			d[i+7], d[i+8] = byte(w>>8), byte(w)
			return d
		}
		i += 2 + n
	}
	t.Fatal("no SOF marker")
	return nil
}

// TestLoadersUseThisDecoder checks that loaders decodes JPEGs with this
// package (YCbCr files come back as *image.NRGBA) and still refuses, from
// the header, images over the pixel limit.
func TestLoadersUseThisDecoder(t *testing.T) {
	data, err := os.ReadFile("testdata/video-001.jpeg")
	if err != nil {
		t.Fatal(err)
	}
	img, format, err := loaders.Decode(data, 0)
	if err != nil || format != "jpeg" {
		t.Fatalf("loaders.Decode: %v, %q", err, format)
	}
	if got := fmt.Sprintf("%T", img); got != "*image.NRGBA" {
		t.Errorf("loaders.Decode returned %s, want *image.NRGBA", got)
	}
	for _, tc := range []struct {
		w, h, limit int
		want        error
	}{
		{60000, 60000, 0, loaders.ErrTooLarge},
		{150, 103, 150*103 - 1, loaders.ErrTooLarge},
		{150, 103, 150 * 103, nil},
	} {
		_, _, err := loaders.Decode(sofSize(t, data, tc.w, tc.h), tc.limit)
		if !errors.Is(err, tc.want) && !(tc.want == nil && err == nil) {
			t.Errorf("%dx%d, limit %d: %v, want %v", tc.w, tc.h, tc.limit, err, tc.want)
		}
	}
}

// TestDecodeNRGBAMatchesToNRGBA checks DecodeNRGBA's contract with the
// pipeline: the pixels of image/jpeg's image converted by
// pipeline.ToNRGBA, for every committed sample (gray, RGB, CMYK, YCCK
// included).
func TestDecodeNRGBAMatchesToNRGBA(t *testing.T) {
	paths, _ := filepath.Glob("testdata/*.jpeg")
	if len(paths) < 20 {
		t.Fatalf("only %d files", len(paths))
	}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		std, err := stdjpeg.Decode(bytes.NewReader(data))
		got, gerr := jpeg.DecodeNRGBA(data, nil)
		if (err == nil) != (gerr == nil) {
			t.Fatalf("%s: DecodeNRGBA error %v, image/jpeg %v", p, gerr, err)
		}
		if err != nil {
			continue
		}
		want := pipeline.ToNRGBA(std, nil)
		if got.Rect != want.Rect || got.Stride != want.Stride || !bytes.Equal(got.Pix, want.Pix) {
			t.Errorf("%s: DecodeNRGBA differs from pipeline.ToNRGBA(image/jpeg.Decode)", p)
		}
	}
}

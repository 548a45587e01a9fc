package loaders

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/image/bmp"
	"golang.org/x/image/tiff"
)

// testImage draws a deterministic w x h image; gray selects *image.Gray.
func testImage(seed, w, h int, gray bool) image.Image {
	if gray {
		g := image.NewGray(image.Rect(0, 0, w, h))
		for i := range g.Pix {
			g.Pix[i] = uint8(i*7 + seed*31)
		}
		return g
	}
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			m.SetNRGBA(x, y, color.NRGBA{uint8(x*8 + seed), uint8(y*8 + seed*3), uint8((x + y) * 4), 255})
		}
	}
	return m
}

// encode encodes img in the named format.
func encode(t testing.TB, img image.Image, format string) []byte {
	t.Helper()
	var b bytes.Buffer
	var err error
	switch format {
	case "png":
		err = png.Encode(&b, img)
	case "jpeg":
		err = jpeg.Encode(&b, img, &jpeg.Options{Quality: 90})
	case "gif":
		err = gif.Encode(&b, img, nil)
	case "bmp":
		err = bmp.Encode(&b, img)
	case "tiff":
		err = tiff.Encode(&b, img, nil)
	case "webp":
		return readFile(t, "testdata/formats/gopher.webp")
	default:
		t.Fatalf("no encoder for %s", format)
	}
	if err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func readFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func writeFile(t testing.TB, name string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// makeFolder writes n images per class in the given formats (cycled).
func makeFolder(t testing.TB, root string, classes []string, n int, formats ...string) {
	t.Helper()
	if len(formats) == 0 {
		formats = []string{"png"}
	}
	for ci, c := range classes {
		for i := 0; i < n; i++ {
			f := formats[i%len(formats)]
			img := testImage(ci*100+i, 8+i%5, 6+ci, i%3 == 2)
			writeFile(t, filepath.Join(root, c, fmt.Sprintf("%s_%03d%s", c, i, extensionFor(f))), encode(t, img, f))
		}
	}
}

// idxBytes builds an IDX images file and labels file with n items of
// h x w pixels; pixel values depend on the item.
func idxBytes(n, h, w int) (images, labels []byte) {
	images = binary.BigEndian.AppendUint32(nil, 0x00000803)
	images = binary.BigEndian.AppendUint32(images, uint32(n))
	images = binary.BigEndian.AppendUint32(images, uint32(h))
	images = binary.BigEndian.AppendUint32(images, uint32(w))
	labels = binary.BigEndian.AppendUint32(nil, 0x00000801)
	labels = binary.BigEndian.AppendUint32(labels, uint32(n))
	for i := 0; i < n; i++ {
		for p := 0; p < h*w; p++ {
			images = append(images, uint8(i*13+p))
		}
		labels = append(labels, uint8(i%10))
	}
	return images, labels
}

func gz(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// writeIDX writes prefix-images-idx3-ubyte[.gz] and the labels file.
func writeIDX(t testing.TB, dir, prefix string, n, h, w int, compress bool) string {
	t.Helper()
	images, labels := idxBytes(n, h, w)
	ext := ""
	if compress {
		images, labels, ext = gz(t, images), gz(t, labels), ".gz"
	}
	p := filepath.Join(dir, prefix+"-images-idx3-ubyte"+ext)
	writeFile(t, p, images)
	writeFile(t, filepath.Join(dir, prefix+"-labels-idx1-ubyte"+ext), labels)
	return p
}

// cifarBytes builds n CIFAR records; coarse labels are label/5.
func cifarBytes(n int, cifar100 bool) []byte {
	var b []byte
	for i := 0; i < n; i++ {
		if cifar100 {
			b = append(b, uint8(i%100/5), uint8(i%100))
		} else {
			b = append(b, uint8(i%10))
		}
		for p := 0; p < cifarPixels; p++ {
			b = append(b, uint8(i*5+p*3))
		}
	}
	return b
}

// pngHeader returns a PNG signature and IHDR chunk claiming w x h pixels,
// with a correct CRC, followed by nothing.
func pngHeader(w, h uint32) []byte {
	b := []byte("\x89PNG\r\n\x1a\n")
	ihdr := []byte("IHDR")
	ihdr = binary.BigEndian.AppendUint32(ihdr, w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, 8, 2, 0, 0, 0) // 8-bit RGB
	b = binary.BigEndian.AppendUint32(b, 13)
	b = append(b, ihdr...)
	b = binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(ihdr))
	return b
}

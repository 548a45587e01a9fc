package png_test

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	stdpng "image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/cnnpipe/cnnpipe/expand"
	"github.com/cnnpipe/cnnpipe/internal/png"
	"github.com/cnnpipe/cnnpipe/loaders"
	"github.com/cnnpipe/cnnpipe/pipeline"
)

// reference decodes with image/png and converts as the pipeline did
// before this package: the result Decode must reproduce.
func reference(data []byte) (*image.NRGBA, error) {
	img, err := stdpng.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	return pipeline.ToNRGBA(img, nil), nil
}

// check decodes data with a fresh and a reused Decoder and compares with
// reference: same error/no-error, same pixels.
func check(t *testing.T, name string, data []byte, d *png.Decoder) {
	t.Helper()
	want, wantErr := reference(data)
	// The second decode writes into a recycled image full of garbage:
	// every pixel must be overwritten.
	garbage := func(w, h int) *image.NRGBA {
		m := image.NewNRGBA(image.Rect(0, 0, w, h))
		for i := range m.Pix {
			m.Pix[i] = byte(i*13 + 7)
		}
		return m
	}
	for i, dec := range []*png.Decoder{new(png.Decoder), d} {
		alloc := garbage
		if i == 0 {
			alloc = nil
		}
		got, err := dec.Decode(data, alloc)
		if (err != nil) != (wantErr != nil) {
			t.Fatalf("%s: error %v, image/png: %v", name, err, wantErr)
		}
		if err != nil {
			continue
		}
		if got.Rect != want.Rect || got.Stride != want.Stride || !bytes.Equal(got.Pix, want.Pix) {
			t.Fatalf("%s: pixels differ from image/png + pipeline.ToNRGBA: %s", name, firstDiff(got, want))
		}
	}
}

func firstDiff(got, want *image.NRGBA) string {
	if got.Rect != want.Rect {
		return fmt.Sprintf("rect %v, want %v", got.Rect, want.Rect)
	}
	for i := range want.Pix {
		if got.Pix[i] != want.Pix[i] {
			x, y := i%want.Stride/4, i/want.Stride
			return fmt.Sprintf("at (%d,%d): %v, want %v", x, y, got.Pix[i&^3:i&^3+4], want.Pix[i&^3:i&^3+4])
		}
	}
	return "stride"
}

// depths lists the valid bit depths of each colour type.
var depths = map[int][]int{0: {1, 2, 4, 8, 16}, 2: {8, 16}, 3: {1, 2, 4, 8}, 4: {8, 16}, 6: {8, 16}}

var sizes = [][2]int{{1, 1}, {2, 1}, {1, 3}, {3, 2}, {5, 5}, {7, 9}, {17, 3}, {33, 10}, {300, 7}}

// palette returns n RGB entries.
func palette(n int) []byte {
	p := make([]byte, 3*n)
	for i := range p {
		p[i] = byte(i*37 + 11)
	}
	return p
}

// TestDecodeGenerated covers every colour type and bit depth, both
// interlace methods, filters, tRNS variants and IDAT splits.
func TestDecodeGenerated(t *testing.T) {
	var d png.Decoder
	n := 0
	for _, ct := range []int{0, 2, 3, 4, 6} {
		for _, depth := range depths[ct] {
			for _, il := range []bool{false, true} {
				for si, sz := range sizes {
					variants := []rawPNG{{}}
					switch ct {
					case 0:
						variants = append(variants, rawPNG{trns: []byte{0, byte(sizeSample(depth))}})
					case 2:
						variants = append(variants, rawPNG{trns: []byte{0, 5, 0, 40, 0, 10}})
					case 3:
						np := min(1<<depth, 5+si*40)
						variants = []rawPNG{
							{plte: palette(np)},
							{plte: palette(np), trns: []byte{0, 128, 255, 1, 77}[:min(5, np)]},
							{plte: palette(max(1, np/2)), trns: bytes.Repeat([]byte{3, 200}, 1<<depth/2)},
						}
					}
					for vi, v := range variants {
						v.w, v.h, v.depth, v.ct, v.interlace = sz[0], sz[1], depth, ct, il
						v.seed, v.filter = uint64(n), -1
						if n%3 == 1 {
							v.split = 1 + n%17
						}
						n++
						name := fmt.Sprintf("ct%d/depth%d/interlace%v/%dx%d/variant%d", ct, depth, il, sz[0], sz[1], vi)
						check(t, name, v.encode(), &d)
					}
				}
			}
		}
	}
	t.Logf("%d images", n)
}

func sizeSample(depth int) int {
	if depth == 16 {
		return 0
	}
	return (1 << depth) / 2
}

// TestDecodeFilters decodes each filter type alone for every pixel size.
func TestDecodeFilters(t *testing.T) {
	var d png.Decoder
	for _, ct := range []int{0, 2, 4, 6} {
		for ft := 0; ft < 5; ft++ {
			p := rawPNG{w: 31, h: 6, depth: 8, ct: ct, filter: ft, seed: uint64(ft)}
			check(t, fmt.Sprintf("ct%d/filter%d", ct, ft), p.encode(), &d)
		}
	}
}

// TestDecodeStdEncoder decodes what image/png's encoder writes.
func TestDecodeStdEncoder(t *testing.T) {
	var d png.Decoder
	for _, sz := range sizes {
		r := image.Rect(0, 0, sz[0], sz[1])
		gray, gray16 := image.NewGray(r), image.NewGray16(r)
		rgba, nrgba, opaque := image.NewRGBA(r), image.NewNRGBA(r), image.NewNRGBA(r)
		nrgba64 := image.NewNRGBA64(r)
		pal := color.Palette{color.RGBA{0, 0, 0, 255}, color.NRGBA{200, 100, 50, 128}, color.NRGBA{9, 99, 199, 3}, color.RGBA{255, 255, 255, 255}}
		paletted := image.NewPaletted(r, pal)
		p256 := make(color.Palette, 256)
		for i := range p256 {
			p256[i] = color.NRGBA{uint8(i), uint8(3 * i), uint8(7 * i), uint8(255 - i%3)}
		}
		paletted256 := image.NewPaletted(r, p256)
		for y := 0; y < sz[1]; y++ {
			for x := 0; x < sz[0]; x++ {
				v := uint8(x*31 + y*17)
				gray.SetGray(x, y, color.Gray{v})
				gray16.SetGray16(x, y, color.Gray16{uint16(v) * 257})
				rgba.SetRGBA(x, y, color.RGBA{v / 2, v / 3, v / 4, v})
				nrgba.SetNRGBA(x, y, color.NRGBA{v, v ^ 0x55, 255 - v, v | 1})
				opaque.SetNRGBA(x, y, color.NRGBA{v, v ^ 0x55, 255 - v, 255})
				nrgba64.SetNRGBA64(x, y, color.NRGBA64{uint16(v) << 8, 7, 65535, uint16(v)*3 + 1})
				paletted.SetColorIndex(x, y, v%4)
				paletted256.SetColorIndex(x, y, v)
			}
		}
		for i, img := range []image.Image{gray, gray16, rgba, nrgba, opaque, nrgba64, paletted, paletted256} {
			for _, level := range []stdpng.CompressionLevel{stdpng.BestSpeed, stdpng.DefaultCompression, stdpng.NoCompression} {
				var buf bytes.Buffer
				enc := stdpng.Encoder{CompressionLevel: level}
				if err := enc.Encode(&buf, img); err != nil {
					t.Fatal(err)
				}
				check(t, fmt.Sprintf("%T#%d/%dx%d/level%d", img, i, sz[0], sz[1], level), buf.Bytes(), &d)
			}
		}
	}
}

// testFiles lists the committed PNGs: pngsuite and image/png's test
// files here, and the repository's fixtures.
func testFiles(t testing.TB) []string {
	var files []string
	for _, pat := range []string{"testdata/*.png", "testdata/pngsuite/*.png", "../../testdata/images/*/*.png", "../../loaders/testdata/*/*.png", "../../loaders/testdata/*/*/*.png"} {
		m, err := filepath.Glob(pat)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	if len(files) < 40 {
		t.Fatalf("found only %d test files", len(files))
	}
	return files
}

// TestDecodeFiles decodes the committed PNGs, valid and invalid.
func TestDecodeFiles(t *testing.T) {
	var d png.Decoder
	for _, f := range testFiles(t) {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		check(t, f, data, &d)
	}
}

// TestDecodeCorrupt truncates valid files at every length and changes
// every byte (with and without fixing the chunk's CRC, so that the
// contents of IHDR, PLTE, tRNS and the zlib stream are checked and not
// only the CRC): Decode must fail exactly when image/png fails, never
// panic, and agree on the pixels when both succeed.
func TestDecodeCorrupt(t *testing.T) {
	var d png.Decoder
	files := [][]byte{
		rawPNG{w: 5, h: 4, depth: 8, ct: 3, plte: palette(6), trns: []byte{9, 200}, filter: -1, seed: 1}.encode(),
		rawPNG{w: 6, h: 3, depth: 8, ct: 4, filter: -1, seed: 2, split: 7}.encode(),
		rawPNG{w: 4, h: 4, depth: 8, ct: 2, trns: []byte{0, 1, 0, 2, 0, 3}, filter: -1, seed: 3}.encode(),
		rawPNG{w: 9, h: 2, depth: 8, ct: 0, filter: 4, seed: 4}.encode(),
		rawPNG{w: 3, h: 5, depth: 8, ct: 6, filter: -1, seed: 5, level: 9}.encode(),
		// Stored, fixed-Huffman and dynamic-Huffman deflate blocks.
		rawPNG{w: 7, h: 3, depth: 8, ct: 0, filter: 0, seed: 6, level: stored}.encode(),
		rawPNG{w: 2, h: 2, depth: 8, ct: 0, filter: 0, seed: 7, level: 9}.encode(),
		rawPNG{w: 40, h: 4, depth: 8, ct: 0, filter: 2, seed: 8, level: 9}.encode(),
	}
	step := 1
	if raceEnabled || testing.Short() {
		step = 7
	}
	for fi, data := range files {
		for n := 0; n < len(data); n += step {
			check(t, fmt.Sprintf("file%d/truncated%d", fi, n), data[:n], &d)
		}
		starts := chunkStarts(data)
		for i := 0; i < len(data); i += step {
			for _, fix := range []bool{false, true} {
				for _, delta := range []byte{1, 0x80, 0xff} {
					c := bytes.Clone(data)
					c[i] += delta
					if fix {
						for _, s := range starts {
							fixCRC(c, s)
						}
					}
					check(t, fmt.Sprintf("file%d/byte%d+%d/fixcrc%v", fi, i, delta, fix), c, &d)
				}
			}
		}
	}
}

// TestDecodeTrailing puts data after the zlib stream inside the last IDAT
// chunk and in extra IDAT chunks: image/png ignores some of it (whatever
// its 4096-byte reads swallowed) and refuses the rest; Decode must agree.
func TestDecodeTrailing(t *testing.T) {
	var d png.Decoder
	base := rawPNG{w: 200, h: 60, depth: 8, ct: 6, filter: -1, seed: 9, level: 1}
	streamLen := func(p rawPNG) int {
		p.extra = nil
		data := p.encode()
		s := chunkStarts(data)
		n := 0
		for _, c := range s {
			if string(data[c+4:c+8]) == "IDAT" {
				n += int(uint32(data[c])<<24 | uint32(data[c+1])<<16 | uint32(data[c+2])<<8 | uint32(data[c+3]))
			}
		}
		return n
	}
	sl := streamLen(base)
	accepted, refused := 0, 0
	for _, extra := range []int{1, 3, 100, 4095 - sl%4096, 4096 - sl%4096, 4097 - sl%4096, 5000, 9000} {
		if extra <= 0 {
			continue
		}
		for _, split := range []int{0, 1000, 4096, 5000} {
			p := base
			p.extra = bytes.Repeat([]byte{0xab}, extra)
			p.split = split
			data := p.encode()
			if _, err := stdpng.Decode(bytes.NewReader(data)); err == nil {
				accepted++
			} else {
				refused++
			}
			check(t, fmt.Sprintf("extra%d/split%d", extra, split), data, &d)
		}
	}
	if accepted == 0 || refused == 0 {
		t.Errorf("image/png accepted %d and refused %d cases: the test does not cover both", accepted, refused)
	}
	// Whole IDAT chunks after the stream are ignored (CRC-checked).
	data := rawPNG{w: 8, h: 8, depth: 8, ct: 0, filter: 1}.encode()
	i := bytes.Index(data, []byte("IEND")) - 4
	var extra bytes.Buffer
	writeChunk(&extra, "IDAT", []byte("garbage"))
	writeChunk(&extra, "tEXt", []byte("k\x00v"))
	writeChunk(&extra, "IDAT", nil)
	withExtra := append(append(bytes.Clone(data[:i]), extra.Bytes()...), data[i:]...)
	check(t, "idat-after-stream", withExtra, &d)
	if _, err := d.Decode(withExtra, nil); err != nil {
		t.Errorf("trailing IDAT chunks: %v", err)
	}
}

// TestDecodeErrors checks that broken files give an error naming the
// problem.
func TestDecodeErrors(t *testing.T) {
	good := rawPNG{w: 4, h: 3, depth: 8, ct: 2, filter: 0}.encode()
	ihdr := func(w, h uint32) []byte {
		c := bytes.Clone(good)
		c[16], c[17], c[18], c[19] = byte(w>>24), byte(w>>16), byte(w>>8), byte(w)
		c[20], c[21], c[22], c[23] = byte(h>>24), byte(h>>16), byte(h>>8), byte(h)
		fixCRC(c, 8)
		return c
	}
	badCRC := bytes.Clone(good)
	badCRC[len(badCRC)-20]++
	tests := []struct {
		name, want string
		data       []byte
	}{
		{"empty", "not a PNG file", nil},
		{"signature", "not a PNG file", append([]byte("GIF89a\x00\x00"), good[8:]...)},
		{"truncated", "truncated", good[:len(good)-5]},
		{"no IEND", "no IEND", good[:len(good)-12]},
		{"crc", "checksum", badCRC},
		{"huge", "not enough pixel data", ihdr(1<<20, 1<<20)},
		{"overflow", "dimension overflow", ihdr(1<<30, 1<<30)},
		{"negative", "non-positive dimension", ihdr(0x80000000, 1)},
		{"zero", "non-positive dimension", ihdr(4, 0)},
		{"too few rows", "not enough pixel data", ihdr(4, 4)},
		{"too many rows", "too much pixel data", ihdr(4, 2)},
		{"bad filter", "bad filter type", rawPNG{w: 4, h: 3, depth: 8, ct: 2, filter: 0}.withRaw(func(raw []byte) { raw[13] = 9 })},
	}
	for _, tt := range tests {
		_, err := png.Decode(tt.data, nil)
		if err == nil || !bytes.Contains([]byte(err.Error()), []byte(tt.want)) {
			t.Errorf("%s: error %v, want one containing %q", tt.name, err, tt.want)
		}
		var fe png.FormatError
		var ue png.UnsupportedError
		if err != nil && !errors.As(err, &fe) && !errors.As(err, &ue) {
			t.Errorf("%s: %T is not a FormatError", tt.name, err)
		}
	}
}

// withRaw encodes p after letting edit change the filtered rows.
func (p rawPNG) withRaw(edit func(raw []byte)) []byte {
	data := p.encode()
	for _, s := range chunkStarts(data) {
		if string(data[s+4:s+8]) != "IDAT" {
			continue
		}
		n := int(uint32(data[s])<<24 | uint32(data[s+1])<<16 | uint32(data[s+2])<<8 | uint32(data[s+3]))
		raw := inflate(data[s+8 : s+8+n])
		edit(raw)
		var out bytes.Buffer
		out.Write(data[:s])
		writeChunk(&out, "IDAT", deflate(raw))
		out.Write(data[s+12+n:])
		return out.Bytes()
	}
	return data
}

// TestDecodeAlloc checks the alloc contract: the image comes from alloc
// when it has the right shape, and Decode allocates nothing per call once
// warm.
func TestDecodeAlloc(t *testing.T) {
	files := map[string][]byte{
		"gray":      rawPNG{w: 120, h: 60, depth: 8, ct: 0, filter: -1}.encode(),
		"gray-trns": rawPNG{w: 120, h: 60, depth: 8, ct: 0, trns: []byte{0, 3}, filter: -1}.encode(),
		"ga":        rawPNG{w: 33, h: 7, depth: 8, ct: 4, filter: -1}.encode(),
		"rgb":       rawPNG{w: 64, h: 64, depth: 8, ct: 2, filter: -1, split: 100}.encode(),
		"rgba":      rawPNG{w: 64, h: 64, depth: 8, ct: 6, filter: -1}.encode(),
		"paletted":  rawPNG{w: 50, h: 9, depth: 8, ct: 3, plte: palette(200), trns: []byte{1, 2, 3}, filter: -1}.encode(),
	}
	for name, data := range files {
		var d png.Decoder
		cfg, err := stdpng.DecodeConfig(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		own := image.NewNRGBA(image.Rect(0, 0, cfg.Width, cfg.Height))
		alloc := func(w, h int) *image.NRGBA { return own }
		got, err := d.Decode(data, alloc)
		if err != nil || got != own {
			t.Fatalf("%s: got %p, %v; want alloc's image %p", name, got, err, own)
		}
		if allocs := testing.AllocsPerRun(20, func() { d.Decode(data, alloc) }); allocs != 0 {
			t.Errorf("%s: %.1f allocations per Decode, want 0", name, allocs)
		}
		// A wrong shape from alloc is replaced, not written out of bounds.
		small := func(w, h int) *image.NRGBA { return image.NewNRGBA(image.Rect(0, 0, 1, 1)) }
		got, err = d.Decode(data, small)
		if err != nil || got.Rect.Dx() != cfg.Width || got.Rect.Dy() != cfg.Height {
			t.Errorf("%s: with a wrong-size alloc: %v, %v", name, got.Rect, err)
		}
	}
}

// TestLoadersDecodeInto checks the registration in loaders: DecodeInto
// decodes PNGs with this package into alloc's image, after checking the
// pixel limit (alloc is not called for a refused image).
func TestLoadersDecodeInto(t *testing.T) {
	data := rawPNG{w: 30, h: 20, depth: 8, ct: 0, filter: -1}.encode()
	own := image.NewNRGBA(image.Rect(0, 0, 30, 20))
	calls := 0
	alloc := func(w, h int) *image.NRGBA { calls++; return own }
	img, format, err := loaders.DecodeInto(data, 0, alloc)
	if err != nil || format != "png" || img != image.Image(own) || calls != 1 {
		t.Fatalf("DecodeInto: %T %v %v, %d alloc calls; want alloc's image", img, format, err, calls)
	}
	want, _ := reference(data)
	if !bytes.Equal(own.Pix, want.Pix) {
		t.Error("pixels differ from image/png + pipeline.ToNRGBA")
	}
	if _, _, err := loaders.DecodeInto(data, 599, alloc); !errors.Is(err, loaders.ErrTooLarge) || calls != 1 {
		t.Errorf("over the pixel limit: %v after %d alloc calls, want ErrTooLarge and no call", err, calls)
	}
	if _, _, err := loaders.DecodeInto(data[:len(data)-30], 0, alloc); !errors.Is(err, loaders.ErrCorrupt) {
		t.Errorf("truncated: %v, want ErrCorrupt", err)
	}
	// Decode still returns image/png's own image type.
	if img, _, err := loaders.Decode(data, 0); err != nil || img.ColorModel() != color.GrayModel {
		t.Errorf("Decode: %T, %v; want image/png's *image.Gray", img, err)
	}
}

// TestDecodeExpandWriter decodes what the repository's own PNG writer
// (expand, behind cnnpipe augment) writes: gray, RGB and RGBA with the
// Paeth filter at every level.
func TestDecodeExpandWriter(t *testing.T) {
	var d png.Decoder
	n := 0
	for _, sz := range sizes {
		for _, c := range []int{1, 3, 4} {
			pix := make([]byte, sz[0]*sz[1]*c)
			for i := range pix {
				pix[i] = byte(i*31 + i/7)
				if c == 4 && i%4 == 3 && i%3 == 0 {
					pix[i] = 255 // partly opaque
				}
			}
			s := &loaders.Sample{Index: n, Path: fmt.Sprintf("c/%d.png", n), Format: loaders.FormatRaw, Data: pix, Height: sz[1], Width: sz[0], Channels: c}
			for _, level := range []string{"fast", "best", "none", "default"} {
				out, err := expand.Render(s, 0, &expand.Config{Ops: "hflip p=1", PNGLevel: level})
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.HasPrefix(out.Data, []byte("\x89PNG")) {
					t.Fatalf("expand wrote %q, not a PNG", out.Data[:8])
				}
				check(t, fmt.Sprintf("expand/%dx%dx%d/%s", sz[0], sz[1], c, level), out.Data, &d)
				n++
			}
		}
	}
}

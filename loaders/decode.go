package loaders

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/gif"
	"image/png"
	"io"
	"path/filepath"
	"strings"
	"sync"

	"github.com/cnnpipe/cnnpipe/internal/jpeg"
	fastpng "github.com/cnnpipe/cnnpipe/internal/png"
	"golang.org/x/image/bmp"
	"golang.org/x/image/tiff"
	"golang.org/x/image/webp"
)

// DefaultMaxPixels is the largest image (width*height) decoded when no
// limit is configured: 2^26 pixels, e.g. 8192x8192.
const DefaultMaxPixels = 1 << 26

// A Decoder decodes one encoded image format. Register one with
// RegisterDecoder; a later registration of the same Name replaces the
// earlier one, which is how a faster decoder is plugged in.
type Decoder struct {
	// Name is the value stored in the format column, e.g. "png".
	Name string
	// Magic lists prefixes that identify the format; '?' matches any byte.
	Magic []string
	// Extensions lists file name extensions, lower case with the dot.
	Extensions []string
	// DecodeConfig reads only the header.
	DecodeConfig func(io.Reader) (image.Config, error)
	// Decode decodes the whole image.
	Decode func(io.Reader) (image.Image, error)
	// DecodeNRGBA, if not nil, decodes the whole image (data is the whole
	// file) straight to the layout image pipelines work in: an
	// *image.NRGBA with its Rect at the origin and Stride 4*width, holding
	// the pixels of Decode's image converted to non-premultiplied RGBA
	// (gray as R=G=B, alpha 255 for opaque formats) exactly as
	// pipeline.ToNRGBA converts them. It must fail whenever Decode fails.
	// It takes the image it returns from alloc(width, height) when alloc
	// is not nil and gives one of that size at the origin with Stride
	// 4*width, and overwrites every pixel, so that callers can recycle
	// pixel buffers (alloc's pixels may hold anything). It is called from
	// many goroutines at once. DecodeInto uses it.
	DecodeNRGBA func(data []byte, alloc func(w, h int) *image.NRGBA) (*image.NRGBA, error)
}

var registry struct {
	sync.RWMutex
	decoders []Decoder
}

// RegisterDecoder adds d to the registry, replacing a decoder of the same
// name. It is safe to call concurrently with decoding.
func RegisterDecoder(d Decoder) {
	registry.Lock()
	defer registry.Unlock()
	for i := range registry.decoders {
		if registry.decoders[i].Name == d.Name {
			registry.decoders[i] = d
			return
		}
	}
	registry.decoders = append(registry.decoders, d)
}

func init() {
	RegisterDecoder(Decoder{Name: "png", Magic: []string{"\x89PNG\r\n\x1a\n"}, Extensions: []string{".png"}, DecodeConfig: png.DecodeConfig, Decode: png.Decode, DecodeNRGBA: fastpng.Decode})
	// JPEG: internal/jpeg, image/jpeg's decoder made faster; it returns
	// the same pixels, YCbCr images as *image.NRGBA.
	RegisterDecoder(Decoder{Name: "jpeg", Magic: []string{"\xff\xd8"}, Extensions: []string{".jpg", ".jpeg"}, DecodeConfig: jpeg.DecodeConfig, Decode: jpeg.Decode, DecodeNRGBA: jpeg.DecodeNRGBA})
	RegisterDecoder(Decoder{Name: "gif", Magic: []string{"GIF87a", "GIF89a"}, Extensions: []string{".gif"}, DecodeConfig: gif.DecodeConfig, Decode: gif.Decode})
	RegisterDecoder(Decoder{Name: "bmp", Magic: []string{"BM????\x00\x00\x00\x00"}, Extensions: []string{".bmp"}, DecodeConfig: bmp.DecodeConfig, Decode: bmp.Decode})
	RegisterDecoder(Decoder{Name: "tiff", Magic: []string{"II*\x00", "MM\x00*"}, Extensions: []string{".tif", ".tiff"}, DecodeConfig: tiff.DecodeConfig, Decode: tiff.Decode})
	RegisterDecoder(Decoder{Name: "webp", Magic: []string{"RIFF????WEBPVP8"}, Extensions: []string{".webp"}, DecodeConfig: webp.DecodeConfig, Decode: webp.Decode})
}

func matchMagic(magic string, b []byte) bool {
	if len(b) < len(magic) {
		return false
	}
	for i := 0; i < len(magic); i++ {
		if magic[i] != '?' && magic[i] != b[i] {
			return false
		}
	}
	return true
}

// Sniff returns the decoder whose magic prefix matches data.
func Sniff(data []byte) (Decoder, bool) {
	registry.RLock()
	defer registry.RUnlock()
	for _, d := range registry.decoders {
		for _, m := range d.Magic {
			if matchMagic(m, data) {
				return d, true
			}
		}
	}
	return Decoder{}, false
}

// LookupDecoder returns the registered decoder with the given name.
func LookupDecoder(name string) (Decoder, bool) {
	registry.RLock()
	defer registry.RUnlock()
	for _, d := range registry.decoders {
		if d.Name == name {
			return d, true
		}
	}
	return Decoder{}, false
}

// IsImageFile reports whether name has the extension of a registered format.
func IsImageFile(name string) bool {
	ext := strings.ToLower(filepath.Ext(name))
	if ext == "" {
		return false
	}
	registry.RLock()
	defer registry.RUnlock()
	for _, d := range registry.decoders {
		for _, e := range d.Extensions {
			if e == ext {
				return true
			}
		}
	}
	return false
}

// extensionFor returns the preferred file extension of a format.
func extensionFor(format string) string {
	if d, ok := LookupDecoder(format); ok && len(d.Extensions) > 0 {
		return d.Extensions[0]
	}
	return "." + format
}

// Header is what DecodeHeader learns from an encoded image.
type Header struct {
	Format                  string
	Width, Height, Channels int
}

// DecodeHeader identifies data's format by its magic bytes and reads its
// header. It fails with ErrUnknownFormat, ErrCorrupt or ErrTooLarge (more
// than maxPixels pixels; maxPixels <= 0 means DefaultMaxPixels).
func DecodeHeader(data []byte, maxPixels int) (Header, Decoder, error) {
	d, ok := Sniff(data)
	if !ok {
		return Header{}, d, fmt.Errorf("%w: not a registered image format", ErrUnknownFormat)
	}
	cfg, err := d.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return Header{}, d, fmt.Errorf("%w: %s header: %v", ErrCorrupt, d.Name, err)
	}
	if maxPixels <= 0 {
		maxPixels = DefaultMaxPixels
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return Header{}, d, fmt.Errorf("%w: %s header: size %dx%d", ErrCorrupt, d.Name, cfg.Width, cfg.Height)
	}
	if int64(cfg.Width)*int64(cfg.Height) > int64(maxPixels) {
		return Header{}, d, fmt.Errorf("%w: %s header claims %d x %d pixels, limit is %d pixels", ErrTooLarge, d.Name, cfg.Width, cfg.Height, maxPixels)
	}
	return Header{Format: d.Name, Width: cfg.Width, Height: cfg.Height, Channels: channelsOf(cfg.ColorModel)}, d, nil
}

// Decode decodes an encoded image after checking with DecodeConfig that it
// has at most maxPixels pixels (maxPixels <= 0 means DefaultMaxPixels). It
// returns the image and its format name.
func Decode(data []byte, maxPixels int) (image.Image, string, error) {
	return decode(data, maxPixels, false, nil)
}

// DecodeInto is Decode for callers that keep images as *image.NRGBA with
// their Rect at the origin and Stride 4*width (as the pipeline does): for
// a format whose Decoder has a DecodeNRGBA it decodes with it, into an
// image obtained from alloc (nil means image.NewNRGBA), and returns that
// *image.NRGBA; other formats decode as with Decode, for the caller to
// convert. The header is checked against maxPixels first, as Decode does,
// before alloc is called.
func DecodeInto(data []byte, maxPixels int, alloc func(w, h int) *image.NRGBA) (image.Image, string, error) {
	return decode(data, maxPixels, true, alloc)
}

func decode(data []byte, maxPixels int, nrgba bool, alloc func(w, h int) *image.NRGBA) (image.Image, string, error) {
	h, d, err := DecodeHeader(data, maxPixels)
	if err != nil {
		return nil, h.Format, err
	}
	var img image.Image
	if nrgba && d.DecodeNRGBA != nil {
		var m *image.NRGBA
		if m, err = d.DecodeNRGBA(data, alloc); err == nil {
			img = m
		}
	} else {
		img, err = d.Decode(bytes.NewReader(data))
	}
	if err != nil {
		return nil, d.Name, fmt.Errorf("%w: %s: %v", ErrCorrupt, d.Name, err)
	}
	b := img.Bounds()
	if b.Dx() != h.Width || b.Dy() != h.Height {
		return nil, d.Name, fmt.Errorf("%w: %s: decoded %dx%d, header says %dx%d", ErrCorrupt, d.Name, b.Dx(), b.Dy(), h.Width, h.Height)
	}
	return img, d.Name, nil
}

// channelsOf returns 1 for gray color models and 3 otherwise.
func channelsOf(m color.Model) int {
	switch m {
	case color.GrayModel, color.Gray16Model:
		return 1
	}
	return 3
}

// ToPixels converts img to uint8 HWC pixels: 1 channel for *image.Gray and
// *image.Gray16, 3 (RGB, alpha dropped) for everything else. The result is
// appended to dst[:0].
func ToPixels(dst []byte, img image.Image) (pix []byte, h, w, c int) {
	b := img.Bounds()
	w, h = b.Dx(), b.Dy()
	c = channelsOf(img.ColorModel())
	n := w * h * c
	if cap(dst) < n {
		dst = make([]byte, n)
	}
	pix = dst[:n]
	switch m := img.(type) {
	case *image.Gray:
		for y := 0; y < h; y++ {
			copy(pix[y*w:(y+1)*w], m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):])
		}
		return
	case *image.NRGBA:
		for y := 0; y < h; y++ {
			row := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):]
			o := pix[y*w*3 : (y+1)*w*3]
			for x := 0; x < w; x++ {
				o[3*x], o[3*x+1], o[3*x+2] = row[4*x], row[4*x+1], row[4*x+2]
			}
		}
		return
	case *image.RGBA:
		for y := 0; y < h; y++ {
			row := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):]
			o := pix[y*w*3 : (y+1)*w*3]
			for x := 0; x < w; x++ {
				a := uint32(row[4*x+3])
				if a == 0xff {
					o[3*x], o[3*x+1], o[3*x+2] = row[4*x], row[4*x+1], row[4*x+2]
					continue
				}
				cc := color.NRGBAModel.Convert(color.RGBA{row[4*x], row[4*x+1], row[4*x+2], row[4*x+3]}).(color.NRGBA)
				o[3*x], o[3*x+1], o[3*x+2] = cc.R, cc.G, cc.B
			}
		}
		return
	case *image.YCbCr:
		ycbcrToRGB(pix, m)
		return
	case *image.Paletted:
		pal := make([][3]byte, len(m.Palette))
		for i, pc := range m.Palette {
			cc := color.NRGBAModel.Convert(pc).(color.NRGBA)
			pal[i] = [3]byte{cc.R, cc.G, cc.B}
		}
		i := 0
		for y := 0; y < h; y++ {
			row := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):]
			for x := 0; x < w; x++ {
				var p [3]byte
				if int(row[x]) < len(pal) {
					p = pal[row[x]]
				}
				pix[i], pix[i+1], pix[i+2] = p[0], p[1], p[2]
				i += 3
			}
		}
		return
	}
	i := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if c == 1 {
				pix[i] = color.GrayModel.Convert(img.At(x, y)).(color.Gray).Y
				i++
				continue
			}
			cc := color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
			pix[i], pix[i+1], pix[i+2] = cc.R, cc.G, cc.B
			i += 3
		}
	}
	return
}

// FromPixels wraps uint8 HWC pixels as an image: *image.Gray for one
// channel (sharing pix), *image.NRGBA for three or four channels (a copy).
func FromPixels(pix []byte, h, w, c int) (image.Image, error) {
	if h <= 0 || w <= 0 || len(pix) != h*w*c {
		return nil, fmt.Errorf("%w: %d bytes of pixels for %dx%dx%d", ErrCorrupt, len(pix), h, w, c)
	}
	switch c {
	case 1:
		return &image.Gray{Pix: pix, Stride: w, Rect: image.Rect(0, 0, w, h)}, nil
	case 3, 4:
		img := image.NewNRGBA(image.Rect(0, 0, w, h))
		for i, j := 0, 0; i < len(pix); i, j = i+c, j+4 {
			img.Pix[j], img.Pix[j+1], img.Pix[j+2] = pix[i], pix[i+1], pix[i+2]
			if c == 4 {
				img.Pix[j+3] = pix[i+3]
			} else {
				img.Pix[j+3] = 0xff
			}
		}
		return img, nil
	}
	return nil, fmt.Errorf("%w: %d channels", ErrCorrupt, c)
}

// ycbcrToRGB converts a JPEG's YCbCr image to RGB pixels with the same
// arithmetic as color.YCbCrToRGB, computing offsets per row rather than per
// pixel.
func ycbcrToRGB(pix []byte, m *image.YCbCr) {
	b := m.Rect
	// Horizontal and vertical chroma subsampling shifts.
	var hs, vs uint
	switch m.SubsampleRatio {
	case image.YCbCrSubsampleRatio422:
		hs = 1
	case image.YCbCrSubsampleRatio420:
		hs, vs = 1, 1
	case image.YCbCrSubsampleRatio440:
		vs = 1
	case image.YCbCrSubsampleRatio411:
		hs = 2
	case image.YCbCrSubsampleRatio410:
		hs, vs = 2, 1
	}
	// image.YCbCr.COffset divides, rounding toward zero; shifts agree for
	// the non-negative coordinates of decoded images.
	cdiv := func(v int, s uint) int {
		if v < 0 {
			return v / (1 << s)
		}
		return v >> s
	}
	i := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		yRow := m.Y[(y-b.Min.Y)*m.YStride:]
		cOff := (cdiv(y, vs) - cdiv(b.Min.Y, vs)) * m.CStride
		cbRow, crRow := m.Cb[cOff:], m.Cr[cOff:]
		cx0 := cdiv(b.Min.X, hs)
		for x := b.Min.X; x < b.Max.X; x++ {
			cx := cdiv(x, hs) - cx0
			yy1 := int32(yRow[x-b.Min.X]) * 0x10101
			cb1 := int32(cbRow[cx]) - 128
			cr1 := int32(crRow[cx]) - 128
			r := yy1 + 91881*cr1
			if uint32(r)&0xff000000 == 0 {
				r >>= 16
			} else {
				r = ^(r >> 31)
			}
			g := yy1 - 22554*cb1 - 46802*cr1
			if uint32(g)&0xff000000 == 0 {
				g >>= 16
			} else {
				g = ^(g >> 31)
			}
			bb := yy1 + 116130*cb1
			if uint32(bb)&0xff000000 == 0 {
				bb >>= 16
			} else {
				bb = ^(bb >> 31)
			}
			pix[i], pix[i+1], pix[i+2] = uint8(r), uint8(g), uint8(bb)
			i += 3
		}
	}
}

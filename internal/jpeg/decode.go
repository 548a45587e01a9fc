package jpeg

import (
	"bytes"
	"image"
	"image/color"
	"io"
	"sync"

	"github.com/cnnpipe/cnnpipe/internal/pixel"
)

// Decode reads a JPEG image from r. It accepts what image/jpeg.Decode
// accepts, fails where it fails, and returns the same pixels; only the
// image type differs for YCbCr images, which come back as *image.NRGBA
// (converted as color.YCbCrToRGB converts, with chroma taken from the
// sample image.YCbCr.COffset picks). Gray images are *image.Gray, Adobe
// RGB images *image.RGBA and CMYK/YCCK images *image.CMYK, as with
// image/jpeg. Every returned image has its Rect at the origin.
func Decode(r io.Reader) (image.Image, error) {
	d := decoders.Get().(*decoder)
	defer d.release()
	return d.decode(r, false)
}

// DecodeBytes is Decode on an in-memory file.
func DecodeBytes(data []byte) (image.Image, error) {
	return Decode(bytes.NewReader(data))
}

// DecodeNRGBA decodes a whole in-memory JPEG file to an *image.NRGBA with
// its Rect at the origin and Stride 4*width, as loaders.Decoder's
// DecodeNRGBA specifies: the pixels are those of Decode's image converted
// as pipeline.ToNRGBA converts them (YCbCr as Decode does, gray as R=G=B,
// others through image/draw), and it fails exactly when Decode fails. The
// image comes from alloc(width, height) when alloc is not nil (its pixels
// may hold anything: all are overwritten), else from image.NewNRGBA. It is
// safe for concurrent use.
func DecodeNRGBA(data []byte, alloc func(w, h int) *image.NRGBA) (*image.NRGBA, error) {
	d := decoders.Get().(*decoder)
	defer d.release()
	d.alloc = alloc
	img, err := d.decode(bytes.NewReader(data), false)
	if err != nil {
		return nil, err
	}
	if m, ok := img.(*image.NRGBA); ok {
		return m, nil // YCbCr, converted by toNRGBA into alloc's image
	}
	b := img.Bounds() // gray, RGB or CMYK: converted as the pipeline converts
	return pixel.ToNRGBA(img, newNRGBA(alloc, b.Dx(), b.Dy())), nil
}

// newNRGBA returns a w×h image at the origin with Stride 4*w from alloc,
// or a new one when alloc is nil or gives another shape.
func newNRGBA(alloc func(w, h int) *image.NRGBA, w, h int) *image.NRGBA {
	if alloc != nil {
		if m := alloc(w, h); m != nil && m.Rect == image.Rect(0, 0, w, h) && m.Stride == 4*w && len(m.Pix) >= 4*w*h {
			return m
		}
	}
	return image.NewNRGBA(image.Rect(0, 0, w, h))
}

// DecodeConfig returns the color model and dimensions of a JPEG image
// without decoding the entire image, exactly as image/jpeg.DecodeConfig
// does. Call it first to bound the memory an untrusted file can claim.
func DecodeConfig(r io.Reader) (image.Config, error) {
	d := decoders.Get().(*decoder)
	defer d.release()
	if _, err := d.decode(r, true); err != nil {
		return image.Config{}, err
	}
	switch d.nComp {
	case 1:
		return image.Config{ColorModel: color.GrayModel, Width: d.width, Height: d.height}, nil
	case 3:
		cm := color.YCbCrModel
		if d.isRGB() {
			cm = color.RGBAModel
		}
		return image.Config{ColorModel: cm, Width: d.width, Height: d.height}, nil
	case 4:
		return image.Config{ColorModel: color.CMYKModel, Width: d.width, Height: d.height}, nil
	}
	return image.Config{}, FormatError("missing SOF marker")
}

// decoders pools decoder values (about 15 kB of tables and buffer each).
var decoders = sync.Pool{New: func() any { return new(decoder) }}

// release returns d's planes and d itself to their pools, reset.
func (d *decoder) release() {
	if d.planes != nil {
		putPlanes(d.planes)
	}
	*d = decoder{}
	decoders.Put(d)
}

// maxPooledPlanes is the largest plane buffer kept for reuse (a 4096x4096
// 4:4:4 image); larger ones are left to the garbage collector.
const maxPooledPlanes = 3 << 24

var planePool sync.Pool // of *[]byte

// getPlanes returns a zeroed buffer of n bytes.
func getPlanes(n int) *[]byte {
	if p, ok := planePool.Get().(*[]byte); ok {
		if cap(*p) >= n {
			*p = (*p)[:n]
			clear(*p)
			return p
		}
	}
	b := make([]byte, n)
	return &b
}

func putPlanes(p *[]byte) {
	if cap(*p) <= maxPooledPlanes {
		planePool.Put(p)
	}
}

// toNRGBA converts d.img3 to an *image.NRGBA from d.alloc (or new), with the arithmetic of
// color.YCbCrToRGB and the chroma sample of image.YCbCr.COffset.
func (d *decoder) toNRGBA() *image.NRGBA {
	m := d.img3
	w, h := m.Rect.Dx(), m.Rect.Dy()
	dst := newNRGBA(d.alloc, w, h)
	hs, vs := subsampleShifts(m.SubsampleRatio)
	for y := 0; y < h; y++ {
		yo := y * m.YStride
		co := (y >> vs) * m.CStride
		nc := (w-1)>>hs + 1
		pixel.YCbCrRow(dst.Pix[y*dst.Stride:y*dst.Stride+4*w], m.Y[yo:yo+w], m.Cb[co:co+nc], m.Cr[co:co+nc], hs)
	}
	return dst
}

// subsampleShifts returns the horizontal and vertical chroma shifts of r.
func subsampleShifts(r image.YCbCrSubsampleRatio) (hs, vs uint) {
	switch r {
	case image.YCbCrSubsampleRatio422:
		return 1, 0
	case image.YCbCrSubsampleRatio420:
		return 1, 1
	case image.YCbCrSubsampleRatio440:
		return 0, 1
	case image.YCbCrSubsampleRatio411:
		return 2, 0
	case image.YCbCrSubsampleRatio410:
		return 2, 1
	}
	return 0, 0
}

// drawYCbCr converts src (Rect at the origin) into dst, which has the same
// size, as image/internal/imageutil.DrawYCbCr does for image/jpeg (the
// alpha bytes are left for the caller).
func drawYCbCr(dst *image.RGBA, src *image.YCbCr) {
	w, h := src.Rect.Dx(), src.Rect.Dy()
	hs, vs := subsampleShifts(src.SubsampleRatio)
	nc := (w-1)>>hs + 1
	for y := 0; y < h; y++ {
		yo := y * src.YStride
		co := (y >> vs) * src.CStride
		pixel.YCbCrRow(dst.Pix[y*dst.Stride:y*dst.Stride+4*w], src.Y[yo:yo+w], src.Cb[co:co+nc], src.Cr[co:co+nc], hs)
	}
}

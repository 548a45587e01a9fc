package png

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/adler32"
	"hash/crc32"
	"image"
	"sync"
)

// A FormatError reports that the input is not a valid PNG.
type FormatError string

func (e FormatError) Error() string { return "png: invalid format: " + string(e) }

// An UnsupportedError reports that the input uses a valid but
// unimplemented PNG feature (image/png's own errors are returned as they
// are for the formats it decodes).
type UnsupportedError string

func (e UnsupportedError) Error() string { return "png: unsupported feature: " + string(e) }

const pngHeader = "\x89PNG\r\n\x1a\n"

// Colour types, as per the PNG specification.
const (
	ctGray      = 0
	ctTrueColor = 2
	ctPaletted  = 3
	ctGrayAlpha = 4
	ctRGBA      = 6
)

// Decoding stages: IHDR, PLTE (if present), tRNS (if present), IDAT and
// IEND must appear in this order, as image/png enforces it.
const (
	dsStart = iota
	dsSeenIHDR
	dsSeenPLTE
	dsSeentRNS
	dsSeenIDAT
	dsSeenIEND
)

// zlibBlock is the size of the reads that image/png's zlib reader makes
// (through a default bufio.Reader) from the IDAT chunks. It decides which
// bytes after the end of the zlib stream image/png notices; see
// checkTrailing.
const zlibBlock = 4096

// maxKeptRows is the largest inflated image a Decoder keeps its buffer
// for between calls.
const maxKeptRows = 4 << 20

// maxKeptIDAT is the largest concatenation buffer (for images split into
// several IDAT chunks) a Decoder keeps between calls.
const maxKeptIDAT = 1 << 20

// info is what the chunk scan learns about a file.
type info struct {
	width, height int
	depth         int
	colorType     int
	interlace     int
	// nPLTE is the number of palette entries; plte holds them as RGB.
	nPLTE int
	plte  [3 * 256]byte
	// nTRNS is the length of a paletted image's tRNS chunk.
	nTRNS int
	trns  [256]byte
	// useTransparent and transparent are gray and truecolor transparency.
	useTransparent bool
	transparent    [6]byte
	// chunks are the payloads of the first run of consecutive IDAT chunks,
	// as offsets into the file.
	chunks []span
}

type span struct{ off, n int }

// paletted reports whether the colour type is paletted.
func (in *info) paletted() bool { return in.colorType == ctPaletted }

// fast reports whether the image takes the fast path.
func (in *info) fast() bool { return in.depth == 8 && in.interlace == 0 }

// bytesPerPixel of an 8-bit image.
func (in *info) bytesPerPixel() int {
	switch in.colorType {
	case ctGrayAlpha:
		return 2
	case ctTrueColor:
		return 3
	case ctRGBA:
		return 4
	}
	return 1
}

// A Decoder decodes PNG images, keeping its inflate tables, checksum and
// buffers between calls. The zero value is ready to use. A Decoder is not
// safe for concurrent use; the package-level [Decode] keeps a pool of
// them.
type Decoder struct {
	in    info
	inf   inflater
	adler hash.Hash32
	idat  []byte // concatenated IDAT payloads when there are several
	rows  []byte // the inflated image
	prev  []byte // a row of zeros: the one above the first
	lut   [256][4]byte
}

var decoders = sync.Pool{New: func() any { return new(Decoder) }}

// Decode decodes the PNG file data to an *image.NRGBA with its Rect at the
// origin and Stride 4*width, using a pooled [Decoder]. See
// [Decoder.Decode].
func Decode(data []byte, alloc func(w, h int) *image.NRGBA) (*image.NRGBA, error) {
	d := decoders.Get().(*Decoder)
	img, err := d.Decode(data, alloc)
	decoders.Put(d)
	return img, err
}

// Decode decodes the PNG file data (the whole file) to an *image.NRGBA
// with its Rect at the origin and Stride 4*width. The image comes from
// alloc(width, height), called once the chunks have been checked; it must
// return an image of that size at the origin with Stride 4*width, whose
// pixels Decode overwrites all of. A nil alloc, or an image of another
// shape, means image.NewNRGBA. On error the image from alloc may have been
// partly written.
//
// The pixels equal image/png's result converted as pipeline.ToNRGBA does,
// and Decode fails exactly when image/png fails (with errors that may be
// worded differently).
func (d *Decoder) Decode(data []byte, alloc func(w, h int) *image.NRGBA) (*image.NRGBA, error) {
	if err := d.in.scan(data); err != nil {
		return nil, err
	}
	in := &d.in
	// Deflate expands at most 1032-fold: refuse a header that claims more
	// pixels than the IDAT chunks can hold before allocating for them.
	idat := 0
	for _, c := range in.chunks {
		idat += c.n
	}
	bits := uint64(in.depth)
	switch in.colorType {
	case ctTrueColor:
		bits *= 3
	case ctGrayAlpha:
		bits *= 2
	case ctRGBA:
		bits *= 4
	}
	if need := (uint64(in.width)*uint64(in.height)*bits + 7) / 8; need > 1032*uint64(idat)+64 {
		return nil, FormatError(fmt.Sprintf("not enough pixel data: %d bytes of IDAT cannot hold the %d bytes of a %dx%d image", idat, need, in.width, in.height))
	}
	if !in.fast() {
		return decodeFallback(data, in.width, in.height, alloc)
	}
	bpp := in.bytesPerPixel()
	rowSize := 1 + bpp*in.width
	if n := 4 * in.width * in.height; n/4/in.width != in.height || rowSize <= 1 {
		return nil, UnsupportedError("dimension overflow")
	}
	stream, err := d.stream(data)
	if err != nil {
		return nil, err
	}
	img := newImage(in.width, in.height, alloc)
	if err := d.pixels(stream, img, rowSize, bpp); err != nil {
		return nil, err
	}
	return img, nil
}

// newImage returns alloc's image if it has the right shape.
func newImage(w, h int, alloc func(w, h int) *image.NRGBA) *image.NRGBA {
	if alloc != nil {
		m := alloc(w, h)
		if m != nil && m.Rect == image.Rect(0, 0, w, h) && m.Stride == 4*w && len(m.Pix) >= 4*w*h {
			return m
		}
	}
	return image.NewNRGBA(image.Rect(0, 0, w, h))
}

// stream returns the zlib stream: the payloads of the IDAT run, copied
// together only if there are several.
func (d *Decoder) stream(data []byte) ([]byte, error) {
	ch := d.in.chunks
	if len(ch) == 1 {
		return data[ch[0].off : ch[0].off+ch[0].n], nil
	}
	if cap(d.idat) > maxKeptIDAT {
		d.idat = nil
	}
	s := d.idat[:0]
	for _, c := range ch {
		s = append(s, data[c.off:c.off+c.n]...)
	}
	d.idat = s
	return s, nil
}

// pixels inflates, unfilters and converts the rows of a fast-path image.
func (d *Decoder) pixels(stream []byte, img *image.NRGBA, rowSize, bpp int) error {
	in := &d.in
	// The zlib header, checked as compress/zlib checks it.
	if len(stream) < 2 {
		return FormatError("not enough pixel data (no zlib header)")
	}
	cmf, flg := stream[0], stream[1]
	if cmf&0x0f != 8 || cmf>>4 > 7 || (uint(cmf)<<8|uint(flg))%31 != 0 {
		return FormatError("zlib: invalid header")
	}
	start := 2
	if flg&0x20 != 0 {
		// A preset dictionary: compress/zlib accepts only the empty one.
		if len(stream) < 6 {
			return FormatError("not enough pixel data (zlib dictionary id)")
		}
		if binary.BigEndian.Uint32(stream[2:]) != 1 {
			return FormatError("zlib: invalid dictionary")
		}
		start = 6
	}
	if d.adler == nil {
		d.adler = adler32.New()
	}
	if in.paletted() {
		d.paletteLUT()
	}
	w, h := in.width, in.height
	need := h * rowSize
	if cap(d.rows) < need {
		d.rows = make([]byte, need)
	}
	raw := d.rows[:need]
	if cap(d.rows) > maxKeptRows {
		d.rows = nil
	}
	used, err := d.inf.inflate(raw, stream[start:])
	switch err {
	case nil:
	case errShortData, errInflateEOF:
		return FormatError("not enough pixel data")
	case errInflateLong:
		return FormatError("too much pixel data")
	default:
		return FormatError(err.Error())
	}
	end := start + used
	if len(stream)-end < 4 {
		return FormatError("not enough pixel data (zlib checksum)")
	}
	d.adler.Reset()
	d.adler.Write(raw)
	if binary.BigEndian.Uint32(stream[end:]) != d.adler.Sum32() {
		return FormatError("zlib: invalid checksum")
	}
	if err := d.checkTrailing(end + 4); err != nil {
		return err
	}

	if cap(d.prev) < rowSize {
		d.prev = make([]byte, rowSize)
	}
	prev := d.prev[:rowSize]
	clear(prev)
	for y := 0; y < h; y++ {
		cur := raw[y*rowSize : (y+1)*rowSize]
		if err := unfilter(cur, prev, bpp); err != nil {
			return FormatError(fmt.Sprintf("%s in row %d", err, y))
		}
		o := y * img.Stride
		d.convert(img.Pix[o:o+4*w], cur[1:])
		prev = cur
	}
	return nil
}

// checkTrailing refuses bytes after the end of the zlib stream (at
// offset end of the concatenated IDAT payloads) that image/png refuses.
// image/png reads the IDAT payloads through a bufio.Reader in reads of
// zlibBlock bytes that never cross a chunk boundary, and only reports
// "too much pixel data" when the chunk where the stream ends has bytes
// left after the last such read; bytes inside that read, and whole IDAT
// chunks after it, are ignored.
func (d *Decoder) checkTrailing(end int) error {
	off := 0
	for _, c := range d.in.chunks {
		if end <= off+c.n && c.n > 0 {
			last := end - 1 - off // the stream's last byte within this chunk
			if min((last/zlibBlock+1)*zlibBlock, c.n) != c.n {
				return FormatError("too much pixel data")
			}
			return nil
		}
		off += c.n
	}
	return nil
}

// paletteLUT fills d.lut with the NRGBA bytes of every palette index as
// pipeline.ToNRGBA converts image/png's *image.Paletted: entries with a
// tRNS alpha are color.NRGBA and kept exactly; the others (including
// indexes past the palette) are opaque.
func (d *Decoder) paletteLUT() {
	in := &d.in
	for i := 0; i < 256; i++ {
		var r, g, b uint8
		if i < in.nPLTE {
			r, g, b = in.plte[3*i], in.plte[3*i+1], in.plte[3*i+2]
		}
		a := uint8(0xff)
		if i < in.nTRNS {
			a = in.trns[i]
		}
		d.lut[i] = [4]byte{r, g, b, a}
	}
}

// convert writes one unfiltered row of samples as NRGBA pixels.
func (d *Decoder) convert(dst, src []byte) {
	in := &d.in
	switch in.colorType {
	case ctGray:
		if in.useTransparent {
			ty := in.transparent[1]
			for x, v := range src {
				p := dst[4*x : 4*x+4 : 4*x+4]
				a := uint8(0xff)
				if v == ty {
					a = 0
				}
				p[0], p[1], p[2], p[3] = v, v, v, a
			}
			return
		}
		grayRow(dst, src)
	case ctGrayAlpha:
		for x := 0; 2*x+1 < len(src); x++ {
			v, a := src[2*x], src[2*x+1]
			p := dst[4*x : 4*x+4 : 4*x+4]
			p[0], p[1], p[2], p[3] = v, v, v, a
		}
	case ctTrueColor:
		if in.useTransparent {
			tr, tg, tb := in.transparent[1], in.transparent[3], in.transparent[5]
			for x := 0; 3*x+2 < len(src); x++ {
				s := src[3*x : 3*x+3 : 3*x+3]
				p := dst[4*x : 4*x+4 : 4*x+4]
				a := uint8(0xff)
				if s[0] == tr && s[1] == tg && s[2] == tb {
					a = 0
				}
				p[0], p[1], p[2], p[3] = s[0], s[1], s[2], a
			}
			return
		}
		rgbRow(dst, src)
	case ctPaletted:
		for x, v := range src {
			*(*[4]byte)(dst[4*x : 4*x+4]) = d.lut[v]
		}
	case ctRGBA:
		copy(dst, src)
	}
}

// grayRow expands gray samples to opaque NRGBA pixels, two pixels per
// 64-bit multiply (v*0x010101 copies a byte to three lanes without
// carries) and eight per iteration on fixed-size arrays.
func grayRow(dst, src []byte) {
	n := len(src)
	dst = dst[:4*n]
	const alpha = 0xff000000ff000000
	x := 0
	for ; x+8 <= n; x += 8 {
		s := (*[8]byte)(src[x : x+8])
		d := (*[32]byte)(dst[4*x : 4*x+32])
		binary.LittleEndian.PutUint64(d[0:8], (uint64(s[0])|uint64(s[1])<<32)*0x010101|alpha)
		binary.LittleEndian.PutUint64(d[8:16], (uint64(s[2])|uint64(s[3])<<32)*0x010101|alpha)
		binary.LittleEndian.PutUint64(d[16:24], (uint64(s[4])|uint64(s[5])<<32)*0x010101|alpha)
		binary.LittleEndian.PutUint64(d[24:32], (uint64(s[6])|uint64(s[7])<<32)*0x010101|alpha)
	}
	for ; x < n; x++ {
		binary.LittleEndian.PutUint32(dst[4*x:], uint32(src[x])*0x010101|0xff000000)
	}
}

// rgbRow expands RGB samples to opaque NRGBA pixels.
func rgbRow(dst, src []byte) {
	n := len(src) / 3
	dst = dst[:4*n]
	for x := 0; x < n; x++ {
		s := src[3*x : 3*x+3 : 3*x+3]
		p := dst[4*x : 4*x+4 : 4*x+4]
		p[0], p[1], p[2], p[3] = s[0], s[1], s[2], 0xff
	}
}

// errShort is returned by scan for a file that ends early.
var errShort = errors.New("unexpected end of file")

// scan checks the signature and every chunk up to IEND (lengths, CRCs,
// order and the contents of IHDR, PLTE and tRNS) as image/png does, and
// records the IDAT run.
func (in *info) scan(data []byte) error {
	chunks := in.chunks[:0]
	*in = info{}
	if len(data) < len(pngHeader) {
		return FormatError("not a PNG file (too short)")
	}
	if string(data[:len(pngHeader)]) != pngHeader {
		return FormatError("not a PNG file")
	}
	stage := dsStart
	inRun := false // the previous chunk belongs to the first IDAT run
	pos := len(pngHeader)
	for stage != dsSeenIEND {
		if len(data)-pos < 8 {
			return FormatError(fmt.Sprintf("truncated: %s at byte %d", describeEnd(stage), pos))
		}
		length := binary.BigEndian.Uint32(data[pos:])
		typ := data[pos+4 : pos+8]
		body := pos + 8
		if uint64(length) > uint64(len(data)-body) || len(data)-body-int(length) < 4 {
			return FormatError(fmt.Sprintf("truncated: %q chunk at byte %d claims %d bytes", typ, pos, length))
		}
		payload := data[body : body+int(length)]
		end := body + int(length) + 4
		if binary.BigEndian.Uint32(data[body+int(length):]) != crc32.ChecksumIEEE(data[pos+4:body+int(length)]) {
			return FormatError(fmt.Sprintf("invalid checksum of %q chunk at byte %d", typ, pos))
		}
		wasRun := inRun
		inRun = false
		switch string(typ) {
		case "IHDR":
			if stage != dsStart {
				return FormatError("chunk out of order: IHDR")
			}
			stage = dsSeenIHDR
			if err := in.parseIHDR(payload); err != nil {
				return err
			}
		case "PLTE":
			if stage != dsSeenIHDR {
				return FormatError("chunk out of order: PLTE")
			}
			stage = dsSeenPLTE
			if err := in.parsePLTE(payload); err != nil {
				return err
			}
		case "tRNS":
			switch {
			case in.paletted():
				if stage != dsSeenPLTE {
					return FormatError("chunk out of order: tRNS")
				}
			case in.colorType == ctTrueColor:
				if stage != dsSeenIHDR && stage != dsSeenPLTE {
					return FormatError("chunk out of order: tRNS")
				}
			default:
				if stage != dsSeenIHDR {
					return FormatError("chunk out of order: tRNS")
				}
			}
			stage = dsSeentRNS
			if err := in.parsetRNS(payload); err != nil {
				return err
			}
		case "IDAT":
			if stage < dsSeenIHDR || stage > dsSeenIDAT || (stage == dsSeenIHDR && in.paletted()) {
				return FormatError("chunk out of order: IDAT")
			}
			if stage != dsSeenIDAT || wasRun {
				chunks = append(chunks, span{body, int(length)})
				inRun = true
			} else if length > 0x7fffffff {
				return FormatError(fmt.Sprintf("bad chunk length: %d", length))
			}
			stage = dsSeenIDAT
		case "IEND":
			if stage != dsSeenIDAT {
				return FormatError("chunk out of order: IEND")
			}
			if length != 0 {
				return FormatError("bad IEND length")
			}
			stage = dsSeenIEND
		default:
			if length > 0x7fffffff {
				return FormatError(fmt.Sprintf("bad chunk length: %d", length))
			}
		}
		pos = end
	}
	in.chunks = chunks
	return nil
}

// describeEnd names what a file that ends at a given stage lacks.
func describeEnd(stage int) string {
	switch stage {
	case dsStart:
		return "no IHDR chunk"
	case dsSeenIDAT:
		return "no IEND chunk"
	}
	return "no IDAT chunk"
}

func (in *info) parseIHDR(p []byte) error {
	if len(p) != 13 {
		return FormatError("bad IHDR length")
	}
	if p[10] != 0 {
		return UnsupportedError("compression method")
	}
	if p[11] != 0 {
		return UnsupportedError("filter method")
	}
	if p[12] > 1 {
		return FormatError("invalid interlace method")
	}
	in.interlace = int(p[12])
	w := int32(binary.BigEndian.Uint32(p[0:4]))
	h := int32(binary.BigEndian.Uint32(p[4:8]))
	if w <= 0 || h <= 0 {
		return FormatError("non-positive dimension")
	}
	if n := int64(w) * int64(h); n != int64(int(n)) || int(n) != int(n)*8/8 {
		return UnsupportedError("dimension overflow")
	}
	depth, ct := int(p[8]), int(p[9])
	ok := false
	switch depth {
	case 1, 2, 4:
		ok = ct == ctGray || ct == ctPaletted
	case 8:
		ok = ct == ctGray || ct == ctTrueColor || ct == ctPaletted || ct == ctGrayAlpha || ct == ctRGBA
	case 16:
		ok = ct == ctGray || ct == ctTrueColor || ct == ctGrayAlpha || ct == ctRGBA
	}
	if !ok {
		return UnsupportedError(fmt.Sprintf("bit depth %d, color type %d", depth, ct))
	}
	in.width, in.height, in.depth, in.colorType = int(w), int(h), depth, ct
	return nil
}

func (in *info) parsePLTE(p []byte) error {
	np := len(p) / 3
	if len(p)%3 != 0 || np <= 0 || np > 256 || np > 1<<uint(in.depth) {
		return FormatError("bad PLTE length")
	}
	switch in.colorType {
	case ctPaletted:
		in.nPLTE = np
		copy(in.plte[:], p)
	case ctTrueColor, ctRGBA:
		// Optional and ignorable for truecolor images.
	default:
		return FormatError("PLTE, color type mismatch")
	}
	return nil
}

func (in *info) parsetRNS(p []byte) error {
	switch in.colorType {
	case ctGray:
		if len(p) != 2 {
			return FormatError("bad tRNS length")
		}
		copy(in.transparent[:], p)
		switch in.depth {
		case 1:
			in.transparent[1] *= 0xff
		case 2:
			in.transparent[1] *= 0x55
		case 4:
			in.transparent[1] *= 0x11
		}
		in.useTransparent = true
	case ctTrueColor:
		if len(p) != 6 {
			return FormatError("bad tRNS length")
		}
		copy(in.transparent[:], p)
		in.useTransparent = true
	case ctPaletted:
		if len(p) > 256 {
			return FormatError("bad tRNS length")
		}
		in.nTRNS = len(p)
		copy(in.trns[:], p)
	default:
		return FormatError("tRNS, color type mismatch")
	}
	return nil
}

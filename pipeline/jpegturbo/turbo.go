//go:build cgo && jpegturbo

package jpegturbo

/*
#cgo LDFLAGS: -ljpeg
#include <stdio.h>
#include <stdlib.h>
#include <setjmp.h>
#include <jpeglib.h>

struct cnnpipe_errmgr {
	struct jpeg_error_mgr pub;
	jmp_buf jb;
	char msg[JMSG_LENGTH_MAX];
};

static void cnnpipe_on_error(j_common_ptr c) {
	struct cnnpipe_errmgr *e = (struct cnnpipe_errmgr *)c->err;
	(*c->err->format_message)(c, e->msg);
	longjmp(e->jb, 1);
}

// Warnings (corrupt or truncated data that libjpeg would paper over) are
// turned into errors, as image/jpeg reports them.
static void cnnpipe_on_message(j_common_ptr c, int level) {
	if (level < 0) {
		cnnpipe_on_error(c);
	}
}

// cnnpipe_decode_rgbx decodes n bytes at src into dst, w*h*4 bytes of RGBX
// (X = 255). It returns 0, or 1 with a message in msg.
static int cnnpipe_decode_rgbx(const unsigned char *src, unsigned long n, unsigned char *dst, int w, int h, char *msg) {
	struct jpeg_decompress_struct d;
	struct cnnpipe_errmgr e;
	d.err = jpeg_std_error(&e.pub);
	e.pub.error_exit = cnnpipe_on_error;
	e.pub.emit_message = cnnpipe_on_message;
	if (setjmp(e.jb)) {
		snprintf(msg, JMSG_LENGTH_MAX, "%s", e.msg);
		jpeg_destroy_decompress(&d);
		return 1;
	}
	jpeg_create_decompress(&d);
	jpeg_mem_src(&d, src, n);
	jpeg_read_header(&d, TRUE);
	d.out_color_space = JCS_EXT_RGBX;
	jpeg_start_decompress(&d);
	if ((int)d.output_width != w || (int)d.output_height != h) {
		snprintf(msg, JMSG_LENGTH_MAX, "decoded size %ux%u differs from the header's %dx%d", d.output_width, d.output_height, w, h);
		jpeg_destroy_decompress(&d);
		return 1;
	}
	while (d.output_scanline < d.output_height) {
		JSAMPROW row = dst + (size_t)d.output_scanline * (size_t)w * 4;
		jpeg_read_scanlines(&d, &row, 1);
	}
	jpeg_finish_decompress(&d);
	jpeg_destroy_decompress(&d);
	return 0;
}
*/
import "C"

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"io"
	"unsafe"

	"github.com/cnnpipe/cnnpipe/loaders"
)

// Available reports whether the libjpeg-turbo decoder is built in.
const Available = true

// Decoder returns a loaders.Decoder named "jpeg" that decodes with
// libjpeg-turbo into *image.NRGBA. Register it with loaders.RegisterDecoder
// to replace the standard library's decoder everywhere.
func Decoder() (loaders.Decoder, error) {
	return loaders.Decoder{
		Name:         "jpeg",
		Magic:        []string{"\xff\xd8"},
		Extensions:   []string{".jpg", ".jpeg"},
		DecodeConfig: jpeg.DecodeConfig,
		Decode:       decodeReader,
	}, nil
}

func decodeReader(r io.Reader) (image.Image, error) {
	var data []byte
	if br, ok := r.(*bytes.Reader); ok && br.Len() > 0 {
		data = make([]byte, br.Len())
		if _, err := io.ReadFull(br, data); err != nil {
			return nil, err
		}
	} else {
		var err error
		if data, err = io.ReadAll(r); err != nil {
			return nil, err
		}
	}
	return Decode(data)
}

// Decode decodes a JPEG image held in data.
func Decode(data []byte) (*image.NRGBA, error) {
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("jpegturbo: %w", err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, fmt.Errorf("jpegturbo: image size %dx%d", cfg.Width, cfg.Height)
	}
	img := image.NewNRGBA(image.Rect(0, 0, cfg.Width, cfg.Height))
	if err := DecodeInto(data, img); err != nil {
		return nil, err
	}
	return img, nil
}

// DecodeInto decodes a JPEG image held in data into dst, whose size must
// be the image's and whose Stride must be 4 times its width.
func DecodeInto(data []byte, dst *image.NRGBA) error {
	w, h := dst.Rect.Dx(), dst.Rect.Dy()
	if len(data) == 0 || dst.Stride != 4*w || len(dst.Pix) < 4*w*h || w <= 0 || h <= 0 {
		return fmt.Errorf("jpegturbo: bad arguments: %d bytes into a %dx%d image with stride %d", len(data), w, h, dst.Stride)
	}
	var msg [C.JMSG_LENGTH_MAX]C.char
	if C.cnnpipe_decode_rgbx((*C.uchar)(unsafe.Pointer(&data[0])), C.ulong(len(data)),
		(*C.uchar)(unsafe.Pointer(&dst.Pix[0])), C.int(w), C.int(h), &msg[0]) != 0 {
		return fmt.Errorf("jpegturbo: %s", C.GoString(&msg[0]))
	}
	return nil
}

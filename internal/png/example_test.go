package png_test

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	stdpng "image/png"

	"github.com/cnnpipe/cnnpipe/internal/png"
)

// Decode a gray PNG into a caller-owned RGBA buffer: gray becomes R=G=B
// with alpha 255.
func ExampleDecoder_Decode() {
	gray := image.NewGray(image.Rect(0, 0, 3, 2))
	gray.SetGray(1, 0, color.Gray{200})
	var file bytes.Buffer
	stdpng.Encode(&file, gray)

	buf := image.NewNRGBA(image.Rect(0, 0, 3, 2)) // e.g. from a pool
	var d png.Decoder
	img, err := d.Decode(file.Bytes(), func(w, h int) *image.NRGBA { return buf })
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(img == buf, img.Rect, img.Pix[4:8])
	// Output: true (0,0)-(3,2) [200 200 200 255]
}

package jpeg_test

import (
	"bytes"
	"fmt"
	"log"
	"os"

	"github.com/cnnpipe/cnnpipe/internal/jpeg"
)

// Decode a JPEG after checking its size with DecodeConfig: a YCbCr file
// comes back as an *image.NRGBA.
func ExampleDecode() {
	data, err := os.ReadFile("testdata/video-001.q50.420.jpeg")
	if err != nil {
		log.Fatal(err)
	}
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		log.Fatal(err)
	}
	if cfg.Width*cfg.Height > 1<<24 {
		log.Fatal("too large")
	}
	img, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%T %v\n", img, img.Bounds())
	// Output: *image.NRGBA (0,0)-(150,103)
}

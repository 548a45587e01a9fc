package expand_test

import (
	"bytes"
	"fmt"
	"image"
	"image/png"

	"github.com/cnnpipe/cnnpipe/expand"
	"github.com/cnnpipe/cnnpipe/loaders"
)

// ExampleRender computes one output of the job from one sample, the way a
// distributed executor would: the result depends only on its arguments.
func ExampleRender() {
	var buf bytes.Buffer
	png.Encode(&buf, image.NewGray(image.Rect(0, 0, 64, 48)))
	s := &loaders.Sample{Index: 5, Path: "cat/005.png", Class: "cat", Format: "png", Data: buf.Bytes()}
	cfg := &expand.Config{Ops: "ccrop size=32; hflip p=1", Copies: 4, Seed: 1}
	out, err := expand.Render(s, 2, cfg)
	if err != nil {
		fmt.Println(err)
		return
	}
	img, _ := png.Decode(bytes.NewReader(out.Data))
	fmt.Println(out.Path, img.Bounds().Size(), out.Row.Copy, out.Row.Params)
	// Output:
	// cat/005_002.png (32,32) 2 ccrop x=16 y=8; hflip
}

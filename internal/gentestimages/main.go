// Command gentestimages writes the small folder dataset in testdata/images:
// three classes of 32x32 pictures (circle, square, triangle), ten images
// each, alternating PNG and JPEG, drawn deterministically from a fixed seed.
// Run it with "go generate ./loaders" (see loaders/generate.go).
package main

import (
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"log"
	"math/rand/v2"
	"os"
	"path/filepath"
)

const size = 32

var classes = []string{"circle", "square", "triangle"}

func inside(class string, x, y, cx, cy, r float64) bool {
	dx, dy := x-cx, y-cy
	switch class {
	case "circle":
		return dx*dx+dy*dy <= r*r
	case "square":
		return dx >= -r && dx <= r && dy >= -r && dy <= r
	default: // triangle pointing up
		return dy <= r && dy >= -r && 2*dx <= dy+r && -2*dx <= dy+r
	}
}

func draw(class string, rng *rand.Rand) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	bg := color.NRGBA{uint8(rng.IntN(64)), uint8(rng.IntN(64)), uint8(rng.IntN(64)), 255}
	fg := color.NRGBA{uint8(128 + rng.IntN(128)), uint8(128 + rng.IntN(128)), uint8(128 + rng.IntN(128)), 255}
	r := 6 + rng.Float64()*6
	cx := r + rng.Float64()*(size-2*r)
	cy := r + rng.Float64()*(size-2*r)
	for y := 0; y < size; y++ {
		for x := 0; x < size; x++ {
			c := bg
			if inside(class, float64(x)+0.5, float64(y)+0.5, cx, cy, r) {
				c = fg
			}
			img.SetNRGBA(x, y, c)
		}
	}
	return img
}

func main() {
	out := flag.String("out", ".", "output directory")
	perClass := flag.Int("n", 10, "images per class")
	flag.Parse()
	rng := rand.New(rand.NewPCG(2026, 11))
	for _, class := range classes {
		dir := filepath.Join(*out, class)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			log.Fatal(err)
		}
		for i := 0; i < *perClass; i++ {
			img := draw(class, rng)
			ext := ".png"
			if i%2 == 1 {
				ext = ".jpg"
			}
			f, err := os.Create(filepath.Join(dir, fmt.Sprintf("%s_%02d%s", class, i, ext)))
			if err != nil {
				log.Fatal(err)
			}
			if ext == ".png" {
				err = png.Encode(f, img)
			} else {
				err = jpeg.Encode(f, img, &jpeg.Options{Quality: 90})
			}
			if e := f.Close(); err == nil {
				err = e
			}
			if err != nil {
				log.Fatal(err)
			}
		}
	}
}

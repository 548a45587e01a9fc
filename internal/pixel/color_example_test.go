package pixel_test

import (
	"fmt"

	"github.com/cnnpipe/cnnpipe/internal/pixel"
)

// A row of two pixels, pure red and a half-transparent orange, has its
// hue turned by a third of the colour circle and its saturation halved.
func ExampleHue() {
	row := []uint8{255, 0, 0, 255, 255, 128, 0, 128}
	pixel.Hue(row, row, pixel.HueShift(1.0/3))
	fmt.Println(row)
	pixel.Saturate(row, row, 65536/2)
	fmt.Println(row)
	// Output:
	// [0 255 0 255 0 255 128 128]
	// [75 203 75 255 82 210 146 128]
}

// Planes converts a row to normalized float32 channel planes, here
// v/255·2 − 1 in [−1, 1].
func ExamplePlanes() {
	row := []uint8{0, 51, 255, 255, 255, 102, 0, 255}
	r, g, b := make([]float32, 2), make([]float32, 2), make([]float32, 2)
	scale := [3]float32{2.0 / 255, 2.0 / 255, 2.0 / 255}
	bias := [3]float32{-1, -1, -1}
	pixel.Planes(r, g, b, row, &scale, &bias)
	fmt.Println(r, g, b)
	// Output:
	// [-1 1] [-0.59999996 -0.19999993] [1 -1]
}

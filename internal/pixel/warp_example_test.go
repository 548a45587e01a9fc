package pixel_test

import (
	"fmt"

	"github.com/cnnpipe/cnnpipe/internal/pixel"
)

// A 3×2 gray ramp (0, 100, 200 on both rows) sampled along its first row
// from x = 0 in steps of three quarters of a pixel: each output lies
// between two taps, weighted by the fraction.
func ExampleWarpBilinear() {
	src := []uint8{
		0, 0, 0, 255, 100, 100, 100, 255, 200, 200, 200, 255,
		0, 0, 0, 255, 100, 100, 100, 255, 200, 200, 200, 255,
	}
	const one = 1 << pixel.WarpBits
	dst := make([]uint8, 4*3)
	pixel.WarpBilinear(dst, src, 12, 0, 0, one*3/4, 0)
	fmt.Println(dst)
	// Output:
	// [0 0 0 255 75 75 75 255 150 150 150 255]
}

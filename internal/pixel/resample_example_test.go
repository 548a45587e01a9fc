package pixel_test

import (
	"fmt"

	"github.com/cnnpipe/cnnpipe/internal/pixel"
)

// Halving a row of four pixels horizontally with a 2-tap box filter (16-bit
// weights of one half each), then averaging two rows vertically.
func ExampleHResample() {
	row := []uint8{
		10, 20, 30, 255, 30, 40, 50, 255,
		0, 0, 0, 255, 255, 255, 255, 255,
	}
	var h pixel.HResample
	h.Set(4, []int{0, 2}, []int{2, 2}, []int32{1 << 15, 1 << 15, 1 << 15, 1 << 15}, 2, 16)
	half := make([]uint8, 4*h.Outputs())
	h.Row(half, row)
	fmt.Println(half)

	// Two rows of 8 bytes, 8 bytes apart: their rounded mean.
	rows := append(append([]uint8{}, half...), 0, 0, 0, 0, 100, 100, 100, 100)
	mean := make([]uint8, 8)
	pixel.VResample(mean, rows, 8, []int32{1 << 15, 1 << 15}, 16)
	fmt.Println(mean)
	// Output:
	// [20 30 40 255 128 128 128 255]
	// [10 15 20 128 114 114 114 178]
}

package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestMaxPool2x2 compares MaxPool2x2 with a naive reference on odd sizes,
// ties and NaNs.
func TestMaxPool2x2(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 9))
	for _, sz := range [][2]int{{1, 1}, {1, 15}, {2, 16}, {3, 17}, {5, 31}, {4, 32}, {7, 33}, {58, 28}, {13, 13}, {6, 5}} {
		oh, ow := sz[0], sz[1]
		for _, ldx := range []int{2 * ow, 2*ow + 1, 2*ow + 3} {
			x := make([]float32, 2*oh*ldx)
			for i := range x {
				switch rng.IntN(10) {
				case 0:
					x[i] = 0.5 // ties
				case 1:
					x[i] = float32(math.NaN())
				case 2:
					x[i] = float32(math.Inf(-1))
				default:
					x[i] = float32(rng.NormFloat64())
				}
			}
			y := make([]float32, oh*ow+1)
			idx := make([]int32, oh*ow+1)
			y[oh*ow], idx[oh*ow] = 42, 42
			MaxPool2x2(x, ldx, y[:oh*ow], idx[:oh*ow], oh, ow)
			if y[oh*ow] != 42 || idx[oh*ow] != 42 {
				t.Fatalf("%dx%d: wrote past the output", oh, ow)
			}
			for oy := 0; oy < oh; oy++ {
				for ox := 0; ox < ow; ox++ {
					b := 2*oy*ldx + 2*ox
					pos := []int{b, b + 1, b + ldx, b + ldx + 1}
					want, wi := float32(math.Inf(-1)), -1
					nan := false
					for _, p := range pos {
						if x[p] != x[p] {
							nan = true
						}
						if wi < 0 || x[p] > want {
							want, wi = x[p], p
						}
					}
					if nan {
						want, wi = float32(math.NaN()), pos[3]
					}
					o := oy*ow + ox
					got := y[o]
					if (nan && got == got) || (!nan && got != want) || int(idx[o]) != wi {
						t.Fatalf("%dx%d ldx %d (%d,%d): got %v at %d, want %v at %d (window %v %v %v %v)", oh, ow, ldx, oy, ox, got, idx[o], want, wi, x[pos[0]], x[pos[1]], x[pos[2]], x[pos[3]])
					}
				}
			}
		}
	}
}

package pixel

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestPlanesMatchGo compares the dispatched Planes with the Go reference
// on every length 0..70, odd source offsets and extreme scales and biases,
// and checks the reference against the formula with each product rounded
// to float32.
func TestPlanesMatchGo(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	params := [][2][3]float32{
		{{1.0 / 255, 1.0 / 255, 1.0 / 255}, {0, 0, 0}},
		{{1 / (255 * 0.229), 1 / (255 * 0.224), 1 / (255 * 0.225)}, {-0.485 / 0.229, -0.456 / 0.224, -0.406 / 0.225}},
		{{-1, 0, 1e30}, {1e-30, float32(math.Inf(1)), -3}},
		{{math.MaxFloat32, math.SmallestNonzeroFloat32, 1e-40}, {0, -0.0, 1}},
	}
	for range 8 {
		var p [2][3]float32
		for i := range 2 {
			for c := range 3 {
				p[i][c] = float32(rng.NormFloat64() * math.Pow(10, float64(rng.IntN(7)-3)))
			}
		}
		params = append(params, p)
	}
	for _, p := range params {
		scale, bias := p[0], p[1]
		for n := 0; n <= 70; n++ {
			src := randRow(rng, n, rng.IntN(4))
			o := rng.IntN(3)
			var got, want [3][]float32
			for c := range 3 {
				got[c] = make([]float32, o+n+1)[o : o+n+1]
				want[c] = make([]float32, n)
				got[c][n] = 42
			}
			Planes(got[0], got[1], got[2], src, &scale, &bias)
			planesGo(want[0], want[1], want[2], src, &scale, &bias)
			for c := range 3 {
				if got[c][n] != 42 {
					t.Fatalf("n=%d: wrote past the plane", n)
				}
				for x := range n {
					g, w := got[c][x], want[c][x]
					if math.Float32bits(g) != math.Float32bits(w) && !(g != g && w != w) {
						t.Fatalf("scale %v bias %v n=%d channel %d pixel %d: got %v, want %v", scale, bias, n, c, x, g, w)
					}
					prod := float32(float64(src[4*x+c]) * float64(scale[c])) // exact product, rounded once
					if f := prod + bias[c]; math.Float32bits(f) != math.Float32bits(w) && !(f != f && w != w) {
						t.Fatalf("reference %v, formula %v", w, f)
					}
				}
			}
		}
	}
}

// TestPlanesDivMatchGo compares the dispatched PlanesDiv with the Go
// reference on every length 0..70 and odd offsets, and with 255 checks
// every value against float32(v)/255.
func TestPlanesDivMatchGo(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	divs := [][3]float32{{255, 255, 255}, {1, -3, 0.1}, {0, float32(math.Inf(-1)), 1e-38}}
	for range 4 {
		divs = append(divs, [3]float32{float32(rng.NormFloat64()), float32(rng.NormFloat64() * 1000), float32(rng.ExpFloat64())})
	}
	for _, div := range divs {
		for n := 0; n <= 70; n++ {
			src := randRow(rng, n, rng.IntN(4))
			o := rng.IntN(3)
			var got, want [3][]float32
			for c := range 3 {
				got[c] = make([]float32, o+n+1)[o : o+n+1]
				want[c] = make([]float32, n)
				got[c][n] = 42
			}
			PlanesDiv(got[0], got[1], got[2], src, &div)
			planesDivGo(want[0], want[1], want[2], src, &div)
			for c := range 3 {
				if got[c][n] != 42 {
					t.Fatalf("n=%d: wrote past the plane", n)
				}
				for x := range n {
					g, w := got[c][x], want[c][x]
					if math.Float32bits(g) != math.Float32bits(w) && !(g != g && w != w) {
						t.Fatalf("div %v n=%d channel %d pixel %d: got %v, want %v", div, n, c, x, g, w)
					}
				}
			}
		}
	}
	src := make([]uint8, 4*256)
	for v := range 256 {
		src[4*v], src[4*v+1], src[4*v+2] = uint8(v), uint8(255-v), uint8(v)
	}
	r, g, b := make([]float32, 256), make([]float32, 256), make([]float32, 256)
	PlanesDiv(r, g, b, src, &[3]float32{255, 255, 255})
	for v := range 256 {
		if r[v] != float32(v)/255 || g[v] != float32(255-v)/255 || b[v] != r[v] {
			t.Fatalf("%d/255: got %v, %v, %v", v, r[v], g[v], b[v])
		}
	}
}

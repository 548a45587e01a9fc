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

// TestPlanesLUT checks PlanesLUT against its definition.
func TestPlanesLUT(t *testing.T) {
	var lut [3][256]float32
	for c := range 3 {
		for v := range 256 {
			lut[c][v] = float32(c*1000 + v)
		}
	}
	rng := rand.New(rand.NewPCG(13, 14))
	for n := 0; n <= 20; n++ {
		src := randRow(rng, n, 1)
		r, g, b := make([]float32, n), make([]float32, n), make([]float32, n)
		PlanesLUT(r, g, b, src, &lut)
		for x := range n {
			if r[x] != float32(src[4*x]) || g[x] != float32(1000+int(src[4*x+1])) || b[x] != float32(2000+int(src[4*x+2])) {
				t.Fatalf("n=%d pixel %d: %v %v %v from %v", n, x, r[x], g[x], b[x], src[4*x:4*x+4])
			}
		}
	}
}

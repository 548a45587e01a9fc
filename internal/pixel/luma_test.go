package pixel

import (
	"math"
	"math/rand/v2"
	"testing"
)

// lumaTable returns a table whose entries are distinct, NaN-free and
// not ordered, so that a wrong index shows.
func lumaTable(rng *rand.Rand) *[256]float32 {
	var lut [256]float32
	for i := range lut {
		lut[i] = float32(rng.NormFloat64()) + float32(i)*1000
	}
	rng.Shuffle(len(lut), func(i, j int) { lut[i], lut[j] = lut[j], lut[i] })
	return &lut
}

// checkLuma runs LumaLUT on src into a destination at offset o with a
// guard value after it and compares with the Go body and with the
// formula evaluated per pixel.
func checkLuma(t *testing.T, src []uint8, o int, lut *[256]float32) {
	t.Helper()
	n := len(src) / 4
	got := make([]float32, o+n+1)[o : o+n+1]
	got[n] = 42
	want := make([]float32, n)
	LumaLUT(got, src, lut)
	lumaLUTGo(want, src, lut)
	if got[n] != 42 {
		t.Fatalf("n=%d: wrote past the destination", n)
	}
	for x := range n {
		if math.Float32bits(got[x]) != math.Float32bits(want[x]) {
			t.Fatalf("n=%d pixel %d %v: got %v, want %v", n, x, src[4*x:4*x+4], got[x], want[x])
		}
		r, g, b := float64(src[4*x]), float64(src[4*x+1]), float64(src[4*x+2])
		y := int(math.Floor((19595*r + 38470*g + 7471*b + 32768) / 65536))
		if want[x] != lut[y] {
			t.Fatalf("reference: pixel %d: got %v, want lut[%d] = %v", x, want[x], y, lut[y])
		}
	}
}

// TestLumaLUTMatchGo compares the dispatched LumaLUT with the Go body and
// the formula on every length 0..70 with odd source and destination
// offsets, and trailing bytes that are not a whole pixel.
func TestLumaLUTMatchGo(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	for range 6 {
		lut := lumaTable(rng)
		for n := 0; n <= 70; n++ {
			src := randRow(rng, n, rng.IntN(4))
			checkLuma(t, src[:len(src)+rng.IntN(4)][:4*n+rng.IntN(3)], rng.IntN(3), lut)
		}
	}
}

// TestLumaLUTAll checks every gray level keeps its value, and every
// extreme combination of R, G and B.
func TestLumaLUTAll(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 24))
	lut := lumaTable(rng)
	src := make([]uint8, 0, 4*256)
	for v := range 256 {
		src = append(src, uint8(v), uint8(v), uint8(v), uint8(rng.IntN(256)))
	}
	got := make([]float32, 256)
	LumaLUT(got, src, lut)
	for v := range 256 {
		if got[v] != lut[v] {
			t.Fatalf("gray %d: got %v, want %v", v, got[v], lut[v])
		}
	}
	src = src[:0]
	for _, r := range []uint8{0, 1, 127, 128, 254, 255} {
		for _, g := range []uint8{0, 1, 127, 128, 254, 255} {
			for _, b := range []uint8{0, 1, 127, 128, 254, 255} {
				src = append(src, r, g, b, 0)
			}
		}
	}
	checkLuma(t, src, 1, lut)
}

// TestLumaLUTShortDst checks a too short destination panics instead of
// writing out of bounds.
func TestLumaLUTShortDst(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("no panic")
		}
	}()
	LumaLUT(make([]float32, 7), make([]uint8, 32), &[256]float32{})
}

// FuzzLumaLUT compares LumaLUT with the Go body on arbitrary rows.
func FuzzLumaLUT(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 255, 255, 255, 0, 0, 0, 0, 0}, uint8(1), uint64(1))
	f.Fuzz(func(t *testing.T, data []byte, off uint8, seed uint64) {
		o := int(off % 4)
		if o > len(data) {
			o = len(data)
		}
		checkLuma(t, data[o:], int(off/4%3), lumaTable(rand.New(rand.NewPCG(seed, 1))))
	})
}

func BenchmarkLumaLUT(b *testing.B) {
	src := randRow(rand.New(rand.NewPCG(1, 2)), 120*60, 0)
	dst := make([]float32, 120*60)
	lut := lumaTable(rand.New(rand.NewPCG(3, 4)))
	b.SetBytes(int64(len(src)))
	for range b.N {
		LumaLUT(dst, src, lut)
	}
}

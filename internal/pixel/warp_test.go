package pixel

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// warpSource returns a random w×h RGBA image with rows stride bytes apart,
// starting at byte off of its buffer.
func warpSource(rng *rand.Rand, w, h, stride, off int) []uint8 {
	buf := make([]uint8, off+(h-1)*stride+4*w)
	for i := range buf {
		buf[i] = uint8(rng.IntN(256))
	}
	if rng.IntN(4) == 0 { // some extremes
		for i := range buf {
			buf[i] = []uint8{0, 255}[rng.IntN(2)]
		}
	}
	return buf[off:]
}

// warpCoord returns a coordinate whose top-left tap lies in [0, size-2],
// often at or next to the ends of that range.
func warpCoord(rng *rand.Rand, size int) int64 {
	hi := int64(size-1)<<WarpBits - 1
	switch rng.IntN(6) {
	case 0:
		return 0
	case 1:
		return hi
	case 2:
		return min(hi, rng.Int64N(1<<WarpBits))
	case 3:
		return max(0, hi-rng.Int64N(1<<WarpBits))
	}
	return rng.Int64N(hi + 1)
}

// warpMap returns a start and a step for n pixels whose taps all lie in a
// w×h image.
func warpMap(rng *rand.Rand, w, h, n int) (fx, fy, dx, dy int64) {
	fx, fy = warpCoord(rng, w), warpCoord(rng, h)
	if n < 2 {
		return fx, fy, rng.Int64() - 1<<62, rng.Int64() - 1<<62
	}
	lx, ly := warpCoord(rng, w), warpCoord(rng, h)
	if rng.IntN(5) == 0 { // steps of whole pixels, fractions fixed
		lx, ly = fx, fy
	}
	return fx, fy, (lx - fx) / int64(n-1), (ly - fy) / int64(n-1)
}

// warpSlow is the documented formula, one channel at a time.
func warpSlow(dst, src []uint8, stride int, fx, fy, dx, dy int64) {
	for k := 0; k < len(dst)/4; k++ {
		x, y := fx+int64(k)*dx, fy+int64(k)*dy
		i := int(y>>16)*stride + 4*int(x>>16)
		wx, wy := int(x>>8&0xff), int(y>>8&0xff)
		for c := range 4 {
			p00, p01 := int(src[i+c]), int(src[i+4+c])
			p10, p11 := int(src[i+stride+c]), int(src[i+stride+4+c])
			top := (p00*(256-wx) + p01*wx + 128) >> 8
			bot := (p10*(256-wx) + p11*wx + 128) >> 8
			dst[4*k+c] = uint8((top*(256-wy) + bot*wy + 128) >> 8)
		}
	}
}

// TestWarpBilinearMatchesGo compares WarpBilinear (the AVX2 body where the
// CPU has it) with the Go body and the slow formula, for every length
// 0..70, odd offsets of source and destination, and random maps with taps
// at the edges of the valid range.
func TestWarpBilinearMatchesGo(t *testing.T) {
	if !warpAVX2 {
		t.Log("no AVX2 body in this build: comparing the Go body with the formula only")
	}
	rng := rand.New(rand.NewPCG(7, 8))
	for n := 0; n <= 70; n++ {
		for trial := range 12 {
			w, h := 2+rng.IntN(40), 2+rng.IntN(40)
			stride := 4*w + 4*rng.IntN(3)
			src := warpSource(rng, w, h, stride, rng.IntN(4))
			fx, fy, dx, dy := warpMap(rng, w, h, n)
			off := rng.IntN(4)
			got := make([]uint8, off+4*n+4)[off : off+4*n]
			want := make([]uint8, 4*n)
			slow := make([]uint8, 4*n)
			WarpBilinear(got, src, stride, fx, fy, dx, dy)
			warpGo(want, src, stride, fx, fy, dx, dy)
			warpSlow(slow, src, stride, fx, fy, dx, dy)
			if !bytes.Equal(want, slow) {
				t.Fatalf("n=%d trial %d: Go body differs from the formula\n got %v\nwant %v", n, trial, want, slow)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("n=%d trial %d (%dx%d stride %d, (%d,%d)+(%d,%d)): WarpBilinear differs from Go\n got %v\nwant %v",
					n, trial, w, h, stride, fx, fy, dx, dy, got, want)
			}
		}
	}
}

// TestWarpBilinearKeepsNeighbours checks that exactly 4·n bytes of dst are
// written (the AVX2 tail uses masked stores).
func TestWarpBilinearKeepsNeighbours(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	src := warpSource(rng, 16, 16, 64, 0)
	for n := 0; n <= 20; n++ {
		buf := bytes.Repeat([]uint8{0xa5}, 4*n+64)
		WarpBilinear(buf[32:32+4*n], src, 64, 1<<16+123, 2<<16+77, 1<<14, 3<<12)
		for i, v := range buf {
			if (i < 32 || i >= 32+4*n) && v != 0xa5 {
				t.Fatalf("n=%d: byte %d outside dst written", n, i)
			}
		}
	}
}

// TestWarpBilinearExact checks values that follow from the formula:
// integer coordinates copy pixels, and a half step between 0 and 255
// rounds to 128.
func TestWarpBilinearExact(t *testing.T) {
	const w, h = 9, 5
	src := make([]uint8, 4*w*h)
	for i := range src {
		src[i] = uint8(i * 7)
	}
	dst := make([]uint8, 4*7)
	WarpBilinear(dst, src, 4*w, 1<<16, 2<<16, 1<<16, 0)
	if want := src[2*4*w+4 : 2*4*w+4+4*7]; !bytes.Equal(dst, want) {
		t.Errorf("integer steps: got %v, want %v", dst, want)
	}
	two := []uint8{0, 0, 0, 0, 255, 255, 255, 255, 0, 0, 0, 0, 255, 255, 255, 255}
	dst = dst[:4]
	WarpBilinear(dst, two, 8, 1<<15, 0, 0, 0)
	if want := []uint8{128, 128, 128, 128}; !bytes.Equal(dst, want) {
		t.Errorf("half step: got %v, want %v", dst, want)
	}
}

func TestWarpCheck(t *testing.T) {
	const one = 1 << WarpBits
	// A 4×3 image, stride 16: 48 bytes; valid x0 in [0, 2], y0 in [0, 1].
	tests := []struct {
		name              string
		n, srcLen, stride int
		fx, fy, dx, dy    int64
		ok                bool
	}{
		{"inside", 3, 48, 16, 0, 0, one, one / 2, true},
		{"last tap", 1, 48, 16, 3*one - 1, 2*one - 1, 0, 0, true},
		{"x0 past", 1, 48, 16, 3 * one, one, 0, 0, false},
		{"x0 past the row, inside memory", 1, 48, 16, 3 * one, 0, 0, 0, true},
		{"y0 past", 1, 48, 16, 0, 2 * one, 0, 0, false},
		{"short source", 1, 47, 16, 3*one - 1, 2*one - 1, 0, 0, false},
		{"negative x", 1, 48, 16, -1, 0, 0, 0, false},
		{"negative end", 3, 48, 16, one, one, -one, 0, false},
		{"end past", 3, 48, 16, 0, one, 2 * one, 0, false},
		{"huge step", 3, 48, 16, 0, 0, math.MaxInt64, 0, false},
		{"min step", 3, 48, 16, one, 0, math.MinInt64, 0, false},
		{"huge start", 1, 48, 16, math.MaxInt64, 0, 0, 0, false},
		{"one pixel any step", 1, 48, 16, 0, 0, math.MinInt64, math.MaxInt64, true},
		{"stride too small", 1, 48, 4, 0, 0, 0, 0, false},
		{"negative stride", 1, 48, -16, 0, 0, 0, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, ok := warpCheck(tt.n, tt.srcLen, tt.stride, tt.fx, tt.fy, tt.dx, tt.dy)
			if ok != tt.ok {
				t.Errorf("warpCheck = %v, want %v", ok, tt.ok)
			}
			defer func() {
				if r := recover(); (r != nil) == tt.ok {
					t.Errorf("WarpBilinear panic = %v, want a panic: %v", r, !tt.ok)
				}
			}()
			WarpBilinear(make([]uint8, 4*tt.n), make([]uint8, tt.srcLen), tt.stride, tt.fx, tt.fy, tt.dx, tt.dy)
		})
	}
}

// FuzzWarpBilinear compares the dispatched kernel with the Go body on
// maps built from the fuzzer's numbers.
func FuzzWarpBilinear(f *testing.F) {
	f.Add(uint64(1), uint8(20), uint8(10), uint8(33), int64(0), int64(0), int64(1<<16), int64(0))
	f.Add(uint64(2), uint8(2), uint8(2), uint8(9), int64(1<<16-1), int64(1<<16-1), int64(-5), int64(3))
	f.Fuzz(func(t *testing.T, seed uint64, w, h, n uint8, fx, fy, dx, dy int64) {
		rng := rand.New(rand.NewPCG(seed, 1))
		iw, ih := 2+int(w)%62, 2+int(h)%62
		stride := 4 * iw
		src := warpSource(rng, iw, ih, stride, int(seed%3))
		// Fold the start into the valid range; the step keeps its
		// value when every pixel stays inside, else it is shrunk.
		hx, hy := int64(iw-1)<<WarpBits, int64(ih-1)<<WarpBits
		fx, fy = ((fx%hx)+hx)%hx, ((fy%hy)+hy)%hy
		if k := int64(n); k > 1 {
			dx, dy = dx%(hx/(k-1)+1), dy%(hy/(k-1)+1)
			for fx+(k-1)*dx < 0 || fx+(k-1)*dx >= hx {
				dx /= 2
			}
			for fy+(k-1)*dy < 0 || fy+(k-1)*dy >= hy {
				dy /= 2
			}
		}
		got, want := make([]uint8, 4*int(n)), make([]uint8, 4*int(n))
		WarpBilinear(got, src, stride, fx, fy, dx, dy)
		warpGo(want, src, stride, fx, fy, dx, dy)
		if !bytes.Equal(got, want) {
			t.Fatalf("WarpBilinear differs from Go\n got %v\nwant %v", got, want)
		}
	})
}

func BenchmarkWarpBilinear(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	src := warpSource(rng, 256, 256, 1024, 0)
	// A 224-pixel row of a rotation by 15° and scale 1.1.
	c, s := math.Cos(0.26)*1.1, math.Sin(0.26)*1.1
	fx, fy := int64(10<<16), int64(60<<16)
	dx, dy := int64(c*(1<<16)), int64(s*(1<<16))
	dst := make([]uint8, 4*200)
	for _, impl := range []struct {
		name string
		f    func(dst, src []uint8, stride int, fx, fy, dx, dy int64)
	}{{"dispatch", WarpBilinear}, {"go", warpGo}} {
		b.Run(fmt.Sprintf("%s/200px", impl.name), func(b *testing.B) {
			b.SetBytes(4 * 200)
			for b.Loop() {
				impl.f(dst, src, 1024, fx, fy, dx, dy)
			}
		})
	}
}

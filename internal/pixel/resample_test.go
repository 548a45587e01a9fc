package pixel

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"
)

// resampleWeights returns n weights of the given mode, scaled by 1<<bits:
// "sum" non-negative summing to exactly 1<<bits (sometimes multiples of
// 256, sometimes one full weight), "sum8" the same always in multiples of
// 256 (the 8-bit kernels, with bits = 16), "neg" some negative, summing to
// 1<<bits (results clamp), "any" random int32 (sums wrap).
func resampleWeights(rng *rand.Rand, mode string, n int, bits uint) []int32 {
	w := make([]int32, n)
	one := int64(1) << bits
	switch mode {
	case "sum", "sum8":
		if n == 0 {
			return w
		}
		left := one
		byte8 := bits == 16 && (mode == "sum8" || rng.IntN(3) == 0)
		for j := range n - 1 {
			v := rng.Int64N(left + 1)
			if rng.IntN(4) == 0 {
				v = 0
			}
			if byte8 {
				v &^= 255
			}
			w[j] = int32(v)
			left -= v
		}
		w[n-1] = int32(left)
		rng.Shuffle(n, func(i, j int) { w[i], w[j] = w[j], w[i] })
	case "neg":
		if n == 0 {
			return w
		}
		total := int64(0)
		for j := range n {
			w[j] = int32(rng.Int64N(one) - one/3)
			total += int64(w[j])
		}
		w[rng.IntN(n)] += int32(one - total)
	default:
		for j := range w {
			w[j] = int32(rng.Uint32())
		}
	}
	return w
}

// hresampleSlow is the documented formula.
func hresampleSlow(dst, src []uint8, start, n []int, w []int32, taps int, bits uint) {
	for i := range start {
		for c := range 4 {
			acc := int32(1) << (bits - 1)
			for j := range n[i] {
				acc += int32(src[4*(start[i]+j)+c]) * w[i*taps+j]
			}
			dst[4*i+c] = clampShift(acc, bits)
		}
	}
}

// resampleCase is a random horizontal resampling: outW outputs from srcW
// pixels with up to taps taps each.
func resampleCase(rng *rand.Rand, mode string, srcW, outW, taps int, bits uint) (start, n []int, w []int32) {
	start, n = make([]int, outW), make([]int, outW)
	w = make([]int32, outW*taps+rng.IntN(3))
	for i := range outW {
		k := min(srcW, rng.IntN(taps+1))
		if rng.IntN(2) == 0 {
			k = min(srcW, taps)
		}
		// Monotonic-ish starts like a real resampling, with jumps and
		// the ends of the row.
		s := (i*srcW)/max(outW, 1) + rng.IntN(3) - 1
		switch rng.IntN(8) {
		case 0:
			s = 0
		case 1:
			s = srcW - k
		case 2:
			s = rng.IntN(srcW - k + 1)
		}
		s = min(max(s, 0), srcW-k)
		start[i], n[i] = s, k
		m := mode
		if mode == "sum8" && (i == 0 || i == outW-1 || rng.IntN(40) == 0) && rng.IntN(2) == 0 {
			m = "sum" // runs of 8-bit blocks between 16-bit ones, as at the ends of a halving
		}
		copy(w[i*taps:], resampleWeights(rng, m, k, bits))
	}
	return start, n, w
}

// TestHResampleMatchesGo compares HResample.Row (AVX2 where the CPU has
// it) with the Go body and the formula: every output width 0..70, source
// widths from 1, up to 13 taps, three kinds of weights, odd offsets.
func TestHResampleMatchesGo(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	var r HResample
	for _, mode := range []string{"sum", "sum8", "neg", "any"} {
		for outW := 0; outW <= 70; outW++ {
			for trial := range 6 {
				srcW := 1 + rng.IntN(80)
				taps := 1 + rng.IntN(min(srcW, 6))
				if trial == 5 {
					taps = min(srcW, 13)
				}
				bits := uint(16)
				if mode != "sum" && mode != "sum8" || mode == "sum" && rng.IntN(3) == 0 {
					bits = []uint{22, 16, 14, 1, 30}[rng.IntN(5)]
				}
				start, n, w := resampleCase(rng, mode, srcW, outW, taps, bits)
				r.Set(srcW, start, n, w, taps, bits)
				soff, doff := rng.IntN(4), rng.IntN(4)
				src := make([]uint8, soff+4*srcW)[soff:]
				for i := range src {
					src[i] = uint8(rng.IntN(256))
				}
				got := make([]uint8, doff+4*outW+5)[doff:]
				for i := range got {
					got[i] = 0xa5
				}
				want, slow := make([]uint8, 4*outW), make([]uint8, 4*outW)
				r.Row(got, src)
				r.rowGo(want, src)
				hresampleSlow(slow, src, start, n, w, taps, bits)
				name := fmt.Sprintf("%s out=%d src=%d taps=%d bits=%d", mode, outW, srcW, taps, bits)
				if !bytes.Equal(want, slow) {
					t.Fatalf("%s: Go body differs from the formula\n got %v\nwant %v", name, want, slow)
				}
				if !bytes.Equal(got[:4*outW], want) {
					t.Fatalf("%s: Row differs from Go (asm %v)\n got %v\nwant %v", name, r.asm, got[:4*outW], want)
				}
				for i, v := range got[4*outW:] {
					if v != 0xa5 {
						t.Fatalf("%s: byte %d past the row written", name, 4*outW+i)
					}
				}
			}
		}
	}
}

// vresampleSlow is the documented formula.
func vresampleSlow(dst, src []uint8, stride int, w []int32, bits uint) {
	for i := range dst {
		acc := int32(1) << (bits - 1)
		for j, wj := range w {
			acc += int32(src[j*stride+i]) * wj
		}
		dst[i] = clampShift(acc, bits)
	}
}

// TestVResampleMatchesGo compares VResample with the Go body and the
// formula on every length 0..70 (and a few long rows), 0..9 rows, three
// kinds of weights, odd offsets and strides.
func TestVResampleMatchesGo(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	lengths := []int{100, 511, 512, 513, 1100}
	for n := 0; n <= 70; n++ {
		lengths = append(lengths, n)
	}
	for _, mode := range []string{"sum", "sum8", "neg", "any"} {
		for _, n := range lengths {
			for trial := range 8 {
				rows := rng.IntN(10)
				if trial < 3 {
					rows = 2 + trial // the unrolled loops
				}
				bits := uint(16)
				if mode != "sum" && mode != "sum8" || mode == "sum" && trial%3 == 0 {
					bits = []uint{22, 16, 14, 1, 30}[rng.IntN(5)]
				}
				w := resampleWeights(rng, mode, rows, bits)
				stride := n + rng.IntN(9)
				soff, doff := rng.IntN(4), rng.IntN(4)
				src := make([]uint8, soff+max(rows-1, 0)*stride+n)[soff:]
				for i := range src {
					src[i] = uint8(rng.IntN(256))
				}
				got := make([]uint8, doff+n+5)[doff:]
				for i := range got {
					got[i] = 0xa5
				}
				want, slow := make([]uint8, n), make([]uint8, n)
				VResample(got[:n], src, stride, w, bits)
				vresampleGo(want, src, stride, w, bits)
				vresampleSlow(slow, src, stride, w, bits)
				name := fmt.Sprintf("%s n=%d rows=%d bits=%d w=%v", mode, n, rows, bits, w)
				if !bytes.Equal(want, slow) {
					t.Fatalf("%s: Go body differs from the formula\n got %v\nwant %v", name, want, slow)
				}
				if !bytes.Equal(got[:n], want) {
					t.Fatalf("%s: VResample differs from Go\n got %v\nwant %v", name, got[:n], want)
				}
				for i, v := range got[n:] {
					if v != 0xa5 {
						t.Fatalf("%s: byte %d past the row written", name, n+i)
					}
				}
			}
		}
	}
}

func TestResamplePanics(t *testing.T) {
	tests := []struct {
		name string
		f    func()
	}{
		{"start past row", func() { new(HResample).Set(4, []int{3}, []int{2}, []int32{1, 1}, 2, 16) }},
		{"negative start", func() { new(HResample).Set(4, []int{-1}, []int{1}, []int32{1}, 1, 16) }},
		{"more than taps", func() { new(HResample).Set(4, []int{0}, []int{2}, []int32{1, 1}, 1, 16) }},
		{"few weights", func() { new(HResample).Set(4, []int{0, 1}, []int{1, 1}, []int32{1}, 1, 16) }},
		{"bits 0", func() { new(HResample).Set(4, []int{0}, []int{1}, []int32{1}, 1, 0) }},
		{"bits 31", func() { new(HResample).Set(4, []int{0}, []int{1}, []int32{1}, 1, 31) }},
		{"short source", func() {
			var r HResample
			r.Set(4, []int{0}, []int{1}, []int32{1}, 1, 16)
			r.Row(make([]uint8, 4), make([]uint8, 15))
		}},
		{"short destination", func() {
			var r HResample
			r.Set(4, []int{0, 1}, []int{1, 1}, []int32{1, 1}, 1, 16)
			r.Row(make([]uint8, 7), make([]uint8, 16))
		}},
		{"vertical short source", func() { VResample(make([]uint8, 8), make([]uint8, 15), 8, []int32{1, 1}, 16) }},
		{"vertical bits", func() { VResample(make([]uint8, 8), make([]uint8, 16), 8, []int32{1, 1}, 31) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			tt.f()
		})
	}
}

// FuzzHResample compares HResample.Row with the Go body on coefficients
// drawn from the fuzzer's seed.
func FuzzHResample(f *testing.F) {
	f.Add(uint64(1), uint8(24), uint8(30), uint8(3), uint8(0))
	f.Add(uint64(2), uint8(9), uint8(200), uint8(13), uint8(1))
	f.Fuzz(func(t *testing.T, seed uint64, srcW, outW, taps, mode uint8) {
		rng := rand.New(rand.NewPCG(seed, 2))
		sw := 1 + int(srcW)
		tp := 1 + int(taps)%min(sw, 16)
		m := []string{"sum", "sum8", "neg", "any"}[mode%4]
		bits := []uint{16, 22, 1, 30, 8}[int(mode/4)%5]
		start, n, w := resampleCase(rng, m, sw, int(outW), tp, bits)
		var r HResample
		r.Set(sw, start, n, w, tp, bits)
		src := make([]uint8, 4*sw)
		for i := range src {
			src[i] = uint8(rng.IntN(256))
		}
		got, want := make([]uint8, 4*int(outW)), make([]uint8, 4*int(outW))
		r.Row(got, src)
		r.rowGo(want, src)
		if !bytes.Equal(got, want) {
			t.Fatalf("Row differs from Go\n got %v\nwant %v", got, want)
		}
	})
}

// FuzzVResample compares VResample with the Go body.
func FuzzVResample(f *testing.F) {
	f.Add(uint64(1), uint16(100), uint8(2), uint8(0))
	f.Add(uint64(2), uint16(33), uint8(7), uint8(1))
	f.Fuzz(func(t *testing.T, seed uint64, n uint16, rows, mode uint8) {
		rng := rand.New(rand.NewPCG(seed, 3))
		nb, nr := int(n)%2048, int(rows)%12
		m := []string{"sum", "sum8", "neg", "any"}[mode%4]
		bits := []uint{16, 22, 1, 30, 8}[int(mode/4)%5]
		w := resampleWeights(rng, m, nr, bits)
		stride := nb + rng.IntN(5)
		src := make([]uint8, max(nr-1, 0)*stride+nb)
		for i := range src {
			src[i] = uint8(rng.IntN(256))
		}
		got, want := make([]uint8, nb), make([]uint8, nb)
		VResample(got, src, stride, w, bits)
		vresampleGo(want, src, stride, w, bits)
		if !bytes.Equal(got, want) {
			t.Fatalf("VResample differs from Go\n got %v\nwant %v", got, want)
		}
	})
}

// BenchmarkResample measures the two passes of a 256→224 bilinear
// downscale (3 taps) and of a halving (4 taps), per row.
func BenchmarkResample(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	src := make([]uint8, 4*256*4)
	for i := range src {
		src[i] = uint8(rng.IntN(256))
	}
	for _, c := range []struct {
		name       string
		out, taps  int
		weights    []int32
		vertWeight []int32
	}{
		{"down224", 224, 3, []int32{20000, 40000, 5536}, []int32{20000, 40000, 5536}},
		{"half128", 128, 4, []int32{8192, 24576, 24576, 8192}, []int32{8192, 24576, 24576, 8192}},
		{"up2tap", 224, 2, []int32{20000, 45536}, []int32{1000000, 3194304}},
	} {
		start, n := make([]int, c.out), make([]int, c.out)
		w := make([]int32, c.out*c.taps)
		for i := range start {
			start[i] = min(i*256/c.out, 256-c.taps)
			n[i] = c.taps
			copy(w[i*c.taps:], c.weights)
		}
		var r HResample
		r.Set(256, start, n, w, c.taps, 16)
		dst := make([]uint8, 4*c.out)
		b.Run(c.name+"/h", func(b *testing.B) {
			b.SetBytes(int64(4 * c.out))
			for b.Loop() {
				r.Row(dst, src)
			}
		})
		b.Run(c.name+"/h-go", func(b *testing.B) {
			b.SetBytes(int64(4 * c.out))
			for b.Loop() {
				r.rowGo(dst, src)
			}
		})
		bits := uint(16)
		if len(c.vertWeight) == 2 {
			bits = 22
		}
		b.Run(c.name+"/v", func(b *testing.B) {
			b.SetBytes(int64(4 * c.out))
			for b.Loop() {
				VResample(dst, src, 1024, c.vertWeight, bits)
			}
		})
		b.Run(c.name+"/v-go", func(b *testing.B) {
			b.SetBytes(int64(4 * c.out))
			for b.Loop() {
				vresampleGo(dst, src, 1024, c.vertWeight, bits)
			}
		})
	}
}

package pixel

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"
)

// randRow returns n random pixels at byte offset off of a fresh buffer,
// with some gray and saturated pixels mixed in (ties between channels are
// where the hue kernel branches).
func randRow(rng *rand.Rand, n, off int) []uint8 {
	buf := make([]uint8, off+4*n+3)
	for i := range buf {
		buf[i] = uint8(rng.IntN(256))
	}
	row := buf[off : off+4*n]
	for i := 0; i+3 < len(row); i += 4 {
		switch rng.IntN(6) {
		case 0: // gray
			row[i+1], row[i+2] = row[i], row[i]
		case 1: // two channels equal
			row[i+rng.IntN(3)] = row[i+(1+rng.IntN(2)+i)%3]
		case 2: // extremes
			for c := range 3 {
				row[i+c] = []uint8{0, 255}[rng.IntN(2)]
			}
		}
	}
	return row
}

// rowKernels lists each kernel with its Go reference and the parameter
// values to try.
var rowKernels = []struct {
	name   string
	params []int32
	fast   func(dst, src []uint8, p int32)
	ref    func(dst, src []uint8, p int32)
}{
	{"saturate", []int32{0, 1, 32768, 65535, 65536, 65537, 91750, 1 << 20, MaxSaturation - 1, MaxSaturation, MaxSaturation + 1, 1 << 30, -1, -65536, -MaxSaturation, -MaxSaturation - 1, 1<<31 - 1, -1 << 31},
		Saturate, saturateGo},
	{"hue", []int32{0, 1, 127, 128, 255, 256, 511, 512, 767, 768, 1023, 1024, 1279, 1280, 1535, -1, -768, 1536, 1537, 3071, 1<<31 - 1, -1 << 31},
		Hue, func(dst, src []uint8, p int32) {
			sq := p % HueSteps
			if sq < 0 {
				sq += HueSteps
			}
			hueGo(dst, src, sq)
		}},
	{"lut", []int32{0, 1, 2}, func(dst, src []uint8, p int32) { LUT(dst, src, testLUT(p)) },
		func(dst, src []uint8, p int32) { lutGo(dst, src, testLUT(p)) }},
}

func testLUT(p int32) *[256]uint8 {
	var lut [256]uint8
	rng := rand.New(rand.NewPCG(uint64(p), 9))
	for i := range lut {
		switch p {
		case 0:
			lut[i] = uint8(i)
		case 1:
			lut[i] = 255 - uint8(i)
		default:
			lut[i] = uint8(rng.IntN(256))
		}
	}
	return &lut
}

// TestRowKernelsMatchGo compares the dispatched kernels (AVX2 where the CPU
// has it) with the Go references on every length 0..70, odd offsets, in
// place and not, and random and extreme parameters.
func TestRowKernelsMatchGo(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, k := range rowKernels {
		params := append([]int32(nil), k.params...)
		for range 8 {
			params = append(params, int32(rng.Uint32()), rng.Int32N(3*65536), rng.Int32N(HueSteps))
		}
		for _, p := range params {
			for n := 0; n <= 70; n++ {
				off, doff := rng.IntN(4), rng.IntN(4)
				src := randRow(rng, n, off)
				orig := bytes.Clone(src)
				want := make([]uint8, 4*n)
				k.ref(want, src, p)
				// Separate destination, longer than needed, at an odd offset.
				dbuf := make([]uint8, doff+4*n+8)
				for i := range dbuf {
					dbuf[i] = 0xA5
				}
				dst := dbuf[doff : doff+4*n+4]
				k.fast(dst, src, p)
				if !bytes.Equal(dst[:4*n], want) {
					t.Fatalf("%s p=%d n=%d: got %v, want %v (src %v)", k.name, p, n, dst[:4*n], want, src)
				}
				if !bytes.Equal(src, orig) {
					t.Fatalf("%s p=%d n=%d: source modified", k.name, p, n)
				}
				for i, v := range append(dbuf[:doff:doff], dbuf[doff+4*n:]...) {
					if v != 0xA5 {
						t.Fatalf("%s p=%d n=%d: wrote outside the row at %d", k.name, p, n, i)
					}
				}
				// In place.
				k.fast(src, src, p)
				if !bytes.Equal(src, want) {
					t.Fatalf("%s p=%d n=%d in place: got %v, want %v", k.name, p, n, src, want)
				}
			}
		}
	}
}

// TestHueAllColours runs every RGB colour through both paths for a few
// shifts, and checks that gray stays gray and a zero shift keeps every
// colour within one level (the hue quantization).
func TestHueAllColours(t *testing.T) {
	if raceEnabled {
		t.Skip("no goroutines here; too slow under the race detector")
	}
	shifts := []int32{0, 1, 255, 256, 768, 1279, 1535}
	if testing.Short() {
		shifts = shifts[:3]
	}
	// All 2^24 colours, 2^16 at a time (blue fixed per block).
	src := make([]uint8, 4<<16)
	got := make([]uint8, len(src))
	want := make([]uint8, len(src))
	for blue := range 256 {
		for i := range 1 << 16 {
			src[4*i], src[4*i+1], src[4*i+2], src[4*i+3] = uint8(i), uint8(i>>8), uint8(blue), uint8(i*7)
		}
		for _, sq := range shifts {
			Hue(got, src, sq)
			hueGo(want, src, sq)
			if !bytes.Equal(got, want) {
				for i := range got {
					if got[i] != want[i] {
						p := i &^ 3
						t.Fatalf("shift %d: pixel %v: got %v, want %v", sq, src[p:p+4], got[p:p+4], want[p:p+4])
					}
				}
			}
			if sq != 0 {
				continue
			}
			for i := 0; i < len(src); i += 4 {
				for c := range 3 {
					if d := int(got[i+c]) - int(src[i+c]); d < -1 || d > 1 {
						t.Fatalf("shift 0 moved %v to %v", src[i:i+4], got[i:i+4])
					}
				}
				if got[i+3] != src[i+3] {
					t.Fatalf("alpha of %v became %d", src[i:i+4], got[i+3])
				}
			}
		}
	}
}

// TestSaturateIdentityAndGray: factor 1 keeps every pixel, factor 0 gives
// the luma in all three channels.
func TestSaturateIdentityAndGray(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	src := randRow(rng, 1000, 0)
	dst := make([]uint8, len(src))
	Saturate(dst, src, 65536)
	if !bytes.Equal(dst, src) {
		t.Error("factor 1 changed pixels")
	}
	Saturate(dst, src, 0)
	for i := 0; i < len(src); i += 4 {
		l := uint8(luma(src[i], src[i+1], src[i+2]))
		if dst[i] != l || dst[i+1] != l || dst[i+2] != l || dst[i+3] != src[i+3] {
			t.Fatalf("factor 0: %v became %v, want luma %d", src[i:i+4], dst[i:i+4], l)
		}
	}
}

func TestSums(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for n := 0; n <= 70; n++ {
		src := randRow(rng, n, rng.IntN(4))
		var want [3]uint64
		for i := 0; i < 4*n; i += 4 {
			for c := range 3 {
				want[c] += uint64(src[i+c])
			}
		}
		got := [3]uint64{1, 2, 3}
		Sums(&got, src)
		if got != [3]uint64{want[0] + 1, want[1] + 2, want[2] + 3} {
			t.Fatalf("n=%d: got %v, want %v plus 1, 2, 3", n, got, want)
		}
	}
	// Large rows do not overflow the vector accumulators.
	src := bytes.Repeat([]uint8{255}, 4*(1<<20))
	var got [3]uint64
	Sums(&got, src)
	if want := uint64(255 << 20); got != [3]uint64{want, want, want} {
		t.Errorf("white row: got %v, want %d each", got, want)
	}
}

func TestKernelsPanicOnShortDestination(t *testing.T) {
	src := make([]uint8, 64)
	for name, f := range map[string]func(){
		"saturate": func() { Saturate(make([]uint8, 60), src, 1) },
		"hue":      func() { Hue(make([]uint8, 60), src, 1) },
		"lut":      func() { LUT(make([]uint8, 60), src, testLUT(0)) },
		"planes": func() {
			Planes(make([]float32, 16), make([]float32, 15), make([]float32, 16), src, &[3]float32{}, &[3]float32{})
		},
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			f()
		})
	}
}

func FuzzHue(f *testing.F) {
	f.Add([]byte{255, 0, 0, 255, 0, 255, 0, 128, 0, 0, 255, 0, 10, 10, 10, 1}, int32(256), uint8(0))
	f.Add(bytes.Repeat([]byte{200, 100, 50, 255}, 9), int32(1535), uint8(1))
	f.Fuzz(func(t *testing.T, data []byte, shift int32, off uint8) {
		o := int(off % 4)
		if o > len(data) {
			o = len(data)
		}
		src := data[o:]
		got := make([]uint8, len(src))
		want := make([]uint8, len(src))
		Hue(got, src, shift)
		sq := shift % HueSteps
		if sq < 0 {
			sq += HueSteps
		}
		hueGo(want, src, sq)
		if !bytes.Equal(got, want) {
			t.Fatalf("shift %d: got %v, want %v", shift, got, want)
		}
	})
}

func FuzzSaturate(f *testing.F) {
	f.Add(bytes.Repeat([]byte{200, 100, 50, 255}, 9), int32(65536*3/2))
	f.Fuzz(func(t *testing.T, data []byte, fac int32) {
		got := make([]uint8, len(data))
		want := make([]uint8, len(data))
		Saturate(got, data, fac)
		saturateGo(want, data, fac)
		if !bytes.Equal(got, want) {
			t.Fatalf("factor %d: got %v, want %v", fac, got, want)
		}
	})
}

func BenchmarkRowKernels(b *testing.B) {
	rng := rand.New(rand.NewPCG(7, 8))
	src := randRow(rng, 224*224, 0)
	dst := make([]uint8, len(src))
	r, g, bl := make([]float32, 224*224), make([]float32, 224*224), make([]float32, 224*224)
	for _, k := range []struct {
		name string
		f    func()
	}{
		{"saturate", func() { Saturate(dst, src, 80000) }},
		{"saturate_go", func() { saturateGo(dst, src, 80000) }},
		{"hue", func() { Hue(dst, src, 100) }},
		{"hue_go", func() { hueGo(dst, src, 100) }},
		{"lut", func() { LUT(dst, src, testLUT(2)) }},
		{"sums", func() { var s [3]uint64; Sums(&s, src) }},
		{"sums_go", func() { var s [3]uint64; sumsGo(&s, src) }},
		{"planes", func() { Planes(r, g, bl, src, &[3]float32{1, 2, 3}, &[3]float32{4, 5, 6}) }},
		{"planes_div", func() { PlanesDiv(r, g, bl, src, &[3]float32{255, 255, 255}) }},
		{"planes_div_go", func() { planesDivGo(r, g, bl, src, &[3]float32{255, 255, 255}) }},
		{"planes_go", func() { planesGo(r, g, bl, src, &[3]float32{1, 2, 3}, &[3]float32{4, 5, 6}) }},
	} {
		b.Run(fmt.Sprintf("%s/224x224", k.name), func(b *testing.B) {
			b.SetBytes(int64(len(src)))
			for b.Loop() {
				k.f()
			}
		})
	}
}

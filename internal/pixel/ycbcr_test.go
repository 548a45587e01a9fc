package pixel

import (
	"bytes"
	"fmt"
	"image/color"
	"math/rand/v2"
	"testing"
)

// ycbcrReference converts with color.YCbCrToRGB, pixel by pixel.
func ycbcrReference(y, cb, cr []byte, hshift uint) []byte {
	out := make([]byte, 4*len(y))
	for i := range y {
		r, g, b := color.YCbCrToRGB(y[i], cb[i>>hshift], cr[i>>hshift])
		out[4*i], out[4*i+1], out[4*i+2], out[4*i+3] = r, g, b, 0xff
	}
	return out
}

// TestYCbCrRow compares YCbCrRow (assembly where built) and the portable
// path with color.YCbCrToRGB on random rows of every length 0..70, at odd
// offsets into their buffers, for every subsampling.
func TestYCbCrRow(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for hshift := uint(0); hshift <= 2; hshift++ {
		for n := 0; n <= 70; n++ {
			for _, off := range []int{0, 1, 3} {
				buf := make([]byte, 3*(n+off)+8)
				for i := range buf {
					buf[i] = uint8(rng.Uint32())
				}
				if n%5 == 0 { // extremes, where clamping matters
					for i := range buf {
						buf[i] = []byte{0, 255}[rng.IntN(2)]
					}
				}
				nc := 0
				if n > 0 {
					nc = (n-1)>>hshift + 1
				}
				y := buf[off : off+n]
				cb := buf[off+n : off+n+nc]
				cr := buf[off+2*n : off+2*n+nc]
				want := ycbcrReference(y, cb, cr, hshift)
				dst := make([]byte, 4*n+off+4)
				for i := range dst {
					dst[i] = 0x5a
				}
				YCbCrRow(dst[off:], y, cb, cr, hshift)
				if !bytes.Equal(dst[off:off+4*n], want) {
					t.Fatalf("hshift %d n %d off %d: YCbCrRow\n got %v\nwant %v", hshift, n, off, dst[off:off+4*n], want)
				}
				for i, v := range append(dst[:off:off], dst[off+4*n:]...) {
					if v != 0x5a {
						t.Fatalf("hshift %d n %d off %d: wrote outside dst[:4n] at %d", hshift, n, off, i)
					}
				}
				gen := make([]byte, 4*n)
				ycbcrRowGeneric(gen, y, cb, cr, hshift)
				if !bytes.Equal(gen, want) {
					t.Fatalf("hshift %d n %d: generic path differs", hshift, n)
				}
			}
		}
	}
}

// TestYCbCrRowAllValues checks every (Y, Cb, Cr) triple with a fixed luma
// stride through the assembly path (rows of 64 pixels).
func TestYCbCrRowAllValues(t *testing.T) {
	if testing.Short() {
		t.Skip("256^3 values")
	}
	y := make([]byte, 256)
	for i := range y {
		y[i] = uint8(i)
	}
	cb := make([]byte, 256)
	cr := make([]byte, 256)
	dst := make([]byte, 4*256)
	for b := range 256 {
		for r := range 256 {
			for i := range cb {
				cb[i], cr[i] = uint8(b), uint8(r)
			}
			YCbCrRow(dst, y, cb, cr, 0)
			for i := range y {
				rr, gg, bb := color.YCbCrToRGB(uint8(i), uint8(b), uint8(r))
				if dst[4*i] != rr || dst[4*i+1] != gg || dst[4*i+2] != bb || dst[4*i+3] != 0xff {
					t.Fatalf("Y %d Cb %d Cr %d: got %v, want %d %d %d 255", i, b, r, dst[4*i:4*i+4], rr, gg, bb)
				}
			}
		}
	}
}

func TestYCbCrRowPanics(t *testing.T) {
	for _, tc := range []struct {
		name        string
		dst, cb, cr int
		n           int
		hshift      uint
	}{
		{"short dst", 31, 8, 8, 8, 0},
		{"short cb", 32, 3, 4, 8, 1},
		{"short cr", 32, 4, 3, 8, 1},
		{"bad shift", 32, 8, 8, 8, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			YCbCrRow(make([]byte, tc.dst), make([]byte, tc.n), make([]byte, tc.cb), make([]byte, tc.cr), tc.hshift)
		})
	}
}

// FuzzYCbCrRow compares YCbCrRow with color.YCbCrToRGB on arbitrary rows.
func FuzzYCbCrRow(f *testing.F) {
	f.Add([]byte("\x00\xff\x80\x10\xeb\x7f\x81\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a"), uint8(1), uint8(0))
	f.Fuzz(func(t *testing.T, data []byte, shift, off uint8) {
		hshift := uint(shift % 3)
		o := int(off % 8)
		if len(data) < o+3 {
			return
		}
		data = data[o:]
		n := len(data) / 3
		nc := (n-1)>>hshift + 1
		y, cb, cr := data[:n], data[n:n+nc], data[2*n:2*n+nc]
		dst := make([]byte, 4*n)
		YCbCrRow(dst, y, cb, cr, hshift)
		if want := ycbcrReference(y, cb, cr, hshift); !bytes.Equal(dst, want) {
			t.Fatalf("n %d hshift %d: got %v want %v", n, hshift, dst, want)
		}
	})
}

func BenchmarkYCbCrRow(b *testing.B) {
	for _, hshift := range []uint{0, 1, 2} {
		b.Run(fmt.Sprintf("hshift=%d", hshift), func(b *testing.B) {
			y := make([]byte, 256)
			cb := make([]byte, 256)
			cr := make([]byte, 256)
			dst := make([]byte, 1024)
			b.SetBytes(256)
			for range b.N {
				YCbCrRow(dst, y, cb, cr, hshift)
			}
		})
	}
}

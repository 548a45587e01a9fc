package jpeg

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

// TestACLut checks every entry of buildACLut's table against
// decodeHuffman and receiveExtend run on the same bits, for the standard
// AC table and for random (also over- and under-subscribed) tables.
func TestACLut(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for iter := range 300 {
		// A DHT segment body: class 1 (AC), id 0, 16 counts, values.
		var counts [16]byte
		total := 0
		for i := range counts {
			if rng.IntN(3) == 0 || (iter == 0 && i < 8) {
				counts[i] = byte(rng.IntN([]int{3, 9, 40}[iter%3]))
			}
			total += int(counts[i])
		}
		if total == 0 || total > maxNCodes {
			continue
		}
		seg := append([]byte{0x10}, counts[:]...)
		for range total {
			seg = append(seg, byte(rng.IntN(256)))
		}
		var d decoder
		d.r = bytes.NewReader(seg)
		if err := d.processDHT(len(seg)); err != nil {
			t.Fatalf("table %d: %v", iter, err)
		}
		h, lut := &d.huff[acTable][0], d.acLut[0]
		for p, e := range lut {
			if e&0x0f == 0 {
				continue
			}
			low := rng.Uint64() & (1<<22 - 1)
			d.bits = bits{a: uint64(p)<<22 | low, n: 32}
			sym, err := d.decodeHuffman(h)
			if err != nil {
				t.Fatalf("table %d, bits %010b: decodeHuffman: %v, entry %#x", iter, p, err, e)
			}
			if l := int32(e & 0x0f); sym != uint8(e>>8) || 32-d.bits.n != l {
				t.Fatalf("table %d, bits %010b: decodeHuffman gives %#x in %d bits, entry %#x", iter, p, sym, 32-d.bits.n, e)
			}
			if lt := int32(e >> 4 & 0x0f); lt != 0 {
				ac, err := d.receiveExtend(sym & 0x0f)
				if err != nil || ac != int32(int16(e>>16)) || 32-d.bits.n != lt {
					t.Fatalf("table %d, bits %010b: receiveExtend gives %d in %d bits (%v), entry %#x", iter, p, ac, 32-d.bits.n, err, e)
				}
			}
		}
	}
}

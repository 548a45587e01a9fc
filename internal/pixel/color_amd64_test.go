//go:build amd64 && !purego && !noasm

package pixel

import "testing"

// TestLUTAVX2: on machines with AVX-512 VBMI, LUT runs the VBMI body; run
// the comparison again with the AVX2 body.
func TestLUTAVX2(t *testing.T) {
	if !useVBMI {
		t.Skip("LUT already uses AVX2 (or Go) here")
	}
	useVBMI = false
	defer func() { useVBMI = true }()
	TestRowKernelsMatchGo(t)
}

func BenchmarkLUTAVX2(b *testing.B) {
	old := useVBMI
	useVBMI = false
	defer func() { useVBMI = old }()
	src := make([]uint8, 4*224*224)
	for i := range src {
		src[i] = uint8(i * 7)
	}
	dst := make([]uint8, len(src))
	lut := testLUT(2)
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		LUT(dst, src, lut)
	}
}

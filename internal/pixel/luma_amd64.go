//go:build amd64 && !purego && !noasm

package pixel

//go:noescape
func lumaLUTAVX2(dst *float32, src *uint8, n int, lut *[256]float32)

func lumaLUTAsm(dst []float32, src []uint8, n int, lut *[256]float32) int {
	if k := n &^ 7; useAVX2 && k > 0 {
		lumaLUTAVX2(&dst[0], &src[0], k, lut)
		return k
	}
	return 0
}

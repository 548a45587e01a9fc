//go:build amd64 && !purego && !noasm

package pixel

//go:noescape
func planesAVX2(rp, gp, bp *float32, src *uint8, n int, scale, bias *[3]float32)

func planesAsm(r, g, b []float32, src []uint8, n int, scale, bias *[3]float32) int {
	if k := n &^ 7; useAVX2 && k > 0 {
		planesAVX2(&r[0], &g[0], &b[0], &src[0], k, scale, bias)
		return k
	}
	return 0
}

//go:noescape
func planesDivAVX2(rp, gp, bp *float32, src *uint8, n int, div *[3]float32)

func planesDivAsm(r, g, b []float32, src []uint8, n int, div *[3]float32) int {
	if k := n &^ 7; useAVX2 && k > 0 {
		planesDivAVX2(&r[0], &g[0], &b[0], &src[0], k, div)
		return k
	}
	return 0
}

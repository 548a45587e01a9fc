//go:build !amd64 || purego || noasm

package pixel

func planesAsm(r, g, b []float32, src []uint8, n int, scale, bias *[3]float32) int { return 0 }

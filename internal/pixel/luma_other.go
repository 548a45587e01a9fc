//go:build !amd64 || purego || noasm

package pixel

func lumaLUTAsm(dst []float32, src []uint8, n int, lut *[256]float32) int { return 0 }

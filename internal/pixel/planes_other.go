//go:build !amd64 || purego || noasm

package pixel

func planesAsm(r, g, b []float32, src []uint8, n int, scale, bias *[3]float32) int { return 0 }

func planesDivAsm(r, g, b []float32, src []uint8, n int, div *[3]float32) int { return 0 }

//go:build !amd64 || purego || noasm

package pixel

func saturateAsm(dst, src []uint8, n int, f int32) int    { return 0 }
func hueAsm(dst, src []uint8, n int, sq int32) int        { return 0 }
func sumsAsm(s *[3]uint64, src []uint8, n int) int        { return 0 }
func lutAsm(dst, src []uint8, n int, lut *[256]uint8) int { return 0 }

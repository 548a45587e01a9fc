//go:build !amd64 || purego || noasm

package pixel

// resampleAVX2 is false: this build has no assembly.
const resampleAVX2 = false

func hresampleAsm(r *HResample, dst, src []uint8) bool { return false }

func vresampleAsm(dst, src []uint8, stride int, w []int32, bits uint) int { return 0 }

//go:build !amd64 || purego || noasm

package pixel

// warpAVX2 is false: this build has no assembly.
const warpAVX2 = false

func warpAsm(dst, src []uint8, stride int, fx, fy, dx, dy int64) bool { return false }

//go:build !amd64 || purego || noasm

package pixel

// ycbcrAVX2 is false: no assembly in this build.
const ycbcrAVX2 = false

// ycbcrRowAsm converts nothing: the portable path does the whole row.
func ycbcrRowAsm(dst, y, cb, cr []byte, hshift uint) int { return 0 }

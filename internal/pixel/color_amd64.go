//go:build amd64 && !purego && !noasm

package pixel

import "golang.org/x/sys/cpu"

// useAVX2 selects the AVX2 bodies of the colour and plane kernels;
// useVBMI the AVX-512 VBMI body of LUT (a byte table lookup of 64 bytes in
// a few instructions, which AVX2 has no match for).
var (
	useAVX2 = cpu.X86.HasAVX2
	useVBMI = cpu.X86.HasAVX512F && cpu.X86.HasAVX512BW && cpu.X86.HasAVX512VBMI
)

// The AVX2 bodies process n pixels, n a positive multiple of 8; the Go
// wrappers check the slice lengths and return how many pixels were done.

//go:noescape
func saturateAVX2(dst, src *uint8, n int, f int32)

//go:noescape
func hueAVX2(dst, src *uint8, n int, sqm int32)

//go:noescape
func sumsAVX2(s *[3]uint64, src *uint8, n int)

func saturateAsm(dst, src []uint8, n int, f int32) int {
	if k := n &^ 7; useAVX2 && k > 0 {
		saturateAVX2(&dst[0], &src[0], k, f)
		return k
	}
	return 0
}

func hueAsm(dst, src []uint8, n int, sq int32) int {
	if k := n &^ 7; useAVX2 && k > 0 {
		hueAVX2(&dst[0], &src[0], k, sq-HueSteps)
		return k
	}
	return 0
}

func sumsAsm(s *[3]uint64, src []uint8, n int) int {
	if k := n &^ 7; useAVX2 && k > 0 {
		sumsAVX2(s, &src[0], k)
		return k
	}
	return 0
}

//go:noescape
func lutVBMI(dst, src *uint8, n int, lut *[256]uint8)

//go:noescape
func lutAVX2(dst, src *uint8, n int, lut *[256]uint8)

func lutAsm(dst, src []uint8, n int, lut *[256]uint8) int {
	if k := n &^ 15; useVBMI && k > 0 {
		lutVBMI(&dst[0], &src[0], k, lut)
		return k
	}
	if k := n &^ 7; useAVX2 && k > 0 {
		lutAVX2(&dst[0], &src[0], k, lut)
		return k
	}
	return 0
}

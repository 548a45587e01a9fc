//go:build amd64 && !purego && !noasm

#include "textflag.h"

// func lumaLUTAVX2(dst *float32, src *uint8, n int, lut *[256]float32)
//
// Eight pixels per step: R, G and B are masked out of each 32-bit pixel,
// multiplied by their weights in 32-bit lanes (VPMULLD; 38470 does not fit
// VPMADDWD's signed 16-bit weights), summed with the rounding constant and
// shifted, which gives the exact luma (at most 255); VGATHERDPS then loads
// the eight table entries.
TEXT ·lumaLUTAVX2(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	MOVQ lut+24(FP), R8
	MOVL $0xff, AX
	MOVQ AX, X8
	VPBROADCASTD X8, Y8
	MOVL $19595, AX
	MOVQ AX, X9
	VPBROADCASTD X9, Y9
	MOVL $38470, AX
	MOVQ AX, X10
	VPBROADCASTD X10, Y10
	MOVL $7471, AX
	MOVQ AX, X11
	VPBROADCASTD X11, Y11
	MOVL $32768, AX
	MOVQ AX, X12
	VPBROADCASTD X12, Y12

lumaloop:
	VMOVDQU    (SI), Y0
	VPAND      Y8, Y0, Y1
	VPSRLD     $8, Y0, Y2
	VPAND      Y8, Y2, Y2
	VPSRLD     $16, Y0, Y3
	VPAND      Y8, Y3, Y3
	VPMULLD    Y9, Y1, Y1
	VPMULLD    Y10, Y2, Y2
	VPMULLD    Y11, Y3, Y3
	VPADDD     Y2, Y1, Y1
	VPADDD     Y3, Y1, Y1
	VPADDD     Y12, Y1, Y1
	VPSRLD     $16, Y1, Y1
	VPCMPEQD   Y7, Y7, Y7
	VGATHERDPS Y7, (R8)(Y1*4), Y4
	VMOVUPS    Y4, (DI)
	ADDQ       $32, SI
	ADDQ       $32, DI
	SUBQ       $8, CX
	JNZ        lumaloop
	VZEROUPPER
	RET

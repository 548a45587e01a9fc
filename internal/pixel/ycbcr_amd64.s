//go:build amd64 && !purego && !noasm

#include "textflag.h"

// Constants of color.YCbCrToRGB, broadcast into Y8..Y15 by ycbcrRowAVX2.
DATA ycbcrK<>+0(SB)/4, $0x10101    // luma scale
DATA ycbcrK<>+4(SB)/4, $128        // chroma offset
DATA ycbcrK<>+8(SB)/4, $91881      // Cr to R
DATA ycbcrK<>+12(SB)/4, $-22554    // Cb to G
DATA ycbcrK<>+16(SB)/4, $-46802    // Cr to G
DATA ycbcrK<>+20(SB)/4, $116130    // Cb to B
DATA ycbcrK<>+24(SB)/4, $255       // upper clamp
DATA ycbcrK<>+28(SB)/4, $0xff000000 // opaque alpha
GLOBL ycbcrK<>(SB), RODATA|NOPTR, $32

// func ycbcrRowAVX2(dst, y, cb, cr *byte, n int, hshift uint)
//
// Eight pixels per iteration in 32-bit lanes: yy = Y*0x10101, then
// R = yy + 91881*Cr', G = yy - 22554*Cb' - 46802*Cr', B = yy + 116130*Cb'
// (Cb' = Cb-128, Cr' = Cr-128), each clamped as color.YCbCrToRGB does:
// v>>16 (arithmetic) limited to [0, 255], which equals its test of the
// top byte. The four channels are packed into one 32-bit pixel.
TEXT ·ycbcrRowAVX2(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DI
	MOVQ y+8(FP), SI
	MOVQ cb+16(FP), BX
	MOVQ cr+24(FP), DX
	MOVQ n+32(FP), CX
	MOVQ hshift+40(FP), R9

	VPBROADCASTD ycbcrK<>+0(SB), Y8
	VPBROADCASTD ycbcrK<>+4(SB), Y9
	VPBROADCASTD ycbcrK<>+8(SB), Y10
	VPBROADCASTD ycbcrK<>+12(SB), Y11
	VPBROADCASTD ycbcrK<>+16(SB), Y12
	VPBROADCASTD ycbcrK<>+20(SB), Y13
	VPBROADCASTD ycbcrK<>+24(SB), Y14
	VPBROADCASTD ycbcrK<>+28(SB), Y15
	VPXOR Y7, Y7, Y7

	CMPQ R9, $1
	JEQ  half
	JA   quarter

full:
	VPMOVZXBD (BX), Y1
	VPMOVZXBD (DX), Y2
	ADDQ $8, BX
	ADDQ $8, DX
	JMP  convert

half:
	MOVL      (BX), R8
	VMOVD     R8, X1
	VPUNPCKLBW X1, X1, X1
	VPMOVZXBD X1, Y1
	MOVL      (DX), R8
	VMOVD     R8, X2
	VPUNPCKLBW X2, X2, X2
	VPMOVZXBD X2, Y2
	ADDQ $4, BX
	ADDQ $4, DX
	JMP  convert

quarter:
	MOVWLZX   (BX), R8
	VMOVD     R8, X1
	VPUNPCKLBW X1, X1, X1
	VPUNPCKLWD X1, X1, X1
	VPMOVZXBD X1, Y1
	MOVWLZX   (DX), R8
	VMOVD     R8, X2
	VPUNPCKLBW X2, X2, X2
	VPUNPCKLWD X2, X2, X2
	VPMOVZXBD X2, Y2
	ADDQ $2, BX
	ADDQ $2, DX

convert:
	VPMOVZXBD (SI), Y0
	VPMULLD   Y8, Y0, Y0  // yy
	VPSUBD    Y9, Y1, Y1  // Cb'
	VPSUBD    Y9, Y2, Y2  // Cr'

	VPMULLD Y10, Y2, Y3
	VPADDD  Y0, Y3, Y3    // R
	VPMULLD Y11, Y1, Y4
	VPMULLD Y12, Y2, Y5
	VPADDD  Y0, Y4, Y4
	VPADDD  Y5, Y4, Y4    // G
	VPMULLD Y13, Y1, Y6
	VPADDD  Y0, Y6, Y6    // B

	VPSRAD $16, Y3, Y3
	VPSRAD $16, Y4, Y4
	VPSRAD $16, Y6, Y6
	VPMAXSD Y7, Y3, Y3
	VPMAXSD Y7, Y4, Y4
	VPMAXSD Y7, Y6, Y6
	VPMINSD Y14, Y3, Y3
	VPMINSD Y14, Y4, Y4
	VPMINSD Y14, Y6, Y6

	VPSLLD $8, Y4, Y4
	VPSLLD $16, Y6, Y6
	VPOR   Y4, Y3, Y3
	VPOR   Y6, Y3, Y3
	VPOR   Y15, Y3, Y3
	VMOVDQU Y3, (DI)

	ADDQ $8, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JZ   done
	CMPQ R9, $1
	JEQ  half
	JA   quarter
	JMP  full

done:
	VZEROUPPER
	RET

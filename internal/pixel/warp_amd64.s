//go:build amd64 && !purego && !noasm

#include "textflag.h"

// Lane numbers 0..7 (dwords).
DATA warpIota<>+0(SB)/8, $0x0000000100000000
DATA warpIota<>+8(SB)/8, $0x0000000300000002
DATA warpIota<>+16(SB)/8, $0x0000000500000004
DATA warpIota<>+24(SB)/8, $0x0000000700000006
GLOBL warpIota<>(SB), RODATA|NOPTR, $32

// Byte shuffles that take byte 1 of a coordinate dword (its top 8
// fraction bits) into the four 16-bit lanes of the pixel it weights: the
// pixels unpacked to words by VPUNPCKLBW (dwords 0, 1 of each 128-bit
// lane) and by VPUNPCKHBW (dwords 2, 3).
DATA warpWLo<>+0(SB)/8, $0x8001800180018001
DATA warpWLo<>+8(SB)/8, $0x8005800580058005
DATA warpWLo<>+16(SB)/8, $0x8001800180018001
DATA warpWLo<>+24(SB)/8, $0x8005800580058005
GLOBL warpWLo<>(SB), RODATA|NOPTR, $32

DATA warpWHi<>+0(SB)/8, $0x8009800980098009
DATA warpWHi<>+8(SB)/8, $0x800d800d800d800d
DATA warpWHi<>+16(SB)/8, $0x8009800980098009
DATA warpWHi<>+24(SB)/8, $0x800d800d800d800d
GLOBL warpWHi<>(SB), RODATA|NOPTR, $32

// 128 in each 16-bit lane: the rounding term of the 8-bit weights.
DATA warpHalf<>+0(SB)/8, $0x0080008000800080
DATA warpHalf<>+8(SB)/8, $0x0080008000800080
DATA warpHalf<>+16(SB)/8, $0x0080008000800080
DATA warpHalf<>+24(SB)/8, $0x0080008000800080
GLOBL warpHalf<>(SB), RODATA|NOPTR, $32

// WARP_LERP(a, b, w) sets a to (a·256 + (b-a)·w + 128) >> 8 in 16-bit
// lanes, which is (a·(256-w) + b·w + 128) >> 8: the true value lies in
// [0, 65408], so wrapping 16-bit arithmetic gives it exactly. b is
// clobbered.
#define WARP_LERP(a, b, w) \
	VPSUBW  a, b, b; \
	VPMULLW w, b, b; \
	VPSLLW  $8, a, a; \
	VPADDW  b, a, a; \
	VPADDW  warpHalf<>(SB), a, a; \
	VPSRLW  $8, a, a

// WARP_BLEND interpolates the taps Y3 (x0, y0), Y4 (x0+1, y0), Y5 (x0,
// y0+1) and Y6 (x0+1, y0+1) of 8 pixels with the weights in the
// coordinates Y10 (x) and Y7 (y); the 8 pixels go to Y0, in the lane
// order of the taps. Clobbers Y1-Y6, Y9. Y8 is zero.
#define WARP_BLEND \
	VPSHUFB    warpWLo<>(SB), Y10, Y0; \
	VPUNPCKLBW Y8, Y3, Y1; \
	VPUNPCKLBW Y8, Y4, Y2; \
	WARP_LERP(Y1, Y2, Y0); \
	VPUNPCKLBW Y8, Y5, Y2; \
	VPUNPCKLBW Y8, Y6, Y9; \
	WARP_LERP(Y2, Y9, Y0); \
	VPSHUFB    warpWLo<>(SB), Y7, Y0; \
	WARP_LERP(Y1, Y2, Y0); \
	VPSHUFB    warpWHi<>(SB), Y10, Y0; \
	VPUNPCKHBW Y8, Y3, Y3; \
	VPUNPCKHBW Y8, Y4, Y4; \
	WARP_LERP(Y3, Y4, Y0); \
	VPUNPCKHBW Y8, Y5, Y5; \
	VPUNPCKHBW Y8, Y6, Y6; \
	WARP_LERP(Y5, Y6, Y0); \
	VPSHUFB    warpWHi<>(SB), Y7, Y0; \
	WARP_LERP(Y3, Y5, Y0); \
	VPACKUSWB  Y3, Y1, Y0

// WARP_GATHER loads the taps of the 8 pixels at offsets Y1 into Y3-Y6 as
// WARP_BLEND wants them, in the lane order [0 1 4 5 | 2 3 6 7]: one
// VPGATHERDQ of the pairs (x0, x0+1) per row and half, split by VSHUFPS.
// Y10 and Y7 get the coordinates Y15 and Y14 in the same order. Clobbers
// Y0, Y2, Y9.
#define WARP_GATHER \
	VEXTRACTI128 $1, Y1, X0; \
	VPCMPEQD     Y2, Y2, Y2; \
	VPGATHERDQ   Y2, (SI)(X1*1), Y3; \
	VPCMPEQD     Y2, Y2, Y2; \
	VPGATHERDQ   Y2, (SI)(X0*1), Y4; \
	VPCMPEQD     Y2, Y2, Y2; \
	VPGATHERDQ   Y2, (R9)(X1*1), Y5; \
	VPCMPEQD     Y2, Y2, Y2; \
	VPGATHERDQ   Y2, (R9)(X0*1), Y6; \
	VSHUFPS      $0xdd, Y4, Y3, Y9; \
	VSHUFPS      $0x88, Y4, Y3, Y3; \
	VSHUFPS      $0xdd, Y6, Y5, Y4; \
	VSHUFPS      $0x88, Y6, Y5, Y5; \
	VMOVDQU      Y4, Y6; \
	VMOVDQU      Y9, Y4; \
	VPERMQ       $0xd8, Y15, Y10; \
	VPERMQ       $0xd8, Y14, Y7

// WARP_INDEX sets Y1 to the byte offsets y0·stride + 4·x0 of the top-left
// taps. Clobbers Y0.
#define WARP_INDEX \
	VPSRLD  $16, Y15, Y0; \
	VPSRLD  $16, Y14, Y1; \
	VPMULLD Y11, Y1, Y1; \
	VPSLLD  $2, Y0, Y0; \
	VPADDD  Y0, Y1, Y1

// func warpBilinearAVX2(dst, src *uint8, stride, n int, fx, fy, dx, dy int64)
TEXT ·warpBilinearAVX2(SB), NOSPLIT, $0-64
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ stride+16(FP), DX
	MOVQ n+24(FP), CX
	LEAQ (SI)(DX*1), R9

	// Y15, Y14: x and y of the 8 pixels of a step; Y13, Y12: 8·dx, 8·dy.
	MOVQ         dx+48(FP), AX
	MOVQ         AX, X0
	VPBROADCASTD X0, Y0
	VPMULLD      warpIota<>(SB), Y0, Y0
	MOVQ         fx+32(FP), BX
	MOVQ         BX, X15
	VPBROADCASTD X15, Y15
	VPADDD       Y0, Y15, Y15
	SHLQ         $3, AX
	MOVQ         AX, X13
	VPBROADCASTD X13, Y13
	MOVQ         dy+56(FP), AX
	MOVQ         AX, X0
	VPBROADCASTD X0, Y0
	VPMULLD      warpIota<>(SB), Y0, Y0
	MOVQ         fy+40(FP), BX
	MOVQ         BX, X14
	VPBROADCASTD X14, Y14
	VPADDD       Y0, Y14, Y14
	SHLQ         $3, AX
	MOVQ         AX, X12
	VPBROADCASTD X12, Y12
	MOVQ         DX, X11
	VPBROADCASTD X11, Y11
	VPXOR        Y8, Y8, Y8

	CMPQ CX, $8
	JLT  tail

loop:
	WARP_INDEX
	WARP_GATHER
	WARP_BLEND
	VPERMQ  $0xd8, Y0, Y0
	VMOVDQU Y0, (DI)
	VPADDD  Y13, Y15, Y15
	VPADDD  Y12, Y14, Y14
	ADDQ    $32, DI
	SUBQ    $8, CX
	CMPQ    CX, $8
	JGE     loop

tail:
	// The last 1..7 pixels: lanes k >= CX repeat pixel CX-1, and only
	// lanes k < CX are stored.
	TESTQ        CX, CX
	JZ           done
	MOVQ         CX, X0
	VPBROADCASTD X0, Y0
	VPCMPGTD     warpIota<>(SB), Y0, Y11
	VPCMPEQD     Y2, Y2, Y2
	VPADDD       Y2, Y0, Y0
	VPMINSD      warpIota<>(SB), Y0, Y0
	MOVQ         n+24(FP), AX
	SUBQ         CX, AX
	MOVQ         dx+48(FP), R10
	MOVQ         R10, X1
	VPBROADCASTD X1, Y1
	VPMULLD      Y0, Y1, Y1
	IMULQ        AX, R10
	ADDQ         fx+32(FP), R10
	MOVQ         R10, X15
	VPBROADCASTD X15, Y15
	VPADDD       Y1, Y15, Y15
	MOVQ         dy+56(FP), R10
	MOVQ         R10, X1
	VPBROADCASTD X1, Y1
	VPMULLD      Y0, Y1, Y1
	IMULQ        AX, R10
	ADDQ         fy+40(FP), R10
	MOVQ         R10, X14
	VPBROADCASTD X14, Y14
	VPADDD       Y1, Y14, Y14
	// Y11 holds the store mask now: WARP_INDEX with the stride in Y12.
	MOVQ         DX, X12
	VPBROADCASTD X12, Y12
	VPSRLD       $16, Y15, Y0
	VPSRLD       $16, Y14, Y1
	VPMULLD      Y12, Y1, Y1
	VPSLLD       $2, Y0, Y0
	VPADDD       Y0, Y1, Y1
	WARP_GATHER
	WARP_BLEND
	VPERMQ       $0xd8, Y0, Y0
	VPMASKMOVD   Y0, Y11, (DI)

done:
	VZEROUPPER
	RET

//go:build amd64 && !purego && !noasm

#include "textflag.h"

// Offsets into ·idctK (see idct_amd64.go): one 32-byte vector each.
#define KA 0     // row pass box (x2, x3): kcos, ksin-kcos, kcos+ksin
#define KR8 96   // c(sqrt2inv, 8)
#define KB 128   // box (x4, x7), both passes
#define KC 224   // box (x5, x6), both passes
#define KD 320   // column pass box (x2, x3)
#define KC14 416 // c(sqrt2inv, 14)
#define KRND 448 // 1<<19
#define K128 480 // level shift

// BFLY sets a, b = a+b, a-b.
#define BFLY(a, b, t) \
	VPADDD b, a, t; \
	VPSUBD b, a, b; \
	VMOVDQA t, a

// BOX is dctBox: x0, x1 = ksum + (ksin-kcos)*x1, ksum - (kcos+ksin)*x0
// with ksum = kcos*(x0+x1); the three constants are at K, K+32, K+64.
#define BOX(x0, x1, K, t0, t1) \
	VPADDD x1, x0, t0; \
	VPMULLD K(SI), t0, t0; \
	VPMULLD (K+32)(SI), x1, t1; \
	VPMULLD (K+64)(SI), x0, x0; \
	VPADDD t1, t0, t1; \
	VPSUBD x0, t0, x1; \
	VMOVDQA t1, x0

// TRANSPOSE transposes the 8x8 int32 matrix with rows i0..i7 into
// columns t0..t7, clobbering i0..i7.
#define TRANSPOSE(i0, i1, i2, i3, i4, i5, i6, i7, t0, t1, t2, t3, t4, t5, t6, t7) \
	VPUNPCKLDQ i1, i0, t0; \
	VPUNPCKHDQ i1, i0, t1; \
	VPUNPCKLDQ i3, i2, t2; \
	VPUNPCKHDQ i3, i2, t3; \
	VPUNPCKLDQ i5, i4, t4; \
	VPUNPCKHDQ i5, i4, t5; \
	VPUNPCKLDQ i7, i6, t6; \
	VPUNPCKHDQ i7, i6, t7; \
	VPUNPCKLQDQ t2, t0, i0; \
	VPUNPCKHQDQ t2, t0, i1; \
	VPUNPCKLQDQ t3, t1, i2; \
	VPUNPCKHQDQ t3, t1, i3; \
	VPUNPCKLQDQ t6, t4, i4; \
	VPUNPCKHQDQ t6, t4, i5; \
	VPUNPCKLQDQ t7, t5, i6; \
	VPUNPCKHQDQ t7, t5, i7; \
	VPERM2I128 $0x20, i4, i0, t0; \
	VPERM2I128 $0x31, i4, i0, t4; \
	VPERM2I128 $0x20, i5, i1, t1; \
	VPERM2I128 $0x31, i5, i1, t5; \
	VPERM2I128 $0x20, i6, i2, t2; \
	VPERM2I128 $0x31, i6, i2, t6; \
	VPERM2I128 $0x20, i7, i3, t3; \
	VPERM2I128 $0x31, i7, i3, t7

// ROWPASS is idctRows on eight rows at once (lane r holds row r).
#define ROWPASS(x0, x1, x2, x3, x4, x5, x6, x7, t0, t1) \
	VPSLLD $17, x0, x0; \
	VPSLLD $17, x1, x1; \
	BFLY(x0, x1, t0); \
	BOX(x2, x3, KA, t0, t1); \
	BFLY(x1, x2, t0); \
	BFLY(x0, x3, t0); \
	VPSLLD $7, x4, x4; \
	VPSLLD $7, x7, x7; \
	BFLY(x7, x4, t0); \
	VPMULLD KR8(SI), x6, x6; \
	VPMULLD KR8(SI), x5, x5; \
	BFLY(x7, x5, t0); \
	BFLY(x4, x6, t0); \
	VPSRAD $2, x4, x4; \
	VPSRAD $2, x7, x7; \
	BOX(x4, x7, KB, t0, t1); \
	VPSRAD $2, x5, x5; \
	VPSRAD $2, x6, x6; \
	BOX(x5, x6, KC, t0, t1); \
	BFLY(x0, x7, t0); \
	BFLY(x1, x6, t0); \
	BFLY(x2, x5, t0); \
	BFLY(x3, x4, t0)

// COLPASS is idctCols on eight columns at once (lane c holds column c).
#define COLPASS(x0, x1, x2, x3, x4, x5, x6, x7, t0, t1) \
	VPADDD KRND(SI), x0, x0; \
	BFLY(x0, x1, t0); \
	VPSRAD $2, x0, x0; \
	VPSRAD $2, x1, x1; \
	VPSRAD $13, x2, x2; \
	VPSRAD $13, x3, x3; \
	BOX(x2, x3, KD, t0, t1); \
	BFLY(x1, x2, t0); \
	BFLY(x0, x3, t0); \
	BFLY(x7, x4, t0); \
	VPSRAD $13, x5, x5; \
	VPMULLD KC14(SI), x5, x5; \
	VPSRAD $13, x6, x6; \
	VPMULLD KC14(SI), x6, x6; \
	BFLY(x7, x5, t0); \
	BFLY(x4, x6, t0); \
	VPSRAD $14, x4, x4; \
	VPSRAD $14, x7, x7; \
	BOX(x4, x7, KB, t0, t1); \
	VPSRAD $14, x5, x5; \
	VPSRAD $14, x6, x6; \
	BOX(x5, x6, KC, t0, t1); \
	BFLY(x0, x7, t0); \
	BFLY(x1, x6, t0); \
	BFLY(x2, x5, t0); \
	BFLY(x3, x4, t0); \
	VPSRAD $18, x0, x0; \
	VPSRAD $18, x1, x1; \
	VPSRAD $18, x2, x2; \
	VPSRAD $18, x3, x3; \
	VPSRAD $18, x4, x4; \
	VPSRAD $18, x5, x5; \
	VPSRAD $18, x6, x6; \
	VPSRAD $18, x7, x7

// STORE level-shifts one output row, clips it to [0, 255] by saturating
// packs and writes its 8 bytes at DI, then advances DI by the stride.
#define STORE(y, x) \
	VPADDD K128(SI), y, y; \
	VEXTRACTI128 $1, y, X8; \
	VPACKSSDW X8, x, x; \
	VPACKUSWB x, x, x; \
	VMOVQ x, (DI); \
	ADDQ DX, DI

// func idctStoreAVX2(b, qt *block, dst *byte, stride int)
TEXT ·idctStoreAVX2(SB), NOSPLIT, $0-32
	MOVQ b+0(FP), AX
	MOVQ qt+8(FP), BX
	MOVQ dst+16(FP), DI
	MOVQ stride+24(FP), DX
	LEAQ ·idctK(SB), SI

	// Load and dequantize the rows.
	VMOVDQU 0(AX), Y0
	VMOVDQU 32(AX), Y1
	VMOVDQU 64(AX), Y2
	VMOVDQU 96(AX), Y3
	VMOVDQU 128(AX), Y4
	VMOVDQU 160(AX), Y5
	VMOVDQU 192(AX), Y6
	VMOVDQU 224(AX), Y7
	VPMULLD 0(BX), Y0, Y0
	VPMULLD 32(BX), Y1, Y1
	VPMULLD 64(BX), Y2, Y2
	VPMULLD 96(BX), Y3, Y3
	VPMULLD 128(BX), Y4, Y4
	VPMULLD 160(BX), Y5, Y5
	VPMULLD 192(BX), Y6, Y6
	VPMULLD 224(BX), Y7, Y7

	// Column j of the block lands in Y(8+j). idctRows reads its inputs
	// x0, x7, x2, x5, x1, x6, x3, x4 from columns 0..7.
	TRANSPOSE(Y0, Y1, Y2, Y3, Y4, Y5, Y6, Y7, Y8, Y9, Y10, Y11, Y12, Y13, Y14, Y15)
	ROWPASS(Y8, Y12, Y10, Y14, Y15, Y11, Y13, Y9, Y0, Y1)

	// Output column k of the row pass is in the register of xk; transpose
	// back so that row j is in Yj. idctCols reads x0, x7, x2, x5, x1, x6,
	// x3, x4 from rows 0..7.
	TRANSPOSE(Y8, Y12, Y10, Y14, Y15, Y11, Y13, Y9, Y0, Y1, Y2, Y3, Y4, Y5, Y6, Y7)
	COLPASS(Y0, Y4, Y2, Y6, Y7, Y3, Y5, Y1, Y8, Y9)

	// Output row k is in the register of xk.
	STORE(Y0, X0)
	STORE(Y4, X4)
	STORE(Y2, X2)
	STORE(Y6, X6)
	STORE(Y7, X7)
	STORE(Y3, X3)
	STORE(Y5, X5)
	STORE(Y1, X1)
	VZEROUPPER
	RET

//go:build amd64 && !purego && !noasm

#include "textflag.h"

// Byte shuffles that zero-extend one channel of each RGBA pixel (dword)
// to the whole dword, repeated in both 128-bit lanes.
DATA shufR<>+0(SB)/4, $0x80808000
DATA shufR<>+4(SB)/4, $0x80808004
DATA shufR<>+8(SB)/4, $0x80808008
DATA shufR<>+12(SB)/4, $0x8080800C
GLOBL shufR<>(SB), RODATA|NOPTR, $16

DATA shufG<>+0(SB)/4, $0x80808001
DATA shufG<>+4(SB)/4, $0x80808005
DATA shufG<>+8(SB)/4, $0x80808009
DATA shufG<>+12(SB)/4, $0x8080800D
GLOBL shufG<>(SB), RODATA|NOPTR, $16

DATA shufB<>+0(SB)/4, $0x80808002
DATA shufB<>+4(SB)/4, $0x80808006
DATA shufB<>+8(SB)/4, $0x8080800A
DATA shufB<>+12(SB)/4, $0x8080800E
GLOBL shufB<>(SB), RODATA|NOPTR, $16

// Words (R, B) and (G, G) of each pixel, for VPMADDWD with the luma
// weights (19595, 7471) and (19235, 19235): 2·19235 = 38470.
DATA shufRB<>+0(SB)/4, $0x80028000
DATA shufRB<>+4(SB)/4, $0x80068004
DATA shufRB<>+8(SB)/4, $0x800A8008
DATA shufRB<>+12(SB)/4, $0x800E800C
GLOBL shufRB<>(SB), RODATA|NOPTR, $16

DATA shufGG<>+0(SB)/4, $0x80018001
DATA shufGG<>+4(SB)/4, $0x80058005
DATA shufGG<>+8(SB)/4, $0x80098009
DATA shufGG<>+12(SB)/4, $0x800D800D
GLOBL shufGG<>(SB), RODATA|NOPTR, $16

DATA wRB<>+0(SB)/4, $0x1D2F4C8B
GLOBL wRB<>(SB), RODATA|NOPTR, $4
DATA wGG<>+0(SB)/4, $0x4B234B23
GLOBL wGG<>(SB), RODATA|NOPTR, $4
DATA c32768<>+0(SB)/4, $32768
GLOBL c32768<>(SB), RODATA|NOPTR, $4

// After VPACKUSWB a lane holds R0-3 G0-3 B0-3 A0-3; back to RGBA order.
DATA interleave<>+0(SB)/4, $0x0C080400
DATA interleave<>+4(SB)/4, $0x0D090501
DATA interleave<>+8(SB)/4, $0x0E0A0602
DATA interleave<>+12(SB)/4, $0x0F0B0703
GLOBL interleave<>(SB), RODATA|NOPTR, $16

// func saturateAVX2(dst, src *uint8, n int, f int32)
TEXT ·saturateAVX2(SB), NOSPLIT, $0-28
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	MOVL f+24(FP), AX
	MOVQ AX, X15
	VPBROADCASTD X15, Y15
	VBROADCASTI128 shufRB<>(SB), Y14
	VBROADCASTI128 shufGG<>(SB), Y13
	VPBROADCASTD wRB<>(SB), Y12
	VPBROADCASTD wGG<>(SB), Y11
	VPBROADCASTD c32768<>(SB), Y10
	VBROADCASTI128 shufR<>(SB), Y9
	VBROADCASTI128 shufG<>(SB), Y8
	VBROADCASTI128 shufB<>(SB), Y7
	VBROADCASTI128 interleave<>(SB), Y6

satloop:
	VMOVDQU (SI), Y0
	// Luma l in each dword.
	VPSHUFB  Y14, Y0, Y1
	VPSHUFB  Y13, Y0, Y2
	VPMADDWD Y12, Y1, Y1
	VPMADDWD Y11, Y2, Y2
	VPADDD   Y2, Y1, Y1
	VPADDD   Y10, Y1, Y1
	VPSRLD   $16, Y1, Y1

	// v' = l + ((v-l)*f + 32768) >> 16 for each channel.
	VPSHUFB Y9, Y0, Y2
	VPSUBD  Y1, Y2, Y2
	VPMULLD Y15, Y2, Y2
	VPADDD  Y10, Y2, Y2
	VPSRAD  $16, Y2, Y2
	VPADDD  Y1, Y2, Y2

	VPSHUFB Y8, Y0, Y3
	VPSUBD  Y1, Y3, Y3
	VPMULLD Y15, Y3, Y3
	VPADDD  Y10, Y3, Y3
	VPSRAD  $16, Y3, Y3
	VPADDD  Y1, Y3, Y3

	VPSHUFB Y7, Y0, Y4
	VPSUBD  Y1, Y4, Y4
	VPMULLD Y15, Y4, Y4
	VPADDD  Y10, Y4, Y4
	VPSRAD  $16, Y4, Y4
	VPADDD  Y1, Y4, Y4

	// Clamp to [0, 255] by saturating packs, with alpha, back to RGBA.
	VPSRLD    $24, Y0, Y5
	VPACKSSDW Y3, Y2, Y2
	VPACKSSDW Y5, Y4, Y4
	VPACKUSWB Y4, Y2, Y2
	VPSHUFB   Y6, Y2, Y2
	VMOVDQU   Y2, (DI)

	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JNZ  satloop
	VZEROUPPER
	RET

DATA f65536<>+0(SB)/4, $65536.0
GLOBL f65536<>(SB), RODATA|NOPTR, $4
DATA c255<>+0(SB)/4, $255
GLOBL c255<>(SB), RODATA|NOPTR, $4

// 32-byte constants, used as memory operands.
DATA c512<>+0(SB)/8, $0x0000020000000200
DATA c512<>+8(SB)/8, $0x0000020000000200
DATA c512<>+16(SB)/8, $0x0000020000000200
DATA c512<>+24(SB)/8, $0x0000020000000200
GLOBL c512<>(SB), RODATA|NOPTR, $32

DATA c1024<>+0(SB)/8, $0x0000040000000400
DATA c1024<>+8(SB)/8, $0x0000040000000400
DATA c1024<>+16(SB)/8, $0x0000040000000400
DATA c1024<>+24(SB)/8, $0x0000040000000400
GLOBL c1024<>(SB), RODATA|NOPTR, $32

DATA c1536<>+0(SB)/8, $0x0000060000000600
DATA c1536<>+8(SB)/8, $0x0000060000000600
DATA c1536<>+16(SB)/8, $0x0000060000000600
DATA c1536<>+24(SB)/8, $0x0000060000000600
GLOBL c1536<>(SB), RODATA|NOPTR, $32

DATA c128<>+0(SB)/8, $0x0000008000000080
DATA c128<>+8(SB)/8, $0x0000008000000080
DATA c128<>+16(SB)/8, $0x0000008000000080
DATA c128<>+24(SB)/8, $0x0000008000000080
GLOBL c128<>(SB), RODATA|NOPTR, $32

DATA amask<>+0(SB)/8, $0xFF000000FF000000
DATA amask<>+8(SB)/8, $0xFF000000FF000000
DATA amask<>+16(SB)/8, $0xFF000000FF000000
DATA amask<>+24(SB)/8, $0xFF000000FF000000
GLOBL amask<>(SB), RODATA|NOPTR, $32

// Per hue sector k (index k&7; 6 and 7 stand for -2 and -1, sectors 4
// and 5), the VPSHUFB source bytes of R, G and B: value v (max, min,
// rising, falling) of pixel j sits at byte 4v+j of its lane.
DATA hueCtl<>+0(SB)/4, $0x80040800
DATA hueCtl<>+4(SB)/4, $0x8004000C
DATA hueCtl<>+8(SB)/4, $0x80080004
DATA hueCtl<>+12(SB)/4, $0x80000C04
DATA hueCtl<>+16(SB)/4, $0x80000408
DATA hueCtl<>+20(SB)/4, $0x800C0400
DATA hueCtl<>+24(SB)/4, $0x80000408
DATA hueCtl<>+28(SB)/4, $0x800C0400
GLOBL hueCtl<>(SB), RODATA|NOPTR, $32

// Pixel j of a lane adds j to its shuffle bytes.
DATA hueOff<>+0(SB)/8, $0x0101010100000000
DATA hueOff<>+8(SB)/8, $0x0303030302020202
DATA hueOff<>+16(SB)/8, $0x0101010100000000
DATA hueOff<>+24(SB)/8, $0x0303030302020202
GLOBL hueOff<>(SB), RODATA|NOPTR, $32

// func hueAVX2(dst, src *uint8, n int, sqm int32)
//
// sqm is the shift minus 1536. The reciprocal of the chroma c comes from
// a float32 division: round(65536/c) with round-to-nearest-even is
// recip[c] for every c in 1..255 (no quotient is within float32 error of
// a half), and for c = 0 the channel difference it multiplies is 0.
TEXT ·hueAVX2(SB), NOSPLIT, $0-28
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	MOVL sqm+24(FP), AX
	MOVQ AX, X15
	VPBROADCASTD X15, Y15
	VBROADCASTI128 shufR<>(SB), Y14
	VBROADCASTI128 shufG<>(SB), Y13
	VBROADCASTI128 shufB<>(SB), Y12
	VBROADCASTSS f65536<>(SB), Y11
	VPBROADCASTD c255<>(SB), Y10

hueloop:
	VMOVDQU (SI), Y0
	VPSHUFB Y14, Y0, Y1 // r
	VPSHUFB Y13, Y0, Y2 // g
	VPSHUFB Y12, Y0, Y3 // b
	VPMAXSD Y2, Y1, Y4
	VPMAXSD Y3, Y4, Y4  // mx
	VPMINSD Y2, Y1, Y5
	VPMINSD Y3, Y5, Y5  // mn
	VPSUBD  Y5, Y4, Y6  // c
	VCVTDQ2PS Y6, Y7
	VDIVPS    Y7, Y11, Y7
	VCVTPS2DQ Y7, Y7    // recip[c]
	VPCMPEQD Y4, Y1, Y8 // mx == r
	VPCMPEQD Y4, Y2, Y0 // mx == g

	// hq = base + (d*recip[c]) >> 8: d, base = g-b, 0 (mx == r),
	// b-r, 512 (mx == g), r-g, 1024 (otherwise).
	VPSUBD    Y3, Y2, Y9 // g - b
	VPSUBD    Y1, Y3, Y3 // b - r
	VPSUBD    Y2, Y1, Y1 // r - g
	VPBLENDVB Y0, Y3, Y1, Y1
	VPBLENDVB Y8, Y9, Y1, Y1
	VPMULLD   Y7, Y1, Y1
	VPSRAD    $8, Y1, Y1
	VPAND     c512<>(SB), Y0, Y2
	VMOVDQU   c1024<>(SB), Y3
	VPSUBD    Y2, Y3, Y3
	VPANDN    Y3, Y8, Y3
	VPADDD    Y3, Y1, Y1

	// h = hq + shift - 1536, plus 1536 when negative: in [-257, 1536),
	// equal to the wrapped hue modulo 1536.
	VPADDD Y15, Y1, Y1
	VPSRAD $31, Y1, Y2
	VPAND  c1536<>(SB), Y2, Y2
	VPADDD Y2, Y1, Y1

	// rise = (c*(h&255) + 128) >> 8; sector k = h >> 8.
	VPSRAD  $8, Y1, Y2
	VPAND   Y10, Y1, Y1
	VPMULLW Y6, Y1, Y1
	VPADDD  c128<>(SB), Y1, Y1
	VPSRLD  $8, Y1, Y1
	VPADDD  Y5, Y1, Y3 // mn + rise
	VPSUBD  Y1, Y4, Y1 // mx - rise

	// Bytes max, min, rising, falling of the lane's 4 pixels, then pick
	// per pixel and channel.
	VPACKUSDW Y5, Y4, Y4
	VPACKUSDW Y1, Y3, Y3
	VPACKUSWB Y3, Y4, Y4
	VPERMD    hueCtl<>(SB), Y2, Y2
	VPADDB    hueOff<>(SB), Y2, Y2
	VPSHUFB   Y2, Y4, Y4
	VMOVDQU   (SI), Y0
	VPAND     amask<>(SB), Y0, Y0
	VPOR      Y0, Y4, Y4
	VMOVDQU   Y4, (DI)

	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JNZ  hueloop
	VZEROUPPER
	RET

DATA mR<>+0(SB)/4, $0x000000FF
GLOBL mR<>(SB), RODATA|NOPTR, $4
DATA mG<>+0(SB)/4, $0x0000FF00
GLOBL mG<>(SB), RODATA|NOPTR, $4
DATA mB<>+0(SB)/4, $0x00FF0000
GLOBL mB<>(SB), RODATA|NOPTR, $4

// func sumsAVX2(s *[3]uint64, src *uint8, n int)
TEXT ·sumsAVX2(SB), NOSPLIT, $0-24
	MOVQ s+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	VPXOR Y0, Y0, Y0
	VPXOR Y1, Y1, Y1
	VPXOR Y2, Y2, Y2
	VPXOR Y3, Y3, Y3
	VPBROADCASTD mR<>(SB), Y4
	VPBROADCASTD mG<>(SB), Y5
	VPBROADCASTD mB<>(SB), Y6

sumloop:
	VMOVDQU  (SI), Y7
	VPAND    Y4, Y7, Y8
	VPSADBW  Y0, Y8, Y8
	VPADDQ   Y8, Y1, Y1
	VPAND    Y5, Y7, Y8
	VPSADBW  Y0, Y8, Y8
	VPADDQ   Y8, Y2, Y2
	VPAND    Y6, Y7, Y8
	VPSADBW  Y0, Y8, Y8
	VPADDQ   Y8, Y3, Y3
	ADDQ     $32, SI
	SUBQ     $8, CX
	JNZ      sumloop

	VEXTRACTI128 $1, Y1, X8
	VPADDQ       X8, X1, X1
	VPSHUFD      $0x4E, X1, X8
	VPADDQ       X8, X1, X1
	MOVQ         X1, AX
	ADDQ         AX, 0(DI)
	VEXTRACTI128 $1, Y2, X8
	VPADDQ       X8, X2, X2
	VPSHUFD      $0x4E, X2, X8
	VPADDQ       X8, X2, X2
	MOVQ         X2, AX
	ADDQ         AX, 8(DI)
	VEXTRACTI128 $1, Y3, X8
	VPADDQ       X8, X3, X3
	VPSHUFD      $0x4E, X3, X8
	VPADDQ       X8, X3, X3
	MOVQ         X3, AX
	ADDQ         AX, 16(DI)
	VZEROUPPER
	RET

// func lutVBMI(dst, src *uint8, n int, lut *[256]uint8)
//
// 16 pixels per step: two VPERMI2B look up the byte in each half of the
// table, bit 7 of the byte picks the half, and alpha is copied back.
TEXT ·lutVBMI(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	MOVQ lut+24(FP), AX
	VMOVDQU64 0(AX), Z8
	VMOVDQU64 64(AX), Z9
	VMOVDQU64 128(AX), Z10
	VMOVDQU64 192(AX), Z11
	MOVQ $0x8888888888888888, AX
	KMOVQ AX, K2

lutloop:
	VMOVDQU64 (SI), Z0
	VMOVDQA64 Z0, Z1
	VPERMI2B  Z9, Z8, Z1
	VMOVDQA64 Z0, Z2
	VPERMI2B  Z11, Z10, Z2
	VPMOVB2M  Z0, K1
	VPBLENDMB Z2, Z1, K1, Z1
	VMOVDQU8  Z0, K2, Z1
	VMOVDQU64 Z1, (DI)
	ADDQ $64, SI
	ADDQ $64, DI
	SUBQ $16, CX
	JNZ  lutloop
	VZEROUPPER
	RET

DATA c0x70<>+0(SB)/4, $0x70707070
GLOBL c0x70<>(SB), RODATA|NOPTR, $4
DATA c0x10<>+0(SB)/4, $0x10101010
GLOBL c0x10<>(SB), RODATA|NOPTR, $4

// func lutAVX2(dst, src *uint8, n int, lut *[256]uint8)
//
// 8 pixels per step, the table as 16 rows of 16 bytes: row i answers the
// bytes whose high nibble is i. With y = byte - 16i (mod 256),
// saturating y + 0x70 is 0x70 + low nibble for those bytes and has bit 7
// set (VPSHUFB gives 0) for all others; the 16 row lookups are ORed.
TEXT ·lutAVX2(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	MOVQ lut+24(FP), AX
	VPBROADCASTD c0x70<>(SB), Y15
	VPBROADCASTD c0x10<>(SB), Y14
	VMOVDQU amask<>(SB), Y13
	VBROADCASTI128 0(AX), Y5
	VBROADCASTI128 16(AX), Y6
	VBROADCASTI128 32(AX), Y7
	VBROADCASTI128 48(AX), Y8
	VBROADCASTI128 64(AX), Y9
	VBROADCASTI128 80(AX), Y10
	VBROADCASTI128 96(AX), Y11
	VBROADCASTI128 112(AX), Y12

lut2loop:
	VMOVDQU (SI), Y0
	VPXOR   Y1, Y1, Y1
	VMOVDQA Y0, Y2
	VPADDUSB Y15, Y2, Y3
	VPSHUFB  Y3, Y5, Y4
	VPOR     Y4, Y1, Y1
	VPSUBB   Y14, Y2, Y2
	VPADDUSB Y15, Y2, Y3
	VPSHUFB  Y3, Y6, Y4
	VPOR     Y4, Y1, Y1
	VPSUBB   Y14, Y2, Y2
	VPADDUSB Y15, Y2, Y3
	VPSHUFB  Y3, Y7, Y4
	VPOR     Y4, Y1, Y1
	VPSUBB   Y14, Y2, Y2
	VPADDUSB Y15, Y2, Y3
	VPSHUFB  Y3, Y8, Y4
	VPOR     Y4, Y1, Y1
	VPSUBB   Y14, Y2, Y2
	VPADDUSB Y15, Y2, Y3
	VPSHUFB  Y3, Y9, Y4
	VPOR     Y4, Y1, Y1
	VPSUBB   Y14, Y2, Y2
	VPADDUSB Y15, Y2, Y3
	VPSHUFB  Y3, Y10, Y4
	VPOR     Y4, Y1, Y1
	VPSUBB   Y14, Y2, Y2
	VPADDUSB Y15, Y2, Y3
	VPSHUFB  Y3, Y11, Y4
	VPOR     Y4, Y1, Y1
	VPSUBB   Y14, Y2, Y2
	VPADDUSB Y15, Y2, Y3
	VPSHUFB  Y3, Y12, Y4
	VPOR     Y4, Y1, Y1
	VPSUBB   Y14, Y2, Y2
	VPADDUSB Y15, Y2, Y3
	VBROADCASTI128 128(AX), Y4
	VPSHUFB  Y3, Y4, Y4
	VPOR     Y4, Y1, Y1
	VPSUBB   Y14, Y2, Y2
	VPADDUSB Y15, Y2, Y3
	VBROADCASTI128 144(AX), Y4
	VPSHUFB  Y3, Y4, Y4
	VPOR     Y4, Y1, Y1
	VPSUBB   Y14, Y2, Y2
	VPADDUSB Y15, Y2, Y3
	VBROADCASTI128 160(AX), Y4
	VPSHUFB  Y3, Y4, Y4
	VPOR     Y4, Y1, Y1
	VPSUBB   Y14, Y2, Y2
	VPADDUSB Y15, Y2, Y3
	VBROADCASTI128 176(AX), Y4
	VPSHUFB  Y3, Y4, Y4
	VPOR     Y4, Y1, Y1
	VPSUBB   Y14, Y2, Y2
	VPADDUSB Y15, Y2, Y3
	VBROADCASTI128 192(AX), Y4
	VPSHUFB  Y3, Y4, Y4
	VPOR     Y4, Y1, Y1
	VPSUBB   Y14, Y2, Y2
	VPADDUSB Y15, Y2, Y3
	VBROADCASTI128 208(AX), Y4
	VPSHUFB  Y3, Y4, Y4
	VPOR     Y4, Y1, Y1
	VPSUBB   Y14, Y2, Y2
	VPADDUSB Y15, Y2, Y3
	VBROADCASTI128 224(AX), Y4
	VPSHUFB  Y3, Y4, Y4
	VPOR     Y4, Y1, Y1
	VPSUBB   Y14, Y2, Y2
	VPADDUSB Y15, Y2, Y3
	VBROADCASTI128 240(AX), Y4
	VPSHUFB  Y3, Y4, Y4
	VPOR     Y4, Y1, Y1
	VPBLENDVB Y13, Y0, Y1, Y1
	VMOVDQU   Y1, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JNZ  lut2loop
	VZEROUPPER
	RET

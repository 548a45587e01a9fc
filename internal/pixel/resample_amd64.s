//go:build amd64 && !purego && !noasm

#include "textflag.h"

// Byte shuffles that zero-extend one channel of each RGBA pixel (dword)
// to the whole dword.
DATA resampleR<>+0(SB)/8, $0x8080800480808000
DATA resampleR<>+8(SB)/8, $0x8080800c80808008
DATA resampleR<>+16(SB)/8, $0x8080800480808000
DATA resampleR<>+24(SB)/8, $0x8080800c80808008
GLOBL resampleR<>(SB), RODATA|NOPTR, $32

DATA resampleG<>+0(SB)/8, $0x8080800580808001
DATA resampleG<>+8(SB)/8, $0x8080800d80808009
DATA resampleG<>+16(SB)/8, $0x8080800580808001
DATA resampleG<>+24(SB)/8, $0x8080800d80808009
GLOBL resampleG<>(SB), RODATA|NOPTR, $32

DATA resampleB<>+0(SB)/8, $0x8080800680808002
DATA resampleB<>+8(SB)/8, $0x8080800e8080800a
DATA resampleB<>+16(SB)/8, $0x8080800680808002
DATA resampleB<>+24(SB)/8, $0x8080800e8080800a
GLOBL resampleB<>(SB), RODATA|NOPTR, $32

// Bytes R0-3 G0-3 B0-3 A0-3 of a 128-bit lane to R0 G0 B0 A0 R1 ...
DATA resampleT<>+0(SB)/8, $0x0d0905010c080400
DATA resampleT<>+8(SB)/8, $0x0f0b07030e0a0602
DATA resampleT<>+16(SB)/8, $0x0d0905010c080400
DATA resampleT<>+24(SB)/8, $0x0f0b07030e0a0602
GLOBL resampleT<>(SB), RODATA|NOPTR, $32

// Dword order after packing 4×8 dwords to bytes within 128-bit lanes.
DATA resampleP<>+0(SB)/8, $0x0000000400000000
DATA resampleP<>+8(SB)/8, $0x0000000500000001
DATA resampleP<>+16(SB)/8, $0x0000000600000002
DATA resampleP<>+24(SB)/8, $0x0000000700000003
GLOBL resampleP<>(SB), RODATA|NOPTR, $32

// HRESAMPLE_TAP adds the products of the pixels in Y5 (one per output)
// and the weights at (R9) to the channel sums Y0-Y3, and moves R9 to the
// next tap's weights. Clobbers Y6, Y7.
#define HRESAMPLE_TAP \
	VMOVDQU (R9), Y6; \
	VPSHUFB resampleR<>(SB), Y5, Y7; \
	VPMULLD Y6, Y7, Y7; \
	VPADDD  Y7, Y0, Y0; \
	VPSHUFB resampleG<>(SB), Y5, Y7; \
	VPMULLD Y6, Y7, Y7; \
	VPADDD  Y7, Y1, Y1; \
	VPSHUFB resampleB<>(SB), Y5, Y7; \
	VPMULLD Y6, Y7, Y7; \
	VPADDD  Y7, Y2, Y2; \
	VPSRLD  $24, Y5, Y7; \
	VPMULLD Y6, Y7, Y7; \
	VPADDD  Y7, Y3, Y3; \
	ADDQ    $32, R9

// func hresampleAVX2(dst, src *uint8, idx, base, wt *int32, blocks, taps, lastOff int, bits uint, half int)
TEXT ·hresampleAVX2(SB), NOSPLIT, $0-80
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ idx+16(FP), R8
	MOVQ base+24(FP), R12
	MOVQ wt+32(FP), R9
	MOVQ blocks+40(FP), CX
	MOVQ taps+48(FP), DX
	MOVQ lastOff+56(FP), R13
	ADDQ DI, R13
	MOVQ bits+64(FP), AX
	MOVQ AX, X15

	// Y14: the rounding term 1<<(bits-1) in each dword; Y12: 1s.
	MOVQ         half+72(FP), X14
	VPBROADCASTD X14, Y14
	VPCMPEQD     Y12, Y12, Y12
	VPSRLD       $31, Y12, Y12

block:
	CMPQ CX, $1
	JNE  notlast
	MOVQ R13, DI

notlast:
	VMOVDQU (R8), Y13
	VMOVDQA Y14, Y0
	VMOVDQA Y14, Y1
	VMOVDQA Y14, Y2
	VMOVDQA Y14, Y3
	MOVQ    DX, R11
	MOVLQSX (R12), AX
	TESTQ   AX, AX
	JS      gather

	// The block's taps lie in the 16 (24 when bit 0 of AX is set)
	// pixels from byte AX&^1: Y13 holds their positions there for the
	// first tap, one more for each next tap; VPERMD picks within each 8
	// pixels and bits 3 and 4 of the position choose which 8.
	BTRQ    $0, AX
	VMOVDQU (SI)(AX*1), Y8
	VMOVDQU 32(SI)(AX*1), Y9
	JCS     perm24

permtap:
	VPERMD    Y8, Y13, Y5
	VPERMD    Y9, Y13, Y10
	VPSLLD    $28, Y13, Y11
	VBLENDVPS Y11, Y10, Y5, Y5
	VPADDD    Y12, Y13, Y13
	HRESAMPLE_TAP
	DECQ      R11
	JNZ       permtap
	JMP       store

perm24:
	VMOVDQU 64(SI)(AX*1), Y10

perm24tap:
	VPERMD    Y8, Y13, Y5
	VPERMD    Y9, Y13, Y11
	VPSLLD    $28, Y13, Y4
	VBLENDVPS Y4, Y11, Y5, Y5
	VPERMD    Y10, Y13, Y11
	VPSLLD    $27, Y13, Y4
	VBLENDVPS Y4, Y11, Y5, Y5
	VPADDD    Y12, Y13, Y13
	HRESAMPLE_TAP
	DECQ      R11
	JNZ       perm24tap
	JMP       store

gather:
	// Y13 holds byte offsets of the windows; the base moves one pixel
	// per tap.
	MOVQ SI, R10

tap:
	VPCMPEQD   Y4, Y4, Y4
	VPGATHERDD Y4, (R10)(Y13*1), Y5
	HRESAMPLE_TAP
	ADDQ       $4, R10
	DECQ       R11
	JNZ        tap

store:
	VPSRAD    X15, Y0, Y0
	VPSRAD    X15, Y1, Y1
	VPSRAD    X15, Y2, Y2
	VPSRAD    X15, Y3, Y3
	VPACKSSDW Y1, Y0, Y0
	VPACKSSDW Y3, Y2, Y2
	VPACKUSWB Y2, Y0, Y0
	VPSHUFB   resampleT<>(SB), Y0, Y0
	VMOVDQU   Y0, (DI)
	ADDQ      $32, R8
	ADDQ      $4, R12
	ADDQ      $32, DI
	DECQ      CX
	JNZ       block

	VZEROUPPER
	RET

// HRESAMPLE8_TAP adds the products of the pixels in Y5 (one per output)
// and the 8-bit weights at (R9) (words: outputs 0, 1, 4, 5 then 2, 3, 6,
// 7, each repeated for the four channels) to the sums Y0 (outputs 0, 1,
// 4, 5) and Y1 (2, 3, 6, 7), and moves R9 to the next tap's weights. Y2 is
// zero. Clobbers Y6, Y7.
#define HRESAMPLE8_TAP \
	VPUNPCKLBW Y2, Y5, Y6; \
	VPUNPCKHBW Y2, Y5, Y7; \
	VPMULLW    (R9), Y6, Y6; \
	VPMULLW    32(R9), Y7, Y7; \
	VPADDW     Y6, Y0, Y0; \
	VPADDW     Y7, Y1, Y1; \
	ADDQ       $64, R9

// func hresample8AVX2(dst, src *uint8, idx, base *int32, wt *uint16, blocks, taps, lastOff int)
//
// hresample8AVX2 is hresampleAVX2 for 8-bit weights (16-bit weights that
// are multiples of 256, summing to at most 256 after the shift): sums in
// the 16-bit lanes of the pixels unpacked to words, 128 + Σ p·w >> 8.
TEXT ·hresample8AVX2(SB), NOSPLIT, $0-64
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ idx+16(FP), R8
	MOVQ base+24(FP), R12
	MOVQ wt+32(FP), R9
	MOVQ blocks+40(FP), CX
	MOVQ taps+48(FP), DX
	MOVQ lastOff+56(FP), R13
	ADDQ DI, R13

	// Y14: 128 in each word; Y12: 1 in each dword; Y2: zero.
	VPCMPEQD Y12, Y12, Y12
	VPSRLW   $15, Y12, Y14
	VPSLLW   $7, Y14, Y14
	VPSRLD   $31, Y12, Y12
	VPXOR    Y2, Y2, Y2

block:
	CMPQ CX, $1
	JNE  notlast
	MOVQ R13, DI

notlast:
	VMOVDQU (R8), Y13
	VMOVDQA Y14, Y0
	VMOVDQA Y14, Y1
	MOVQ    DX, R11
	MOVLQSX (R12), AX
	TESTQ   AX, AX
	JS      gather

	// The block's taps lie in the 16 (24 when bit 0 of AX is set)
	// pixels from byte AX&^1: Y13 holds their positions there for the
	// first tap, one more for each next tap; VPERMD picks within each 8
	// pixels and bits 3 and 4 of the position choose which 8.
	BTRQ    $0, AX
	VMOVDQU (SI)(AX*1), Y8
	VMOVDQU 32(SI)(AX*1), Y9
	JCS     perm24

permtap:
	VPERMD    Y8, Y13, Y5
	VPERMD    Y9, Y13, Y10
	VPSLLD    $28, Y13, Y11
	VBLENDVPS Y11, Y10, Y5, Y5
	VPADDD    Y12, Y13, Y13
	HRESAMPLE8_TAP
	DECQ      R11
	JNZ       permtap
	JMP       store

perm24:
	VMOVDQU 64(SI)(AX*1), Y10

perm24tap:
	VPERMD    Y8, Y13, Y5
	VPERMD    Y9, Y13, Y11
	VPSLLD    $28, Y13, Y4
	VBLENDVPS Y4, Y11, Y5, Y5
	VPERMD    Y10, Y13, Y11
	VPSLLD    $27, Y13, Y4
	VBLENDVPS Y4, Y11, Y5, Y5
	VPADDD    Y12, Y13, Y13
	HRESAMPLE8_TAP
	DECQ      R11
	JNZ       perm24tap
	JMP       store

gather:
	// Y13 holds byte offsets of the windows; the base moves one pixel
	// per tap.
	MOVQ SI, R10

tap:
	VPCMPEQD   Y4, Y4, Y4
	VPGATHERDD Y4, (R10)(Y13*1), Y5
	HRESAMPLE8_TAP
	ADDQ       $4, R10
	DECQ       R11
	JNZ        tap

store:
	VPSRLW    $8, Y0, Y0
	VPSRLW    $8, Y1, Y1
	VPACKUSWB Y1, Y0, Y0
	VMOVDQU   Y0, (DI)
	ADDQ      $32, R8
	ADDQ      $4, R12
	ADDQ      $32, DI
	DECQ      CX
	JNZ       block

	VZEROUPPER
	RET

// func vresampleAVX2(dst, src *uint8, n, stride int, w *int32, rows int, bits uint, half int)
TEXT ·vresampleAVX2(SB), NOSPLIT, $0-64
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	MOVQ stride+24(FP), DX
	MOVQ w+32(FP), R8
	MOVQ rows+40(FP), R9
	MOVQ bits+48(FP), AX
	MOVQ AX, X15

	MOVQ         half+56(FP), X14
	VPBROADCASTD X14, Y14
	VMOVDQU      resampleP<>(SB), Y13

	// BX: offset of the chunk; R12: offset of the last chunk.
	XORQ BX, BX
	LEAQ -32(CX), R12

chunk:
	VMOVDQA Y14, Y0
	VMOVDQA Y14, Y1
	VMOVDQA Y14, Y2
	VMOVDQA Y14, Y3
	LEAQ    (SI)(BX*1), R10
	MOVQ    R8, R11
	MOVQ    R9, AX

row:
	VPBROADCASTD (R11), Y4
	VPMOVZXBD    (R10), Y5
	VPMULLD      Y4, Y5, Y5
	VPADDD       Y5, Y0, Y0
	VPMOVZXBD    8(R10), Y5
	VPMULLD      Y4, Y5, Y5
	VPADDD       Y5, Y1, Y1
	VPMOVZXBD    16(R10), Y5
	VPMULLD      Y4, Y5, Y5
	VPADDD       Y5, Y2, Y2
	VPMOVZXBD    24(R10), Y5
	VPMULLD      Y4, Y5, Y5
	VPADDD       Y5, Y3, Y3
	ADDQ         DX, R10
	ADDQ         $4, R11
	DECQ         AX
	JNZ          row

	VPSRAD    X15, Y0, Y0
	VPSRAD    X15, Y1, Y1
	VPSRAD    X15, Y2, Y2
	VPSRAD    X15, Y3, Y3
	VPACKSSDW Y1, Y0, Y0
	VPACKSSDW Y3, Y2, Y2
	VPACKUSWB Y2, Y0, Y0
	VPERMD    Y0, Y13, Y0
	VMOVDQU   Y0, (DI)(BX*1)
	CMPQ      BX, R12
	JEQ       done
	ADDQ      $32, BX
	CMPQ      BX, R12
	JLE       chunk
	MOVQ      R12, BX
	JMP       chunk

done:
	VZEROUPPER
	RET

// func vresample8AVX2(dst, src *uint8, n, stride int, w *int32, rows int)
//
// vresample8AVX2 is vresampleAVX2 for 8-bit weights w (the 16-bit ones
// >> 8, non-negative, summing to at most 256): 128 + Σ t·w in the 16-bit
// lanes of the bytes unpacked to words, >> 8.
TEXT ·vresample8AVX2(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	MOVQ stride+24(FP), DX
	MOVQ w+32(FP), R8
	MOVQ rows+40(FP), R9

	// Y14: 128 in each word; Y2: zero.
	VPCMPEQD Y14, Y14, Y14
	VPSRLW   $15, Y14, Y14
	VPSLLW   $7, Y14, Y14
	VPXOR    Y2, Y2, Y2

	// BX: offset of the chunk; R12: offset of the last chunk.
	XORQ BX, BX
	LEAQ -32(CX), R12

chunk:
	VMOVDQA Y14, Y0
	VMOVDQA Y14, Y1
	LEAQ    (SI)(BX*1), R10
	MOVQ    R8, R11
	MOVQ    R9, AX

row:
	VPBROADCASTW (R11), Y4
	VMOVDQU      (R10), Y5
	VPUNPCKLBW   Y2, Y5, Y6
	VPUNPCKHBW   Y2, Y5, Y7
	VPMULLW      Y4, Y6, Y6
	VPMULLW      Y4, Y7, Y7
	VPADDW       Y6, Y0, Y0
	VPADDW       Y7, Y1, Y1
	ADDQ         DX, R10
	ADDQ         $4, R11
	DECQ         AX
	JNZ          row

	VPSRLW    $8, Y0, Y0
	VPSRLW    $8, Y1, Y1
	VPACKUSWB Y1, Y0, Y0
	VMOVDQU   Y0, (DI)(BX*1)
	CMPQ      BX, R12
	JEQ       done
	ADDQ      $32, BX
	CMPQ      BX, R12
	JLE       chunk
	MOVQ      R12, BX
	JMP       chunk

done:
	VZEROUPPER
	RET

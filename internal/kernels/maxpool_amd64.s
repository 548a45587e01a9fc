//go:build amd64 && !purego && !noasm

#include "textflag.h"

// evenLanes holds 0, 2, ..., 30: the permutation that gathers the even
// elements of two zmm registers (and, as int32, twice the lane number).
DATA evenLanes<>+0(SB)/4, $0
DATA evenLanes<>+4(SB)/4, $2
DATA evenLanes<>+8(SB)/4, $4
DATA evenLanes<>+12(SB)/4, $6
DATA evenLanes<>+16(SB)/4, $8
DATA evenLanes<>+20(SB)/4, $10
DATA evenLanes<>+24(SB)/4, $12
DATA evenLanes<>+28(SB)/4, $14
DATA evenLanes<>+32(SB)/4, $16
DATA evenLanes<>+36(SB)/4, $18
DATA evenLanes<>+40(SB)/4, $20
DATA evenLanes<>+44(SB)/4, $22
DATA evenLanes<>+48(SB)/4, $24
DATA evenLanes<>+52(SB)/4, $26
DATA evenLanes<>+56(SB)/4, $28
DATA evenLanes<>+60(SB)/4, $30
GLOBL evenLanes<>(SB), RODATA|NOPTR, $64

// func maxPoolRowAVX512(r0, r1, y *float32, idx *int32, n, b0, ldx int)
TEXT ·maxPoolRowAVX512(SB), NOSPLIT, $0-56
	MOVQ r0+0(FP), SI
	MOVQ r1+8(FP), DI
	MOVQ y+16(FP), DX
	MOVQ idx+24(FP), R8
	MOVQ n+32(FP), CX
	MOVQ b0+40(FP), AX
	MOVQ ldx+48(FP), BX
	VMOVDQU32 evenLanes<>(SB), Z20
	MOVL $1, R9
	VPBROADCASTD R9, Z25
	VPADDD Z25, Z20, Z21 // odd lanes 1, 3, ..., 31
	VPBROADCASTD AX, Z22
	VPADDD Z20, Z22, Z22 // index of a: b0 + 2*lane
	VPBROADCASTD BX, Z23 // ldx
	MOVL $32, R9
	VPBROADCASTD R9, Z24
	MOVW $0xffff, R9
	KMOVW R9, K3
	KMOVW R9, K4
	KMOVW R9, K5

loop:
	CMPQ CX, $16
	JGE  full

	// Tail: n < 16 outputs from 2n inputs per row.
	TESTQ CX, CX
	JZ    done
	MOVQ  $1, R9
	SHLQ  CX, R9
	DECQ  R9
	KMOVW R9, K3  // outputs
	MOVQ  CX, R10
	SHLQ  $1, CX
	MOVQ  $1, R9
	SHLQ  CX, R9
	DECQ  R9
	KMOVW R9, K4  // inputs 0..15
	SHRQ  $16, R9
	KMOVW R9, K5  // inputs 16..31
	MOVQ  R10, CX

full:
	VMOVUPS.Z (SI), K4, Z0
	VMOVUPS.Z 64(SI), K5, Z1
	VMOVUPS.Z (DI), K4, Z10
	VMOVUPS.Z 64(DI), K5, Z11
	VMOVAPS   Z0, Z2
	VPERMT2PS Z1, Z20, Z2    // a
	VMOVAPS   Z0, Z3
	VPERMT2PS Z1, Z21, Z3    // b
	VMOVAPS   Z10, Z4
	VPERMT2PS Z11, Z20, Z4   // c
	VMOVAPS   Z10, Z5
	VPERMT2PS Z11, Z21, Z5   // d
	VMAXPS    Z3, Z2, Z6
	VMAXPS    Z5, Z4, Z7
	VMAXPS    Z7, Z6, Z6     // m (NaNs fixed below)
	VCMPPS    $3, Z3, Z2, K1 // unordered
	VCMPPS    $3, Z5, Z4, K2
	KORW      K1, K2, K1
	VADDPS    Z3, Z2, Z8
	VADDPS    Z5, Z8, Z8
	VADDPS    Z4, Z8, Z8     // NaN where any is NaN
	VMOVAPS   Z8, K1, Z6
	VPADDD    Z23, Z22, Z10  // index of c
	VPADDD    Z25, Z10, Z9   // index of d (the default)
	VCMPPS    $0, Z6, Z4, K1
	VMOVDQA32 Z10, K1, Z9
	VPADDD    Z25, Z22, Z11  // index of b
	VCMPPS    $0, Z6, Z3, K1
	VMOVDQA32 Z11, K1, Z9
	VCMPPS    $0, Z6, Z2, K1
	VMOVDQA32 Z22, K1, Z9
	VMOVUPS   Z6, K3, (DX)
	VMOVDQU32 Z9, K3, (R8)
	CMPQ      CX, $16
	JLT       done
	ADDQ      $128, SI
	ADDQ      $128, DI
	ADDQ      $64, DX
	ADDQ      $64, R8
	VPADDD    Z24, Z22, Z22
	SUBQ      $16, CX
	JMP       loop

done:
	VZEROUPPER
	RET

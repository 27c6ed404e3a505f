//go:build amd64 && !purego

#include "textflag.h"

// func gemmKernel6x16(kc int, a *float32, lda int, b *float32, c *float32, ldc int, add int)
//
// c[r][j] += Σp a[r*lda+p] · b[p*16+j] for r < 6, j < 16, p < kc; with
// add 0, c[r][j] = Σp … instead.
// Y4–Y15 hold the 6×16 block; Y0–Y1 a row of the b panel; Y2–Y3 the
// broadcast a values.
TEXT ·gemmKernel6x16(SB), NOSPLIT, $0-56
	MOVQ kc+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ lda+16(FP), R8
	MOVQ b+24(FP), DX
	MOVQ c+32(FP), DI
	MOVQ ldc+40(FP), R9
	SHLQ $2, R8
	SHLQ $2, R9
	LEAQ (SI)(R8*2), R10
	ADDQ R8, R10 // row 3

	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11
	VXORPS Y12, Y12, Y12
	VXORPS Y13, Y13, Y13
	VXORPS Y14, Y14, Y14
	VXORPS Y15, Y15, Y15

	TESTQ CX, CX
	JLE   store16

loop16:
	VMOVUPS      (DX), Y0
	VMOVUPS      32(DX), Y1
	VBROADCASTSS (SI), Y2
	VBROADCASTSS (SI)(R8*1), Y3
	VFMADD231PS  Y0, Y2, Y4
	VFMADD231PS  Y1, Y2, Y5
	VFMADD231PS  Y0, Y3, Y6
	VFMADD231PS  Y1, Y3, Y7
	VBROADCASTSS (SI)(R8*2), Y2
	VBROADCASTSS (R10), Y3
	VFMADD231PS  Y0, Y2, Y8
	VFMADD231PS  Y1, Y2, Y9
	VFMADD231PS  Y0, Y3, Y10
	VFMADD231PS  Y1, Y3, Y11
	VBROADCASTSS (R10)(R8*1), Y2
	VBROADCASTSS (R10)(R8*2), Y3
	VFMADD231PS  Y0, Y2, Y12
	VFMADD231PS  Y1, Y2, Y13
	VFMADD231PS  Y0, Y3, Y14
	VFMADD231PS  Y1, Y3, Y15
	ADDQ         $4, SI
	ADDQ         $4, R10
	ADDQ         $64, DX
	DECQ         CX
	JNZ          loop16

store16:
	MOVQ    add+48(FP), AX
	TESTQ   AX, AX
	JZ      put16
	VADDPS  (DI), Y4, Y4
	VADDPS  32(DI), Y5, Y5
	VMOVUPS Y4, (DI)
	VMOVUPS Y5, 32(DI)
	ADDQ    R9, DI
	VADDPS  (DI), Y6, Y6
	VADDPS  32(DI), Y7, Y7
	VMOVUPS Y6, (DI)
	VMOVUPS Y7, 32(DI)
	ADDQ    R9, DI
	VADDPS  (DI), Y8, Y8
	VADDPS  32(DI), Y9, Y9
	VMOVUPS Y8, (DI)
	VMOVUPS Y9, 32(DI)
	ADDQ    R9, DI
	VADDPS  (DI), Y10, Y10
	VADDPS  32(DI), Y11, Y11
	VMOVUPS Y10, (DI)
	VMOVUPS Y11, 32(DI)
	ADDQ    R9, DI
	VADDPS  (DI), Y12, Y12
	VADDPS  32(DI), Y13, Y13
	VMOVUPS Y12, (DI)
	VMOVUPS Y13, 32(DI)
	ADDQ    R9, DI
	VADDPS  (DI), Y14, Y14
	VADDPS  32(DI), Y15, Y15
	VMOVUPS Y14, (DI)
	VMOVUPS Y15, 32(DI)
	VZEROUPPER
	RET

put16:
	VMOVUPS Y4, (DI)
	VMOVUPS Y5, 32(DI)
	ADDQ    R9, DI
	VMOVUPS Y6, (DI)
	VMOVUPS Y7, 32(DI)
	ADDQ    R9, DI
	VMOVUPS Y8, (DI)
	VMOVUPS Y9, 32(DI)
	ADDQ    R9, DI
	VMOVUPS Y10, (DI)
	VMOVUPS Y11, 32(DI)
	ADDQ    R9, DI
	VMOVUPS Y12, (DI)
	VMOVUPS Y13, 32(DI)
	ADDQ    R9, DI
	VMOVUPS Y14, (DI)
	VMOVUPS Y15, 32(DI)
	VZEROUPPER
	RET

// func gemmKernel6x8(kc int, a *float32, lda int, b *float32, c *float32, ldc int, add int)
//
// c[r][j] += Σp a[r*lda+p] · b[p*8+j] for r < 6, j < 8, p < kc; with add
// 0, c[r][j] = Σp … instead.
TEXT ·gemmKernel6x8(SB), NOSPLIT, $0-56
	MOVQ kc+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ lda+16(FP), R8
	MOVQ b+24(FP), DX
	MOVQ c+32(FP), DI
	MOVQ ldc+40(FP), R9
	SHLQ $2, R8
	SHLQ $2, R9
	LEAQ (SI)(R8*2), R10
	ADDQ R8, R10 // row 3

	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9

	TESTQ CX, CX
	JLE   store8

loop8:
	VMOVUPS      (DX), Y0
	VBROADCASTSS (SI), Y1
	VBROADCASTSS (SI)(R8*1), Y2
	VBROADCASTSS (SI)(R8*2), Y3
	VFMADD231PS  Y0, Y1, Y4
	VFMADD231PS  Y0, Y2, Y5
	VFMADD231PS  Y0, Y3, Y6
	VBROADCASTSS (R10), Y1
	VBROADCASTSS (R10)(R8*1), Y2
	VBROADCASTSS (R10)(R8*2), Y3
	VFMADD231PS  Y0, Y1, Y7
	VFMADD231PS  Y0, Y2, Y8
	VFMADD231PS  Y0, Y3, Y9
	ADDQ         $4, SI
	ADDQ         $4, R10
	ADDQ         $32, DX
	DECQ         CX
	JNZ          loop8

store8:
	MOVQ    add+48(FP), AX
	TESTQ   AX, AX
	JZ      put8
	VADDPS  (DI), Y4, Y4
	VMOVUPS Y4, (DI)
	ADDQ    R9, DI
	VADDPS  (DI), Y5, Y5
	VMOVUPS Y5, (DI)
	ADDQ    R9, DI
	VADDPS  (DI), Y6, Y6
	VMOVUPS Y6, (DI)
	ADDQ    R9, DI
	VADDPS  (DI), Y7, Y7
	VMOVUPS Y7, (DI)
	ADDQ    R9, DI
	VADDPS  (DI), Y8, Y8
	VMOVUPS Y8, (DI)
	ADDQ    R9, DI
	VADDPS  (DI), Y9, Y9
	VMOVUPS Y9, (DI)
	VZEROUPPER
	RET

put8:
	VMOVUPS Y4, (DI)
	ADDQ    R9, DI
	VMOVUPS Y5, (DI)
	ADDQ    R9, DI
	VMOVUPS Y6, (DI)
	ADDQ    R9, DI
	VMOVUPS Y7, (DI)
	ADDQ    R9, DI
	VMOVUPS Y8, (DI)
	ADDQ    R9, DI
	VMOVUPS Y9, (DI)
	VZEROUPPER
	RET

// func depthwiseKernel(o *float32, x *float32, w *float32, offs *int, ntaps int, c int, npix int, xstep int)
//
// For npix output pixels (c channels each, contiguous at o) sums ntaps
// taps: o[j] = Σt x[offs[t]/4 + j] · w[t*c + j], the x of pixel p starting
// xstep floats after that of pixel p-1. c is a multiple of 8, ntaps ≥ 1,
// offs are in bytes.
TEXT ·depthwiseKernel(SB), NOSPLIT, $0-64
	MOVQ o+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ w+16(FP), DX
	MOVQ c+40(FP), CX
	MOVQ npix+48(FP), R10
	MOVQ xstep+56(FP), R11
	SHLQ $2, CX
	SHLQ $2, R11
	LEAQ (R11)(R11*2), R9 // 3·xstep

	// Groups of 8 pixels, 8 channels at a time: eight independent sums
	// (Y0–Y7) hide the latency of the FMAs, and each tap's weights (Y8)
	// are loaded once for the group.
dwgroup:
	CMPQ R10, $8
	JLT  dwsingle
	XORQ BX, BX

dwgblk:
	CMPQ   BX, CX
	JGE    dwgnext
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	LEAQ   (DX)(BX*1), R8
	MOVQ   offs+24(FP), R13
	MOVQ   ntaps+32(FP), AX

dwgtap:
	MOVQ        (R13), R12
	LEAQ        (SI)(R12*1), R14
	ADDQ        BX, R14
	LEAQ        (R14)(R9*1), R15
	VMOVUPS     (R8), Y8
	VFMADD231PS (R14), Y8, Y0
	VFMADD231PS (R14)(R11*1), Y8, Y1
	VFMADD231PS (R14)(R11*2), Y8, Y2
	VFMADD231PS (R15), Y8, Y3
	VFMADD231PS (R14)(R11*4), Y8, Y4
	VFMADD231PS (R15)(R11*2), Y8, Y5
	VFMADD231PS (R15)(R9*1), Y8, Y6
	VFMADD231PS (R15)(R11*4), Y8, Y7
	ADDQ        $8, R13
	ADDQ        CX, R8
	DECQ        AX
	JNZ         dwgtap

	LEAQ    (DI)(BX*1), R14
	LEAQ    (CX)(CX*2), R12 // 3·c
	LEAQ    (R14)(R12*1), R15
	VMOVUPS Y0, (R14)
	VMOVUPS Y1, (R14)(CX*1)
	VMOVUPS Y2, (R14)(CX*2)
	VMOVUPS Y3, (R15)
	VMOVUPS Y4, (R14)(CX*4)
	VMOVUPS Y5, (R15)(CX*2)
	VMOVUPS Y6, (R15)(R12*1)
	VMOVUPS Y7, (R15)(CX*4)
	ADDQ    $32, BX
	JMP     dwgblk

dwgnext:
	LEAQ (DI)(CX*8), DI
	LEAQ (SI)(R11*8), SI
	SUBQ $8, R10
	JMP  dwgroup

	// The last pixels one at a time.
dwsingle:
	TESTQ R10, R10
	JLE   dwdone

dwpix:
	XORQ BX, BX

dwblk4:
	LEAQ   128(BX), R12
	CMPQ   R12, CX
	JGT    dwblk1
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	LEAQ   (SI)(BX*1), R14
	LEAQ   (DX)(BX*1), R15
	MOVQ   offs+24(FP), R13
	MOVQ   ntaps+32(FP), AX

dwtap4:
	MOVQ        (R13), R12
	VMOVUPS     (R15), Y4
	VMOVUPS     32(R15), Y5
	VMOVUPS     64(R15), Y6
	VMOVUPS     96(R15), Y7
	VFMADD231PS (R14)(R12*1), Y4, Y0
	VFMADD231PS 32(R14)(R12*1), Y5, Y1
	VFMADD231PS 64(R14)(R12*1), Y6, Y2
	VFMADD231PS 96(R14)(R12*1), Y7, Y3
	ADDQ        $8, R13
	ADDQ        CX, R15
	DECQ        AX
	JNZ         dwtap4

	VMOVUPS Y0, (DI)(BX*1)
	VMOVUPS Y1, 32(DI)(BX*1)
	VMOVUPS Y2, 64(DI)(BX*1)
	VMOVUPS Y3, 96(DI)(BX*1)
	ADDQ    $128, BX
	JMP     dwblk4

dwblk1:
	CMPQ   BX, CX
	JGE    dwnext
	VXORPS Y0, Y0, Y0
	LEAQ   (SI)(BX*1), R14
	LEAQ   (DX)(BX*1), R15
	MOVQ   offs+24(FP), R13
	MOVQ   ntaps+32(FP), AX

dwtap1:
	MOVQ        (R13), R12
	VMOVUPS     (R15), Y4
	VFMADD231PS (R14)(R12*1), Y4, Y0
	ADDQ        $8, R13
	ADDQ        CX, R15
	DECQ        AX
	JNZ         dwtap1

	VMOVUPS Y0, (DI)(BX*1)
	ADDQ    $32, BX
	JMP     dwblk1

dwnext:
	ADDQ CX, DI
	ADDQ R11, SI
	DECQ R10
	JNZ  dwpix

dwdone:
	VZEROUPPER
	RET

DATA six<>+0(SB)/4, $0x40c00000
GLOBL six<>(SB), RODATA|NOPTR, $4

// func epilogueKernel(c *float32, ldc int, rows int, cols int, args *epiArg, nargs int)
//
// Applies nargs epilogue steps, one after the other, to a rows×cols block
// of c (rows ldc floats apart, cols a positive multiple of 8), which stays
// in L1 between steps. An epiArg is {kind, v, stride}: kind 0 adds, 1
// multiplies by, 2 takes the minimum with, 3 the maximum with
// v[r*stride/4 + j] (stride in bytes, 0 for a channel vector); 4 is ReLU,
// 5 ReLU6. Y14 is zero, Y15 six.
TEXT ·epilogueKernel(SB), NOSPLIT, $0-48
	MOVQ c+0(FP), DI
	MOVQ ldc+8(FP), R8
	MOVQ rows+16(FP), R9
	MOVQ cols+24(FP), R10
	MOVQ args+32(FP), R11
	MOVQ nargs+40(FP), R12
	SHLQ $2, R8
	SHLQ $2, R10
	VXORPS       Y14, Y14, Y14
	VBROADCASTSS six<>(SB), Y15
	TESTQ        R9, R9
	JLE          epdone
	TESTQ        R12, R12
	JLE          epdone

epstep:
	MOVQ 0(R11), AX
	MOVQ 8(R11), DX
	MOVQ 16(R11), R14
	MOVQ DI, SI
	MOVQ R9, R13

eprow:
	XORQ BX, BX
	CMPQ AX, $1
	JLT  epadd
	JEQ  epmul
	CMPQ AX, $3
	JLT  epmin
	JEQ  epmax
	CMPQ AX, $5
	JLT  eprelu

eprelu6:
	VMOVUPS (SI)(BX*1), Y0
	VMAXPS  Y14, Y0, Y0
	VMINPS  Y15, Y0, Y0
	VMOVUPS Y0, (SI)(BX*1)
	ADDQ    $32, BX
	CMPQ    BX, R10
	JLT     eprelu6
	JMP     eprowdone

epadd:
	VMOVUPS (SI)(BX*1), Y0
	VADDPS  (DX)(BX*1), Y0, Y0
	VMOVUPS Y0, (SI)(BX*1)
	ADDQ    $32, BX
	CMPQ    BX, R10
	JLT     epadd
	JMP     eprowdone

epmul:
	VMOVUPS (SI)(BX*1), Y0
	VMULPS  (DX)(BX*1), Y0, Y0
	VMOVUPS Y0, (SI)(BX*1)
	ADDQ    $32, BX
	CMPQ    BX, R10
	JLT     epmul
	JMP     eprowdone

epmin:
	VMOVUPS (SI)(BX*1), Y0
	VMINPS  (DX)(BX*1), Y0, Y0
	VMOVUPS Y0, (SI)(BX*1)
	ADDQ    $32, BX
	CMPQ    BX, R10
	JLT     epmin
	JMP     eprowdone

epmax:
	VMOVUPS (SI)(BX*1), Y0
	VMAXPS  (DX)(BX*1), Y0, Y0
	VMOVUPS Y0, (SI)(BX*1)
	ADDQ    $32, BX
	CMPQ    BX, R10
	JLT     epmax
	JMP     eprowdone

eprelu:
	VMOVUPS (SI)(BX*1), Y0
	VMAXPS  Y14, Y0, Y0
	VMOVUPS Y0, (SI)(BX*1)
	ADDQ    $32, BX
	CMPQ    BX, R10
	JLT     eprelu

eprowdone:
	ADDQ R8, SI
	ADDQ R14, DX
	DECQ R13
	JNZ  eprow
	ADDQ $24, R11
	DECQ R12
	JNZ  epstep

epdone:
	VZEROUPPER
	RET

//go:build amd64 && !purego

package face

import (
	"sync"

	"golang.org/x/sys/cpu"
)

// useSIMD selects the AVX2+FMA kernels; without both features the
// portable Go kernels run instead.
var useSIMD = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// gemmKernel6x16 adds a 6×kc block of a (rows lda floats apart) times a
// packed kc×16 panel of b to a 6×16 block of c (rows ldc floats apart),
// or with add 0 stores the product there.
//
//go:noescape
func gemmKernel6x16(kc int, a *float32, lda int, b *float32, c *float32, ldc int, add int)

// gemmKernel6x8 is gemmKernel6x16 for a packed kc×8 panel.
//
//go:noescape
func gemmKernel6x8(kc int, a *float32, lda int, b *float32, c *float32, ldc int, add int)

// gemmMR is the number of rows of c the SIMD kernels compute at once.
const gemmMR = 6

// packPool recycles the packed copies of b.
var packPool sync.Pool

// gemmSIMD is gemm on the AVX2+FMA kernels, with b packed in bp or, if
// bp is nil, packed here; it reports false when they are unavailable or
// the product is too small to repay packing b.
func gemmSIMD(m, n, k int, a, b, bp, c []float32, zeroed bool, post func(r0, r1, j0, j1 int)) bool {
	if !useSIMD || n == 0 || k == 0 || (bp == nil && m < 2*gemmMR) {
		return false
	}
	if bp == nil {
		p := packedB(n, k, b)
		defer putPacked(p)
		bp = *p
	}
	parallel(m, 16, 4, func(lo, hi int) { gemmRowsSIMD(lo, hi, n, k, a, bp, c, zeroed, post) })
	return true
}

// packWeights returns b (k×n) packed for the SIMD kernels, or nil when
// they do not run.
func packWeights(n, k int, b []float32) []float32 {
	if !useSIMD || n == 0 || k == 0 {
		return nil
	}
	bp := make([]float32, k*roundUp(n, 8))
	packB(n, k, b, bp)
	return bp
}

// packedB returns b (k×n) packed for gemmRowsSIMD, or nil when the SIMD
// kernels do not run; putPacked gives it back.
func packedB(n, k int, b []float32) *[]float32 {
	if !useSIMD || n == 0 || k == 0 {
		return nil
	}
	size := k * roundUp(n, 8)
	bp, ok := packPool.Get().(*[]float32)
	if !ok || cap(*bp) < size {
		s := make([]float32, size)
		bp = &s
	}
	*bp = (*bp)[:size]
	packB(n, k, b, *bp)
	return bp
}

func putPacked(bp *[]float32) {
	if bp != nil {
		packPool.Put(bp)
	}
}

func roundUp(x, to int) int { return (x + to - 1) / to * to }

// panelWidth is the width of the packed b panel that starts at column j:
// 16 while 16 columns remain, then 8 (the last one zero-padded).
func panelWidth(n, j int) int {
	if n-j >= 16 {
		return 16
	}
	return 8
}

// packB copies b (k×n, row-major) into column panels: the panel starting
// at column j holds k rows of panelWidth(n, j) floats at bp[j*k:].
func packB(n, k int, b, bp []float32) {
	parallel(k, 64, 1, func(lo, hi int) {
		for j := 0; j < n; {
			w := panelWidth(n, j)
			cols := min(w, n-j)
			panel := bp[j*k : j*k+k*w]
			for p := lo; p < hi; p++ {
				dst := panel[p*w : p*w+w]
				copy(dst, b[p*n+j:p*n+j+cols])
				clear(dst[cols:])
			}
			j += w
		}
	})
}

// gemmRowsSIMD computes rows [lo,hi) of c from a and the packed b. A tile
// of b (gemmTileK×gemmTileN) stays in L2 while 6-row blocks of a pass
// over it; blocks at the bottom and right edges go through a scratch tile.
// post, if not nil, runs on each block once it is final. Unless zeroed
// says c is zero, the first pass over k stores rather than adds, so c's
// contents do not matter.
func gemmRowsSIMD(lo, hi, n, k int, a, bp, c []float32, zeroed bool, post func(r0, r1, j0, j1 int)) {
	var edgeA [gemmMR * gemmTileK]float32
	var edgeC [gemmMR * 16]float32
	for j0 := 0; j0 < n; j0 += gemmTileN {
		j1 := min(j0+gemmTileN, n)
		for p0 := 0; p0 < k; p0 += gemmTileK {
			kc := min(gemmTileK, k-p0)
			add := 0
			if zeroed || p0 > 0 {
				add = 1
			}
			for i := lo; i < hi; i += gemmMR {
				rows := min(gemmMR, hi-i)
				var ap *float32
				lda := k
				if rows == gemmMR {
					ap = &a[i*k+p0 : (i+gemmMR-1)*k+p0+kc][0]
				} else {
					lda = kc
					for r := range gemmMR {
						dst := edgeA[r*kc : r*kc+kc]
						if r < rows {
							copy(dst, a[(i+r)*k+p0:(i+r)*k+p0+kc])
						} else {
							clear(dst)
						}
					}
					ap = &edgeA[0]
				}
				for j := j0; j < j1; {
					w := panelWidth(n, j)
					cols := min(w, n-j)
					panel := bp[j*k+p0*w : j*k+(p0+kc)*w]
					if rows == gemmMR && cols == w {
						cb := c[i*n+j : (i+gemmMR-1)*n+j+w]
						gemmKernelW(w, kc, ap, lda, &panel[0], &cb[0], n, add)
					} else {
						gemmKernelW(w, kc, ap, lda, &panel[0], &edgeC[0], w, 0)
						for r := range rows {
							dst := c[(i+r)*n+j : (i+r)*n+j+cols]
							if add == 0 {
								copy(dst, edgeC[r*w:r*w+cols])
								continue
							}
							for x, v := range edgeC[r*w : r*w+cols] {
								dst[x] += v
							}
						}
					}
					j += w
				}
				if post != nil && p0+kc == k {
					post(i, i+rows, j0, j1)
				}
			}
		}
	}
}

// gemmInPlace computes the m×n product of c (m×n) and the packed n×n
// matrix bp into c itself, n at most gemmTileN: each block of 6 rows is
// computed into scratch, then copied over the rows it was computed from,
// which no other block reads. post, if not nil, runs on each block.
func gemmInPlace(m, n int, c, bp []float32, post func(r0, r1, j0, j1 int)) {
	c = c[:m*n]
	parallel(m, 16, 4, func(lo, hi int) {
		var edgeA [gemmMR * gemmTileN]float32
		var out [gemmMR * gemmTileN]float32
		ldo := roundUp(n, 8)
		for i := lo; i < hi; i += gemmMR {
			rows := min(gemmMR, hi-i)
			ap := &c[i*n]
			if rows < gemmMR {
				copy(edgeA[:rows*n], c[i*n:(i+rows)*n])
				clear(edgeA[rows*n : gemmMR*n])
				ap = &edgeA[0]
			}
			for j := 0; j < n; {
				w := panelWidth(n, j)
				gemmKernelW(w, n, ap, n, &bp[j*n], &out[j], ldo, 0)
				j += w
			}
			for r := range rows {
				copy(c[(i+r)*n:(i+r+1)*n], out[r*ldo:r*ldo+n])
			}
			if post != nil {
				post(i, i+rows, 0, n)
			}
		}
	})
}

func gemmKernelW(w, kc int, a *float32, lda int, b *float32, c *float32, ldc int, add int) {
	if w == 16 {
		gemmKernel6x16(kc, a, lda, b, c, ldc, add)
	} else {
		gemmKernel6x8(kc, a, lda, b, c, ldc, add)
	}
}

// depthwiseKernel computes npix output pixels of a depthwise convolution
// whose taps all fall inside the input; see gemm_amd64.s.
//
//go:noescape
func depthwiseKernel(o *float32, x *float32, w *float32, offs *int, ntaps int, c int, npix int, xstep int)

// depthwiseRowSIMD computes the pixels of output row oy whose kw taps
// along x all fall inside the input, and returns their range [ox0,ox1);
// the caller computes the others. offs is scratch of at least kh·kw.
func depthwiseRowSIMD(x, f, out *tensor, w window, oy, top, left int, offs []int) (ox0, ox1 int) {
	h, wd, c := x.shape[1], x.shape[2], x.shape[3]
	ow := out.shape[2]
	if !useSIMD || c%8 != 0 || c == 0 {
		return 0, 0
	}
	// Taps rows [ky0,ky1) are inside the input.
	iy := oy*w.sh - top
	ky0, ky1 := max(0, -iy), min(w.kh, h-iy)
	// Pixels [ox0,ox1) have every kx inside: ox·sw−left ≥ 0 and
	// ox·sw−left+kw−1 ≤ wd−1.
	ox0 = (left + w.sw - 1) / w.sw
	if wd-w.kw+left < 0 {
		return 0, 0
	}
	ox1 = min(ow, (wd-w.kw+left)/w.sw+1)
	if ky0 >= ky1 || ox0 >= ox1 {
		return 0, 0
	}
	ntaps := (ky1 - ky0) * w.kw
	offs = offs[:ntaps]
	for ky := ky0; ky < ky1; ky++ {
		for kx := range w.kw {
			offs[(ky-ky0)*w.kw+kx] = 4 * ((ky-ky0)*wd + kx) * c
		}
	}
	npix, xstep := ox1-ox0, w.sw*c
	start := ((iy+ky0)*wd + ox0*w.sw - left) * c
	last := start + (npix-1)*xstep + ((ky1-ky0-1)*wd+w.kw-1)*c + c // one past the last float read
	src := x.data[start:last]
	wt := f.data[ky0*w.kw*c : ky1*w.kw*c]
	o := out.data[(oy*ow+ox0)*c : (oy*ow+ox1)*c]
	depthwiseKernel(&o[0], &src[0], &wt[0], &offs[0], ntaps, c, npix, xstep)
	return ox0, ox1
}

// epiArg is one epilogue step for epilogueKernel: kind is stepAdd through
// stepRelu6, v the operand at the block's first element, stride the bytes
// between its rows (0 for a channel vector).
type epiArg struct {
	kind   int
	v      *float32
	stride int
}

// maxEpiSteps bounds the steps epilogueSIMD takes; longer chains run in Go.
const maxEpiSteps = 8

//go:noescape
func epilogueKernel(c *float32, ldc int, rows int, cols int, args *epiArg, nargs int)

// epilogueSIMD applies the steps to rows [r0,r1) of out over the widest
// run of columns from j0 that is a multiple of 8 and reports how many
// columns it did; the caller does the rest.
func epilogueSIMD(steps []boundStep, out []float32, ldc, r0, r1, j0, j1 int) int {
	cols := (j1 - j0) &^ 7
	if !useSIMD || cols == 0 || r1 <= r0 || len(steps) > maxEpiSteps {
		return 0
	}
	last := (r1-1)*ldc + j0 + cols - 1
	_ = out[last]
	var args [maxEpiSteps]epiArg
	for i, s := range steps {
		a := &args[i]
		a.kind = s.kind
		switch s.kind {
		case stepRelu, stepRelu6:
		case stepResidual:
			_ = s.v[last]
			a.kind, a.v, a.stride = stepAdd, &s.v[r0*ldc+j0], 4*ldc
		default:
			_ = s.v[j0+cols-1]
			a.v = &s.v[j0]
		}
	}
	epilogueKernel(&out[r0*ldc+j0], ldc, r1-r0, cols, &args[0], len(steps))
	return cols
}

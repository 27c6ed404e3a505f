package face

import (
	"runtime"
	"sync"
)

// Tile sizes for gemm: a tileK×tileN panel of b (256 KiB) stays in the L2
// cache while every row block of a passes over it.
const (
	gemmTileN = 256
	gemmTileK = 256
)

// gemm computes c = a·b for row-major a (m×k), b (k×n) and c (m×n),
// overwriting c. Rows of c are split across up to GOMAXPROCS goroutines.
// SIMD kernels run where the CPU has them (gemmSIMD), the portable Go
// kernels below elsewhere.
func gemm(m, n, k int, a, b, c []float32) { gemmPost(m, n, k, a, b, c, false, nil) }

// gemmPost is gemm that skips clearing c when zeroed says it is already
// zero, and calls post (if not nil) on each block of rows [r0,r1) and
// columns [j0,j1) of c as soon as it is final, while it is in cache.
// Calls for disjoint blocks may run concurrently.
func gemmPost(m, n, k int, a, b, c []float32, zeroed bool, post func(r0, r1, j0, j1 int)) {
	gemmPacked(m, n, k, a, b, nil, c, zeroed, post)
}

// gemmPacked is gemmPost given, in bp, b already packed for the SIMD
// kernels (by packWeights); bp may be nil.
func gemmPacked(m, n, k int, a, b, bp, c []float32, zeroed bool, post func(r0, r1, j0, j1 int)) {
	a, b, c = a[:m*k], b[:k*n], c[:m*n]
	if k == 0 || n == 0 {
		if !zeroed {
			clear(c)
		}
		if post != nil && m > 0 && n > 0 {
			post(0, m, 0, n)
		}
		return
	}
	if gemmSIMD(m, n, k, a, b, bp, c, zeroed, post) {
		return
	}
	parallel(m, 16, 4, func(lo, hi int) { gemmRows(lo, hi, n, k, a, b, c, zeroed, post) })
}

func gemmRows(lo, hi, n, k int, a, b, c []float32, zeroed bool, post func(r0, r1, j0, j1 int)) {
	if !zeroed {
		clear(c[lo*n : hi*n])
	}
	for j0 := 0; j0 < n; j0 += gemmTileN {
		j1 := min(j0+gemmTileN, n)
		for p0 := 0; p0 < k; p0 += gemmTileK {
			p1 := min(p0+gemmTileK, k)
			last := post != nil && p1 == k
			i := lo
			for ; i+4 <= hi; i += 4 {
				gemmKernel4(a[i*k:(i+4)*k], b, c[i*n:(i+4)*n], n, k, j0, j1, p0, p1)
				if last {
					post(i, i+4, j0, j1)
				}
			}
			for ; i < hi; i++ {
				gemmKernel1(a[i*k:(i+1)*k], b, c[i*n:(i+1)*n], n, j0, j1, p0, p1)
				if last {
					post(i, i+1, j0, j1)
				}
			}
		}
	}
}

// gemmKernel4 accumulates four rows of a times the b panel
// [p0,p1)×[j0,j1) into four rows of c.
func gemmKernel4(a, b, c []float32, n, k, j0, j1, p0, p1 int) {
	w := j1 - j0
	c0 := c[j0 : j0+w]
	c1 := c[n+j0 : n+j0+w]
	c2 := c[2*n+j0 : 2*n+j0+w]
	c3 := c[3*n+j0 : 3*n+j0+w]
	a0, a1, a2, a3 := a[:k], a[k:2*k], a[2*k:3*k], a[3*k:4*k]
	for p := p0; p < p1; p++ {
		x0, x1, x2, x3 := a0[p], a1[p], a2[p], a3[p]
		if x0 == 0 && x1 == 0 && x2 == 0 && x3 == 0 {
			continue // common after ReLU
		}
		bp := b[p*n+j0 : p*n+j0+w]
		c0, c1, c2, c3 := c0[:len(bp)], c1[:len(bp)], c2[:len(bp)], c3[:len(bp)]
		for j, bv := range bp {
			c0[j] += x0 * bv
			c1[j] += x1 * bv
			c2[j] += x2 * bv
			c3[j] += x3 * bv
		}
	}
}

func gemmKernel1(a, b, c []float32, n, j0, j1, p0, p1 int) {
	w := j1 - j0
	c0 := c[j0 : j0+w]
	for p := p0; p < p1; p++ {
		x0 := a[p]
		if x0 == 0 {
			continue
		}
		bp := b[p*n+j0 : p*n+j0+w]
		c0 := c0[:len(bp)]
		for j, bv := range bp {
			c0[j] += x0 * bv
		}
	}
}

// parallel runs fn over [0,n) split into up to GOMAXPROCS contiguous
// chunks of at least minChunk items, each a multiple of align (but the last).
func parallel(n, minChunk, align int, fn func(lo, hi int)) {
	workers := min(runtime.GOMAXPROCS(0), n/max(minChunk, 1))
	if workers <= 1 {
		fn(0, n)
		return
	}
	chunk := (n + workers - 1) / workers
	chunk = (chunk + align - 1) / align * align
	var wg sync.WaitGroup
	for lo := 0; lo < n; lo += chunk {
		hi := min(lo+chunk, n)
		wg.Go(func() { fn(lo, hi) })
	}
	wg.Wait()
}

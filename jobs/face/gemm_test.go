package face

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"testing"
)

func init() {
	// FACE_PORTABLE=1 runs the tests and benchmarks on the portable
	// kernels, for comparison with the SIMD ones.
	if os.Getenv("FACE_PORTABLE") != "" {
		useSIMD = false
	}
}

// withSIMD runs fn with the SIMD kernels on or off.
func withSIMD(on bool, fn func()) {
	saved := useSIMD
	useSIMD = on
	defer func() { useSIMD = saved }()
	fn()
}

// naiveGemm is the reference: float64 sums, row by row.
func naiveGemm(m, n, k int, a, b []float32) []float32 {
	c := make([]float32, m*n)
	for i := range m {
		for j := range n {
			var s float64
			for p := range k {
				s += float64(a[i*k+p]) * float64(b[p*n+j])
			}
			c[i*n+j] = float32(s)
		}
	}
	return c
}

func randSlice(r *rand.Rand, n int, zeros float64) []float32 {
	s := make([]float32, n)
	for i := range s {
		if r.Float64() >= zeros {
			s[i] = float32(r.NormFloat64())
		}
	}
	return s
}

// TestGemmPaths checks the SIMD and the portable kernels against a float64
// reference on sizes around the block edges (6 rows, 8 and 16 columns,
// 256-wide tiles), on both paths.
func TestGemmPaths(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	type size struct{ m, n, k int }
	sizes := []size{
		{1, 1, 1}, {2, 3, 1}, {5, 7, 3}, {6, 8, 1}, {6, 16, 4}, {11, 8, 9},
		{12, 16, 16}, {13, 17, 5}, {17, 24, 24}, {18, 15, 31}, {23, 9, 2},
		{35, 33, 65}, {64, 6, 96}, {49, 40, 257}, {100, 264, 300},
		{97, 513, 258}, {196, 96, 48}, {257, 31, 600}, {300, 2, 77},
	}
	for range 20 {
		sizes = append(sizes, size{1 + r.IntN(150), 1 + r.IntN(300), 1 + r.IntN(520)})
	}
	for _, sz := range sizes {
		m, n, k := sz.m, sz.n, sz.k
		a := randSlice(r, m*k, 0.3) // zeros as after ReLU
		b := randSlice(r, k*n, 0)
		want := naiveGemm(m, n, k, a, b)
		for _, simd := range []bool{true, false} {
			if simd && !useSIMD {
				continue // no SIMD on this machine
			}
			t.Run(fmt.Sprintf("%dx%dx%d_simd%v", m, n, k, simd), func(t *testing.T) {
				c := randSlice(r, m*n, 0) // gemm must overwrite c
				withSIMD(simd, func() { gemm(m, n, k, a, b, c) })
				tol := 1e-5 * math.Sqrt(float64(k)) * 4
				for i, v := range c {
					if d := math.Abs(float64(v - want[i])); d > tol*(1+math.Abs(float64(want[i]))) {
						t.Fatalf("c[%d,%d] = %g, want %g", i/n, i%n, v, want[i])
					}
				}
			})
		}
	}
}

// TestGemmSIMDMatchesPortable compares the two paths directly on the
// shapes of the descriptor's convolutions.
func TestGemmSIMDMatchesPortable(t *testing.T) {
	if !useSIMD {
		t.Skip("no SIMD kernels on this machine")
	}
	r := rand.New(rand.NewPCG(3, 4))
	for _, sz := range [][3]int{{3136, 128, 64}, {196, 512, 512}, {49, 1024, 1024}, {16384, 24, 75}} {
		m, n, k := sz[0], sz[1], sz[2]
		a := randSlice(r, m*k, 0.5)
		b := randSlice(r, k*n, 0)
		got, want := make([]float32, m*n), make([]float32, m*n)
		gemm(m, n, k, a, b, got)
		withSIMD(false, func() { gemm(m, n, k, a, b, want) })
		for i := range got {
			if d := math.Abs(float64(got[i] - want[i])); d > 1e-4*(1+math.Abs(float64(want[i]))) {
				t.Fatalf("%v: c[%d] = %g, portable %g", sz, i, got[i], want[i])
			}
		}
	}
}

// TestDepthwisePaths checks the depthwise convolution on both paths
// against the float64 reference, on inputs smaller than the window, odd
// strides, channel counts the SIMD kernel leaves to the Go code, and rows
// of several groups of pixels and a remainder.
func TestDepthwisePaths(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, tt := range []struct{ h, w, c, k, stride int }{
		{1, 1, 8, 3, 1}, {2, 2, 16, 3, 1}, {2, 3, 8, 3, 2}, {3, 3, 8, 3, 1},
		{7, 5, 24, 3, 1}, {8, 9, 40, 3, 2}, {6, 11, 64, 5, 1}, {9, 9, 136, 3, 2},
		{5, 4, 12, 3, 1}, {4, 4, 8, 1, 1}, {5, 7, 32, 1, 2}, {3, 10, 1024, 3, 1},
		{10, 3, 48, 3, 3}, {12, 12, 8, 4, 2},
		// rows wide enough for the SIMD kernel's groups of 8 pixels
		{4, 37, 24, 3, 1}, {5, 43, 48, 3, 2}, {3, 21, 96, 5, 1},
	} {
		for _, padding := range []string{"SAME", "VALID"} {
			if padding == "VALID" && (tt.h < tt.k || tt.w < tt.k) {
				continue
			}
			x := randTensor(r, 1, tt.h, tt.w, tt.c)
			f := randTensor(r, tt.k, tt.k, tt.c, 1)
			want := naiveConv(x, f, tt.stride, padding, true)
			win := window{kh: tt.k, kw: tt.k, sh: tt.stride, sw: tt.stride, padding: padding}
			for _, simd := range []bool{true, false} {
				if simd && !useSIMD {
					continue
				}
				name := fmt.Sprintf("%dx%dx%d_k%d_s%d_%s_simd%v", tt.h, tt.w, tt.c, tt.k, tt.stride, padding, simd)
				t.Run(name, func(t *testing.T) {
					var got *tensor
					withSIMD(simd, func() { got = depthwiseConv(x, f, win) })
					compare(t, name, got.data, want.data, 1e-5)
				})
			}
		}
	}
	// EXPLICIT padding, uneven on each side: the two paths must agree.
	x := randTensor(r, 1, 9, 10, 32)
	f := randTensor(r, 3, 3, 32, 1)
	win := window{kh: 3, kw: 3, sh: 2, sw: 1, padding: "EXPLICIT", explicit: [4]int{2, 0, 0, 3}}
	var fast, portable *tensor
	withSIMD(useSIMD, func() { fast = depthwiseConv(x, f, win) })
	withSIMD(false, func() { portable = depthwiseConv(x, f, win) })
	compare(t, "explicit", fast.data, portable.data, 1e-5)
}

// BenchmarkGemm compares the two paths on a mid-sized convolution.
func BenchmarkGemm(b *testing.B) {
	r := rand.New(rand.NewPCG(5, 6))
	m, n, k := 784, 256, 256
	x, y, c := randSlice(r, m*k, 0.5), randSlice(r, k*n, 0), make([]float32, m*n)
	for _, simd := range []bool{true, false} {
		b.Run(fmt.Sprintf("simd=%v", simd), func(b *testing.B) {
			if simd && !useSIMD {
				b.Skip("no SIMD kernels on this machine")
			}
			withSIMD(simd, func() {
				for b.Loop() {
					gemm(m, n, k, x, y, c)
				}
			})
			b.ReportMetric(float64(2*m*n*k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

// TestEpilogueSIMD checks every epilogue step on the SIMD kernel against
// the Go loop, on blocks whose width leaves a tail of fewer than 8
// columns and that start inside a row.
func TestEpilogueSIMD(t *testing.T) {
	if !useSIMD {
		t.Skip("no SIMD kernels on this machine")
	}
	r := rand.New(rand.NewPCG(11, 12))
	const rows, ldc = 7, 45
	vec := randSlice(r, ldc, 0)
	res := randSlice(r, rows*ldc, 0)
	all := []boundStep{
		{kind: stepAdd, v: vec}, {kind: stepMul, v: vec}, {kind: stepMin, v: vec},
		{kind: stepMax, v: vec}, {kind: stepRelu}, {kind: stepResidual, v: res}, {kind: stepRelu6},
	}
	for _, steps := range [][]boundStep{all, all[:1], all[4:6], {all[5], all[0], all[6], all[1]}} {
		for _, cols := range [][2]int{{0, 45}, {3, 11}, {8, 40}, {5, 10}, {16, 17}} {
			base := randSlice(r, rows*ldc, 0)
			for i := range base {
				base[i] *= 4 // reach ReLU6's upper bound too
			}
			got, want := slices.Clone(base), slices.Clone(base)
			applyEpilogue(steps, got, ldc, 1, rows, cols[0], cols[1])
			withSIMD(false, func() { applyEpilogue(steps, want, ldc, 1, rows, cols[0], cols[1]) })
			if !slices.Equal(got, want) {
				t.Fatalf("%d steps, columns %v: SIMD differs from Go", len(steps), cols)
			}
		}
	}
}

// TestGemmInPlace checks the product that overwrites its left operand
// against the same kernels writing a separate matrix, on row counts that leave a short
// last block and widths that end in a padded panel.
func TestGemmInPlace(t *testing.T) {
	if !useSIMD {
		t.Skip("no SIMD kernels on this machine")
	}
	r := rand.New(rand.NewPCG(15, 16))
	for _, sz := range [][2]int{{1, 8}, {7, 20}, {35, 24}, {257, 48}, {100, 96}, {61, 256}, {13, 3}} {
		m, n := sz[0], sz[1]
		a := randSlice(r, m*n, 0.3)
		b := randSlice(r, n*n, 0)
		bp := packWeights(n, n, b)
		want := make([]float32, m*n)
		gemmPacked(m, n, n, a, b, bp, want, false, nil)
		got := slices.Clone(a)
		gemmInPlace(m, n, got, bp, nil)
		if !slices.Equal(got, want) {
			t.Errorf("%dx%d: in place differs from gemm", m, n)
		}
	}
}

//go:build !amd64 || purego

package face

// useSIMD is always false: only amd64 has SIMD kernels.
var useSIMD = false

func gemmSIMD(m, n, k int, a, b, bp, c []float32, zeroed bool, post func(r0, r1, j0, j1 int)) bool {
	return false
}

func packWeights(n, k int, b []float32) []float32 { return nil }

func packedB(n, k int, b []float32) *[]float32 { return nil }

func putPacked(bp *[]float32) {}

func gemmRowsSIMD(lo, hi, n, k int, a, bp, c []float32, zeroed bool, post func(r0, r1, j0, j1 int)) {
	panic("no SIMD kernels")
}

func depthwiseRowSIMD(x, f, out *tensor, w window, oy, top, left int, offs []int) (ox0, ox1 int) {
	return 0, 0
}

func epilogueSIMD(steps []boundStep, out []float32, ldc, r0, r1, j0, j1 int) int { return 0 }

func gemmInPlace(m, n int, c, bp []float32, post func(r0, r1, j0, j1 int)) {
	panic("no SIMD kernels")
}

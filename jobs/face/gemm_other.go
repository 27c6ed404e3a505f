//go:build !amd64 || purego

package face

// useSIMD is always false: only amd64 has SIMD kernels.
var useSIMD = false

func gemmSIMD(m, n, k int, a, b, c []float32, zeroed bool, post func(r0, r1, j0, j1 int)) bool {
	return false
}

func depthwiseRowSIMD(x, f, out *tensor, w window, oy, top, left int, offs []int) (ox0, ox1 int) {
	return 0, 0
}

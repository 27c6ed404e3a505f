// Package vec holds the arithmetic on face embeddings that both the face
// engine, which makes them, and the store, which matches them, need.
package vec

import "math"

// Cosine is the cosine similarity of a and b, in [-1, 1], summed in
// float64. It is 0 when either is empty or zero or their lengths differ.
func Cosine(a, b []float32) float64 {
	if len(a) != len(b) {
		return 0
	}
	var dot, na, nb float64
	for i := range a {
		dot += float64(a[i]) * float64(b[i])
		na += float64(a[i]) * float64(a[i])
		nb += float64(b[i]) * float64(b[i])
	}
	if na == 0 || nb == 0 {
		return 0
	}
	return dot / math.Sqrt(na*nb)
}

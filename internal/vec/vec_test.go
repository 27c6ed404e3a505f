package vec

import (
	"math"
	"testing"
)

func TestCosine(t *testing.T) {
	a := []float32{1, 2, 3}
	tests := []struct {
		name string
		b    []float32
		want float64
	}{
		{"same", []float32{1, 2, 3}, 1},
		{"scaled", []float32{2, 4, 6}, 1},
		{"opposite", []float32{-1, -2, -3}, -1},
		{"orthogonal", []float32{3, 0, -1}, 0},
		{"zero", []float32{0, 0, 0}, 0},
		{"shorter", []float32{1, 2}, 0},
		{"empty", nil, 0},
		{"some", []float32{1, 0, 0}, 1 / math.Sqrt(14)},
	}
	for _, tt := range tests {
		if got := Cosine(a, tt.b); math.Abs(got-tt.want) > 1e-12 {
			t.Errorf("%s: Cosine(%v, %v) = %v, want %v", tt.name, a, tt.b, got, tt.want)
		}
	}
}

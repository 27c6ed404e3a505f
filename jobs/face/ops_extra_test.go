package face

import (
	"math"
	"slices"
	"testing"
)

// TestPReLUAndL2Norm runs MobileFaceNet's PReLU (relu(x) + a*(x-|x|))
// and L2 normalisation (x * rsqrt(max(sum(x²), eps))) as its graph
// spells them, on a [1,1,1,4] tensor.
func TestPReLUAndL2Norm(t *testing.T) {
	b := newBuilder()
	x := b.placeholder("x")
	alpha := b.constant("alpha", tensorOf([]float32{0.5, 0.5, 0.25, 0.25}, 4))
	b.op("relu", "Relu", nil, x)
	b.op("abs", "Abs", nil, x)
	b.op("sub", "Sub", nil, x, "abs")
	b.op("neg", "Mul", nil, "sub", alpha)
	b.op("prelu", "Add", nil, "relu", "neg")
	b.op("squeeze", "Squeeze", map[string]attrDef{"squeeze_dims": {List: &attrLst{I: []flexInt{1, 2}}}}, "prelu")
	b.op("sq", "Square", nil, "squeeze")
	axis := b.constant("axis", &tensor{shape: []int{1}, ints: []int32{1}})
	b.op("sum", "Sum", map[string]attrDef{"keep_dims": {B: true}}, "sq", axis)
	eps := b.constant("eps", tensorOf([]float32{1e-10}))
	b.op("max", "Maximum", nil, "sum", eps)
	b.op("rsqrt", "Rsqrt", nil, "max")
	b.op("out", "Mul", nil, "squeeze", "rsqrt")
	g := b.build(t)

	in := tensorOf([]float32{3, -2, -4, 0}, 1, 1, 1, 4)
	outs, err := g.run(map[string]*tensor{"x": in}, "prelu", "squeeze", "out")
	if err != nil {
		t.Fatal(err)
	}
	// relu(x) + a*(x-|x|): 3, 0.5*(-4), 0.25*(-8), 0
	if want := []float32{3, -2, -2, 0}; !slices.Equal(outs[0].data, want) {
		t.Errorf("prelu %v, want %v", outs[0].data, want)
	}
	if !slices.Equal(outs[1].shape, []int{1, 4}) {
		t.Errorf("squeezed shape %v, want [1 4]", outs[1].shape)
	}
	n := math.Sqrt(9 + 4 + 4)
	want := []float32{float32(3 / n), float32(-2 / n), float32(-2 / n), 0}
	for i, v := range outs[2].data {
		if math.Abs(float64(v-want[i])) > 1e-6 {
			t.Fatalf("normalised %v, want %v", outs[2].data, want)
		}
	}
	if !slices.Equal(in.data, []float32{3, -2, -4, 0}) {
		t.Errorf("input changed to %v", in.data)
	}
}

// TestSubBroadcasts: subtraction keeps its operands' order whichever is
// larger, as MobileFace's input scaling (x - 127.5) and a scalar minus a
// tensor need.
func TestSubBroadcasts(t *testing.T) {
	for _, tc := range []struct {
		name string
		a, b *tensor
		want []float32
	}{
		{"scalar", tensorOf([]float32{1, 2, 3}, 1, 3), tensorOf([]float32{1}), []float32{0, 1, 2}},
		{"from scalar", tensorOf([]float32{1}), tensorOf([]float32{1, 2, 3}, 1, 3), []float32{0, -1, -2}},
		{"channels", tensorOf([]float32{1, 2, 3, 4}, 1, 2, 2), tensorOf([]float32{1, 2}, 2), []float32{0, 0, 2, 2}},
		{"same shape", tensorOf([]float32{5, 5}, 2), tensorOf([]float32{1, 2}, 2), []float32{4, 3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, reuse := range []bool{false, true} {
				a := &tensor{shape: tc.a.shape, data: slices.Clone(tc.a.data)}
				out, err := subOp(nil, []*tensor{a, tc.b}, reuse)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(out.data, tc.want) {
					t.Errorf("reuse %v: %v, want %v", reuse, out.data, tc.want)
				}
			}
		})
	}
}

// TestSqueezeChecksAxes: squeezing an axis that is not 1 is an error, and
// no axes means every axis of size 1.
func TestSqueezeChecksAxes(t *testing.T) {
	x := tensorOf(make([]float32, 6), 1, 2, 1, 3)
	if _, err := squeezeOp(&attrLst{I: []flexInt{1}})(nil, []*tensor{x}, false); err == nil {
		t.Error("squeezed an axis of size 2")
	}
	out, err := squeezeOp(nil)(nil, []*tensor{x}, false)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(out.shape, []int{2, 3}) {
		t.Errorf("shape %v, want [2 3]", out.shape)
	}
}

package face

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// graphBuilder assembles small graphs by hand.
type graphBuilder struct {
	defs    []nodeDef
	weights map[string]*tensor
}

func newBuilder() *graphBuilder { return &graphBuilder{weights: make(map[string]*tensor)} }

func (b *graphBuilder) placeholder(name string) string {
	b.defs = append(b.defs, nodeDef{Name: name, Op: "Placeholder"})
	return name
}

func (b *graphBuilder) constant(name string, t *tensor) string {
	b.defs = append(b.defs, nodeDef{Name: name, Op: "Const"})
	b.weights[name] = t
	return name
}

func (b *graphBuilder) op(name, op string, attr map[string]attrDef, inputs ...string) string {
	b.defs = append(b.defs, nodeDef{Name: name, Op: op, Input: inputs, Attr: attr})
	return name
}

func (b *graphBuilder) build(tb testing.TB) *graph {
	tb.Helper()
	g, err := newGraph(b.defs, b.weights)
	if err != nil {
		tb.Fatal(err)
	}
	return g
}

func convAttr(stride int, padding string, fused ...string) map[string]attrDef {
	a := map[string]attrDef{
		"strides": {List: &attrLst{I: []flexInt{1, flexInt(stride), flexInt(stride), 1}}},
		"padding": {S: []byte(padding)},
	}
	if len(fused) > 0 {
		l := &attrLst{}
		for _, f := range fused {
			l.S = append(l.S, []byte(f))
		}
		a["fused_ops"] = attrDef{List: l}
	}
	return a
}

func tensorOf(data []float32, shape ...int) *tensor { return &tensor{shape: shape, data: data} }

func ints(v ...int32) *tensor { return &tensor{shape: []int{len(v)}, ints: v} }

func randTensor(r *rand.Rand, shape ...int) *tensor {
	t := newTensor(shape...)
	for i := range t.data {
		t.data[i] = r.Float32()*2 - 1
	}
	return t
}

func runOne(tb testing.TB, g *graph, x *tensor, out string) *tensor {
	tb.Helper()
	res, err := g.run(map[string]*tensor{"x": x}, out)
	if err != nil {
		tb.Fatal(err)
	}
	return res[0]
}

func TestConvKnownValues(t *testing.T) {
	// 3×3 single-channel input, 2×2 filter of ones, VALID: sums of 2×2 blocks.
	b := newBuilder()
	x := b.placeholder("x")
	f := b.constant("f", tensorOf([]float32{1, 1, 1, 1}, 2, 2, 1, 1))
	bias := b.constant("b", tensorOf([]float32{-13}, 1))
	b.op("conv", "_FusedConv2D", convAttr(1, "VALID", "BiasAdd", "Relu"), x, f, bias)
	g := b.build(t)
	got := runOne(t, g, tensorOf([]float32{1, 2, 3, 4, 5, 6, 7, 8, 9}, 1, 3, 3, 1), "conv")
	// block sums 12 16 24 28, minus 13, ReLU.
	if want := []float32{0, 3, 11, 15}; !slices.Equal(got.data, want) || !slices.Equal(got.shape, []int{1, 2, 2, 1}) {
		t.Errorf("got %v %v, want %v", got.shape, got.data, want)
	}
}

// naiveConv is a direct convolution, the definition TensorFlow uses.
func naiveConv(x, f *tensor, stride int, padding string, depthwise bool) *tensor {
	h, w, c := x.shape[1], x.shape[2], x.shape[3]
	kh, kw, n := f.shape[0], f.shape[1], f.shape[3]
	win := window{padding: padding}
	oh, top := win.outSize(h, kh, stride, 0)
	ow, left := win.outSize(w, kw, stride, 1)
	cout := n
	if depthwise {
		cout = c
	}
	out := newTensor(1, oh, ow, cout)
	for oy := range oh {
		for ox := range ow {
			for o := range cout {
				var s float64
				for ky := range kh {
					for kx := range kw {
						iy, ix := oy*stride-top+ky, ox*stride-left+kx
						if iy < 0 || iy >= h || ix < 0 || ix >= w {
							continue
						}
						if depthwise {
							s += float64(x.data[(iy*w+ix)*c+o]) * float64(f.data[(ky*kw+kx)*c+o])
							continue
						}
						for i := range c {
							s += float64(x.data[(iy*w+ix)*c+i]) * float64(f.data[((ky*kw+kx)*c+i)*n+o])
						}
					}
				}
				out.data[(oy*ow+ox)*cout+o] = float32(s)
			}
		}
	}
	return out
}

func TestConvMatchesNaive(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, tt := range []struct {
		h, w, c, k, n, stride int
		padding               string
		depthwise             bool
	}{
		{7, 5, 3, 3, 4, 1, "SAME", false},
		{8, 8, 3, 5, 24, 2, "SAME", false},
		{9, 6, 5, 3, 7, 2, "VALID", false},
		{6, 6, 37, 1, 33, 1, "VALID", false}, // 1×1: gemm on the input itself
		{5, 9, 6, 1, 5, 2, "SAME", false},
		{11, 7, 300, 1, 270, 1, "SAME", false}, // several gemm tiles
		{7, 7, 8, 3, 1, 1, "SAME", true},
		{8, 10, 5, 3, 1, 2, "SAME", true},
		{9, 9, 4, 5, 1, 2, "VALID", true},
	} {
		name := fmt.Sprintf("%dx%dx%d_k%d_n%d_s%d_%s_dw%v", tt.h, tt.w, tt.c, tt.k, tt.n, tt.stride, tt.padding, tt.depthwise)
		t.Run(name, func(t *testing.T) {
			x := randTensor(r, 1, tt.h, tt.w, tt.c)
			f := randTensor(r, tt.k, tt.k, tt.c, tt.n)
			op := "Conv2D"
			if tt.depthwise {
				op = "DepthwiseConv2dNative"
			}
			b := newBuilder()
			b.op("conv", op, convAttr(tt.stride, tt.padding), b.placeholder("x"), b.constant("f", f))
			got := runOne(t, b.build(t), x, "conv")
			want := naiveConv(x, f, tt.stride, tt.padding, tt.depthwise)
			if !slices.Equal(got.shape, want.shape) {
				t.Fatalf("shape %v, want %v", got.shape, want.shape)
			}
			compare(t, name, got.data, want.data, 1e-5)
		})
	}
}

func TestPadAndMaxPool(t *testing.T) {
	b := newBuilder()
	x := b.placeholder("x")
	p := b.op("pad", "Pad", nil, x, b.constant("p", &tensor{shape: []int{4, 2}, ints: []int32{0, 0, 1, 0, 0, 1, 0, 1}}))
	b.op("pool", "MaxPool", map[string]attrDef{
		"ksize":   {List: &attrLst{I: []flexInt{1, 2, 2, 1}}},
		"strides": {List: &attrLst{I: []flexInt{1, 2, 2, 1}}},
		"padding": {S: []byte("SAME")},
	}, p)
	g := b.build(t)
	in := tensorOf([]float32{-1, -2, -3, -4, -5, -6}, 1, 2, 3, 1)
	padded := runOne(t, g, in, "pad")
	// One row on top, one column on the right, one extra zero channel.
	wantPad := []float32{
		0, 0, 0, 0, 0, 0, 0, 0,
		-1, 0, -2, 0, -3, 0, 0, 0,
		-4, 0, -5, 0, -6, 0, 0, 0,
	}
	if !slices.Equal(padded.shape, []int{1, 3, 4, 2}) || !slices.Equal(padded.data, wantPad) {
		t.Errorf("pad: %v %v", padded.shape, padded.data)
	}
	pooled := runOne(t, g, in, "pool")
	// SAME 2×2 stride 2 over 3×4: windows at rows {0,1},{2} (the row below
	// is ignored padding), cols {0,1},{2,3} (col 3 holds Pad's zeros).
	wantPool := []float32{0, 0, 0, 0, -4, 0, 0, 0}
	if !slices.Equal(pooled.shape, []int{1, 2, 2, 2}) || !slices.Equal(pooled.data, wantPool) {
		t.Errorf("maxpool: %v %v, want %v", pooled.shape, pooled.data, wantPool)
	}
}

func TestMatMulMeanSoftmax(t *testing.T) {
	b := newBuilder()
	x := b.placeholder("x")
	m := b.op("mean", "Mean", nil, x, b.constant("axes", ints(1, 2)))
	w := b.constant("w", tensorOf([]float32{1, 2, 3, 4, 5, 6}, 2, 3))
	bias := b.constant("b", tensorOf([]float32{0.5, -100, 0}, 3))
	mm := b.op("mm", "_FusedMatMul", map[string]attrDef{"fused_ops": {List: &attrLst{S: [][]byte{[]byte("BiasAdd"), []byte("Relu")}}}}, m, w, bias)
	b.op("sm", "Softmax", nil, mm)
	g := b.build(t)
	// Mean over a 2×2 image of 2 channels: (1+3+5+7)/4=4, (2+4+6+8)/4=5.
	in := tensorOf([]float32{1, 2, 3, 4, 5, 6, 7, 8}, 1, 2, 2, 2)
	if got := runOne(t, g, in, "mean"); !slices.Equal(got.data, []float32{4, 5}) || !slices.Equal(got.shape, []int{1, 2}) {
		t.Errorf("mean: %v %v", got.shape, got.data)
	}
	// [4 5]·w = [24 33 42]; plus bias [24.5 -67 42]; ReLU.
	got := runOne(t, g, in, "mm")
	if want := []float32{24.5, 0, 42}; !slices.Equal(got.data, want) {
		t.Errorf("matmul: %v, want %v", got.data, want)
	}
	sm := runOne(t, g, in, "sm")
	e1, e3 := math.Exp(24.5-42), 1.0
	want := []float32{float32(e1 / (e1 + math.Exp(-42) + e3)), float32(math.Exp(-42) / (e1 + math.Exp(-42) + e3)), float32(e3 / (e1 + math.Exp(-42) + e3))}
	compare(t, "softmax", sm.data, want, 1e-6)
}

func TestElementwiseBroadcast(t *testing.T) {
	b := newBuilder()
	x := b.placeholder("x")
	add := b.op("add", "AddV2", nil, b.constant("bias", tensorOf([]float32{10, 20}, 2)), x)
	mul := b.op("mul", "Mul", nil, add, b.constant("two", tensorOf([]float32{2}, 1)))
	lo := b.op("min", "Minimum", nil, mul, b.constant("six", tensorOf([]float32{46}, 1)))
	b.op("max", "Maximum", nil, lo, b.constant("col", tensorOf([]float32{30, 0, 30}, 1, 3, 1)))
	b.op("relu", "Relu", nil, b.op("neg", "Mul", nil, x, b.constant("m1", tensorOf([]float32{-1}, 1))))
	b.op("sig", "Sigmoid", nil, x)
	g := b.build(t)
	in := tensorOf([]float32{1, 2, 3, 4, -5, 6}, 1, 1, 3, 2)
	// (x + [10 20]) * 2 = [22 44 26 48 10 52]; min 46; max with per-column [30 0 30].
	got := runOne(t, g, in, "max")
	if want := []float32{30, 44, 26, 46, 30, 46}; !slices.Equal(got.data, want) {
		t.Errorf("broadcast chain: %v, want %v", got.data, want)
	}
	if got := runOne(t, g, in, "relu"); !slices.Equal(got.data, []float32{0, 0, 0, 0, 5, 0}) {
		t.Errorf("relu: %v", got.data)
	}
	if got := runOne(t, g, in, "sig"); math.Abs(float64(got.data[0])-1/(1+math.Exp(-1))) > 1e-7 {
		t.Errorf("sigmoid(1) = %v", got.data[0])
	}
	// Intermediate values are updated in place, but never the input or constants.
	if !slices.Equal(in.data, []float32{1, 2, 3, 4, -5, 6}) || !slices.Equal(b.weights["bias"].data, []float32{10, 20}) {
		t.Errorf("input %v or constant %v modified", in.data, b.weights["bias"].data)
	}
}

func TestGraphErrors(t *testing.T) {
	b := newBuilder()
	b.op("y", "Erf", nil, b.placeholder("x"))
	if _, err := newGraph(b.defs, b.weights); err == nil {
		t.Error("unsupported op accepted")
	}
	b = newBuilder()
	b.op("y", "Relu", nil, "z")
	b.op("z", "Relu", nil, "y")
	if _, err := newGraph(b.defs, b.weights); err == nil {
		t.Error("cycle accepted")
	}
	b = newBuilder()
	b.op("y", "Relu", nil, b.placeholder("x"))
	g := b.build(t)
	if _, err := g.run(nil, "y"); err == nil {
		t.Error("missing input accepted")
	}
}

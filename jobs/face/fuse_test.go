package face

import (
	"math/rand/v2"
	"runtime/debug"
	"slices"
	"testing"
)

// TestFusedEpilogue checks that conv and matmul nodes with element-wise
// chains folded in give the same values as the nodes run one by one,
// including a residual whose shape does not fit the fused epilogue.
func TestFusedEpilogue(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	rnd := func(shape ...int) *tensor {
		x := newTensor(shape...)
		for i := range x.data {
			x.data[i] = rng.Float32()*2 - 1
		}
		return x
	}
	b := newBuilder()
	x := b.placeholder("x")
	f := b.constant("f", rnd(3, 3, 4, 24))
	bias := b.constant("bias", rnd(24))
	conv := b.op("conv", "_FusedConv2D", convAttr(1, "SAME", "BiasAdd"), x, f, bias)
	mul := b.op("mul", "Mul", nil, b.constant("scale", rnd(1, 1, 1, 24)), conv)
	add := b.op("add", "Add", nil, mul, b.constant("shift", rnd(24)))
	relu := b.op("relu", "Relu", nil, add)
	lo := b.op("lo", "Minimum", nil, relu, b.constant("six", tensorOf([]float32{0.5}, 1)))
	hi := b.op("hi", "Maximum", nil, lo, b.constant("zero", tensorOf([]float32{0}, 1)))
	dw := b.op("dw", "DepthwiseConv2dNative", convAttr(1, "SAME"), hi, b.constant("dwf", rnd(3, 3, 24, 1)))
	res := b.op("res", "AddV2", nil, dw, hi)
	out := b.op("out", "Relu", nil, res)
	// A residual that broadcasts along a spatial axis runs unfused.
	c2 := b.op("c2", "Conv2D", convAttr(1, "VALID"), out, b.constant("f2", rnd(1, 1, 24, 8)))
	bc := b.op("bc", "AddV2", nil, c2, b.placeholder("row"))
	g := b.build(t)
	if len(g.plan) >= len(g.nodes) {
		t.Fatalf("plan has %d nodes, graph %d: nothing fused", len(g.plan), len(g.nodes))
	}
	feeds := map[string]*tensor{"x": rnd(1, 9, 11, 4), "row": rnd(1, 1, 11, 8)}
	fused, err := g.run(feeds, bc)
	if err != nil {
		t.Fatal(err)
	}
	// Asking for an absorbed value runs every node on its own.
	plain, err := g.run(feeds, bc, relu)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(fused[0].shape, plain[0].shape) || !slices.Equal(fused[0].data, plain[0].data) {
		t.Fatalf("fused %v differs from unfused %v", fused[0].shape, plain[0].shape)
	}
}

// TestConvInPlace checks a BlazeFace block (depthwise, then a 1×1
// convolution with bias, the block's input added and ReLU): when nothing
// reads the depthwise output after it, the 1×1 convolution overwrites it
// in place, and gives the values it gives when that output is kept.
func TestConvInPlace(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(-1)) // a collection would empty the pool
	rng := rand.New(rand.NewPCG(5, 6))
	for _, c := range []int{20, 24} {
		b := newBuilder()
		x := b.placeholder("x")
		dw := b.op("dw", "DepthwiseConv2dNative", convAttr(1, "SAME"), x, b.constant("dwf", randTensor(rng, 3, 3, c, 1)))
		conv := b.op("conv", "_FusedConv2D", convAttr(1, "VALID", "BiasAdd"), dw, b.constant("f", randTensor(rng, 1, 1, c, c)), b.constant("bias", randTensor(rng, c)))
		add := b.op("add", "AddV2", nil, conv, x)
		out := b.op("out", "Relu", nil, add)
		g := b.build(t)
		feeds := map[string]*tensor{"x": randTensor(rng, 1, 13, 11, c)}
		inPlace, err := g.run(feeds, out)
		if err != nil {
			t.Fatal(err)
		}
		// The output is the depthwise output's buffer: the run leaves no
		// buffer behind. (Under the race detector sync.Pool drops items.)
		if p, ok := g.arenas.Get().(*[][]float32); useSIMD && !raceEnabled && (!ok || len(*p) != 0) {
			t.Errorf("%d channels: the run left free buffers %v, want none", c, ok)
		}
		kept, err := g.run(feeds, out, dw)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(inPlace[0].data, kept[0].data) {
			t.Fatalf("%d channels: the convolution in place differs", c)
		}
	}
}

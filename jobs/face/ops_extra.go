package face

import (
	"fmt"
	"math"
	"slices"
)

// compileExtraOp compiles the operations only the alternative descriptors
// use (MobileFaceNet's PReLU as Relu, Abs and Sub; its L2 normalisation as
// Square, Sum and Rsqrt; MobileFace's input scaling as Sub).
func compileExtraOp(d nodeDef) (opFunc, error) {
	switch d.Op {
	case "Abs":
		return unary(func(v float32) float32 { return float32(math.Abs(float64(v))) }), nil
	case "Square":
		return unary(func(v float32) float32 { return v * v }), nil
	case "Rsqrt":
		return unary(func(v float32) float32 { return float32(1 / math.Sqrt(float64(v))) }), nil
	case "Sub":
		return subOp, nil
	case "Squeeze":
		return squeezeOp(d.Attr["squeeze_dims"].List), nil
	case "Sum":
		return sumLastOp(d.Attr["keep_dims"].B), nil
	}
	return nil, fmt.Errorf("unsupported op %s", d.Op)
}

// subOp is a - b with NumPy broadcasting (binaryOp assumes commutative
// operations, so subtraction has its own).
func subOp(ar *arena, in []*tensor, reuse bool) (*tensor, error) {
	a, b := in[0], in[1]
	if a.data == nil || b.data == nil {
		return nil, fmt.Errorf("float inputs required")
	}
	shape, err := broadcastShape(a.shape, b.shape)
	if err != nil {
		return nil, err
	}
	out := &tensor{shape: shape}
	if reuse && len(a.data) == numElements(shape) {
		out.data = a.data
	} else {
		out.data = ar.alloc(numElements(shape), false)
	}
	sub := func(x, y float32) float32 { return x - y }
	switch {
	case len(a.data) == len(out.data) && len(b.data) == len(out.data):
		for i, v := range a.data {
			out.data[i] = v - b.data[i]
		}
	case len(a.data) == len(out.data) && len(b.data) == 1:
		bv := b.data[0]
		for i, v := range a.data {
			out.data[i] = v - bv
		}
	default:
		broadcastApply(sub, a, b, out)
	}
	return out, nil
}

// squeezeOp drops the listed axes of size 1 (all of them when none are
// listed). The values are copied so the output owns its buffer.
func squeezeOp(dims *attrLst) opFunc {
	var axes []int
	if dims != nil {
		for _, a := range dims.I {
			axes = append(axes, int(a))
		}
	}
	return func(ar *arena, in []*tensor, _ bool) (*tensor, error) {
		x := in[0]
		var shape []int
		for i, d := range x.shape {
			drop := d == 1 && (len(axes) == 0 || slices.Contains(axes, i) || slices.Contains(axes, i-len(x.shape)))
			if !drop && slices.Contains(axes, i) {
				return nil, fmt.Errorf("cannot squeeze axis %d of %v", i, x.shape)
			}
			if !drop {
				shape = append(shape, d)
			}
		}
		out := &tensor{shape: shape, data: ar.alloc(len(x.data), false)}
		copy(out.data, x.data)
		return out, nil
	}
}

// sumLastOp sums over the last axis, the only reduction the descriptors
// use (the squared length of each embedding).
func sumLastOp(keepDims bool) opFunc {
	return func(ar *arena, in []*tensor, _ bool) (*tensor, error) {
		x, ax := in[0], in[1]
		r := len(x.shape)
		if r == 0 || len(ax.ints) != 1 || (int(ax.ints[0]) != r-1 && int(ax.ints[0]) != -1) {
			return nil, fmt.Errorf("only the sum over the last axis is supported")
		}
		c := x.shape[r-1]
		shape := slices.Clone(x.shape[:r-1])
		if keepDims {
			shape = append(shape, 1)
		}
		out := &tensor{shape: shape, data: ar.alloc(len(x.data)/max(c, 1), false)}
		for i := range out.data {
			var s float64
			for _, v := range x.data[i*c : (i+1)*c] {
				s += float64(v)
			}
			out.data[i] = float32(s)
		}
		return out, nil
	}
}

package face

import (
	"fmt"
	"math"
	"slices"
)

// compileOp turns one node definition into a function, checking its
// attributes once at load time.
func compileOp(d nodeDef, consts map[string]*tensor) (opFunc, error) {
	switch d.Op {
	case "Identity":
		return func(_ *arena, in []*tensor, reuse bool) (*tensor, error) { return in[0], nil }, nil
	case "Relu":
		return unary(func(v float32) float32 { return max(v, 0) }), nil
	case "Relu6":
		return unary(func(v float32) float32 { return min(max(v, 0), 6) }), nil
	case "Sigmoid":
		return unary(sigmoid), nil
	case "Add", "AddV2":
		return binaryOp(func(a, b float32) float32 { return a + b }), nil
	case "Mul":
		return binaryOp(func(a, b float32) float32 { return a * b }), nil
	case "Minimum":
		return binaryOp(func(a, b float32) float32 { return min(a, b) }), nil
	case "Maximum":
		return binaryOp(func(a, b float32) float32 { return max(a, b) }), nil
	case "Softmax":
		return softmaxOp, nil
	case "Reshape":
		return reshapeOp, nil
	case "Pad":
		return padOp, nil
	case "Mean":
		return meanOp(d.Attr["keep_dims"].B), nil
	case "MaxPool":
		return compileMaxPool(d)
	case "Conv2D", "_FusedConv2D", "DepthwiseConv2dNative", "FusedDepthwiseConv2dNative":
		return compileConv(d)
	case "MatMul", "_FusedMatMul":
		return compileMatMul(d)
	}
	return compileExtraOp(d)
}

func sigmoid(v float32) float32 { return float32(1 / (1 + math.Exp(-float64(v)))) }

// unary applies f to every element; with reuse it writes into its input.
func unary(f func(float32) float32) opFunc {
	return func(ar *arena, in []*tensor, reuse bool) (*tensor, error) {
		x := in[0]
		out := x
		if !reuse {
			out = &tensor{shape: x.shape, data: ar.alloc(len(x.data), false)}
		}
		for i, v := range x.data {
			out.data[i] = f(v)
		}
		return out, nil
	}
}

// binaryOp applies a commutative element-wise operation with NumPy
// broadcasting; the common cases (same shape, scalar, per-channel vector)
// take fast paths. With reuse it may write into its first input.
func binaryOp(f func(a, b float32) float32) opFunc {
	return func(ar *arena, in []*tensor, reuse bool) (*tensor, error) {
		a, b := in[0], in[1]
		if a.data == nil || b.data == nil {
			return nil, fmt.Errorf("float inputs required")
		}
		if len(b.data) > len(a.data) {
			a, b = b, a // all supported binary ops are commutative
		}
		shape, err := broadcastShape(a.shape, b.shape)
		if err != nil {
			return nil, err
		}
		var out *tensor
		if reuse && a == in[0] && len(a.data) == numElements(shape) {
			out = &tensor{shape: shape, data: a.data}
		} else {
			out = &tensor{shape: shape, data: ar.alloc(numElements(shape), false)}
		}
		switch {
		case len(out.data) == len(a.data) && len(b.data) == 1:
			bv := b.data[0]
			for i, v := range a.data {
				out.data[i] = f(v, bv)
			}
		case len(out.data) == len(a.data) && len(b.data) == len(a.data):
			bd := b.data[:len(a.data)]
			for i, v := range a.data {
				out.data[i] = f(v, bd[i])
			}
		case len(out.data) == len(a.data) && isChannelVector(b.shape, a.shape):
			c := len(b.data)
			for i := 0; i < len(a.data); i += c {
				row, dst := a.data[i:i+c], out.data[i:i+c]
				for j, v := range row {
					dst[j] = f(v, b.data[j])
				}
			}
		default:
			broadcastApply(f, a, b, out)
		}
		return out, nil
	}
}

// isChannelVector reports whether small broadcasts along only the last axis
// of big.
func isChannelVector(small, big []int) bool {
	if len(small) == 0 || len(big) == 0 || small[len(small)-1] != big[len(big)-1] {
		return false
	}
	return numElements(small) == small[len(small)-1]
}

func broadcastShape(a, b []int) ([]int, error) {
	n := max(len(a), len(b))
	out := make([]int, n)
	for i := range n {
		da, db := dimFromEnd(a, n-1-i), dimFromEnd(b, n-1-i)
		switch {
		case da == db || db == 1:
			out[i] = da
		case da == 1:
			out[i] = db
		default:
			return nil, fmt.Errorf("shapes %v and %v do not broadcast", a, b)
		}
	}
	return out, nil
}

func dimFromEnd(shape []int, i int) int {
	if i < len(shape) {
		return shape[len(shape)-1-i]
	}
	return 1
}

// broadcastApply is the general strided broadcasting loop.
func broadcastApply(f func(a, b float32) float32, a, b, out *tensor) {
	n := len(out.shape)
	strides := func(shape []int) []int {
		s := make([]int, n)
		acc := 1
		for i := n - 1; i >= 0; i-- {
			d := dimFromEnd(shape, n-1-i)
			if d != 1 {
				s[i] = acc
			}
			acc *= d
		}
		return s
	}
	sa, sb := strides(a.shape), strides(b.shape)
	idx := make([]int, n)
	for i := range out.data {
		ia, ib := 0, 0
		for k, v := range idx {
			ia += v * sa[k]
			ib += v * sb[k]
		}
		out.data[i] = f(a.data[ia], b.data[ib])
		for k := n - 1; k >= 0; k-- {
			if idx[k]++; idx[k] < out.shape[k] {
				break
			}
			idx[k] = 0
		}
	}
}

func softmaxOp(ar *arena, in []*tensor, _ bool) (*tensor, error) {
	x := in[0]
	c := x.shape[len(x.shape)-1]
	out := &tensor{shape: x.shape, data: ar.alloc(len(x.data), false)}
	for i := 0; i < len(x.data); i += c {
		row, dst := x.data[i:i+c], out.data[i:i+c]
		m := slices.Max(row)
		var sum float64
		for j, v := range row {
			e := math.Exp(float64(v - m))
			dst[j] = float32(e)
			sum += e
		}
		for j := range dst {
			dst[j] = float32(float64(dst[j]) / sum)
		}
	}
	return out, nil
}

func reshapeOp(_ *arena, in []*tensor, _ bool) (*tensor, error) {
	x, s := in[0], in[1]
	if s.ints == nil {
		return nil, fmt.Errorf("shape must be int32")
	}
	shape := make([]int, len(s.ints))
	infer, known := -1, 1
	for i, v := range s.ints {
		if v == -1 {
			infer = i
			continue
		}
		shape[i] = int(v)
		known *= int(v)
	}
	if infer >= 0 && known > 0 {
		shape[infer] = x.size() / known
	}
	if numElements(shape) != x.size() {
		return nil, fmt.Errorf("cannot reshape %v to %v", x.shape, s.ints)
	}
	return &tensor{shape: shape, data: x.data, ints: x.ints}, nil
}

// padOp pads an NHWC tensor with zeros; paddings is int32 [rank, 2].
func padOp(ar *arena, in []*tensor, _ bool) (*tensor, error) {
	x, p := in[0], in[1]
	if len(x.shape) != 4 || p.ints == nil || len(p.ints) != 8 {
		return nil, fmt.Errorf("want a rank-4 input and [4,2] int32 paddings")
	}
	if p.ints[0] != 0 || p.ints[1] != 0 {
		return nil, fmt.Errorf("batch padding is not supported")
	}
	h, w, c := x.shape[1], x.shape[2], x.shape[3]
	top, left, front := int(p.ints[2]), int(p.ints[4]), int(p.ints[6])
	oh := h + top + int(p.ints[3])
	ow := w + left + int(p.ints[5])
	oc := c + front + int(p.ints[7])
	out := ar.tensor(true, 1, oh, ow, oc)
	for y := range h {
		for xx := range w {
			src := x.data[(y*w+xx)*c:][:c]
			copy(out.data[((y+top)*ow+xx+left)*oc+front:], src)
		}
	}
	return out, nil
}

// meanOp averages an NHWC tensor over its spatial axes (1 and 2), the
// global pooling at the end of a classifier.
func meanOp(keepDims bool) opFunc {
	return func(_ *arena, in []*tensor, reuse bool) (*tensor, error) {
		x, ax := in[0], in[1]
		if len(x.shape) != 4 || !slices.Equal(ax.ints, []int32{1, 2}) {
			return nil, fmt.Errorf("only the mean over axes [1 2] of a rank-4 tensor is supported")
		}
		h, w, c := x.shape[1], x.shape[2], x.shape[3]
		sum := make([]float64, c)
		for i := 0; i < h*w; i++ {
			for j, v := range x.data[i*c : (i+1)*c] {
				sum[j] += float64(v)
			}
		}
		shape := []int{x.shape[0], c}
		if keepDims {
			shape = []int{x.shape[0], 1, 1, c}
		}
		out := &tensor{shape: shape, data: make([]float32, c)}
		for j, s := range sum {
			out.data[j] = float32(s / float64(h*w))
		}
		return out, nil
	}
}

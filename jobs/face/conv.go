package face

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
)

// window is the geometry of a 2-D convolution or pooling window.
type window struct {
	kh, kw, sh, sw int
	padding        string // SAME, VALID or EXPLICIT
	explicit       [4]int // top, bottom, left, right for EXPLICIT
}

// outSize returns the output extent and the padding before the first
// element along one axis, following TensorFlow's rules.
func (w window) outSize(in, k, s int, axis int) (out, before int) {
	switch w.padding {
	case "VALID":
		return (in-k)/s + 1, 0
	case "EXPLICIT":
		b, a := w.explicit[2*axis], w.explicit[2*axis+1]
		return (in+b+a-k)/s + 1, b
	default: // SAME
		out = (in + s - 1) / s
		total := max((out-1)*s+k-in, 0)
		return out, total / 2
	}
}

func parseWindow(d nodeDef, kh, kw int) (window, error) {
	w := window{kh: kh, kw: kw, sh: 1, sw: 1, padding: string(d.Attr["padding"].S)}
	if f := string(d.Attr["data_format"].S); f != "" && f != "NHWC" {
		return w, fmt.Errorf("data_format %s is not supported", f)
	}
	if l := d.Attr["strides"].List; l != nil && len(l.I) == 4 {
		w.sh, w.sw = int(l.I[1]), int(l.I[2])
	}
	if l := d.Attr["dilations"].List; l != nil {
		for _, v := range l.I {
			if v != 1 {
				return w, fmt.Errorf("dilations %v are not supported", l.I)
			}
		}
	}
	switch w.padding {
	case "SAME", "VALID":
	case "EXPLICIT":
		l := d.Attr["explicit_paddings"].List
		if l == nil || len(l.I) != 8 {
			return w, fmt.Errorf("EXPLICIT padding needs 8 explicit_paddings")
		}
		for i := range 4 {
			w.explicit[i] = int(l.I[2+i])
		}
	default:
		return w, fmt.Errorf("padding %q is not supported", w.padding)
	}
	return w, nil
}

// Steps of an epilogue, the element-wise work fused into a conv or matmul
// output pass while each block of the output is still in cache.
const (
	stepAdd      = iota // add a per-channel vector (or scalar)
	stepMul             // multiply by a per-channel vector (or scalar)
	stepMin             // minimum with a per-channel vector (or scalar)
	stepMax             // maximum with a per-channel vector (or scalar)
	stepRelu            // max(v, 0)
	stepRelu6           // min(max(v, 0), 6)
	stepResidual        // add a tensor of the output's shape
)

// epiStep is one epilogue step; in indexes the op's inputs for its operand.
type epiStep struct{ kind, in int }

// epilogue is the bias, activation and any following element-wise ops
// applied to a conv or matmul output.
type epilogue struct {
	steps []epiStep
	// own is how many leading steps come from the node's own fused_ops;
	// the rest were folded in from the nodes that follow it.
	own int
}

func parseEpilogue(d nodeDef) (epilogue, error) {
	var e epilogue
	l := d.Attr["fused_ops"].List
	if l == nil {
		return e, nil
	}
	act := false
	for i, s := range l.S {
		switch op := string(s); {
		case op == "BiasAdd" && i == 0:
			e.steps = append(e.steps, epiStep{kind: stepAdd, in: 2})
		case (op == "Relu" || op == "Relu6") && i == len(l.S)-1 && !act:
			act = true
			k := stepRelu
			if op == "Relu6" {
				k = stepRelu6
			}
			e.steps = append(e.steps, epiStep{kind: k})
		default:
			return e, fmt.Errorf("fused op %s is not supported in %q", op, l.S)
		}
	}
	e.own = len(e.steps)
	return e, nil
}

// boundStep is an epilogue step with its operand resolved for one run:
// a channel vector, or the whole residual.
type boundStep struct {
	kind int
	v    []float32
}

// errUnfused reports operands of folded-in steps whose shapes the
// epilogue does not handle; the nodes then run one by one.
var errUnfused = errors.New("operands do not fit the fused epilogue")

// bind resolves the steps' operands against the inputs for an output
// of the given shape.
func (e epilogue) bind(in []*tensor, shape []int) ([]boundStep, error) {
	if len(e.steps) == 0 {
		return nil, nil
	}
	c := shape[len(shape)-1]
	size := numElements(shape)
	bs := make([]boundStep, len(e.steps))
	for i, s := range e.steps {
		bs[i].kind = s.kind
		if s.kind == stepRelu || s.kind == stepRelu6 {
			continue
		}
		var t *tensor
		if s.in < len(in) {
			t = in[s.in]
		}
		if i < e.own {
			// The node's own BiasAdd: one value per channel.
			if t == nil || t.data == nil {
				return nil, fmt.Errorf("fused BiasAdd without a bias")
			}
			if len(t.data) != c {
				return nil, fmt.Errorf("bias of %d does not match %d output channels", len(t.data), c)
			}
			bs[i].v = t.data
			continue
		}
		if t == nil || t.data == nil || len(t.shape) > len(shape) {
			return nil, errUnfused
		}
		switch {
		case s.kind == stepResidual:
			if !slices.Equal(t.shape, shape) || len(t.data) != size {
				return nil, errUnfused
			}
			bs[i].v = t.data
		case len(t.data) == 1:
			v := make([]float32, c)
			for j := range v {
				v[j] = t.data[0]
			}
			bs[i].v = v
		case len(t.data) == c && isChannelVector(t.shape, shape):
			bs[i].v = t.data
		default:
			return nil, errUnfused
		}
	}
	return bs, nil
}

// applyEpilogue runs the steps over rows [r0,r1) and columns [j0,j1) of
// out, whose rows are ldc floats apart (ldc is the channel count). The
// SIMD kernel, where present, takes the columns in multiples of 8.
func applyEpilogue(steps []boundStep, out []float32, ldc, r0, r1, j0, j1 int) {
	if j0 += epilogueSIMD(steps, out, ldc, r0, r1, j0, j1); j0 == j1 {
		return
	}
	for r := r0; r < r1; r++ {
		row := out[r*ldc+j0 : r*ldc+j1]
		for _, s := range steps {
			switch s.kind {
			case stepAdd:
				v := s.v[j0:j1][:len(row)]
				for j := range row {
					row[j] += v[j]
				}
			case stepMul:
				v := s.v[j0:j1][:len(row)]
				for j := range row {
					row[j] *= v[j]
				}
			case stepMin:
				v := s.v[j0:j1][:len(row)]
				for j := range row {
					row[j] = min(row[j], v[j])
				}
			case stepMax:
				v := s.v[j0:j1][:len(row)]
				for j := range row {
					row[j] = max(row[j], v[j])
				}
			case stepRelu:
				for j, x := range row {
					row[j] = max(x, 0)
				}
			case stepRelu6:
				for j, x := range row {
					row[j] = min(max(x, 0), 6)
				}
			case stepResidual:
				v := s.v[r*ldc+j0 : r*ldc+j1][:len(row)]
				for j := range row {
					row[j] += v[j]
				}
			}
		}
	}
}

// post returns the callback that applies the bound steps to an output
// block, or nil when there are none.
func post(steps []boundStep, out []float32, ldc int) func(r0, r1, j0, j1 int) {
	if len(steps) == 0 {
		return nil
	}
	return func(r0, r1, j0, j1 int) { applyEpilogue(steps, out, ldc, r0, r1, j0, j1) }
}

// isHeadOp reports whether op computes its output through an epilogue that
// following element-wise nodes can be folded into.
func isHeadOp(op string) bool {
	switch op {
	case "Conv2D", "_FusedConv2D", "DepthwiseConv2dNative", "FusedDepthwiseConv2dNative", "MatMul", "_FusedMatMul":
		return true
	}
	return false
}

// compileHead compiles a conv or matmul node with extra epilogue steps.
func compileHead(d nodeDef, extra []epiStep) (opFunc, error) {
	switch d.Op {
	case "MatMul", "_FusedMatMul":
		return compileMatMulEpi(d, extra)
	}
	return compileConvEpi(d, extra)
}

func compileConv(d nodeDef) (opFunc, error) { return compileConvEpi(d, nil) }

func compileConvEpi(d nodeDef, extra []epiStep) (opFunc, error) {
	epi, err := parseEpilogue(d)
	if err != nil {
		return nil, err
	}
	epi.steps = append(epi.steps, extra...)
	depthwise := d.Op == "DepthwiseConv2dNative" || d.Op == "FusedDepthwiseConv2dNative"
	win, err := parseWindow(d, 0, 0)
	if err != nil {
		return nil, err
	}
	var packed packCache
	return func(ar *arena, in []*tensor, reuse bool) (*tensor, error) {
		x, f := in[0], in[1]
		if len(x.shape) != 4 || x.shape[0] != 1 || len(f.shape) != 4 || f.data == nil {
			return nil, fmt.Errorf("want input [1,h,w,c] and filter [kh,kw,c,n], got %v and %v", x.shape, f.shape)
		}
		if f.shape[2] != x.shape[3] {
			return nil, fmt.Errorf("filter %v does not match input %v", f.shape, x.shape)
		}
		w := win
		w.kh, w.kw = f.shape[0], f.shape[1]
		if depthwise && f.shape[3] != 1 {
			return nil, fmt.Errorf("depthwise channel multiplier %d is not supported", f.shape[3])
		}
		oh, _ := w.outSize(x.shape[1], w.kh, w.sh, 0)
		ow, _ := w.outSize(x.shape[2], w.kw, w.sw, 1)
		cout := f.shape[3]
		if depthwise {
			cout = x.shape[3]
		}
		// A 1×1 convolution that keeps the channel count may overwrite an
		// input nothing reads after it: each block of output rows depends
		// only on the same rows of the input.
		inPlace := reuse && !depthwise && useSIMD && cout == x.shape[3] && cout <= gemmTileN &&
			w.kh == 1 && w.kw == 1 && w.sh == 1 && w.sw == 1 && oh == x.shape[1] && ow == x.shape[2]
		var out *tensor
		if inPlace {
			out = &tensor{shape: []int{1, oh, ow, cout}, data: x.data}
		} else {
			out = ar.tensor(false, 1, oh, ow, cout)
		}
		steps, err := epi.bind(in, out.shape)
		if err != nil {
			return nil, err
		}
		p := post(steps, out.data, out.shape[3])
		switch {
		case depthwise:
			depthwiseConvInto(x, f, w, out, p)
		case inPlace:
			gemmInPlace(oh*ow, cout, out.data, packed.get(f), p)
		default:
			conv2dInto(x, f, w, out, false, p, packed.get(f))
		}
		return out, nil
	}, nil
}

// packCache holds a convolution's filter packed for the SIMD gemm, made on
// the first run and kept while the filter (a constant) stays the same.
type packCache struct {
	mu   sync.Mutex
	src  *tensor
	simd bool
	bp   []float32
}

func (pc *packCache) get(f *tensor) []float32 {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	if pc.src != f || pc.simd != useSIMD {
		n := f.shape[3]
		pc.src, pc.simd, pc.bp = f, useSIMD, packWeights(n, len(f.data)/max(n, 1), f.data)
	}
	return pc.bp
}

// conv2d is a convolution as im2col followed by gemm; a 1×1 stride-1
// convolution is a gemm on the input directly.
func conv2d(x, f *tensor, w window) *tensor {
	oh, _ := w.outSize(x.shape[1], w.kh, w.sh, 0)
	ow, _ := w.outSize(x.shape[2], w.kw, w.sw, 1)
	out := newTensor(1, oh, ow, f.shape[3])
	conv2dInto(x, f, w, out, true, nil, nil)
	return out
}

// im2colBand is the size, in floats, of the im2col buffer of one band of
// output rows (at least one row): small enough to stay in L2 while the
// gemm reads it.
const im2colBand = 1 << 16

// im2colPool recycles the im2col buffers, which are overwritten in full.
var im2colPool sync.Pool

// conv2dInto computes the convolution into out, calling post (if not nil)
// on each finished block of it. zeroed says out is already zero, else
// its contents are overwritten. bp is f packed for the SIMD kernels, or
// nil. Convolutions other than 1×1 stride 1 go through im2col one band of
// output rows at a time, each band's gemm right after its copy, so the
// copy never exceeds im2colBand per core.
func conv2dInto(x, f *tensor, w window, out *tensor, zeroed bool, post func(r0, r1, j0, j1 int), bp []float32) {
	h, wd, c := x.shape[1], x.shape[2], x.shape[3]
	cout := f.shape[3]
	oh, top := w.outSize(h, w.kh, w.sh, 0)
	ow, left := w.outSize(wd, w.kw, w.sw, 1)
	k := w.kh * w.kw * c
	if w.kh == 1 && w.kw == 1 && w.sh == 1 && w.sw == 1 && top == 0 && left == 0 && oh == h && ow == wd {
		gemmPacked(oh*ow, cout, k, x.data, f.data, bp, out.data, zeroed, post)
		return
	}
	if oh == 0 || ow == 0 || cout == 0 {
		return
	}
	if p := packedB(cout, k, f.data); bp == nil && p != nil {
		defer putPacked(p)
		bp = *p
	}
	rowSize := ow * k
	band := max(1, im2colBand/max(rowSize, 1))
	parallel(oh, 1, 1, func(lo, hi int) {
		size := min(band, hi-lo) * rowSize
		var buf *[]float32
		if p, ok := im2colPool.Get().(*[]float32); ok && cap(*p) >= size {
			buf = p
		} else {
			s := make([]float32, size)
			buf = &s
		}
		defer im2colPool.Put(buf)
		for y0 := lo; y0 < hi; y0 += band {
			y1 := min(y0+band, hi)
			a := (*buf)[:(y1-y0)*rowSize]
			im2col(x, w, top, left, ow, y0, y1, a)
			r0, m := y0*ow, (y1-y0)*ow
			var p func(r0, r1, j0, j1 int)
			if post != nil {
				p = func(a0, a1, j0, j1 int) { post(r0+a0, r0+a1, j0, j1) }
			}
			cb := out.data[r0*cout : (r0+m)*cout]
			if bp != nil {
				gemmRowsSIMD(0, m, cout, k, a, bp, cb, zeroed, p)
			} else {
				gemmRows(0, m, cout, k, a, f.data, cb, zeroed, p)
			}
		}
	})
}

// im2col copies the windows of output rows [y0,y1) into a, one row of
// kh·kw·c floats per output pixel, zero where the window leaves the input.
func im2col(x *tensor, w window, top, left, ow, y0, y1 int, a []float32) {
	h, wd, c := x.shape[1], x.shape[2], x.shape[3]
	k := w.kh * w.kw * c
	for oy := y0; oy < y1; oy++ {
		for ox := range ow {
			row := a[((oy-y0)*ow+ox)*k:][:k]
			for ky := range w.kh {
				iy := oy*w.sh - top + ky
				dst := row[ky*w.kw*c:][:w.kw*c]
				if iy < 0 || iy >= h {
					clear(dst)
					continue
				}
				ix0 := ox*w.sw - left
				if ix0 >= 0 && ix0+w.kw <= wd {
					copy(dst, x.data[(iy*wd+ix0)*c:][:w.kw*c])
					continue
				}
				for kx := range w.kw {
					ix := ix0 + kx
					if ix < 0 || ix >= wd {
						clear(dst[kx*c : (kx+1)*c])
						continue
					}
					copy(dst[kx*c:(kx+1)*c], x.data[(iy*wd+ix)*c:])
				}
			}
		}
	}
}

// depthwiseConv convolves each channel with its own kh×kw filter.
func depthwiseConv(x, f *tensor, w window) *tensor {
	oh, _ := w.outSize(x.shape[1], w.kh, w.sh, 0)
	ow, _ := w.outSize(x.shape[2], w.kw, w.sw, 1)
	out := newTensor(1, oh, ow, x.shape[3])
	depthwiseConvInto(x, f, w, out, nil)
	return out
}

// depthwiseConvInto computes the depthwise convolution into out,
// overwriting it, calling post (if not nil) on each finished output row.
func depthwiseConvInto(x, f *tensor, w window, out *tensor, post func(r0, r1, j0, j1 int)) {
	h, wd, c := x.shape[1], x.shape[2], x.shape[3]
	oh, top := w.outSize(h, w.kh, w.sh, 0)
	ow, left := w.outSize(wd, w.kw, w.sw, 1)
	parallel(oh, 4, 1, func(lo, hi int) {
		offs := make([]int, w.kh*w.kw)
		for oy := lo; oy < hi; oy++ {
			// SIMD kernels, where present, take the pixels away from
			// the left and right edges.
			sx0, sx1 := depthwiseRowSIMD(x, f, out, w, oy, top, left, offs)
			for ox := range ow {
				if ox >= sx0 && ox < sx1 {
					continue
				}
				o := out.data[(oy*ow+ox)*c:][:c]
				clear(o)
				for ky := range w.kh {
					iy := oy*w.sh - top + ky
					if iy < 0 || iy >= h {
						continue
					}
					for kx := range w.kw {
						ix := ox*w.sw - left + kx
						if ix < 0 || ix >= wd {
							continue
						}
						src := x.data[(iy*wd+ix)*c:][:c]
						wt := f.data[(ky*w.kw+kx)*c:][:c]
						for j := range o {
							o[j] += src[j] * wt[j]
						}
					}
				}
			}
			if post != nil {
				post(oy*ow, (oy+1)*ow, 0, c)
			}
		}
	})
}

func compileMaxPool(d nodeDef) (opFunc, error) {
	l := d.Attr["ksize"].List
	if l == nil || len(l.I) != 4 || l.I[0] != 1 || l.I[3] != 1 {
		return nil, fmt.Errorf("ksize must be [1,kh,kw,1]")
	}
	win, err := parseWindow(d, int(l.I[1]), int(l.I[2]))
	if err != nil {
		return nil, err
	}
	return func(ar *arena, in []*tensor, reuse bool) (*tensor, error) {
		x := in[0]
		if len(x.shape) != 4 || x.shape[0] != 1 {
			return nil, fmt.Errorf("want input [1,h,w,c], got %v", x.shape)
		}
		return maxPool(ar, x, win), nil
	}, nil
}

// maxPool takes the maximum over each window; padded positions are ignored.
func maxPool(ar *arena, x *tensor, w window) *tensor {
	h, wd, c := x.shape[1], x.shape[2], x.shape[3]
	oh, top := w.outSize(h, w.kh, w.sh, 0)
	ow, left := w.outSize(wd, w.kw, w.sw, 1)
	out := ar.tensor(false, 1, oh, ow, c)
	inf := float32(math.Inf(-1))
	for oy := range oh {
		for ox := range ow {
			o := out.data[(oy*ow+ox)*c:][:c]
			for j := range o {
				o[j] = inf
			}
			for ky := range w.kh {
				iy := oy*w.sh - top + ky
				if iy < 0 || iy >= h {
					continue
				}
				for kx := range w.kw {
					ix := ox*w.sw - left + kx
					if ix < 0 || ix >= wd {
						continue
					}
					src := x.data[(iy*wd+ix)*c:][:c]
					for j, v := range src {
						o[j] = max(o[j], v)
					}
				}
			}
		}
	}
	return out
}

func compileMatMul(d nodeDef) (opFunc, error) { return compileMatMulEpi(d, nil) }

func compileMatMulEpi(d nodeDef, extra []epiStep) (opFunc, error) {
	if d.Attr["transpose_a"].B || d.Attr["transpose_b"].B {
		return nil, fmt.Errorf("transposed MatMul is not supported")
	}
	epi, err := parseEpilogue(d)
	if err != nil {
		return nil, err
	}
	epi.steps = append(epi.steps, extra...)
	return func(ar *arena, in []*tensor, reuse bool) (*tensor, error) {
		a, b := in[0], in[1]
		if len(a.shape) != 2 || len(b.shape) != 2 || a.shape[1] != b.shape[0] || a.data == nil || b.data == nil {
			return nil, fmt.Errorf("cannot multiply %v by %v", a.shape, b.shape)
		}
		m, k, n := a.shape[0], a.shape[1], b.shape[1]
		out := ar.tensor(false, m, n)
		steps, err := epi.bind(in, out.shape)
		if err != nil {
			return nil, err
		}
		gemmPost(m, n, k, a.data, b.data, out.data, false, post(steps, out.data, n))
		return out, nil
	}, nil
}

package face

import (
	"fmt"
	"math"
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

// epilogue is a fused bias and activation applied to a conv or matmul output.
type epilogue struct {
	bias bool
	act  string // "", Relu or Relu6
}

func parseEpilogue(d nodeDef) (epilogue, error) {
	var e epilogue
	l := d.Attr["fused_ops"].List
	if l == nil {
		return e, nil
	}
	for i, s := range l.S {
		switch op := string(s); {
		case op == "BiasAdd" && i == 0:
			e.bias = true
		case (op == "Relu" || op == "Relu6") && i == len(l.S)-1 && e.act == "":
			e.act = op
		default:
			return e, fmt.Errorf("fused op %s is not supported in %q", op, l.S)
		}
	}
	return e, nil
}

// apply adds the bias (one value per channel, the last axis) and the
// activation in place.
func (e epilogue) apply(out []float32, in []*tensor) error {
	if e.bias {
		if len(in) < 3 || in[2].data == nil {
			return fmt.Errorf("fused BiasAdd without a bias")
		}
		bias := in[2].data
		c := len(bias)
		if len(out)%c != 0 {
			return fmt.Errorf("bias of %d does not divide output of %d", c, len(out))
		}
		for i := 0; i < len(out); i += c {
			row := out[i : i+c]
			for j := range row {
				row[j] += bias[j]
			}
		}
	}
	switch e.act {
	case "Relu":
		for i, v := range out {
			out[i] = max(v, 0)
		}
	case "Relu6":
		for i, v := range out {
			out[i] = min(max(v, 0), 6)
		}
	}
	return nil
}

func compileConv(d nodeDef) (opFunc, error) {
	epi, err := parseEpilogue(d)
	if err != nil {
		return nil, err
	}
	depthwise := d.Op == "DepthwiseConv2dNative" || d.Op == "FusedDepthwiseConv2dNative"
	win, err := parseWindow(d, 0, 0)
	if err != nil {
		return nil, err
	}
	return func(in []*tensor, reuse bool) (*tensor, error) {
		x, f := in[0], in[1]
		if len(x.shape) != 4 || x.shape[0] != 1 || len(f.shape) != 4 || f.data == nil {
			return nil, fmt.Errorf("want input [1,h,w,c] and filter [kh,kw,c,n], got %v and %v", x.shape, f.shape)
		}
		if f.shape[2] != x.shape[3] {
			return nil, fmt.Errorf("filter %v does not match input %v", f.shape, x.shape)
		}
		w := win
		w.kh, w.kw = f.shape[0], f.shape[1]
		var out *tensor
		if depthwise {
			if f.shape[3] != 1 {
				return nil, fmt.Errorf("depthwise channel multiplier %d is not supported", f.shape[3])
			}
			out = depthwiseConv(x, f, w)
		} else {
			out = conv2d(x, f, w)
		}
		return out, epi.apply(out.data, in)
	}, nil
}

// conv2d is a convolution as im2col followed by gemm; a 1×1 stride-1
// convolution is a gemm on the input directly.
func conv2d(x, f *tensor, w window) *tensor {
	h, wd, c := x.shape[1], x.shape[2], x.shape[3]
	cout := f.shape[3]
	oh, top := w.outSize(h, w.kh, w.sh, 0)
	ow, left := w.outSize(wd, w.kw, w.sw, 1)
	out := newTensor(1, oh, ow, cout)
	k := w.kh * w.kw * c
	a := x.data
	if w.kh != 1 || w.kw != 1 || w.sh != 1 || w.sw != 1 || top != 0 || left != 0 || oh != h || ow != wd {
		a = make([]float32, oh*ow*k)
		parallel(oh, 4, 1, func(lo, hi int) {
			for oy := lo; oy < hi; oy++ {
				for ox := range ow {
					row := a[(oy*ow+ox)*k:][:k]
					for ky := range w.kh {
						iy := oy*w.sh - top + ky
						dst := row[ky*w.kw*c:][:w.kw*c]
						if iy < 0 || iy >= h {
							clear(dst)
							continue
						}
						for kx := range w.kw {
							ix := ox*w.sw - left + kx
							if ix < 0 || ix >= wd {
								clear(dst[kx*c : (kx+1)*c])
								continue
							}
							copy(dst[kx*c:(kx+1)*c], x.data[(iy*wd+ix)*c:])
						}
					}
				}
			}
		})
	}
	gemm(oh*ow, cout, k, a, f.data, out.data)
	return out
}

// depthwiseConv convolves each channel with its own kh×kw filter.
func depthwiseConv(x, f *tensor, w window) *tensor {
	h, wd, c := x.shape[1], x.shape[2], x.shape[3]
	oh, top := w.outSize(h, w.kh, w.sh, 0)
	ow, left := w.outSize(wd, w.kw, w.sw, 1)
	out := newTensor(1, oh, ow, c)
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
		}
	})
	return out
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
	return func(in []*tensor, reuse bool) (*tensor, error) {
		x := in[0]
		if len(x.shape) != 4 || x.shape[0] != 1 {
			return nil, fmt.Errorf("want input [1,h,w,c], got %v", x.shape)
		}
		return maxPool(x, win), nil
	}, nil
}

// maxPool takes the maximum over each window; padded positions are ignored.
func maxPool(x *tensor, w window) *tensor {
	h, wd, c := x.shape[1], x.shape[2], x.shape[3]
	oh, top := w.outSize(h, w.kh, w.sh, 0)
	ow, left := w.outSize(wd, w.kw, w.sw, 1)
	out := newTensor(1, oh, ow, c)
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

func compileMatMul(d nodeDef) (opFunc, error) {
	if d.Attr["transpose_a"].B || d.Attr["transpose_b"].B {
		return nil, fmt.Errorf("transposed MatMul is not supported")
	}
	epi, err := parseEpilogue(d)
	if err != nil {
		return nil, err
	}
	return func(in []*tensor, reuse bool) (*tensor, error) {
		a, b := in[0], in[1]
		if len(a.shape) != 2 || len(b.shape) != 2 || a.shape[1] != b.shape[0] || a.data == nil || b.data == nil {
			return nil, fmt.Errorf("cannot multiply %v by %v", a.shape, b.shape)
		}
		m, k, n := a.shape[0], a.shape[1], b.shape[1]
		out := newTensor(m, n)
		gemm(m, n, k, a.data, b.data, out.data)
		return out, epi.apply(out.data, in)
	}, nil
}

package photo

import (
	"image"
	"math"
)

// filter is a resampling kernel. Its support grows with the reduction, so a
// downscale averages over the whole area each output pixel covers and does
// not alias; an enlargement interpolates between neighbours.
type filter int

const (
	// linear is the triangle (tent) kernel: smooth and area-correct, for the
	// large first step from the decoded image.
	linear filter = iota
	// catmullRom is the Catmull-Rom cubic: sharper, for the small final
	// steps to the thumbnails and the selfie.
	catmullRom
)

// support is the kernel's radius at scale 1.
func (f filter) support() float64 {
	if f == catmullRom {
		return 2
	}
	return 1
}

// at is the kernel's weight at distance x.
func (f filter) at(x float64) float64 {
	x = math.Abs(x)
	if f == catmullRom {
		switch {
		case x < 1:
			return (1.5*x-2.5)*x*x + 1
		case x < 2:
			return ((-0.5*x+2.5)*x-4)*x + 2
		}
		return 0
	}
	return max(0, 1-x)
}

// coefBits is the fixed-point precision of the filter coefficients: each
// output sample's coefficients sum to exactly 1<<coefBits.
const coefBits = 14

// taps are the fixed-point filter coefficients of a one-dimensional resize:
// output sample i is the sum over k < n of source sample start[i]+k times
// coef[i*n+k]. Every output has n taps (zero-padded), so the loops that
// apply them have no per-sample bounds.
type taps struct {
	n     int
	start []int
	coef  []int32
}

// newTaps computes the taps that resize src samples to dst. extent is the
// length of the picture in source samples, centre to centre plus one: src
// itself for a luma plane, but less for a chroma plane whose last sample
// covers luma pixels past the picture's edge (4:2:0 chroma of a 3001 pixel
// wide image is 1501 samples over 1500.5 samples of picture). Source sample
// j is centred at j+0.5 and output sample i at (i+0.5)·extent/dst, which is
// how JPEG sites chroma: centred between the luma samples it covers. Taps
// that would fall outside the source are dropped and the rest renormalised,
// as imaging does.
func newTaps(dst, src int, extent float64, f filter) taps {
	return newTapsAt(dst, src, extent/float64(dst), 0, f)
}

// newChromaTaps computes the taps that make the chroma of a picture lum
// samples long (one 4:2:0 chroma sample for two luma samples, the last one
// partial if lum is odd) from src chroma samples spanning extent. With shift,
// the output samples sit one luma sample earlier: where they belong once an
// odd-length axis is reversed, since the partial sample is then the first.
func newChromaTaps(lum, src int, extent float64, shift bool, f filter) taps {
	perLuma := extent / float64(lum) // source samples per output luma sample
	var u0 float64
	if shift && lum%2 == 1 {
		u0 = -perLuma
	}
	return newTapsAt((lum+1)/2, src, 2*perLuma, u0, f)
}

// newTapsAt computes the taps of dst output samples spaced du source samples
// apart, the first centred at u0 + du/2 (source sample j is centred at
// j+0.5), from src source samples.
func newTapsAt(dst, src int, du, u0 float64, f filter) taps {
	scale := max(du, 1)
	ru := math.Ceil(scale * f.support())
	begins := make([]int, dst)
	weights := make([][]float64, dst)
	all := make([]float64, 0, dst*(2*int(ru)+1))
	n := 1
	for v := range dst {
		fu := u0 + (float64(v)+0.5)*du - 0.5
		begin := max(0, int(math.Ceil(fu-ru)))
		end := min(src-1, int(math.Floor(fu+ru)))
		weight := func(u int) float64 { return f.at((float64(u) - fu) / scale) }
		for begin < end && weight(begin) == 0 {
			begin++
		}
		for end > begin && weight(end) == 0 {
			end--
		}
		w := all[len(all) : len(all)+end-begin+1]
		all = all[:len(all)+len(w)]
		var sum float64
		for u := begin; u <= end; u++ {
			w[u-begin] = weight(u)
			sum += w[u-begin]
		}
		if sum == 0 { // cannot happen for these kernels; take the nearest sample
			begin = min(src-1, max(0, int(math.Round(fu))))
			w, sum = []float64{1}, 1
		}
		for i := range w {
			w[i] /= sum
		}
		begins[v], weights[v] = begin, w
		n = max(n, len(w))
	}
	t := taps{n: n, start: make([]int, dst), coef: make([]int32, dst*n)}
	for v, w := range weights {
		start := min(begins[v], src-n)
		c := t.coef[v*n : v*n+n]
		off := begins[v] - start
		var sum, big int32
		for i, x := range w {
			c[off+i] = int32(math.Round(x * (1 << coefBits)))
			sum += c[off+i]
			if c[off+i] > c[big] {
				big = int32(off + i)
			}
		}
		c[big] += 1<<coefBits - sum // rounding must not change the total
		t.start[v] = start
	}
	return t
}

// Horizontal passes keep 8 fractional bits: a row's samples become
// value<<rowBits, clamped to the 8-bit range, in int32.
const (
	rowBits  = 8
	rowShift = coefBits - rowBits
	rowMax   = 255 << rowBits
)

// grayRow resizes one row of one-byte samples into dst. The common tap
// counts of the first resize (2 to 4) are unrolled.
func (t *taps) grayRow(dst []int32, src []uint8) {
	const half = 1 << (rowShift - 1)
	start := t.start[:len(dst)]
	switch t.n {
	case 2:
		coef := t.coef[:2*len(dst)]
		for x, i := range start {
			s := src[i : i+2 : i+2]
			c := coef[2*x : 2*x+2 : 2*x+2]
			sum := int32(s[0])*c[0] + int32(s[1])*c[1]
			dst[x] = min(rowMax, max(0, (sum+half)>>rowShift))
		}
	case 3:
		coef := t.coef[:3*len(dst)]
		for x, i := range start {
			s := src[i : i+3 : i+3]
			c := coef[3*x : 3*x+3 : 3*x+3]
			sum := int32(s[0])*c[0] + int32(s[1])*c[1] + int32(s[2])*c[2]
			dst[x] = min(rowMax, max(0, (sum+half)>>rowShift))
		}
	case 4:
		coef := t.coef[:4*len(dst)]
		for x, i := range start {
			s := src[i : i+4 : i+4]
			c := coef[4*x : 4*x+4 : 4*x+4]
			sum := int32(s[0])*c[0] + int32(s[1])*c[1] + int32(s[2])*c[2] + int32(s[3])*c[3]
			dst[x] = min(rowMax, max(0, (sum+half)>>rowShift))
		}
	default:
		n := t.n
		for x, i := range start {
			s := src[i:][:n]
			c := t.coef[x*n:][:n]
			var sum int32
			for k, v := range s {
				sum += int32(v) * c[k]
			}
			dst[x] = min(rowMax, max(0, (sum+half)>>rowShift))
		}
	}
}

// resizer resizes a plane of one-byte samples one output row at a time:
// each source row is filtered horizontally once, into a ring of the few rows
// the vertical filter needs, so the intermediate stays in cache and no
// intermediate image is allocated.
type resizer struct {
	src    []uint8
	stride int
	h, v   taps
	ring   [][]int32 // source row j, filtered horizontally, is ring[j%v.n]
	have   int       // source rows before this are in the ring (or skipped)
	acc    []int32
	y      int // the next output row
}

// newResizer prepares a resize of a plane with horizontal taps h and
// vertical taps v.
func newResizer(src []uint8, stride int, h, v taps) *resizer {
	r := &resizer{src: src, stride: stride, h: h, v: v}
	vals := len(h.start)
	r.ring = make([][]int32, r.v.n)
	buf := make([]int32, (r.v.n+1)*vals)
	for i := range r.ring {
		r.ring[i] = buf[i*vals : (i+1)*vals]
	}
	r.acc = buf[r.v.n*vals:]
	return r
}

// next writes the next output row to out: dw samples.
func (r *resizer) next(out []uint8) {
	n := r.v.n
	start := r.v.start[r.y]
	for j := max(r.have, start); j < start+n; j++ {
		r.h.grayRow(r.ring[j%n], r.src[j*r.stride:])
	}
	r.have = max(r.have, start+n)
	c := r.v.coef[r.y*n : r.y*n+n]
	r.y++

	const (
		shift = coefBits + rowBits
		half  = 1 << (shift - 1)
	)
	if n <= 3 { // the first resize: summed and stored in one pass
		out = out[:len(r.acc)]
		r0 := r.ring[start%n][:len(out)]
		switch n {
		case 1:
			for x, v := range r0 {
				out[x] = uint8(min(255, max(0, (v*c[0]+half)>>shift)))
			}
		case 2:
			r1 := r.ring[(start+1)%n][:len(out)]
			for x, v := range r0 {
				v = v*c[0] + r1[x]*c[1]
				out[x] = uint8(min(255, max(0, (v+half)>>shift)))
			}
		case 3:
			r1 := r.ring[(start+1)%n][:len(out)]
			r2 := r.ring[(start+2)%n][:len(out)]
			for x, v := range r0 {
				v = v*c[0] + r1[x]*c[1] + r2[x]*c[2]
				out[x] = uint8(min(255, max(0, (v+half)>>shift)))
			}
		}
		return
	}
	acc := r.acc
	c0 := c[0]
	for x, v := range r.ring[start%n] {
		acc[x] = v * c0
	}
	for k := 1; k < n; k++ {
		ck := c[k]
		if ck == 0 {
			continue
		}
		row := r.ring[(start+k)%n][:len(acc)]
		for x, v := range row {
			acc[x] += v * ck
		}
	}
	out = out[:len(acc)]
	for x, v := range acc {
		out[x] = uint8(min(255, max(0, (v+half)>>shift)))
	}
}

// fancy2x interpolates a 4:2:0 chroma plane to its luma's w×h with the
// triangle filter, one output row at a time (libjpeg's "fancy"
// upsampling): each sample is (9·nearest + 3·each side's neighbour +
// diagonal + 8)/16, the edges replicated. That is what a resizer with
// linear taps makes of an exact 2× enlargement, bit for bit, at a fraction
// of the cost.
type fancy2x struct {
	src       []uint8
	stride    int
	cw, ch, w int
	wide      [2][]uint16 // chroma row j widened to w samples, 4× the value, is wide[j%2]
	have      [2]int      // the chroma row each wide row holds
	y         int         // the next output row
}

func newFancy2x(src []uint8, stride, w, h int) *fancy2x {
	u := &fancy2x{src: src, stride: stride, cw: (w + 1) / 2, ch: (h + 1) / 2, w: w, have: [2]int{-1, -1}}
	buf := make([]uint16, 2*w)
	u.wide = [2][]uint16{buf[:w], buf[w:]}
	return u
}

// widened returns chroma row j interpolated across: 3·nearest + neighbour.
func (u *fancy2x) widened(j int) []uint16 {
	out := u.wide[j%2]
	if u.have[j%2] == j {
		return out
	}
	u.have[j%2] = j
	c := u.src[j*u.stride:][:u.cw]
	last := u.cw - 1
	for i, v := range c {
		near := 3 * uint16(v)
		out[2*i] = near + uint16(c[max(i-1, 0)])
		if 2*i+1 < u.w {
			out[2*i+1] = near + uint16(c[min(i+1, last)])
		}
	}
	return out
}

// next writes the next output row, w samples, to out.
func (u *fancy2x) next(out []uint8) {
	near, far := u.y/2, u.y/2+1 // an odd row lies nearer the row below
	if u.y%2 == 0 {
		far = near - 1
	}
	far = min(max(far, 0), u.ch-1)
	u.y++
	n, f := u.widened(near), u.widened(far)
	for x, v := range n {
		out[x] = uint8((3*uint32(v) + uint32(f[x]) + 8) >> 4)
	}
}

// resizePlanes resizes a decoded JPEG (stored orientation) to t directly
// from its planes: luma and each chroma plane are filtered to t, then
// converted to RGB once, at the output size. It handles *image.Gray and
// *image.YCbCr (4:4:4, 4:2:2, 4:2:0 and 4:4:0) with bounds at the origin,
// and returns nil for anything else. The result is opaque.
func resizePlanes(img image.Image, t size, f filter) *image.NRGBA {
	switch m := img.(type) {
	case *image.Gray:
		if m.Rect.Min != (image.Point{}) {
			return nil
		}
		w, h := m.Rect.Dx(), m.Rect.Dy()
		luma := newResizer(m.Pix, m.Stride, newTaps(t.w, w, float64(w), f), newTaps(t.h, h, float64(h), f))
		dst := image.NewNRGBA(image.Rect(0, 0, t.w, t.h))
		y := make([]uint8, t.w)
		for row := range t.h {
			luma.next(y)
			grayToRGBA(dst.Pix[row*dst.Stride:][:4*t.w], y)
		}
		return dst
	case *image.YCbCr:
		sx, sy, ok := subsampling(m.SubsampleRatio)
		if !ok || m.Rect.Min != (image.Point{}) {
			return nil
		}
		w, h := m.Rect.Dx(), m.Rect.Dy()
		cw, ch := (w+sx-1)/sx, (h+sy-1)/sy
		// A chroma sample covers sx×sy luma pixels and is centred on them,
		// so the picture spans w/sx chroma samples (less than cw when w is
		// odd: the last one also covers a pixel past the edge).
		ew, eh := float64(w)/float64(sx), float64(h)/float64(sy)
		// Luma of the target's size (a decode at the scale asked for) is
		// read as it is; only chroma is interpolated.
		same := w == t.w && h == t.h
		var luma *resizer
		if !same {
			luma = newResizer(m.Y, m.YStride, newTaps(t.w, w, float64(w), f), newTaps(t.h, h, float64(h), f))
		}
		var blue, red interface{ next([]uint8) }
		if same && sx == 2 && sy == 2 && f == linear {
			blue, red = newFancy2x(m.Cb, m.CStride, w, h), newFancy2x(m.Cr, m.CStride, w, h)
		} else {
			ct, cv := newTaps(t.w, cw, ew, f), newTaps(t.h, ch, eh, f)
			blue, red = newResizer(m.Cb, m.CStride, ct, cv), newResizer(m.Cr, m.CStride, ct, cv)
		}
		dst := image.NewNRGBA(image.Rect(0, 0, t.w, t.h))
		rows := make([]uint8, 3*t.w)
		y, cb, cr := rows[:t.w], rows[t.w:2*t.w], rows[2*t.w:]
		for row := range t.h {
			if same {
				y = m.Y[row*m.YStride:][:t.w]
			} else {
				luma.next(y)
			}
			blue.next(cb)
			red.next(cr)
			ycbcrToRGBA(dst.Pix[row*dst.Stride:][:4*t.w], y, cb, cr)
		}
		return dst
	}
	return nil
}

// ycbcrToRGBA converts one row of JFIF YCbCr samples to opaque RGBA pixels,
// with image/color's integer arithmetic (so the same values as YCbCrToRGB).
func ycbcrToRGBA(dst, y, cb, cr []uint8) {
	cb, cr = cb[:len(y)], cr[:len(y)]
	for i, v := range y {
		yy := int32(v) * 0x10101
		b1 := int32(cb[i]) - 128
		r1 := int32(cr[i]) - 128
		r := yy + 91881*r1
		g := yy - 22554*b1 - 46802*r1
		b := yy + 116130*b1
		d := dst[4*i : 4*i+4 : 4*i+4]
		d[0] = clamp16(r)
		d[1] = clamp16(g)
		d[2] = clamp16(b)
		d[3] = 0xFF
	}
}

// clamp16 is v>>16 clamped to [0, 255], as image/color computes it.
func clamp16(v int32) uint8 {
	if uint32(v)&0xFF000000 == 0 {
		return uint8(v >> 16)
	}
	return uint8(^(v >> 31))
}

// grayToRGBA expands one row of gray samples to opaque RGBA pixels.
func grayToRGBA(dst, y []uint8) {
	for i, v := range y {
		d := dst[4*i : 4*i+4 : 4*i+4]
		d[0], d[1], d[2], d[3] = v, v, v, 0xFF
	}
}

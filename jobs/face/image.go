package face

import (
	"image"
	"image/color"
	"math"
)

// rgbImage is an 8-bit RGB raster with interleaved channels.
type rgbImage struct {
	w, h int
	pix  []uint8
}

// toRGB converts any image to rgbImage, with fast paths for the types the
// standard decoders return.
func toRGB(img image.Image) *rgbImage {
	b := img.Bounds()
	out := &rgbImage{w: b.Dx(), h: b.Dy(), pix: make([]uint8, 3*b.Dx()*b.Dy())}
	switch m := img.(type) {
	case *image.YCbCr:
		parallel(out.h, 16, 1, func(lo, hi int) {
			for y := lo; y < hi; y++ {
				row := out.pix[3*y*out.w:][:3*out.w]
				for x := range out.w {
					yi := m.YOffset(b.Min.X+x, b.Min.Y+y)
					ci := m.COffset(b.Min.X+x, b.Min.Y+y)
					r, g, bb := color.YCbCrToRGB(m.Y[yi], m.Cb[ci], m.Cr[ci])
					row[3*x], row[3*x+1], row[3*x+2] = r, g, bb
				}
			}
		})
	case *image.NRGBA:
		parallel(out.h, 16, 1, func(lo, hi int) {
			for y := lo; y < hi; y++ {
				src := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):][:4*out.w]
				dst := out.pix[3*y*out.w:][:3*out.w]
				for x := range out.w {
					dst[3*x], dst[3*x+1], dst[3*x+2] = src[4*x], src[4*x+1], src[4*x+2]
				}
			}
		})
	case *image.RGBA:
		for y := range out.h {
			src := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):]
			for x := range out.w {
				copy(out.pix[3*(y*out.w+x):][:3], src[4*x:4*x+3])
			}
		}
	case *image.Gray:
		for y := range out.h {
			src := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):]
			for x := range out.w {
				v := src[x]
				out.pix[3*(y*out.w+x)], out.pix[3*(y*out.w+x)+1], out.pix[3*(y*out.w+x)+2] = v, v, v
			}
		}
	default:
		for y := range out.h {
			for x := range out.w {
				c := color.NRGBAModel.Convert(img.At(b.Min.X+x, b.Min.Y+y)).(color.NRGBA)
				out.pix[3*(y*out.w+x)], out.pix[3*(y*out.w+x)+1], out.pix[3*(y*out.w+x)+2] = c.R, c.G, c.B
			}
		}
	}
	return out
}

// affine maps output pixel centres to source coordinates:
// sx = x0 + u*ux + v*vx, sy = y0 + u*uy + v*vy for output pixel (u, v).
type affine struct {
	x0, y0, ux, uy, vx, vy float64
}

// squareRegion maps an n×n output onto the source square with top-left
// (x, y), side s, rotated by angle radians about its centre.
func squareRegion(x, y, s, angle float64, n int) affine {
	step := s / float64(n)
	cos, sin := math.Cos(angle), math.Sin(angle)
	cx, cy := x+s/2, y+s/2
	// output pixel centre (u+0.5, v+0.5) relative to the centre, rotated.
	a := affine{ux: step * cos, uy: step * sin, vx: -step * sin, vy: step * cos}
	h := float64(n) / 2
	a.x0 = cx + (0.5-h)*a.ux + (0.5-h)*a.vx
	a.y0 = cy + (0.5-h)*a.uy + (0.5-h)*a.vy
	return a
}

// sample renders a w×h float32 RGB tensor [1,h,w,3] through the mapping,
// with bilinear interpolation and supersampling when shrinking so that
// detail is averaged rather than aliased. Outside the source is black.
// Each value v in 0..255 is stored as v*scale+offset.
func (m *rgbImage) sample(a affine, w, h int, scale, offset float32) *tensor {
	return m.sampleEdge(a, w, h, scale, offset, false)
}

// sampleEdge is sample, where with replicate set the outside of the source
// repeats its nearest edge pixel instead of being black, so a face crop
// running past the photo's border sees no black band.
func (m *rgbImage) sampleEdge(a affine, w, h int, scale, offset float32, replicate bool) *tensor {
	out := newTensor(1, h, w, 3)
	step := math.Hypot(a.ux, a.uy)
	ss := min(max(int(math.Ceil(step)), 1), 4)
	if a.uy == 0 && a.vx == 0 {
		m.sampleAxes(a, w, h, ss, scale, offset, replicate, out)
	} else {
		m.sampleAny(a, w, h, ss, scale, offset, replicate, out)
	}
	return out
}

// sampleAny is sampleEdge for any mapping, with ss×ss samples per pixel.
func (m *rgbImage) sampleAny(a affine, w, h, ss int, scale, offset float32, replicate bool, out *tensor) {
	inv := 1 / float64(ss)
	parallel(h, 8, 1, func(lo, hi int) {
		for v := lo; v < hi; v++ {
			for u := range w {
				var acc [3]float64
				for sy := range ss {
					dv := float64(v) + (float64(sy)+0.5)*inv - 0.5
					for sx := range ss {
						du := float64(u) + (float64(sx)+0.5)*inv - 0.5
						x := a.x0 + du*a.ux + dv*a.vx
						y := a.y0 + du*a.uy + dv*a.vy
						if replicate {
							x = min(max(x, 0.5), float64(m.w)-0.5)
							y = min(max(y, 0.5), float64(m.h)-0.5)
						}
						m.bilinear(x, y, &acc)
					}
				}
				o := out.data[3*(v*w+u):][:3]
				norm := 1 / float64(ss*ss)
				for c := range 3 {
					o[c] = float32(acc[c]*norm)*scale + offset
				}
			}
		}
	})
}

// sampleAxes is sampleEdge for a mapping without rotation or shear, where
// each sample's bilinear taps along x depend only on the output column and
// along y only on the row: both are tabulated once, and every output pixel
// sums the same products in the same order as bilinear would.
func (m *rgbImage) sampleAxes(a affine, w, h, ss int, scale, offset float32, replicate bool, out *tensor) {
	xi, xw := axisTaps(w, ss, a.x0, a.ux, m.w, replicate)
	yi, yw := axisTaps(h, ss, a.y0, a.vy, m.h, replicate)
	for i := range xi {
		xi[i] *= 3
	}
	for i := range yi {
		yi[i] *= 3 * m.w
	}
	norm := 1 / float64(ss*ss)
	n := 2 * ss
	parallel(h, 8, 1, func(lo, hi int) {
		for v := lo; v < hi; v++ {
			rows, rw := yi[v*n:][:n], yw[v*n:][:n]
			for u := range w {
				cols, cw := xi[u*n:][:n], xw[u*n:][:n]
				// Samples (sy, sx) in order, each its taps (dy, dx).
				var a0, a1, a2 float64
				for sy := 0; sy+1 < n; sy += 2 {
					r0, r1 := m.pix[rows[sy]:], m.pix[rows[sy+1]:]
					wy0, wy1 := rw[sy], rw[sy+1]
					for sx := 0; sx+1 < n; sx += 2 {
						c0, c1 := cols[sx], cols[sx+1]
						wx0, wx1 := cw[sx], cw[sx+1]
						p, wgt := r0[c0:c0+3], wx0*wy0
						a0 += wgt * float64(p[0])
						a1 += wgt * float64(p[1])
						a2 += wgt * float64(p[2])
						p, wgt = r0[c1:c1+3], wx1*wy0
						a0 += wgt * float64(p[0])
						a1 += wgt * float64(p[1])
						a2 += wgt * float64(p[2])
						p, wgt = r1[c0:c0+3], wx0*wy1
						a0 += wgt * float64(p[0])
						a1 += wgt * float64(p[1])
						a2 += wgt * float64(p[2])
						p, wgt = r1[c1:c1+3], wx1*wy1
						a0 += wgt * float64(p[0])
						a1 += wgt * float64(p[1])
						a2 += wgt * float64(p[2])
					}
				}
				acc := [3]float64{a0, a1, a2}
				o := out.data[3*(v*w+u):][:3]
				for c := range 3 {
					o[c] = float32(acc[c]*norm)*scale + offset
				}
			}
		}
	})
}

// axisTaps returns, for each of n outputs along one axis of a source of
// size pixels, its ss samples' two bilinear taps: pixel index and weight
// at [(i*ss+s)*2+d]. Taps outside the source have weight 0.
func axisTaps(n, ss int, origin, step float64, size int, replicate bool) ([]int, []float64) {
	idx, wt := make([]int, 2*n*ss), make([]float64, 2*n*ss)
	inv := 1 / float64(ss)
	for i := range n {
		for s := range ss {
			d := float64(i) + (float64(s)+0.5)*inv - 0.5
			x := origin + d*step
			if replicate {
				x = min(max(x, 0.5), float64(size)-0.5)
			}
			x -= 0.5
			if x < -1 || x > float64(size) {
				continue
			}
			x0 := int(math.Floor(x))
			fx := x - float64(x0)
			for dd := range 2 {
				if xx := x0 + dd; xx >= 0 && xx < size {
					k := (i*ss+s)*2 + dd
					idx[k], wt[k] = xx, fx
					if dd == 0 {
						wt[k] = 1 - fx
					}
				}
			}
		}
	}
	return idx, wt
}

// bilinear adds the colour at source position (x, y), in pixel-centre
// coordinates (pixel i covers [i, i+1)), to acc.
func (m *rgbImage) bilinear(x, y float64, acc *[3]float64) {
	x -= 0.5
	y -= 0.5
	if x < -1 || y < -1 || x > float64(m.w) || y > float64(m.h) {
		return
	}
	x0, y0 := int(math.Floor(x)), int(math.Floor(y))
	fx, fy := x-float64(x0), y-float64(y0)
	for dy := range 2 {
		yy := y0 + dy
		if yy < 0 || yy >= m.h {
			continue
		}
		wy := fy
		if dy == 0 {
			wy = 1 - fy
		}
		for dx := range 2 {
			xx := x0 + dx
			if xx < 0 || xx >= m.w {
				continue
			}
			wx := fx
			if dx == 0 {
				wx = 1 - fx
			}
			wgt := wx * wy
			p := m.pix[3*(yy*m.w+xx):][:3]
			acc[0] += wgt * float64(p[0])
			acc[1] += wgt * float64(p[1])
			acc[2] += wgt * float64(p[2])
		}
	}
}

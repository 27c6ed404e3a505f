package photo

import "image"

// preShrink cheaply divides a decoded JPEG's size by a power of two before
// the filtered resize to target (stored orientation), the way libvips
// shrinks on load. Each output sample is the plain average of an f×f block,
// computed on the Y, Cb and Cr planes directly, so the expensive YCbCr to RGB
// conversion and the filter then run on a quarter (or less) of the pixels.
// The factor leaves at least 1.5× of reduction to the filter. A partial
// block at the right or bottom edge (under f pixels) is dropped.
// Images that are not YCbCr or gray, or too small to gain, are returned as
// they are.
func preShrink(img image.Image, target size) image.Image {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	f := 1
	for f < 8 && 3*f*target.w <= w && 3*f*target.h <= h {
		f *= 2 // now w/f ≥ 1.5·target.w, and the same for h
	}
	if f == 1 || b.Min != (image.Point{}) {
		return img
	}
	switch m := img.(type) {
	case *image.Gray:
		pix, stride := boxShrink(m.Pix, m.Stride, w, h, f, f)
		return &image.Gray{Pix: pix, Stride: stride, Rect: image.Rect(0, 0, w/f, h/f)}
	case *image.YCbCr:
		sx, sy, ok := subsampling(m.SubsampleRatio)
		if !ok {
			return img
		}
		// Chroma covers the same area as luma, so a block of f luma samples
		// is a block of f/sx chroma samples; 4:2:0 at f=2 needs no work.
		y, ys := boxShrink(m.Y, m.YStride, w, h, f, f)
		cw, ch := (w+sx-1)/sx, (h+sy-1)/sy
		cb, cs := boxShrink(m.Cb, m.CStride, cw, ch, f/sx, f/sy)
		cr, _ := boxShrink(m.Cr, m.CStride, cw, ch, f/sx, f/sy)
		return &image.YCbCr{
			Y: y, Cb: cb, Cr: cr,
			YStride: ys, CStride: cs,
			SubsampleRatio: image.YCbCrSubsampleRatio444,
			Rect:           image.Rect(0, 0, w/f, h/f),
		}
	}
	return img
}

// boxShrink averages fx×fy blocks of a w×h plane of one-byte samples and
// returns the new plane, (w/fx)×(h/fy), with its stride. With fx = fy = 1
// it returns src itself.
func boxShrink(src []byte, stride, w, h, fx, fy int) ([]byte, int) {
	if fx == 1 && fy == 1 {
		return src, stride
	}
	w2, h2 := w/fx, h/fy
	dst := make([]byte, w2*h2)
	n := uint32(fx * fy)
	sums := make([]uint32, w2)
	for y := 0; y < h2; y++ {
		clear(sums)
		for dy := 0; dy < fy; dy++ {
			row := src[(y*fy+dy)*stride : (y*fy+dy)*stride+w2*fx]
			if fx == 2 { // the common case, unrolled
				for x := range sums {
					sums[x] += uint32(row[2*x]) + uint32(row[2*x+1])
				}
				continue
			}
			for x := range sums {
				var s uint32
				for _, v := range row[x*fx : x*fx+fx] {
					s += uint32(v)
				}
				sums[x] += s
			}
		}
		out := dst[y*w2 : (y+1)*w2]
		for x, s := range sums {
			out[x] = uint8((s + n/2) / n)
		}
	}
	return dst, w2
}

// subsampling returns how many luma pixels across and down one chroma
// sample covers, for the layouts the package resizes on planes (not 4:1:1
// or 4:1:0).
func subsampling(r image.YCbCrSubsampleRatio) (sx, sy int, ok bool) {
	switch r {
	case image.YCbCrSubsampleRatio444:
		return 1, 1, true
	case image.YCbCrSubsampleRatio422:
		return 2, 1, true
	case image.YCbCrSubsampleRatio420:
		return 2, 2, true
	case image.YCbCrSubsampleRatio440:
		return 1, 2, true
	}
	return 0, 0, false
}

package photo

import "image"

// The derivatives are made on 4:2:0 YCbCr planes, the layout every output
// JPEG stores: the decoded planes are resized straight to the intermediate
// size, the thumbnails are resized from its planes, the watermark is blended
// into them and the encoder takes them as they are. Luma and each quarter-size
// chroma plane are 1.5 bytes a pixel to filter, against 3 for RGB, and no
// pixel is converted to RGB and back.

// downscalePlanes is downscale's 4:2:0 counterpart: it resizes a stored image
// so that, once oriented by o, it is exactly up, and orients it. A decoded
// JPEG is filtered from its planes; anything else goes through downscale
// and is converted.
func downscalePlanes(img image.Image, up size, o int, f filter) *image.YCbCr {
	target := up
	if swapsAxes(o) {
		target = size{up.h, up.w}
	}
	m, ok := preShrink(img, target).(*image.YCbCr)
	if ok && m.Rect.Min == (image.Point{}) {
		if _, _, ok := subsampling(m.SubsampleRatio); ok {
			flipX, flipY := reverses(o)
			return orient420(resize420(m, target, flipX, flipY, f), o)
		}
	}
	return toYCbCr420(downscale(img, up, o, f))
}

// resample420 resizes an upright 4:2:0 image to s for a final output, or
// returns it unchanged if it already has that size.
func resample420(m *image.YCbCr, s size) *image.YCbCr {
	if b := m.Bounds(); b.Dx() == s.w && b.Dy() == s.h {
		return m
	}
	return resize420(m, s, false, false, catmullRom)
}

// resize420 resizes a YCbCr image (any subsampling subsampling accepts,
// bounds at the origin) to a 4:2:0 image of size t. Chroma is filtered from
// the source chroma straight to t's chroma grid. flipX and flipY site it
// for a later reversal of that axis (see newChromaTaps), so that it still
// lies on its luma once orient420 has turned the planes.
func resize420(m *image.YCbCr, t size, flipX, flipY bool, f filter) *image.YCbCr {
	sx, sy, _ := subsampling(m.SubsampleRatio)
	w, h := m.Rect.Dx(), m.Rect.Dy()
	cw, ch := (w+sx-1)/sx, (h+sy-1)/sy
	ew, eh := float64(w)/float64(sx), float64(h)/float64(sy) // see resizePlanes
	out := image.NewYCbCr(image.Rect(0, 0, t.w, t.h), image.YCbCrSubsampleRatio420)
	luma := newResizer(m.Y, m.YStride, newTaps(t.w, w, float64(w), f), newTaps(t.h, h, float64(h), f))
	for row := range t.h {
		luma.next(out.Y[row*out.YStride:][:t.w])
	}
	ct := newChromaTaps(t.w, cw, ew, flipX, f)
	cv := newChromaTaps(t.h, ch, eh, flipY, f)
	blue := newResizer(m.Cb, m.CStride, ct, cv)
	red := newResizer(m.Cr, m.CStride, ct, cv)
	ocw := len(ct.start)
	for row := range len(cv.start) {
		blue.next(out.Cb[row*out.CStride:][:ocw])
		red.next(out.Cr[row*out.CStride:][:ocw])
	}
	return out
}

// reverses reports which stored axes orientation o reverses (as
// transformPlane turns them).
func reverses(o int) (x, y bool) {
	switch o {
	case orientFlipH, orientRotate270:
		return true, false
	case orientFlipV, orientRotate90CW:
		return false, true
	case orientRotate180, orientTransverse:
		return true, true
	}
	return false, false
}

// orient420 orients a 4:2:0 image of any size, plane by plane. Unlike
// orient, it turns odd-sized planes too: resize420 has already sited their
// chroma for it.
func orient420(m *image.YCbCr, o int) *image.YCbCr {
	if o <= orientNormal || o > orientRotate270 {
		return m
	}
	w, h := m.Rect.Dx(), m.Rect.Dy()
	cw, ch := (w+1)/2, (h+1)/2
	out := &image.YCbCr{SubsampleRatio: image.YCbCrSubsampleRatio420, Rect: uprightRect(w, h, o)}
	out.Y, out.YStride = transformPlane(m.Y, m.YStride, w, h, 1, o)
	out.Cb, out.CStride = transformPlane(m.Cb, m.CStride, cw, ch, 1, o)
	out.Cr, _ = transformPlane(m.Cr, m.CStride, cw, ch, 1, o)
	return out
}

// toYCbCr420 converts an opaque NRGBA image (bounds at the origin) to 4:2:0
// JFIF YCbCr as the JPEG encoder would: each pixel converted as
// color.RGBToYCbCr does, and chroma averaged over the pixels of each 2×2
// block.
func toYCbCr420(n *image.NRGBA) *image.YCbCr {
	w, h := n.Rect.Dx(), n.Rect.Dy()
	out := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	cw := (w + 1) / 2
	sums := make([]int32, 3*cw) // one chroma row: Cb and Cr sums, pixel counts
	cb, cr, count := sums[:cw], sums[cw:2*cw], sums[2*cw:]
	for y := range h {
		if y%2 == 0 {
			clear(sums)
		}
		src := n.Pix[y*n.Stride:][:4*w]
		lum := out.Y[y*out.YStride:][:w]
		for x := range lum {
			p := src[4*x : 4*x+3 : 4*x+3]
			r, g, b := int32(p[0]), int32(p[1]), int32(p[2])
			lum[x] = uint8((19595*r + 38470*g + 7471*b + 1<<15) >> 16)
			cb[x/2] += int32(clamp16(-11056*r - 21712*g + 32768*b + 257<<15))
			cr[x/2] += int32(clamp16(32768*r - 27440*g - 5328*b + 257<<15))
			count[x/2]++
		}
		if y%2 == 1 || y == h-1 {
			c := (y / 2) * out.CStride
			blue, red := out.Cb[c:][:cw], out.Cr[c:][:cw]
			for i := range blue {
				k := count[i]
				blue[i] = uint8((cb[i] + k/2) / k)
				red[i] = uint8((cr[i] + k/2) / k)
			}
		}
	}
	return out
}

package photo

import (
	"image"

	"github.com/disintegration/imaging"
)

// orient returns img transformed so that it displays upright, given its EXIF
// orientation. It keeps the pixel type where it can (YCbCr planes with even
// dimensions, gray, RGBA, 16-bit and CMYK images are transformed plane by
// plane, which needs no colour conversion and less memory); anything else is
// converted to NRGBA first. Orientation 1 returns img itself.
func orient(img image.Image, o int) image.Image {
	if o <= orientNormal || o > orientRotate270 {
		return img
	}
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	r := uprightRect(w, h, o)
	switch m := img.(type) {
	case *image.YCbCr:
		cw, ch, ok := chromaSize(m.SubsampleRatio, w, h)
		if !ok {
			break
		}
		ratio := m.SubsampleRatio
		if swapsAxes(o) {
			switch ratio {
			case image.YCbCrSubsampleRatio422:
				ratio = image.YCbCrSubsampleRatio440
			case image.YCbCrSubsampleRatio440:
				ratio = image.YCbCrSubsampleRatio422
			}
		}
		out := &image.YCbCr{SubsampleRatio: ratio, Rect: r}
		out.Y, out.YStride = transformPlane(m.Y[m.YOffset(b.Min.X, b.Min.Y):], m.YStride, w, h, 1, o)
		c0 := m.COffset(b.Min.X, b.Min.Y)
		out.Cb, out.CStride = transformPlane(m.Cb[c0:], m.CStride, cw, ch, 1, o)
		out.Cr, _ = transformPlane(m.Cr[c0:], m.CStride, cw, ch, 1, o)
		return out
	case *image.Gray:
		pix, stride := transformPlane(m.Pix[m.PixOffset(b.Min.X, b.Min.Y):], m.Stride, w, h, 1, o)
		return &image.Gray{Pix: pix, Stride: stride, Rect: r}
	case *image.Gray16:
		pix, stride := transformPlane(m.Pix[m.PixOffset(b.Min.X, b.Min.Y):], m.Stride, w, h, 2, o)
		return &image.Gray16{Pix: pix, Stride: stride, Rect: r}
	case *image.NRGBA:
		pix, stride := transformPlane(m.Pix[m.PixOffset(b.Min.X, b.Min.Y):], m.Stride, w, h, 4, o)
		return &image.NRGBA{Pix: pix, Stride: stride, Rect: r}
	case *image.RGBA:
		pix, stride := transformPlane(m.Pix[m.PixOffset(b.Min.X, b.Min.Y):], m.Stride, w, h, 4, o)
		return &image.RGBA{Pix: pix, Stride: stride, Rect: r}
	case *image.NRGBA64:
		pix, stride := transformPlane(m.Pix[m.PixOffset(b.Min.X, b.Min.Y):], m.Stride, w, h, 8, o)
		return &image.NRGBA64{Pix: pix, Stride: stride, Rect: r}
	case *image.RGBA64:
		pix, stride := transformPlane(m.Pix[m.PixOffset(b.Min.X, b.Min.Y):], m.Stride, w, h, 8, o)
		return &image.RGBA64{Pix: pix, Stride: stride, Rect: r}
	case *image.CMYK:
		pix, stride := transformPlane(m.Pix[m.PixOffset(b.Min.X, b.Min.Y):], m.Stride, w, h, 4, o)
		return &image.CMYK{Pix: pix, Stride: stride, Rect: r}
	}
	n := imaging.Clone(img)
	pix, stride := transformPlane(n.Pix, n.Stride, w, h, 4, o)
	return &image.NRGBA{Pix: pix, Stride: stride, Rect: r}
}

// uprightRect is the bounds of a w×h stored image once oriented.
func uprightRect(w, h, o int) image.Rectangle {
	if swapsAxes(o) {
		return image.Rect(0, 0, h, w)
	}
	return image.Rect(0, 0, w, h)
}

// chromaSize returns the chroma plane size of a w×h YCbCr image, and false
// when the luma size is not a whole number of chroma samples (then a plane
// transform would shift chroma against luma).
func chromaSize(r image.YCbCrSubsampleRatio, w, h int) (cw, ch int, ok bool) {
	fx, fy := 1, 1
	switch r {
	case image.YCbCrSubsampleRatio444:
	case image.YCbCrSubsampleRatio422:
		fx = 2
	case image.YCbCrSubsampleRatio420:
		fx, fy = 2, 2
	case image.YCbCrSubsampleRatio440:
		fy = 2
	default: // 4:1:1 and 4:1:0 have no rotated counterpart in image.YCbCr
		return 0, 0, false
	}
	if w%fx != 0 || h%fy != 0 {
		return 0, 0, false
	}
	return w / fx, h / fy, true
}

// transformPlane applies orientation o to a w×h plane of bpp-byte pixels and
// returns the new plane, tightly packed, with its stride.
func transformPlane(src []byte, stride, w, h, bpp, o int) ([]byte, int) {
	// Where destination pixel (0,0) comes from, and how the source position
	// moves for one step right (dx) and one step down (dy) in the destination.
	var x0, y0, dxx, dxy, dyx, dyy int
	switch o {
	case orientFlipH:
		x0, dxx, dyy = w-1, -1, 1
	case orientRotate180:
		x0, y0, dxx, dyy = w-1, h-1, -1, -1
	case orientFlipV:
		y0, dxx, dyy = h-1, 1, -1
	case orientTranspose:
		dxy, dyx = 1, 1
	case orientRotate90CW:
		y0, dxy, dyx = h-1, -1, 1
	case orientTransverse:
		x0, y0, dxy, dyx = w-1, h-1, -1, -1
	case orientRotate270:
		x0, dxy, dyx = w-1, 1, -1
	default:
		dxx, dyy = 1, 1
	}
	dw, dh := w, h
	if swapsAxes(o) {
		dw, dh = h, w
	}
	dstStride := dw * bpp
	dst := make([]byte, dstStride*dh)
	stepX := dxx*bpp + dxy*stride
	stepY := dyx*bpp + dyy*stride
	row := y0*stride + x0*bpp
	for y := 0; y < dh; y++ {
		d := dst[y*dstStride : (y+1)*dstStride]
		p := row
		if bpp == 1 {
			for x := range d {
				d[x] = src[p]
				p += stepX
			}
		} else {
			for x := 0; x < len(d); x += bpp {
				copy(d[x:x+bpp], src[p:p+bpp])
				p += stepX
			}
		}
		row += stepY
	}
	return dst, dstStride
}

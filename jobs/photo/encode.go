package photo

import (
	"bytes"
	"image"

	"github.com/disintegration/imaging"

	"lightbox/jobs/photo/internal/jpeg"
)

// size is a width and height in pixels.
type size struct{ w, h int }

// fitLongEdge scales w×h down so that its longer side is at most edge,
// keeping the aspect ratio and never enlarging.
func fitLongEdge(w, h, edge int) size {
	switch {
	case w <= edge && h <= edge:
		return size{w, h}
	case w >= h:
		return size{edge, max(1, (h*edge+w/2)/w)}
	default:
		return size{max(1, (w*edge+h/2)/h), edge}
	}
}

// downscale resizes a stored (not yet oriented) image so that, once
// oriented, it is exactly up, then orients it. A decoded JPEG (YCbCr or
// gray) is filtered straight from its planes and converted to RGB only at
// the output size (after a power-of-two shrink on the planes when the
// reduction is large); anything else (PNG, CMYK) goes through imaging and has
// its transparency flattened onto white. Resizing first means the rotation
// touches only the small result.
func downscale(img image.Image, up size, o int, f filter) *image.NRGBA {
	target := up
	if swapsAxes(o) {
		target = size{up.h, up.w}
	}
	img = preShrink(img, target)
	n := resizePlanes(img, target, f)
	if n == nil {
		b := img.Bounds()
		if b.Dx() == target.w && b.Dy() == target.h {
			n = imaging.Clone(img)
		} else {
			n = imaging.Resize(img, target.w, target.h, f.imaging())
		}
		flatten(n)
	}
	return orient(n, o).(*image.NRGBA)
}

// imaging is the same kernel in imaging's terms.
func (f filter) imaging() imaging.ResampleFilter {
	if f == catmullRom {
		return imaging.CatmullRom
	}
	return imaging.Linear
}

// flatten composites n over white, in place, so that it is opaque.
func flatten(n *image.NRGBA) {
	b := n.Bounds()
	for y := 0; y < b.Dy(); y++ {
		row := n.Pix[y*n.Stride : y*n.Stride+b.Dx()*4]
		for i := 0; i < len(row); i += 4 {
			a := uint32(row[i+3])
			if a == 0xFF {
				continue
			}
			for c := i; c < i+3; c++ {
				row[c] = uint8((uint32(row[c])*a + 0xFF*(0xFF-a) + 0x7F) / 0xFF)
			}
			row[i+3] = 0xFF
		}
	}
}

// encodeJPEG encodes a 4:2:0 YCbCr image, whose planes the encoder takes as
// they are, or an opaque NRGBA image. An opaque NRGBA has the same bytes as
// an RGBA image, which skips the alpha test per pixel, so its pixels are
// handed over as RGBA.
func encodeJPEG(img image.Image, quality int) ([]byte, error) {
	if n, ok := img.(*image.NRGBA); ok {
		img = &image.RGBA{Pix: n.Pix, Stride: n.Stride, Rect: n.Rect}
	}
	var buf bytes.Buffer
	buf.Grow(img.Bounds().Dx() * img.Bounds().Dy() / 4)
	if err := jpeg.Encode(&buf, img, &jpeg.EncodeOptions{Quality: quality}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

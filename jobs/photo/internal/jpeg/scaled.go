package jpeg

// This file is not part of the Go standard library's image/jpeg: it adds
// decoding at 1/2, 1/4 and 1/8 scale straight from the DCT coefficients, the
// way libjpeg's reduced-size IDCT (jidctred.c) does.

import (
	"image"
	"io"
	"math"
)

// Options configures DecodeScaled.
type Options struct {
	// Scale divides the size of the decoded image: 1 (or 0) decodes every
	// pixel, 2, 4 and 8 decode at 1/2, 1/4 and 1/8 of the width and height
	// (rounded up) with a reduced inverse DCT.
	Scale int
	// MaxPixels, if positive, refuses a frame of more pixels (width × height
	// as stored) with a LimitError before anything is allocated for it.
	MaxPixels int
}

// A LimitError reports that the image is larger than Options.MaxPixels.
type LimitError struct{ Width, Height int }

func (e LimitError) Error() string { return "JPEG frame over the pixel limit" }

// DecodeScaled reads a JPEG image from r at the scale opts asks for. Every
// kind Decode reads (baseline and progressive, greyscale, YCbCr with any
// supported subsampling, RGB, CMYK and YCbCrK, restart intervals) can be
// decoded at every scale; the image has the same type it has from Decode.
func DecodeScaled(r io.Reader, opts Options) (image.Image, error) {
	var d decoder
	switch opts.Scale {
	case 0, 1:
	case 2:
		d.shift = 1
	case 4:
		d.shift = 2
	case 8:
		d.shift = 3
	default:
		return nil, UnsupportedError("scale")
	}
	d.maxPixels = opts.MaxPixels
	return d.decode(r, false)
}

// ScaledSize is the size of a w×h image decoded at 1/scale.
func ScaledSize(w, h, scale int) (int, int) {
	return (w + scale - 1) / scale, (h + scale - 1) / scale
}

// scaledSize is the size of the decoded image.
func (d *decoder) scaledSize() (int, int) {
	return ScaledSize(d.width, d.height, 1<<d.shift)
}

// chromaFull reports whether chroma is reconstructed at twice the luma
// block size: a YCbCr (or RGB) 4:2:0 image decoded at a reduced scale.
func (d *decoder) chromaFull() bool {
	return d.shift > 0 && d.nComp == 3 &&
		d.comp[0].h == 2*d.comp[1].h && d.comp[0].v == 2*d.comp[1].v
}

// zigOf maps the natural order to the zig-zag order (the inverse of unzig).
var zigOf = func() (z [blockSize]int) {
	for i, n := range unzig {
		z[n] = i
	}
	return z
}()

// idctBasis[n][x][u] is C(u)·cos((2x+1)uπ/2n), C(0) = 1/√2, C(u) = 1
// otherwise, for n = 1, 2 and 4: the n-point inverse DCT.
//
// Keeping the n×n lowest frequencies F(v,u) of an 8×8 block and computing
//
//	f(x,y) = 1/4 Σv Σu C(v)C(u) F(v,u) cos((2y+1)vπ/2n) cos((2x+1)uπ/2n)
//
// gives the n×n image whose n-point DCT is those coefficients scaled by n/8,
// which is the block averaged down by 8/n (exactly so for the DC term): an
// area downscale done in the frequency domain.
var idctBasis = func() (t [5][4][4]float32) {
	for _, n := range []int{1, 2, 4} {
		for x := 0; x < n; x++ {
			for u := 0; u < n; u++ {
				c := math.Cos(float64(2*x+1) * float64(u) * math.Pi / float64(2*n))
				if u == 0 {
					c = math.Sqrt2 / 2
				}
				t[n][x][u] = float32(c)
			}
		}
	}
	return t
}()

// idctScaled dequantizes the n×n lowest frequencies of b with qt (zig-zag
// order), computes their n×n inverse DCT, level-shifts and clips it, and
// writes it to dst. n is 1, 2 or 4.
func idctScaled(b *block, qt *block, n int, dst []byte, stride int) {
	var f [4][4]float32 // f[v][u], dequantized
	ac := false
	for v := 0; v < n; v++ {
		for u := 0; u < n; u++ {
			k := 8*v + u
			if c := b[k]; c != 0 {
				f[v][u] = float32(c) * float32(qt[zigOf[k]])
				ac = ac || k != 0
			}
		}
	}
	if !ac {
		// Only the DC term: a flat block, the common case at 1/8 and
		// frequent at 1/4.
		p := clip(f[0][0]/8 + 128)
		for y := 0; y < n; y++ {
			row := dst[y*stride : y*stride+n]
			for x := range row {
				row[x] = p
			}
		}
		return
	}
	basis := &idctBasis[n]
	// Rows: t[v][x] = Σu C(u)F(v,u) cos(...x...).
	var t [4][4]float32
	for v := 0; v < n; v++ {
		for x := 0; x < n; x++ {
			var s float32
			for u := 0; u < n; u++ {
				s += basis[x][u] * f[v][u]
			}
			t[v][x] = s
		}
	}
	// Columns, with the 1/4 and the level shift.
	for y := 0; y < n; y++ {
		row := dst[y*stride : y*stride+n]
		for x := range row {
			var s float32
			for v := 0; v < n; v++ {
				s += basis[y][v] * t[v][x]
			}
			row[x] = clip(s/4 + 128)
		}
	}
}

// clip rounds v to the nearest byte value, clamping to [0, 255].
func clip(v float32) uint8 {
	switch {
	case v <= 0 || v != v: // also NaN, which corrupt input cannot make but costs nothing to rule out
		return 0
	case v >= 255:
		return 255
	}
	return uint8(v + 0.5)
}

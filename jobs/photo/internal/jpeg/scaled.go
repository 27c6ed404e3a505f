package jpeg

// This file is not part of the Go standard library's image/jpeg: it adds
// decoding at 1/2, 1/4 and 1/8 scale straight from the DCT coefficients, the
// way libjpeg's reduced-size IDCT (jidctred.c) does.

import (
	"image"
	"io"
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

// chromaFull reports whether the subsampled components are reconstructed
// at twice the luma block size: an RGB-coded 4:2:0 image decoded at a
// reduced scale, whose G and B are then as sharp as R. A YCbCr image keeps
// its subsampling at every scale: its chroma is reduced by the same factor
// as luma, as the derivatives need no more of it (their own JPEGs are
// 4:2:0), which halves the work of chroma's inverse DCT and of its resize.
func (d *decoder) chromaFull() bool {
	return d.shift > 0 && d.nComp == 3 && d.isRGB() &&
		d.comp[0].h == 2*d.comp[1].h && d.comp[0].v == 2*d.comp[1].v
}

// idctScaled takes the n×n lowest frequencies F(v,u) of b, dequantized,
// computes
//
//	f(x,y) = 1/4 Σv Σu C(v)C(u) F(v,u) cos((2y+1)vπ/2n) cos((2x+1)uπ/2n),
//
// C(0) = 1/√2, C(u) = 1 otherwise, level-shifts and clips it, and writes it
// to dst. n is 1, 2 or 4. That is the n×n image whose n-point DCT is those
// coefficients scaled by n/8, which is the block averaged down by 8/n
// (exactly so for the DC term): an area downscale done in the frequency
// domain, as libjpeg's reduced-size inverse DCTs do.
func idctScaled(b *block, n int, dst []byte, stride int) {
	switch n {
	case 4:
		idct4(b, dst, stride)
	case 2:
		// The 2-point basis is ±1/√2, so f is a sum of the four
		// coefficients with signs, divided by 8.
		f00, f01, f10, f11 := b[0], b[1], b[8], b[9]
		p, m := f00+f01, f00-f01
		q, r := f10+f11, f10-f11
		const round = 4 + 128<<3
		d0, d1 := dst[:2], dst[stride:stride+2]
		d0[0], d0[1] = clamp8((p+q+round)>>3), clamp8((m+r+round)>>3)
		d1[0], d1[1] = clamp8((p-q+round)>>3), clamp8((m-r+round)>>3)
	default:
		dst[0] = clamp8((b[0] + 4 + 128<<3) >> 3)
	}
}

// The 4-point inverse DCT in fixed point: constants with idctBits fraction
// bits, and pass1Bits kept between the column and the row pass (libjpeg's
// CONST_BITS and PASS1_BITS).
const (
	idctBits  = 13
	pass1Bits = 2
	fixR      = 5793 // cos(π/4) = 1/√2
	fixC1     = 7568 // cos(π/8)
	fixC3     = 3135 // cos(3π/8)
)

// idct4 is idctScaled for n = 4. Each pass splits the 4-point inverse DCT
// into an even part (F0, F2: ±(F0±F2)/√2) and an odd part (F1, F3), and
// skips the work for columns and rows whose AC terms are all zero.
func idct4(b *block, dst []byte, stride int) {
	const (
		shift1 = idctBits - pass1Bits
		round1 = 1 << (shift1 - 1)
		// The row pass also divides by 4 and adds the level shift.
		shift2 = idctBits + pass1Bits + 2
		round2 = 1<<(shift2-1) + 128<<shift2
	)
	var ws [16]int32 // the columns' output, row by row
	for u := range 4 {
		f0, f1, f2, f3 := b[u], b[8+u], b[16+u], b[24+u]
		if f1|f2|f3 == 0 {
			c := (f0*fixR + round1) >> shift1
			ws[u], ws[4+u], ws[8+u], ws[12+u] = c, c, c, c
			continue
		}
		e0, e1 := (f0+f2)*fixR, (f0-f2)*fixR
		o0, o1 := f1*fixC1+f3*fixC3, f1*fixC3-f3*fixC1
		ws[u] = (e0 + o0 + round1) >> shift1
		ws[4+u] = (e1 + o1 + round1) >> shift1
		ws[8+u] = (e1 - o1 + round1) >> shift1
		ws[12+u] = (e0 - o0 + round1) >> shift1
	}
	for y := range 4 {
		w := ws[4*y : 4*y+4]
		row := dst[y*stride : y*stride+4]
		if w[1]|w[2]|w[3] == 0 {
			p := clamp8((w[0]*fixR + round2) >> shift2)
			row[0], row[1], row[2], row[3] = p, p, p, p
			continue
		}
		e0, e1 := (w[0]+w[2])*fixR, (w[0]-w[2])*fixR
		o0, o1 := w[1]*fixC1+w[3]*fixC3, w[1]*fixC3-w[3]*fixC1
		row[0] = clamp8((e0 + o0 + round2) >> shift2)
		row[1] = clamp8((e1 + o1 + round2) >> shift2)
		row[2] = clamp8((e1 - o1 + round2) >> shift2)
		row[3] = clamp8((e0 - o0 + round2) >> shift2)
	}
}

// clamp8 clamps v to [0, 255].
func clamp8(v int32) uint8 {
	if uint32(v) > 255 {
		if v < 0 {
			return 0
		}
		return 255
	}
	return uint8(v)
}

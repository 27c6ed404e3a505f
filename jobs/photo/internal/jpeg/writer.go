// Copyright 2011 The Go Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package jpeg

// This file is the encoder of the Go standard library's image/jpeg (Go 1.26,
// BSD licence in LICENSE), reworked for speed with the same arithmetic, so
// that Encode writes the same bytes as image/jpeg.Encode for every image:
//   - pixels are converted a row at a time, straight from the Pix slices of
//     *image.RGBA, *image.NRGBA, *image.YCbCr and *image.Gray, into planes
//     padded to whole MCUs; chroma is averaged 2×2 into 4:2:0 as before;
//   - quantisation multiplies by a precomputed reciprocal and shifts
//     instead of dividing, with the same rounding (exact for every
//     coefficient the FDCT can produce);
//   - the zero runs of a block are found from a bit mask of its non-zero
//     coefficients, and each Huffman code goes out together with the
//     coefficient's extra bits through a 64-bit bit buffer that writes
//     eight bytes at a time when none of them needs 0xFF stuffing.
//
// The FDCT is the standard library's (fdct in dct.go).

import (
	"encoding/binary"
	"errors"
	"image"
	"io"
	mathbits "math/bits"
)

// EncodeOptions are the encoding parameters. Quality ranges from 1 to 100
// inclusive, higher is better; a nil *EncodeOptions means quality 75.
type EncodeOptions struct {
	Quality int
}

const encDefaultQuality = 75

// encFlushSize is how much encoded data is buffered before it is written
// out.
const encFlushSize = 64 << 10

// Encode writes m to w as a baseline JPEG, 4:2:0 YCbCr (or one gray
// component for an *image.Gray), with the quantisation tables image/jpeg
// uses for the same quality and the standard Huffman tables of section K.3
// of the spec. The output is byte for byte that of image/jpeg.Encode.
func Encode(w io.Writer, m image.Image, o *EncodeOptions) error {
	b := m.Bounds()
	if b.Dx() >= 1<<16 || b.Dy() >= 1<<16 {
		return errors.New("jpeg: image is too large to encode")
	}
	quality := encDefaultQuality
	if o != nil {
		quality = min(max(o.Quality, 1), 100)
	}
	e := &encWriter{w: w, out: make([]byte, 0, encFlushSize+4096)}
	e.init(quality)

	_, gray := m.(*image.Gray)
	nComponent := 3
	if gray {
		nComponent = 1
	}
	e.out = append(e.out, 0xff, soiMarker)
	e.writeDQT()
	e.writeSOF0(b.Size(), nComponent)
	e.writeDHT(nComponent)
	if gray {
		e.out = append(e.out, encSOSHeaderY...)
		e.writeGray(m.(*image.Gray))
	} else {
		e.out = append(e.out, encSOSHeaderYCbCr...)
		e.writeColor(m)
	}
	e.finishBits()
	e.out = append(e.out, 0xff, eoiMarker)
	e.flush()
	return e.err
}

// encUnscaledQuant are the unscaled quantization tables in zig-zag order.
// Each encoder copies and scales the tables according to its quality
// parameter. The values are derived from section K.1 of the spec, after
// converting from natural to zig-zag order.
var encUnscaledQuant = [2][blockSize]byte{
	// Luminance.
	{
		16, 11, 12, 14, 12, 10, 16, 14,
		13, 14, 18, 17, 16, 19, 24, 40,
		26, 24, 22, 22, 24, 49, 35, 37,
		29, 40, 58, 51, 61, 60, 57, 51,
		56, 55, 64, 72, 92, 78, 64, 68,
		87, 69, 55, 56, 80, 109, 81, 87,
		95, 98, 103, 104, 103, 62, 77, 113,
		121, 112, 100, 120, 92, 101, 103, 99,
	},
	// Chrominance.
	{
		17, 18, 18, 24, 21, 24, 47, 26,
		26, 47, 99, 66, 56, 66, 99, 99,
		99, 99, 99, 99, 99, 99, 99, 99,
		99, 99, 99, 99, 99, 99, 99, 99,
		99, 99, 99, 99, 99, 99, 99, 99,
		99, 99, 99, 99, 99, 99, 99, 99,
		99, 99, 99, 99, 99, 99, 99, 99,
		99, 99, 99, 99, 99, 99, 99, 99,
	},
}

// encHuffmanSpec specifies a Huffman encoding.
type encHuffmanSpec struct {
	// count[i] is the number of codes of length i+1 bits.
	count [16]byte
	// value[i] is the decoded value of the i'th codeword.
	value []byte
}

// encHuffmanSpecs are the Huffman tables of section K.3 of the spec, in the
// order luminance DC, luminance AC, chrominance DC, chrominance AC.
//
// The DC tables have 12 decoded values, called categories.
//
// The AC tables have 162 decoded values: bytes that pack a 4-bit Run and a
// 4-bit Size. There are 16 valid Runs and 10 valid Sizes, plus two special R|S
// cases: 0|0 (meaning EOB) and F|0 (meaning ZRL).
var encHuffmanSpecs = [4]encHuffmanSpec{
	// Luminance DC.
	{
		[16]byte{0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0},
		[]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11},
	},
	// Luminance AC.
	{
		[16]byte{0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 125},
		[]byte{
			0x01, 0x02, 0x03, 0x00, 0x04, 0x11, 0x05, 0x12,
			0x21, 0x31, 0x41, 0x06, 0x13, 0x51, 0x61, 0x07,
			0x22, 0x71, 0x14, 0x32, 0x81, 0x91, 0xa1, 0x08,
			0x23, 0x42, 0xb1, 0xc1, 0x15, 0x52, 0xd1, 0xf0,
			0x24, 0x33, 0x62, 0x72, 0x82, 0x09, 0x0a, 0x16,
			0x17, 0x18, 0x19, 0x1a, 0x25, 0x26, 0x27, 0x28,
			0x29, 0x2a, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39,
			0x3a, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49,
			0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59,
			0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69,
			0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79,
			0x7a, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89,
			0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98,
			0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
			0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6,
			0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3, 0xc4, 0xc5,
			0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xd2, 0xd3, 0xd4,
			0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xe1, 0xe2,
			0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea,
			0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8,
			0xf9, 0xfa,
		},
	},
	// Chrominance DC.
	{
		[16]byte{0, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0},
		[]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11},
	},
	// Chrominance AC.
	{
		[16]byte{0, 2, 1, 2, 4, 4, 3, 4, 7, 5, 4, 4, 0, 1, 2, 119},
		[]byte{
			0x00, 0x01, 0x02, 0x03, 0x11, 0x04, 0x05, 0x21,
			0x31, 0x06, 0x12, 0x41, 0x51, 0x07, 0x61, 0x71,
			0x13, 0x22, 0x32, 0x81, 0x08, 0x14, 0x42, 0x91,
			0xa1, 0xb1, 0xc1, 0x09, 0x23, 0x33, 0x52, 0xf0,
			0x15, 0x62, 0x72, 0xd1, 0x0a, 0x16, 0x24, 0x34,
			0xe1, 0x25, 0xf1, 0x17, 0x18, 0x19, 0x1a, 0x26,
			0x27, 0x28, 0x29, 0x2a, 0x35, 0x36, 0x37, 0x38,
			0x39, 0x3a, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48,
			0x49, 0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58,
			0x59, 0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68,
			0x69, 0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78,
			0x79, 0x7a, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87,
			0x88, 0x89, 0x8a, 0x92, 0x93, 0x94, 0x95, 0x96,
			0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5,
			0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4,
			0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3,
			0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xd2,
			0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda,
			0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9,
			0xea, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8,
			0xf9, 0xfa,
		},
	},
}

// encCode is a Huffman code: the codeword in the low 24 bits, its length in
// bits in the high 8.
type encCode uint32

// encTable is one component's pair of Huffman tables, indexed by symbol:
// the DC category, or the AC run/size byte.
type encTable struct {
	dc [12]encCode
	ac [256]encCode
}

// encRecip divides a non-negative n by d = 8×q rounding to nearest, as
// image/jpeg's div does, by (n + d/2) × mul >> 32 with mul = ⌊2³²/d⌋ + 1.
// With mul×d = 2³² + ε, 0 < ε ≤ d, the product is off n/d by at most n/2³²,
// less than the 1/d gap to the next integer for any n < 2³²/d (over 2 million
// for d ≤ 2040); FDCT outputs stay under 2¹⁵.
type encRecip struct {
	half, mul uint32
}

func encNewRecip(q uint8) encRecip {
	d := 8 * uint32(q)
	return encRecip{half: d / 2, mul: uint32((1<<32)/uint64(d) + 1)}
}

// quantize returns v/d rounded to nearest, halves away from zero.
func (r encRecip) quantize(v int32) int32 {
	s := v >> 31
	n := uint32((v ^ s) - s)
	q := int32((uint64(n+r.half) * uint64(r.mul)) >> 32)
	return (q ^ s) - s
}

// encWriter encodes one image into out, which it writes to w every
// encFlushSize bytes.
type encWriter struct {
	w   io.Writer
	err error
	out []byte
	// acc holds nAcc pending bits of entropy-coded data, right-aligned
	// (bits above nAcc are stale and shifted out as more arrive).
	acc  uint64
	nAcc uint
	// quant is the scaled quantization tables in zig-zag order, as written
	// to the DQT segment; recip divides by them, also in zig-zag order.
	quant [2][blockSize]uint8
	recip [2][blockSize]encRecip
	huff  [2]encTable
}

func (e *encWriter) init(quality int) {
	// Convert from a quality rating to a scaling factor.
	var scale int
	if quality < 50 {
		scale = 5000 / quality
	} else {
		scale = 200 - quality*2
	}
	for i := range e.quant {
		for j := range e.quant[i] {
			x := int(encUnscaledQuant[i][j])
			x = (x*scale + 50) / 100
			x = min(max(x, 1), 255)
			e.quant[i][j] = uint8(x)
			e.recip[i][j] = encNewRecip(uint8(x))
		}
	}
	for i := range e.huff {
		encBuildCodes(e.huff[i].dc[:], encHuffmanSpecs[2*i])
		encBuildCodes(e.huff[i].ac[:], encHuffmanSpecs[2*i+1])
	}
}

// encBuildCodes assigns the canonical codes of s to its symbols in t.
func encBuildCodes(t []encCode, s encHuffmanSpec) {
	code, k := uint32(0), 0
	for i, n := range s.count {
		for range n {
			t[s.value[k]] = encCode(uint32(i+1)<<24 | code)
			code++
			k++
		}
		code <<= 1
	}
}

// flush writes out the buffered output.
func (e *encWriter) flush() {
	if e.err == nil && len(e.out) > 0 {
		_, e.err = e.w.Write(e.out)
	}
	e.out = e.out[:0]
}

func (e *encWriter) writeMarkerHeader(marker uint8, markerlen int) {
	e.out = append(e.out, 0xff, marker, uint8(markerlen>>8), uint8(markerlen))
}

// writeDQT writes the Define Quantization Table marker.
func (e *encWriter) writeDQT() {
	const markerlen = 2 + 2*(1+blockSize)
	e.writeMarkerHeader(dqtMarker, markerlen)
	for i := range e.quant {
		e.out = append(e.out, uint8(i))
		e.out = append(e.out, e.quant[i][:]...)
	}
}

// writeSOF0 writes the Start Of Frame (Baseline Sequential) marker.
func (e *encWriter) writeSOF0(size image.Point, nComponent int) {
	e.writeMarkerHeader(sof0Marker, 8+3*nComponent)
	e.out = append(e.out, 8, // 8-bit color.
		uint8(size.Y>>8), uint8(size.Y), uint8(size.X>>8), uint8(size.X), uint8(nComponent))
	if nComponent == 1 {
		// No subsampling for grayscale image.
		e.out = append(e.out, 1, 0x11, 0x00)
		return
	}
	// 4:2:0 chroma subsampling.
	e.out = append(e.out, 1, 0x22, 0x00, 2, 0x11, 0x01, 3, 0x11, 0x01)
}

// writeDHT writes the Define Huffman Table marker.
func (e *encWriter) writeDHT(nComponent int) {
	specs := encHuffmanSpecs[:]
	if nComponent == 1 {
		// Drop the Chrominance tables.
		specs = specs[:2]
	}
	markerlen := 2
	for _, s := range specs {
		markerlen += 1 + 16 + len(s.value)
	}
	e.writeMarkerHeader(dhtMarker, markerlen)
	for i, s := range specs {
		e.out = append(e.out, "\x00\x10\x01\x11"[i])
		e.out = append(e.out, s.count[:]...)
		e.out = append(e.out, s.value...)
	}
}

// encSOSHeaderY is the SOS marker for one component using tables 0; the
// last three bytes (Ss, Se, Ah|Al) are 0x00, 0x3f, 0x00 for sequential DCT.
var encSOSHeaderY = []byte{
	0xff, 0xda, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3f, 0x00,
}

// encSOSHeaderYCbCr is the SOS marker for Y with tables 0 and Cb, Cr with
// tables 1.
var encSOSHeaderYCbCr = []byte{
	0xff, 0xda, 0x00, 0x0c, 0x03, 0x01, 0x00, 0x02,
	0x11, 0x03, 0x11, 0x00, 0x3f, 0x00,
}

// putBits appends the n low bits of v (v < 1<<n, n <= 32) to the
// entropy-coded data.
func (e *encWriter) putBits(v uint32, n uint) {
	e.acc, e.nAcc = e.spill(e.acc, e.nAcc, v, n)
}

// spill appends the n low bits of v to the nAcc bits in acc, writing acc out
// if it overflows, and returns the new acc and nAcc. It is the slow path of
// writeBlock's bit buffer, which lives in locals.
func (e *encWriter) spill(acc uint64, nAcc uint, v uint32, n uint) (uint64, uint) {
	if nAcc+n <= 64 {
		return acc<<n | uint64(v), nAcc + n
	}
	rest := nAcc + n - 64
	e.writeAcc(acc<<(n-rest) | uint64(v)>>rest)
	return uint64(v), rest
}

// writeAcc appends 64 bits of entropy-coded data, stuffing a zero byte after
// every 0xFF.
func (e *encWriter) writeAcc(a uint64) {
	// ^a has a zero byte where a has 0xFF.
	if v := ^a; (v-0x0101010101010101)&^v&0x8080808080808080 == 0 {
		e.out = binary.BigEndian.AppendUint64(e.out, a)
		return
	}
	for s := 56; s >= 0; s -= 8 {
		b := byte(a >> uint(s))
		e.out = append(e.out, b)
		if b == 0xff {
			e.out = append(e.out, 0)
		}
	}
}

// finishBits pads the entropy-coded data with 1 bits to a whole byte and
// writes out what is pending.
func (e *encWriter) finishBits() {
	if r := e.nAcc % 8; r != 0 {
		e.putBits(1<<(8-r)-1, 8-r)
	}
	for s := int(e.nAcc) - 8; s >= 0; s -= 8 {
		b := byte(e.acc >> uint(s))
		e.out = append(e.out, b)
		if b == 0xff {
			e.out = append(e.out, 0)
		}
	}
	e.acc, e.nAcc = 0, 0
}

// writeBlock transforms, quantizes and entropy-codes b (natural order) with
// component table c (0 luma, 1 chroma), returning the quantized DC value.
func (e *encWriter) writeBlock(b *block, c int, prevDC int32) int32 {
	fdct(b)
	r := &e.recip[c]
	h := &e.huff[c]

	// Quantize in zig-zag order and note the non-zero AC coefficients.
	var zz [blockSize]int32
	var nz uint64
	for zig := 1; zig < blockSize; zig++ {
		v := r[zig].quantize(b[unzig[zig]&(blockSize-1)])
		zz[zig] = v
		nz |= uint64(uint32(v|-v)>>31) << zig
	}

	dc := r[0].quantize(b[0])

	// The bit buffer is kept in locals; each Huffman code goes out with its
	// extra bits in one put of at most 16+11 bits.
	acc, nAcc := e.acc, e.nAcc
	extra, n := encValue(dc - prevDC)
	hc := h.dc[n&15]
	v, l := uint32(hc)&(1<<24-1)<<n|extra, uint(hc>>24)+n
	if nAcc+l <= 64 {
		acc, nAcc = acc<<l|uint64(v), nAcc+l
	} else {
		acc, nAcc = e.spill(acc, nAcc, v, l)
	}

	last := 0
	for nz != 0 {
		zig := mathbits.TrailingZeros64(nz)
		nz &= nz - 1
		run := zig - last - 1
		last = zig
		for ; run > 15; run -= 16 {
			zrl := h.ac[0xf0]
			acc, nAcc = e.spill(acc, nAcc, uint32(zrl)&(1<<24-1), uint(zrl>>24))
		}
		extra, n := encValue(zz[zig&63])
		hc := h.ac[(run<<4|int(n))&0xff]
		v, l := uint32(hc)&(1<<24-1)<<n|extra, uint(hc>>24)+n
		if nAcc+l <= 64 {
			acc, nAcc = acc<<l|uint64(v), nAcc+l
		} else {
			acc, nAcc = e.spill(acc, nAcc, v, l)
		}
	}
	if last != blockSize-1 {
		eob := h.ac[0x00]
		acc, nAcc = e.spill(acc, nAcc, uint32(eob)&(1<<24-1), uint(eob>>24))
	}
	e.acc, e.nAcc = acc, nAcc
	return dc
}

// encValue returns the size category n of v and its n extra bits: v itself
// if positive, v-1 if negative, both masked to n bits.
func encValue(v int32) (extra uint32, n uint) {
	s := v >> 31
	a := uint32((v ^ s) - s)
	n = uint(mathbits.Len32(a))
	return uint32(v+s) & (1<<n - 1), n
}

// encRGB converts RGB to YCbCr as color.RGBToYCbCr does, by table: each
// of R, G and B indexes its terms of the three sums (with the rounding
// constants in R's). Cb and Cr share a table, Cb in the low 32 bits and Cr
// in the high: for 8-bit inputs both sums lie in [2¹⁶, 2²⁴], so adding the
// packed terms modulo 2⁶⁴ (negative ones as two's complement) leaves Cb in
// the low half and Cr in the high. The clamp of RGBToYCbCr then comes down
// to 2²⁴ becoming 255.
type encRGB struct {
	y    [3][256]uint32
	cbcr [3][256]uint64
}

func (t *encRGB) init() {
	coef := [3][3]int64{
		{19595, 38470, 7471},    // Y
		{-11056, -21712, 32768}, // Cb
		{32768, -27440, -5328},  // Cr
	}
	for c := range 3 {
		for v := range int64(256) {
			y, cb, cr := coef[0][c]*v, coef[1][c]*v, coef[2][c]*v
			if c == 0 {
				y, cb, cr = y+1<<15, cb+257<<15, cr+257<<15
			}
			t.y[c][v] = uint32(y)
			t.cbcr[c][v] = uint64(cb) + uint64(cr)<<32
		}
	}
}

// convert returns the YCbCr of one pixel.
func (t *encRGB) convert(r, g, b uint8) (uint8, uint8, uint8) {
	y := t.y[0][r] + t.y[1][g] + t.y[2][b]
	c := t.cbcr[0][r] + t.cbcr[1][g] + t.cbcr[2][b]
	return uint8(y >> 16), uint8(min(uint32(c)>>16, 255)), uint8(min(uint32(c>>32)>>16, 255))
}

// encPlanes holds one row of MCUs (16 lines) as planes padded to whole
// MCUs by repeating the last column and line, as image/jpeg reads pixels
// past the edge: full-resolution Y, Cb and Cr, then Cb and Cr averaged 2×2.
type encPlanes struct {
	stride    int // of y, cb and cr; a multiple of 16
	y, cb, cr []uint8
	cbs, crs  []uint8 // stride/2 wide, 8 lines
}

// encRowFunc converts the w pixels of line y of an image (relative to its
// bounds) into y, cb and cr.
type encRowFunc func(y int, yy, cb, cr []uint8)

// writeColor writes m as 4:2:0 YCbCr.
func (e *encWriter) writeColor(m image.Image) {
	bnd := m.Bounds()
	w, h := bnd.Dx(), bnd.Dy()
	if w <= 0 || h <= 0 {
		return
	}
	stride := (w + 15) &^ 15
	p := &encPlanes{
		stride: stride,
		y:      make([]uint8, 16*stride),
		cbs:    make([]uint8, 8*stride/2),
		crs:    make([]uint8, 8*stride/2),
	}
	fast420 := encYCbCr420(m)
	var row encRowFunc
	if fast420 == nil {
		p.cb = make([]uint8, 16*stride)
		p.cr = make([]uint8, 16*stride)
		var t encRGB
		t.init()
		row = encRows(m, &t)
	}

	var b block
	var prevY, prevCb, prevCr int32
	for y0 := 0; y0 < h; y0 += 16 {
		if fast420 != nil {
			fast420(p, y0, w, h)
		} else {
			p.fill(row, y0, w, h)
		}
		for x0 := 0; x0 < stride; x0 += 16 {
			for i := range 4 {
				encLoad(&b, p.y[(i&2)*4*stride+x0+(i&1)*8:], stride)
				prevY = e.writeBlock(&b, 0, prevY)
			}
			encLoad(&b, p.cbs[x0/2:], stride/2)
			prevCb = e.writeBlock(&b, 1, prevCb)
			encLoad(&b, p.crs[x0/2:], stride/2)
			prevCr = e.writeBlock(&b, 1, prevCr)
			if len(e.out) >= encFlushSize {
				e.flush()
			}
		}
	}
}

// fill converts the 16 lines from y0 with row, pads them and averages the
// chroma 2×2.
func (p *encPlanes) fill(row encRowFunc, y0, w, h int) {
	s := p.stride
	for j := range 16 {
		o := j * s
		yy, cb, cr := p.y[o:o+s], p.cb[o:o+s], p.cr[o:o+s]
		if y0+j >= h {
			copy(yy, p.y[o-s:o])
			copy(cb, p.cb[o-s:o])
			copy(cr, p.cr[o-s:o])
			continue
		}
		row(y0+j, yy, cb, cr)
		for x := w; x < s; x++ {
			yy[x], cb[x], cr[x] = yy[w-1], cb[w-1], cr[w-1]
		}
	}
	encSubsample(p.cbs, p.cb, s)
	encSubsample(p.crs, p.cr, s)
}

// encSubsample averages the 16 lines of src 2×2 into the 8 lines of dst,
// rounding as image/jpeg does.
func encSubsample(dst, src []uint8, stride int) {
	hs := stride / 2
	for j := range 8 {
		a := src[2*j*stride : 2*j*stride+stride]
		b := src[(2*j+1)*stride : (2*j+1)*stride+stride]
		d := dst[j*hs : j*hs+hs]
		for i := range d {
			sum := uint32(a[2*i]) + uint32(a[2*i+1]) + uint32(b[2*i]) + uint32(b[2*i+1])
			d[i] = uint8((sum + 2) >> 2)
		}
	}
}

// encLoad copies the 8×8 samples at the start of src into b.
func encLoad(b *block, src []uint8, stride int) {
	for j := range 8 {
		r := src[j*stride : j*stride+8]
		d := b[8*j : 8*j+8]
		for i := range d {
			d[i] = int32(r[i])
		}
	}
}

// encRows returns the line converter for m, which converts RGB with t.
func encRows(m image.Image, t *encRGB) encRowFunc {
	bnd := m.Bounds()
	w := bnd.Dx()
	switch m := m.(type) {
	case *image.RGBA:
		return func(y int, yy, cb, cr []uint8) {
			o := m.PixOffset(bnd.Min.X, bnd.Min.Y+y)
			pix := m.Pix[o : o+4*w]
			yy, cb, cr = yy[:w], cb[:w], cr[:w]
			for x := range yy {
				px := pix[4*x : 4*x+4]
				yy[x], cb[x], cr[x] = t.convert(px[0], px[1], px[2])
			}
		}
	case *image.NRGBA:
		return func(y int, yy, cb, cr []uint8) {
			o := m.PixOffset(bnd.Min.X, bnd.Min.Y+y)
			pix := m.Pix[o : o+4*w]
			yy, cb, cr = yy[:w], cb[:w], cr[:w]
			for x := range yy {
				px := pix[4*x : 4*x+4]
				r, g, b := px[0], px[1], px[2]
				if a := uint32(px[3]); a != 0xff {
					// color.NRGBA.RGBA premultiplies in 16 bits.
					r = uint8((uint32(r) * 0x101 * a / 0xff) >> 8)
					g = uint8((uint32(g) * 0x101 * a / 0xff) >> 8)
					b = uint8((uint32(b) * 0x101 * a / 0xff) >> 8)
				}
				yy[x], cb[x], cr[x] = t.convert(r, g, b)
			}
		}
	case *image.YCbCr:
		return func(y int, yy, cb, cr []uint8) {
			sy := bnd.Min.Y + y
			copy(yy[:w], m.Y[m.YOffset(bnd.Min.X, sy):])
			for x := range w {
				ci := m.COffset(bnd.Min.X+x, sy)
				cb[x], cr[x] = m.Cb[ci], m.Cr[ci]
			}
		}
	}
	return func(y int, yy, cb, cr []uint8) {
		sy := bnd.Min.Y + y
		for x := range w {
			r, g, b, _ := m.At(bnd.Min.X+x, sy).RGBA()
			yy[x], cb[x], cr[x] = t.convert(uint8(r>>8), uint8(g>>8), uint8(b>>8))
		}
	}
}

// encYCbCr420 returns, for a 4:2:0 *image.YCbCr whose bounds start on even
// coordinates, a filler that copies its planes: the 2×2 pixels image/jpeg
// averages then all carry the same chroma sample (also past the edge, where
// it repeats the last pixel), so the average is that sample. It returns nil
// for any other image.
func encYCbCr420(m image.Image) func(p *encPlanes, y0, w, h int) {
	ycc, ok := m.(*image.YCbCr)
	if !ok || ycc.SubsampleRatio != image.YCbCrSubsampleRatio420 ||
		ycc.Rect.Min.X%2 != 0 || ycc.Rect.Min.Y%2 != 0 {
		return nil
	}
	minX, minY := ycc.Rect.Min.X, ycc.Rect.Min.Y
	return func(p *encPlanes, y0, w, h int) {
		s, cw := p.stride, (w+1)/2
		for j := range 16 {
			yy := p.y[j*s : j*s+s]
			sy := min(y0+j, h-1)
			copy(yy[:w], ycc.Y[ycc.YOffset(minX, minY+sy):])
			for x := w; x < s; x++ {
				yy[x] = yy[w-1]
			}
		}
		hs := s / 2
		for j := range 8 {
			sy := min(y0+2*j, h-1)
			ci := ycc.COffset(minX, minY+sy)
			cb, cr := p.cbs[j*hs:j*hs+hs], p.crs[j*hs:j*hs+hs]
			copy(cb[:cw], ycc.Cb[ci:])
			copy(cr[:cw], ycc.Cr[ci:])
			for x := cw; x < hs; x++ {
				cb[x], cr[x] = cb[cw-1], cr[cw-1]
			}
		}
	}
}

// writeGray writes m as one component.
func (e *encWriter) writeGray(m *image.Gray) {
	bnd := m.Bounds()
	w, h := bnd.Dx(), bnd.Dy()
	if w <= 0 || h <= 0 {
		return
	}
	stride := (w + 7) &^ 7
	plane := make([]uint8, 8*stride)
	var b block
	var prev int32
	for y0 := 0; y0 < h; y0 += 8 {
		for j := range 8 {
			r := plane[j*stride : j*stride+stride]
			sy := min(y0+j, h-1)
			copy(r[:w], m.Pix[m.PixOffset(bnd.Min.X, bnd.Min.Y+sy):])
			for x := w; x < stride; x++ {
				r[x] = r[w-1]
			}
		}
		for x0 := 0; x0 < stride; x0 += 8 {
			encLoad(&b, plane[x0:], stride)
			prev = e.writeBlock(&b, 0, prev)
			if len(e.out) >= encFlushSize {
				e.flush()
			}
		}
	}
}

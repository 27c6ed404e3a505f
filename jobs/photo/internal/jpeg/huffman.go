// Copyright 2009 The Go Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package jpeg

import (
	"encoding/binary"
	"io"
)

// maxCodeLength is the maximum (inclusive) number of bits in a Huffman code.
const maxCodeLength = 16

// maxNCodes is the maximum (inclusive) number of codes in a Huffman tree.
const maxNCodes = 256

// lutSize is the log-2 size of the Huffman decoder's look-up tables.
const lutSize = 9

// fastBits is the log-2 size of the tables that decode a coefficient in
// one look-up.
const fastBits = 11

// huffman is a Huffman decoder, specified in section C.
type huffman struct {
	// length is the number of codes in the tree.
	nCodes int32
	// lut is the look-up table for the next lutSize bits in the bit-stream.
	// The high 8 bits of the uint16 are the encoded value. The low 8 bits
	// are the code length, or 0 if the code is longer than lutSize bits.
	lut [1 << lutSize]uint16
	// fast decodes, for the next fastBits bits, a code of at most fastBits
	// bits and, when they fit too, the extra bits after it (see fastEntry),
	// or is 0.
	fast [1 << fastBits]int32
	// vals are the decoded values, sorted by their encoding.
	vals [maxNCodes]uint8
	// minCodes[i] is the minimum code of length i, or -1 if there are no
	// codes of that length.
	minCodes [maxCodeLength]int32
	// maxCodes[i] is the maximum code of length i, or -1 if there are no
	// codes of that length.
	maxCodes [maxCodeLength]int32
	// valsIndices[i] is the index into vals of minCodes[i].
	valsIndices [maxCodeLength]int32
}

// A fast entry packs a decoded coefficient: bits 0-5 are the number of bits
// the code and its extra bits take, bit 6 is set for the AC codes without
// extra bits (end of block and a run of 16 zeros), bit 7 when the extra bits
// do not fit in fastBits and are to be read after the code, bits 8-11 are
// the AC run of zeros, bits 12-15 the number of extra bits and bits 16-31
// the coefficient (an AC one, or a DC difference) when they fit.
const (
	fastNoValue = 1 << 6
	fastExtra   = 1 << 7
)

func fastEntry(value int32, run, size, totalLen uint32) int32 {
	return value<<16 | int32(size<<12|run<<8|totalLen)
}

// errShortHuffmanData means that an unexpected EOF occurred while decoding
// Huffman data.
var errShortHuffmanData = FormatError("short Huffman data")

// refill takes whole bytes of entropy-coded data into d.bits until it holds
// more than 56 bits or the data ends: at a marker (0xff not followed by
// 0x00), which is left unread for the restart and end-of-scan logic, or with
// the input. d.bits.err then holds the error that reading further bits
// gives, so that the last codes of a scan decode from the bits there are.
func (d *decoder) refill() {
	for d.bits.n <= 56 && d.bits.err == nil {
		if i := d.bytes.i; i+8 <= d.bytes.j {
			// The common case: eight buffered bytes without 0xff, of
			// which as many as fit are taken at once.
			w := binary.BigEndian.Uint64(d.bytes.buf[i : i+8])
			if x := ^w; (x-0x0101010101010101)&^x&0x8080808080808080 == 0 {
				k := uint32(64-d.bits.n) / 8
				d.bits.a |= w >> (64 - 8*k) << (64 - 8*k - uint32(d.bits.n))
				d.bits.n += int32(8 * k)
				d.bytes.i = i + int(k)
				return
			}
		}
		c, err := d.readStuffedByte()
		if err != nil {
			d.bits.err = err
			return
		}
		d.bits.a |= uint64(c) << (56 - d.bits.n)
		d.bits.n += 8
	}
}

// fillBits is refill for a bit buffer held in a and n (as d.bits.a and
// d.bits.n), small enough to be inlined: the common case, eight buffered
// bytes without 0xff, here, and refillBits otherwise. It may leave in a,
// past its n bits, some of the bits of the next byte, which are the bits
// that reading it puts there.
func (d *decoder) fillBits(a uint64, n int32) (uint64, int32) {
	if i := d.bytes.i; i+8 <= d.bytes.j {
		if w := binary.BigEndian.Uint64(d.bytes.buf[i:]); noFF(w) {
			// Take the whole bytes that fit: n becomes 56 to 63.
			d.bytes.i = i + int(63-n)>>3
			return a | w>>uint32(n), n | 56
		}
	}
	return d.refillBits(a, n)
}

// noFF reports whether none of the bytes of w is 0xff.
func noFF(w uint64) bool {
	x := ^w
	return (x-0x0101010101010101)&^x&0x8080808080808080 == 0
}

// refillBits is fillBits's uncommon case.
func (d *decoder) refillBits(a uint64, n int32) (uint64, int32) {
	d.bits.a, d.bits.n = a, n
	d.refill()
	return d.bits.a, d.bits.n
}

// readStuffedByte reads one byte of byte-stuffed entropy-coded data (an
// 0xff data byte is stored as 0xff 0x00, section F.1.2.3). At a marker it
// returns errMissingFF00 and leaves the marker unread; at the end of the
// input, errShortHuffmanData.
func (d *decoder) readStuffedByte() (byte, error) {
	c, err := d.readByte()
	if err != nil {
		return 0, shortHuffman(err)
	}
	if c != 0xff {
		return c, nil
	}
	// fill keeps the last two bytes buffered, so the 0xff can be unread
	// after reading the next byte.
	c, err = d.readByte()
	if err != nil {
		d.bytes.i--
		return 0, shortHuffman(err)
	}
	if c != 0x00 {
		d.bytes.i -= 2
		return 0, errMissingFF00
	}
	return 0xff, nil
}

func shortHuffman(err error) error {
	if err == io.ErrUnexpectedEOF {
		return errShortHuffmanData
	}
	return err
}

// receiveExtend is the composition of RECEIVE and EXTEND, specified in section
// F.2.2.1.
func (d *decoder) receiveExtend(t uint8) (int32, error) {
	x, err := d.decodeBits(int32(t))
	if err != nil || t == 0 {
		return 0, err
	}
	return extend(int32(x), uint32(t)), nil
}

// extend is EXTEND: the t-bit value x as a coefficient.
func extend(x int32, t uint32) int32 {
	if x < 1<<(t-1) {
		x += -1<<t + 1
	}
	return x
}

// processDHT processes a Define Huffman Table marker, and initializes a huffman
// struct from its contents. Specified in section B.2.4.2.
func (d *decoder) processDHT(n int) error {
	for n > 0 {
		if n < 17 {
			return FormatError("DHT has wrong length")
		}
		if err := d.readFull(d.tmp[:17]); err != nil {
			return err
		}
		tc := d.tmp[0] >> 4
		if tc > maxTc {
			return FormatError("bad Tc value")
		}
		th := d.tmp[0] & 0x0f
		// The baseline th <= 1 restriction is specified in table B.5.
		if th > maxTh || (d.baseline && th > 1) {
			return FormatError("bad Th value")
		}
		h := &d.huff[tc][th]

		// Read nCodes and h.vals (and derive h.nCodes).
		// nCodes[i] is the number of codes with code length i.
		// h.nCodes is the total number of codes.
		h.nCodes = 0
		var nCodes [maxCodeLength]int32
		for i := range nCodes {
			nCodes[i] = int32(d.tmp[i+1])
			h.nCodes += nCodes[i]
		}
		if h.nCodes == 0 {
			return FormatError("Huffman table has zero length")
		}
		if h.nCodes > maxNCodes {
			return FormatError("Huffman table has excessive length")
		}
		n -= int(h.nCodes) + 17
		if n < 0 {
			return FormatError("DHT has wrong length")
		}
		if err := d.readFull(h.vals[:h.nCodes]); err != nil {
			return err
		}

		// Derive minCodes, maxCodes, and valsIndices.
		var c, index int32
		for i, n := range nCodes {
			if n == 0 {
				h.minCodes[i] = -1
				h.maxCodes[i] = -1
				h.valsIndices[i] = -1
			} else {
				h.minCodes[i] = c
				h.maxCodes[i] = c + n - 1
				h.valsIndices[i] = index
				c += n
				index += n
			}
			c <<= 1
		}

		// Derive the look-up tables: each code of up to fastBits bits fills
		// the entries that start with it (the codes are canonical, so
		// their ranges do not overlap; a corrupt table's codes past l bits
		// are left to the slow path, which cannot match them either). lut
		// is for the first lutSize bits.
		clear(h.lut[:])
		clear(h.fast[:])
		code, k := uint32(0), 0
		for i, n := range nCodes[:fastBits] {
			l := uint32(i + 1)
			for range n {
				if code < 1<<l {
					v := h.vals[k]
					x0, span := code<<(fastBits-l), uint32(1)<<(fastBits-l)
					// The entry changes only with the extra bits it holds.
					step := span
					if size := uint32(v); tc == acTable || size <= 15 {
						if tc == acTable {
							size = uint32(v & 0x0f)
						}
						if size > 0 && l+size <= fastBits {
							step >>= size
						}
					}
					for x := x0; x < x0+span; x += step {
						e := fastCoefficient(tc, v, x, l)
						for y := range h.fast[x : x+step] {
							h.fast[x+uint32(y)] = e
						}
					}
					if l <= lutSize {
						x0 >>= fastBits - lutSize
						for x := x0; x < x0+1<<(lutSize-l); x++ {
							h.lut[x] = uint16(v)<<8 | uint16(l)
						}
					}
				}
				code++
				k++
			}
			code <<= 1
		}
	}
	return nil
}

// fastCoefficient is the fast entry for the fastBits bits x, which start
// with a code of length l for the value v in a DC (tc 0) or AC table.
func fastCoefficient(tc uint8, v uint8, x, l uint32) int32 {
	size, run := uint32(v), uint32(0)
	if tc == acTable {
		size, run = uint32(v&0x0f), uint32(v>>4)
		if size == 0 {
			if v != 0x00 && v != 0xf0 {
				return 0 // an end-of-band run, which reads more bits
			}
			return fastEntry(0, run, 0, l|fastNoValue)
		}
	} else if size > 15 {
		return 0
	}
	if l+size > fastBits {
		return fastEntry(0, run, size, l+size|fastExtra)
	}
	var value int32
	if size > 0 {
		value = extend(int32(x>>(fastBits-l-size))&(1<<size-1), size)
	}
	return fastEntry(value, run, size, l+size)
}

// decodeHuffman returns the next Huffman-coded value from the bit-stream,
// decoded according to h.
func (d *decoder) decodeHuffman(h *huffman) (uint8, error) {
	if h.nCodes == 0 {
		return 0, FormatError("uninitialized Huffman table")
	}
	if d.bits.n < maxCodeLength {
		d.refill()
	}
	if v := h.lut[d.bits.a>>(64-lutSize)]; v != 0 {
		if n := int32(v & 0xff); n <= d.bits.n {
			d.bits.a <<= n
			d.bits.n -= n
			return uint8(v >> 8), nil
		}
	}
	// A long code, or the last bits of the data.
	for i, code := 0, int32(0); i < maxCodeLength; i++ {
		if d.bits.n == 0 {
			return 0, d.bits.err
		}
		code = code<<1 | int32(d.bits.a>>63)
		d.bits.a <<= 1
		d.bits.n--
		if code <= h.maxCodes[i] {
			return h.vals[h.valsIndices[i]+code-h.minCodes[i]], nil
		}
	}
	return 0, FormatError("bad Huffman code")
}

func (d *decoder) decodeBit() (bool, error) {
	b, err := d.decodeBits(1)
	return b != 0, err
}

// decodeBits reads n bits, n <= 16.
func (d *decoder) decodeBits(n int32) (uint32, error) {
	if d.bits.n < n {
		d.refill()
		if d.bits.n < n {
			return 0, d.bits.err
		}
	}
	if n == 0 {
		return 0, nil
	}
	ret := uint32(d.bits.a >> (64 - n))
	d.bits.a <<= n
	d.bits.n -= n
	return ret, nil
}

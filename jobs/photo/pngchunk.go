package photo

import (
	"encoding/binary"
	"hash/crc32"
)

// maxChunks bounds the number of chunks in one PNG, like maxSegments for
// JPEG. Encoders split the image data into IDAT chunks of 8 to 64 KiB; even
// a 50 MiB file cut into 1 KiB chunks has under 52 000.
const maxChunks = 1 << 16

// chunk is one PNG chunk; raw is its bytes exactly as in the file (length,
// type, data and CRC).
type chunk struct {
	typ  string
	raw  []byte
	data []byte
}

// pngChunks splits a PNG file after its signature into chunks, up to and
// including IEND; anything after IEND is left out. Each chunk's CRC is
// checked. A malformed structure returns ErrCorrupt.
func pngChunks(b []byte) ([]chunk, error) {
	if len(b) < len(pngSignature) || string(b[:len(pngSignature)]) != pngSignature {
		return nil, corrupt("missing PNG signature")
	}
	var chunks []chunk
	pos := len(pngSignature)
	for {
		if len(chunks) >= maxChunks {
			return nil, corrupt("more than %d PNG chunks", maxChunks)
		}
		if pos+8 > len(b) {
			return nil, corrupt("truncated PNG: no IEND chunk")
		}
		n := uint64(binary.BigEndian.Uint32(b[pos:]))
		if n > 1<<31-1 || uint64(pos)+12+n > uint64(len(b)) {
			return nil, corrupt("PNG chunk runs past the end of the file")
		}
		end := pos + 12 + int(n)
		typ := b[pos+4 : pos+8]
		for _, c := range typ {
			if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z') {
				return nil, corrupt("invalid PNG chunk type %q", typ)
			}
		}
		if len(chunks) == 0 && string(typ) != "IHDR" {
			return nil, corrupt("PNG does not start with IHDR")
		}
		if crc32.ChecksumIEEE(b[pos+4:end-4]) != binary.BigEndian.Uint32(b[end-4:]) {
			return nil, corrupt("PNG chunk %s has a bad checksum", typ)
		}
		chunks = append(chunks, chunk{typ: string(typ), raw: b[pos:end], data: b[pos+8 : end-4]})
		pos = end
		if string(typ) == "IEND" {
			return chunks, nil
		}
	}
}

// keepPNGForBuyer reports whether Clean copies a chunk: the image itself and
// what affects how it displays (colour space, transparency, pixel density).
// eXIf, tEXt, zTXt, iTXt, tIME, animation chunks and unknown private chunks
// are dropped.
func keepPNGForBuyer(typ string) bool {
	switch typ {
	case "IHDR", "PLTE", "IDAT", "IEND", "tRNS", "sBIT", "bKGD", "pHYs":
		return true
	}
	return isColourChunk(typ)
}

// isColourChunk reports whether a chunk describes the colour space; Clean
// re-inserts these after IHDR when it has to re-encode.
func isColourChunk(typ string) bool {
	switch typ {
	case "iCCP", "sRGB", "gAMA", "cHRM", "cICP", "mDCV", "cLLI":
		return true
	}
	return false
}

// pngOrientation returns the EXIF orientation from an eXIf chunk, or 1.
func pngOrientation(chunks []chunk) int {
	for _, c := range chunks {
		if c.typ == "eXIf" {
			return tiffOrientation(c.data)
		}
	}
	return orientNormal
}

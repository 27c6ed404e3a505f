package photo

import (
	"bytes"
	"encoding/binary"
)

// JPEG markers this package looks at.
const (
	markerSOI   = 0xD8
	markerEOI   = 0xD9
	markerSOS   = 0xDA
	markerAPP0  = 0xE0
	markerAPP1  = 0xE1
	markerAPP2  = 0xE2
	markerAPP14 = 0xEE
	markerCOM   = 0xFE
)

// maxScans bounds the number of scans (SOS segments) in one JPEG. Cameras
// write 1 and progressive encoders about 10; thousands of tiny scans are a
// known way to make a small file cost minutes of decoding.
const maxScans = 256

// maxSegments bounds the number of segments, so that a file made of
// millions of empty segments cannot make the segment list huge. Real files
// have a few dozen.
const maxSegments = 4096

// segment is one marker segment of a JPEG file. raw is the segment's bytes
// exactly as in the file, including any fill bytes before the marker and,
// for SOS, the entropy-coded data that follows its header.
type segment struct {
	marker  byte
	raw     []byte
	payload []byte // the bytes after the length field (the header only, for SOS)
}

// jpegSegments splits a JPEG file after its SOI marker into segments: it
// walks the whole file, through every scan, up to and including EOI; anything
// after EOI (such as appended preview images) is left out. Like libjpeg and
// image/jpeg, it skips stray bytes between segments (they stay in the next
// segment's raw bytes). A malformed structure returns ErrCorrupt.
func jpegSegments(b []byte) ([]segment, error) {
	if len(b) < 4 || b[0] != 0xFF || b[1] != markerSOI {
		return nil, corrupt("missing JPEG start marker")
	}
	var segs []segment
	scans := 0
	pos := 2
	for {
		if len(segs) >= maxSegments {
			return nil, corrupt("more than %d segments", maxSegments)
		}
		start := pos
		i := bytes.IndexByte(b[pos:], 0xFF)
		if i < 0 {
			return nil, corrupt("truncated JPEG: no end-of-image marker")
		}
		pos += i
		for pos < len(b) && b[pos] == 0xFF { // fill bytes
			pos++
		}
		if pos >= len(b) {
			return nil, corrupt("truncated JPEG marker")
		}
		m := b[pos]
		pos++
		switch {
		case m == markerEOI:
			segs = append(segs, segment{marker: m, raw: b[start:pos]})
			return segs, nil
		case m == 0x01 || (m >= 0xD0 && m <= 0xD7): // TEM, RSTn: no length
			segs = append(segs, segment{marker: m, raw: b[start:pos]})
			continue
		case m == markerSOI || m == 0x00:
			return nil, corrupt("unexpected JPEG marker %#02x", m)
		}
		if pos+2 > len(b) {
			return nil, corrupt("truncated JPEG segment")
		}
		n := int(binary.BigEndian.Uint16(b[pos:]))
		if n < 2 || pos+n > len(b) {
			return nil, corrupt("JPEG segment %#02x runs past the end of the file", m)
		}
		payload := b[pos+2 : pos+n]
		pos += n
		if m == markerSOS {
			scans++
			if scans > maxScans {
				return nil, corrupt("more than %d scans", maxScans)
			}
			end, ok := entropyEnd(b, pos)
			if !ok {
				return nil, corrupt("truncated JPEG scan data")
			}
			pos = end
		}
		segs = append(segs, segment{marker: m, raw: b[start:pos], payload: payload})
	}
}

// entropyEnd returns the index of the marker that ends the entropy-coded
// data starting at pos: the first 0xFF not followed by a stuffed 0x00 or a
// restart marker. It returns false if the data runs to the end of b.
func entropyEnd(b []byte, pos int) (int, bool) {
	for {
		i := bytes.IndexByte(b[pos:], 0xFF)
		if i < 0 {
			return 0, false
		}
		k := pos + i
		if k+1 >= len(b) {
			return 0, false
		}
		next := b[k+1]
		if next == 0x00 || (next >= 0xD0 && next <= 0xD7) {
			pos = k + 2
			continue
		}
		return k, true
	}
}

// keepForBuyer reports whether Clean copies a segment: everything that
// carries the image (tables, frame, scans, restart intervals) and, of the
// application segments, only APP0 JFIF/JFXX, APP2 ICC_PROFILE and APP14 Adobe,
// which carry no personal data but affect how the image displays. Exif, XMP,
// IPTC, comments, MPF (which points at preview images appended after EOI)
// and any vendor segment are dropped.
func keepForBuyer(s segment) bool {
	switch {
	case s.marker == markerAPP0:
		return bytes.HasPrefix(s.payload, []byte("JFIF\x00")) || bytes.HasPrefix(s.payload, []byte("JFXX\x00"))
	case s.marker == markerAPP2:
		return isICCSegment(s)
	case s.marker == markerAPP14:
		return bytes.HasPrefix(s.payload, []byte("Adobe"))
	case s.marker >= markerAPP0 && s.marker <= 0xEF, s.marker == markerCOM:
		return false
	}
	return true
}

func isICCSegment(s segment) bool {
	return s.marker == markerAPP2 && bytes.HasPrefix(s.payload, []byte("ICC_PROFILE\x00"))
}

// jpegOrientation returns the EXIF orientation from the first Exif APP1
// segment, or 1.
func jpegOrientation(segs []segment) int {
	for _, s := range segs {
		if s.marker == markerAPP1 && bytes.HasPrefix(s.payload, []byte("Exif\x00")) {
			return exifOrientation(s.payload)
		}
	}
	return orientNormal
}

// iccColorSpace returns the data colour space signature of the ICC profile
// carried in APP2 segments ("RGB ", "GRAY", "CMYK"...), or "" if none. The
// signature sits at offset 16 of the profile, inside its first chunk.
func iccColorSpace(segs []segment) string {
	for _, s := range segs {
		if !isICCSegment(s) {
			continue
		}
		p := s.payload[len("ICC_PROFILE\x00"):]
		if len(p) >= 2+20 && p[0] == 1 { // chunk sequence number 1
			return string(p[2+16 : 2+20])
		}
	}
	return ""
}

package phototest

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
)

// GPSMarker is a string written into the GPS data of Exif and into the XMP,
// IPTC and comment segments, so tests can search outputs for it.
const GPSMarker = "GPS-52.5200N-13.4100E"

// XMPNamespace opens every XMP APP1 segment.
const XMPNamespace = "http://ns.adobe.com/xap/1.0/\x00"

// Segment returns a JPEG marker segment: 0xFF, marker, length, payload.
func Segment(marker byte, payload []byte) []byte {
	if len(payload) > 0xFFFF-2 {
		panic("phototest: JPEG segment payload over 65533 bytes")
	}
	s := []byte{0xFF, marker, 0, 0}
	binary.BigEndian.PutUint16(s[2:], uint16(len(payload)+2))
	return append(s, payload...)
}

// InsertSegments returns a copy of a JPEG file with segs inserted right after
// its SOI marker, in order.
func InsertSegments(jpg []byte, segs ...[]byte) []byte {
	out := append([]byte{}, jpg[:2]...)
	for _, s := range segs {
		out = append(out, s...)
	}
	return append(out, jpg[2:]...)
}

// ExifSegment returns an APP1 Exif segment with the given orientation (0
// leaves the tag out), a camera make and a GPS IFD with latitude, longitude
// and a processing method that contains GPSMarker.
func ExifSegment(orientation int, bigEndian bool) []byte {
	return Segment(0xE1, append([]byte("Exif\x00\x00"), ExifTIFF(orientation, bigEndian)...))
}

// ExifTIFF returns the TIFF structure of ExifSegment, as carried by a PNG
// eXIf chunk.
func ExifTIFF(orientation int, bigEndian bool) []byte {
	var bo byteOrder = binary.LittleEndian
	head := []byte("II*\x00\x08\x00\x00\x00")
	if bigEndian {
		bo = binary.BigEndian
		head = []byte("MM\x00*\x00\x00\x00\x08")
	}
	short := func(v uint16) []byte { return bo.AppendUint16(nil, v) }
	long := func(v uint32) []byte { return bo.AppendUint32(nil, v) }
	rationals := func(v ...uint32) []byte {
		var b []byte
		for _, x := range v {
			b = bo.AppendUint32(b, x)
			b = bo.AppendUint32(b, 1)
		}
		return b
	}
	ifd0 := []tiffEntry{{0x010F, 2, 16, []byte("LightboxTestCam\x00")}}
	if orientation != 0 {
		ifd0 = append(ifd0, tiffEntry{0x0112, 3, 1, short(uint16(orientation))})
	}
	ifd0 = append(ifd0, tiffEntry{0x8825, 4, 1, nil}) // GPS IFD pointer, set below
	gps := []tiffEntry{
		{0x0000, 1, 4, []byte{2, 2, 0, 0}},
		{0x0001, 2, 2, []byte("N\x00")},
		{0x0002, 5, 3, rationals(52, 31, 12)},
		{0x0003, 2, 2, []byte("E\x00")},
		{0x0004, 5, 3, rationals(13, 24, 36)},
		{0x001B, 7, uint32(8 + len(GPSMarker)), []byte("ASCII\x00\x00\x00" + GPSMarker)},
	}
	gpsOffset := uint32(8 + ifdSize(ifd0))
	ifd0[len(ifd0)-1].data = long(gpsOffset)
	out := append([]byte{}, head...)
	out = appendIFD(out, bo, ifd0)
	return appendIFD(out, bo, gps)
}

// byteOrder is what binary.LittleEndian and binary.BigEndian both are.
type byteOrder interface {
	binary.ByteOrder
	binary.AppendByteOrder
}

type tiffEntry struct {
	tag, typ uint16
	count    uint32
	data     []byte // the value, already in the file's byte order
}

// ifdSize is the size of an IFD with its out-of-line values.
func ifdSize(entries []tiffEntry) int {
	n := 2 + 12*len(entries) + 4
	for _, e := range entries {
		if len(e.data) > 4 {
			n += len(e.data) + len(e.data)%2
		}
	}
	return n
}

// appendIFD writes an IFD at the end of out (its offset is len(out)), with
// values over 4 bytes placed right after it.
func appendIFD(out []byte, bo byteOrder, entries []tiffEntry) []byte {
	start := len(out)
	dataAt := start + 2 + 12*len(entries) + 4
	var data []byte
	out = bo.AppendUint16(out, uint16(len(entries)))
	for _, e := range entries {
		out = bo.AppendUint16(out, e.tag)
		out = bo.AppendUint16(out, e.typ)
		out = bo.AppendUint32(out, e.count)
		if len(e.data) <= 4 {
			v := make([]byte, 4)
			copy(v, e.data)
			out = append(out, v...)
			continue
		}
		out = bo.AppendUint32(out, uint32(dataAt+len(data)))
		data = append(data, e.data...)
		if len(e.data)%2 == 1 {
			data = append(data, 0)
		}
	}
	out = bo.AppendUint32(out, 0) // no next IFD
	return append(out, data...)
}

// XMPSegment returns an APP1 XMP segment with a creator and GPS position.
func XMPSegment() []byte {
	packet := `<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>` +
		`<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">` +
		`<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:exif="http://ns.adobe.com/exif/1.0/"` +
		` exif:GPSLatitude="52,31.2N" exif:GPSLongitude="13,24.6E" dc:description="` + GPSMarker + `"/>` +
		`</rdf:RDF></x:xmpmeta><?xpacket end="w"?>`
	return Segment(0xE1, append([]byte(XMPNamespace), packet...))
}

// IPTCSegment returns an APP13 Photoshop segment with an IPTC by-line and
// caption.
func IPTCSegment() []byte {
	var iptc []byte
	for _, ds := range []struct {
		tag byte
		v   string
	}{{80, "Jane Photographer"}, {120, "Caption " + GPSMarker}} {
		iptc = append(iptc, 0x1C, 2, ds.tag, 0, byte(len(ds.v)))
		iptc = append(iptc, ds.v...)
	}
	res := []byte("Photoshop 3.0\x008BIM\x04\x04\x00\x00")
	res = binary.BigEndian.AppendUint32(res, uint32(len(iptc)))
	res = append(res, iptc...)
	if len(iptc)%2 == 1 {
		res = append(res, 0)
	}
	return Segment(0xED, res)
}

// CommentSegment returns a COM segment.
func CommentSegment() []byte {
	return Segment(0xFE, []byte("Shot by Jane at "+GPSMarker))
}

// ICCProfile returns a small, structurally valid ICC profile of n bytes
// (at least 132) for the given data colour space ("RGB ", "GRAY", "CMYK"),
// filled with a recognisable pattern. It is not meant for colour management,
// only to check that profiles are carried over byte for byte.
func ICCProfile(colorSpace string, n int) []byte {
	n = max(n, 132)
	p := make([]byte, n)
	binary.BigEndian.PutUint32(p[0:], uint32(n))
	copy(p[4:], "lcms")
	binary.BigEndian.PutUint32(p[8:], 0x02100000)
	copy(p[12:], "mntr")
	copy(p[16:], colorSpace)
	copy(p[20:], "XYZ ")
	copy(p[36:], "acsp")
	for i := 132; i < n; i++ {
		p[i] = byte(i * 7)
	}
	return p
}

// ICCSegments splits an ICC profile into APP2 ICC_PROFILE segments.
func ICCSegments(profile []byte) [][]byte {
	const max = 65519 - 14
	count := (len(profile) + max - 1) / max
	var segs [][]byte
	for i := 0; i < count; i++ {
		chunk := profile[i*max : min(len(profile), (i+1)*max)]
		payload := append([]byte("ICC_PROFILE\x00"), byte(i+1), byte(count))
		segs = append(segs, Segment(0xE2, append(payload, chunk...)))
	}
	return segs
}

// Chunk returns a PNG chunk with its length and CRC.
func Chunk(typ string, data []byte) []byte {
	c := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
	c = append(c, typ...)
	c = append(c, data...)
	return binary.BigEndian.AppendUint32(c, crc32.ChecksumIEEE(c[4:]))
}

// InsertChunks returns a copy of a PNG file with chunks inserted right after
// its IHDR chunk, in order.
func InsertChunks(p []byte, chunks ...[]byte) []byte {
	at := 8 + 12 + int(binary.BigEndian.Uint32(p[8:]))
	out := append([]byte{}, p[:at]...)
	for _, c := range chunks {
		out = append(out, c...)
	}
	return append(out, p[at:]...)
}

// PNGHeader returns a PNG file that is only a header: an 8-bit RGB IHDR
// claiming w×h pixels, and IEND. Decoding it would allocate w×h×4 bytes.
func PNGHeader(w, h uint32) []byte {
	ihdr := binary.BigEndian.AppendUint32(nil, w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, 8, 2, 0, 0, 0)
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	b.Write(Chunk("IHDR", ihdr))
	b.Write(Chunk("IEND", nil))
	return b.Bytes()
}

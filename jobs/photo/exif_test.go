package photo

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"testing"

	"lightbox/jobs/photo/phototest"
)

// tiff builds a TIFF header with IFD0 at offset 8 holding the given 12-byte
// entries, in the given byte order.
func tiff(bigEndian bool, entries ...[]byte) []byte {
	var bo binary.ByteOrder = binary.LittleEndian
	b := []byte("II*\x00\x08\x00\x00\x00")
	if bigEndian {
		bo = binary.BigEndian
		b = []byte("MM\x00*\x00\x00\x00\x08")
	}
	b = append(b, 0, 0)
	bo.PutUint16(b[8:], uint16(len(entries)))
	for _, e := range entries {
		b = append(b, e...)
	}
	return append(b, 0, 0, 0, 0)
}

// entry encodes one IFD entry whose value field holds value.
func entry(bigEndian bool, tag, typ uint16, count, value uint32) []byte {
	var bo binary.ByteOrder = binary.LittleEndian
	if bigEndian {
		bo = binary.BigEndian
	}
	e := make([]byte, 12)
	bo.PutUint16(e[0:], tag)
	bo.PutUint16(e[2:], typ)
	bo.PutUint32(e[4:], count)
	if typ == 3 {
		bo.PutUint16(e[8:], uint16(value))
	} else {
		bo.PutUint32(e[8:], value)
	}
	return e
}

func TestTIFFOrientation(t *testing.T) {
	t.Parallel()
	for o := 1; o <= 8; o++ {
		for _, be := range []bool{false, true} {
			if got := tiffOrientation(phototest.ExifTIFF(o, be)); got != o {
				t.Errorf("orientation %d big-endian %v: got %d", o, be, got)
			}
			if got := exifOrientation(append([]byte("Exif\x00\x00"), phototest.ExifTIFF(o, be)...)); got != o {
				t.Errorf("APP1 orientation %d big-endian %v: got %d", o, be, got)
			}
		}
	}
	valid := tiff(true, entry(true, 0x0112, 3, 1, 6))
	for _, tc := range []struct {
		name string
		b    []byte
		want int
	}{
		{"no orientation tag", phototest.ExifTIFF(0, false), 1},
		{"after other tags", tiff(false, entry(false, 0x010F, 2, 4, 0), entry(false, 0x0112, 3, 1, 8)), 8},
		{"LONG type", tiff(false, entry(false, 0x0112, 4, 1, 5)), 5},
		{"wrong type", tiff(false, entry(false, 0x0112, 2, 1, 6)), 1},
		{"zero count", tiff(false, entry(false, 0x0112, 3, 0, 6)), 1},
		{"value 0", tiff(false, entry(false, 0x0112, 3, 1, 0)), 1},
		{"value 9", tiff(false, entry(false, 0x0112, 3, 1, 9)), 1},
		{"value 0xFFFF", tiff(false, entry(false, 0x0112, 3, 1, 0xFFFF)), 1},
		{"big-endian value read little-endian", append([]byte("II"), valid[2:]...), 1},
		{"entry count past the end", func() []byte { b := bytes.Clone(valid); b[8], b[9] = 0xFF, 0xFF; return b }(), 6},
		{"entry cut short", valid[:len(valid)-8], 1},
		{"IFD offset past the end", func() []byte { b := bytes.Clone(valid); b[4] = 0x7F; return b }(), 1},
		{"IFD offset 0xFFFFFFFF", func() []byte { b := bytes.Clone(valid); copy(b[4:], "\xFF\xFF\xFF\xFF"); return b }(), 1},
		{"IFD offset inside the header", func() []byte { b := bytes.Clone(valid); b[7] = 2; return b }(), 1},
		{"bad magic", append([]byte("MM\x00+"), valid[4:]...), 1},
		{"header only", valid[:8], 1},
		{"empty", nil, 1},
	} {
		if got := tiffOrientation(tc.b); got != tc.want {
			t.Errorf("%s: got %d, want %d", tc.name, got, tc.want)
		}
	}
	for _, p := range [][]byte{nil, []byte("Exif"), []byte("Exif\x00"), []byte("XMP\x00\x00\x00" + string(valid))} {
		if got := exifOrientation(p); got != 1 {
			t.Errorf("exifOrientation(%q) = %d, want 1", p, got)
		}
	}
}

// TestJPEGOrientationFirstExif checks that the first Exif APP1 counts and
// that XMP APP1 segments before it are skipped.
func TestJPEGOrientationFirstExif(t *testing.T) {
	t.Parallel()
	jpg := phototest.JPEG(quadrants(8, 8), 80)
	for _, tc := range []struct {
		segs [][]byte
		want int
	}{
		{nil, 1},
		{[][]byte{phototest.XMPSegment(), phototest.ExifSegment(6, true)}, 6},
		{[][]byte{phototest.ExifSegment(3, false), phototest.ExifSegment(6, false)}, 3},
	} {
		segs, err := jpegSegments(phototest.InsertSegments(jpg, tc.segs...))
		if err != nil {
			t.Fatal(err)
		}
		if got := jpegOrientation(segs); got != tc.want {
			t.Errorf("%s: got %d, want %d", fmt.Sprint(len(tc.segs), " segments"), got, tc.want)
		}
	}
}

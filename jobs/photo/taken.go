package photo

import (
	"bytes"
	"encoding/binary"
	"strings"
	"time"
)

// EXIF tags read by TakenAt.
const (
	tagDateTime           = 0x0132 // IFD0: file change time
	tagExifIFD            = 0x8769 // IFD0: pointer to the Exif IFD
	tagDateTimeOriginal   = 0x9003 // Exif IFD: when the picture was taken
	tagOffsetTimeOriginal = 0x9011 // Exif IFD: its UTC offset, like "+02:00"
)

// TakenAt returns when a JPEG was taken, from its EXIF DateTimeOriginal
// (else DateTime). Camera clocks carry no time zone, so the time is read
// in loc (the event's zone) unless the file records its UTC offset. It
// reads the original before any metadata is removed, never panics, and
// reports false when there is no usable date.
func TakenAt(src []byte, loc *time.Location) (time.Time, bool) {
	tiff := exifTIFF(src)
	if tiff == nil {
		return time.Time{}, false
	}
	bo := tiffByteOrder(tiff)
	if bo == nil {
		return time.Time{}, false
	}
	ifd0 := readIFD(tiff, bo, bo.Uint32(tiff[4:8]))
	var exif map[uint16]string
	if off, ok := ifd0[tagExifIFD]; ok && len(off) == 4 {
		exif = readIFD(tiff, bo, bo.Uint32([]byte(off)))
	}
	stamp := exif[tagDateTimeOriginal]
	if stamp == "" {
		stamp = ifd0[tagDateTime]
	}
	stamp = strings.TrimRight(stamp, "\x00 ")
	if offset := strings.TrimRight(exif[tagOffsetTimeOriginal], "\x00 "); offset != "" {
		if t, err := time.Parse("2006:01:02 15:04:05-07:00", stamp+offset); err == nil {
			return t.UTC(), true
		}
	}
	if loc == nil {
		loc = time.UTC
	}
	t, err := time.ParseInLocation("2006:01:02 15:04:05", stamp, loc)
	if err != nil || t.Year() < 1900 {
		return time.Time{}, false
	}
	return t.UTC(), true
}

// exifTIFF finds the TIFF structure of a JPEG's Exif APP1 segment.
func exifTIFF(src []byte) []byte {
	if len(src) < 4 || src[0] != 0xFF || src[1] != 0xD8 {
		return nil
	}
	for i := 2; i+4 <= len(src); {
		if src[i] != 0xFF {
			return nil
		}
		marker := src[i+1]
		if marker == 0xDA || marker == 0xD9 { // start of scan, end of image
			return nil
		}
		n := int(binary.BigEndian.Uint16(src[i+2:]))
		if n < 2 || i+2+n > len(src) {
			return nil
		}
		seg := src[i+4 : i+2+n]
		if marker == 0xE1 && bytes.HasPrefix(seg, []byte("Exif\x00\x00")) && len(seg) >= 14 {
			return seg[6:]
		}
		i += 2 + n
	}
	return nil
}

// readIFD returns the ASCII and LONG values of one IFD's entries, as raw
// strings (a LONG as its 4 bytes). Every offset is bounds-checked.
func readIFD(b []byte, bo binary.ByteOrder, off uint32) map[uint16]string {
	out := map[uint16]string{}
	n := uint64(len(b))
	o := uint64(off)
	if o < 8 || o+2 > n {
		return out
	}
	count := uint64(bo.Uint16(b[o:]))
	for i := uint64(0); i < count && i < 512; i++ {
		e := o + 2 + 12*i
		if e+12 > n {
			break
		}
		tag, typ, cnt := bo.Uint16(b[e:]), bo.Uint16(b[e+2:]), uint64(bo.Uint32(b[e+4:]))
		switch {
		case typ == 2 && cnt <= 4: // ASCII, inline
			out[tag] = string(b[e+8 : e+8+cnt])
		case typ == 2 && cnt <= 64: // ASCII, at an offset
			v := uint64(bo.Uint32(b[e+8:]))
			if v+cnt <= n {
				out[tag] = string(b[v : v+cnt])
			}
		case typ == 4 && cnt == 1: // LONG
			out[tag] = string(b[e+8 : e+12])
		}
	}
	return out
}

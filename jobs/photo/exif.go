package photo

import "encoding/binary"

// EXIF orientation values (TIFF tag 0x0112). Each names how the stored
// pixels must be transformed to display upright.
const (
	orientNormal     = 1 // as stored
	orientFlipH      = 2 // mirror left-right
	orientRotate180  = 3
	orientFlipV      = 4 // mirror top-bottom
	orientTranspose  = 5 // mirror along the top-left/bottom-right diagonal
	orientRotate90CW = 6 // rotate 90° clockwise
	orientTransverse = 7 // mirror along the top-right/bottom-left diagonal
	orientRotate270  = 8 // rotate 90° counter-clockwise
)

const tagOrientation = 0x0112

// exifOrientation returns the orientation recorded in the payload of a JPEG
// APP1 segment ("Exif\0\0" followed by a TIFF structure), or 1 when there is
// none or it cannot be read. It never panics, whatever the input.
func exifOrientation(app1 []byte) int {
	if len(app1) < 6 || string(app1[:5]) != "Exif\x00" {
		return orientNormal
	}
	return tiffOrientation(app1[6:])
}

// tiffOrientation reads the Orientation tag of IFD0 from a TIFF structure
// (the payload of a PNG eXIf chunk, or an Exif APP1 after its header).
// Every offset is checked against the buffer; bad data gives 1.
func tiffOrientation(b []byte) int {
	if len(b) < 8 {
		return orientNormal
	}
	bo := tiffByteOrder(b)
	if bo == nil {
		return orientNormal
	}
	ifd := uint64(bo.Uint32(b[4:8]))
	n := uint64(len(b))
	if ifd < 8 || ifd+2 > n {
		return orientNormal
	}
	count := uint64(bo.Uint16(b[ifd:]))
	for i := uint64(0); i < count; i++ {
		e := ifd + 2 + 12*i
		if e+12 > n {
			break
		}
		if bo.Uint16(b[e:]) != tagOrientation {
			continue
		}
		typ, cnt := bo.Uint16(b[e+2:]), bo.Uint32(b[e+4:])
		if cnt < 1 {
			return orientNormal
		}
		var v uint32
		switch typ {
		case 3: // SHORT: value in the first two bytes of the value field
			v = uint32(bo.Uint16(b[e+8:]))
		case 4: // LONG, written by a few tools
			v = bo.Uint32(b[e+8:])
		default:
			return orientNormal
		}
		if v < orientNormal || v > orientRotate270 {
			return orientNormal
		}
		return int(v)
	}
	return orientNormal
}

// swapsAxes reports whether orientation o turns the image by 90°, so the
// upright width is the stored height.
func swapsAxes(o int) bool { return o >= orientTranspose && o <= orientRotate270 }

// tiffByteOrder reads a TIFF header's byte order; nil when it is not one.
func tiffByteOrder(b []byte) binary.ByteOrder {
	switch {
	case len(b) < 4:
		return nil
	case string(b[:4]) == "II*\x00":
		return binary.LittleEndian
	case string(b[:4]) == "MM\x00*":
		return binary.BigEndian
	}
	return nil
}

package photo

import (
	"bytes"
	"encoding/binary"
	"testing"
	"time"
)

// exifWithDate builds a JPEG start with an Exif APP1 holding
// DateTimeOriginal (and optionally its offset) in an Exif sub-IFD.
func exifWithDate(bo binary.ByteOrder, date, offset string) []byte {
	var t bytes.Buffer
	if bo == binary.LittleEndian {
		t.WriteString("II*\x00")
	} else {
		t.WriteString("MM\x00*")
	}
	w := func(v any) { binary.Write(&t, bo, v) }
	w(uint32(8))
	// IFD0 at 8: one entry, the Exif IFD pointer.
	w(uint16(1))
	w([]uint16{tagExifIFD, 4})
	w(uint32(1))
	w(uint32(26)) // Exif IFD offset
	w(uint32(0))
	// Exif IFD at 26.
	entries := uint16(1)
	if offset != "" {
		entries = 2
	}
	w(entries)
	dataAt := uint32(26 + 2 + 12*int(entries) + 4)
	w([]uint16{tagDateTimeOriginal, 2})
	w(uint32(len(date) + 1))
	w(dataAt)
	if offset != "" {
		w([]uint16{tagOffsetTimeOriginal, 2})
		w(uint32(len(offset) + 1))
		w(dataAt + uint32(len(date)+1))
	}
	w(uint32(0))
	t.WriteString(date + "\x00")
	if offset != "" {
		t.WriteString(offset + "\x00")
	}
	payload := append([]byte("Exif\x00\x00"), t.Bytes()...)
	seg := []byte{0xFF, 0xD8, 0xFF, 0xE1, 0, 0}
	binary.BigEndian.PutUint16(seg[4:], uint16(len(payload)+2))
	return append(append(seg, payload...), 0xFF, 0xD9)
}

func TestTakenAt(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		src  []byte
		want time.Time
		ok   bool
	}{
		{"little endian, project zone", exifWithDate(binary.LittleEndian, "2026:06:21 18:30:00", ""), time.Date(2026, 6, 21, 16, 30, 0, 0, time.UTC), true},
		{"big endian, project zone", exifWithDate(binary.BigEndian, "2026:01:10 09:00:05", ""), time.Date(2026, 1, 10, 8, 0, 5, 0, time.UTC), true},
		{"recorded offset wins", exifWithDate(binary.LittleEndian, "2026:06:21 18:30:00", "-04:00"), time.Date(2026, 6, 21, 22, 30, 0, 0, time.UTC), true},
		{"blank date", exifWithDate(binary.LittleEndian, "    :  :     :  :  ", ""), time.Time{}, false},
		{"no exif", []byte{0xFF, 0xD8, 0xFF, 0xD9}, time.Time{}, false},
		{"truncated", exifWithDate(binary.LittleEndian, "2026:06:21 18:30:00", "")[:30], time.Time{}, false},
		{"not a jpeg", []byte("hello"), time.Time{}, false},
	} {
		got, ok := TakenAt(tc.src, paris)
		if ok != tc.ok || !got.Equal(tc.want) {
			t.Errorf("%s: TakenAt = %v %v, want %v %v", tc.name, got, ok, tc.want, tc.ok)
		}
	}
}

func FuzzTakenAt(f *testing.F) {
	f.Add(exifWithDate(binary.LittleEndian, "2026:06:21 18:30:00", "+02:00"))
	f.Add(exifWithDate(binary.BigEndian, "2026:06:21 18:30:00", ""))
	f.Fuzz(func(t *testing.T, b []byte) {
		TakenAt(b, time.UTC) // must not panic
	})
}

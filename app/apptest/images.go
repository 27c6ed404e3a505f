package apptest

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/jpeg"
	"testing"

	"lightbox/jobs/retina/retinatest"
)

// GPSMarker is a string inside the EXIF block Photo injects; it must never
// reach a client.
const GPSMarker = "GPS-SECRET-LOCATION"

// Photo returns a 1200x800 JPEG with the given people drawn in as faces
// the fake Retina recognises, and an EXIF block with GPS data.
func Photo(tb testing.TB, people ...int) []byte {
	tb.Helper()
	return PhotoSized(tb, 1200, people...)
}

// PhotoSized is Photo at a given width (3:2), for tests with many photos.
func PhotoSized(tb testing.TB, width int, people ...int) []byte {
	tb.Helper()
	w, h := width, width*2/3
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{uint8(90 + 60*x/w), uint8(110 + 50*y/h), 140, 255})
		}
	}
	unit := w / 12
	for i, p := range people {
		x := unit + i*unit*5/2
		retinatest.DrawFace(img, image.Rect(x, h*5/16, x+unit*9/5, h*5/16+unit*9/5), p)
	}
	return WithEXIF(tb, encode(tb, img))
}

// Selfie returns a portrait JPEG with one person's face filling it.
func Selfie(tb testing.TB, person int) []byte {
	tb.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 600, 800))
	for y := 0; y < 800; y++ {
		for x := 0; x < 600; x++ {
			img.Set(x, y, color.RGBA{200, 190, uint8(150 + y/10), 255})
		}
	}
	retinatest.DrawFace(img, image.Rect(150, 200, 450, 560), person)
	return encode(tb, img)
}

func encode(tb testing.TB, img image.Image) []byte {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// WithEXIF inserts an APP1 Exif segment (orientation 1 and a GPS marker)
// right after the SOI marker.
func WithEXIF(tb testing.TB, jpg []byte) []byte {
	tb.Helper()
	// A minimal little-endian TIFF: one IFD with Orientation=1, followed by
	// the marker text where a GPS IFD would be.
	var tiff bytes.Buffer
	tiff.WriteString("II*\x00")
	binary.Write(&tiff, binary.LittleEndian, uint32(8))
	binary.Write(&tiff, binary.LittleEndian, uint16(1))
	binary.Write(&tiff, binary.LittleEndian, []uint16{0x0112, 3})
	binary.Write(&tiff, binary.LittleEndian, uint32(1))
	binary.Write(&tiff, binary.LittleEndian, uint32(1))
	binary.Write(&tiff, binary.LittleEndian, uint32(0))
	tiff.WriteString(GPSMarker)
	payload := append([]byte("Exif\x00\x00"), tiff.Bytes()...)
	seg := []byte{0xFF, 0xE1, 0, 0}
	binary.BigEndian.PutUint16(seg[2:], uint16(len(payload)+2))
	seg = append(seg, payload...)
	out := append([]byte{}, jpg[:2]...)
	out = append(out, seg...)
	return append(out, jpg[2:]...)
}

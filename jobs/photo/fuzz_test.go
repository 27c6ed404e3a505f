package photo

import (
	"bytes"
	"errors"
	"testing"

	"lightbox/jobs/photo/phototest"
)

// FuzzDerive feeds arbitrary bytes to Derive, Selfie and Clean: none may
// panic, and every error must be one of the typed errors. More seeds are in
// testdata/fuzz/FuzzDerive.
func FuzzDerive(f *testing.F) {
	small := phototest.JPEG(quadrants(24, 16), 80)
	f.Add(small)
	f.Add(phototest.InsertSegments(small, phototest.ExifSegment(6, true), phototest.XMPSegment()))
	f.Add(phototest.InsertChunks(phototest.PNG(quadrants(12, 8)), phototest.Chunk("eXIf", phototest.ExifTIFF(8, false))))
	f.Add(phototest.PNGHeader(1<<16, 1<<16))
	f.Add([]byte("GIF89a"))
	// Small limits keep fuzzed inputs cheap to decode.
	fuzzLimits := Limits{MaxBytes: 1 << 20, MaxPixels: 1 << 20, MaxDimension: 2048}
	f.Fuzz(func(t *testing.T, b []byte) {
		check := func(entry string, err error) {
			if err != nil && !IsInputError(err) {
				t.Fatalf("%s: untyped error %v", entry, err)
			}
		}
		d, err := Derive(bytes.NewReader(b), Options{Watermark: "W", Limits: fuzzLimits})
		check("Derive", err)
		if err == nil {
			for _, out := range [][]byte{d.Thumb400, d.Thumb800, d.Watermarked} {
				decodeJPEG(t, out)
			}
		}
		_, err = Selfie(bytes.NewReader(b), fuzzLimits)
		check("Selfie", err)
		if errors.Is(err, ErrTooLarge) {
			return // Clean uses the default limits; keep the fuzzer fast
		}
		_, err = Clean(b)
		check("Clean", err)
	})
}

// FuzzOrientation feeds arbitrary bytes to the EXIF reader: it must not
// panic and must return a valid orientation. More seeds are in
// testdata/fuzz/FuzzOrientation.
func FuzzOrientation(f *testing.F) {
	f.Add(phototest.ExifTIFF(6, false))
	f.Add(phototest.ExifTIFF(3, true))
	f.Add([]byte("MM\x00*\x00\x00\x00\x08\xff\xff"))
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, o := range []int{tiffOrientation(b), exifOrientation(b), exifOrientation(append([]byte("Exif\x00\x00"), b...))} {
			if o < 1 || o > 8 {
				t.Fatalf("orientation %d out of range", o)
			}
		}
	})
}

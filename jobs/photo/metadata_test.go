package photo

import (
	"bytes"
	"fmt"
	"testing"

	"lightbox/jobs/photo/phototest"
)

// forbidden are byte strings that betray metadata in an output file.
var forbidden = []string{
	"Exif", "GPS", "http://ns.adobe.com/xap", "Photoshop 3.0", "8BIM",
	phototest.GPSMarker, "Jane", "LightboxTestCam", "MPF\x00", "Ducky",
}

func checkNoMetadata(tb testing.TB, name string, b []byte) {
	tb.Helper()
	if len(b) == 0 {
		tb.Errorf("%s is empty", name)
	}
	for _, s := range forbidden {
		if i := bytes.Index(b, []byte(s)); i >= 0 {
			tb.Errorf("%s contains %q at byte %d", name, s, i)
		}
	}
}

// withMetadata returns a photo-like JPEG with EXIF (orientation o, GPS),
// XMP, IPTC, a comment, MPF and vendor segments and an ICC profile, plus a
// preview image with its own EXIF appended after EOI as cameras do for MPF.
func withMetadata(tb testing.TB, o int, profile []byte) []byte {
	tb.Helper()
	segs := [][]byte{
		phototest.ExifSegment(o, false),
		phototest.XMPSegment(),
		phototest.IPTCSegment(),
		phototest.CommentSegment(),
		phototest.Segment(0xE2, []byte("MPF\x00MM\x00*\x00\x00\x00\x08")),
		phototest.Segment(0xEC, []byte("Ducky\x00\x01\x00\x04\x00\x00\x00\x50")),
	}
	segs = append(segs, phototest.ICCSegments(profile)...)
	main := phototest.InsertSegments(phototest.JPEG(phototest.Photo(900, 600, 3), 90), segs...)
	trailer := phototest.InsertSegments(phototest.JPEG(phototest.Photo(160, 120, 4), 80), phototest.ExifSegment(1, true))
	return append(main, trailer...)
}

// TestNoMetadataInOutputs checks that nothing a client can fetch carries
// EXIF, GPS, XMP or IPTC data (design invariant 2).
func TestNoMetadataInOutputs(t *testing.T) {
	t.Parallel()
	for _, o := range []int{1, 6} {
		t.Run(fmt.Sprint("orientation ", o), func(t *testing.T) {
			t.Parallel()
			src := withMetadata(t, o, phototest.ICCProfile("RGB ", 3144))
			for _, s := range forbidden[:3] { // the test input has them
				if !bytes.Contains(src, []byte(s)) {
					t.Fatalf("test input lacks %q", s)
				}
			}
			d := derive(t, src, Options{Watermark: "© Jane Photographer"})
			checkNoMetadata(t, "Thumb400", d.Thumb400)
			checkNoMetadata(t, "Thumb800", d.Thumb800)
			checkNoMetadata(t, "Watermarked", d.Watermarked)

			clean, err := Clean(src)
			if err != nil {
				t.Fatalf("Clean: %v", err)
			}
			checkNoMetadata(t, "Clean", clean)
			decodeJPEG(t, clean)

			selfie, err := Selfie(bytes.NewReader(src), Limits{})
			if err != nil {
				t.Fatalf("Selfie: %v", err)
			}
			checkNoMetadata(t, "Selfie", selfie)
		})
	}
}

// TestCleanKeepsICCProfile checks that the APP2 ICC_PROFILE segments come out
// of Clean byte for byte, when copying and when re-encoding, including a
// profile split over two segments.
func TestCleanKeepsICCProfile(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		orientation, size int
	}{{1, 3144}, {6, 3144}, {1, 90_000}, {8, 90_000}} {
		t.Run(fmt.Sprintf("orientation %d profile %d bytes", tc.orientation, tc.size), func(t *testing.T) {
			t.Parallel()
			want := phototest.ICCSegments(phototest.ICCProfile("RGB ", tc.size))
			clean, err := Clean(withMetadata(t, tc.orientation, phototest.ICCProfile("RGB ", tc.size)))
			if err != nil {
				t.Fatalf("Clean: %v", err)
			}
			var got [][]byte
			for _, s := range segmentsOf(t, clean) {
				if s.marker == markerAPP2 {
					got = append(got, s.raw)
				}
			}
			if len(got) != len(want) {
				t.Fatalf("Clean kept %d APP2 segments, want %d", len(got), len(want))
			}
			for i := range want {
				if !bytes.Equal(got[i], want[i]) {
					t.Errorf("ICC segment %d differs", i+1)
				}
			}
		})
	}
}

// TestCleanDropsMismatchedProfile checks that a CMYK profile is not put on
// the RGB JPEG that re-encoding produces.
func TestCleanDropsMismatchedProfile(t *testing.T) {
	t.Parallel()
	clean, err := Clean(withMetadata(t, 6, phototest.ICCProfile("CMYK", 500)))
	if err != nil {
		t.Fatalf("Clean: %v", err)
	}
	if bytes.Contains(clean, []byte("ICC_PROFILE")) {
		t.Error("a CMYK profile was kept on an RGB re-encode")
	}
}

// TestCleanLossless checks that Clean on orientation 1 copies the image
// bytes exactly: the output is the input minus the metadata segments and
// the appended trailer, and its scan data is identical.
func TestCleanLossless(t *testing.T) {
	t.Parallel()
	src := withMetadata(t, 1, phototest.ICCProfile("RGB ", 3144))
	clean, err := Clean(src)
	if err != nil {
		t.Fatalf("Clean: %v", err)
	}
	sos := bytes.Index(src, []byte{0xFF, markerSOS})
	eoi := bytes.LastIndex(src[:bytes.Index(src[2:], []byte{0xFF, markerSOI})+2], []byte{0xFF, markerEOI})
	if sos < 0 || eoi < sos {
		t.Fatal("test input has no scan")
	}
	if !bytes.HasSuffix(clean, src[sos:eoi+2]) {
		t.Error("the scan data (SOS to EOI) is not copied byte for byte")
	}

	var kept, want []byte
	for _, s := range segmentsOf(t, clean) {
		kept = append(kept, s.raw...)
	}
	for _, s := range segmentsOf(t, src) {
		switch {
		case s.marker == 0xE2 && !bytes.HasPrefix(s.payload, []byte("ICC_PROFILE\x00")):
		case s.marker == markerAPP1, s.marker == 0xEC, s.marker == 0xED, s.marker == markerCOM:
		default:
			want = append(want, s.raw...)
		}
	}
	if !bytes.Equal(kept, want) {
		t.Errorf("Clean output (%d bytes) is not the input minus its metadata segments (%d bytes)", len(kept), len(want))
	}
	if got := len(clean) - len(kept); got != 2 {
		t.Errorf("Clean output has %d bytes outside its segments, want only SOI", got)
	}
}

// TestCleanPNG checks that PNG text, time and eXIf chunks are dropped and
// the image and colour chunks kept byte for byte.
func TestCleanPNG(t *testing.T) {
	t.Parallel()
	plain := phototest.PNG(quadrants(120, 80))
	iccp := phototest.Chunk("iCCP", append([]byte("sRGB\x00\x00"), 0x78, 0x9c, 1, 2, 3))
	gama := phototest.Chunk("gAMA", []byte{0, 0, 0xB1, 0x8F})
	src := phototest.InsertChunks(plain,
		phototest.Chunk("eXIf", phototest.ExifTIFF(1, false)),
		iccp, gama,
		phototest.Chunk("tEXt", []byte("Author\x00Jane Photographer")),
		phototest.Chunk("zTXt", []byte("Comment\x00\x00x\x9c")),
		phototest.Chunk("iTXt", []byte("XML:com.adobe.xmp\x00\x00\x00\x00\x00"+phototest.GPSMarker)),
		phototest.Chunk("tIME", []byte{0x07, 0xE9, 6, 1, 12, 0, 0}),
	)
	clean, err := Clean(src)
	if err != nil {
		t.Fatalf("Clean: %v", err)
	}
	checkNoMetadata(t, "Clean PNG", clean)
	for _, typ := range []string{"eXIf", "tEXt", "zTXt", "iTXt", "tIME"} {
		if bytes.Contains(clean, []byte(typ)) {
			t.Errorf("Clean kept the %s chunk", typ)
		}
	}
	if want := phototest.InsertChunks(plain, iccp, gama); !bytes.Equal(clean, want) {
		t.Errorf("Clean PNG is not the plain image plus iCCP and gAMA (%d bytes, want %d)", len(clean), len(want))
	}
	checkUpright(t, "Clean PNG", decodePNG(t, clean))

	d := derive(t, src, Options{})
	checkNoMetadata(t, "Thumb400 from PNG", d.Thumb400)
}

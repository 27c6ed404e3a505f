package photo

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/gif"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"lightbox/jobs/photo/internal/jpeg"
	"lightbox/jobs/photo/phototest"
)

// jpegClaiming returns a small valid JPEG whose SOF0 header is rewritten to
// claim w×h pixels.
func jpegClaiming(tb testing.TB, w, h uint16) []byte {
	tb.Helper()
	b := phototest.JPEG(quadrants(16, 16), 80)
	i := bytes.Index(b, []byte{0xFF, 0xC0})
	if i < 0 {
		tb.Fatal("no SOF0 in test JPEG")
	}
	b[i+5], b[i+6] = byte(h>>8), byte(h)
	b[i+7], b[i+8] = byte(w>>8), byte(w)
	return b
}

// TestInputErrors checks that bad inputs get the right typed error, from
// every entry point, quickly and without panicking.
func TestInputErrors(t *testing.T) {
	t.Parallel()
	good := phototest.InsertSegments(phototest.JPEG(phototest.Photo(400, 300, 5), 85), phototest.ExifSegment(6, false))
	goodPNG := phototest.PNG(quadrants(40, 30))
	var gifBuf bytes.Buffer
	if err := gif.Encode(&gifBuf, image.NewPaletted(image.Rect(0, 0, 8, 8), color.Palette{color.Black, color.White}), nil); err != nil {
		t.Fatal(err)
	}
	random := make([]byte, 4096)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range random {
		random[i] = byte(rng.Uint32())
	}
	badCRC := bytes.Clone(goodPNG)
	badCRC[len(badCRC)-20] ^= 0xFF // inside the IDAT data

	for _, tc := range []struct {
		name   string
		input  []byte
		limits Limits
		want   error
		reason string
	}{
		{"truncated JPEG", good[:len(good)*2/3], Limits{}, ErrCorrupt, "The file is damaged or truncated"},
		{"JPEG cut inside its header", good[:40], Limits{}, ErrCorrupt, "The file is damaged or truncated"},
		{"truncated PNG", goodPNG[:len(goodPNG)-30], Limits{}, ErrCorrupt, "The file is damaged or truncated"},
		{"PNG with a bad checksum", badCRC, Limits{}, ErrCorrupt, "The file is damaged or truncated"},
		{"random bytes", random, Limits{}, ErrUnsupported, "Not a JPEG or PNG file (unrecognised file type)"},
		{"random bytes after a JPEG signature", append([]byte{0xFF, 0xD8, 0xFF}, random...), Limits{}, ErrCorrupt, "The file is damaged or truncated"},
		{"GIF", gifBuf.Bytes(), Limits{}, ErrUnsupported, "Not a JPEG or PNG file (it is a GIF)"},
		{"empty", nil, Limits{}, ErrCorrupt, "The file is damaged or truncated"},
		{"PNG bomb 100000x100000", phototest.PNGHeader(100_000, 100_000), Limits{}, ErrTooLarge,
			"Image is too large (100000×100000 pixels; the limit is 20000 pixels on each side)"},
		{"JPEG bomb 11000x11000", jpegClaiming(t, 11000, 11000), Limits{}, ErrTooLarge,
			"Image is too large (11000×11000 pixels; the limit is 100 megapixels)"},
		{"over MaxBytes", good, Limits{MaxBytes: 1 << 10}, ErrTooLarge, "Image is too large (the file is over the 1024 byte limit)"},
		{"over MaxPixels", good, Limits{MaxPixels: 100_000}, ErrTooLarge, "Image is too large (400×300 pixels; the limit is 100000 pixels)"},
		{"over MaxDimension", good, Limits{MaxDimension: 399}, ErrTooLarge, "Image is too large (400×300 pixels; the limit is 399 pixels on each side)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			check := func(entry string, err error) {
				t.Helper()
				if !errors.Is(err, tc.want) {
					t.Fatalf("%s: error %v, want %v", entry, err, tc.want)
				}
				if !IsInputError(err) {
					t.Errorf("%s: IsInputError(%v) = false", entry, err)
				}
				if got := Reason(err); got != tc.reason {
					t.Errorf("%s: Reason = %q, want %q", entry, got, tc.reason)
				}
			}
			start := time.Now()
			_, err := Derive(bytes.NewReader(tc.input), Options{Limits: tc.limits})
			check("Derive", err)
			_, err = Selfie(bytes.NewReader(tc.input), tc.limits)
			check("Selfie", err)
			if tc.limits == (Limits{}) {
				_, err = Clean(tc.input)
				check("Clean", err)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("took %v to refuse", d)
			}
		})
	}
}

// endless is a reader that never ends.
type endless struct{ n int64 }

func (e *endless) Read(p []byte) (int, error) {
	clear(p)
	e.n += int64(len(p))
	return len(p), nil
}

// TestReadIsCapped checks that Derive stops reading at MaxBytes+1.
func TestReadIsCapped(t *testing.T) {
	t.Parallel()
	r := &endless{}
	_, err := Derive(r, Options{Limits: Limits{MaxBytes: 1 << 20}})
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("error %v, want ErrTooLarge", err)
	}
	if r.n > 1<<20+64<<10 {
		t.Errorf("read %d bytes from a reader that never ends, limit 1 MiB", r.n)
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("connection reset") }

// TestReadErrorIsRetryable checks that an I/O error is not a typed error, so
// the job retries it.
func TestReadErrorIsRetryable(t *testing.T) {
	t.Parallel()
	_, err := Derive(io.MultiReader(strings.NewReader("\xFF\xD8"), failingReader{}), Options{})
	if err == nil || IsInputError(err) {
		t.Fatalf("error %v should be untyped", err)
	}
	if got := Reason(err); got != "The image could not be processed" {
		t.Errorf("Reason = %q", got)
	}
}

func TestReason(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		err  error
		want string
	}{
		{nil, ""},
		{ErrCorrupt, "The file is damaged or truncated"},
		{ErrUnsupported, "Not a JPEG or PNG file"},
		{ErrTooLarge, "Image is too large"},
		{tooLarge("14000×9000 pixels; the limit is 100 megapixels"), "Image is too large (14000×9000 pixels; the limit is 100 megapixels)"},
		{errors.Join(errors.New("process photo 7"), unsupported("it is a GIF")), "Not a JPEG or PNG file (it is a GIF)"},
		{decodeError(jpeg.UnsupportedError("arithmetic coding")), "This kind of JPEG is not supported (arithmetic coding)"},
		{errors.New("disk full"), "The image could not be processed"},
	} {
		if got := Reason(tc.err); got != tc.want {
			t.Errorf("Reason(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
}

// TestScanLimit checks that a JPEG with hundreds of scans, or thousands of
// segments, is refused before decoding: each scan can cost a pass over the
// whole image.
func TestScanLimit(t *testing.T) {
	t.Parallel()
	jpg := phototest.JPEG(quadrants(64, 64), 80)
	sos, eoi := bytes.Index(jpg, []byte{0xFF, 0xDA}), bytes.LastIndex(jpg, []byte{0xFF, 0xD9})
	bomb := append([]byte{}, jpg[:sos]...)
	for range maxScans + 1 {
		bomb = append(bomb, jpg[sos:eoi]...)
	}
	bomb = append(bomb, 0xFF, 0xD9)
	_, err := Derive(bytes.NewReader(bomb), Options{})
	if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "scans") {
		t.Fatalf("error %v, want ErrCorrupt about scans", err)
	}

	comments := bytes.Repeat(phototest.Segment(markerCOM, nil), maxSegments)
	_, err = Clean(phototest.InsertSegments(jpg, comments))
	if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "segments") {
		t.Fatalf("error %v, want ErrCorrupt about segments", err)
	}
}

// TestDecoderPanic checks that a panicking decoder gives ErrCorrupt.
func TestDecoderPanic(t *testing.T) {
	t.Parallel()
	_, err := safeDecode(func(io.Reader) (image.Image, error) { panic("index out of range") }, nil)
	if !errors.Is(err, ErrCorrupt) {
		t.Fatalf("error %v, want ErrCorrupt", err)
	}
}

package retina

import (
	"bytes"
	"context"
	"image"
	"image/jpeg"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"lightbox/jobs/retina/retinatest"

	xdraw "golang.org/x/image/draw"
)

const testKey = "retina-test-key"

// placed is a face to draw: a person in a square of side size at (x, y).
type placed struct{ person, x, y, size int }

// picture returns a w×h photo on a grey gradient with the given faces.
func picture(w, h int, faces ...placed) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		v := uint8(80 + 140*y/h)
		row := img.Pix[y*img.Stride : y*img.Stride+4*w]
		copy(row, []uint8{v, v, v, 255})
		for n := 4; n < len(row); n *= 2 {
			copy(row[n:], row[:n])
		}
	}
	for _, f := range faces {
		retinatest.DrawFace(img, image.Rect(f.x, f.y, f.x+f.size, f.y+f.size), f.person)
	}
	return img
}

func encodeJPEG(tb testing.TB, img image.Image) []byte {
	tb.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 80}); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// thumb800 does what the photo pipeline does before Cluster: decode, scale
// to 800 px wide, encode as JPEG.
func thumb800(tb testing.TB, jpg []byte) []byte {
	tb.Helper()
	src, err := jpeg.Decode(bytes.NewReader(jpg))
	if err != nil {
		tb.Fatal(err)
	}
	b := src.Bounds()
	dst := image.NewRGBA(image.Rect(0, 0, 800, b.Dy()*800/b.Dx()))
	xdraw.CatmullRom.Scale(dst, dst.Bounds(), src, b, xdraw.Src, nil)
	return encodeJPEG(tb, dst)
}

// selfieOf returns a JPEG selfie of person.
func selfieOf(tb testing.TB, person int) []byte {
	tb.Helper()
	return encodeJPEG(tb, picture(480, 640, placed{person: person, x: 120, y: 160, size: 240}))
}

// sleeper records the delays a client asks for, without waiting.
type sleeper struct {
	mu     sync.Mutex
	delays []time.Duration
}

func (s *sleeper) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delays = append(s.delays, d)
	return ctx.Err()
}

func (s *sleeper) got() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.delays...)
}

// clock is a settable clock for the breaker.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)} }

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// fakeRetina starts the fake and returns it with a client that records its
// sleeps instead of waiting.
func fakeRetina(tb testing.TB, opts ...Option) (*retinatest.Server, *Client, *sleeper) {
	tb.Helper()
	srv := retinatest.New(testKey)
	tb.Cleanup(srv.Close)
	s := &sleeper{}
	opts = append([]Option{WithSleep(s.sleep)}, opts...)
	return srv, New(srv.URL()+"/", testKey, opts...), s
}

// fixed starts a server that answers every request with status and body, and
// returns a client for it that does not retry.
func fixed(tb testing.TB, status int, body string) *Client {
	tb.Helper()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		w.Write([]byte(body))
	}))
	tb.Cleanup(ts.Close)
	return New(ts.URL, testKey, WithRetries(0, 0), WithBreaker(nil))
}

package retina

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestUnauthorizedIsPermanentAndNotRetried(t *testing.T) {
	srv, _, s := fakeRetina(t)
	c := New(srv.URL(), "wrong-key", WithSleep(s.sleep))
	_, err := c.Analyze(context.Background(), selfieOf(t, 1))
	var e *Error
	if !errors.As(err, &e) || e.Status != 401 || e.Op != "analyze" || !IsPermanent(err) || !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("err = %#v, want a permanent 401", err)
	}
	if want := "Retina rejected the API key (401): check RETINA_API_KEY"; !strings.Contains(err.Error(), want) {
		t.Errorf("message %q lacks %q", err, want)
	}
	if got := srv.Calls("/analyze"); got != 1 {
		t.Errorf("calls = %d, want 1", got)
	}
	if got := s.got(); len(got) != 0 {
		t.Errorf("slept %v", got)
	}
	if st := c.Breaker().State(); st != StateClosed {
		t.Errorf("breaker %s after a definitive answer", st)
	}
}

func TestServerErrorsAreRetriedWithGrowingBackoff(t *testing.T) {
	srv, c, s := fakeRetina(t)
	srv.Fail("/analyze", 500, 500)
	a, err := c.Analyze(context.Background(), selfieOf(t, 2))
	if err != nil || !a.Approved() {
		t.Fatalf("Analyze: %+v, %v", a, err)
	}
	if got := srv.Calls("/analyze"); got != 3 {
		t.Errorf("calls = %d, want 3", got)
	}
	d := s.got()
	if len(d) != 2 {
		t.Fatalf("sleeps %v, want 2", d)
	}
	if d[0] < 500*time.Millisecond || d[0] >= 750*time.Millisecond || d[1] < time.Second || d[1] >= 1500*time.Millisecond {
		t.Errorf("sleeps %v, want [500ms,750ms) then [1s,1.5s)", d)
	}
}

func TestRetriesExhausted(t *testing.T) {
	srv, c, s := fakeRetina(t)
	srv.Fail("/cluster", 503, 502, 504, 200)
	_, err := c.Cluster(context.Background(), selfieOf(t, 1), []Photo{{"p", selfieOf(t, 1)}})
	var e *Error
	if !errors.As(err, &e) || e.Status != 504 || !e.Temporary() || IsPermanent(err) {
		t.Fatalf("err = %v, want a temporary 504", err)
	}
	if srv.Calls("/cluster") != 3 || len(s.got()) != 2 {
		t.Errorf("calls %d, sleeps %v: want 3 calls, 2 sleeps", srv.Calls("/cluster"), s.got())
	}
}

func TestRateLimitedHonoursRetryAfter(t *testing.T) {
	srv, c, s := fakeRetina(t)
	srv.Fail("/analyze", 429)
	if _, err := c.Analyze(context.Background(), selfieOf(t, 1)); err != nil {
		t.Fatal(err)
	}
	if d := s.got(); len(d) != 1 || d[0] != time.Second {
		t.Errorf("sleeps %v, want [1s] from Retry-After", d)
	}
}

func TestUnprocessable(t *testing.T) {
	for _, status := range []int{413, 422} {
		srv, c, _ := fakeRetina(t)
		srv.Fail("/analyze", status)
		_, err := c.Analyze(context.Background(), selfieOf(t, 1))
		if !errors.Is(err, ErrUnprocessable) || !IsPermanent(err) {
			t.Errorf("%d: err = %v, want permanent ErrUnprocessable", status, err)
		}
		if srv.Calls("/analyze") != 1 {
			t.Errorf("%d: %d calls, want 1", status, srv.Calls("/analyze"))
		}
	}
	// The real thing: the fake cannot decode the bytes.
	_, c, _ := fakeRetina(t)
	if _, err := c.Analyze(context.Background(), []byte("not a jpeg")); !errors.Is(err, ErrUnprocessable) {
		t.Errorf("undecodable: %v", err)
	}
}

func TestTimeoutIsTemporary(t *testing.T) {
	release := make(chan struct{})
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(ts.Close)
	t.Cleanup(func() { close(release) })
	s := &sleeper{}
	c := New(ts.URL, testKey, WithTimeout(20*time.Millisecond), WithRetries(1, time.Millisecond), WithSleep(s.sleep))
	_, err := c.Analyze(context.Background(), selfieOf(t, 1))
	var e *Error
	if !errors.As(err, &e) || e.Status != 0 || !e.Temporary() || !strings.Contains(err.Error(), "no response within 20ms") {
		t.Fatalf("err = %v, want a temporary timeout", err)
	}
	if len(s.got()) != 1 {
		t.Errorf("sleeps %v, want one retry", s.got())
	}
}

func TestConnectionErrorIsTemporary(t *testing.T) {
	ts := httptest.NewServer(http.NotFoundHandler())
	ts.Close()
	c := New(ts.URL, testKey, WithRetries(0, 0))
	_, err := c.Analyze(context.Background(), selfieOf(t, 1))
	if err == nil || IsPermanent(err) || !strings.Contains(err.Error(), "connection failed") {
		t.Errorf("err = %v, want a temporary connection error", err)
	}
}

func TestCanceledContextStopsRetrying(t *testing.T) {
	srv, _, _ := fakeRetina(t)
	srv.Fail("/analyze", 500, 500)
	ctx, cancel := context.WithCancel(context.Background())
	c := New(srv.URL(), testKey, WithSleep(func(ctx context.Context, d time.Duration) error {
		cancel()
		return ctx.Err()
	}))
	_, err := c.Analyze(ctx, selfieOf(t, 1))
	if !errors.Is(err, context.Canceled) || IsPermanent(err) {
		t.Errorf("err = %v, want temporary context.Canceled", err)
	}
	if srv.Calls("/analyze") != 1 {
		t.Errorf("%d calls, want 1", srv.Calls("/analyze"))
	}
	if st := c.Breaker().State(); st != StateClosed {
		t.Errorf("breaker %s", st)
	}
}

func TestErrorsHoldNoImageBytes(t *testing.T) {
	img := selfieOf(t, 1)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(500)
		w.Write(img) // a broken proxy echoing the upload
	}))
	t.Cleanup(ts.Close)
	c := New(ts.URL, testKey, WithRetries(0, 0))
	_, err := c.Analyze(context.Background(), img)
	if err == nil || bytes.Contains([]byte(err.Error()), img[:64]) || len(err.Error()) > 200 {
		t.Errorf("err = %q", err)
	}
}

func TestBackoff(t *testing.T) {
	c := New("http://retina", testKey, WithRetries(10, 500*time.Millisecond))
	prev := time.Duration(0)
	for attempt := range 10 {
		d := c.backoff(attempt, 0)
		if d <= prev && d < maxDelay {
			t.Errorf("attempt %d: %v not above %v", attempt, d, prev)
		}
		if d > maxDelay*3/2 {
			t.Errorf("attempt %d: %v above the cap", attempt, d)
		}
		prev = d
	}
	if d := c.backoff(0, time.Hour); d != maxRetryAfter {
		t.Errorf("Retry-After of an hour gives %v, want the %v cap", d, maxRetryAfter)
	}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Duration{
		"3": 3 * time.Second, "": 0, "soon": 0, "-4": 0,
		now.Add(10 * time.Second).Format(http.TimeFormat): 10 * time.Second,
	} {
		if got := parseRetryAfter(in, now); got != want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", in, got, want)
		}
	}
}

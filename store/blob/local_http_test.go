package blob_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"lightbox/store/blob"
	"lightbox/store/blob/blobtest"
)

// newLocal returns a served Local store on a test clock.
func newLocal(t *testing.T) (*blob.Local, *testClock) {
	t.Helper()
	clock := &testClock{t: time.Date(2026, 5, 1, 12, 0, 0, 300_000_000, time.UTC)}
	l, _ := blobtest.NewLocalWithClock(t, clock.Now)
	return l, clock
}

// serve runs one request through the handler directly, so paths reach it
// exactly as written.
func serve(l *blob.Local, method, target string, body io.Reader) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, body)
	rec := httptest.NewRecorder()
	l.ServeHTTP(rec, req)
	return rec
}

// files lists the regular files under dir, relative to it.
func files(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestLocalGetHeaders(t *testing.T) {
	l, clock := newLocal(t)
	body := randBytes(1000)
	put(t, l, "photos/p/ph/watermarked.jpg", body, "image/jpeg")
	u := presignGet(t, l, "photos/p/ph/watermarked.jpg", 15*time.Minute, blob.GetOptions{})

	code, h, got := do(t, http.MethodGet, u, nil, nil, 0)
	if code != http.StatusOK || !bytes.Equal(got, body) {
		t.Fatalf("GET: %d", code)
	}
	want := map[string]string{
		"Content-Type":            "image/jpeg",
		"Content-Length":          "1000",
		"X-Content-Type-Options":  "nosniff",
		"Cache-Control":           "private, max-age=899",
		"Content-Security-Policy": "default-src 'none'; sandbox",
	}
	for k, v := range want {
		if h.Get(k) != v {
			t.Errorf("%s = %q, want %q", k, h.Get(k), v)
		}
	}

	clock.Add(10 * time.Minute)
	code, h, got = do(t, http.MethodGet, u, map[string]string{"Range": "bytes=10-19"}, nil, 0)
	if code != http.StatusPartialContent || !bytes.Equal(got, body[10:20]) {
		t.Errorf("ranged GET: %d, %d bytes", code, len(got))
	}
	if cc := h.Get("Cache-Control"); cc != "private, max-age=299" {
		t.Errorf("Cache-Control 10 minutes later = %q, want the 299 s left", cc)
	}
	code, h, got = do(t, http.MethodHead, u, nil, nil, 0)
	if code != http.StatusOK || len(got) != 0 || h.Get("Content-Length") != "1000" {
		t.Errorf("HEAD: %d, %d bytes, length %q", code, len(got), h.Get("Content-Length"))
	}
}

func TestLocalExpiryBoundary(t *testing.T) {
	l, clock := newLocal(t)
	put(t, l, "a.jpg", []byte("a"), "image/jpeg")
	u, exp, err := l.PresignGet(context.Background(), "a.jpg", time.Minute, blob.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	clock.Add(exp.Sub(clock.Now()) - time.Nanosecond)
	if code, h, _ := do(t, http.MethodGet, u, nil, nil, 0); code != http.StatusOK || h.Get("Cache-Control") != "private, max-age=0" {
		t.Errorf("just before expiresAt: %d %q", code, h.Get("Cache-Control"))
	}
	clock.Add(time.Nanosecond)
	if code, _, body := do(t, http.MethodGet, u, nil, nil, 0); code != http.StatusForbidden || string(body) != "forbidden\n" {
		t.Errorf("at expiresAt: %d %q, want 403 forbidden", code, body)
	}
}

func TestLocalTraversal(t *testing.T) {
	l, _ := newLocal(t)
	outside := filepath.Join(filepath.Dir(l.Dir()), "secret.txt")
	if err := os.WriteFile(outside, []byte("TOP SECRET"), 0o600); err != nil {
		t.Fatal(err)
	}
	put(t, l, "x.jpg", []byte("x"), "image/jpeg")
	signed, err := url.Parse(presignGet(t, l, "x.jpg", time.Minute, blob.GetOptions{}))
	if err != nil {
		t.Fatal(err)
	}
	q := "?" + signed.RawQuery
	paths := []string{
		"/blobs/../secret.txt",
		"/blobs/x/../../secret.txt",
		"/blobs/%2e%2e/secret.txt",
		"/blobs/%2E%2E%2Fsecret.txt",
		"/blobs/..%2fsecret.txt",
		"/blobs/..%5csecret.txt",
		"/blobs//etc/passwd",
		"/blobs/%2Fetc/passwd",
		"/blobs/x.jpg%00",
		"/blobs/./x.jpg",
		"/blobs/y/../x.jpg",
		"/blobs/x.jpg~type",
	}
	for _, p := range paths {
		for _, m := range []string{http.MethodGet, http.MethodPut} {
			rec := serve(l, m, p+q, strings.NewReader("evil"))
			if rec.Code != http.StatusForbidden || strings.Contains(rec.Body.String(), "SECRET") {
				t.Errorf("%s %s: %d %q, want 403", m, p, rec.Code, rec.Body)
			}
		}
	}
	if b, _ := os.ReadFile(outside); string(b) != "TOP SECRET" {
		t.Errorf("file outside the store changed: %q", b)
	}
	if got := files(t, l.Dir()); len(got) != 2 { // x.jpg and its sidecar
		t.Errorf("store holds %v after refused requests", got)
	}
}

func TestLocalPutBodyMismatch(t *testing.T) {
	l, _ := newLocal(t)
	up := presignPut(t, l, "photos/p/ph/original.jpg", "image/jpeg", 100, time.Minute)
	u, _ := url.Parse(up.URL)
	// The handler checks the size it reads, whatever Content-Length said.
	for _, tt := range []struct {
		n    int
		want int
	}{{150, http.StatusRequestEntityTooLarge}, {50, http.StatusBadRequest}} {
		req := httptest.NewRequest(http.MethodPut, u.RequestURI(), bytes.NewReader(randBytes(tt.n)))
		req.ContentLength = 100
		for k, v := range up.Headers {
			req.Header.Set(k, v)
		}
		rec := httptest.NewRecorder()
		l.ServeHTTP(rec, req)
		if rec.Code != tt.want {
			t.Errorf("body of %d bytes for 100: %d, want %d", tt.n, rec.Code, tt.want)
		}
	}
	if got := files(t, l.Dir()); len(got) != 0 {
		t.Errorf("refused uploads left files: %v", got)
	}
	assertAbsent(t, l, "photos/p/ph/original.jpg")
}

func TestLocalRoutes(t *testing.T) {
	l, _ := newLocal(t)
	for _, tt := range []struct {
		method, target string
		want           int
	}{
		{http.MethodDelete, "/blobs/x.jpg", http.StatusMethodNotAllowed},
		{http.MethodPost, "/blobs/x.jpg", http.StatusMethodNotAllowed},
		{http.MethodGet, "/elsewhere/x.jpg", http.StatusNotFound},
		{http.MethodGet, "/blobs/x.jpg", http.StatusForbidden},
		{http.MethodGet, "/blobs/x.jpg?exp=99999999999&sig=00", http.StatusForbidden},
		{http.MethodGet, "/blobs/x.jpg?exp=-1&sig=00", http.StatusForbidden},
	} {
		if rec := serve(l, tt.method, tt.target, nil); rec.Code != tt.want {
			t.Errorf("%s %s: %d, want %d", tt.method, tt.target, rec.Code, tt.want)
		}
	}
}

func TestLocalServerError(t *testing.T) {
	l, _ := newLocal(t)
	var logged bytes.Buffer
	l.Log = slog.New(slog.NewTextHandler(&logged, nil))
	put(t, l, "a.jpg", []byte("a"), "image/jpeg")
	// "a.jpg" is a file, so "a.jpg/b.jpg" cannot be created.
	up := presignPut(t, l, "a.jpg/b.jpg", "image/jpeg", 1, time.Minute)
	code, _, body := do(t, up.Method, up.URL, up.Headers, strings.NewReader("b"), 1)
	if code != http.StatusInternalServerError || string(body) != "internal error\n" {
		t.Errorf("PUT: %d %q, want 500 without details", code, body)
	}
	if !strings.Contains(logged.String(), "a.jpg/b.jpg") {
		t.Errorf("failure not logged: %q", logged.String())
	}
}

func TestLocalPresignChecks(t *testing.T) {
	l, _ := newLocal(t)
	ctx := context.Background()
	for name, f := range map[string]func() error{
		"zero ttl":        func() error { _, err := l.PresignPut(ctx, "a.jpg", "image/jpeg", 1, 0); return err },
		"ttl over 7 days": func() error { _, _, err := l.PresignGet(ctx, "a.jpg", 8*24*time.Hour, blob.GetOptions{}); return err },
		"negative size":   func() error { _, err := l.PresignPut(ctx, "a.jpg", "image/jpeg", -1, time.Minute); return err },
		"no content type": func() error { _, err := l.PresignPut(ctx, "a.jpg", "", 1, time.Minute); return err },
		"bad content type": func() error {
			_, err := l.PresignPut(ctx, "a.jpg", "image/jpeg\r\nX-Evil: 1", 1, time.Minute)
			return err
		},
	} {
		if f() == nil {
			t.Errorf("%s: no error", name)
		}
	}
	up := presignPut(t, l, "a.jpg", "image/jpeg", 1, time.Minute)
	if !strings.HasPrefix(up.URL, "http://127.0.0.1:") || !strings.Contains(up.URL, "/blobs/a.jpg?exp=") {
		t.Errorf("URL = %s", up.URL)
	}
	exp, _ := strconv.ParseInt(url.Values(must(url.ParseQuery(up.URL[strings.IndexByte(up.URL, '?')+1:]))).Get("exp"), 10, 64)
	if exp != up.ExpiresAt.Unix() {
		t.Errorf("exp %d differs from expiresAt %v", exp, up.ExpiresAt)
	}
}

// must returns v or panics on err.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

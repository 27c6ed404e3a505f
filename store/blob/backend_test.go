package blob_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"net/http"
	"net/url"
	"sync"
	"syscall"
	"testing"
	"time"

	"lightbox/store/blob"
	"lightbox/store/blob/blobtest"
)

// backend is one Store under test with what the shared cases need to know
// about it.
type backend struct {
	store blob.Store
	// now is the store's clock.
	now func() time.Time
	// elapse lets d pass for the store's URLs: a clock step for Local, a
	// real wait for S3, whose signer reads the wall clock.
	elapse func(d time.Duration)
	// sigParam is the query parameter that carries the signature.
	sigParam string
	// filenameParam is the query parameter that carries the download name.
	filenameParam string
}

// openLocal serves a Local store with a test clock.
func openLocal(t *testing.T) backend {
	clock := &testClock{t: time.Now()}
	l, _ := blobtest.NewLocalWithClock(t, clock.Now)
	return backend{store: l, now: clock.Now, elapse: clock.Add, sigParam: "sig", filenameParam: "filename"}
}

// openS3 starts versitygw and opens an S3 store on a fresh bucket.
func openS3(t *testing.T) backend {
	s := newS3(t, blobtest.StartS3(t))
	return backend{store: s, now: time.Now, elapse: time.Sleep, sigParam: "X-Amz-Signature", filenameParam: "response-content-disposition"}
}

// newS3 opens an S3 store for cfg.
func newS3(t testing.TB, cfg blob.S3Config) *blob.S3 {
	t.Helper()
	s, err := blob.NewS3(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// testClock is a settable clock, safe for concurrent use.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

// Now returns the current test time.
func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Add moves the clock forward by d.
func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// randBytes returns n random bytes.
func randBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

// do sends one HTTP request and returns the status, headers and body. A
// request the server cut off while its body was still being sent (S3
// refuses without reading the rest) returns status 0: no object was made.
func do(t testing.TB, method, rawURL string, header map[string]string, body io.Reader, size int64) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, rawURL, body)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.ContentLength = size
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil && body != nil && isConnCut(err) {
		t.Logf("%s: connection cut by the server: %v", method, err)
		return 0, nil, nil
	}
	if err != nil {
		t.Fatalf("%s %s: %v", method, rawURL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, b
}

// isConnCut reports whether err means the server closed the connection.
func isConnCut(err error) bool {
	return errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}

// upload performs a presigned upload with its headers and returns the status.
func upload(t testing.TB, up blob.Upload, body []byte) int {
	t.Helper()
	code, _, _ := do(t, up.Method, up.URL, up.Headers, bytes.NewReader(body), int64(len(body)))
	return code
}

// presignPut presigns an upload or fails the test.
func presignPut(t testing.TB, s blob.Store, key, contentType string, size int64, ttl time.Duration) blob.Upload {
	t.Helper()
	up, err := s.PresignPut(context.Background(), key, contentType, size, ttl)
	if err != nil {
		t.Fatalf("PresignPut(%q): %v", key, err)
	}
	return up
}

// presignGet presigns a download or fails the test.
func presignGet(t testing.TB, s blob.Store, key string, ttl time.Duration, opts blob.GetOptions) string {
	t.Helper()
	u, _, err := s.PresignGet(context.Background(), key, ttl, opts)
	if err != nil {
		t.Fatalf("PresignGet(%q): %v", key, err)
	}
	return u
}

// put stores body under key or fails the test.
func put(t testing.TB, s blob.Store, key string, body []byte, contentType string) {
	t.Helper()
	if err := s.Put(context.Background(), key, bytes.NewReader(body), int64(len(body)), contentType); err != nil {
		t.Fatalf("Put(%q): %v", key, err)
	}
}

// mustGet reads key or fails the test.
func mustGet(t testing.TB, s blob.Store, key string) []byte {
	t.Helper()
	rc, err := s.Get(context.Background(), key)
	if err != nil {
		t.Fatalf("Get(%q): %v", key, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("read %q: %v", key, err)
	}
	return b
}

// assertAbsent fails the test unless key is missing, by Stat and by Get.
func assertAbsent(t testing.TB, s blob.Store, key string) {
	t.Helper()
	if info, err := s.Stat(context.Background(), key); !errors.Is(err, blob.ErrNotFound) {
		t.Errorf("Stat(%q) = %+v, %v; want ErrNotFound", key, info, err)
	}
	rc, err := s.Get(context.Background(), key)
	if err == nil {
		rc.Close()
	}
	if !errors.Is(err, blob.ErrNotFound) {
		t.Errorf("Get(%q) = %v, want ErrNotFound", key, err)
	}
}

// withQuery returns rawURL with one query parameter changed by f (deleted
// when f returns "").
func withQuery(t testing.TB, rawURL, param string, f func(string) string) string {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if _, ok := q[param]; !ok {
		t.Fatalf("URL %s has no %s parameter", rawURL, param)
	}
	if v := f(q.Get(param)); v != "" {
		q.Set(param, v)
	} else {
		q.Del(param)
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// flipLast changes the last hex digit of s.
func flipLast(s string) string {
	last := s[len(s)-1]
	if last == '0' {
		return s[:len(s)-1] + "1"
	}
	return s[:len(s)-1] + "0"
}

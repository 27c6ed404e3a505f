package blobtest_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"lightbox/store/blob"
	"lightbox/store/blob/blobtest"
)

func TestNewLocal(t *testing.T) {
	l, srv := blobtest.NewLocal(t)
	up, err := l.PresignPut(context.Background(), "a/b.jpg", "image/jpeg", 3, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(up.URL, srv.URL+"/blobs/a/b.jpg?") {
		t.Fatalf("URL %s is not on the test server %s", up.URL, srv.URL)
	}
	req, _ := http.NewRequest(up.Method, up.URL, bytes.NewReader([]byte("abc")))
	for k, v := range up.Headers {
		req.Header.Set(k, v)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("PUT: %d", resp.StatusCode)
	}
	u, _, err := l.PresignGet(context.Background(), "a/b.jpg", time.Minute, blob.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	resp, err = srv.Client().Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if b, _ := io.ReadAll(resp.Body); resp.StatusCode != http.StatusOK || string(b) != "abc" {
		t.Errorf("GET: %d %q", resp.StatusCode, b)
	}
}

func TestStartS3(t *testing.T) {
	a, b := blobtest.StartS3(t), blobtest.StartS3(t)
	if a.Endpoint == b.Endpoint || a.Bucket == b.Bucket {
		t.Errorf("two servers share %s/%s", a.Endpoint, a.Bucket)
	}
	if !strings.HasPrefix(a.Endpoint, "http://127.0.0.1:") || a.Region != "auto" {
		t.Errorf("config = %+v, want loopback and region auto", a)
	}
	s, err := blob.NewS3(context.Background(), a)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Ping(context.Background()); err != nil {
		t.Errorf("Ping: %v", err)
	}
	// The server verifies signatures.
	wrong := a
	wrong.SecretAccessKey = "wrong"
	_, err = blobtest.S3Client(wrong).HeadBucket(context.Background(), &s3.HeadBucketInput{Bucket: &a.Bucket})
	if err == nil || !strings.Contains(err.Error(), "403") {
		t.Errorf("HeadBucket with a wrong secret = %v, want 403", err)
	}
}

// outcome records how a helper ended a test.
type outcome struct {
	testing.TB
	skipped, failed string
}

// Helper does nothing.
func (o *outcome) Helper() {}

// Skip records the message and ends the goroutine, like testing.T.
func (o *outcome) Skip(args ...any) { o.skipped = fmt.Sprint(args...); runtime.Goexit() }

// Fatal records the message and ends the goroutine, like testing.T.
func (o *outcome) Fatal(args ...any) { o.failed = fmt.Sprint(args...); runtime.Goexit() }

// run calls f with o in its own goroutine, as the testing package would.
func (o *outcome) run(f func(tb testing.TB)) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		f(o)
	}()
	<-done
}

func TestStartS3WithoutBinary(t *testing.T) {
	empty := t.TempDir()
	t.Setenv("PATH", empty)
	t.Setenv("GOPATH", empty)

	t.Setenv("CI", "")
	o := &outcome{TB: t}
	o.run(func(tb testing.TB) { blobtest.StartS3(tb) })
	if !strings.Contains(o.skipped, "go install github.com/versity/versitygw/cmd/versitygw@v1.8.0") || o.failed != "" {
		t.Errorf("without CI: skipped %q, failed %q; want a skip that says how to install", o.skipped, o.failed)
	}

	t.Setenv("CI", "true")
	o = &outcome{TB: t}
	o.run(func(tb testing.TB) { blobtest.StartS3(tb) })
	if o.failed == "" || o.skipped != "" {
		t.Errorf("in CI: skipped %q, failed %q; want a failure", o.skipped, o.failed)
	}
}

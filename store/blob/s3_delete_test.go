package blob

import (
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
)

// fakeDeleteObjects is an S3 endpoint that answers DeleteObjects only. It
// records the size of every call and reports a per-key error for keys
// containing "locked" (AccessDenied) or "gone" (NoSuchKey), inside a 200
// answer, as S3 does.
type fakeDeleteObjects struct {
	mu    sync.Mutex
	calls []int
}

// ServeHTTP answers one DeleteObjects request.
func (f *fakeDeleteObjects) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || !r.URL.Query().Has("delete") {
		http.Error(w, "unexpected request", http.StatusNotImplemented)
		return
	}
	var in struct {
		Objects []struct{ Key string } `xml:"Object"`
	}
	if err := xml.NewDecoder(r.Body).Decode(&in); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	f.calls = append(f.calls, len(in.Objects))
	f.mu.Unlock()
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><DeleteResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">`)
	for _, o := range in.Objects {
		switch {
		case strings.Contains(o.Key, "locked"):
			fmt.Fprintf(&b, "<Error><Key>%s</Key><Code>AccessDenied</Code><Message>Access Denied</Message></Error>", o.Key)
		case strings.Contains(o.Key, "gone"):
			fmt.Fprintf(&b, "<Error><Key>%s</Key><Code>NoSuchKey</Code><Message>missing</Message></Error>", o.Key)
		}
	}
	b.WriteString("</DeleteResult>")
	w.Header().Set("Content-Type", "application/xml")
	io.WriteString(w, b.String())
}

func TestS3DeleteBatches(t *testing.T) {
	fake := &fakeDeleteObjects{}
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	s, err := NewS3(context.Background(), S3Config{Endpoint: srv.URL, AccessKeyID: "AK", SecretAccessKey: "SK", Bucket: "b"})
	if err != nil {
		t.Fatal(err)
	}
	keys := make([]string, 2500)
	for i := range keys {
		keys[i] = fmt.Sprintf("photos/p/%04d/original.jpg", i)
	}
	keys[1500] = "photos/p/gone/original.jpg"
	if err := s.Delete(context.Background(), keys...); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if want := []int{1000, 1000, 500}; !reflect.DeepEqual(fake.calls, want) {
		t.Errorf("DeleteObjects calls carried %v keys, want %v", fake.calls, want)
	}

	fake.calls = nil
	err = s.Delete(context.Background(), "photos/a.jpg", "photos/locked.jpg", "photos/b.jpg")
	if err == nil || !strings.Contains(err.Error(), "photos/locked.jpg: AccessDenied") {
		t.Errorf("Delete with a per-key failure = %v, want it reported", err)
	}
	if n, err := s.deleteBatch(context.Background(), keys[:3]); n != 3 || err != nil {
		t.Errorf("deleteBatch = %d, %v", n, err)
	}
	if _, err := s.deleteBatch(context.Background(), make([]string, 1001)); err == nil {
		t.Error("deleteBatch took 1001 keys")
	}
	if err := s.Delete(context.Background()); err != nil || len(fake.calls) != 2 {
		t.Errorf("Delete of nothing = %v after %d calls, want no call", err, len(fake.calls))
	}
}

func TestCORSMatch(t *testing.T) {
	tests := []struct {
		pattern, s string
		want       bool
	}{
		{"*", "https://a.example.com", true},
		{"https://*.example.com", "https://a.example.com", true},
		{"https://*.example.com", "https://example.com", false},
		{"https://*.example.com", "https://a.example.com.evil.org", false},
		{"https://a.example.com", "https://a.example.com", true},
		{"https://a.example.com", "https://a.example.com:8443", false},
		{"content-*", "content-type", true},
	}
	for _, tt := range tests {
		if got := wildcardMatch(tt.pattern, tt.s); got != tt.want {
			t.Errorf("wildcardMatch(%q, %q) = %v", tt.pattern, tt.s, got)
		}
	}
	if o, err := originOf("HTTPS://Photos.Example.com:8443/app/?x=1"); err != nil || o != "https://photos.example.com:8443" {
		t.Errorf("originOf = %q, %v", o, err)
	}
}

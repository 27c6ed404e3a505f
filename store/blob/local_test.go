package blob_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"lightbox/store/blob"
)

func TestNewLocalChecks(t *testing.T) {
	secret := []byte("0123456789abcdef")
	for name, tt := range map[string]struct {
		base   string
		secret []byte
	}{
		"short secret":     {"http://localhost:8080", []byte("short")},
		"relative base":    {"/blobs", secret},
		"ftp base":         {"ftp://example.com", secret},
		"base with query":  {"https://example.com/?a=b", secret},
		"base with anchor": {"https://example.com/#x", secret},
	} {
		if _, err := blob.NewLocal(t.TempDir(), tt.base, tt.secret); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	l, err := blob.NewLocal(filepath.Join(t.TempDir(), "new", "dir"), "https://photos.example.com/", secret)
	if err != nil {
		t.Fatal(err)
	}
	if l.Name() != "local" {
		t.Errorf("Name = %q", l.Name())
	}
	up := presignPut(t, l, "a.jpg", "image/jpeg", 1, time.Minute)
	if !strings.HasPrefix(up.URL, "https://photos.example.com/blobs/a.jpg?") {
		t.Errorf("URL = %s", up.URL)
	}
}

// With no base URL the signed URLs are relative, so a page loads them from
// the host it was opened at, and they keep the signature's contract.
func TestLocalRelativeURLs(t *testing.T) {
	l, err := blob.NewLocal(t.TempDir(), "", []byte("0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(l)
	defer srv.Close()
	up := presignPut(t, l, "a.jpg", "image/jpeg", 3, time.Minute)
	if !strings.HasPrefix(up.URL, "/blobs/a.jpg?exp=") {
		t.Fatalf("PUT URL = %s, want a relative /blobs/ URL", up.URL)
	}
	if code, _, body := do(t, up.Method, srv.URL+up.URL, up.Headers, strings.NewReader("abc"), 3); code != 200 {
		t.Fatalf("PUT: %d %s", code, body)
	}
	get, _, err := l.PresignGet(context.Background(), "a.jpg", time.Minute, blob.GetOptions{Filename: "a.jpg"})
	if err != nil || !strings.HasPrefix(get, "/blobs/a.jpg?exp=") {
		t.Fatalf("GET URL = %s, %v", get, err)
	}
	if code, _, body := do(t, "GET", srv.URL+get, nil, nil, -1); code != 200 || string(body) != "abc" {
		t.Errorf("GET: %d %q", code, body)
	}
	if code, _, _ := do(t, "GET", srv.URL+strings.Replace(get, "sig=", "sig=0", 1), nil, nil, -1); code != 403 {
		t.Errorf("tampered relative URL: %d, want 403", code)
	}
}

func TestLocalSidecar(t *testing.T) {
	l, _ := newLocal(t)
	// The API takes PNG uploads under original.jpg: the type is stored, not guessed.
	put(t, l, "photos/p/ph/original.jpg", []byte("png bytes"), "image/png")
	data, err := os.ReadFile(filepath.Join(l.Dir(), "photos", "p", "ph", "original.jpg"))
	if err != nil || string(data) != "png bytes" {
		t.Fatalf("data file: %q, %v", data, err)
	}
	meta, err := os.ReadFile(filepath.Join(l.Dir(), "photos", "p", "ph", "original.jpg~type"))
	if err != nil || string(meta) != "image/png\n" {
		t.Fatalf("sidecar: %q, %v", meta, err)
	}
	if info, err := l.Stat(context.Background(), "photos/p/ph/original.jpg"); err != nil || info.ContentType != "image/png" {
		t.Errorf("Stat = %+v, %v", info, err)
	}
	// A file copied in by hand, without a sidecar, gets its extension's type.
	if err := os.WriteFile(filepath.Join(l.Dir(), "photos", "p", "ph", "thumb-400.jpg"), []byte("jpg"), 0o600); err != nil {
		t.Fatal(err)
	}
	if info, err := l.Stat(context.Background(), "photos/p/ph/thumb-400.jpg"); err != nil || info != (blob.Info{Size: 3, ContentType: "image/jpeg"}) {
		t.Errorf("Stat without sidecar = %+v, %v", info, err)
	}
	// A directory is not an object.
	assertAbsent(t, l, "photos/p")
	assertAbsent(t, l, "photos/p/ph/original.jpg/x")
}

func TestLocalDeleteCleansUp(t *testing.T) {
	l, clock := newLocal(t)
	ctx := context.Background()
	put(t, l, "photos/p1/ph1/original.jpg", []byte("a"), "image/jpeg")
	put(t, l, "photos/p2/ph1/original.jpg", []byte("b"), "image/jpeg")
	if err := l.Delete(ctx, "photos/p1/ph1/original.jpg"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(l.Dir(), "photos", "p1")); !os.IsNotExist(err) {
		t.Errorf("empty directories left after Delete: %v", err)
	}

	// Leftovers of a crash under the prefix: an orphaned sidecar and temporary files.
	dir := filepath.Join(l.Dir(), "photos", "p2", "ph2")
	if err := os.MkdirAll(dir, 0o750); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"original.jpg~type", ".put~OLD", ".put~FRESH"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	old := clock.Now().Add(-48 * time.Hour)
	if err := os.Chtimes(filepath.Join(dir, ".put~OLD"), old, old); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(filepath.Join(dir, ".put~FRESH"), clock.Now(), clock.Now()); err != nil {
		t.Fatal(err)
	}
	n, err := l.DeletePrefix(ctx, "photos/p2/")
	if n != 1 || err != nil {
		t.Fatalf("DeletePrefix = %d, %v; want 1", n, err)
	}
	got := files(t, l.Dir())
	if len(got) != 1 || got[0] != "photos/p2/ph2/.put~FRESH" {
		t.Errorf("files left: %v, want only the fresh temporary file (an upload in flight)", got)
	}
}

func TestLocalConcurrentPuts(t *testing.T) {
	l, _ := newLocal(t)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 5 {
				body := []byte(strings.Repeat(fmt.Sprint(i), 100+i))
				if err := l.Put(context.Background(), "selfies/u/1.jpg", strings.NewReader(string(body)), int64(len(body)), fmt.Sprintf("image/x-%d", i)); err != nil {
					t.Errorf("Put %d/%d: %v", i, j, err)
				}
			}
		})
	}
	wg.Wait()
	got := mustGet(t, l, "selfies/u/1.jpg")
	info, err := l.Stat(context.Background(), "selfies/u/1.jpg")
	if err != nil {
		t.Fatal(err)
	}
	// Data and type come from the same writer.
	i := int(got[0] - '0')
	if info.ContentType != fmt.Sprintf("image/x-%d", i) || len(got) != 100+i || info.Size != int64(len(got)) {
		t.Errorf("object %q... (%d bytes) has %+v", got[:3], len(got), info)
	}
	if files := files(t, l.Dir()); len(files) != 2 {
		t.Errorf("files = %v, want the object and its sidecar", files)
	}
}

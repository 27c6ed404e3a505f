package blob_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"lightbox/store/blob"
)

// contract is the behaviour both backends share, run against each.
var contract = []struct {
	name string
	run  func(t *testing.T, b backend)
}{
	{"presigned put then get round trip", testRoundTrip},
	{"presigned get as attachment", testAttachment},
	{"put with another content type is refused", testWrongContentType},
	{"put with another size is refused", testWrongSize},
	{"a presigned put writes once", testPutOnce},
	{"tampered urls are refused", testTampered},
	{"expired urls are refused", testExpired},
	{"put get stat", testPutGetStat},
	{"missing objects", testMissing},
	{"invalid keys are refused", testInvalidKeys},
	{"delete and delete prefix beyond 1000 objects", testBulkDelete},
}

func TestContract(t *testing.T) {
	backends := []struct {
		name string
		open func(t *testing.T) backend
	}{
		{"local", openLocal},
		{"s3", openS3},
	}
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) {
			t.Parallel()
			b := be.open(t)
			for _, c := range contract {
				t.Run(c.name, func(t *testing.T) { c.run(t, b) })
			}
		})
	}
}

func testRoundTrip(t *testing.T, b backend) {
	key, body := "photos/p1/ph1/original.jpg", randBytes(70_001)
	before := b.now().Truncate(time.Second)
	up := presignPut(t, b.store, key, "image/jpeg", int64(len(body)), 15*time.Minute)
	if up.Method != http.MethodPut {
		t.Errorf("method = %q", up.Method)
	}
	if len(up.Headers) != 2 || up.Headers["Content-Type"] != "image/jpeg" || up.Headers["If-None-Match"] != "*" {
		t.Errorf("headers = %v, want only Content-Type and If-None-Match: *", up.Headers)
	}
	if up.ExpiresAt.Before(before.Add(15*time.Minute)) || up.ExpiresAt.After(b.now().Add(15*time.Minute)) {
		t.Errorf("expiresAt = %v, want about %v", up.ExpiresAt, before.Add(15*time.Minute))
	}
	if code := upload(t, up, body); code != http.StatusOK {
		t.Fatalf("upload: %d", code)
	}

	u, exp, err := b.store.PresignGet(context.Background(), key, 15*time.Minute, blob.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if exp.Before(before.Add(15*time.Minute)) || exp.After(b.now().Add(15*time.Minute)) {
		t.Errorf("expiresAt = %v, want about %v", exp, before.Add(15*time.Minute))
	}
	code, h, got := do(t, http.MethodGet, u, nil, nil, 0)
	if code != http.StatusOK || !bytes.Equal(got, body) {
		t.Fatalf("download: %d, %d bytes, equal %v", code, len(got), bytes.Equal(got, body))
	}
	if ct := h.Get("Content-Type"); ct != "image/jpeg" {
		t.Errorf("Content-Type = %q", ct)
	}
	if cd := h.Get("Content-Disposition"); cd != "" {
		t.Errorf("Content-Disposition = %q without a filename", cd)
	}
	if got := mustGet(t, b.store, key); !bytes.Equal(got, body) {
		t.Error("Get returned other bytes")
	}
	info, err := b.store.Stat(context.Background(), key)
	if err != nil || info != (blob.Info{Size: int64(len(body)), ContentType: "image/jpeg"}) {
		t.Errorf("Stat = %+v, %v", info, err)
	}
}

// A presigned PUT cannot replace what it (or anything else) stored: the
// second PUT of the same URL, or one without its If-None-Match, is refused
// and the first upload stays.
func testPutOnce(t *testing.T, b backend) {
	key, first, second := "selfies/u1/1.jpg", randBytes(1000), randBytes(1000)
	up := presignPut(t, b.store, key, "image/jpeg", 1000, 15*time.Minute)
	if code := upload(t, up, first); code != http.StatusOK {
		t.Fatalf("first upload: %d", code)
	}
	if code := upload(t, up, second); code != http.StatusPreconditionFailed {
		t.Errorf("second upload: %d, want 412", code)
	}
	bare := blob.Upload{Method: up.Method, URL: up.URL, Headers: map[string]string{"Content-Type": "image/jpeg"}}
	if code := upload(t, bare, second); code == http.StatusOK {
		t.Errorf("upload without If-None-Match: %d, want it refused", code)
	}
	if got := mustGet(t, b.store, key); !bytes.Equal(got, first) {
		t.Error("the first upload was replaced")
	}
}

func testAttachment(t *testing.T, b backend) {
	key := "archives/p1/pu1/photos.zip"
	put(t, b.store, key, []byte("zip bytes"), "application/zip")
	u := presignGet(t, b.store, key, time.Minute, blob.GetOptions{Filename: "photo-001.jpg"})
	code, h, got := do(t, http.MethodGet, u, nil, nil, 0)
	if code != http.StatusOK || string(got) != "zip bytes" {
		t.Fatalf("download: %d %q", code, got)
	}
	if cd := h.Get("Content-Disposition"); cd != "attachment; filename=photo-001.jpg" {
		t.Errorf("Content-Disposition = %q", cd)
	}
}

func testWrongContentType(t *testing.T, b backend) {
	key, body := "photos/p1/ct/original.jpg", randBytes(100)
	up := presignPut(t, b.store, key, "image/jpeg", 100, time.Minute)
	for _, ct := range []string{"image/png", "text/html", "image/jpeg; charset=utf-8"} {
		code, _, _ := do(t, up.Method, up.URL, map[string]string{"Content-Type": ct}, bytes.NewReader(body), 100)
		if code != http.StatusForbidden {
			t.Errorf("Content-Type %s: %d, want 403", ct, code)
		}
	}
	code, _, _ := do(t, up.Method, up.URL, nil, bytes.NewReader(body), 100)
	if code != http.StatusForbidden {
		t.Errorf("no Content-Type: %d, want 403", code)
	}
	assertAbsent(t, b.store, key)
}

func testWrongSize(t *testing.T, b backend) {
	key := "photos/p1/size/original.jpg"
	up := presignPut(t, b.store, key, "image/jpeg", 100, time.Minute)
	refused := func(code int) bool {
		return code == http.StatusForbidden || code == http.StatusRequestEntityTooLarge || code == 0
	}
	if code := upload(t, up, randBytes(101)); !refused(code) {
		t.Errorf("larger body: %d, want 403 or 413", code)
	}
	if code := upload(t, up, randBytes(10_000)); !refused(code) {
		t.Errorf("much larger body: %d, want 403 or 413", code)
	}
	if code := upload(t, up, randBytes(99)); !refused(code) && code != http.StatusBadRequest {
		t.Errorf("smaller body: %d, want a refusal", code)
	}
	// Without a Content-Length (chunked), the signed size cannot match.
	code, _, _ := do(t, up.Method, up.URL, up.Headers, io.MultiReader(bytes.NewReader(randBytes(100))), -1)
	if !refused(code) && code != http.StatusLengthRequired && code != http.StatusNotImplemented {
		t.Errorf("chunked body: %d, want a refusal", code)
	}
	assertAbsent(t, b.store, key)
}

func testTampered(t *testing.T, b backend) {
	key, other := "photos/p1/tamper/original.jpg", "photos/p1/tamper/secret01.jpg"
	put(t, b.store, other, []byte("not yours"), "image/jpeg")
	body := randBytes(64)

	up := presignPut(t, b.store, key, "image/jpeg", 64, time.Minute)
	putURLs := map[string]string{
		"other key":       strings.Replace(up.URL, "/original.jpg", "/secret01.jpg", 1),
		"other signature": withQuery(t, up.URL, b.sigParam, flipLast),
		"no signature":    withQuery(t, up.URL, b.sigParam, func(string) string { return "" }),
		"no query":        up.URL[:strings.IndexByte(up.URL, '?')],
	}
	for name, u := range putURLs {
		code, _, _ := do(t, up.Method, u, up.Headers, bytes.NewReader(body), 64)
		if code != http.StatusForbidden && !(name == "no signature" && code == http.StatusBadRequest) {
			// S3 answers query auth with a part missing as malformed: 400.
			t.Errorf("PUT with %s: %d, want 403", name, code)
		}
	}
	assertAbsent(t, b.store, key)
	if got := mustGet(t, b.store, other); string(got) != "not yours" {
		t.Errorf("other object changed to %q", got)
	}

	put(t, b.store, key, body, "image/jpeg")
	get := presignGet(t, b.store, key, time.Minute, blob.GetOptions{Filename: "a.jpg"})
	// The same URL, re-encoded but not changed, still works.
	if code, _, _ := do(t, http.MethodGet, withQuery(t, get, b.sigParam, func(s string) string { return s }), nil, nil, 0); code != http.StatusOK {
		t.Fatalf("re-encoded GET: %d", code)
	}
	getURLs := map[string]string{
		"other key":       strings.Replace(get, "/original.jpg", "/secret01.jpg", 1),
		"other signature": withQuery(t, get, b.sigParam, flipLast),
		"other filename":  withQuery(t, get, b.filenameParam, func(s string) string { return strings.Replace(s, "a.jpg", "b.exe", 1) }),
		"no filename":     withQuery(t, get, b.filenameParam, func(string) string { return "" }),
		"no query":        get[:strings.IndexByte(get, '?')],
	}
	for name, u := range getURLs {
		code, _, got := do(t, http.MethodGet, u, nil, nil, 0)
		if code != http.StatusForbidden && !(name == "no signature" && code == http.StatusBadRequest) ||
			bytes.Contains(got, []byte("not yours")) || bytes.Equal(got, body) {
			t.Errorf("GET with %s: %d, want 403 and no content", name, code)
		}
	}
	// A download URL does not upload.
	if code, _, _ := do(t, http.MethodPut, get, up.Headers, bytes.NewReader(body), 64); code != http.StatusForbidden {
		t.Errorf("PUT with a GET URL: %d, want 403", code)
	}
}

func testExpired(t *testing.T, b backend) {
	key, body := "photos/p1/expired/original.jpg", randBytes(10)
	up := presignPut(t, b.store, key, "image/jpeg", 10, time.Second)
	put(t, b.store, "photos/p1/expired/thumb-400.jpg", body, "image/jpeg")
	get := presignGet(t, b.store, "photos/p1/expired/thumb-400.jpg", time.Second, blob.GetOptions{})
	b.elapse(2100 * time.Millisecond)
	if code := upload(t, up, body); code != http.StatusForbidden {
		t.Errorf("expired PUT: %d, want 403", code)
	}
	if code, _, got := do(t, http.MethodGet, get, nil, nil, 0); code != http.StatusForbidden || bytes.Equal(got, body) {
		t.Errorf("expired GET: %d, want 403", code)
	}
	assertAbsent(t, b.store, key)
}

func testPutGetStat(t *testing.T, b backend) {
	ctx, key := context.Background(), "selfies/u1/1717171717.jpg"
	put(t, b.store, key, []byte("first"), "image/jpeg")
	put(t, b.store, key, []byte("second version"), "image/png")
	if got := mustGet(t, b.store, key); string(got) != "second version" {
		t.Errorf("Get = %q", got)
	}
	info, err := b.store.Stat(ctx, key)
	if err != nil || info != (blob.Info{Size: 14, ContentType: "image/png"}) {
		t.Errorf("Stat = %+v, %v", info, err)
	}
	// A reader that cannot seek is streamed.
	r := io.MultiReader(strings.NewReader("streamed "), strings.NewReader("body"))
	if err := b.store.Put(ctx, "selfies/u1/stream.jpg", r, 13, "image/jpeg"); err != nil {
		t.Fatalf("Put from a stream: %v", err)
	}
	if got := mustGet(t, b.store, "selfies/u1/stream.jpg"); string(got) != "streamed body" {
		t.Errorf("Get = %q", got)
	}
	// A body shorter or longer than its size stores nothing.
	if err := b.store.Put(ctx, "selfies/u1/short.jpg", strings.NewReader("12345"), 10, "image/jpeg"); err == nil {
		t.Error("Put of 5 bytes announced as 10 succeeded")
	}
	if err := b.store.Put(ctx, "selfies/u1/long.jpg", io.MultiReader(strings.NewReader("123456789012")), 10, "image/jpeg"); err == nil {
		t.Error("Put of 12 bytes announced as 10 succeeded")
	}
	assertAbsent(t, b.store, "selfies/u1/short.jpg")
	assertAbsent(t, b.store, "selfies/u1/long.jpg")
	if err := b.store.Delete(ctx, key); err != nil {
		t.Fatal(err)
	}
	assertAbsent(t, b.store, key)
	if got := mustGet(t, b.store, "selfies/u1/stream.jpg"); string(got) != "streamed body" {
		t.Errorf("Delete removed a sibling: %q", got)
	}
}

func testMissing(t *testing.T, b backend) {
	key := "photos/p1/none/original.jpg"
	assertAbsent(t, b.store, key)
	if err := b.store.Delete(context.Background(), key, "photos/p1/none/thumb-400.jpg"); err != nil {
		t.Errorf("Delete of missing keys: %v", err)
	}
	u := presignGet(t, b.store, key, time.Minute, blob.GetOptions{})
	if code, _, _ := do(t, http.MethodGet, u, nil, nil, 0); code != http.StatusNotFound {
		t.Errorf("GET of a missing object: %d, want 404", code)
	}
}

func testInvalidKeys(t *testing.T, b backend) {
	ctx := context.Background()
	for _, key := range []string{"../x", "a/../../b", "/etc/passwd", `a\b`, "a//b", "a\x00b", ""} {
		errs := map[string]error{}
		_, errs["PresignPut"] = b.store.PresignPut(ctx, key, "image/jpeg", 1, time.Minute)
		_, _, errs["PresignGet"] = b.store.PresignGet(ctx, key, time.Minute, blob.GetOptions{})
		errs["Put"] = b.store.Put(ctx, key, strings.NewReader("x"), 1, "image/jpeg")
		_, errs["Get"] = b.store.Get(ctx, key)
		_, errs["Stat"] = b.store.Stat(ctx, key)
		errs["Delete"] = b.store.Delete(ctx, "photos/ok.jpg", key)
		_, errs["DeletePrefix"] = b.store.DeletePrefix(ctx, key)
		for op, err := range errs {
			if !errors.Is(err, blob.ErrInvalidKey) {
				t.Errorf("%s(%q) = %v, want ErrInvalidKey", op, key, err)
			}
		}
	}
}

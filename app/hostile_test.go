package app_test

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"

	"lightbox/app/apptest"
	"lightbox/store"
	"lightbox/store/blob"
)

func TestHostileInput(t *testing.T) {
	env := apptest.New(t, apptest.Options{NoRetina: true})
	op := env.Operator("op@example.com")
	prj := op.Project("Fair")

	t.Run("oversized JSON body", func(t *testing.T) {
		big := []byte(`{"emails":["` + strings.Repeat("a", 3<<20) + `"]}`)
		if r := op.Do("POST", "/v1/projects/"+prj+"/invites", big); r.Status != 413 {
			t.Errorf("3 MB body: %d, want 413", r.Status)
		}
	})
	t.Run("malformed JSON", func(t *testing.T) {
		r := op.Do("POST", "/v1/projects", []byte(`{"name":`))
		if r.Status != 400 || !strings.Contains(string(r.Body), `"code":"bad_request"`) {
			t.Errorf("%d %s", r.Status, r.Body)
		}
	})
	t.Run("path traversal in ids", func(t *testing.T) {
		for _, p := range []string{
			"/v1/projects/..%2f..%2fetc/photos/x/complete",
			"/v1/projects/" + prj + "/photos/..%2F..%2Fsecret/complete",
			"/v1/projects/%2e%2e/photos",
		} {
			if r := op.Do("POST", p, nil); r.Status != 404 {
				t.Errorf("POST %s: %d, want 404", p, r.Status)
			}
		}
	})
	t.Run("upload limits are enforced server-side", func(t *testing.T) {
		cases := []map[string]any{
			{"filename": "a.gif", "contentType": "image/gif", "size": 10},
			{"filename": "a.jpg", "contentType": "image/jpeg", "size": 0},
			{"filename": "a.jpg", "contentType": "image/jpeg", "size": 51 << 20},
			{"filename": "a.jpg", "contentType": "text/html", "size": 10},
		}
		for _, f := range cases {
			if r := op.Do("POST", "/v1/projects/"+prj+"/photos", map[string]any{"files": []any{f}}); r.Status != 400 {
				t.Errorf("%v: %d, want 400", f, r.Status)
			}
		}
		// The signed URL holds the size: a bigger body is refused.
		var out struct {
			Items []struct {
				ID     string
				Upload struct {
					Method, URL string
					Headers     map[string]string
				}
			}
		}
		op.MustJSON("POST", "/v1/projects/"+prj+"/photos", map[string]any{"files": []any{map[string]any{"filename": "../../x.jpg", "contentType": "image/jpeg", "size": 10}}}, 201, &out)
		up := out.Items[0].Upload
		if strings.Contains(up.URL, "x.jpg") {
			t.Errorf("the object key uses the file name: %s", up.URL)
		}
		if st := op.Upload(toUpload(up.Method, up.URL, up.Headers), bytes.Repeat([]byte("x"), 11)); st < 400 {
			t.Errorf("oversized PUT: %d", st)
		}
		if st := op.Upload(toUpload(up.Method, strings.Replace(up.URL, "sig=", "sig=0", 1), up.Headers), bytes.Repeat([]byte("x"), 10)); st != 403 {
			t.Errorf("tampered signature: %d, want 403", st)
		}
		op.MustJSON("POST", "/v1/projects/"+prj+"/photos/"+out.Items[0].ID+"/complete", nil, 409, nil)
	})
	t.Run("errors never show internals", func(t *testing.T) {
		r := op.Do("GET", "/v1/nope", nil)
		if r.Status != 404 || strings.Contains(string(r.Body), "goroutine") {
			t.Errorf("%d %s", r.Status, r.Body)
		}
	})
	t.Run("metrics need an operator", func(t *testing.T) {
		if r := env.Anonymous().Do("GET", "/metrics", nil); r.Status != 401 {
			t.Errorf("anonymous /metrics: %d", r.Status)
		}
		r := op.Do("GET", "/metrics", nil)
		if r.Status != 200 || !strings.Contains(string(r.Body), "lightbox_http_request_duration_seconds_bucket") || !strings.Contains(string(r.Body), "lightbox_queue_depth") {
			t.Errorf("metrics: %d %.300s", r.Status, r.Body)
		}
	})
	t.Run("health reports the queue", func(t *testing.T) {
		var h struct {
			Status string
			Queue  struct{ Backlog int }
		}
		env.Anonymous().MustJSON("GET", "/v1/health", nil, 200, &h)
		if h.Status != "ok" {
			t.Errorf("health %+v", h)
		}
	})
}

// An upload URL writes once: after the photo or selfie was sent and
// completed, the same URL cannot swap the file (412), whatever is sent.
func TestUploadURLsWriteOnce(t *testing.T) {
	env := apptest.New(t, apptest.Options{NoRetina: true})
	op := env.Operator("op@example.com")
	prj := op.Project("Fair")
	c, _ := member(t, env, prj, "guest@example.com")
	swap := func(up blob.Upload, size int, key string, was []byte) {
		t.Helper()
		if st := c.Upload(up, bytes.Repeat([]byte{0xFF}, size)); st != 412 {
			t.Errorf("second PUT of %s: %d, want 412", key, st)
		}
		got, err := env.Blobs.Get(context.Background(), key)
		if err != nil {
			t.Fatal(err)
		}
		defer got.Close()
		if b, _ := io.ReadAll(got); !bytes.Equal(b, was) {
			t.Errorf("%s was replaced", key)
		}
	}

	jpg := apptest.Photo(t, 1)
	var ph struct {
		Items []struct {
			ID     string
			Upload blob.Upload
		}
	}
	op.MustJSON("POST", "/v1/projects/"+prj+"/photos", map[string]any{"files": []map[string]any{{"filename": "a.jpg", "contentType": "image/jpeg", "size": len(jpg)}}}, 201, &ph)
	up := ph.Items[0].Upload
	if st := op.Upload(up, jpg); st != 200 {
		t.Fatalf("photo upload: %d", st)
	}
	op.MustJSON("POST", "/v1/projects/"+prj+"/photos/"+ph.Items[0].ID+"/complete", nil, 202, nil)
	env.WaitJobs()
	swap(up, len(jpg), store.PhotoKey(prj, ph.Items[0].ID, "original.jpg"), jpg)

	selfie := apptest.Selfie(t, 1)
	var sf struct {
		ID     string
		Upload blob.Upload
	}
	c.MustJSON("POST", "/v1/selfies", map[string]any{"contentType": "image/jpeg", "size": len(selfie)}, 201, &sf)
	if st := c.Upload(sf.Upload, selfie); st != 200 {
		t.Fatalf("selfie upload: %d", st)
	}
	c.MustJSON("POST", "/v1/selfies/"+sf.ID+"/complete", nil, 202, nil)
	s, err := env.DB.SelfieByID(context.Background(), sf.ID)
	if err != nil {
		t.Fatal(err)
	}
	swap(sf.Upload, len(selfie), s.Key, selfie)
}

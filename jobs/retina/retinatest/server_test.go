package retinatest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
)

const key = "test-key"

func newServer(tb testing.TB) *Server {
	tb.Helper()
	s := New(key)
	tb.Cleanup(s.Close)
	return s
}

func decodeBody(tb testing.TB, resp *http.Response, v any) {
	tb.Helper()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		tb.Fatal(err)
	}
}

func TestAnalyze(t *testing.T) {
	s := newServer(t)
	tests := []struct {
		name      string
		img       []byte
		detected  bool
		score     float64
		reason    string
		embedding []float32
	}{
		{"one face", encodeJPEG(t, picture(600, 800, placed{person: 4, x: 150, y: 200, size: 300}), 85), true, 0.97, "", Embedding(4)},
		{"no face", encodeJPEG(t, picture(600, 800), 85), false, 0, "no_face", nil},
		{"two faces", encodeJPEG(t, picture(600, 800, placed{person: 1, x: 20, y: 20, size: 200}, placed{person: 2, x: 300, y: 400, size: 200}), 85), true, 0.5, "multiple_faces", nil},
		{"small face", encodeJPEG(t, picture(600, 800, placed{person: 1, x: 20, y: 20, size: 80}), 85), true, 0.6, "face_too_small", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := post(t, s.URL()+"/analyze", key, file{"image", "selfie.jpg", tt.img})
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d", resp.StatusCode)
			}
			var got struct {
				FaceDetected    bool      `json:"faceDetected"`
				Score           float64   `json:"score"`
				Embedding       []float32 `json:"embedding"`
				RejectionReason *string   `json:"rejectionReason"`
			}
			decodeBody(t, resp, &got)
			reason := ""
			if got.RejectionReason != nil {
				reason = *got.RejectionReason
			}
			if got.FaceDetected != tt.detected || got.Score != tt.score || reason != tt.reason || !slices.Equal(got.Embedding, tt.embedding) {
				t.Errorf("got %v %v %q (embedding %d), want %v %v %q", got.FaceDetected, got.Score, reason, len(got.Embedding), tt.detected, tt.score, tt.reason)
			}
		})
	}
}

func TestCluster(t *testing.T) {
	s := newServer(t)
	selfie := encodeJPEG(t, picture(600, 800, placed{person: 1, x: 150, y: 200, size: 300}), 85)
	p1 := encodeJPEG(t, picture(800, 600, placed{person: 1, x: 100, y: 100, size: 100}, placed{person: 2, x: 500, y: 300, size: 120}), 80)
	p2 := encodeJPEG(t, picture(800, 600), 80)
	resp := post(t, s.URL()+"/cluster", key, file{"selfie", "selfie.jpg", selfie}, file{"photos", "p_a", p1}, file{"photos", "p_b", p2})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	var got struct {
		SelfieClusterID *string `json:"selfieClusterId"`
		Faces           []struct {
			PhotoID   string     `json:"photoId"`
			ClusterID string     `json:"clusterId"`
			Score     float64    `json:"score"`
			Box       [4]float64 `json:"box"`
		} `json:"faces"`
	}
	decodeBody(t, resp, &got)
	if got.SelfieClusterID == nil || *got.SelfieClusterID != "c1" {
		t.Fatalf("selfieClusterId %v, want c1", got.SelfieClusterID)
	}
	var summary []string
	for _, f := range got.Faces {
		summary = append(summary, fmt.Sprintf("%s/%s/%v", f.PhotoID, f.ClusterID, f.Score))
	}
	if want := []string{"p_a/c1/0.98", "p_a/c2/0.98"}; !slices.Equal(summary, want) {
		t.Errorf("faces %v, want %v", summary, want)
	}
	if b := got.Faces[0].Box; b[0] < 95 || b[0] > 105 || b[2] < 95 || b[2] > 110 {
		t.Errorf("box %v, want about [100 100 100 100]", b)
	}
	reqs := s.Requests()
	if len(reqs) != 1 || reqs[0].Path != "/cluster" || reqs[0].APIKey != key || reqs[0].Photos != 2 ||
		!slices.Equal(reqs[0].PhotoIDs, []string{"p_a", "p_b"}) || reqs[0].Status != 200 {
		t.Errorf("recorded %+v", reqs)
	}

	// No face in the selfie: null cluster id.
	resp = post(t, s.URL()+"/cluster", key, file{"selfie", "s.jpg", p2}, file{"photos", "p_a", p1})
	var none map[string]any
	decodeBody(t, resp, &none)
	if v, ok := none["selfieClusterId"]; !ok || v != nil {
		t.Errorf("selfieClusterId %v (present %v), want null", v, ok)
	}
}

func TestErrors(t *testing.T) {
	s := newServer(t)
	img := encodeJPEG(t, picture(100, 100), 80)
	photos := func(n int) []file {
		fs := []file{{"selfie", "s.jpg", img}}
		for i := range n {
			fs = append(fs, file{"photos", fmt.Sprintf("p%d", i), img})
		}
		return fs
	}
	tests := []struct {
		name  string
		path  string
		key   string
		files []file
		want  int
	}{
		{"wrong key", "/analyze", "nope", []file{{"image", "a.jpg", img}}, 401},
		{"no key", "/cluster", "", photos(1), 401},
		{"missing image", "/analyze", key, []file{{"selfie", "a.jpg", img}}, 400},
		{"two images", "/analyze", key, []file{{"image", "a.jpg", img}, {"image", "b.jpg", img}}, 400},
		{"no photos", "/cluster", key, photos(0), 400},
		{"51 photos", "/cluster", key, photos(51), 400},
		{"undecodable", "/analyze", key, []file{{"image", "a.jpg", []byte("not an image")}}, 422},
		{"undecodable photo", "/cluster", key, append(photos(1), file{"photos", "bad", []byte{0xff, 0xd8}}), 422},
		{"over 10 MB", "/analyze", key, []file{{"image", "a.jpg", bytes.Repeat([]byte{0}, 10<<20+1)}}, 413},
		{"unknown path", "/detect", key, []file{{"image", "a.jpg", img}}, 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if resp := post(t, s.URL()+tt.path, tt.key, tt.files...); resp.StatusCode != tt.want {
				t.Errorf("status %d, want %d", resp.StatusCode, tt.want)
			}
		})
	}
	t.Run("not multipart", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPost, s.URL()+"/analyze", strings.NewReader("{}"))
		req.Header.Set("x-api-key", key)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 400 {
			t.Errorf("status %d, want 400", resp.StatusCode)
		}
	})
	t.Run("GET", func(t *testing.T) {
		resp, err := http.Get(s.URL() + "/analyze")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 405 {
			t.Errorf("status %d, want 405", resp.StatusCode)
		}
	})
	if got := s.Calls("/cluster"); got != 4 {
		t.Errorf("Calls(/cluster) = %d, want 4", got)
	}
	if r := s.Requests()[5]; r.Photos != 51 || len(r.PhotoIDs) != 51 || r.Status != 400 {
		t.Errorf("51-photo request recorded as %d photos, status %d", r.Photos, r.Status)
	}
}

func TestFail(t *testing.T) {
	s := newServer(t)
	s.Fail("/analyze", 500, 429)
	s.Fail("cluster", 503)
	img := encodeJPEG(t, picture(100, 100), 80)
	var got []int
	for range 3 {
		resp := post(t, s.URL()+"/analyze", "any key: scripted failures come first", file{"image", "a.jpg", img})
		got = append(got, resp.StatusCode)
		if resp.StatusCode == 429 && resp.Header.Get("Retry-After") != "1" {
			t.Errorf("429 without Retry-After: 1")
		}
	}
	if !slices.Equal(got, []int{500, 429, 401}) {
		t.Errorf("statuses %v, want [500 429 401]", got)
	}
	if resp := post(t, s.URL()+"/cluster", key, file{"selfie", "s", img}, file{"photos", "p", img}); resp.StatusCode != 503 {
		t.Errorf("cluster status %d, want 503", resp.StatusCode)
	}
	if resp := post(t, s.URL()+"/cluster", key, file{"selfie", "s", img}, file{"photos", "p", img}); resp.StatusCode != 200 {
		t.Errorf("cluster status %d after the script ran out, want 200", resp.StatusCode)
	}
	if s.Calls("/analyze") != 3 || s.Calls("/cluster") != 2 {
		t.Errorf("calls %d/%d, want 3/2", s.Calls("/analyze"), s.Calls("/cluster"))
	}
}

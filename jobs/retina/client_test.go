package retina

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"lightbox/jobs/retina/retinatest"
)

func TestAnalyze(t *testing.T) {
	srv, c, _ := fakeRetina(t)
	tests := []struct {
		name     string
		img      []byte
		detected bool
		score    float64
		reason   string
		person   int // when approved
	}{
		{"one face", selfieOf(t, 3), true, 0.97, "", 3},
		{"no face", encodeJPEG(t, picture(480, 640)), false, 0, ReasonNoFace, 0},
		{"multiple faces", encodeJPEG(t, picture(480, 640, placed{1, 20, 20, 150}, placed{2, 250, 300, 150})), true, 0.5, ReasonMultipleFaces, 0},
		{"face too small", encodeJPEG(t, picture(480, 640, placed{1, 20, 20, 60})), true, 0.6, ReasonFaceTooSmall, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := c.Analyze(context.Background(), tt.img)
			if err != nil {
				t.Fatal(err)
			}
			if a.FaceDetected != tt.detected || a.Score != tt.score || a.RejectionReason != tt.reason {
				t.Errorf("got %v %v %q, want %v %v %q", a.FaceDetected, a.Score, a.RejectionReason, tt.detected, tt.score, tt.reason)
			}
			if a.Approved() != (tt.reason == "") {
				t.Errorf("Approved() = %v", a.Approved())
			}
			var want []float32
			if tt.reason == "" {
				want = retinatest.Embedding(tt.person)
			}
			if !slices.Equal(a.Embedding, want) {
				t.Errorf("embedding of %d floats, want person %d's", len(a.Embedding), tt.person)
			}
		})
	}
	for _, r := range srv.Requests() {
		if r.Path != "/analyze" || r.APIKey != testKey || r.Status != 200 {
			t.Errorf("request %+v", r)
		}
	}
}

func TestClusterMatches(t *testing.T) {
	srv, c, _ := fakeRetina(t)
	// Full-size photos, sent as the 800 px thumbnails.
	shots := map[string][]placed{
		"p_both":    {{1, 130, 200, 200}, {2, 800, 260, 170}},
		"p_one":     {{1, 600, 130, 260}},
		"p_two":     {{2, 70, 70, 230}},
		"p_nobody":  nil,
		"p_one_far": {{1, 1000, 600, 60}},
		"p_others":  {{2, 200, 200, 130}, {5, 600, 200, 130}},
	}
	var photos []Photo
	for _, id := range []string{"p_both", "p_one", "p_two", "p_nobody", "p_one_far", "p_others"} {
		photos = append(photos, Photo{ID: id, JPEG: thumb800(t, encodeJPEG(t, picture(1200, 800, shots[id]...)))})
	}

	cl, err := c.Cluster(context.Background(), selfieOf(t, 1), photos)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := cl.Matches(), []string{"p_both", "p_one", "p_one_far"}; !slices.Equal(got, want) {
		t.Errorf("Matches() = %v, want %v (faces %+v)", got, want, cl.Faces)
	}
	cl2, err := c.Cluster(context.Background(), selfieOf(t, 2), photos)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := cl2.Matches(), []string{"p_both", "p_two", "p_others"}; !slices.Equal(got, want) {
		t.Errorf("person 2: Matches() = %v, want %v", got, want)
	}
	cl3, err := c.Cluster(context.Background(), encodeJPEG(t, picture(480, 640)), photos)
	if err != nil {
		t.Fatal(err)
	}
	if cl3.SelfieClusterID != "" || cl3.Matches() != nil || len(cl3.Faces) != 7 {
		t.Errorf("faceless selfie: cluster %q, matches %v, %d faces", cl3.SelfieClusterID, cl3.Matches(), len(cl3.Faces))
	}

	r := srv.Requests()[0]
	if r.Path != "/cluster" || r.APIKey != testKey || r.Photos != 6 || r.PhotoIDs[0] != "p_both" || r.PhotoIDs[5] != "p_others" {
		t.Errorf("request %+v", r)
	}
}

func TestMatches(t *testing.T) {
	cl := Clustering{SelfieClusterID: "c7", Faces: []Face{
		{PhotoID: "a", ClusterID: "c7"}, {PhotoID: "b", ClusterID: "c2"},
		{PhotoID: "a", ClusterID: "c7"}, {PhotoID: "c", ClusterID: "c7"},
	}}
	if got := cl.Matches(); !slices.Equal(got, []string{"a", "c"}) {
		t.Errorf("Matches() = %v", got)
	}
	cl.SelfieClusterID = ""
	if got := cl.Matches(); got != nil {
		t.Errorf("no selfie cluster: Matches() = %v", got)
	}
}

func TestClusterRefusesBeforeSending(t *testing.T) {
	srv, c, _ := fakeRetina(t)
	img := encodeJPEG(t, picture(64, 64, placed{1, 16, 16, 32}))
	n := func(count int) []Photo {
		ps := make([]Photo, count)
		for i := range ps {
			ps[i] = Photo{ID: fmt.Sprintf("p%d", i), JPEG: img}
		}
		return ps
	}
	tests := []struct {
		name   string
		selfie []byte
		photos []Photo
	}{
		{"no photos", img, nil},
		{"51 photos", img, n(51)},
		{"empty selfie", nil, n(1)},
		{"duplicate id", img, []Photo{{"p", img}, {"p", img}}},
		{"empty id", img, []Photo{{"", img}}},
		{"slash in id", img, []Photo{{"a/b", img}}},
		{"quote in id", img, []Photo{{`a"b`, img}}},
		{"newline in id", img, []Photo{{"a\r\nb", img}}},
		{"empty photo", img, []Photo{{"p", nil}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.Cluster(context.Background(), tt.selfie, tt.photos)
			if !errors.Is(err, ErrInvalidRequest) || !IsPermanent(err) {
				t.Errorf("err = %v, want a permanent ErrInvalidRequest", err)
			}
		})
	}
	if _, err := c.Analyze(context.Background(), nil); !errors.Is(err, ErrInvalidRequest) {
		t.Errorf("Analyze(nil): %v", err)
	}
	if got := len(srv.Requests()); got != 0 {
		t.Errorf("%d requests sent, want 0", got)
	}
	// 50 is fine.
	if _, err := c.Cluster(context.Background(), img, n(50)); err != nil {
		t.Errorf("50 photos: %v", err)
	}
}

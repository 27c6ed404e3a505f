package retina

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// embedding returns a JSON array of n floats.
func embedding(n int, last string) string {
	vals := make([]string, n)
	for i := range vals {
		vals[i] = fmt.Sprint(0.01 * float64(i%7))
	}
	if n > 0 && last != "" {
		vals[n-1] = last
	}
	return "[" + strings.Join(vals, ",") + "]"
}

func TestAnalyzeResponses(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		invalid bool
		reason  string // when valid
	}{
		{"approved", `{"faceDetected":true,"score":0.95,"embedding":` + embedding(512, "") + `,"rejectionReason":null}`, false, ""},
		{"approved at 0.9", `{"faceDetected":true,"score":0.9,"embedding":` + embedding(512, "") + `}`, false, ""},
		{"approved, 511 floats", `{"faceDetected":true,"score":0.95,"embedding":` + embedding(511, "") + `}`, true, ""},
		{"approved, 513 floats", `{"faceDetected":true,"score":0.95,"embedding":` + embedding(513, "") + `}`, true, ""},
		{"approved, no embedding", `{"faceDetected":true,"score":0.95,"embedding":null}`, true, ""},
		{"approved, float32 overflow", `{"faceDetected":true,"score":0.95,"embedding":` + embedding(512, "1e39") + `}`, true, ""},
		{"approved, float64 overflow", `{"faceDetected":true,"score":0.95,"embedding":` + embedding(512, "1e400") + `}`, true, ""},
		{"approved, string in embedding", `{"faceDetected":true,"score":0.95,"embedding":` + embedding(512, `"x"`) + `}`, true, ""},
		{"low score, null reason", `{"faceDetected":true,"score":0.89,"embedding":` + embedding(512, "") + `,"rejectionReason":null}`, false, ReasonLowQuality},
		{"low score, short embedding is fine", `{"faceDetected":true,"score":0.6,"embedding":[],"rejectionReason":"face_too_small"}`, false, ReasonFaceTooSmall},
		{"no face, no reason", `{"faceDetected":false,"score":0}`, false, ReasonLowQuality},
		{"no face", `{"faceDetected":false,"score":0,"rejectionReason":"no_face"}`, false, ReasonNoFace},
		{"unknown reason", `{"faceDetected":false,"score":0.2,"rejectionReason":"blurry"}`, false, ReasonLowQuality},
		{"multiple", `{"faceDetected":true,"score":0.5,"rejectionReason":"multiple_faces"}`, false, ReasonMultipleFaces},
		{"score above 1", `{"faceDetected":true,"score":1.5,"embedding":` + embedding(512, "") + `}`, true, ""},
		{"score missing", `{"faceDetected":true,"embedding":` + embedding(512, "") + `}`, true, ""},
		{"not JSON", `<html>oops</html>`, true, ""},
		{"empty", ``, true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := fixed(t, 200, tt.body).Analyze(context.Background(), []byte("jpeg"))
			if tt.invalid {
				if !errors.Is(err, ErrInvalidResponse) || !IsPermanent(err) {
					t.Fatalf("err = %v, want a permanent ErrInvalidResponse", err)
				}
				if len(err.Error()) > 200 {
					t.Errorf("message quotes the body: %q", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if a.RejectionReason != tt.reason {
				t.Errorf("reason %q, want %q", a.RejectionReason, tt.reason)
			}
			if (len(a.Embedding) == 512) != (tt.reason == "") {
				t.Errorf("embedding of %d floats with reason %q", len(a.Embedding), tt.reason)
			}
		})
	}
}

func TestClusterResponses(t *testing.T) {
	photos := []Photo{{"p1", []byte("a")}, {"p2", []byte("b")}}
	tests := []struct {
		name    string
		body    string
		invalid bool
		matches int
	}{
		{"ok", `{"selfieClusterId":"c7","faces":[{"photoId":"p1","clusterId":"c7","score":0.98,"box":[1,2,3,4]},{"photoId":"p2","clusterId":"c2","score":0.95,"box":[1,2,3,4]}]}`, false, 1},
		{"null selfie cluster", `{"selfieClusterId":null,"faces":[{"photoId":"p1","clusterId":"c7","score":0.98,"box":[1,2,3,4]}]}`, false, 0},
		{"no faces", `{"selfieClusterId":"c1","faces":[]}`, false, 0},
		{"unknown photo", `{"selfieClusterId":"c7","faces":[{"photoId":"p9","clusterId":"c7","score":0.98,"box":[1,2,3,4]}]}`, true, 0},
		{"short box", `{"selfieClusterId":"c7","faces":[{"photoId":"p1","clusterId":"c7","score":0.98,"box":[1,2,3]}]}`, true, 0},
		{"no cluster id", `{"selfieClusterId":"c7","faces":[{"photoId":"p1","score":0.98,"box":[1,2,3,4]}]}`, true, 0},
		{"bad score", `{"selfieClusterId":"c7","faces":[{"photoId":"p1","clusterId":"c7","score":-1,"box":[1,2,3,4]}]}`, true, 0},
		{"empty selfie cluster", `{"selfieClusterId":"","faces":[]}`, true, 0},
		{"not JSON", `nope`, true, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cl, err := fixed(t, 200, tt.body).Cluster(context.Background(), []byte("selfie"), photos)
			if tt.invalid {
				if !errors.Is(err, ErrInvalidResponse) || !IsPermanent(err) {
					t.Fatalf("err = %v, want a permanent ErrInvalidResponse", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := len(cl.Matches()); got != tt.matches {
				t.Errorf("%d matches, want %d", got, tt.matches)
			}
		})
	}
}

func TestErrorStatuses(t *testing.T) {
	tests := []struct {
		status    int
		body      string
		temporary bool
		msg       string
	}{
		{400, `{"error":"missing part \"image\""}`, false, `HTTP 400 Bad Request: missing part "image"`},
		{401, `{"error":"bad key"}`, false, "Retina rejected the API key (401): check RETINA_API_KEY"},
		{404, ``, false, "HTTP 404 Not Found"},
		{413, ``, false, "image too large (413)"},
		{422, `{"message":"cannot decode"}`, false, "image not decodable (422): cannot decode"},
		{429, ``, true, "HTTP 429"},
		{500, "line one\r\nline two", true, "HTTP 500 Internal Server Error: line one line two"},
		{501, ``, true, "HTTP 501"},
		{502, ``, true, "HTTP 502"},
		{503, ``, true, "HTTP 503"},
		{504, ``, true, "HTTP 504"},
		{505, ``, false, "HTTP 505"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.status), func(t *testing.T) {
			_, err := fixed(t, tt.status, tt.body).Analyze(context.Background(), []byte("jpeg"))
			var e *Error
			if !errors.As(err, &e) || e.Status != tt.status || e.Temporary() != tt.temporary || IsPermanent(err) == tt.temporary {
				t.Fatalf("err = %#v, want status %d temporary %v", err, tt.status, tt.temporary)
			}
			if want := "retina analyze: " + tt.msg; !strings.HasPrefix(err.Error(), want) {
				t.Errorf("message %q, want prefix %q", err, want)
			}
		})
	}
	if IsPermanent(errors.New("other")) || IsPermanent(nil) {
		t.Error("IsPermanent is true for a non-Retina error")
	}
}

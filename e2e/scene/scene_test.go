package scene

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/jpeg"
	"mime/multipart"
	"net/http"
	"slices"
	"testing"

	"github.com/disintegration/imaging"

	"lightbox/jobs/retina/retinatest"
)

func post(t *testing.T, url string, files map[string][][]byte) map[string]any {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for field, list := range files {
		for i, b := range list {
			w, err := mw.CreateFormFile(field, fmt.Sprintf("%s%d.jpg", field, i))
			if err != nil {
				t.Fatal(err)
			}
			w.Write(b)
		}
	}
	mw.Close()
	req, _ := http.NewRequest("POST", url, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("x-api-key", "k")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 {
		t.Fatalf("%s: %d %v", url, resp.StatusCode, out)
	}
	return out
}

// thumb400 mimics the thumbnails the face service is sent.
func thumb400(t *testing.T, jpg []byte) []byte {
	img, err := jpeg.Decode(bytes.NewReader(jpg))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	jpeg.Encode(&buf, imaging.Fit(img, 400, 400, imaging.Lanczos), &jpeg.Options{Quality: 80})
	return buf.Bytes()
}

func TestFacesAreRecognised(t *testing.T) {
	fake := retinatest.New("k")
	defer fake.Close()
	for _, person := range []int{0, 5} {
		out := post(t, fake.URL()+"/analyze", map[string][][]byte{"image": {Selfie(480, 640, person)}})
		if out["rejectionReason"] != nil || out["faceDetected"] != true {
			t.Fatalf("selfie of %d: %v", person, out)
		}
	}
	photos := [][]byte{
		Photo(960, 640, 1, 0, 1, 2),
		Photo(960, 640, 2, 1),
		Photo(960, 640, 3),
		Photo(1200, 800, 4, 3, 2, 1, 0),
	}
	want := [][]int{{0, 1, 2}, {1}, {}, {0, 1, 2, 3}}
	for i, p := range photos {
		if _, err := jpeg.Decode(bytes.NewReader(p)); err != nil {
			t.Fatal(err)
		}
		for _, variant := range [][]byte{p, thumb400(t, p)} {
			out := post(t, fake.URL()+"/cluster", map[string][][]byte{"selfie": {Selfie(480, 640, 1)}, "photos": {variant}})
			var got []int
			for _, f := range out["faces"].([]any) {
				var n int
				fmt.Sscanf(f.(map[string]any)["clusterId"].(string), "c%d", &n)
				got = append(got, n)
			}
			slices.Sort(got)
			if !slices.Equal(got, want[i]) && !(len(got) == 0 && len(want[i]) == 0) {
				b := image.Rect(0, 0, 0, 0)
				t.Errorf("photo %d: people %v, want %v %v", i, got, want[i], b)
			}
		}
	}
}

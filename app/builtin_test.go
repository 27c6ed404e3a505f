//go:build !race

// The race detector makes the face engine about ten times slower, so this
// file runs in the suite's second pass, built without it (and without cgo).

package app_test

import (
	"bytes"
	"context"
	"image"
	"image/jpeg"
	"slices"
	"testing"

	"lightbox/app/apptest"
	"lightbox/jobs"
	"lightbox/jobs/face"
	"lightbox/jobs/face/facetest"
	"lightbox/store"
)

// TestBuiltinEngineFindsMyPhotos is the whole face journey with no face
// service configured: photos are indexed as they arrive, a selfie finds
// the photos already there, and photos arriving later find the selfie.
// The samples show 22 different people, so the attendee is only in the
// photo her selfie was cut from and in its mirror image.
func TestBuiltinEngineFindsMyPhotos(t *testing.T) {
	engine, err := face.Load(facetest.ModelDir(t))
	if err != nil {
		t.Fatal(err)
	}
	var samples [7][]byte
	for n := 1; n <= 6; n++ {
		samples[n] = facetest.Sample(t, n)
	}
	faces, err := engine.Faces(context.Background(), samples[2])
	if err != nil || len(faces) == 0 {
		t.Fatalf("faces in sample 2: %v, %v", faces, err)
	}
	// The clearest face (faces come best first), framed as a selfie.
	selfie := cropAround(t, samples[2], faces[0].Box, 3)
	mirror := mirrored(t, samples[2])

	env := apptest.New(t, apptest.Options{Engine: engine})
	op := env.Operator("op@example.com")
	prj := op.Project("Gala")
	before := op.UploadPhotos(prj, samples[1], samples[2], samples[3])
	env.WaitJobs()

	c, _ := member(t, env, prj, "guest@example.com")
	uploadSelfie(t, c, selfie)
	env.WaitJobs()
	if st, why := selfieStatus(t, c); st != "approved" {
		t.Fatalf("selfie %s (%s), want approved", st, why)
	}
	var engineName string
	env.DB.SQL().QueryRow(`select engine from selfies where status = 'approved'`).Scan(&engineName)
	if engineName != store.EngineBuiltin {
		t.Errorf("selfie engine %q, want %q", engineName, store.EngineBuiltin)
	}
	if got := myPhotos(t, c, prj); !slices.Equal(got, []string{before[1]}) {
		t.Fatalf("after the selfie, my photos are %v, want [%s] (sample 2)", got, before[1])
	}

	after := op.UploadPhotos(prj, mirror, samples[4], samples[5], samples[6])
	env.WaitJobs()
	want := []string{before[1], after[0]}
	slices.Sort(want)
	if got := myPhotos(t, c, prj); !slices.Equal(got, want) {
		t.Fatalf("after more photos, my photos are %v, want %v (sample 2 and its mirror)", got, want)
	}

	// Every photo was indexed once, with every face.
	var list struct {
		Items []struct {
			ID           string `json:"id"`
			FacesIndexed bool   `json:"facesIndexed"`
			FaceCount    int    `json:"faceCount"`
		}
	}
	op.MustJSON("GET", "/v1/projects/"+prj+"/photos", nil, 200, &list)
	wantFaces := map[string]int{before[0]: 3, before[1]: 3, before[2]: 3, after[0]: 3, after[1]: 4, after[2]: 5, after[3]: 4}
	for _, it := range list.Items {
		if !it.FacesIndexed || it.FaceCount != wantFaces[it.ID] {
			t.Errorf("photo %s: indexed %v with %d faces, want %d", it.ID, it.FacesIndexed, it.FaceCount, wantFaces[it.ID])
		}
	}
	var vectors int
	env.DB.SQL().QueryRow(`select count(*) from face_vectors where project_id = ?`, prj).Scan(&vectors)
	if vectors != 25 {
		t.Errorf("%d face vectors stored, want 25", vectors)
	}
	// process_photo indexed each photo from the image it decoded: no
	// index_faces job decoded the original again.
	if c := env.Runner.Counts()[store.JobIndexFaces]; c != (jobs.Counts{}) {
		t.Errorf("index_faces ran: %+v, want never", c)
	}
	if c := env.Runner.Counts()[store.JobProcessPhoto]; c.Succeeded != 7 || c.Retried != 0 {
		t.Errorf("process_photo: %+v, want 7 succeeded", c)
	}
}

// cropAround cuts a square of scale times the box's larger side around
// its centre, as a phone selfie frames a face.
func cropAround(t *testing.T, jpg []byte, box [4]float64, scale float64) []byte {
	t.Helper()
	img := decode(t, jpg)
	side := scale * max(box[2], box[3])
	cx, cy := box[0]+box[2]/2, box[1]+box[3]/2
	r := image.Rect(int(cx-side/2), int(cy-side/2), int(cx+side/2), int(cy+side/2)).Intersect(img.Bounds())
	out := image.NewRGBA(image.Rect(0, 0, r.Dx(), r.Dy()))
	for y := range r.Dy() {
		for x := range r.Dx() {
			out.Set(x, y, img.At(r.Min.X+x, r.Min.Y+y))
		}
	}
	return encodeJPEG(t, out)
}

// mirrored flips a photo left to right.
func mirrored(t *testing.T, jpg []byte) []byte {
	t.Helper()
	img := decode(t, jpg)
	b := img.Bounds()
	out := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	for y := range b.Dy() {
		for x := range b.Dx() {
			out.Set(b.Dx()-1-x, y, img.At(b.Min.X+x, b.Min.Y+y))
		}
	}
	return encodeJPEG(t, out)
}

func decode(t *testing.T, jpg []byte) image.Image {
	t.Helper()
	img, err := jpeg.Decode(bytes.NewReader(jpg))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func encodeJPEG(t *testing.T, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 92}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

//go:build !race

// The race detector makes the face engine about ten times slower, so this
// file runs in the suite's second pass, built without it.

package jobs_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/jpeg"
	"testing"

	"lightbox/jobs"
	"lightbox/jobs/face"
	"lightbox/jobs/face/facetest"
	"lightbox/jobs/retina"
)

// TestBuiltinFacesAnalyzeAsRetina: the built-in engine judges a selfie
// with the external face service's verdicts and reasons.
func TestBuiltinFacesAnalyzeAsRetina(t *testing.T) {
	engine, err := face.Load(facetest.ModelDir(t))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	s1, s2 := facetest.Sample(t, 1), facetest.Sample(t, 2)
	faces, err := engine.Faces(ctx, s2)
	if err != nil || len(faces) == 0 {
		t.Fatalf("faces in sample 2: %v, %v", faces, err)
	}
	selfie := crop(t, s2, faces[0].Box)
	svc := jobs.BuiltinFaces{Engine: engine}

	a, err := svc.Analyze(ctx, selfie)
	if err != nil || !a.Approved() || len(a.Embedding) != face.Dim {
		t.Fatalf("selfie: %+v, %v; want approved with %d values", a.RejectionReason, err, face.Dim)
	}
	if a, err := svc.Analyze(ctx, s1); err != nil || a.RejectionReason != retina.ReasonMultipleFaces {
		t.Fatalf("group photo as a selfie: %q, %v; want %s", a.RejectionReason, err, retina.ReasonMultipleFaces)
	}
	// process_selfie rejects a selfie the service cannot use as low quality.
	if _, err := svc.Analyze(ctx, []byte("not a jpeg")); !errors.Is(err, retina.ErrUnprocessable) {
		t.Fatalf("undecodable selfie: %v, want ErrUnprocessable", err)
	}

}

// crop cuts a square of three times the face box around it, as a selfie
// frames a face.
func crop(t *testing.T, jpg []byte, box [4]float64) []byte {
	t.Helper()
	img, err := jpeg.Decode(bytes.NewReader(jpg))
	if err != nil {
		t.Fatal(err)
	}
	side := 3 * max(box[2], box[3])
	cx, cy := box[0]+box[2]/2, box[1]+box[3]/2
	r := image.Rect(int(cx-side/2), int(cy-side/2), int(cx+side/2), int(cy+side/2)).Intersect(img.Bounds())
	sub := img.(interface {
		SubImage(image.Rectangle) image.Image
	}).SubImage(r)
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, sub, &jpeg.Options{Quality: 92}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

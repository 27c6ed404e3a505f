package app_test

import (
	"context"
	"math"
	"testing"

	"lightbox/app/apptest"
	"lightbox/store"
)

// faceVector is a unit vector of the built-in engine's length whose cosine
// similarity with faceVector(n, 1) is sim.
func faceVector(n int, sim float64) []float32 {
	v := make([]float32, store.FaceDim)
	v[n] = float32(sim)
	v[store.FaceDim-1-n] = float32(math.Sqrt(1 - sim*sim))
	return v
}

func TestFaceReviewsAndThreshold(t *testing.T) {
	ctx := context.Background()
	env := apptest.New(t, apptest.Options{NoRetina: true})
	op := env.Operator("op@example.com")
	prj := op.Project("Ball")
	photos := op.UploadPhotos(prj, apptest.Photo(t), apptest.Photo(t))
	env.WaitJobs()
	c, u := member(t, env, prj, "guest@example.com")

	// The guest's selfie, as the built-in engine would approve it.
	sf, err := env.DB.CreateSelfie(ctx, u.ID, "image/jpeg", 100)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.DB.CompleteSelfie(ctx, u.ID, sf.ID); err != nil {
		t.Fatal(err)
	}
	if err := env.DB.ApproveSelfie(ctx, sf.ID, store.EngineBuiltin, faceVector(1, 1)); err != nil {
		t.Fatal(err)
	}
	// A borderline face in the first photo, a stranger in the second.
	m := store.Matching{Threshold: 0.58, Band: 0.08}
	for i, sim := range []float64{0.54, 0.2} {
		if _, err := env.DB.IndexPhotoFaces(ctx, photos[i], []store.FaceVector{{Box: [4]float64{0.4, 0.3, 0.1, 0.15}, Score: 0.9, Embedding: faceVector(1, sim)}}, m, 0); err != nil {
			t.Fatal(err)
		}
	}

	var revs struct {
		Items []struct {
			ID, PhotoID, UserEmail string
			Similarity             float64
			FaceBox                []float64
			URLs                   map[string]string
		}
	}
	op.MustJSON("GET", "/v1/projects/"+prj+"/face-reviews", nil, 200, &revs)
	if len(revs.Items) != 1 {
		t.Fatalf("%d reviews, want 1", len(revs.Items))
	}
	r := revs.Items[0]
	if r.PhotoID != photos[0] || r.UserEmail != "guest@example.com" || math.Abs(r.Similarity-0.54) > 1e-3 || r.URLs["thumb400"] == "" || len(r.FaceBox) != 4 || r.FaceBox[0] != 0.4 {
		t.Fatalf("review %+v", r)
	}
	if got := myPhotos(t, c, prj); len(got) != 0 {
		t.Fatalf("a borderline match was tagged before review: %v", got)
	}
	op.MustJSON("POST", "/v1/face-reviews/"+r.ID, map[string]string{"decision": "maybe"}, 400, nil)
	var decided struct{ Status string }
	op.MustJSON("POST", "/v1/face-reviews/"+r.ID, map[string]string{"decision": "accept"}, 200, &decided)
	if decided.Status != "accepted" {
		t.Fatalf("decision %q", decided.Status)
	}
	if got := myPhotos(t, c, prj); len(got) != 1 || got[0] != photos[0] {
		t.Fatalf("after acceptance my photos are %v", got)
	}
	op.MustJSON("GET", "/v1/projects/"+prj+"/face-reviews", nil, 200, &revs)
	if len(revs.Items) != 0 {
		t.Fatalf("%d reviews left open", len(revs.Items))
	}

	// The threshold is the operator's to tune, within sane bounds.
	var p struct{ FaceThreshold *float64 }
	op.MustJSON("PATCH", "/v1/projects/"+prj, map[string]any{"faceThreshold": 0.99}, 400, nil)
	op.MustJSON("PATCH", "/v1/projects/"+prj, map[string]any{"faceThreshold": 0.5}, 200, &p)
	if p.FaceThreshold == nil || *p.FaceThreshold != 0.5 {
		t.Fatalf("threshold %v, want 0.5", p.FaceThreshold)
	}
	op.MustJSON("PATCH", "/v1/projects/"+prj, map[string]any{"faceThreshold": 0}, 200, &p)
	if p.FaceThreshold != nil {
		t.Fatalf("threshold %v, want the default (null)", *p.FaceThreshold)
	}
}

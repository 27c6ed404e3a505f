package face

import (
	"context"
	"math"
	"testing"
)

func TestNoseRatio(t *testing.T) {
	// A level face: eyes at y 0, mouth at y 10.
	level := func(noseY float64) candidate {
		return candidate{kps: [numKeypoints][2]float64{{-4, 0}, {4, 0}, {0, noseY}, {0, 10}}}
	}
	// The same face turned by a quarter turn: "down" is image left.
	turned := candidate{kps: [numKeypoints][2]float64{{0, -4}, {0, 4}, {-5, 0}, {-10, 0}}}
	for _, tt := range []struct {
		name string
		c    candidate
		want float64
	}{
		{"halfway", level(5), 0.5},
		{"level with the eyes", level(0), 0},
		{"above the eyes", level(-2), -0.2},
		{"turned", turned, 0.5},
		{"mouth above the eyes", candidate{kps: [numKeypoints][2]float64{{-4, 0}, {4, 0}, {0, -3}, {0, -6}}}, -1},
		{"no eyes", candidate{}, -1},
	} {
		if got := noseRatio(tt.c); math.Abs(got-tt.want) > 1e-9 {
			t.Errorf("%s: noseRatio = %v, want %v", tt.name, got, tt.want)
		}
	}
	if m := median([]float64{0.2, -1, 0.5, 0.4}); math.Abs(m-0.3) > 1e-9 {
		t.Errorf("median = %v, want 0.3", m)
	}
}

// TestSamplesHaveOnlyTheirFaces runs the engine at its defaults on the
// full-size sample photos, where the windows and the shorter descriptors
// also see a badge, a gold chain and a wall plate that a single look takes
// for faces: the second look must leave each photo its people only.
func TestSamplesHaveOnlyTheirFaces(t *testing.T) {
	skipUnderRace(t)
	e := mustEngine(t)
	for n, want := range sampleFaces {
		faces, err := e.Faces(context.Background(), readSample(t, n+1))
		if err != nil {
			t.Fatal(err)
		}
		if len(faces) != want {
			for _, f := range faces {
				t.Logf("sample%d: face %.0f score %.2f", n+1, f.Box, f.Score)
			}
			t.Errorf("sample%d: %d faces, want %d", n+1, len(faces), want)
		}
	}
}

// TestRefineFindsSmallFacesAgain shrinks a sample photo until its faces
// are 20 pixels wide, gives refine a rough box for each (off by a quarter
// of the face and a third too large, as small faces found at the detector's
// floor can be) and checks that it returns the face's own box, and that it
// leaves a box of refinePx and more as it is.
func TestRefineFindsSmallFacesAgain(t *testing.T) {
	skipUnderRace(t)
	e := mustEngine(t)
	src, big := samplePeople(t, e)
	k := big[0].Box[2] / 20
	small := resampled(src, affine{x0: k / 2, y0: k / 2, ux: k, vy: k}, int(float64(src.w)/k), int(float64(src.h)/k))
	iou := func(a, b candidate) float64 {
		in := intersection(a, b)
		return in / (a.area() + b.area() - in)
	}
	for i, b := range big {
		face := candidate{x1: b.Box[0] / k, y1: b.Box[1] / k, x2: (b.Box[0] + b.Box[2]) / k, y2: (b.Box[1] + b.Box[3]) / k}
		w := face.width()
		cx, cy := (face.x1+face.x2)/2+w/4, (face.y1+face.y2)/2+w/4
		rough := candidate{x1: cx - w*2/3, y1: cy - w*2/3, x2: cx + w*2/3, y2: cy + w*2/3, score: 0.6}
		got, err := e.det.refine(small, rough)
		if err != nil {
			t.Fatal(err)
		}
		if iou(got, face) < 0.6 || iou(got, face) <= iou(rough, face) {
			t.Errorf("face %d: refined box %.1f against the face's %.1f (IoU %.2f, the rough box's %.2f)",
				i, [4]float64{got.x1, got.y1, got.x2, got.y2}, [4]float64{face.x1, face.y1, face.x2, face.y2}, iou(got, face), iou(rough, face))
		}
	}
	large := candidate{x1: 10, y1: 10, x2: 10 + refinePx, y2: 10 + refinePx, score: 0.6}
	if got, err := e.det.refine(src, large); err != nil || got != large {
		t.Errorf("refine of a %g px box = %v, %v, want it unchanged", float64(refinePx), got, err)
	}
}

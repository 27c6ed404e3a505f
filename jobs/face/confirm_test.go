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

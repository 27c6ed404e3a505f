package main

import (
	"io/fs"
	"math"
	"testing"
	"testing/fstest"

	"lightbox/jobs/face"
)

// unit returns the unit vector at angle a (radians) in the plane, so that
// the cosine of two is the cosine of their angle.
func unit(a float64) []float32 { return vec(float32(math.Cos(a)), float32(math.Sin(a)), 0) }

// TestPickThreshold: with ann's face at cosine 0.8 and 0.7 and a stranger
// at 0.5, any threshold in (0.5, 0.7] makes no error; the middle of that
// run is chosen. The separation sees two genuine pairs and the stranger.
func TestPickThreshold(t *testing.T) {
	set := labelSet{selfies: map[string]string{"ann": "selfies/ann.jpg"}, photos: []labelled{
		{path: "1.jpg", ids: []string{"ann"}, boxes: [][4]float64{{0, 0, 100, 100}}},
		{path: "2.jpg", ids: []string{"ann"}, boxes: [][4]float64{{0, 0, 100, 100}}},
		{path: "3.jpg"},
	}}
	r := &result{set: set, operator: "none", selfies: map[string]verdict{"ann": {approved: true, refs: [][]float32{unit(0)}}},
		photos: []indexed{
			{faces: []face.Face{{Box: [4]float64{10, 10, 80, 80}, Embedding: unit(math.Acos(0.8))}}},
			{faces: []face.Face{{Box: [4]float64{10, 10, 80, 80}, Embedding: unit(math.Acos(0.7))}}},
			{faces: []face.Face{{Box: [4]float64{10, 10, 80, 80}, Embedding: unit(math.Acos(0.5))}}},
		}}
	th, c := r.pickThreshold()
	// 0.505 … 0.700 tie with no error; the middle of those 40 steps.
	if math.Abs(th-0.6) > 0.0051 || c.fp != 0 || c.fn != 0 || c.tp != 2 {
		t.Errorf("picked %.3f (tp %d fp %d fn %d), want about 0.60 with tp 2", th, c.tp, c.fp, c.fn)
	}
	g, s := r.separation()
	if len(g) != 2 || len(s) != 1 || math.Abs(g[0]-0.7) > 1e-6 || math.Abs(s[0]-0.5) > 1e-6 {
		t.Errorf("genuine %v strangers %v, want [0.7 0.8] and [0.5]", g, s)
	}
}

func TestParseThresholds(t *testing.T) {
	if ts, err := parseThresholds("0.6", 3); err != nil || len(ts) != 3 || ts[2] != 0.6 {
		t.Errorf("one for all: %v %v", ts, err)
	}
	if ts, err := parseThresholds("0.6,0.5", 2); err != nil || ts[1] != 0.5 {
		t.Errorf("one each: %v %v", ts, err)
	}
	if _, err := parseThresholds("0.6,0.5", 3); err == nil {
		t.Error("two thresholds for three descriptors accepted")
	}
}

// TestLayered: a file is read from the first file system that has it.
func TestLayered(t *testing.T) {
	l := layered{
		fstest.MapFS{"a.json": {Data: []byte("engine")}},
		fstest.MapFS{"a.json": {Data: []byte("other")}, "b.json": {Data: []byte("candidate")}},
	}
	for name, want := range map[string]string{"a.json": "engine", "b.json": "candidate"} {
		if b, err := fs.ReadFile(l, name); err != nil || string(b) != want {
			t.Errorf("%s: %q %v, want %q", name, b, err, want)
		}
	}
	if _, err := fs.ReadFile(l, "c.json"); err == nil {
		t.Error("a missing file was found")
	}
}

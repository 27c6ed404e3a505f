package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"lightbox/jobs/face"
)

func vec(x ...float32) []float32 { return x }

// TestEvaluate counts tags, misses and their causes on a hand-made result.
func TestEvaluate(t *testing.T) {
	dir := t.TempDir()
	labels := "path,identities,boxes\n" +
		"selfies/ann.jpg,ann,\n" +
		"selfies/bob.jpg,bob,\n" +
		"selfies/cy.jpg,cy,\n" +
		"photos/1.jpg,ann;bob,0 0 100 100;200 0 70 70\n" +
		"photos/2.jpg,ann;cy,0 0 100 100;200 0 100 100\n" +
		"photos/3.jpg,,\n"
	if err := os.WriteFile(filepath.Join(dir, "labels.csv"), []byte(labels), 0o644); err != nil {
		t.Fatal(err)
	}
	set, err := readLabels(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(set.selfies) != 3 || len(set.photos) != 3 || len(set.photos[0].boxes) != 2 {
		t.Fatalf("read %+v", set)
	}
	ann, bob := vec(1, 0, 0), vec(0, 1, 0)
	r := &result{set: set, selfies: map[string]verdict{
		"ann": {approved: true, refs: [][]float32{ann}},
		"bob": {approved: true, refs: [][]float32{bob}},
		"cy":  {reason: face.LowQuality, score: 0.6},
	}, photos: []indexed{
		// photo 1: ann found, bob's face found but far from his selfie
		{faces: []face.Face{{Box: [4]float64{10, 10, 80, 80}, Embedding: ann}, {Box: [4]float64{205, 5, 60, 60}, Embedding: vec(0.5, 0.5, 0.7)}}},
		// photo 2: ann not detected; a stray face that looks like bob
		{faces: []face.Face{{Box: [4]float64{210, 10, 80, 80}, Embedding: vec(0.1, 1, 0)}}},
		{},
	}}
	c, misses := r.evaluate(0.58)
	if c.tp != 1 || c.fp != 1 || c.fn != 3 {
		t.Errorf("tp %d fp %d fn %d, want 1 1 3", c.tp, c.fp, c.fn)
	}
	var causes []string
	for _, m := range misses {
		causes = append(causes, m.id+" "+m.photo+": "+m.cause)
	}
	got := strings.Join(causes, "\n")
	for _, want := range []string{"bob photos/1.jpg: below threshold (0.50", "ann photos/2.jpg: not detected", "cy photos/2.jpg: rejected selfie (low_quality"} {
		if !strings.Contains(got, want) {
			t.Errorf("misses lack %q:\n%s", want, got)
		}
	}
	if c.sizeN["60-79"] != 1 || c.sizeHit["80-119"] != 1 || c.sizeN["80-119"] != 3 {
		t.Errorf("by size %v of %v", c.sizeHit, c.sizeN)
	}
}

// TestOperatorReferences: an operator accepting the attendee's face from
// the review list makes it a reference, which tags a later photo of that
// view; a stranger dismissed from the list is never tagged, even when
// another reference would bring him over the threshold.
func TestOperatorReferences(t *testing.T) {
	set := labelSet{selfies: map[string]string{"ann": "selfies/ann.jpg"}, photos: []labelled{
		{path: "0.jpg"},
		{path: "1.jpg", ids: []string{"ann"}},
		{path: "2.jpg", ids: []string{"ann"}},
	}}
	r := &result{set: set, selfies: map[string]verdict{"ann": {approved: true, refs: [][]float32{vec(1, 0, 0)}}},
		photos: []indexed{
			{faces: []face.Face{{Embedding: vec(0.56, 0.80, 0.2)}}}, // a stranger in the band, dismissed first
			{faces: []face.Face{{Embedding: vec(0.57, 0.82, 0)}}},   // in the band: accepted
			{faces: []face.Face{{Embedding: vec(0.45, 0.89, 0)}}},   // below it, but like photo 1's
		}}
	for _, tc := range []struct {
		operator   string
		tp, fp, fn int
	}{{"none", 0, 0, 2}, {"accept", 1, 0, 1}, {"refs", 2, 0, 0}} {
		r.operator = tc.operator
		c, _ := r.evaluate(0.61)
		if c.tp != tc.tp || c.fp != tc.fp || c.fn != tc.fn {
			t.Errorf("operator %s: tp %d fp %d fn %d, want %d %d %d", tc.operator, c.tp, c.fp, c.fn, tc.tp, tc.fp, tc.fn)
		}
	}
}

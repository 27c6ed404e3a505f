package face

import (
	"math"
	"slices"
	"testing"
)

func TestGridAnchors(t *testing.T) {
	a16 := gridAnchors(16, 16, 16, anchors16)
	a32 := gridAnchors(8, 8, 32, anchors32)
	if n := len(a16) + len(a32); n != 896 {
		t.Fatalf("%d anchors for a 256 input, want 896", n)
	}
	for _, tt := range []struct {
		got, want [2]float64
	}{
		{a16[0], [2]float64{8, 8}},
		{a16[1], [2]float64{8, 8}},   // two anchors per cell
		{a16[2], [2]float64{24, 8}},  // next cell to the right
		{a16[32], [2]float64{8, 24}}, // next row
		{a16[511], [2]float64{248, 248}},
		{a32[0], [2]float64{16, 16}},
		{a32[5], [2]float64{16, 16}}, // six anchors per cell
		{a32[6], [2]float64{48, 16}},
		{a32[383], [2]float64{240, 240}},
	} {
		if tt.got != tt.want {
			t.Errorf("anchor %v, want %v", tt.got, tt.want)
		}
	}
}

func TestDecode(t *testing.T) {
	anchors := [][2]float64{{8, 8}, {40, 24}, {100, 100}}
	logits := []float32{-3, 2, 0} // sigmoid 0.047, 0.881, 0.5
	regs := make([]float32, 3*regsPerAnchor)
	r := regs[regsPerAnchor : 2*regsPerAnchor]
	copy(r, []float32{2, -4, 20, 30, -5, -6, 5, -6, 0, 0, 0, 5, -9, 0, 9, 0})
	got := decode(logits, regs, anchors, 0.6)
	if len(got) != 1 {
		t.Fatalf("%d candidates above 0.6, want 1", len(got))
	}
	c := got[0]
	// Centre (40+2, 24-4) = (42, 20), size 20×30.
	if c.x1 != 32 || c.y1 != 5 || c.x2 != 52 || c.y2 != 35 {
		t.Errorf("box %v %v %v %v, want 32 5 52 35", c.x1, c.y1, c.x2, c.y2)
	}
	if math.Abs(c.score-0.8808) > 1e-4 {
		t.Errorf("score %v, want sigmoid(2)", c.score)
	}
	if c.kps[0] != [2]float64{35, 18} || c.kps[1] != [2]float64{45, 18} || c.kps[5] != [2]float64{49, 24} {
		t.Errorf("keypoints %v", c.kps)
	}
	if n := len(decode(logits, regs, anchors, 0.4)); n != 2 {
		t.Errorf("%d candidates above 0.4, want 2", n)
	}
}

func box(x1, y1, x2, y2, score float64) candidate {
	return candidate{x1: x1, y1: y1, x2: x2, y2: y2, score: score}
}

func TestNonMaxSuppression(t *testing.T) {
	cands := []candidate{
		box(0, 0, 10, 10, 0.8),
		box(1, 1, 11, 11, 0.9),     // overlaps the first: IoU 0.68
		box(20, 20, 30, 30, 0.7),   // apart
		box(5, 0, 15, 10, 0.85),    // IoU with the best 0.39: dropped at 0.3
		box(22, 22, 26, 26, 0.95),  // inside the third: its weaker container goes
		box(100, 0, 110, 10, 0.6),  // apart
		box(104, 0, 114, 10, 0.65), // IoU 0.43 with the previous
	}
	got := nonMaxSuppression(cands, 0.3)
	var scores []float64
	for _, c := range got {
		scores = append(scores, c.score)
	}
	if want := []float64{0.95, 0.9, 0.65}; !slices.Equal(scores, want) {
		t.Errorf("kept scores %v, want %v", scores, want)
	}
	if len(nonMaxSuppression(nil, 0.3)) != 0 {
		t.Error("candidates from nothing")
	}
}

func TestScanScales(t *testing.T) {
	for _, tt := range []struct {
		w, h    int
		minFace float64
		want    []float64
	}{
		{256, 200, 40, []float64{1}},
		{512, 400, 40, []float64{0.5}},
		{512, 400, 30, []float64{0.5, 1}},
		{2048, 1536, 40, []float64{0.125, 0.25, 0.5}},
		{2048, 1536, 200, []float64{0.125}},
		{8192, 8192, 1, []float64{1.0 / 32, 1.0 / 16, 1.0 / 8}}, // capped at 1024 pixels
		{1920, 1280, 40, []float64{256.0 / 1920, 512.0 / 1920, 1024.0 / 1920}},
		{6000, 4000, 40, []float64{256.0 / 6000, 512.0 / 6000, 1024.0 / 6000}}, // capped
		{100, 80, 1, []float64{2.56}},                                          // fitted to 256, no further
	} {
		if got := scanScales(tt.w, tt.h, tt.minFace); !slices.Equal(got, tt.want) {
			t.Errorf("scanScales(%d, %d, %v) = %v, want %v", tt.w, tt.h, tt.minFace, got, tt.want)
		}
	}
}

func TestPickSelfieFace(t *testing.T) {
	big := box(100, 100, 300, 300, 0.93)
	for _, tt := range []struct {
		name   string
		cands  []candidate
		main   candidate
		others int
		ok     bool
	}{
		{"none", nil, candidate{}, 0, false},
		{"one", []candidate{big}, big, 0, true},
		{"small background face ignored", []candidate{box(0, 0, 40, 40, 0.95), big}, big, 0, true},
		{"weak face ignored", []candidate{big, box(400, 100, 600, 300, 0.6)}, big, 0, true},
		{"two people", []candidate{big, box(400, 100, 560, 260, 0.8)}, big, 1, true},
		{"only weak faces: best score", []candidate{box(0, 0, 90, 90, 0.55), box(0, 0, 50, 50, 0.7)}, box(0, 0, 50, 50, 0.7), 0, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			main, others, ok := pickSelfieFace(tt.cands)
			if main != tt.main || others != tt.others || ok != tt.ok {
				t.Errorf("got %v %d %v, want %v %d %v", main, others, ok, tt.main, tt.others, tt.ok)
			}
		})
	}
}

func TestSimilarity(t *testing.T) {
	a := []float32{1, 0, 0}
	for _, tt := range []struct {
		b    []float32
		want float32
	}{
		{[]float32{2, 0, 0}, 1},
		{[]float32{0, 3, 0}, 0},
		{[]float32{-1, 0, 0}, -1},
		{[]float32{1, 1, 0}, float32(1 / math.Sqrt2)},
		{[]float32{0, 0, 0}, 0},
		{[]float32{1, 0}, 0},
	} {
		if got := Similarity(a, tt.b); math.Abs(float64(got-tt.want)) > 1e-6 {
			t.Errorf("Similarity(%v, %v) = %v, want %v", a, tt.b, got, tt.want)
		}
	}
	n, l := normalize([]float32{3, 4})
	if n[0] != 0.6 || n[1] != 0.8 || l != 5 {
		t.Errorf("normalize = %v, %v", n, l)
	}
}

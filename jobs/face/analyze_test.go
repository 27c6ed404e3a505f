package face

import "testing"

// TestSelfieVerdict: a usable but imperfect selfie (a turned or dim face
// the detector scores 0.6 to 0.75) is approved; a face seen only poorly,
// a second person of comparable size, or a small face is refused with
// its reason.
func TestSelfieVerdict(t *testing.T) {
	face := func(score, side float64) candidate { return candidate{x2: side, y2: side, score: score} }
	tests := []struct {
		name string
		in   []candidate
		want string
	}{
		{"clear", []candidate{face(0.93, 300)}, ""},
		{"imperfect", []candidate{face(0.66, 300)}, ""},
		{"poorly seen", []candidate{face(0.55, 300)}, LowQuality},
		{"small", []candidate{face(0.9, 50)}, FaceTooSmall},
		{"two people", []candidate{face(0.9, 300), face(0.8, 200)}, MultipleFaces},
		{"a faint face behind", []candidate{face(0.9, 300), face(0.65, 200)}, ""},
		{"a face far behind", []candidate{face(0.9, 300), face(0.9, 100)}, ""},
	}
	for _, tc := range tests {
		main, others, ok := pickSelfieFace(tc.in)
		if !ok {
			t.Fatalf("%s: no face picked", tc.name)
		}
		if got := selfieVerdict(main, others); got != tc.want {
			t.Errorf("%s: verdict %q, want %q", tc.name, got, tc.want)
		}
	}
}

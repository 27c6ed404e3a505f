package face

import (
	"bytes"
	"context"
	"image"
	"image/jpeg"
	"testing"
)

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

// TestMirrorCandidate: a face mirrored twice is the face again, and once
// mirrored, its eyes stay image left to right (so the crop is not turned
// upside down).
func TestMirrorCandidate(t *testing.T) {
	c := candidate{x1: 10, y1: 20, x2: 60, y2: 80, score: 0.9}
	c.kps[0], c.kps[1], c.kps[4], c.kps[5] = [2]float64{20, 40}, [2]float64{45, 44}, [2]float64{12, 50}, [2]float64{58, 50}
	m := mirrorCandidate(c, 100)
	if m.x1 != 40 || m.x2 != 90 || m.kps[0] != [2]float64{55, 44} || m.kps[1] != [2]float64{80, 40} || m.kps[4] != [2]float64{42, 50} {
		t.Fatalf("mirrored %+v", m)
	}
	if roll(m) != -roll(c) {
		t.Errorf("roll %v mirrored to %v", roll(c), roll(m))
	}
	if mirrorCandidate(m, 100) != c {
		t.Errorf("mirrored twice: %+v, want %+v", mirrorCandidate(m, 100), c)
	}
	img := &rgbImage{w: 2, h: 1, pix: []uint8{1, 2, 3, 4, 5, 6}}
	if got := mirror(img).pix; !bytes.Equal(got, []uint8{4, 5, 6, 1, 2, 3}) {
		t.Errorf("mirror %v", got)
	}
}

// TestAnalyzeMirrored: the mirrored reference of a selfie is the vector of
// the mirrored selfie's face.
func TestAnalyzeMirrored(t *testing.T) {
	skipUnderRace(t)
	e := mustEngine(t)
	ctx := context.Background()
	faces, err := e.Faces(ctx, readSample(t, 2))
	if err != nil || len(faces) == 0 {
		t.Fatalf("faces: %v, %v", faces, err)
	}
	src, err := jpeg.Decode(bytes.NewReader(readSample(t, 2)))
	if err != nil {
		t.Fatal(err)
	}
	b := faces[0].Box
	side := 3 * max(b[2], b[3])
	r := image.Rect(int(b[0]+b[2]/2-side/2), int(b[1]+b[3]/2-side/2), int(b[0]+b[2]/2+side/2), int(b[1]+b[3]/2+side/2)).Intersect(src.Bounds())
	selfie, flipped := image.NewRGBA(image.Rect(0, 0, r.Dx(), r.Dy())), image.NewRGBA(image.Rect(0, 0, r.Dx(), r.Dy()))
	for y := range r.Dy() {
		for x := range r.Dx() {
			selfie.Set(x, y, src.At(r.Min.X+x, r.Min.Y+y))
			flipped.Set(r.Dx()-1-x, y, src.At(r.Min.X+x, r.Min.Y+y))
		}
	}
	enc := func(img image.Image) []byte {
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 95}); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	a, err := e.AnalyzeMirrored(ctx, enc(selfie))
	if err != nil || a.RejectionReason != "" || len(a.Mirrored) != Dim {
		t.Fatalf("selfie: %q, %d mirrored values, %v", a.RejectionReason, len(a.Mirrored), err)
	}
	if plain, _ := e.Analyze(ctx, enc(selfie)); plain.Mirrored != nil {
		t.Error("Analyze described the mirror image too")
	}
	f, err := e.Analyze(ctx, enc(flipped))
	if err != nil || f.RejectionReason != "" {
		t.Fatalf("flipped selfie: %q, %v", f.RejectionReason, err)
	}
	// The detector finds the flipped face's box a little differently, so
	// not quite 1; but nearer than the unmirrored vector.
	if m, p := Similarity(a.Mirrored, f.Embedding), Similarity(a.Embedding, f.Embedding); m < 0.95 || m <= p {
		t.Errorf("flipped selfie's face: similarity %.3f to the mirrored reference, %.3f to the face's, want about 1 and more", m, p)
	}
	if s := Similarity(a.Mirrored, a.Embedding); s > 0.999 {
		t.Errorf("mirrored reference is the face's vector itself (%.4f)", s)
	}
}

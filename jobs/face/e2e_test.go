package face

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"math"
	"sync"
	"testing"

	"lightbox/jobs/face/facetest"
)

// sampleFaces is the number of faces in each sample photo (sample1 … 6).
var sampleFaces = facetest.SampleFaces

var facesCache struct {
	sync.Mutex
	m map[int][]Face
}

// facesOf runs Faces on halfSample(n) once per test binary.
func facesOf(tb testing.TB, e *Engine, n int) []Face {
	tb.Helper()
	facesCache.Lock()
	defer facesCache.Unlock()
	if f, ok := facesCache.m[n]; ok {
		return f
	}
	f, err := e.Faces(context.Background(), halfSample(tb, n))
	if err != nil {
		tb.Fatal(err)
	}
	if facesCache.m == nil {
		facesCache.m = make(map[int][]Face)
	}
	facesCache.m[n] = f
	return f
}

// transformed renders img through a mapping into a w×h JPEG.
func transformed(tb testing.TB, img *rgbImage, a affine, w, h int) []byte {
	tb.Helper()
	t := img.sample(a, w, h, 1, 0)
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range w * h {
		for c := range 3 {
			out.Pix[4*i+c] = uint8(min(max(math.Round(float64(t.data[3*i+c])), 0), 255))
		}
		out.Pix[4*i+3] = 255
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, out, &jpeg.Options{Quality: 92}); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// halfSample is sampleN at half size (960 pixels wide), which keeps the
// tests quick; faces are then about 100 pixels wide.
func halfSample(tb testing.TB, n int) []byte {
	tb.Helper()
	img, err := decodeJPEG(readSample(tb, n))
	if err != nil {
		tb.Fatal(err)
	}
	return transformed(tb, img, affine{x0: 1, y0: 1, ux: 2, vy: 2}, img.w/2, img.h/2)
}

func decodeSample(tb testing.TB, n int) *rgbImage {
	tb.Helper()
	img, err := decodeJPEG(halfSample(tb, n))
	if err != nil {
		tb.Fatal(err)
	}
	return img
}

func TestFacesFindsEveryone(t *testing.T) {
	skipUnderRace(t)
	e := mustEngine(t)
	for n, want := range sampleFaces {
		faces := facesOf(t, e, n+1)
		if len(faces) != want {
			t.Errorf("sample%d: %d faces, want %d", n+1, len(faces), want)
		}
		for _, f := range faces {
			if f.Score < e.MinScore || f.Box[2] < 50 || len(f.Embedding) != Dim {
				t.Errorf("sample%d: face %v score %.2f, %d values", n+1, f.Box, f.Score, len(f.Embedding))
			}
			if s := Similarity(f.Embedding, f.Embedding); math.Abs(float64(s)-1) > 1e-5 {
				t.Errorf("embedding not unit length: self-similarity %v", s)
			}
		}
	}
}

// TestDifferentPeopleRarelyMatch checks the false-match rate between the
// 22 different people of the samples: raw descriptor cosine at
// DefaultThreshold accepts about 1% of such pairs, so a few may pass it.
func TestDifferentPeopleRarelyMatch(t *testing.T) {
	skipUnderRace(t)
	e := mustEngine(t)
	type person struct {
		name string
		emb  []float32
	}
	var people []person
	for n := range sampleFaces {
		for i, f := range facesOf(t, e, n+1) {
			people = append(people, person{fmt.Sprintf("sample%d face %d at %.0f", n+1, i, f.Box[:2]), f.Embedding})
		}
	}
	var worst float32 = -1
	pairs, matches := 0, 0
	for i := range people {
		for j := i + 1; j < len(people); j++ {
			s := Similarity(people[i].emb, people[j].emb)
			worst = max(worst, s)
			pairs++
			if s >= DefaultThreshold {
				matches++
				t.Logf("%s matches %s: %.3f", people[i].name, people[j].name, s)
			}
		}
	}
	t.Logf("%d faces, %d pairs of different people: %d above %v, highest %.3f", len(people), pairs, matches, DefaultThreshold, worst)
	if rate := float64(matches) / float64(pairs); rate > 0.025 {
		t.Errorf("false-match rate %.1f%%, want at most 2.5%%", 100*rate)
	}
}

// TestSameFaceMatches checks that every face still matches itself after
// the photo is mirrored or shrunk, and is closer to itself than to any of
// the other people in the samples.
func TestSameFaceMatches(t *testing.T) {
	skipUnderRace(t)
	e := mustEngine(t)
	for _, tt := range []struct {
		name   string
		sample int
		// mapping from the variant's pixels to the original's, and size
		make func(w, h int) (affine, int, int)
		// where a face's centre lands in the variant
		where func(x, y float64, w, h int) (float64, float64)
	}{
		{"mirrored", 2, func(w, h int) (affine, int, int) {
			return affine{x0: float64(w) - 0.5, y0: 0.5, ux: -1, vy: 1}, w, h
		}, func(x, y float64, w, h int) (float64, float64) { return float64(w) - x, y }},
		{"shrunk to 45%", 5, func(w, h int) (affine, int, int) {
			k := 1 / 0.45
			return affine{x0: 0.5 * k, y0: 0.5 * k, ux: k, vy: k}, int(float64(w) * 0.45), int(float64(h) * 0.45)
		}, func(x, y float64, w, h int) (float64, float64) { return x * 0.45, y * 0.45 }},
		{"mirrored and shrunk to 60%", 6, func(w, h int) (affine, int, int) {
			k := 1 / 0.6
			return affine{x0: float64(w) - 0.5*k, y0: 0.5 * k, ux: -k, vy: k}, int(float64(w) * 0.6), int(float64(h) * 0.6)
		}, func(x, y float64, w, h int) (float64, float64) { return (float64(w) - x) * 0.6, y * 0.6 }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			orig := facesOf(t, e, tt.sample)
			img := decodeSample(t, tt.sample)
			a, w, h := tt.make(img.w, img.h)
			variant, err := e.Faces(context.Background(), transformed(t, img, a, w, h))
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range orig {
				x, y := tt.where(f.Box[0]+f.Box[2]/2, f.Box[1]+f.Box[3]/2, img.w, img.h)
				g, ok := faceAt(variant, x, y)
				if !ok {
					t.Errorf("face at %.0f not found in the variant", f.Box[:2])
					continue
				}
				s := Similarity(f.Embedding, g.Embedding)
				t.Logf("face at %.0f: similarity %.3f", f.Box[:2], s)
				if s < DefaultThreshold {
					t.Errorf("face at %.0f: similarity %.3f below %v", f.Box[:2], s, DefaultThreshold)
				}
				if other, best := bestOtherMatch(t, e, g.Embedding, f); best >= s {
					t.Errorf("face at %.0f: %s is closer (%.3f) than itself (%.3f)", f.Box[:2], other, best, s)
				}
			}
		})
	}
}

// bestOtherMatch returns the sample face other than self that is most
// similar to emb.
func bestOtherMatch(tb testing.TB, e *Engine, emb []float32, self Face) (string, float32) {
	tb.Helper()
	name, best := "", float32(-1)
	for n := range sampleFaces {
		for i, f := range facesOf(tb, e, n+1) {
			if f.Box == self.Box && Similarity(f.Embedding, self.Embedding) == 1 {
				continue
			}
			if s := Similarity(emb, f.Embedding); s > best {
				name, best = fmt.Sprintf("sample%d face %d", n+1, i), s
			}
		}
	}
	return name, best
}

// faceAt returns the face whose box contains (x, y).
func faceAt(faces []Face, x, y float64) (Face, bool) {
	for _, f := range faces {
		if x >= f.Box[0] && x < f.Box[0]+f.Box[2] && y >= f.Box[1] && y < f.Box[1]+f.Box[3] {
			return f, true
		}
	}
	return Face{}, false
}

func TestAnalyze(t *testing.T) {
	skipUnderRace(t)
	e := mustEngine(t)
	ctx := context.Background()
	img := decodeSample(t, 6)
	face := facesOf(t, e, 6)[0]
	// A selfie: a 640×640 crop around one face, 3× its box.
	cx, cy, side := face.Box[0]+face.Box[2]/2, face.Box[1]+face.Box[3]/2, 3*face.Box[2]
	k := side / 640
	selfie := transformed(t, img, affine{x0: cx - side/2 + 0.5*k, y0: cy - side/2 + 0.5*k, ux: k, vy: k}, 640, 640)
	// The same framing at 90×90 pixels: the face is about 30 pixels wide.
	k = side / 90
	tiny := transformed(t, img, affine{x0: cx - side/2 + 0.5*k, y0: cy - side/2 + 0.5*k, ux: k, vy: k}, 90, 90)
	blank := transformed(t, &rgbImage{w: 1, h: 1, pix: []uint8{90, 120, 150}}, affine{ux: 1.0 / 400, vy: 1.0 / 400}, 400, 300)

	for _, tt := range []struct {
		name   string
		jpeg   []byte
		reason string
	}{
		{"selfie", selfie, ""},
		{"group photo", halfSample(t, 6), MultipleFaces},
		{"no face", blank, NoFace},
		{"tiny face", tiny, FaceTooSmall},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a, err := e.Analyze(ctx, tt.jpeg)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%+v", Analysis{FaceDetected: a.FaceDetected, Score: a.Score, RejectionReason: a.RejectionReason})
			if a.RejectionReason != tt.reason {
				t.Fatalf("rejection %q, want %q", a.RejectionReason, tt.reason)
			}
			if a.FaceDetected != (tt.reason != NoFace) {
				t.Errorf("FaceDetected = %v", a.FaceDetected)
			}
			if tt.reason != "" {
				if a.Embedding != nil {
					t.Error("embedding on a rejected selfie")
				}
				return
			}
			if s := Similarity(a.Embedding, face.Embedding); s < DefaultThreshold {
				t.Errorf("selfie matches its photo at %.3f only", s)
			}
		})
	}
	if _, err := e.Analyze(ctx, []byte("not a jpeg")); !errors.Is(err, ErrImage) {
		t.Errorf("Analyze(garbage) error %v, want ErrImage", err)
	}
}

func TestDetectAndEmbed(t *testing.T) {
	skipUnderRace(t)
	e := mustEngine(t)
	src, err := jpeg.Decode(bytes.NewReader(halfSample(t, 1)))
	if err != nil {
		t.Fatal(err)
	}
	// A sub-image: coordinates stay those of the original.
	sub := src.(*image.YCbCr).SubImage(image.Rect(150, 150, 550, 400))
	dets, err := e.Detect(sub)
	if err != nil {
		t.Fatal(err)
	}
	if len(dets) != 2 {
		t.Fatalf("%d faces in the sub-image, want 2", len(dets))
	}
	whole := facesOf(t, e, 1)
	for _, d := range dets {
		if !d.Box.In(sub.Bounds()) || len(d.Keypoints) != numKeypoints {
			t.Errorf("detection %v with %d keypoints outside %v", d.Box, len(d.Keypoints), sub.Bounds())
		}
		if d.Keypoints[0].X >= d.Keypoints[1].X {
			t.Errorf("right eye %v is not left of left eye %v in the image", d.Keypoints[0], d.Keypoints[1])
		}
		emb, err := e.Embed(sub, d)
		if err != nil {
			t.Fatal(err)
		}
		c := d.Box.Min.Add(d.Box.Size().Div(2))
		f, ok := faceAt(whole, float64(c.X), float64(c.Y))
		if !ok {
			t.Fatalf("face at %v not found in the whole photo", d.Box)
		}
		if s := Similarity(emb, f.Embedding); s < 0.9 {
			t.Errorf("face at %v: similarity %.3f to the whole photo's", d.Box, s)
		}
	}
}

package retinatest

import (
	"image"
	"math"
	"slices"
	"testing"

	"github.com/disintegration/imaging"
)

func TestDetectFacesSurvivesJPEGAndResizing(t *testing.T) {
	// Every person once, on a 4×3 grid.
	var faces []placed
	for person := range Palette {
		faces = append(faces, placed{person: person, x: 300*(person%4) + 75, y: 300*(person/4) + 75, size: 150})
	}
	src := picture(1200, 900, faces...)
	variants := map[string]image.Image{
		"raw":            src,
		"jpeg q60":       decodeJPEG(t, encodeJPEG(t, src, 60)),
		"800px jpeg q75": decodeJPEG(t, encodeJPEG(t, resizeWidth(decodeJPEG(t, encodeJPEG(t, src, 90)), 800), 75)),
		"300px jpeg q50": decodeJPEG(t, encodeJPEG(t, resizeWidth(src, 300), 50)),
		"800px lanczos":  decodeJPEG(t, encodeJPEG(t, imaging.Resize(src, 800, 0, imaging.Lanczos), 80)),
	}
	for name, img := range variants {
		found := detectFaces(img)
		if len(found) != len(Palette) {
			t.Errorf("%s: found %d faces, want %d: %+v", name, len(found), len(Palette), found)
			continue
		}
		scale := float64(img.Bounds().Dx()) / 1200
		for i, f := range found {
			if f.person != i {
				t.Errorf("%s: face %d is person %d", name, i, f.person)
				continue
			}
			// The box is within a few percent of the drawn square.
			want := [4]float64{float64(faces[i].x) * scale, float64(faces[i].y) * scale, 150 * scale, 150 * scale}
			have := [4]float64{float64(f.box.Min.X), float64(f.box.Min.Y), float64(f.box.Dx()), float64(f.box.Dy())}
			for j := range want {
				if math.Abs(have[j]-want[j]) > 0.02*float64(img.Bounds().Dx()) {
					t.Errorf("%s: person %d box %v, want about %v", name, i, have, want)
					break
				}
			}
		}
	}
}

func TestDetectFacesSeveralPeople(t *testing.T) {
	img := picture(1600, 1200,
		placed{person: 1, x: 100, y: 100, size: 200},
		placed{person: 2, x: 700, y: 500, size: 150},
		placed{person: 7, x: 1200, y: 200, size: 60}, // small but found
	)
	faces := detectFaces(resizeWidth(decodeJPEG(t, encodeJPEG(t, img, 80)), 800))
	var got []int
	for _, f := range faces {
		got = append(got, f.person)
	}
	if !slices.Equal(got, []int{1, 2, 7}) {
		t.Fatalf("persons %v, want [1 2 7]", got)
	}
}

func TestDetectFacesNone(t *testing.T) {
	tiny := picture(800, 600, placed{person: 3, x: 10, y: 10, size: 6})
	for name, img := range map[string]image.Image{
		"background only": decodeJPEG(t, encodeJPEG(t, picture(800, 600), 70)),
		"speck":           tiny,
		"empty":           image.NewRGBA(image.Rect(0, 0, 0, 0)),
	} {
		if faces := detectFaces(img); len(faces) != 0 {
			t.Errorf("%s: found %+v", name, faces)
		}
	}
}

func TestEmbedding(t *testing.T) {
	cos := func(a, b []float32) float64 {
		var dot float64
		for i := range a {
			dot += float64(a[i]) * float64(b[i])
		}
		return dot
	}
	for i := range Palette {
		e := Embedding(i)
		if len(e) != 512 {
			t.Fatalf("len %d", len(e))
		}
		if !slices.Equal(e, Embedding(i)) {
			t.Fatalf("person %d: embedding not deterministic", i)
		}
		if c := cos(e, e); math.Abs(c-1) > 1e-5 {
			t.Errorf("person %d: norm² %v, want 1", i, c)
		}
		for j := range i {
			if c := cos(e, Embedding(j)); math.Abs(c) > 1e-5 {
				t.Errorf("persons %d and %d: cosine %v, want 0", i, j, c)
			}
		}
	}
}

func TestDrawFacePanicsOutsidePalette(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("no panic")
		}
	}()
	DrawFace(image.NewRGBA(image.Rect(0, 0, 10, 10)), image.Rect(0, 0, 5, 5), len(Palette))
}

package face

import (
	"context"
	"math"
	"testing"
)

func TestFineScale(t *testing.T) {
	for _, tt := range []struct {
		w, h    int
		minFace float64
		want    float64
	}{
		{2048, 1365, 40, 1},             // scanned up to 1024: windows at full resolution
		{6000, 4000, 40, 2048.0 / 6000}, // twice the finest scale
		{1024, 768, 40, 1},
		{512, 400, 30, 0},       // already scanned at full resolution
		{2048, 1536, 200, 0.25}, // one scale, so windows at the next
	} {
		got := fineScale(tt.w, tt.h, tt.minFace)
		if got != tt.want {
			t.Errorf("fineScale(%d, %d, %g) = %g, want %g", tt.w, tt.h, tt.minFace, got, tt.want)
		}
	}
}

// TestScanFineFindsSmallFaces shrinks a sample photo inside a 2048 px
// wide image until its faces are 14 pixels wide (a 40 px face of a 6000 px
// photo indexed at 2048), too small for the finest scale, and checks that
// the windows find all three where they are.
func TestScanFineFindsSmallFaces(t *testing.T) {
	skipUnderRace(t)
	e := mustEngine(t)
	src, err := decodeJPEG(readSample(t, 1))
	if err != nil {
		t.Fatal(err)
	}
	big, err := e.faces(context.Background(), src)
	if err != nil {
		t.Fatal(err)
	}
	if len(big) < 3 {
		t.Fatalf("%d faces in the sample, want its 3", len(big))
	}
	big = big[:3]           // best first: the sample's people
	k := big[0].Box[2] / 14 // sample pixels per pixel of the small image
	small := resampled(src, affine{x0: k / 2, y0: k / 2, ux: k, vy: k}, 2048, 1365)
	found := func(windows int) int {
		t.Helper()
		e := *e
		e.FineWindows = windows
		faces, err := e.faces(context.Background(), small)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, b := range big {
			cx, cy := (b.Box[0]+b.Box[2]/2)/k, (b.Box[1]+b.Box[3]/2)/k
			n += min(1, countFunc(faces, func(f Face) bool {
				return math.Abs(f.Box[0]+f.Box[2]/2-cx) < 5 && math.Abs(f.Box[1]+f.Box[3]/2-cy) < 5
			}))
		}
		return n
	}
	if n := found(0); n == 3 {
		t.Errorf("the scales alone find all %d faces: the test needs smaller ones", n)
	}
	if n := found(12); n != 3 {
		t.Errorf("with windows %d of the 3 faces found", n)
	}
}

func countFunc[T any](s []T, f func(T) bool) int {
	n := 0
	for _, v := range s {
		if f(v) {
			n++
		}
	}
	return n
}

// resampled is img sampled through a into a w×h image, its edges repeated
// outside it.
func resampled(img *rgbImage, a affine, w, h int) *rgbImage {
	t := img.sampleEdge(a, w, h, 1, 0, true)
	out := &rgbImage{w: w, h: h, pix: make([]uint8, len(t.data))}
	for i, v := range t.data {
		out.pix[i] = uint8(min(max(math.Round(float64(v)), 0), 255))
	}
	return out
}

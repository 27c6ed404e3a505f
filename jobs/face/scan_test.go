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
	src, big := samplePeople(t, e)
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

// samplePeople decodes sample photo 1 and returns it with the faces of its
// three people.
func samplePeople(t *testing.T, e *Engine) (*rgbImage, []Face) {
	t.Helper()
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
	return src, big[:3] // best first: the sample's people
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

// TestCloserWindowsFindSmallerFaces shrinks a sample photo into the middle
// of a 3000 px wide image (the size a 6000 px photo is indexed at) until
// its faces are 10 pixels wide, 7 px in a window at fineScale, where the
// windows find one of its three faces, and checks that the closer windows
// find all three where they are. (The sample's faces are sharp and well
// lit: the windows find them down to 12 px, where they miss many of the
// face-eval sets' faces under 30 px.)
func TestCloserWindowsFindSmallerFaces(t *testing.T) {
	skipUnderRace(t)
	e := mustEngine(t)
	src, big := samplePeople(t, e)
	k := big[0].Box[2] / 10
	const w, h = 3000, 2000
	dx, dy := (w-float64(src.w)/k)/2, (h-float64(src.h)/k)/2 // the sample's corner in the image
	small := resampled(src, affine{x0: k/2 - dx*k, y0: k/2 - dy*k, ux: k, vy: k}, w, h)
	found := func(zoom float64) int {
		t.Helper()
		cands, weak, err := e.det.scanWeak(context.Background(), small, e.MinScore, e.MinFace)
		if err != nil {
			t.Fatal(err)
		}
		fine, err := e.det.scanFine(context.Background(), small, e.MinScore, e.MinFace, cands, weak, e.FineWindows, zoom)
		if err != nil {
			t.Fatal(err)
		}
		cands = append(cands, fine...)
		n := 0
		for _, b := range big {
			cx, cy := (b.Box[0]+b.Box[2]/2)/k+dx, (b.Box[1]+b.Box[3]/2)/k+dy
			n += min(1, countFunc(cands, func(c candidate) bool {
				return math.Abs((c.x1+c.x2)/2-cx) < 5 && math.Abs((c.y1+c.y2)/2-cy) < 5
			}))
		}
		return n
	}
	if n := found(0); n == 3 {
		t.Errorf("the windows alone find all %d faces: the test needs smaller ones", n)
	}
	if n := found(closerZoom); n != 3 {
		t.Errorf("with closer windows %d of the 3 faces found", n)
	}
}

package photo

import (
	"image"
	"math"
	"testing"

	"github.com/disintegration/imaging"

	"lightbox/jobs/photo/phototest"
)

func TestPlanFor(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		w, h int
		want plan
	}{
		{6000, 4000, plan{mid: size{2048, 1365}, preview: size{2048, 1365}, thumb800: size{800, 533}, thumb400: size{400, 267}}},
		{4000, 6000, plan{mid: size{1365, 2048}, preview: size{1365, 2048}, thumb800: size{533, 800}, thumb400: size{267, 400}}},
		{1600, 1600, plan{mid: size{1600, 1600}, preview: size{1600, 1600}, thumb800: size{800, 800}, thumb400: size{400, 400}}},
		{1000, 700, plan{mid: size{1000, 700}, preview: size{1000, 700}, thumb800: size{800, 560}, thumb400: size{400, 280}}},
		{600, 450, plan{mid: size{600, 450}, preview: size{600, 450}, thumb800: size{600, 450}, thumb400: size{400, 300}}},
		{300, 200, plan{mid: size{300, 200}, preview: size{300, 200}, thumb800: size{300, 200}, thumb400: size{300, 200}}},
		{1, 1, plan{mid: size{1, 1}, preview: size{1, 1}, thumb800: size{1, 1}, thumb400: size{1, 1}}},
		// A tall panorama: every size follows the long edge.
		{1000, 5000, plan{mid: size{410, 2048}, preview: size{410, 2048}, thumb800: size{160, 800}, thumb400: size{80, 400}}},
		// A wide panorama: heights round but never reach 0.
		{12000, 20, plan{mid: size{2048, 3}, preview: size{2048, 3}, thumb800: size{800, 1}, thumb400: size{400, 1}}},
	} {
		if got := planFor(tc.w, tc.h); got != tc.want {
			t.Errorf("planFor(%d, %d) = %+v, want %+v", tc.w, tc.h, got, tc.want)
		}
	}
}

// TestDeriveSizes checks output sizes and aspect ratios end to end,
// including an original stored sideways.
func TestDeriveSizes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name                     string
		w, h, orientation        int
		thumb400, thumb800, prev size
	}{
		{"landscape", 3000, 2000, 1, size{400, 267}, size{800, 533}, size{2048, 1365}},
		{"portrait", 1200, 1800, 1, size{267, 400}, size{533, 800}, size{1200, 1800}},
		{"stored sideways", 1800, 1200, 6, size{267, 400}, size{533, 800}, size{1200, 1800}},
		{"small, never enlarged", 300, 200, 1, size{300, 200}, size{300, 200}, size{300, 200}},
		{"tall panorama", 850, 2550, 1, size{133, 400}, size{267, 800}, size{683, 2048}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			// Flat quarters decode quickly; only the sizes matter here.
			flat := imaging.Resize(quadrants(8, 8), tc.w, tc.h, imaging.NearestNeighbor)
			src := phototest.InsertSegments(phototest.JPEG(flat, 85), phototest.ExifSegment(tc.orientation, false))
			d := derive(t, src, Options{Watermark: "Studio"})
			uw, uh := tc.w, tc.h
			if swapsAxes(tc.orientation) {
				uw, uh = uh, uw
			}
			if d.Width != uw || d.Height != uh {
				t.Errorf("Width×Height = %d×%d, want %d×%d", d.Width, d.Height, uw, uh)
			}
			for _, out := range []struct {
				name string
				b    []byte
				want size
			}{{"Thumb400", d.Thumb400, tc.thumb400}, {"Thumb800", d.Thumb800, tc.thumb800}, {"Watermarked", d.Watermarked, tc.prev}} {
				got := sizeOf(t, out.b)
				if got != out.want {
					t.Errorf("%s is %v, want %v", out.name, got, out.want)
				}
				if r, want := float64(got.w)/float64(got.h), float64(uw)/float64(uh); math.Abs(r-want)/want > 0.005 {
					t.Errorf("%s aspect ratio %.4f, original %.4f", out.name, r, want)
				}
			}
		})
	}
}

// TestTransparentPNG checks that transparency is flattened onto white, not
// black, in the JPEG outputs.
func TestTransparentPNG(t *testing.T) {
	t.Parallel()
	src := phototest.PNG(image.NewNRGBA(image.Rect(0, 0, 50, 40)))
	d := derive(t, src, Options{})
	r, g, b, _ := decodeJPEG(t, d.Thumb400).At(25, 20).RGBA()
	if r>>8 < 245 || g>>8 < 245 || b>>8 < 245 {
		t.Errorf("transparent pixel became (%d, %d, %d), want white", r>>8, g>>8, b>>8)
	}
}

// TestGrayscaleJPEG checks that a grayscale JPEG (decoded as *image.Gray)
// goes through Derive and both paths of Clean.
func TestGrayscaleJPEG(t *testing.T) {
	t.Parallel()
	photo := phototest.Photo(500, 300, 10)
	gray := phototest.JPEG(convert(photo, image.NewGray(photo.Bounds())), 85)
	for _, o := range []int{1, 6} {
		src := phototest.InsertSegments(gray, phototest.ExifSegment(o, false))
		d := derive(t, src, Options{Watermark: "x"})
		if got, want := sizeOf(t, d.Thumb400), fitLongEdge(d.Width, d.Height, 400); got != want {
			t.Errorf("orientation %d: Thumb400 is %v, want %v", o, got, want)
		}
		clean, err := Clean(src)
		if err != nil {
			t.Fatalf("orientation %d: Clean: %v", o, err)
		}
		if got, want := sizeOf(t, clean), (size{d.Width, d.Height}); got != want {
			t.Errorf("orientation %d: Clean is %v, want %v", o, got, want)
		}
		if _, ok := decodeJPEG(t, clean).(*image.Gray); !ok {
			t.Errorf("orientation %d: Clean did not stay grayscale", o)
		}
	}
}

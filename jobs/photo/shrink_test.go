package photo

import (
	"fmt"
	"image"
	"testing"

	"github.com/disintegration/imaging"

	"lightbox/jobs/photo/phototest"
)

// TestPreShrink checks that shrinking on the YCbCr planes first gives the
// same picture as resizing the full image, for each chroma layout and for
// factors 2, 4 and 8, and that it leaves small reductions alone.
func TestPreShrink(t *testing.T) {
	t.Parallel()
	photo := phototest.Photo(1200, 800, 12)
	for _, tc := range []struct {
		name   string
		img    image.Image
		target size
		factor int
	}{
		{"4:2:0 by 2", photo, size{300, 200}, 2},
		{"4:2:0 by 4", photo, size{200, 133}, 4},
		{"4:2:0 by 8", photo, size{75, 50}, 8},
		{"4:2:2 by 2", convertYCbCr(photo, image.YCbCrSubsampleRatio422), size{300, 200}, 2},
		{"4:4:0 by 4", convertYCbCr(photo, image.YCbCrSubsampleRatio440), size{200, 133}, 4},
		{"4:4:4 by 2", convertYCbCr(photo, image.YCbCrSubsampleRatio444), size{300, 200}, 2},
		{"gray by 2", convert(photo, image.NewGray(photo.Bounds())), size{300, 200}, 2},
		{"odd size by 2", phototest.Photo(601, 401, 13), size{150, 100}, 2},
		{"too little to gain", photo, size{500, 333}, 1},
		{"4:1:1 is left alone", convertYCbCr(photo, image.YCbCrSubsampleRatio411), size{150, 100}, 1},
		{"NRGBA is left alone", imaging.Clone(phototest.Photo(400, 300, 14)), size{100, 75}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			small := preShrink(tc.img, tc.target)
			b := tc.img.Bounds()
			if got, want := small.Bounds(), image.Rect(0, 0, b.Dx()/tc.factor, b.Dy()/tc.factor); got != want {
				t.Fatalf("shrunk to %v, want %v", got, want)
			}
			got := imaging.Resize(small, tc.target.w, tc.target.h, imaging.Linear)
			want := imaging.Resize(tc.img, tc.target.w, tc.target.h, imaging.Linear)
			if d := meanAbsDiff(got, want); d > 2 {
				t.Errorf("mean difference from a direct resize is %.2f", d)
			}
		})
	}
}

func TestBoxShrink(t *testing.T) {
	t.Parallel()
	src := []byte{
		0, 2, 4, 6, 9,
		2, 4, 6, 8, 9,
		9, 9, 9, 9, 9,
	}
	for _, tc := range []struct {
		fx, fy int
		want   []byte
	}{
		{2, 2, []byte{2, 6}},
		{2, 1, []byte{1, 5, 3, 7, 9, 9}},
		{4, 2, []byte{4}},
		{1, 3, []byte{4, 5, 6, 8, 9}},
	} {
		got, stride := boxShrink(src, 5, 5, 3, tc.fx, tc.fy)
		if fmt.Sprint(got) != fmt.Sprint(tc.want) || stride != 5/tc.fx {
			t.Errorf("%dx%d: got %v stride %d, want %v", tc.fx, tc.fy, got, stride, tc.want)
		}
	}
}

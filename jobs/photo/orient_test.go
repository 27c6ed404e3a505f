package photo

import (
	"bytes"
	"fmt"
	"image"
	"image/color/palette"
	"image/draw"
	"testing"

	"github.com/disintegration/imaging"

	"lightbox/jobs/photo/phototest"
)

// TestOrientationUpright stores the same upright picture under each EXIF
// orientation and checks that every output displays it upright.
func TestOrientationUpright(t *testing.T) {
	t.Parallel()
	upright := quadrants(1000, 600)
	for o := 1; o <= 8; o++ {
		t.Run(fmt.Sprint("orientation ", o), func(t *testing.T) {
			t.Parallel()
			src := phototest.InsertSegments(
				phototest.JPEG(storedAs(upright, o), 90),
				phototest.ExifSegment(o, o%2 == 0)) // both byte orders

			d := derive(t, src, Options{})
			if d.Width != 1000 || d.Height != 600 {
				t.Errorf("Derive size = %dx%d, want 1000x600", d.Width, d.Height)
			}
			checkUpright(t, "Thumb400", decodeJPEG(t, d.Thumb400))
			checkUpright(t, "Thumb800", decodeJPEG(t, d.Thumb800))
			checkUpright(t, "Watermarked", decodeJPEG(t, d.Watermarked))

			clean, err := Clean(src)
			if err != nil {
				t.Fatalf("Clean: %v", err)
			}
			checkUpright(t, "Clean", decodeJPEG(t, clean))
			if got := sizeOf(t, clean); got != (size{1000, 600}) {
				t.Errorf("Clean size = %v, want {1000 600}", got)
			}

			selfie, err := Selfie(bytes.NewReader(src), Limits{})
			if err != nil {
				t.Fatalf("Selfie: %v", err)
			}
			checkUpright(t, "Selfie", decodeJPEG(t, selfie))
		})
	}
}

// TestOrientationPNG checks that a PNG eXIf orientation is honoured.
func TestOrientationPNG(t *testing.T) {
	t.Parallel()
	upright := quadrants(300, 200)
	for _, o := range []int{1, 3, 6, 8} {
		t.Run(fmt.Sprint("orientation ", o), func(t *testing.T) {
			src := phototest.InsertChunks(phototest.PNG(storedAs(upright, o)),
				phototest.Chunk("eXIf", phototest.ExifTIFF(o, true)))
			d := derive(t, src, Options{})
			checkUpright(t, "Thumb400", decodeJPEG(t, d.Thumb400))
			clean, err := Clean(src)
			if err != nil {
				t.Fatalf("Clean: %v", err)
			}
			checkUpright(t, "Clean", decodePNG(t, clean))
			selfie, err := Selfie(bytes.NewReader(src), Limits{})
			if err != nil {
				t.Fatalf("Selfie: %v", err)
			}
			checkUpright(t, "Selfie", decodeJPEG(t, selfie))
		})
	}
}

// TestOrientPixelTypes checks the plane-by-plane transform against
// imaging's NRGBA transforms for every pixel type orient handles, including
// odd sizes that must fall back to NRGBA.
func TestOrientPixelTypes(t *testing.T) {
	t.Parallel()
	reference := map[int]func(image.Image) *image.NRGBA{
		2: imaging.FlipH, 3: imaging.Rotate180, 4: imaging.FlipV, 5: imaging.Transpose,
		6: imaging.Rotate270, 7: imaging.Transverse, 8: imaging.Rotate90,
	}
	photo := phototest.Photo(64, 48, 7)
	sources := map[string]image.Image{
		"YCbCr 4:2:0":      photo,
		"YCbCr 4:2:2":      convertYCbCr(photo, image.YCbCrSubsampleRatio422),
		"YCbCr 4:4:0":      convertYCbCr(photo, image.YCbCrSubsampleRatio440),
		"YCbCr 4:4:4":      convertYCbCr(photo, image.YCbCrSubsampleRatio444),
		"YCbCr 4:1:1":      convertYCbCr(photo, image.YCbCrSubsampleRatio411),
		"YCbCr odd 4:2:0":  phototest.Photo(33, 21, 8),
		"Gray":             convert(photo, image.NewGray(photo.Bounds())),
		"Gray16":           convert(photo, image.NewGray16(photo.Bounds())),
		"RGBA64":           convert(photo, image.NewRGBA64(photo.Bounds())),
		"NRGBA":            imaging.Clone(photo),
		"NRGBA sub-image":  imaging.Clone(photo).SubImage(image.Rect(5, 3, 40, 30)),
		"CMYK":             convert(photo, image.NewCMYK(photo.Bounds())),
		"Paletted (other)": convert(photo, image.NewPaletted(photo.Bounds(), palette.WebSafe)),
	}
	for name, src := range sources {
		for o := 2; o <= 8; o++ {
			got := imaging.Clone(orient(src, o))
			want := reference[o](src)
			if !bytes.Equal(got.Pix, want.Pix) || got.Rect != want.Rect {
				t.Errorf("%s orientation %d: pixels differ from imaging's transform", name, o)
			}
		}
	}
	if got := orient(photo, 1); got != image.Image(photo) {
		t.Error("orientation 1 should return the image itself")
	}
	if r := orient(convertYCbCr(photo, image.YCbCrSubsampleRatio422), 6).(*image.YCbCr).SubsampleRatio; r != image.YCbCrSubsampleRatio440 {
		t.Errorf("4:2:2 rotated by 90° has ratio %v, want 4:4:0", r)
	}
}

// convertYCbCr re-samples m's pixels into a YCbCr image with another ratio.
func convertYCbCr(m *image.YCbCr, r image.YCbCrSubsampleRatio) *image.YCbCr {
	b := m.Bounds()
	out := image.NewYCbCr(b, r)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			c := m.YCbCrAt(x, y)
			out.Y[out.YOffset(x, y)] = c.Y
			out.Cb[out.COffset(x, y)] = c.Cb
			out.Cr[out.COffset(x, y)] = c.Cr
		}
	}
	return out
}

// convert draws m into dst, converting its pixels to dst's type.
func convert[T draw.Image](m image.Image, dst T) T {
	draw.Draw(dst, dst.Bounds(), m, m.Bounds().Min, draw.Src)
	return dst
}

// TestDownscaleUpright checks the resize-then-rotate step on a decoded JPEG
// large enough to be shrunk on its YCbCr planes first, for every
// orientation.
func TestDownscaleUpright(t *testing.T) {
	t.Parallel()
	upright := quadrants(240, 160)
	for o := 1; o <= 8; o++ {
		stored := storedAs(upright, o)
		big := imaging.Resize(stored, stored.Rect.Dx()*5, stored.Rect.Dy()*5, imaging.NearestNeighbor)
		img := decodeJPEG(t, phototest.JPEG(big, 85))
		if _, ok := img.(*image.YCbCr); !ok {
			t.Fatalf("decoded %T, want *image.YCbCr", img)
		}
		got := downscale(img, size{300, 200}, o, linear)
		if got.Rect != image.Rect(0, 0, 300, 200) {
			t.Errorf("orientation %d: size %v, want 300x200", o, got.Rect)
		}
		checkUpright(t, fmt.Sprint("orientation ", o), got)
	}
}

// TestOrientationReducedDecode checks every orientation when the JPEG is
// decoded at a reduced scale: a 2101×1501 photo fitted into 1000 px decodes
// at 1/2 (1051×751), an odd size whose last block row and column are partial.
func TestOrientationReducedDecode(t *testing.T) {
	t.Parallel()
	upright := quadrants(2101, 1501)
	for o := 1; o <= 8; o++ {
		t.Run(fmt.Sprint("orientation ", o), func(t *testing.T) {
			t.Parallel()
			src := phototest.InsertSegments(phototest.JPEG(storedAs(upright, o), 90), phototest.ExifSegment(o, false))
			s, err := inspect(src, Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if got := s.scaleFor(fitLongEdge(2101, 1501, 1000)); got != 2 {
				t.Fatalf("scaleFor = %d, want 2", got)
			}
			img, err := Upright(bytes.NewReader(src), Limits{}, 1000)
			if err != nil {
				t.Fatal(err)
			}
			if b := img.Bounds(); b.Dx() != 1000 || b.Dy() != 714 {
				t.Errorf("Upright size = %v, want 1000x714", b.Size())
			}
			checkUpright(t, "Upright", img)
		})
	}
}

// TestDeriveFace checks the face index's image comes upright from the same
// decode as the derivatives, at its own size or the preview's.
func TestDeriveFace(t *testing.T) {
	t.Parallel()
	upright := quadrants(2101, 1501)
	src := phototest.InsertSegments(phototest.JPEG(storedAs(upright, 6), 90), phototest.ExifSegment(6, false))
	for _, edge := range []int{1000, 2048, 2101} {
		d := derive(t, src, Options{Watermark: "W", FaceLongEdge: edge})
		want := fitLongEdge(2101, 1501, edge)
		if d.Face == nil || d.Face.Bounds().Dx() != want.w || d.Face.Bounds().Dy() != want.h {
			t.Fatalf("FaceLongEdge %d: face image %v, want %v", edge, d.Face, want)
		}
		checkUpright(t, fmt.Sprint("Face ", edge), d.Face)
	}
	if d := derive(t, src, Options{}); d.Face != nil {
		t.Error("a face image nobody asked for")
	}
}

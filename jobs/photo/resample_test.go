package photo

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/disintegration/imaging"

	"lightbox/jobs/photo/phototest"
)

// psnr is the peak signal-to-noise ratio of b against a over their RGB
// channels, in dB (+Inf when they are equal). Both must have a's bounds.
func psnr(tb testing.TB, a, b image.Image) float64 {
	tb.Helper()
	if a.Bounds() != b.Bounds() {
		tb.Fatalf("bounds %v and %v differ", a.Bounds(), b.Bounds())
	}
	na, nb := imaging.Clone(a), imaging.Clone(b)
	var se float64
	for i := range na.Pix {
		if i%4 == 3 {
			continue
		}
		d := float64(na.Pix[i]) - float64(nb.Pix[i])
		se += d * d
	}
	mse := se / float64(len(na.Pix)/4*3)
	return 10 * math.Log10(255*255/mse)
}

// colourEdges returns a w×h 4:2:0 picture of saturated colour blocks, 4
// to 24 pixels wide and aligned to chroma samples, so that 4:2:0 holds its
// colours exactly (see full444) and any misplacement of chroma against luma
// shows on every edge.
func colourEdges(w, h int) *image.YCbCr {
	colours := [][3]uint8{{230, 20, 20}, {20, 40, 230}, {240, 240, 30}, {20, 200, 60}, {250, 250, 250}, {10, 10, 10}}
	m := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	at := func(x, y int) (uint8, uint8, uint8) {
		bx, by := x/2, y/2 // in chroma samples
		c := colours[(bx/(2+by/8%5)+by/(2+bx/12%4))%len(colours)]
		return color.RGBToYCbCr(c[0], c[1], c[2])
	}
	for y := range h {
		for x := range w {
			yy, cb, cr := at(x, y)
			m.Y[m.YOffset(x, y)] = yy
			m.Cb[m.COffset(x, y)], m.Cr[m.COffset(x, y)] = cb, cr
		}
	}
	return m
}

// committedPhotos decodes the small photos committed for the JPEG decoder's
// tests, one per chroma layout and a gray one.
func committedPhotos(t *testing.T) map[string]image.Image {
	t.Helper()
	out := map[string]image.Image{}
	for _, name := range []string{"video-001.q50.420.jpeg", "video-001.q50.422.jpeg", "video-001.q50.440.jpeg", "video-001.q50.444.jpeg", "video-001.jpeg", "video-005.gray.jpeg"} {
		b, err := os.ReadFile(filepath.Join("internal", "jpeg", "testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		img, err := jpeg.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out[name] = img
	}
	return out
}

// TestResizePlanesMatchesImaging compares the resize from the decoded planes
// with imaging's resize of the same image (which converts every pixel to
// RGB first, replicating chroma): they should differ only by rounding and
// the smoother chroma interpolation.
func TestResizePlanesMatchesImaging(t *testing.T) {
	t.Parallel()
	type input struct {
		name string
		img  image.Image
	}
	photo := phototest.Photo(1200, 800, 21)
	edges := colourEdges(600, 400)
	inputs := []input{
		{"photo 4:2:0", photo},
		{"photo 4:2:2", convertYCbCr(photo, image.YCbCrSubsampleRatio422)},
		{"photo 4:4:0", convertYCbCr(photo, image.YCbCrSubsampleRatio440)},
		{"photo 4:4:4", convertYCbCr(photo, image.YCbCrSubsampleRatio444)},
		{"photo gray", convert(photo, image.NewGray(photo.Bounds()))},
		{"odd-sized photo 4:2:0", phototest.Photo(601, 399, 22)},
		{"colour edges 4:2:0", edges},
	}
	for name, img := range committedPhotos(t) {
		inputs = append(inputs, input{name, img})
	}
	for _, in := range inputs {
		b := in.img.Bounds()
		for _, s := range []size{
			{b.Dx() * 2 / 3, b.Dy() * 2 / 3}, // the usual reduction, under 2
			{b.Dx() / 3, b.Dy() / 5},         // a larger one, and unequal
			{b.Dx()/2 + 1, b.Dy()/2 - 1},
			{b.Dx(), b.Dy()}, // the same size: chroma upsampled only
		} {
			got := resizePlanes(in.img, s, linear)
			if got == nil {
				t.Fatalf("%s: not resized from its planes", in.name)
			}
			want := imaging.Resize(in.img, s.w, s.h, imaging.Linear)
			// Sharp saturated colour edges, and the same size (where
			// chroma is interpolated here but replicated by imaging), show
			// the two chroma reconstructions apart; a chroma shift of a
			// quarter sample costs 5 to 15 dB more in each case.
			floor := 38.0
			switch {
			case s == size{b.Dx(), b.Dy()} && in.img == image.Image(edges):
				floor = 18
			case s == size{b.Dx(), b.Dy()}:
				floor = 36
			case in.img == image.Image(edges):
				floor = 30
			}
			p := psnr(t, want, got)
			t.Logf("%s to %v: %.1f dB", in.name, s, p)
			if p < floor {
				t.Errorf("%s to %v: PSNR %.1f dB against imaging, want ≥ %.0f", in.name, s, p, floor)
			}
		}
	}
}

// TestResizePlanesChromaSiting checks chroma placement on its own: a 4:2:0
// picture of colour edges resized from its planes must match a resize of the
// same picture with chroma at full resolution (4:4:4, every chroma sample
// exactly where its luma sample is) much more closely than a half-sample
// shift of chroma would allow.
func TestResizePlanesChromaSiting(t *testing.T) {
	t.Parallel()
	edges := colourEdges(601, 401)
	full := convertYCbCr(edges, image.YCbCrSubsampleRatio444)
	s := size{400, 267}
	want := resizePlanes(full, s, linear)
	got := resizePlanes(edges, s, linear)
	p := psnr(t, want, got)
	t.Logf("4:2:0 against 4:4:4: %.1f dB", p)
	if p < 35 { // 38 dB here; chroma a quarter sample off gives 27, half a sample 21
		t.Errorf("PSNR %.1f dB, want ≥ 35: chroma is misplaced", p)
	}
}

// TestResizePlanesOddSizes checks sizes that leave partial chroma samples
// or a single row or column, against imaging.
func TestResizePlanesOddSizes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		src, dst size
	}{
		{size{17, 9}, size{11, 6}},
		{size{17, 9}, size{17, 9}},
		{size{1, 40}, size{1, 27}},
		{size{40, 1}, size{27, 1}},
		{size{1, 1}, size{1, 1}},
		{size{3, 2}, size{1, 1}},
		{size{601, 399}, size{205, 136}}, // a 6001×3999 photo at 1/10
	} {
		img := phototest.Photo(tc.src.w, tc.src.h, 23)
		got := resizePlanes(img, tc.dst, linear)
		if got == nil || got.Rect != image.Rect(0, 0, tc.dst.w, tc.dst.h) {
			t.Fatalf("%v to %v: got %v", tc.src, tc.dst, got)
		}
		if !got.Opaque() {
			t.Errorf("%v to %v: not opaque", tc.src, tc.dst)
		}
		want := imaging.Resize(img, tc.dst.w, tc.dst.h, imaging.Linear)
		floor := 36.0
		if tc.src.w < 64 { // all edges: the chroma reconstructions differ most
			floor = 27
		}
		p := psnr(t, want, got)
		t.Logf("%v to %v: %.1f dB", tc.src, tc.dst, p)
		if p < floor {
			t.Errorf("%v to %v: PSNR %.1f dB against imaging, want ≥ %.0f", tc.src, tc.dst, p, floor)
		}
	}
}

// TestFancy2x checks the 2× chroma interpolation against the resizer's
// linear taps for the same job, byte for byte, for even and odd sizes.
func TestFancy2x(t *testing.T) {
	t.Parallel()
	for _, s := range []size{{64, 48}, {601, 399}, {17, 9}, {1, 1}, {2, 1}, {1, 2}, {3, 3}, {1, 40}, {40, 1}} {
		m := phototest.Photo(s.w, s.h, 28)
		cw, ch := (s.w+1)/2, (s.h+1)/2
		u := newFancy2x(m.Cb, m.CStride, s.w, s.h)
		r := newResizer(m.Cb, m.CStride, newTaps(s.w, cw, float64(s.w)/2, linear), newTaps(s.h, ch, float64(s.h)/2, linear))
		got, want := make([]uint8, s.w), make([]uint8, s.w)
		for y := range s.h {
			u.next(got)
			r.next(want)
			if !bytes.Equal(got, want) {
				t.Fatalf("%v row %d: %v, want %v", s, y, got, want)
			}
		}
	}
}

// TestResizePlanesOthers checks that only what it handles is resized from
// the planes: other pixel types and sub-images take imaging's path.
func TestResizePlanesOthers(t *testing.T) {
	t.Parallel()
	photo := phototest.Photo(64, 48, 24)
	for name, img := range map[string]image.Image{
		"NRGBA":           imaging.Clone(photo),
		"CMYK":            convert(photo, image.NewCMYK(photo.Bounds())),
		"YCbCr 4:1:1":     convertYCbCr(photo, image.YCbCrSubsampleRatio411),
		"YCbCr sub-image": photo.SubImage(image.Rect(3, 3, 40, 40)),
		"Gray sub-image":  convert(photo, image.NewGray(photo.Bounds())).SubImage(image.Rect(1, 1, 30, 30)),
	} {
		if got := resizePlanes(img, size{32, 24}, linear); got != nil {
			t.Errorf("%s: resized from planes", name)
		}
		if got := downscale(img, size{16, 16}, 6, linear); got.Rect != image.Rect(0, 0, 16, 16) {
			t.Errorf("%s: downscale gave %v", name, got.Rect)
		}
	}
}

// TestResize420MatchesImaging compares the 4:2:0 resize from the planes,
// for the intermediate (linear) and the thumbnails (Catmull-Rom), with
// imaging's resize in RGB then subsampled as the encoder would: they should
// differ only by rounding and the chroma reconstruction.
func TestResize420MatchesImaging(t *testing.T) {
	t.Parallel()
	photo := phototest.Photo(1200, 800, 21)
	inputs := map[string]image.Image{
		"photo 4:2:0":           photo,
		"photo 4:2:2":           convertYCbCr(photo, image.YCbCrSubsampleRatio422),
		"photo 4:4:0":           convertYCbCr(photo, image.YCbCrSubsampleRatio440),
		"photo 4:4:4":           convertYCbCr(photo, image.YCbCrSubsampleRatio444),
		"odd-sized photo 4:2:0": phototest.Photo(601, 399, 22),
		"colour edges 4:2:0":    colourEdges(600, 400),
	}
	for name, img := range committedPhotos(t) {
		if m, ok := img.(*image.YCbCr); ok {
			inputs[name] = m
		}
	}
	for name, img := range inputs {
		m := img.(*image.YCbCr)
		b := m.Bounds()
		for _, f := range []filter{linear, catmullRom} {
			for _, s := range []size{
				{b.Dx() * 2 / 3, b.Dy() * 2 / 3},
				{b.Dx() / 3, b.Dy() / 5},
				{b.Dx()/2 + 1, b.Dy()/2 - 1},
				{7, 3},
			} {
				got := resize420(m, s, false, false, f)
				if got.Rect != image.Rect(0, 0, s.w, s.h) || got.SubsampleRatio != image.YCbCrSubsampleRatio420 {
					t.Fatalf("%s to %v: got %v %v", name, s, got.Rect, got.SubsampleRatio)
				}
				want := toYCbCr420(imaging.Resize(m, s.w, s.h, f.imaging()))
				floor := 38.0
				switch {
				case s.w < 10: // a few pixels, all edges
					floor = 25
				case name == "colour edges 4:2:0": // saturated edges, 4 to 24 px apart
					floor = 27
				}
				p := psnr(t, want, got)
				t.Logf("%s to %v, filter %d: %.1f dB", name, s, f, p)
				if p < floor {
					t.Errorf("%s to %v, filter %d: PSNR %.1f dB against imaging, want ≥ %.0f", name, s, f, p, floor)
				}
			}
		}
	}
}

// TestDownscalePlanesOddOrientations turns an odd-sized picture of colour
// edges through every orientation: the 4:2:0 result must match the upright
// picture's own resize, which needs its chroma sited for the reversal of
// each odd axis (chroma one luma pixel off gives 16 to 20 dB here).
func TestDownscalePlanesOddOrientations(t *testing.T) {
	t.Parallel()
	upright := imaging.Clone(colourEdges(603, 401))
	up := size{301, 201} // odd both ways
	want := downscalePlanes(ycbcr444(upright), up, orientNormal, linear)
	for o := 1; o <= 8; o++ {
		stored := ycbcr444(storedAs(upright, o))
		got := downscalePlanes(stored, up, o, linear)
		p := psnr(t, want, got)
		t.Logf("orientation %d: %.1f dB", o, p)
		if p < 40 {
			t.Errorf("orientation %d: PSNR %.1f dB against the upright picture, want ≥ 40", o, p)
		}
	}
}

// ycbcr444 converts an opaque image to 4:4:4 YCbCr, pixel by pixel.
func ycbcr444(n *image.NRGBA) *image.YCbCr {
	out := image.NewYCbCr(n.Rect, image.YCbCrSubsampleRatio444)
	for y := range n.Rect.Dy() {
		for x := range n.Rect.Dx() {
			c := n.NRGBAAt(x, y)
			i := out.YOffset(x, y)
			out.Y[i], out.Cb[i], out.Cr[i] = color.RGBToYCbCr(c.R, c.G, c.B)
		}
	}
	return out
}

// TestToYCbCr420 checks the conversion against the standard library's
// encoder, which converts and subsamples the same way: a JPEG of the
// converted planes at quality 100 decodes as one of the RGB image does.
func TestToYCbCr420(t *testing.T) {
	t.Parallel()
	for _, s := range []size{{64, 48}, {33, 17}, {1, 1}} {
		n := imaging.Clone(phototest.Photo(s.w, s.h, 27))
		var a, b bytes.Buffer
		if err := jpeg.Encode(&a, n, &jpeg.Options{Quality: 100}); err != nil {
			t.Fatal(err)
		}
		if err := jpeg.Encode(&b, toYCbCr420(n), &jpeg.Options{Quality: 100}); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a.Bytes(), b.Bytes()) {
			t.Errorf("%v: the encoder's JPEG of the planes differs from its JPEG of the RGB image", s)
		}
	}
}

// TestTaps checks the fixed-point coefficients: each output's sum to one,
// stay inside the source, and for a triangle filter halving a plane weigh
// each pair of neighbours and their outer neighbours 3:3:1:1 (area-correct:
// the filter widens with the reduction).
func TestTaps(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		dst, src int
		extent   float64
		f        filter
	}{
		{2048, 3000, 3000, linear}, {1365, 2000, 2000, linear}, {2048, 1500, 1500, linear},
		{1024, 1501, 1500.5, linear}, {800, 2048, 2048, catmullRom}, {1, 1, 1, linear},
		{1, 7, 7, catmullRom}, {27, 1, 1, linear}, {5, 3, 2.5, catmullRom},
	} {
		tp := newTaps(tc.dst, tc.src, tc.extent, tc.f)
		for i := range tc.dst {
			var sum int32
			for _, c := range tp.coef[i*tp.n : (i+1)*tp.n] {
				sum += c
			}
			if sum != 1<<coefBits || tp.start[i] < 0 || tp.start[i]+tp.n > tc.src {
				t.Fatalf("%+v output %d: sum %d, taps %d to %d", tc, i, sum, tp.start[i], tp.start[i]+tp.n)
			}
		}
	}
	tp := newTaps(4, 8, 8, linear)
	if got, want := fmt.Sprint(tp.n, tp.start[1], tp.coef[4:8]), fmt.Sprint(4, 1, []int32{2048, 6144, 6144, 2048}); got != want {
		t.Errorf("halving taps: n, start, coefficients = %s, want %s", got, want)
	}
}

// TestDeriveFaceMatchesImaging checks that the face index's image, made
// from the planes, is the picture imaging would have made, upright.
func TestDeriveFaceMatchesImaging(t *testing.T) {
	t.Parallel()
	photo := phototest.Photo(1200, 800, 26)
	stored := storedAs(imaging.Clone(photo), 6)
	src := phototest.InsertSegments(phototest.JPEG(stored, 92), phototest.ExifSegment(6, false))
	d := derive(t, src, Options{Watermark: "Studio", FaceLongEdge: 600})
	decoded := decodeJPEG(t, src)
	want := imaging.Rotate270(imaging.Resize(decoded, 400, 600, imaging.Linear))
	p := psnr(t, want, d.Face)
	t.Logf("Face: %.1f dB", p)
	if p < 38 {
		t.Errorf("Face: PSNR %.1f dB against imaging, want ≥ 38", p)
	}
}

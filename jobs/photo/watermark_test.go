package photo

import (
	"bytes"
	"image"
	"image/color"
	"math"
	"strings"
	"sync"
	"testing"

	"github.com/disintegration/imaging"

	"lightbox/jobs/photo/phototest"
)

// TestWatermarkOnLightAndDark checks that the watermark shows on a white and
// on a black image, in every quarter of it, and never more strongly than its
// opacity allows.
func TestWatermarkOnLightAndDark(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		bg      uint8
		maxDiff int
	}{
		// At most 35% opacity: a channel moves by at most 0.35×255.
		{"white", 255, 90},
		{"black", 0, 90},
	} {
		t.Run(tc.name, func(t *testing.T) {
			img := toYCbCr420(imaging.New(800, 533, color.Gray{tc.bg}))
			if err := drawWatermark(img, "© Jane Photographer"); err != nil {
				t.Fatal(err)
			}
			var marked [4]int // pixels changed visibly, by quarter
			maxDiff := 0
			b := img.Bounds()
			for y := 0; y < b.Dy(); y++ {
				for x := 0; x < b.Dx(); x++ {
					if c := img.YCbCrAt(x, y); c.Cb != 128 || c.Cr != 128 {
						t.Fatalf("pixel %d, %d took colour: %v", x, y, c)
					}
					d := int(img.YCbCrAt(x, y).Y) - int(tc.bg)
					d = max(d, -d)
					maxDiff = max(maxDiff, d)
					if d >= 40 {
						marked[(x*2/b.Dx())+2*(y*2/b.Dy())]++
					}
				}
			}
			if maxDiff > tc.maxDiff {
				t.Errorf("a pixel changed by %d, more than the opacity allows (%d)", maxDiff, tc.maxDiff)
			}
			for q, n := range marked {
				if n < 1000 {
					t.Errorf("quarter %d has only %d visibly marked pixels", q, n)
				}
			}
		})
	}
}

// TestWatermarkText checks blank, long and unusual texts.
func TestWatermarkText(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		text    string
		changes bool
	}{
		{"empty", "", false},
		{"blank", " \t\n ", false},
		{"long", strings.Repeat("Studio ", 500), true},
		{"non-Latin", "写真 📷 Фото", true},
		{"one letter", "x", true},
	} {
		img := toYCbCr420(imaging.New(300, 200, color.Gray{128}))
		if err := drawWatermark(img, tc.text); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		plain := toYCbCr420(imaging.New(300, 200, color.Gray{128}))
		if changed := !bytes.Equal(img.Y, plain.Y); changed != tc.changes {
			t.Errorf("%s: image changed = %v, want %v", tc.name, changed, tc.changes)
		}
	}
}

// TestWatermarkOnlyOnPreview checks that Derive draws the watermark on the
// preview and leaves the thumbnails alone.
func TestWatermarkOnlyOnPreview(t *testing.T) {
	t.Parallel()
	src := phototest.JPEG(phototest.Photo(700, 500, 11), 85)
	plain := derive(t, src, Options{})
	marked := derive(t, src, Options{Watermark: "Jane Photographer"})
	if !bytes.Equal(plain.Thumb400, marked.Thumb400) || !bytes.Equal(plain.Thumb800, marked.Thumb800) {
		t.Error("the watermark changed the thumbnails")
	}
	a, b := decodeJPEG(t, plain.Watermarked), decodeJPEG(t, marked.Watermarked)
	if d := meanAbsDiff(a, b); d < 1 || d > 30 {
		t.Errorf("mean difference between plain and watermarked preview is %.2f, want a visible but light mark", d)
	}
}

// meanAbsDiff is the mean absolute difference of a and b over their R, G and
// B channels.
func meanAbsDiff(a, b image.Image) float64 {
	var sum, n float64
	r := a.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			ca := color.NRGBAModel.Convert(a.At(x, y)).(color.NRGBA)
			cb := color.NRGBAModel.Convert(b.At(x, y)).(color.NRGBA)
			for _, d := range []float64{
				float64(ca.R) - float64(cb.R), float64(ca.G) - float64(cb.G), float64(ca.B) - float64(cb.B),
			} {
				sum += max(d, -d)
			}
			n += 3
		}
	}
	return sum / n
}

// TestDilate checks the row-wise dilation against the maximum over the disc
// taken pixel by pixel, on random masks, radii and sizes.
func TestDilate(t *testing.T) {
	t.Parallel()
	seed := uint32(1)
	random := func(n int) int {
		seed = seed*1664525 + 1013904223
		return int(seed>>8) % n
	}
	for _, tc := range []struct{ stride, w, h, r int }{
		{40, 30, 20, 1}, {40, 40, 25, 3}, {64, 50, 7, 6}, {9, 9, 9, 5}, {12, 3, 30, 4}, {5, 5, 1, 2},
	} {
		m := make([]uint8, tc.stride*(tc.h+3))
		for i := range m {
			if random(5) == 0 {
				m[i] = uint8(random(256))
			}
		}
		want := make([]uint8, len(m))
		for y := 0; y < tc.h; y++ {
			for x := 0; x < tc.w; x++ {
				for dy := -tc.r; dy <= tc.r; dy++ {
					for dx := -tc.r; dx <= tc.r; dx++ {
						xx, yy := x+dx, y+dy
						if xx >= 0 && xx < tc.w && yy >= 0 && yy < tc.h && dx*dx+dy*dy <= tc.r*tc.r+tc.r {
							want[y*tc.stride+x] = max(want[y*tc.stride+x], m[yy*tc.stride+xx])
						}
					}
				}
			}
		}
		if got := dilate(m, tc.stride, tc.w, tc.h, tc.r); !bytes.Equal(got, want) {
			t.Errorf("%+v: dilation differs from the disc maximum", tc)
		}
	}
}

// TestMarkMatchesTheTile checks the integer blend of a kept mark against
// sampling the tile at every pixel and blending in floating point, on a
// noisy photo of odd size: luma as the blend of each RGB channel would be,
// chroma as subsampling the blended RGB would be (the mean weight of its
// pixels), and no sample more than 1 off.
func TestMarkMatchesTheTile(t *testing.T) {
	t.Parallel()
	const text, w, h = "© Jane Photographer", 641, 427
	img := phototest.Photo(w, h, 5)
	want := phototest.Photo(w, h, 5)
	if err := drawWatermark(img, text); err != nil {
		t.Fatal(err)
	}
	tl, err := renderTile(text, math.Max(9, w/watermarkScale))
	if err != nil {
		t.Fatal(err)
	}
	sin, cos := math.Sincos(watermarkAngle * math.Pi / 180)
	cw, ch := (w+1)/2, (h+1)/2
	keep, count := make([]float64, cw*ch), make([]float64, cw*ch)
	marked := 0
	for y := range h {
		for x := range w {
			px, py := float64(x)+0.5-w/2.0, float64(y)+0.5-h/2.0
			ring, fill := tl.at(px*cos-py*sin+tl.cx, px*sin+py*cos+tl.cy)
			if ring+fill > 0 {
				marked++
			}
			k := (1 - ring*outlineOpacity) * (1 - fill*fillOpacity)
			i := want.YOffset(x, y)
			want.Y[i] = uint8(float64(want.Y[i])*k + 255*fill*fillOpacity + 0.5)
			c := y/2*cw + x/2
			keep[c] += k
			count[c]++
		}
	}
	if marked < w*h/20 {
		t.Fatalf("only %d of %d pixels under the watermark", marked, w*h)
	}
	for i, k := range keep {
		k /= count[i]
		want.Cb[i] = uint8(128 + (float64(want.Cb[i])-128)*k + 0.5)
		want.Cr[i] = uint8(128 + (float64(want.Cr[i])-128)*k + 0.5)
	}
	for name, p := range map[string][2][]uint8{"Y": {img.Y, want.Y}, "Cb": {img.Cb, want.Cb}, "Cr": {img.Cr, want.Cr}} {
		for i := range p[0] {
			if d := int(p[0][i]) - int(p[1][i]); d > 1 || d < -1 {
				t.Fatalf("%s sample %d is %d, want %d", name, i, p[0][i], p[1][i])
			}
		}
	}
}

// TestMarksAreKept checks that a mark is made once per text and size,
// however many photos ask for it at once, and that only the last few are
// kept.
func TestMarksAreKept(t *testing.T) {
	t.Parallel()
	c := markCache{size: 2}
	var wg sync.WaitGroup
	got := make([]*mark, 8)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i], _ = c.get("Studio", 300, 200)
		}()
	}
	wg.Wait()
	for _, m := range got {
		if m == nil || m != got[0] {
			t.Fatal("photos of one size and text got different marks")
		}
	}
	if m, _ := c.get("Studio", 200, 300); m == got[0] || m.w != 200 || m.h != 300 {
		t.Fatal("a portrait photo got the landscape mark")
	}
	if m, _ := c.get("Other studio", 300, 200); m == got[0] {
		t.Fatal("another text got the same mark")
	}
	if len(c.entries) != 2 {
		t.Fatalf("%d marks kept, want 2", len(c.entries))
	}
	if m, _ := c.get("Studio", 300, 200); m == got[0] {
		t.Fatal("the least recently used mark was kept beyond the cache's size")
	}
}

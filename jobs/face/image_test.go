package face

import (
	"bytes"
	"image"
	"image/color"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestToRGBFastPaths checks each fast path of toRGB against the generic
// conversion (the NRGBA one with any alpha), on a sub-image whose bounds do not start at the origin.
func TestToRGBFastPaths(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	nrgba := image.NewNRGBA(image.Rect(0, 0, 37, 23))
	rgba := image.NewRGBA(nrgba.Bounds())
	for i := range nrgba.Pix {
		nrgba.Pix[i] = uint8(r.IntN(256))
	}
	for y := range 23 {
		for x := range 37 {
			c := nrgba.NRGBAAt(x, y)
			c.A = 255 // photos are opaque; the RGBA path copies premultiplied values
			rgba.Set(x, y, c)
		}
	}
	sub := image.Rect(3, 2, 35, 21)
	for name, img := range map[string]image.Image{
		"nrgba": nrgba.SubImage(sub),
		"rgba":  rgba.SubImage(sub),
	} {
		got := toRGB(img)
		want := toRGB(generic{img})
		if got.w != want.w || got.h != want.h || !bytes.Equal(got.pix, want.pix) {
			t.Errorf("%s: fast path differs from the generic conversion", name)
		}
	}
}

// generic hides an image's concrete type from toRGB.
type generic struct{ image.Image }

func (g generic) ColorModel() color.Model { return g.Image.ColorModel() }

// TestSampleAxes checks the tabulated path for mappings without rotation
// against the per-sample one, value for value: shrinking (several samples
// per pixel), enlarging, fractional origins, and views partly or wholly
// outside the source, black or replicated.
func TestSampleAxes(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	src := &rgbImage{w: 53, h: 31, pix: make([]uint8, 3*53*31)}
	for i := range src.pix {
		src.pix[i] = uint8(r.IntN(256))
	}
	for _, a := range []affine{
		{x0: 4, y0: 4, ux: 8, vy: 8},
		{x0: 0.25, y0: 0.75, ux: 1.7, vy: 2.3},
		{x0: -10.3, y0: 3.1, ux: 0.37, vy: 0.41},
		{x0: 30, y0: -20, ux: 3.5, vy: 1},
		{x0: -500, y0: 0, ux: 1, vy: 1},
	} {
		for _, replicate := range []bool{false, true} {
			step := math.Hypot(a.ux, a.uy)
			ss := min(max(int(math.Ceil(step)), 1), 4)
			got, want := newTensor(1, 19, 23, 3), newTensor(1, 19, 23, 3)
			src.sampleAxes(a, 23, 19, ss, 2.0/255, -1, replicate, got)
			src.sampleAny(a, 23, 19, ss, 2.0/255, -1, replicate, want)
			if !slices.Equal(got.data, want.data) {
				t.Errorf("%+v replicate %v: tabulated samples differ", a, replicate)
			}
		}
	}
}

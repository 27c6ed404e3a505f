package face

import (
	"bytes"
	"image"
	"image/color"
	"math/rand/v2"
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

package face

import (
	"context"
	"image"
	"image/color"
	"math"
	"math/rand/v2"
	"testing"
)

// noiseImages are photos of nothing: uniform random pixels, and
// fractal (value noise summed over octaves) in colour, at a photo's size.
func noiseImages() map[string]image.Image {
	const w, h = 1024, 768
	rng := rand.New(rand.NewPCG(7, 11))
	uniform := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range uniform.Pix {
		uniform.Pix[i] = uint8(rng.IntN(256))
	}
	fractal := image.NewRGBA(image.Rect(0, 0, w, h))
	var grids [3][7][]float64
	for c := range grids {
		for o := range grids[c] {
			g := make([]float64, 130*130)
			for i := range g {
				g[i] = rng.Float64()
			}
			grids[c][o] = g
		}
	}
	value := func(g []float64, x, y float64) float64 {
		x0, y0 := math.Floor(x), math.Floor(y)
		fx, fy := x-x0, y-y0
		fx, fy = fx*fx*(3-2*fx), fy*fy*(3-2*fy)
		at := func(i, j float64) float64 { return g[(int(j)%130)*130+int(i)%130] }
		a := at(x0, y0) + (at(x0+1, y0)-at(x0, y0))*fx
		b := at(x0, y0+1) + (at(x0+1, y0+1)-at(x0, y0+1))*fx
		return a + (b-a)*fy
	}
	for y := range h {
		for x := range w {
			var rgb [3]uint8
			for c := range 3 {
				var v, amp, sum float64 = 0, 1, 0
				for o := range 7 {
					f := math.Pow(2, float64(o)) / 128
					v += amp * value(grids[c][o], float64(x)*f, float64(y)*f)
					sum += amp
					amp /= 2
				}
				rgb[c] = uint8(255 * v / sum)
			}
			fractal.Set(x, y, color.RGBA{rgb[0], rgb[1], rgb[2], 255})
		}
	}
	return map[string]image.Image{"uniform": uniform, "fractal": fractal}
}

// TestNoiseHasNoFaces checks that a photo of noise gives no face at the
// engine's photo settings.
func TestNoiseHasNoFaces(t *testing.T) {
	skipUnderRace(t)
	e := mustEngine(t)
	for name, img := range noiseImages() {
		t.Run(name, func(t *testing.T) {
			faces, err := e.FacesIn(context.Background(), img)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range faces {
				t.Errorf("face in %s noise: box %.0f score %.2f", name, f.Box, f.Score)
			}
		})
	}
}

// Package scene draws cheerful event photos and selfies for the demo and
// the browser tests. People are drawn with retinatest.DrawFace, so the fake
// face service recognises person N in every photo they stand in and in
// their selfie. Everything else in a picture keeps well away from the
// fake's face colours.
package scene

import (
	"bytes"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"math"
	"math/rand/v2"

	"lightbox/jobs/retina/retinatest"
)

// Photo returns a w×h JPEG of an outdoor party (the seed picks the
// colours and decorations) with people, palette indexes of
// retinatest.Palette, standing side by side.
func Photo(w, h int, seed uint64, people ...int) []byte {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	s := float64(h) / 800

	// Sky: a soft vertical gradient in one of a few moods.
	moods := [][2]color.RGBA{
		{{126, 178, 221, 255}, {236, 214, 196, 255}}, // day
		{{246, 170, 142, 255}, {252, 226, 180, 255}}, // sunset
		{{150, 160, 210, 255}, {238, 206, 222, 255}}, // dusk
		{{140, 196, 206, 255}, {232, 240, 218, 255}}, // morning
	}
	m := moods[rng.IntN(len(moods))]
	horizon := int(float64(h) * (0.55 + rng.Float64()*0.08))
	for y := 0; y < horizon; y++ {
		c := safe(mix(m[0], m[1], float64(y)/float64(horizon)))
		fill(img, image.Rect(0, y, w, y+1), c)
	}
	// A pale sun and a few clouds.
	sunX, sunY := int(float64(w)*(0.15+rng.Float64()*0.7)), int(float64(horizon)*(0.2+rng.Float64()*0.3))
	circle(img, sunX, sunY, int(70*s), safe(color.RGBA{255, 244, 214, 255}))
	for range 3 + rng.IntN(3) {
		cx, cy := rng.IntN(w), int(float64(horizon)*rng.Float64()*0.5)
		for j := range 4 {
			circle(img, cx+j*int(34*s), cy+int(float64(j%2)*10*s), int((30+rng.Float64()*16)*s), color.RGBA{250, 250, 252, 255})
		}
	}
	// Rolling hills, then the lawn.
	hills := []color.RGBA{{150, 182, 160, 255}, {122, 164, 136, 255}}
	for i, hc := range hills {
		phase, amp := rng.Float64()*6, (30+rng.Float64()*30)*s
		base := float64(horizon) - float64(len(hills)-i)*28*s
		for x := 0; x < w; x++ {
			top := int(base - amp*math.Sin(float64(x)/float64(w)*math.Pi*(1.5+float64(i))+phase))
			fill(img, image.Rect(x, top, x+1, h), safe(hc))
		}
	}
	for y := horizon; y < h; y++ {
		fill(img, image.Rect(0, y, w, y+1), safe(mix(color.RGBA{132, 178, 128, 255}, color.RGBA{104, 150, 102, 255}, float64(y-horizon)/float64(h-horizon))))
	}
	// Bunting across the top.
	pastel := []color.RGBA{{244, 176, 160, 255}, {250, 220, 150, 255}, {170, 210, 230, 255}, {206, 180, 226, 255}, {176, 220, 190, 255}, {250, 190, 210, 255}}
	by := int(float64(h) * (0.08 + rng.Float64()*0.08))
	flag := int(44 * s)
	for x, i := -rng.IntN(flag), 0; x < w; x, i = x+flag+int(8*s), i+1 {
		sag := int(24 * s * math.Sin(math.Pi*float64(x)/float64(w)))
		triangle(img, x, by+sag, flag, int(56*s), safe(pastel[(i+int(seed))%len(pastel)]))
	}
	// Balloons.
	for range 2 + rng.IntN(3) {
		bx, byy := rng.IntN(w), int(float64(horizon)*(0.25+rng.Float64()*0.45))
		r := int((26 + rng.Float64()*12) * s)
		fill(img, image.Rect(bx, byy+r, bx+max(1, int(2*s)), byy+r+int(110*s)), color.RGBA{90, 90, 96, 255})
		circle(img, bx, byy, r, safe(pastel[rng.IntN(len(pastel))]))
		circle(img, bx-r/3, byy-r/3, r/5, color.RGBA{255, 255, 255, 255})
	}

	// People, evenly spaced with a little jitter, standing on the lawn.
	n := len(people)
	if n > 0 {
		face := int(math.Min(float64(w)/float64(n)*0.3, 118*s))
		for i, p := range people {
			cx := int(float64(w)*(float64(i)+0.5)/float64(n)) + int((rng.Float64()-0.5)*float64(face)*0.6)
			ground := h - int(float64(h-horizon)*(0.12+rng.Float64()*0.25))
			person(img, cx, ground, face, p, rng)
		}
	}
	return encode(img)
}

// Selfie returns a w×h portrait JPEG of one person's face filling much of
// the frame, against a soft background.
func Selfie(w, h, person int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		fill(img, image.Rect(0, y, w, y+1), safe(mix(color.RGBA{214, 222, 236, 255}, color.RGBA{240, 226, 214, 255}, float64(y)/float64(h))))
	}
	face := w / 2
	cx := w / 2
	top := h/2 - face*3/5
	// Shoulders.
	roundRect(img, image.Rect(cx-face, top+face+face/6, cx+face, h+face/2), face/2, safe(color.RGBA{96, 112, 150, 255}))
	drawHead(img, image.Rect(cx-face/2, top, cx+face/2, top+face), person, color.RGBA{74, 56, 46, 255})
	return encode(img)
}

// person draws one figure whose face (a face-coloured square) is face
// pixels wide, feet at ground; some wave an arm.
func person(img *image.RGBA, cx, ground, face, who int, rng *rand.Rand) {
	shirts := []color.RGBA{{236, 236, 240, 255}, {70, 84, 120, 255}, {214, 170, 150, 255}, {150, 130, 170, 255}, {222, 206, 160, 255}, {96, 126, 110, 255}}
	hairs := []color.RGBA{{58, 44, 36, 255}, {120, 86, 60, 255}, {200, 170, 120, 255}, {40, 40, 44, 255}, {150, 150, 150, 255}}
	skin := []color.RGBA{{236, 200, 170, 255}, {196, 150, 116, 255}, {140, 100, 76, 255}, {250, 218, 190, 255}}
	shirt, arm := safe(shirts[rng.IntN(len(shirts))]), safe(skin[rng.IntN(len(skin))])
	legs := face * 5 / 4
	torso := face * 3 / 2
	top := ground - legs - torso - face - face/10
	body := image.Rect(cx-face*3/5, top+face+face/10, cx+face*3/5, top+face+face/10+torso)
	ellipse(img, cx, ground, face*4/5, face/6, color.RGBA{86, 124, 84, 255})
	// Legs and shoes.
	pants := color.RGBA{60, 66, 80, 255}
	roundRect(img, image.Rect(cx-face*2/5, body.Max.Y-face/5, cx-face/20, ground), face/10, pants)
	roundRect(img, image.Rect(cx+face/20, body.Max.Y-face/5, cx+face*2/5, ground), face/10, pants)
	fill(img, image.Rect(cx-face/2, ground-face/10, cx-face/20, ground), color.RGBA{40, 36, 40, 255})
	fill(img, image.Rect(cx+face/20, ground-face/10, cx+face/2, ground), color.RGBA{40, 36, 40, 255})
	// Arms: hanging, or one raised in a wave.
	aw := max(4, face/5)
	roundRect(img, image.Rect(body.Min.X-aw+aw/3, body.Min.Y+face/10, body.Min.X+aw/3, body.Min.Y+torso*9/10), aw/2, shirt)
	circle(img, body.Min.X-aw/2+aw/3, body.Min.Y+torso*9/10, aw*2/3, arm)
	if rng.IntN(3) == 0 {
		roundRect(img, image.Rect(body.Max.X-aw/3, body.Min.Y-torso*3/4, body.Max.X+aw-aw/3, body.Min.Y+face/4), aw/2, shirt)
		circle(img, body.Max.X+aw/2-aw/3, body.Min.Y-torso*3/4, aw*2/3, arm)
	} else {
		roundRect(img, image.Rect(body.Max.X-aw/3, body.Min.Y+face/10, body.Max.X+aw-aw/3, body.Min.Y+torso*9/10), aw/2, shirt)
		circle(img, body.Max.X+aw/2-aw/3, body.Min.Y+torso*9/10, aw*2/3, arm)
	}
	roundRect(img, body, face/4, shirt)
	drawHead(img, image.Rect(cx-face/2, top, cx+face/2, top+face), who, hairs[rng.IntN(len(hairs))])
}

// drawHead draws hair above and the recognisable face square in r, with
// small eyes and a smile that leave the square's colour patch whole.
func drawHead(img *image.RGBA, r image.Rectangle, who int, hair color.RGBA) {
	f := r.Dx()
	roundRect(img, image.Rect(r.Min.X-f/12, r.Min.Y-f/4, r.Max.X+f/12, r.Min.Y+f/8), f/6, hair)
	retinatest.DrawFace(img, r, who)
	ink := color.RGBA{40, 36, 40, 255}
	eye := max(2, f/14)
	circle(img, r.Min.X+f*3/10, r.Min.Y+f*2/5, eye, ink)
	circle(img, r.Min.X+f*7/10, r.Min.Y+f*2/5, eye, ink)
	// Smile: a thin arc.
	for a := 0.15; a < math.Pi-0.15; a += 0.02 {
		x := r.Min.X + f/2 + int(float64(f)*0.22*math.Cos(a))
		y := r.Min.Y + f*3/5 + int(float64(f)*0.14*math.Sin(a))
		fill(img, image.Rect(x, y, x+max(2, f/28), y+max(2, f/28)), ink)
	}
}

// safe pulls a colour toward grey until it is far from every face colour,
// so scenery is never mistaken for a face.
func safe(c color.RGBA) color.RGBA {
	for range 20 {
		if nearestFace(c) >= 110 {
			return c
		}
		l := uint8((int(c.R) + int(c.G) + int(c.B)) / 3)
		c = mix(c, color.RGBA{l, l, l, 255}, 0.2)
	}
	return c
}

func nearestFace(c color.RGBA) float64 {
	best := math.MaxFloat64
	for _, p := range retinatest.Palette {
		dr, dg, db := float64(c.R)-float64(p.R), float64(c.G)-float64(p.G), float64(c.B)-float64(p.B)
		best = math.Min(best, math.Sqrt(dr*dr+dg*dg+db*db))
	}
	return best
}

func mix(a, b color.RGBA, t float64) color.RGBA {
	l := func(x, y uint8) uint8 { return uint8(float64(x) + (float64(y)-float64(x))*t + 0.5) }
	return color.RGBA{l(a.R, b.R), l(a.G, b.G), l(a.B, b.B), 255}
}

func fill(img *image.RGBA, r image.Rectangle, c color.RGBA) {
	draw.Draw(img, r.Intersect(img.Bounds()), image.NewUniform(c), image.Point{}, draw.Src)
}

func circle(img *image.RGBA, cx, cy, r int, c color.RGBA) { ellipse(img, cx, cy, r, r, c) }

func ellipse(img *image.RGBA, cx, cy, rx, ry int, c color.RGBA) {
	for dy := -ry; dy <= ry; dy++ {
		half := int(float64(rx) * math.Sqrt(1-float64(dy*dy)/float64(ry*ry+1)))
		fill(img, image.Rect(cx-half, cy+dy, cx+half+1, cy+dy+1), c)
	}
}

func roundRect(img *image.RGBA, r image.Rectangle, rad int, c color.RGBA) {
	rad = min(rad, r.Dx()/2, r.Dy()/2)
	fill(img, image.Rect(r.Min.X+rad, r.Min.Y, r.Max.X-rad, r.Max.Y), c)
	fill(img, image.Rect(r.Min.X, r.Min.Y+rad, r.Max.X, r.Max.Y-rad), c)
	for _, p := range []image.Point{{r.Min.X + rad, r.Min.Y + rad}, {r.Max.X - rad - 1, r.Min.Y + rad}, {r.Min.X + rad, r.Max.Y - rad - 1}, {r.Max.X - rad - 1, r.Max.Y - rad - 1}} {
		circle(img, p.X, p.Y, rad, c)
	}
}

// triangle draws a pennant hanging from (x, y): w wide, h deep.
func triangle(img *image.RGBA, x, y, w, h int, c color.RGBA) {
	for dy := 0; dy < h; dy++ {
		half := int(float64(w) / 2 * (1 - float64(dy)/float64(h)))
		fill(img, image.Rect(x+w/2-half, y+dy, x+w/2+half, y+dy+1), c)
	}
}

func encode(img image.Image) []byte {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 88}); err != nil {
		panic(err) // encoding to memory does not fail
	}
	return buf.Bytes()
}

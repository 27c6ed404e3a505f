package main

import (
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/image/draw"
	"golang.org/x/image/math/f64"

	"lightbox/jobs/face"
	"lightbox/jobs/face/facetest"
)

// person is one face of the sample photos: its photo and detector box.
type person struct {
	id  string
	src *image.RGBA
	box [4]float64 // x, y, w, h in src
}

// samplePeople finds the 22 people of the face-api sample photos, named
// s<photo>-<n> from left to right.
func samplePeople(e *face.Engine) ([]person, error) {
	dir, err := facetest.FetchSamples()
	if err != nil {
		return nil, err
	}
	var out []person
	for n := range facetest.SampleFaces {
		f, err := os.Open(filepath.Join(dir, fmt.Sprintf("sample%d.jpg", n+1)))
		if err != nil {
			return nil, err
		}
		img, err := jpeg.Decode(f)
		f.Close()
		if err != nil {
			return nil, err
		}
		rgba := image.NewRGBA(img.Bounds())
		draw.Draw(rgba, rgba.Bounds(), img, img.Bounds().Min, draw.Src)
		faces, err := e.FacesIn(context.Background(), rgba)
		if err != nil {
			return nil, err
		}
		if len(faces) != facetest.SampleFaces[n] {
			return nil, fmt.Errorf("sample%d: %d faces, want %d", n+1, len(faces), facetest.SampleFaces[n])
		}
		slices.SortFunc(faces, func(a, b face.Face) int { return int(a.Box[0] - b.Box[0]) })
		for i, fc := range faces {
			out = append(out, person{id: fmt.Sprintf("s%d-%d", n+1, i+1), src: rgba, box: fc.Box})
		}
	}
	return out, nil
}

// makeSets writes two labelled sets into out: tune/ and held/, each with
// half of the sample people (alternately), a selfie of each and group
// photos of photoW×photoH with faces minFace…maxFace pixels wide.
func makeSets(e *face.Engine, out string, photos, photoW, photoH int, minFace, maxFace float64, seed uint64) error {
	people, err := samplePeople(e)
	if err != nil {
		return err
	}
	for k, name := range []string{"tune", "held"} {
		var set []person
		for i, p := range people {
			if i%2 == k {
				set = append(set, p)
			}
		}
		rng := rand.New(rand.NewPCG(seed, uint64(k)))
		if err := makeSet(filepath.Join(out, name), set, rng, photos, photoW, photoH, minFace, maxFace); err != nil {
			return err
		}
	}
	return nil
}

func makeSet(dir string, people []person, rng *rand.Rand, photos, photoW, photoH int, minFace, maxFace float64) error {
	if err := os.MkdirAll(filepath.Join(dir, "selfies"), 0o755); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(dir, "photos"), 0o755); err != nil {
		return err
	}
	var labels strings.Builder
	labels.WriteString("path,identities,boxes\n")
	for i, p := range people {
		// Front cameras mirror; some selfies are dim, tight or tilted.
		v := variant{flip: rng.IntN(2) == 0, gain: 0.8 + 0.4*rng.Float64(), angle: (rng.Float64() - 0.5) * 0.2}
		context := 2.4 + rng.Float64()
		switch i % 4 {
		case 1:
			v.gain, v.gamma = 0.4+0.1*rng.Float64(), 1.3
		case 2:
			context = 1.4
		case 3:
			v.angle = 0.45
		}
		side := 640 + rng.IntN(320)
		dst := image.NewRGBA(image.Rect(0, 0, side, side))
		pasteFace(dst, p, v, float64(side)/2, float64(side)/2, float64(side)/context, false)
		path := filepath.Join("selfies", p.id+".jpg")
		if err := writeJPEG(filepath.Join(dir, path), dst, 90); err != nil {
			return err
		}
		fmt.Fprintf(&labels, "%s,%s,\n", path, p.id)
	}
	for n := range photos {
		dst := image.NewRGBA(image.Rect(0, 0, photoW, photoH))
		fractalNoise(dst, rng)
		var ids, boxes []string
		if n%10 != 9 { // every tenth photo is noise alone
			var placed [][4]float64
			count := 3 + rng.IntN(6)
			order := rng.Perm(len(people))
			for _, pi := range order[:min(count, len(people))] {
				p := people[pi]
				w := minFace + (maxFace-minFace)*rng.Float64()
				var cx, cy float64
				ok := false
				for range 50 {
					if rng.IntN(5) == 0 { // near an edge: the crop runs past it
						cx = w*0.55 + rng.Float64()*w*0.2
						if rng.IntN(2) == 0 {
							cx = float64(photoW) - cx
						}
					} else {
						cx = w + rng.Float64()*(float64(photoW)-2*w)
					}
					cy = w + rng.Float64()*(float64(photoH)-2*w)
					b := [4]float64{cx - w*1.3, cy - w*1.3, 2.6 * w, 2.6 * w}
					if !overlapsAny(b, placed) {
						placed = append(placed, b)
						ok = true
						break
					}
				}
				if !ok {
					continue
				}
				v := variant{flip: rng.IntN(2) == 0, gain: 0.55 + 0.8*rng.Float64(), angle: (rng.Float64() - 0.5) * 0.4,
					gamma: 0.7 + 0.8*rng.Float64(), contrast: 0.6 + 0.4*rng.Float64(),
					cast: [3]float64{0.9 + 0.2*rng.Float64(), 0.9 + 0.2*rng.Float64(), 0.9 + 0.2*rng.Float64()}}
				k := w / p.box[2]
				pasteFace(dst, p, v, cx, cy, w, true)
				ids = append(ids, p.id)
				boxes = append(boxes, fmt.Sprintf("%.0f %.0f %.0f %.0f", cx-w/2, cy-p.box[3]*k/2, w, p.box[3]*k))
			}
		}
		grain(dst, rng, 4)
		path := filepath.Join("photos", fmt.Sprintf("group%03d.jpg", n+1))
		if err := writeJPEG(filepath.Join(dir, path), dst, 88); err != nil {
			return err
		}
		fmt.Fprintf(&labels, "%s,%s,%s\n", path, strings.Join(ids, ";"), strings.Join(boxes, ";"))
	}
	return os.WriteFile(filepath.Join(dir, "labels.csv"), []byte(labels.String()), 0o644)
}

// variant is how a face is changed where it is pasted.
type variant struct {
	flip  bool
	gain  float64    // brightness
	angle float64    // rotation, radians
	cast  [3]float64 // per-channel gain (1 when zero)
	// gamma (1 when zero) and contrast (1 when zero) of the face's tones
	gamma, contrast float64
}

// pasteFace draws p's face centred at (cx, cy) with its box w pixels wide,
// within a soft elliptical mask when feather is set, otherwise the whole
// square around it.
func pasteFace(dst *image.RGBA, p person, v variant, cx, cy, w float64, feather bool) {
	k := w / p.box[2]
	sx, sy := p.box[0]+p.box[2]/2, p.box[1]+p.box[3]/2
	cos, sin := math.Cos(v.angle)*k, math.Sin(v.angle)*k
	fx := cos
	fy := sin
	if v.flip {
		fx, fy = -cos, -sin
	}
	// dst = M·(src - s) + c, with x mirrored first when flipped.
	m := f64.Aff3{fx, -sin, 0, fy, cos, 0}
	m[2] = cx - (m[0]*sx + m[1]*sy)
	m[5] = cy - (m[3]*sx + m[4]*sy)
	r := 1.3 * w
	if !feather {
		r = math.Hypot(float64(dst.Bounds().Dx()), float64(dst.Bounds().Dy()))
	}
	bounds := image.Rect(int(cx-r), int(cy-r), int(cx+r)+1, int(cy+r)+1).Intersect(dst.Bounds())
	tmp := image.NewRGBA(bounds)
	draw.CatmullRom.Transform(tmp, m, p.src, p.src.Bounds(), draw.Src, nil)
	cast := v.cast
	if cast == [3]float64{} {
		cast = [3]float64{1, 1, 1}
	}
	gamma, contrast := v.gamma, v.contrast
	if gamma == 0 {
		gamma = 1
	}
	if contrast == 0 {
		contrast = 1
	}
	var tone [256]float64
	for i := range tone {
		t := 255 * math.Pow(float64(i)/255, gamma)
		tone[i] = 128 + (t-128)*contrast
	}
	for y := bounds.Min.Y; y < bounds.Max.Y; y++ {
		for x := bounds.Min.X; x < bounds.Max.X; x++ {
			alpha := 1.0
			if feather {
				dx, dy := (float64(x)-cx)/(0.75*w), (float64(y)-cy)/(1.0*w)
				d := math.Hypot(dx, dy)
				alpha = min(max((1.3-d)/0.3, 0), 1)
			}
			if alpha == 0 {
				continue
			}
			s := tmp.RGBAAt(x, y)
			if s.A == 0 {
				continue
			}
			o := dst.RGBAAt(x, y)
			mix := func(a, b uint8, g float64) uint8 {
				return uint8(min(max(alpha*tone[a]*v.gain*g+(1-alpha)*float64(b), 0), 255))
			}
			dst.SetRGBA(x, y, color.RGBA{mix(s.R, o.R, cast[0]), mix(s.G, o.G, cast[1]), mix(s.B, o.B, cast[2]), 255})
		}
	}
}

func overlapsAny(b [4]float64, placed [][4]float64) bool {
	for _, p := range placed {
		if b[0] < p[0]+p[2] && p[0] < b[0]+b[2] && b[1] < p[1]+p[3] && p[1] < b[1]+b[3] {
			return true
		}
	}
	return false
}

// fractalNoise fills dst with coloured value noise of several octaves, a
// cluttered background without faces.
func fractalNoise(dst *image.RGBA, rng *rand.Rand) {
	w, h := dst.Bounds().Dx(), dst.Bounds().Dy()
	var layers [3][]*image.Gray
	for c := range 3 {
		for cell := 512; cell >= 8; cell /= 4 {
			g := image.NewGray(image.Rect(0, 0, w/cell+2, h/cell+2))
			for i := range g.Pix {
				g.Pix[i] = uint8(rng.IntN(256))
			}
			up := image.NewGray(dst.Bounds())
			draw.BiLinear.Scale(up, up.Bounds(), g, g.Bounds(), draw.Src, nil)
			layers[c] = append(layers[c], up)
		}
	}
	for i := range w * h {
		for c := range 3 {
			var v, wsum float64
			amp := 1.0
			for _, l := range layers[c] {
				v += amp * float64(l.Pix[i])
				wsum += amp
				amp *= 0.55
			}
			dst.Pix[4*i+c] = uint8(v / wsum)
		}
		dst.Pix[4*i+3] = 255
	}
}

// grain adds Gaussian sensor noise of standard deviation sigma.
func grain(dst *image.RGBA, rng *rand.Rand, sigma float64) {
	for i := range dst.Pix {
		if i%4 == 3 {
			continue
		}
		dst.Pix[i] = uint8(min(max(float64(dst.Pix[i])+rng.NormFloat64()*sigma, 0), 255))
	}
}

func writeJPEG(path string, img image.Image, quality int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := jpeg.Encode(f, img, &jpeg.Options{Quality: quality}); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

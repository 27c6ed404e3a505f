package face

import (
	"math"
	"slices"
)

// A box Faces is unsure of gets a second look before it counts as a face:
// one found by a window (scanFine), or one the descriptor measures short
// of sureNorm. Badges, jewellery and wall fittings of a few dozen pixels
// can score as faces on a single look and describe as faces too (raw
// lengths 5.2 to 6.8 on the sample photos, where small real faces measure
// 5.1 and up), but the detector, looking again at each box on its own at
// the sizes it finds faces best, finds a texture again with a low score
// (0.14 to 0.27 on average on the sample photos and the face-eval sets)
// and a face with a high one (0.41 and up, 0.58 on tune). A badge it
// finds again puts the nose level with the eyes: a window's box must
// also put it at least minNoseRatio of the way down to the mouth.
const (
	// confirmSide is the side of the detector input each look runs on.
	confirmSide = 128
	// minConfirmScore is the mean, over confirmFaces, of the best score of
	// a detection centred on the box below which it is no face.
	minConfirmScore = 0.45
	// minNoseRatio is where the nose tip must lie from the eye line to the
	// mouth, as a fraction of the way, by the median of the box's own
	// keypoints and the second look's: faces put it 0.42 to 0.73 of the
	// way (0.28 and up for boxes the scales find, whose keypoints are
	// rougher), the badge of the sample photos 0.26.
	minNoseRatio = 1.0 / 3
	// confirmNear is how far from the box's centre, as a fraction of its
	// width, a detection of the second look must be centred to count.
	confirmNear = 0.35
	// confirmFloor is the lowest detection score the second look counts.
	confirmFloor = 0.05
)

// confirmFaces are the widths, in detector input pixels, the box is
// looked at again with.
var confirmFaces = [...]float64{32, 48, 64}

// confirm says whether the detector finds c again as a face when it looks
// at c on its own at each of confirmFaces; with keypoints set, whether the
// keypoints also put the nose where a face's is.
func (d *detector) confirm(img *rgbImage, c candidate, keypoints bool) (bool, error) {
	score, nose, err := d.lookAgain(img, c)
	if err != nil {
		return false, err
	}
	return score >= minConfirmScore && (!keypoints || nose >= minNoseRatio), nil
}

// lookAgain runs the detector on a confirmSide square centred on c at each
// of confirmFaces and returns the mean of the best scores of detections
// centred near c's centre (0 where there is none) and the median nose
// ratio of c and those detections.
func (d *detector) lookAgain(img *rgbImage, c candidate) (score, nose float64, err error) {
	ratios := []float64{noseRatio(c)}
	for _, px := range confirmFaces {
		k, ok, err := d.bestNear(img, c, px)
		if err != nil {
			return 0, 0, err
		}
		if ok {
			score += k.score / float64(len(confirmFaces))
			ratios = append(ratios, noseRatio(k))
		}
	}
	return score, median(ratios), nil
}

// bestNear runs the detector on a confirmSide square centred on c, with c
// px wide, and returns its best detection centred near c's centre; false
// when there is none.
func (d *detector) bestNear(img *rgbImage, c candidate, px float64) (candidate, bool, error) {
	cx, cy := (c.x1+c.x2)/2, (c.y1+c.y2)/2
	r := px / max(c.width(), 1)
	cands, err := d.detectWindow(img, r, cx*r-confirmSide/2, cy*r-confirmSide/2, confirmSide, confirmSide, confirmFloor)
	if err != nil {
		return candidate{}, false, err
	}
	best := -1
	for i, k := range cands {
		if math.Hypot((k.x1+k.x2)/2-cx, (k.y1+k.y2)/2-cy) < confirmNear*c.width() && (best < 0 || k.score > cands[best].score) {
			best = i
		}
	}
	if best < 0 {
		return candidate{}, false, nil
	}
	return cands[best], true, nil
}

// refinePx is the width, in detector input pixels, a small face is looked
// at again with before it is described (refine).
const refinePx = 48

// refine returns the box and keypoints the detector finds for c when it
// looks at it again refinePx wide, if c is smaller than that in the image
// (so that the detector sees it larger than it was found); c itself
// otherwise, or when that look finds nothing there. Small faces found at
// 15 to 25 px of the detector's input get rough boxes, and the descriptor
// crops from the box: on the face-eval sets of 6000 px photos, faces under
// 60 px of the photo described from the refined box match their
// attendee's selfie more often (README.md, "Small faces").
func (d *detector) refine(img *rgbImage, c candidate) (candidate, error) {
	if c.width() >= refinePx {
		return c, nil
	}
	k, ok, err := d.bestNear(img, c, refinePx)
	if err != nil || !ok {
		return c, err
	}
	return k, nil
}

// noseRatio is how far the nose tip lies from the eye line towards the
// mouth, as a fraction of the way (measured across the eye line); -1 when
// the mouth is not below the eyes.
func noseRatio(c candidate) float64 {
	re, le, nose, mouth := c.kps[0], c.kps[1], c.kps[2], c.kps[3]
	ex, ey := le[0]-re[0], le[1]-re[1]
	mx, my := (re[0]+le[0])/2, (re[1]+le[1])/2
	// Distances below the eye line, in units of the eye distance squared.
	below := func(p [2]float64) float64 { return (p[1]-my)*ex - (p[0]-mx)*ey }
	m := below(mouth)
	if m <= 0 {
		return -1
	}
	return below(nose) / m
}

func median(v []float64) float64 {
	s := slices.Sorted(slices.Values(v))
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

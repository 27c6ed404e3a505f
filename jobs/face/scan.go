package face

import "context"

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
	var all []candidate
	for i, r := range scanScales(img.w, img.h, minFace) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		cands, err := d.detectScale(img, r, minScore)
		if err != nil {
			return nil, err
		}
		for _, c := range cands {
			if i > 0 && max(c.width(), c.height())*r > maxFineFace {
				continue
			}
			all = append(all, c)
		}
	}
	return nonMaxSuppression(all, nmsIoU), nil
}

package face

import (
	"context"
	"errors"
	"fmt"
)

// Rejection reasons of Analyze, the same as the face service's.
const (
	NoFace        = "no_face"
	MultipleFaces = "multiple_faces"
	LowQuality    = "low_quality"
	FaceTooSmall  = "face_too_small"
)

const (
	// ApproveScore is the detector score a selfie's face needs. Scores are
	// the detector's own confidence: clear frontal faces score about 0.9 to
	// 0.97, turned, blurred or dim ones 0.6 to 0.9. A selfie is a deliberate
	// portrait, so an imperfect face in it is still the attendee's: the
	// tagging threshold, not this score, keeps strangers out.
	ApproveScore = 0.6
	// confidentScore is the score from which another face in a selfie
	// counts as a second person.
	confidentScore = 0.75
	// lowScore is the score from which a face counts as seen, if poorly.
	lowScore = 0.5
	// MinSelfieFace is the smallest detector box side, in pixels, of an
	// approved selfie face (the box spans about eyebrows to chin).
	MinSelfieFace = 64
	// otherFaceRatio is the size, relative to the main face, from which a
	// second confident face makes a selfie ambiguous.
	otherFaceRatio = 0.5
)

// ErrImage reports image data that cannot be decoded.
var ErrImage = errors.New("face: image cannot be decoded")

// Analysis is the verdict on a selfie. It is approved when RejectionReason
// is empty; then Embedding holds the face's Dim-long unit vector and, from
// AnalyzeMirrored, Mirrored the vector of the same face mirrored left to
// right.
type Analysis struct {
	FaceDetected    bool
	Score           float64
	Embedding       []float32
	Mirrored        []float32
	RejectionReason string
}

// Analyze checks a JPEG selfie: exactly one confident face, large enough,
// is approved with its embedding; otherwise the analysis says why not
// (NoFace, MultipleFaces, LowQuality or FaceTooSmall). Undecodable data
// returns an error wrapping ErrImage.
func (e *Engine) Analyze(ctx context.Context, jpegData []byte) (Analysis, error) {
	return e.analyze(ctx, jpegData, false)
}

// AnalyzeMirrored is Analyze that also describes the approved face
// mirrored left to right, as a second reference (front cameras mirror
// selfies, photos are not mirrored). On the face-eval sets it does not pay:
// the descriptor is nearly mirror-invariant and the second vector brings
// strangers closer as much as the attendee, so Lightbox matches with the
// face's vector alone; faceeval -refs measures it.
func (e *Engine) AnalyzeMirrored(ctx context.Context, jpegData []byte) (Analysis, error) {
	return e.analyze(ctx, jpegData, true)
}

func (e *Engine) analyze(ctx context.Context, jpegData []byte, mirrored bool) (Analysis, error) {
	img, err := decodeJPEG(jpegData)
	if err != nil {
		return Analysis{}, fmt.Errorf("%w: %v", ErrImage, err)
	}
	cands, err := e.det.scan(ctx, img, lowScore, e.MinFace)
	if err != nil {
		return Analysis{}, fmt.Errorf("face: detect: %w", err)
	}
	main, others, ok := pickSelfieFace(cands)
	if !ok {
		return Analysis{RejectionReason: NoFace}, nil
	}
	a := Analysis{FaceDetected: true, Score: main.score, RejectionReason: selfieVerdict(main, others)}
	if a.RejectionReason != "" {
		return a, nil
	}
	if err := ctx.Err(); err != nil {
		return Analysis{}, err
	}
	if a.Embedding, err = e.describe(img, main); err != nil {
		return Analysis{}, fmt.Errorf("face: embed: %w", err)
	}
	if !mirrored {
		return a, nil
	}
	if a.Mirrored, err = e.describe(mirror(img), mirrorCandidate(main, img.w)); err != nil {
		return Analysis{}, fmt.Errorf("face: embed: %w", err)
	}
	return a, nil
}

// mirror returns img flipped left to right.
func mirror(img *rgbImage) *rgbImage {
	out := &rgbImage{w: img.w, h: img.h, pix: make([]uint8, len(img.pix))}
	for y := range img.h {
		src, dst := img.pix[3*y*img.w:][:3*img.w], out.pix[3*y*img.w:][:3*img.w]
		for x := range img.w {
			copy(dst[3*(img.w-1-x):][:3], src[3*x:3*x+3])
		}
	}
	return out
}

// mirrorCandidate is face c as found in the image w pixels wide mirrored
// left to right: the box and keypoints flipped, and the keypoints of the
// subject's right and left eyes and ears swapped, so the descriptor's crop
// is the mirror image of c's.
func mirrorCandidate(c candidate, w int) candidate {
	m := c
	m.x1, m.x2 = float64(w)-c.x2, float64(w)-c.x1
	for i, p := range c.kps {
		m.kps[i] = [2]float64{float64(w) - p[0], p[1]}
	}
	m.kps[0], m.kps[1] = m.kps[1], m.kps[0] // eyes
	m.kps[4], m.kps[5] = m.kps[5], m.kps[4] // ears
	return m
}

// selfieVerdict is the rejection reason for a selfie whose face is main,
// with others confident faces of comparable size beside it; empty approves.
func selfieVerdict(main candidate, others int) string {
	switch {
	case others > 0:
		return MultipleFaces
	case main.score < ApproveScore:
		return LowQuality
	case max(main.width(), main.height()) < MinSelfieFace:
		return FaceTooSmall
	}
	return ""
}

// pickSelfieFace chooses the selfie's face: the largest confident face, or
// failing that the best-scoring one, and counts the other confident faces
// of comparable size.
func pickSelfieFace(cands []candidate) (main candidate, others int, ok bool) {
	best := -1
	for i, c := range cands {
		if best < 0 {
			best = i
			continue
		}
		b := cands[best]
		cOK, bOK := c.score >= confidentScore, b.score >= confidentScore
		if (cOK && !bOK) || (cOK && bOK && c.width() > b.width()) || (!cOK && !bOK && c.score > b.score) {
			best = i
		}
	}
	if best < 0 {
		return candidate{}, 0, false
	}
	main = cands[best]
	for i, c := range cands {
		if i != best && c.score >= confidentScore && c.width() >= otherFaceRatio*main.width() {
			others++
		}
	}
	return main, others, true
}

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
// is empty; then Embedding holds the face's Dim-long unit vector.
type Analysis struct {
	FaceDetected    bool
	Score           float64
	Embedding       []float32
	RejectionReason string
}

// Analyze checks a JPEG selfie: exactly one confident face, large enough,
// is approved with its embedding; otherwise the analysis says why not
// (NoFace, MultipleFaces, LowQuality or FaceTooSmall). Undecodable data
// returns an error wrapping ErrImage.
func (e *Engine) Analyze(ctx context.Context, jpegData []byte) (Analysis, error) {
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
	return a, nil
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

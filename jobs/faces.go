package jobs

import (
	"bytes"
	"context"
	"errors"

	"lightbox/jobs/photo"
	"lightbox/jobs/retina"
	"lightbox/store"
)

// maxSelfie bounds what process_selfie reads.
const maxSelfie = 20 << 20

// processSelfie asks the face service whether the selfie shows one usable
// face, then approves it with its embedding or rejects it with a reason.
// With face matching off the selfie stays pending and the job succeeds.
func (h *handlers) processSelfie(ctx context.Context, p store.SelfiePayload) error {
	sf, err := h.DB.SelfieByID(ctx, p.SelfieID)
	if errors.Is(err, store.ErrNotFound) {
		return nil // deleted meanwhile
	}
	if err != nil {
		return err
	}
	if sf.Status != store.SelfiePending {
		return nil
	}
	jpeg, err := h.selfieJPEG(ctx, sf)
	if err != nil {
		if errors.Is(err, errUnusableImage) {
			return h.DB.RejectSelfie(ctx, sf.ID, retina.ReasonLowQuality)
		}
		return err
	}
	a, err := h.Faces.analyzeSelfie(ctx, jpeg)
	switch {
	case errors.Is(err, errMatchingOff):
		return nil
	case errors.Is(err, retina.ErrUnprocessable):
		return h.DB.RejectSelfie(ctx, sf.ID, retina.ReasonLowQuality)
	case err != nil && retina.IsPermanent(err):
		return Permanent(err)
	case err != nil:
		return err
	}
	if !a.Approved() {
		reason := a.RejectionReason
		if reason == "" {
			reason = retina.ReasonLowQuality
		}
		return h.DB.RejectSelfie(ctx, sf.ID, reason)
	}
	return h.DB.ApproveSelfie(ctx, sf.ID, h.Faces.Engine(), a.Embedding)
}

var errUnusableImage = errors.New("unusable image")

// selfieJPEG reads a selfie and normalises it to an upright JPEG.
func (h *handlers) selfieJPEG(ctx context.Context, sf store.Selfie) ([]byte, error) {
	raw, err := h.readBlob(ctx, sf.Key, maxSelfie)
	if err != nil {
		return nil, err
	}
	jpeg, err := photo.Selfie(bytes.NewReader(raw), photo.Limits{MaxBytes: maxSelfie, MaxPixels: 25_000_000}) // refused from the header, before decoding
	if err != nil {
		return nil, errors.Join(errUnusableImage, err)
	}
	return jpeg, nil
}

// clusterFaces compares one attendee's selfie with the project's photos
// not compared yet and tags the photos the attendee is in.
func (h *handlers) clusterFaces(ctx context.Context, p store.ClusterPayload) error {
	return h.Faces.match(ctx, h, p)
}

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
// Without a face service the selfie stays pending and the job succeeds.
func (h *handlers) processSelfie(ctx context.Context, p store.SelfiePayload) error {
	if h.Faces == nil {
		return nil
	}
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
	a, err := h.Faces.Analyze(ctx, jpeg)
	switch {
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
	return h.DB.ApproveSelfie(ctx, sf.ID, a.Embedding)
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
// not compared yet, at most retina.MaxPhotos per call, and tags the photos
// the attendee is in (with the built-in engine, it queries the face index
// instead). Each batch is recorded as it completes, so a retry
// resumes where it stopped; tags a person removed are never re-added.
func (h *handlers) clusterFaces(ctx context.Context, p store.ClusterPayload) error {
	if h.Engine != nil {
		return h.matchSelfie(ctx, p)
	}
	if h.Faces == nil {
		return nil
	}
	w, err := h.DB.StartCluster(ctx, p.UserID, p.ProjectID)
	if err != nil {
		return err
	}
	if w.Selfie.ID == "" {
		return nil
	}
	if len(w.Photos) == 0 {
		return h.DB.ScheduleTagDigest(ctx, p.UserID, p.ProjectID, h.DigestDelay)
	}
	selfie, err := h.selfieJPEG(ctx, w.Selfie)
	if err != nil {
		if errors.Is(err, errUnusableImage) {
			return Permanent(err)
		}
		return err
	}
	total := 0
	for start := 0; start < len(w.Photos); start += retina.MaxPhotos {
		batch := w.Photos[start:min(start+retina.MaxPhotos, len(w.Photos))]
		photos := make([]retina.Photo, 0, len(batch))
		ids := make([]string, 0, len(batch))
		for _, ph := range batch {
			b, err := h.readBlob(ctx, store.PhotoKey(ph.ProjectID, ph.ID, "thumb-800.jpg"), maxSelfie)
			if err != nil {
				return err
			}
			photos = append(photos, retina.Photo{ID: ph.ID, JPEG: b})
			ids = append(ids, ph.ID)
		}
		res, err := h.Faces.Cluster(ctx, selfie, photos)
		if err != nil {
			if retina.IsPermanent(err) {
				return Permanent(err)
			}
			return err
		}
		n, err := h.DB.RecordMatches(ctx, w.Selfie.ID, p.ProjectID, ids, res.Matches())
		if err != nil {
			return err
		}
		total += n
	}
	h.Log.Info("faces matched", "user", p.UserID, "project", p.ProjectID, "compared", len(w.Photos), "new_tags", total)
	return h.DB.ScheduleTagDigest(ctx, p.UserID, p.ProjectID, h.DigestDelay)
}

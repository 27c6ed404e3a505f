package jobs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"

	"lightbox/jobs/face"
	"lightbox/jobs/photo"
	"lightbox/store"
)

const (
	// FaceLongEdge is the size photos are indexed at (a 6000 px JPEG's
	// 1/2-scale decode): the detector's scans, at up to 1024 px, find faces
	// down to about 60 pixels on it, and the engine's windows
	// (face.Engine.FineWindows) down to about 20, which the descriptor
	// then sees in enough detail to match: at 2048 px, faces under 30
	// pixels were seldom described well enough (README.md, "Small faces").
	FaceLongEdge = 3000
	// ReviewBand is how far below the tagging threshold a match still goes
	// to the operator's review list.
	ReviewBand = 0.08
)

// matching is the default tagging rule; a project may set its own
// threshold.
func (h *handlers) matching() store.Matching {
	return store.Matching{Threshold: face.DefaultThreshold, Band: ReviewBand}
}

// indexFaces finds and describes the faces of a ready photo once, stores
// them in the face index and matches them against the selfies of the
// project's members.
func (h *handlers) indexFaces(ctx context.Context, p store.IndexFacesPayload) error {
	if !h.Faces.Indexes() {
		return nil // queued under another engine
	}
	ph, err := h.DB.PhotoByID(ctx, p.PhotoID)
	if errors.Is(err, store.ErrNotFound) {
		return nil // deleted meanwhile
	}
	if err != nil {
		return err
	}
	if ph.Status != store.PhotoReady || ph.FacesIndexed {
		return nil
	}
	orig, err := h.readBlob(ctx, store.PhotoKey(ph.ProjectID, ph.ID, "original.jpg"), maxOriginal)
	if err != nil {
		return err
	}
	img, err := photo.Upright(bytes.NewReader(orig), photo.Limits{}, FaceLongEdge)
	if err != nil {
		return Permanent(fmt.Errorf("decode %s for the face index: %w", ph.ID, err))
	}
	orig = nil
	return h.indexPhoto(ctx, ph, img)
}

// indexPhoto finds the faces of a ready photo in its upright image, at
// most FaceLongEdge pixels on its long side, stores them in the face index
// and matches them against the selfies of the project's members.
func (h *handlers) indexPhoto(ctx context.Context, ph store.Photo, img image.Image) error {
	return h.Faces.indexPhoto(ctx, h, ph, img)
}

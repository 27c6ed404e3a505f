package jobs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"lightbox/jobs/photo"
	"lightbox/store"
)

// maxOriginal bounds what process_photo reads (the upload limit is lower).
const maxOriginal = 60 << 20

// processPhoto makes the derivatives of an uploaded photo. A file that is
// not a usable image marks the photo failed with a reason and the job
// ends; storage errors are retried.
func (h *handlers) processPhoto(ctx context.Context, p store.PhotoPayload) error {
	ph, err := h.DB.PhotoByID(ctx, p.PhotoID)
	if errors.Is(err, store.ErrNotFound) {
		return nil // deleted meanwhile
	}
	if err != nil {
		return err
	}
	if ph.Status == store.PhotoReady && h.Faces.Indexes() && !ph.FacesIndexed {
		// Ready, but indexing failed after: index it from the original.
		return h.indexFaces(ctx, store.IndexFacesPayload{PhotoID: ph.ID})
	}
	if ph.Status != store.PhotoProcessing && ph.Status != store.PhotoFailed {
		return nil // already done, or never uploaded
	}
	project, err := h.DB.Project(ctx, ph.ProjectID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	orig, err := h.readBlob(ctx, store.PhotoKey(ph.ProjectID, ph.ID, "original.jpg"), maxOriginal)
	if err != nil {
		return err
	}
	opts := photo.Options{Watermark: project.WatermarkText}
	if h.Faces.Indexes() {
		opts.FaceLongEdge = FaceLongEdge
	}
	d, err := photo.Derive(bytes.NewReader(orig), opts)
	if err != nil {
		if errors.Is(err, photo.ErrUnsupported) || errors.Is(err, photo.ErrTooLarge) || errors.Is(err, photo.ErrCorrupt) {
			h.Log.Warn("photo failed", "photo", ph.ID, "err", err)
			return h.DB.SetPhotoFailed(ctx, ph.ID, photo.Reason(err))
		}
		return Permanent(err)
	}
	for name, b := range map[string][]byte{"thumb-400.jpg": d.Thumb400, "thumb-800.jpg": d.Thumb800, "watermarked.jpg": d.Watermarked} {
		if err := h.Blobs.Put(ctx, store.PhotoKey(ph.ProjectID, ph.ID, name), bytes.NewReader(b), int64(len(b)), "image/jpeg"); err != nil {
			return fmt.Errorf("store %s: %w", name, err)
		}
	}
	var takenAt *time.Time
	if loc, err := time.LoadLocation(project.Timezone); err == nil {
		if t, ok := photo.TakenAt(orig, loc); ok {
			takenAt = &t
		}
	}
	orig = nil
	// With the built-in engine the photo is indexed here, from the image
	// already decoded, once it is ready. Should that fail, the retry finds
	// the photo ready and unindexed and indexes it from the original (as
	// start-up does for photos left unindexed by a stop).
	if err := h.DB.SetPhotoReady(ctx, ph.ID, store.Ready{Width: d.Width, Height: d.Height, TakenAt: takenAt,
		IndexFaces: h.Faces.Indexes(), IndexedByCaller: d.Face != nil, ClusterDelay: h.ClusterDelay}); err != nil {
		return err
	}
	if d.Face == nil {
		return nil
	}
	return h.indexPhoto(ctx, ph, d.Face)
}

func (h *handlers) photoFailed(ctx context.Context, p store.PhotoPayload, err error) {
	if e := h.DB.SetPhotoFailed(ctx, p.PhotoID, "Processing failed after several tries; retry it from the failed jobs list."); e != nil {
		h.Log.Error("mark photo failed", "photo", p.PhotoID, "err", e)
	}
}

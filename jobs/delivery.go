package jobs

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"

	"lightbox/jobs/photo"
	"lightbox/store"
)

// preparePurchase makes the files a paid order delivers: for each photo an
// EXIF-free full-resolution copy (clean.jpg, lossless where the JPEG
// allows), then one zip of them all for "download all". Photos already
// prepared are skipped, so re-running is cheap and harmless.
func (h *handlers) preparePurchase(ctx context.Context, p store.PurchasePayload) error {
	pur, ok, err := h.paidPurchase(ctx, p.PurchaseID)
	if !ok {
		return err
	}
	var ready []store.Photo
	for _, id := range pur.PhotoIDs {
		ph, err := h.DB.Photo(ctx, pur.ProjectID, id)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		if !ph.CleanReady {
			if err := h.cleanPhoto(ctx, ph); err != nil {
				return err
			}
		}
		ready = append(ready, ph)
	}
	if n, err := h.DB.ArchiveCount(ctx, pur.ID); err != nil || n == len(ready) || len(ready) == 0 {
		return err
	}
	return h.buildArchive(ctx, pur, ready)
}

func (h *handlers) cleanPhoto(ctx context.Context, ph store.Photo) error {
	orig, err := h.readBlob(ctx, store.PhotoKey(ph.ProjectID, ph.ID, "original.jpg"), maxOriginal)
	if err != nil {
		return err
	}
	clean, err := photo.Clean(orig)
	if err != nil {
		return Permanent(fmt.Errorf("photo %s: %w", ph.ID, err))
	}
	if err := h.Blobs.Put(ctx, store.PhotoKey(ph.ProjectID, ph.ID, "clean.jpg"), bytes.NewReader(clean), int64(len(clean)), ph.ContentType); err != nil {
		return err
	}
	return h.DB.SetCleanReady(ctx, ph.ID)
}

// paidPurchase loads a purchase for a job that only concerns paid orders;
// ok is false when it is gone or not paid (nothing to do) or on error.
func (h *handlers) paidPurchase(ctx context.Context, id string) (store.Purchase, bool, error) {
	pur, err := h.DB.Purchase(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return pur, false, nil
	}
	if err != nil {
		return pur, false, err
	}
	return pur, pur.Status == store.PurchasePaid, nil
}

// buildArchive writes the zip to a temporary file (photos are stored, not
// recompressed) and uploads it.
func (h *handlers) buildArchive(ctx context.Context, pur store.Purchase, photos []store.Photo) error {
	f, err := os.CreateTemp("", "lightbox-archive-*.zip")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	zw := zip.NewWriter(f)
	for i, ph := range photos {
		ext := ".jpg"
		if ph.ContentType == "image/png" {
			ext = ".png"
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: fmt.Sprintf("photo-%03d%s", i+1, ext), Method: zip.Store, Modified: ph.CreatedAt})
		if err != nil {
			return err
		}
		rc, err := h.Blobs.Get(ctx, store.PhotoKey(ph.ProjectID, ph.ID, "clean.jpg"))
		if err != nil {
			return err
		}
		_, err = copyCtx(ctx, w, rc)
		rc.Close()
		if err != nil {
			return err
		}
	}
	if err := zw.Close(); err != nil {
		return err
	}
	size, err := f.Seek(0, 1)
	if err != nil {
		return err
	}
	if _, err := f.Seek(0, 0); err != nil {
		return err
	}
	if err := h.Blobs.Put(ctx, store.ArchiveKey(pur.ProjectID, pur.ID), f, size, "application/zip"); err != nil {
		return err
	}
	return h.DB.SetArchiveCount(ctx, pur.ID, len(photos))
}

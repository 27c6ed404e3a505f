package app

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/labstack/echo/v4"

	"lightbox/store"
	"lightbox/store/blob"
)

// maxBatch bounds one upload request; the uploader sends bigger sets in batches.
const maxBatch = 200

type photoFile struct {
	Filename    string `json:"filename"`
	ContentType string `json:"contentType"`
	Size        int64  `json:"size"`
}

type uploadItem struct {
	ID     string      `json:"id"`
	Upload blob.Upload `json:"upload"`
}

func (s *Server) createPhotos(c echo.Context) error {
	ctx := c.Request().Context()
	p, err := s.project(c, c.Param("id"))
	if err != nil {
		return err
	}
	var req struct {
		Files []photoFile `json:"files"`
	}
	if err := decode(c, &req); err != nil {
		return err
	}
	if len(req.Files) == 0 || len(req.Files) > maxBatch {
		return invalid(map[string]string{"files": fmt.Sprintf("Send between 1 and %d files per request.", maxBatch)})
	}
	fields := map[string]string{}
	photos := make([]store.Photo, len(req.Files))
	for i, f := range req.Files {
		key := fmt.Sprintf("files[%d]", i)
		switch {
		case f.ContentType != "image/jpeg" && f.ContentType != "image/png":
			fields[key] = "Only JPEG and PNG photos can be uploaded."
		case f.Size <= 0:
			fields[key] = "The file is empty."
		case f.Size > s.cfg.MaxPhotoBytes:
			fields[key] = fmt.Sprintf("The file is over the %d MB limit.", s.cfg.MaxPhotoBytes>>20)
		}
		photos[i] = store.Photo{Filename: cleanFilename(f.Filename), ContentType: f.ContentType, Size: f.Size}
	}
	if len(fields) > 0 {
		return invalid(fields)
	}
	if err := s.db.CreatePhotos(ctx, p.ID, photos); err != nil {
		return err
	}
	items := make([]uploadItem, len(photos))
	for i, ph := range photos {
		up, err := s.blobs.PresignPut(ctx, store.PhotoKey(p.ID, ph.ID, "original.jpg"), ph.ContentType, ph.Size, s.cfg.UploadTTL)
		if err != nil {
			return err
		}
		items[i] = uploadItem{ID: ph.ID, Upload: up}
	}
	return c.JSON(http.StatusCreated, list(items, ""))
}

// cleanFilename keeps a file name for display only: no paths, no control
// characters, bounded length. Storage keys never use it.
func cleanFilename(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, name)
	if len(name) > 200 {
		name = name[:200]
	}
	return strings.TrimSpace(name)
}

func (s *Server) completePhoto(c echo.Context) error {
	ctx := c.Request().Context()
	projectID, photoID := c.Param("id"), c.Param("photoId")
	ph, err := s.db.Photo(ctx, projectID, photoID)
	if err != nil {
		return err
	}
	if ph.Status == store.PhotoUploading {
		info, err := s.blobs.Stat(ctx, store.PhotoKey(projectID, photoID, "original.jpg"))
		if err != nil {
			return newError(http.StatusConflict, "not_uploaded", "The file has not arrived yet: upload it, then complete it.")
		}
		if info.Size != ph.Size {
			return newError(http.StatusConflict, "size_mismatch", "The uploaded file's size differs from the announced one.")
		}
	}
	ph, err = s.db.CompletePhoto(ctx, projectID, photoID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, map[string]string{"id": ph.ID, "status": ph.Status})
}

// photoView is a photo as the API shows it.
type photoView struct {
	ID        string     `json:"id"`
	Status    string     `json:"status"`
	Error     string     `json:"error,omitempty"`
	Filename  string     `json:"filename,omitempty"`
	Width     int        `json:"width"`
	Height    int        `json:"height"`
	TakenAt   *time.Time `json:"takenAt,omitempty"`
	URLs      photoURLs  `json:"urls"`
	ExpiresAt *time.Time `json:"expiresAt,omitempty"`
	Purchased *bool      `json:"purchased,omitempty"`
	// For operators, with the built-in face engine: whether the photo's
	// faces are indexed, and how many it has.
	FacesIndexed *bool `json:"facesIndexed,omitempty"`
	FaceCount    *int  `json:"faceCount,omitempty"`
}

// photoURLs are a ready photo's presigned derivatives (none before).
type photoURLs struct {
	Thumb400    string `json:"thumb400,omitempty"`
	Thumb800    string `json:"thumb800,omitempty"`
	Watermarked string `json:"watermarked,omitempty"`
}

// view presigns the derivatives of a ready photo.
func (s *Server) view(ctx context.Context, ph store.Photo, withFilename bool) (photoView, error) {
	v := photoView{ID: ph.ID, Status: ph.Status, Error: ph.Error, Width: ph.Width, Height: ph.Height, TakenAt: ph.TakenAt}
	if withFilename {
		v.Filename = ph.Filename
		if ph.FacesIndexed {
			v.FacesIndexed, v.FaceCount = &ph.FacesIndexed, &ph.FaceCount
		}
	}
	if ph.Status != store.PhotoReady {
		return v, nil
	}
	for _, d := range []struct {
		url  *string
		name string
	}{{&v.URLs.Thumb400, "thumb-400.jpg"}, {&v.URLs.Thumb800, "thumb-800.jpg"}, {&v.URLs.Watermarked, "watermarked.jpg"}} {
		u, exp, err := s.blobs.PresignGet(ctx, store.PhotoKey(ph.ProjectID, ph.ID, d.name), s.cfg.DownloadTTL, blob.GetOptions{})
		if err != nil {
			return v, err
		}
		*d.url = u
		v.ExpiresAt = &exp
	}
	return v, nil
}

func (s *Server) listPhotos(c echo.Context) error {
	ctx := c.Request().Context()
	p, err := s.project(c, c.Param("id"))
	if err != nil {
		return err
	}
	limit, _ := strconv.Atoi(c.QueryParam("limit"))
	photos, next, err := s.db.Photos(ctx, store.PhotoFilter{ProjectID: p.ID, Status: c.QueryParam("status"), Cursor: c.QueryParam("cursor"), Limit: limit})
	if err != nil {
		return err
	}
	views := make([]photoView, len(photos))
	for i, ph := range photos {
		if views[i], err = s.view(ctx, ph, true); err != nil {
			return err
		}
	}
	return c.JSON(http.StatusOK, list(views, next))
}

func (s *Server) myPhotos(c echo.Context) error {
	ctx := c.Request().Context()
	p, err := s.project(c, c.Param("id"))
	if err != nil {
		return err
	}
	u := currentUser(c)
	limit, _ := strconv.Atoi(c.QueryParam("limit"))
	photos, next, err := s.db.Photos(ctx, store.PhotoFilter{ProjectID: p.ID, TaggedFor: u.ID, Status: store.PhotoReady, Cursor: c.QueryParam("cursor"), Limit: limit})
	if err != nil {
		return err
	}
	all, bought, err := s.db.PurchasedIn(ctx, u.ID, p.ID)
	if err != nil {
		return err
	}
	views := make([]photoView, len(photos))
	for i, ph := range photos {
		if views[i], err = s.view(ctx, ph, false); err != nil {
			return err
		}
		paid := all || bought[ph.ID] // every photo listed here is tagged
		views[i].Purchased = &paid
	}
	return c.JSON(http.StatusOK, list(views, next))
}

func (s *Server) deletePhoto(c echo.Context) error {
	if err := s.db.DeletePhoto(c.Request().Context(), c.Param("id"), c.Param("photoId")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

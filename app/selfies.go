package app

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"lightbox/store"
)

// rejectionText turns the face service's reasons into plain language.
var rejectionText = map[string]string{
	"no_face":        "We couldn't find a face. Face the camera in good light and try again.",
	"multiple_faces": "We found more than one face. Take the selfie on your own.",
	"low_quality":    "The photo is too dark or blurry. Try again in better light.",
	"face_too_small": "Your face is too small in the picture. Hold the camera closer.",
}

func (s *Server) createSelfie(c echo.Context) error {
	ctx := c.Request().Context()
	u := currentUser(c)
	if u.ConsentAt == nil {
		return newError(http.StatusConflict, "consent_required", "Agree to face matching before taking a selfie.")
	}
	var req struct {
		ContentType string `json:"contentType"`
		Size        int64  `json:"size"`
	}
	if err := decode(c, &req); err != nil {
		return err
	}
	f := map[string]string{}
	if req.ContentType != "image/jpeg" && req.ContentType != "image/png" {
		f["contentType"] = "Use a JPEG or PNG picture."
	}
	if req.Size <= 0 || req.Size > s.cfg.MaxSelfieBytes {
		f["size"] = fmt.Sprintf("The picture must be under %d MB.", s.cfg.MaxSelfieBytes>>20)
	}
	if len(f) > 0 {
		return invalid(f)
	}
	// Each selfie costs a decode and a face analysis: a few retakes in a
	// row, then one a minute.
	if !s.limits.allow("selfie-user", u.ID) {
		return tooMany(c, time.Minute, "That's a lot of selfies in a row. Wait a minute, then take another.")
	}
	sf, err := s.db.CreateSelfie(ctx, u.ID, req.ContentType, req.Size)
	if err != nil {
		return err
	}
	up, err := s.blobs.PresignPut(ctx, sf.Key, sf.ContentType, sf.Size, s.cfg.UploadTTL)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, uploadItem{ID: sf.ID, Upload: up})
}

func (s *Server) completeSelfie(c echo.Context) error {
	ctx := c.Request().Context()
	u := currentUser(c)
	sf, err := s.db.SelfieByID(ctx, c.Param("id"))
	if err != nil || sf.UserID != u.ID {
		return errNotFound
	}
	if sf.Status == store.SelfieUploading {
		info, err := s.blobs.Stat(ctx, sf.Key)
		if err != nil || info.Size != sf.Size {
			return newError(http.StatusConflict, "not_uploaded", "The picture has not arrived yet: upload it, then complete it.")
		}
	}
	if _, err := s.db.CompleteSelfie(ctx, u.ID, sf.ID); err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, map[string]string{"id": sf.ID, "status": store.SelfiePending})
}

type selfieView struct {
	ID              string `json:"id"`
	Status          string `json:"status"`
	RejectionReason string `json:"rejectionReason,omitempty"`
	RejectionText   string `json:"rejectionText,omitempty"`
	Matching        bool   `json:"matching"` // face matching is configured
}

func (s *Server) mySelfie(c echo.Context) error {
	sf, err := s.db.CurrentSelfie(c.Request().Context(), currentUser(c).ID)
	if errors.Is(err, store.ErrNotFound) {
		return newError(http.StatusNotFound, "not_found", "No selfie yet.")
	}
	if err != nil {
		return err
	}
	v := selfieView{ID: sf.ID, Status: sf.Status, RejectionReason: sf.RejectionReason, Matching: s.cfg.FaceMatching}
	if sf.Status == store.SelfieRejected {
		v.RejectionText = rejectionText[sf.RejectionReason]
		if v.RejectionText == "" {
			v.RejectionText = rejectionText["low_quality"]
		}
	}
	return c.JSON(http.StatusOK, v)
}

func (s *Server) deleteMySelfie(c echo.Context) error {
	if err := s.db.DeleteFaceData(c.Request().Context(), currentUser(c).ID, false); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) processPendingSelfies(c echo.Context) error {
	if !s.cfg.FaceMatching {
		return newError(http.StatusConflict, "face_matching_off", "No face service is configured: set RETINA_SERVICE_URL first.")
	}
	n, err := s.db.EnqueuePendingSelfies(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, map[string]int{"queued": n})
}

func (s *Server) removeMyTag(c echo.Context) error {
	if err := s.db.RemoveMyTag(c.Request().Context(), currentUser(c).ID, c.Param("photoId")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) listTags(c echo.Context) error {
	p, err := s.project(c, c.Param("id"))
	if err != nil {
		return err
	}
	tags, err := s.db.ProjectTags(c.Request().Context(), p.ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, list(tags, ""))
}

func (s *Server) removeTag(c echo.Context) error {
	if err := s.db.RemoveTag(c.Request().Context(), c.Param("id"), "operator"); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

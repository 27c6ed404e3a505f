package app

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"lightbox/store"
)

// reviewDigestDelay gathers the tags of several accepted reviews into one
// email to the attendee.
const reviewDigestDelay = 2 * time.Minute

// reviewView is a borderline face match as the backoffice shows it: who,
// which photo, and how close.
type reviewView struct {
	store.FaceReview
	URLs photoURLs `json:"urls"`
}

// listFaceReviews lists the project's borderline matches waiting for an
// operator, closest first.
func (s *Server) listFaceReviews(c echo.Context) error {
	ctx := c.Request().Context()
	p, err := s.project(c, c.Param("id"))
	if err != nil {
		return err
	}
	revs, err := s.db.FaceReviews(ctx, p.ID)
	if err != nil {
		return err
	}
	views := make([]reviewView, len(revs))
	for i, r := range revs {
		ph, err := s.db.Photo(ctx, p.ID, r.PhotoID)
		if err != nil {
			return err
		}
		v, err := s.view(ctx, ph, false)
		if err != nil {
			return err
		}
		views[i] = reviewView{FaceReview: r, URLs: v.URLs}
	}
	return c.JSON(http.StatusOK, list(views, ""))
}

// decideFaceReview accepts a borderline match, which tags the photo for
// the attendee, or dismisses it for good.
func (s *Server) decideFaceReview(c echo.Context) error {
	var req struct {
		Decision string `json:"decision"`
	}
	if err := decode(c, &req); err != nil {
		return err
	}
	if req.Decision != "accept" && req.Decision != "dismiss" {
		return invalid(map[string]string{"decision": `Use "accept" (it is them) or "dismiss" (it is not).`})
	}
	r, err := s.db.DecideFaceReview(c.Request().Context(), c.Param("id"), req.Decision == "accept", reviewDigestDelay)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, r)
}

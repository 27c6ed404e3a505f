package app

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"lightbox/store"
)

type inviteRequest struct {
	Emails []string `json:"emails"`
	// Text is a pasted list or a CSV file's contents (backoffice).
	Text string `json:"text"`
}

func (s *Server) createInvites(c echo.Context) error {
	ctx := c.Request().Context()
	p, err := s.project(c, c.Param("id"))
	if err != nil {
		return err
	}
	var req inviteRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	text := req.Text
	if len(req.Emails) > 0 {
		text = strings.Join(req.Emails, "\n") + "\n" + text
	}
	invitees, skipped := ParseInviteList(text)
	if len(invitees)+len(skipped) > maxInvites {
		return invalid(map[string]string{"emails": fmt.Sprintf("Invite at most %d addresses at a time.", maxInvites)})
	}
	outcomes, err := s.db.CreateInvites(ctx, p.ID, invitees, s.cfg.InviteTTL, func(id string) []byte {
		return store.HashToken(store.DeriveToken(s.cfg.Secret, "invite", id))
	})
	if err != nil {
		return err
	}
	invited := []string{}
	for _, o := range outcomes {
		if o.Reason == "" {
			invited = append(invited, o.Email)
		} else {
			skipped = append(skipped, Skipped{Email: o.Email, Reason: o.Reason})
		}
	}
	if skipped == nil {
		skipped = []Skipped{}
	}
	return c.JSON(http.StatusOK, map[string]any{"invited": invited, "skipped": skipped})
}

func (s *Server) listInvites(c echo.Context) error {
	p, err := s.project(c, c.Param("id"))
	if err != nil {
		return err
	}
	inv, err := s.db.ProjectInvites(c.Request().Context(), p.ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, list(inv, ""))
}

func (s *Server) resendInvite(c echo.Context) error {
	if err := s.db.ResendInvite(c.Request().Context(), c.Param("id"), c.Param("inviteId"), s.cfg.InviteTTL); err != nil {
		return err
	}
	return c.NoContent(http.StatusAccepted)
}

func (s *Server) revokeInvite(c echo.Context) error {
	if err := s.db.RevokeInvite(c.Request().Context(), c.Param("id"), c.Param("inviteId")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) listAttendees(c echo.Context) error {
	p, err := s.project(c, c.Param("id"))
	if err != nil {
		return err
	}
	m, err := s.db.Members(c.Request().Context(), p.ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, list(m, ""))
}

// inviteInfo tells the holder of an invitation link where it leads: the
// project, the studio and the address it was sent to, so the sign-up page
// can greet them. A used, revoked or expired link answers 410 and an
// unknown one 404, with nothing else.
func (s *Server) inviteInfo(c echo.Context) error {
	// Only unknown tokens count: a crowd opening its links is not refused.
	key := limitKey{"accept-ip", "lookup " + c.RealIP()}
	if !s.limits.take(key) {
		return tooMany(c, time.Minute, "Too many attempts. Wait a minute and try again.")
	}
	in, err := s.db.InviteByTokenHash(c.Request().Context(), store.HashToken(c.Param("token")))
	if !errors.Is(err, store.ErrNotFound) {
		s.limits.refund(key)
	}
	if errors.Is(err, store.ErrNotFound) {
		return newError(http.StatusNotFound, "invite_not_found",
			"This invitation link doesn't work. Open it again from the email, or ask the photographer to send a new one.")
	}
	if err != nil {
		return err
	}
	switch in.Status {
	case store.InvitePending:
	case store.InviteAccepted:
		return newError(http.StatusGone, "invite_used", "This invitation has already been used to create an account. Log in instead.")
	default: // expired or revoked
		return newError(http.StatusGone, "invite_expired", "This invitation has expired. Ask the photographer to send it again.")
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, map[string]string{"projectName": in.ProjectName, "studioName": s.cfg.StudioName, "email": in.Email})
}

// hideParams replaces a request's path by its route in the request log,
// for routes whose parameters are secrets (an invitation token).
func hideParams(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		r.URL.Path, r.URL.RawPath = c.Path(), ""
		return next(c)
	}
}

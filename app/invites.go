package app

import (
	"fmt"
	"net/http"
	"strings"

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

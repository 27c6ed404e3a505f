package app

import (
	"context"
	"crypto/subtle"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"lightbox/store"
)

// setupTTL is how long a setup link works.
const setupTTL = time.Hour

// setupLink is the one-time link that creates the first operator from the
// browser, as PocketBase's installer link does: while no operator exists,
// Lightbox prints PUBLIC_URL/setup/<token> in its log. Only the token's
// hash is kept, in memory; it expires, is spent by the first operator, and
// a new one is printed (at startup, or when the welcome page is opened
// after it expired) only while there is still no operator.
type setupLink struct {
	mu      sync.Mutex
	hash    []byte // store.HashToken of the live token; nil when none
	expires time.Time
}

// valid reports whether token is the live setup token.
func (l *setupLink) valid(token string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.hash != nil && time.Now().Before(l.expires) &&
		subtle.ConstantTimeCompare(store.HashToken(token), l.hash) == 1
}

// spend ends the live token.
func (l *setupLink) spend() {
	l.mu.Lock()
	l.hash = nil
	l.mu.Unlock()
}

// SetupLink makes sure a setup link is live while no operator exists: it
// mints one when there is none (or it expired), logs it and returns it. It
// returns "" when an operator exists or the live link is still good.
func (s *Server) SetupLink(ctx context.Context) (string, error) {
	has, err := s.db.HasOperator(ctx)
	if err != nil {
		return "", err
	}
	l := &s.setup
	l.mu.Lock()
	defer l.mu.Unlock()
	if has {
		l.hash = nil
		return "", nil
	}
	if l.hash != nil && time.Now().Before(l.expires) {
		return "", nil
	}
	token := store.RandomToken()
	l.hash, l.expires = store.HashToken(token), time.Now().Add(setupTTL)
	link := s.cfg.PublicURL + "/setup/" + token
	s.log.Warn("no operator account yet: open this one-time setup link to create the first one (or run `lightbox operator create`)",
		"setup_link", link, "expires", l.expires.UTC().Format(time.RFC3339))
	return link, nil
}

// setupPage shows the form that creates the first operator, or says why
// the link does not work; once an operator exists it sends people to log in.
func (s *Server) setupPage(c echo.Context) error {
	has, err := s.db.HasOperator(c.Request().Context())
	if err != nil {
		return err
	}
	if has {
		return c.Redirect(http.StatusSeeOther, "/login")
	}
	if !s.limits.allow("setup-ip", c.RealIP()) {
		c.Response().Header().Set("Retry-After", "60")
		return newError(http.StatusTooManyRequests, "rate_limited", "Too many attempts. Wait a minute and try again.")
	}
	data := struct{ Valid bool }{s.setup.valid(c.Param("token"))}
	return s.renderPage(c, http.StatusOK, pageData{Title: "Create the first account", Page: "setup", Data: data}, "setup")
}

type setupRequest struct {
	Token    string `json:"token"`
	Email    string `json:"email"`
	Password string `json:"password"`
	Name     string `json:"name"`
}

// createFirstOperator spends the setup link on the first operator account
// and logs them in.
func (s *Server) createFirstOperator(c echo.Context) error {
	var req setupRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	if !s.limits.allow("setup-ip", c.RealIP()) {
		c.Response().Header().Set("Retry-After", "60")
		return newError(http.StatusTooManyRequests, "rate_limited", "Too many attempts. Wait a minute and try again.")
	}
	ctx := c.Request().Context()
	alreadySetUp := newError(http.StatusConflict, "already_set_up", "Lightbox already has its first account. Log in instead.")
	if has, err := s.db.HasOperator(ctx); err != nil {
		return err
	} else if has {
		return alreadySetUp
	}
	if !s.setup.valid(req.Token) {
		return newError(http.StatusBadRequest, "invalid_token", "This setup link is invalid, used or expired. Open the welcome page again: Lightbox then prints a new link in its log.")
	}
	email, ok := NormalizeEmail(req.Email)
	req.Name = strings.TrimSpace(req.Name)
	fields := map[string]string{}
	if !ok {
		fields["email"] = "Enter a valid email address."
	}
	if why := ValidatePassword(req.Password); why != "" {
		fields["password"] = why
	}
	if len(req.Name) > 100 {
		fields["name"] = "Use at most 100 characters."
	}
	if len(fields) > 0 {
		return invalid(fields)
	}
	hash, err := HashPassword(req.Password, s.cfg.BcryptCost)
	if err != nil {
		return err
	}
	u := store.User{Email: email, Name: req.Name, PasswordHash: hash}
	switch err := s.db.CreateFirstOperator(ctx, &u); {
	case errors.Is(err, store.ErrOperatorExists):
		return alreadySetUp
	case err != nil:
		return err
	}
	s.setup.spend()
	s.log.Info("first operator created from the setup link; the link no longer works", "email", email)
	return s.startSession(c, http.StatusCreated, u)
}

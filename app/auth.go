package app

import (
	"crypto/subtle"
	"errors"
	"net/http"
	"net/mail"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/crypto/bcrypt"

	"lightbox/store"
)

const (
	sessionCookie = "lightbox_session"
	ctxSession    = "session"
	ctxViaCookie  = "via_cookie"
	// ConsentWording is the sentence an attendee agrees to before face matching.
	ConsentWording = "I agree that Lightbox compares my selfie with this event's photos to find the ones I am in. My face data is used only for this, and I can delete it at any time."
)

// HashPassword hashes a password with bcrypt at the given cost (0: default).
func HashPassword(pw string, cost int) (string, error) {
	if cost == 0 {
		cost = bcrypt.DefaultCost + 2
	}
	h, err := bcrypt.GenerateFromPassword([]byte(pw), cost)
	return string(h), err
}

// ValidatePassword returns a reason when a password is too weak.
func ValidatePassword(pw string) string {
	switch {
	case len(pw) < 10:
		return "Use at least 10 characters."
	case len(pw) > 72:
		return "Use at most 72 characters."
	}
	return ""
}

// NormalizeEmail lowercases and checks an address; ok is false for junk.
func NormalizeEmail(s string) (string, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" || len(s) > 254 || strings.ContainsAny(s, " \t\r\n<>,;\"") {
		return s, false
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s {
		return s, false
	}
	at := strings.LastIndexByte(s, '@')
	if at < 1 || !strings.Contains(s[at+1:], ".") || strings.HasSuffix(s, ".") {
		return s, false
	}
	return s, true
}

// authenticate loads the session from the bearer token or the cookie.
func (s *Server) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		token, viaCookie := "", false
		if h := c.Request().Header.Get("Authorization"); strings.HasPrefix(h, "Bearer ") {
			token = strings.TrimSpace(strings.TrimPrefix(h, "Bearer "))
		} else if ck, err := c.Cookie(sessionCookie); err == nil {
			token, viaCookie = ck.Value, true
		}
		if token != "" {
			sess, err := s.db.SessionByTokenHash(c.Request().Context(), store.HashToken(token))
			switch {
			case err == nil:
				c.Set(ctxSession, &sess)
				c.Set(ctxViaCookie, viaCookie)
			case !errors.Is(err, store.ErrNotFound):
				return err
			}
		}
		return next(c)
	}
}

// csrf protects cookie-authenticated unsafe requests with the session's
// token (header X-CSRF-Token or form field _csrf), and refuses unsafe
// requests from another origin outright.
func (s *Server) csrf(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			return next(c)
		}
		if o := r.Header.Get("Origin"); o != "" && o != "null" && o != s.origin && !sameHost(o, r.Host) {
			return newError(http.StatusForbidden, "csrf", "This request came from another site.")
		}
		sess := session(c)
		if sess == nil || !c.Get(ctxViaCookie).(bool) {
			return next(c)
		}
		tok := r.Header.Get("X-CSRF-Token")
		if tok == "" {
			tok = c.FormValue("_csrf")
		}
		if subtle.ConstantTimeCompare([]byte(tok), []byte(sess.CSRFToken)) != 1 {
			return newError(http.StatusForbidden, "csrf", "Your session's security token is missing or stale. Reload the page and try again.")
		}
		return next(c)
	}
}

func sameHost(origin, host string) bool {
	u, err := url.Parse(origin)
	return err == nil && u.Host == host
}

func session(c echo.Context) *store.Session {
	s, _ := c.Get(ctxSession).(*store.Session)
	return s
}

func currentUser(c echo.Context) *store.User {
	if s := session(c); s != nil {
		return &s.User
	}
	return nil
}

// requireUser refuses anonymous requests.
func requireUser(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if session(c) == nil {
			return errUnauthorized
		}
		return next(c)
	}
}

// requireOperator refuses everyone but operators.
func requireOperator(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		sess := session(c)
		if sess == nil {
			return errUnauthorized
		}
		if sess.User.Role != store.RoleOperator {
			return errForbidden
		}
		return next(c)
	}
}

type loginRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

type authResponse struct {
	Token     string     `json:"token"`
	CSRFToken string     `json:"csrfToken"`
	User      store.User `json:"user"`
}

// standIn is the hash a login for an unknown email is checked against, so
// it costs as much as a wrong password for a known one: it is made, on
// first use, at the cost real passwords are hashed with.
type standIn struct {
	once sync.Once
	hash []byte
}

func (s *Server) standInHash() []byte {
	s.standIn.once.Do(func() {
		h, err := HashPassword("lightbox-timing-equaliser", s.cfg.BcryptCost)
		if err != nil { // a cost bcrypt refuses, which fails real hashing too
			h, _ = HashPassword("lightbox-timing-equaliser", bcrypt.DefaultCost)
		}
		s.standIn.hash = []byte(h)
	})
	return s.standIn.hash
}

func (s *Server) login(c echo.Context) error {
	var req loginRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	email, _ := NormalizeEmail(req.Email)
	// Only failures count: a correct password gives its tokens back.
	ip := c.RealIP()
	keys := []limitKey{{"login-ip", ip}, {"login-ip-email", ip + " " + email}, {"login-email", email}}
	if !s.limits.take(keys...) {
		return tooMany(c, time.Minute, "Too many attempts. Wait a minute and try again.")
	}
	u, err := s.db.UserByEmail(c.Request().Context(), email)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		s.limits.refund(keys...)
		return err
	}
	hash := []byte(u.PasswordHash)
	if err != nil {
		hash = s.standInHash()
	}
	if bcrypt.CompareHashAndPassword(hash, []byte(req.Password)) != nil || err != nil {
		return newError(http.StatusUnauthorized, "invalid_credentials", "That email and password don't match.")
	}
	s.limits.refund(keys...)
	return s.startSession(c, http.StatusOK, u)
}

// startSession creates a session, sets the cookie and answers with the
// token and user.
func (s *Server) startSession(c echo.Context, status int, u store.User) error {
	token, csrf := store.RandomToken(), store.RandomToken()
	if err := s.db.CreateSession(c.Request().Context(), store.HashToken(token), u.ID, csrf, s.cfg.SessionTTL); err != nil {
		return err
	}
	c.SetCookie(&http.Cookie{Name: sessionCookie, Value: token, Path: "/", HttpOnly: true, Secure: s.secure,
		SameSite: http.SameSiteLaxMode, MaxAge: int(s.cfg.SessionTTL / time.Second)})
	return c.JSON(status, authResponse{Token: token, CSRFToken: csrf, User: u})
}

func (s *Server) logout(c echo.Context) error {
	token := ""
	if h := c.Request().Header.Get("Authorization"); strings.HasPrefix(h, "Bearer ") {
		token = strings.TrimPrefix(h, "Bearer ")
	} else if ck, err := c.Cookie(sessionCookie); err == nil {
		token = ck.Value
	}
	if token != "" {
		if err := s.db.DeleteSession(c.Request().Context(), store.HashToken(token)); err != nil {
			return err
		}
	}
	c.SetCookie(&http.Cookie{Name: sessionCookie, Value: "", Path: "/", HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode, MaxAge: -1})
	return c.NoContent(http.StatusNoContent)
}

type meResponse struct {
	store.User
	CSRFToken      string `json:"csrfToken"`
	ConsentWording string `json:"consentWording"`
}

func (s *Server) me(c echo.Context) error {
	sess := session(c)
	return c.JSON(http.StatusOK, meResponse{User: sess.User, CSRFToken: sess.CSRFToken, ConsentWording: ConsentWording})
}

func (s *Server) requestReset(c echo.Context) error {
	var req struct {
		Email string `json:"email"`
	}
	if err := decode(c, &req); err != nil {
		return err
	}
	email, ok := NormalizeEmail(req.Email)
	if !ok {
		return invalid(map[string]string{"email": "Enter a valid email address."})
	}
	accepted := map[string]string{"status": "accepted", "message": "If an account exists for that address, we've sent a link to reset the password."}
	if !s.limits.allow("reset-ip", c.RealIP()) {
		return tooMany(c, time.Minute, "Too many requests. Wait a few minutes and try again.")
	}
	if !s.limits.allow("reset-email", email) {
		// Same answer as success: the address's existence stays private.
		return c.JSON(http.StatusAccepted, accepted)
	}
	id := store.NewID("pr")
	hash := store.HashToken(store.DeriveToken(s.cfg.Secret, "reset", id))
	if err := s.db.RequestPasswordReset(c.Request().Context(), email, id, hash, s.cfg.ResetTTL); err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, accepted)
}

func (s *Server) confirmReset(c echo.Context) error {
	var req struct {
		Token    string `json:"token"`
		Password string `json:"password"`
	}
	if err := decode(c, &req); err != nil {
		return err
	}
	if why := ValidatePassword(req.Password); why != "" {
		return invalid(map[string]string{"password": why})
	}
	hash, err := HashPassword(req.Password, s.cfg.BcryptCost)
	if err != nil {
		return err
	}
	err = s.db.ConfirmPasswordReset(c.Request().Context(), store.HashToken(req.Token), hash)
	if errors.Is(err, store.ErrTokenInvalid) {
		return newError(http.StatusBadRequest, "invalid_token", "This reset link is invalid, used or expired. Ask for a new one.")
	}
	if err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) acceptInvite(c echo.Context) error {
	var req struct {
		Token    string `json:"token"`
		Password string `json:"password"`
		Name     string `json:"name"`
	}
	if err := decode(c, &req); err != nil {
		return err
	}
	// Only unknown or dead tokens count, so a crowd at one venue can all
	// sign up at once.
	key := limitKey{"accept-ip", c.RealIP()}
	if !s.limits.take(key) {
		return tooMany(c, time.Minute, "Too many attempts. Wait a minute and try again.")
	}
	guessed := false
	defer func() {
		if !guessed {
			s.limits.refund(key)
		}
	}()
	req.Name = strings.TrimSpace(req.Name)
	fields := map[string]string{}
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
	u, err := s.db.AcceptInvite(c.Request().Context(), store.HashToken(req.Token), req.Name, hash)
	switch {
	case errors.Is(err, store.ErrTokenInvalid):
		guessed = true
		return newError(http.StatusBadRequest, "invalid_token", "This invitation is invalid, already used or expired. Ask the photographer to send a new one.")
	case errors.Is(err, store.ErrConflict):
		return newError(http.StatusConflict, "account_exists", "An account with this email already exists. Log in instead.")
	case err != nil:
		return err
	}
	return s.startSession(c, http.StatusCreated, u)
}

func (s *Server) giveConsent(c echo.Context) error {
	var req struct {
		FaceMatching bool `json:"faceMatching"`
	}
	if err := decode(c, &req); err != nil {
		return err
	}
	if !req.FaceMatching {
		return invalid(map[string]string{"faceMatching": "Tick the box to agree to face matching."})
	}
	at, err := s.db.SetConsent(c.Request().Context(), currentUser(c).ID, ConsentWording)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"faceMatching": true, "consentAt": at, "wording": ConsentWording})
}

func (s *Server) withdrawConsent(c echo.Context) error {
	if err := s.db.DeleteFaceData(c.Request().Context(), currentUser(c).ID, true); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

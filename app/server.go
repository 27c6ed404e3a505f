// Package app is Lightbox's HTTP side: the JSON API under /v1, the
// server-rendered pages, sessions and auth, Stripe checkout and webhooks.
package app

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"lightbox/store"
	"lightbox/store/blob"
)

// Config holds the settings the HTTP side needs.
type Config struct {
	PublicURL            string // absolute, no trailing slash; links and cookies follow it
	StudioName           string
	Version              string
	StripePublishableKey string
	StripeWebhookSecret  string
	GooglePlacesKey      string // a browser key: location search in the project form, time zone look-ups
	GoogleAPIURL         string // Google Maps Platform's base URL; tests point it elsewhere
	// GoogleServerKey is the key the server uses for time zone look-ups;
	// GooglePlacesKey when empty (a referrer-restricted browser key is
	// refused on server calls, so a separate, IP-restricted key is best).
	GoogleServerKey string
	FaceMatching    bool // a face service (or engine) is configured
	BcryptCost      int  // 0: bcrypt's default
	SessionTTL      time.Duration
	InviteTTL       time.Duration
	ResetTTL        time.Duration
	UploadTTL       time.Duration
	DownloadTTL     time.Duration
	MaxPhotoBytes   int64
	MaxSelfieBytes  int64
	TrustedProxies  []*net.IPNet
	Secret          []byte // derives invite and reset tokens
}

func (c *Config) defaults() {
	if c.StudioName == "" {
		c.StudioName = "Lightbox"
	}
	if c.GoogleAPIURL == "" {
		c.GoogleAPIURL = "https://maps.googleapis.com"
	}
	c.GoogleAPIURL = strings.TrimRight(c.GoogleAPIURL, "/")
	if c.SessionTTL == 0 {
		c.SessionTTL = 30 * 24 * time.Hour
	}
	if c.InviteTTL == 0 {
		c.InviteTTL = 14 * 24 * time.Hour
	}
	if c.ResetTTL == 0 {
		c.ResetTTL = time.Hour
	}
	if c.UploadTTL == 0 {
		c.UploadTTL = 15 * time.Minute
	}
	if c.DownloadTTL == 0 {
		c.DownloadTTL = 15 * time.Minute
	}
	if c.MaxPhotoBytes == 0 {
		c.MaxPhotoBytes = 50 << 20
	}
	if c.MaxSelfieBytes == 0 {
		c.MaxSelfieBytes = 15 << 20
	}
}

// Payments creates payment intents with the payment provider.
type Payments interface {
	CreateIntent(ctx context.Context, r IntentRequest) (Intent, error)
	// ResumeIntent returns the intent's client secret while the payer
	// still has something to do (enter a card, confirm, authenticate),
	// and "" once the payment is processing, done or cancelled, so an
	// attendee who reloaded the page or came back later can finish paying.
	ResumeIntent(ctx context.Context, intentID string) (string, error)
}

// IntentRequest describes one checkout.
type IntentRequest struct {
	PurchaseID, UserID string
	Amount             int64
	Currency           string
	Description        string
}

// Intent is a created payment intent.
type Intent struct {
	ID, ClientSecret string
}

// JobStats reports the job runner's counters, for health and metrics.
type JobStats interface {
	Counts() map[string]JobCounts
}

// JobCounts mirrors jobs.Counts without importing the jobs package.
type JobCounts struct{ Succeeded, Retried, Failed, Running int64 }

// Deps are the parts the server is built from.
type Deps struct {
	Log      *slog.Logger
	DB       *store.DB
	Blobs    blob.Store
	Local    http.Handler // the embedded blob server, nil with R2
	Payments Payments     // nil: payments are offline
	Jobs     JobStats     // may be nil
}

// Server serves Lightbox over HTTP.
type Server struct {
	cfg      Config
	log      *slog.Logger
	db       *store.DB
	blobs    blob.Store
	local    http.Handler
	payments Payments
	jobs     JobStats
	echo     *echo.Echo
	limits   *limiters
	standIn  standIn
	pages    *pages
	metrics  *metrics
	origin   string // scheme://host of PublicURL
	hosts    *hostWatch
	setup    setupLink
	secure   bool
}

// NewServer builds the server; it fails if a template does not parse.
func NewServer(cfg Config, d Deps) (*Server, error) {
	cfg.defaults()
	u, err := url.Parse(cfg.PublicURL)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return nil, fmt.Errorf("public URL %q is not an absolute URL", cfg.PublicURL)
	}
	pg, err := newPages()
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, log: d.Log, db: d.DB, blobs: d.Blobs, local: d.Local, payments: d.Payments, jobs: d.Jobs,
		limits: newLimiters(), pages: pg, metrics: newMetrics(), origin: u.Scheme + "://" + u.Host, secure: u.Scheme == "https",
		hosts: newHostWatch(u.Host)}
	s.echo = s.newEcho()
	s.routes()
	return s, nil
}

// ServeHTTP makes the server an http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.echo.ServeHTTP(w, r) }

func (s *Server) newEcho() *echo.Echo {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.handleError
	e.JSONSerializer = jsonSerializer{}
	if len(s.cfg.TrustedProxies) > 0 {
		var opts []echo.TrustOption
		for _, n := range s.cfg.TrustedProxies {
			opts = append(opts, echo.TrustIPRange(n))
		}
		e.IPExtractor = echo.ExtractIPFromXFFHeader(opts...)
	} else {
		e.IPExtractor = echo.ExtractIPDirect()
	}
	e.Use(middleware.RequestID())
	e.Use(s.logRequests)
	e.Use(s.watchHost)
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{
		LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
			s.log.Error("panic", "path", c.Path(), "request_id", c.Response().Header().Get(echo.HeaderXRequestID), "err", err, "stack", string(stack))
			return err
		},
	}))
	e.Use(middleware.SecureWithConfig(middleware.SecureConfig{
		XSSProtection:         "0",
		ContentTypeNosniff:    "nosniff",
		XFrameOptions:         "DENY",
		HSTSMaxAge:            31536000,
		ReferrerPolicy:        "same-origin",
		ContentSecurityPolicy: s.csp(),
	}))
	return e
}

// csp allows our own scripts, Stripe.js and the storage origin for images
// and, when location search is configured, Google's Maps JavaScript API
// (its scripts, and the fonts and stylesheet of its suggestion list).
func (s *Server) csp() string {
	script, style, font := "script-src 'self' https://js.stripe.com", "style-src 'self' 'unsafe-inline'", ""
	if s.cfg.GooglePlacesKey != "" {
		script += " https://maps.googleapis.com https://maps.gstatic.com"
		style += " https://fonts.googleapis.com"
		font = "font-src 'self' https://fonts.gstatic.com; "
	}
	return "default-src 'self'; " + script + "; " +
		"frame-src https://js.stripe.com https://hooks.stripe.com; img-src 'self' data: blob: https:; " + font +
		"connect-src 'self' https:; " + style + "; media-src 'self' blob:; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
}

// logRequests writes one structured line per request and feeds metrics.
func (s *Server) logRequests(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		d := time.Since(start)
		status := c.Response().Status
		route := c.Path()
		s.metrics.observeHTTP(c.Request().Method, route, status, d)
		if strings.HasPrefix(route, "/static/") || route == "/v1/health" {
			return nil
		}
		lvl := slog.LevelInfo
		if status >= 500 {
			lvl = slog.LevelError
		}
		s.log.Log(c.Request().Context(), lvl, "request", "method", c.Request().Method, "path", c.Request().URL.Path, "route", route,
			"status", status, "duration_ms", d.Milliseconds(), "ip", c.RealIP(), "request_id", c.Response().Header().Get(echo.HeaderXRequestID))
		return nil
	}
}

// Routes lists every registered route, for tests that must cover them all.
func (s *Server) Routes() []*echo.Route { return s.echo.Routes() }

// Shutdown stops accepting requests and waits for running ones.
func (s *Server) Shutdown(ctx context.Context) error { return s.echo.Shutdown(ctx) }

// link builds an absolute link under PublicURL.
func (s *Server) link(path string) string { return s.cfg.PublicURL + path }

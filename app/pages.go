package app

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"

	"github.com/labstack/echo/v4"

	"lightbox/store"
	"lightbox/ui"
)

// pages holds the templates, parsed once at startup, and the content
// hashes of the static files for cache-busting URLs.
type pages struct {
	tmpl   map[string]*template.Template
	hashes map[string]string
}

func newPages() (*pages, error) {
	p := &pages{tmpl: map[string]*template.Template{}, hashes: map[string]string{}}
	err := fs.WalkDir(ui.Static, "static", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(ui.Static, name)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		p.hashes[strings.TrimPrefix(name, "static/")] = hex.EncodeToString(sum[:6])
		return nil
	})
	if err != nil {
		return nil, err
	}
	funcs := template.FuncMap{
		"asset": func(name string) (string, error) {
			h, ok := p.hashes[name]
			if !ok {
				return "", fmt.Errorf("no static file %q", name)
			}
			return "/static/" + name + "?v=" + h, nil
		},
	}
	names, err := fs.Glob(ui.Templates, "templates/*.html")
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		base := path.Base(n)
		if base == "layout.html" {
			continue
		}
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(ui.Templates, "templates/layout.html", n)
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", base, err)
		}
		p.tmpl[strings.TrimSuffix(base, ".html")] = t
	}
	for _, required := range []string{"error"} {
		if p.tmpl[required] == nil {
			return nil, fmt.Errorf("template %s.html is missing", required)
		}
	}
	return p, nil
}

// pageData is what every page template receives.
type pageData struct {
	Title  string
	User   *store.User
	CSRF   string
	Public publicConfig
	Error  *Error
	Data   any
}

// publicConfig is what the browser may know about the server's setup.
type publicConfig struct {
	StudioName           string
	StripePublishableKey string
	GooglePlacesKey      string
	FaceMatching         bool
	Version              string
}

func (s *Server) render(c echo.Context, status int, name, title string, data any) error {
	t := s.pages.tmpl[name]
	if t == nil {
		return fmt.Errorf("no page template %q", name)
	}
	pd := pageData{Title: title, User: currentUser(c), Data: data, Public: publicConfig{StudioName: s.cfg.StudioName,
		StripePublishableKey: s.cfg.StripePublishableKey, GooglePlacesKey: s.cfg.GooglePlacesKey, FaceMatching: s.cfg.FaceMatching, Version: s.cfg.Version}}
	if sess := session(c); sess != nil {
		pd.CSRF = sess.CSRFToken
	}
	if e, ok := data.(*Error); ok {
		pd.Error = e
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout.html", pd); err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.HTMLBlob(status, buf.Bytes())
}

func (s *Server) renderError(c echo.Context, e *Error) {
	if err := s.render(c, e.Status, "error", "Error", e); err != nil {
		s.log.Error("render error page", "err", err)
		_ = c.String(e.Status, e.Message)
	}
}

// static serves embedded assets; hashed URLs are cached for a year.
func (s *Server) static(c echo.Context) error {
	name := strings.TrimPrefix(c.Param("*"), "/")
	b, err := fs.ReadFile(ui.Static, "static/"+name)
	if err != nil {
		return errNotFound
	}
	if c.QueryParam("v") != "" && c.QueryParam("v") == s.pages.hashes[name] {
		c.Response().Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		c.Response().Header().Set("Cache-Control", "no-cache")
	}
	ct := mime.TypeByExtension(path.Ext(name))
	if ct == "" {
		ct = http.DetectContentType(b)
	}
	return c.Blob(http.StatusOK, ct, b)
}

// page serves a page to anyone (auth pages) or to a role.
func (s *Server) page(name, title, role string) echo.HandlerFunc {
	return func(c echo.Context) error {
		u := currentUser(c)
		switch {
		case role == "":
		case u == nil:
			return c.Redirect(http.StatusSeeOther, "/login?next="+c.Request().URL.RequestURI())
		case role == store.RoleOperator && u.Role != store.RoleOperator:
			return c.Redirect(http.StatusSeeOther, "/app")
		}
		return s.render(c, http.StatusOK, name, title, nil)
	}
}

// home sends people where they belong.
func (s *Server) home(c echo.Context) error {
	u := currentUser(c)
	switch {
	case u == nil:
		return c.Redirect(http.StatusSeeOther, "/login")
	case u.Role == store.RoleOperator:
		return c.Redirect(http.StatusSeeOther, "/admin")
	default:
		return c.Redirect(http.StatusSeeOther, "/app")
	}
}

// pageRoutes lists the HTML pages; each is a shell that its script fills
// from the JSON API.
func (s *Server) pageRoutes() {
	g := s.echo.Group("", s.authenticate)
	g.GET("/", s.home)
	for _, p := range []struct{ path, name, title, role string }{
		{"/login", "login", "Log in", ""},
		{"/forgot", "forgot", "Reset your password", ""},
		{"/reset", "reset", "Choose a new password", ""},
		{"/invite", "invite", "Create your account", ""},
		{"/app", "attendee", "My photos", "any"},
		{"/app/projects/:id", "attendee", "My photos", "any"},
		{"/app/selfie", "attendee", "Your selfie", "any"},
		{"/app/purchases/:id", "attendee", "Your order", "any"},
		{"/admin", "admin", "Projects", store.RoleOperator},
		{"/admin/projects/:id", "admin", "Project", store.RoleOperator},
		{"/admin/jobs", "admin", "Failed jobs", store.RoleOperator},
		{"/admin/outbox", "admin", "Outbox", store.RoleOperator},
	} {
		g.GET(p.path, s.page(p.name, p.title, p.role))
	}
}

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
	"net/url"
	"path"
	"regexp"
	"sort"
	"strings"

	"github.com/labstack/echo/v4"

	"lightbox/store"
	"lightbox/ui"
)

// pages holds the templates, parsed once at startup, and the static files
// with their content hashes for cache-busting URLs.
type pages struct {
	tmpl   map[string]*template.Template
	hashes map[string]string // file name under static/ -> hash of its served bytes
	files  map[string][]byte // the served bytes
	tree   string            // hash of every static file, carried by module imports
}

// moduleImport matches a relative module specifier in a script: the
// string literal of an import, an export-from or a dynamic import().
var moduleImport = regexp.MustCompile(`(["'])(\.{1,2}/[\w./-]+\.js)(["'])`)

func newPages() (*pages, error) {
	p := &pages{tmpl: map[string]*template.Template{}, hashes: map[string]string{}, files: map[string][]byte{}}
	var names []string
	err := fs.WalkDir(ui.Static, "static", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(ui.Static, name)
		if err != nil {
			return err
		}
		rel := strings.TrimPrefix(name, "static/")
		p.files[rel] = b
		names = append(names, rel)
		return nil
	})
	if err != nil {
		return nil, err
	}
	// Modules import each other by relative URL; those URLs carry the hash
	// of the whole tree, so a change anywhere busts every cached module.
	sort.Strings(names)
	tree := sha256.New()
	for _, n := range names {
		fmt.Fprintf(tree, "%s\x00%d\x00", n, len(p.files[n]))
		tree.Write(p.files[n])
	}
	p.tree = hex.EncodeToString(tree.Sum(nil)[:6])
	for _, n := range names {
		if path.Ext(n) == ".js" {
			p.files[n] = moduleImport.ReplaceAll(p.files[n], []byte("${1}${2}?v="+p.tree+"${3}"))
		}
		sum := sha256.Sum256(p.files[n])
		p.hashes[n] = hex.EncodeToString(sum[:6])
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
	tnames, err := fs.Glob(ui.Templates, "templates/*.html")
	if err != nil {
		return nil, err
	}
	for _, n := range tnames {
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
	for _, required := range []string{"error", "firstrun", "setup"} {
		if p.tmpl[required] == nil {
			return nil, fmt.Errorf("template %s.html is missing", required)
		}
	}
	for _, pg := range pageList {
		if p.tmpl[pg.name] == nil {
			return nil, fmt.Errorf("template %s.html is missing", pg.name)
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
	// Page names the page's script view; Section marks the current
	// navigation entry.
	Page, Section string
	// OtherHost, on an operator's page opened at another host than
	// PUBLIC_URL's, explains where the links in emails point.
	OtherHost *hostNotice
}

// publicConfig is what the browser may know about the server's setup.
type publicConfig struct {
	StudioName           string
	StripePublishableKey string
}

// IsOperator reports whether the page is shown to an operator.
func (d pageData) IsOperator() bool { return d.User != nil && d.User.Role == store.RoleOperator }

func (s *Server) render(c echo.Context, status int, name, title string, data any) error {
	return s.renderPage(c, status, pageData{Title: title, Data: data, Page: name}, name)
}

func (s *Server) renderPage(c echo.Context, status int, pd pageData, name string) error {
	t := s.pages.tmpl[name]
	if t == nil {
		return fmt.Errorf("no page template %q", name)
	}
	pd.User = currentUser(c)
	pd.OtherHost = s.otherHost(c)
	pd.Public = publicConfig{StudioName: s.cfg.StudioName, StripePublishableKey: s.cfg.StripePublishableKey}
	if sess := session(c); sess != nil {
		pd.CSRF = sess.CSRFToken
	}
	if e, ok := pd.Data.(*Error); ok {
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
	title := "Something went wrong"
	switch {
	case e.Status == http.StatusNotFound:
		title = "Page not found"
	case e.Status < 500:
		title = e.Message
	}
	if err := s.render(c, e.Status, "error", title, e); err != nil {
		s.log.Error("render error page", "err", err)
		_ = c.String(e.Status, e.Message)
	}
}

// static serves embedded assets; hashed URLs are cached for a year.
func (s *Server) static(c echo.Context) error {
	name := strings.TrimPrefix(c.Param("*"), "/")
	b, ok := s.pages.files[name]
	if !ok {
		return errNotFound
	}
	if v := c.QueryParam("v"); v != "" && (v == s.pages.hashes[name] || v == s.pages.tree) {
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

// pageDef is one HTML page: a template whose script fills it from the
// JSON API.
type pageDef struct {
	path, name, title, role, section string
}

// pageList lists the HTML pages. Links in emails point at /invite,
// /reset, /app/projects/:id and /app/purchases/:id.
var pageList = []pageDef{
	{"/login", "login", "Log in", "", ""},
	{"/forgot", "forgot", "Reset your password", "", ""},
	{"/reset", "reset", "Choose a new password", "", ""},
	{"/invite", "invite", "Create your account", "", ""},
	{"/app", "home", "My events", "any", "events"},
	{"/app/selfie", "selfie", "Your selfie", "any", "selfie"},
	{"/app/projects/:id", "gallery", "My photos", "any", "events"},
	{"/app/projects/:id/buy/:packageId", "buy", "Checkout", "any", "events"},
	{"/app/purchases/:id", "order", "Your order", "any", "events"},
	{"/admin", "admin", "Projects", store.RoleOperator, "projects"},
	{"/admin/projects/:id", "project", "Project", store.RoleOperator, "projects"},
	{"/admin/jobs", "jobs", "Failed jobs", store.RoleOperator, "jobs"},
	{"/admin/outbox", "outbox", "Outbox", store.RoleOperator, "outbox"},
}

// page serves a page to anyone (auth pages) or to a role.
func (s *Server) page(pg pageDef) echo.HandlerFunc {
	return func(c echo.Context) error {
		u := currentUser(c)
		if pg.name == "login" {
			if first, err := s.firstRun(c); first || err != nil {
				return err
			}
		}
		switch {
		case pg.role == "" && u != nil && pg.name == "login":
			return c.Redirect(http.StatusSeeOther, safeNext(c.QueryParam("next"), homeOf(u)))
		case pg.role == "":
		case u == nil:
			return c.Redirect(http.StatusSeeOther, "/login?next="+url.QueryEscape(c.Request().URL.RequestURI()))
		case pg.role == store.RoleOperator && u.Role != store.RoleOperator:
			return c.Redirect(http.StatusSeeOther, "/app")
		}
		pd := pageData{Title: pg.title, Page: pg.name, Section: pg.section}
		if pg.name == "login" {
			pd.Data = safeNext(c.QueryParam("next"), "")
		}
		return s.renderPage(c, http.StatusOK, pd, pg.name)
	}
}

// homeOf is where a user lands after logging in.
func homeOf(u *store.User) string {
	if u.Role == store.RoleOperator {
		return "/admin"
	}
	return "/app"
}

// safeNext accepts only a path on this site as a redirect target, judged
// as a browser reads it: browsers drop tabs and newlines anywhere in a URL
// and read a backslash as a slash, so "/<tab>/evil.example" and
// "/\\evil.example" both mean "//evil.example", another site. Anything with a control
// character or a backslash, or that does not parse as a bare path, gives
// fallback. The login page's script uses the same verdict (data-next).
func safeNext(next, fallback string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") {
		return fallback
	}
	for _, r := range next {
		if r < 0x20 || r == 0x7f || r == '\\' {
			return fallback
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return fallback
	}
	return next
}

// home sends people where they belong.
func (s *Server) home(c echo.Context) error {
	u := currentUser(c)
	if u == nil {
		if first, err := s.firstRun(c); first || err != nil {
			return err
		}
		return c.Redirect(http.StatusSeeOther, "/login")
	}
	return c.Redirect(http.StatusSeeOther, homeOf(u))
}

// firstRun shows a visitor how to create the first operator while there is
// none, since nobody could log in yet; it reports whether it did.
func (s *Server) firstRun(c echo.Context) (bool, error) {
	if currentUser(c) != nil {
		return false, nil
	}
	has, err := s.db.HasOperator(c.Request().Context())
	if err != nil || has {
		return false, err
	}
	// A setup link that ran out is replaced, and the new one logged.
	if _, err := s.SetupLink(c.Request().Context()); err != nil {
		return false, err
	}
	return true, s.renderPage(c, http.StatusOK, pageData{Title: "Welcome", Page: "firstrun"}, "firstrun")
}

// pageRoutes registers the HTML pages; each is a shell that its script
// fills from the JSON API.
func (s *Server) pageRoutes() {
	g := s.echo.Group("", s.authenticate)
	g.GET("/", s.home)
	g.GET("/setup/:token", s.setupPage, hideParams)
	for _, pg := range pageList {
		g.GET(pg.path, s.page(pg))
	}
}

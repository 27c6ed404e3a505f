package app_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"lightbox/app/apptest"
	"lightbox/store"
)

// get fetches a page as a browser would, without following redirects.
func getPage(t *testing.T, c *apptest.Client, path string) apptest.Response {
	t.Helper()
	c.Header.Set("Accept", "text/html")
	return c.Do("GET", path, nil)
}

func TestPages(t *testing.T) {
	env := apptest.New(t, apptest.Options{NoRetina: true})
	anon := env.Anonymous()
	op := env.Operator("studio@example.com")
	op.Token = "" // pages use the cookie, as in a browser
	env.CreateUser("guest@example.com", store.RoleAttendee)
	guest := env.Login("guest@example.com")
	guest.Token = ""

	for _, tc := range []struct {
		name     string
		c        *apptest.Client
		path     string
		status   int
		location string
		contains string
	}{
		{"home sends strangers to log in", anon, "/", 303, "/login", ""},
		{"home sends operators to the backoffice", op, "/", 303, "/admin", ""},
		{"home sends attendees to their events", guest, "/", 303, "/app", ""},
		{"a private page asks to log in and come back", anon, "/app/projects/p1?x=1", 303, "/login?next=%2Fapp%2Fprojects%2Fp1%3Fx%3D1", ""},
		{"attendees stay out of the backoffice", guest, "/admin/projects/p1", 303, "/app", ""},
		{"the login page skips ahead when logged in", guest, "/login?next=/app/selfie", 303, "/app/selfie", ""},
		{"and refuses to send people elsewhere", guest, "/login?next=//evil.example", 303, "/app", ""},
		{"even with a tab browsers drop", guest, "/login?next=/%09/evil.example/x", 303, "/app", ""},
		{"or a newline", guest, "/login?next=/%0A/evil.example/x", 303, "/app", ""},
		{"or a backslash browsers read as a slash", guest, "/login?next=/%5Cevil.example/x", 303, "/app", ""},
		{"the login page hands a local next to its script", anon, "/login?next=/admin/jobs%3Fx%3D1", 200, "", `data-next="/admin/jobs?x=1"`},
		{"login page", anon, "/login", 200, "", `id="login-form"`},
		{"invite page", anon, "/invite?token=x", 200, "", `id="invite-form"`},
		{"backoffice shell", op, "/admin/projects/p1", 200, "", `data-page="project"`},
		{"attendee shell", guest, "/app/purchases/pur1", 200, "", `data-page="order"`},
		{"checkout shell", guest, "/app/projects/p1/buy/pkg1", 200, "", `data-page="buy"`},
		{"unknown pages say so", guest, "/no/such/page", 404, "", "Page not found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := getPage(t, tc.c, tc.path)
			if r.Status != tc.status {
				t.Fatalf("status %d, want %d", r.Status, tc.status)
			}
			if tc.location != "" && r.Header.Get("Location") != tc.location {
				t.Errorf("Location %q, want %q", r.Header.Get("Location"), tc.location)
			}
			if tc.contains != "" && !strings.Contains(string(r.Body), tc.contains) {
				t.Errorf("page lacks %q", tc.contains)
			}
		})
	}

	// The login page's script goes where data-next says, so another site
	// never gets there.
	for _, next := range []string{"/%09/evil.example/x", "//evil.example", "/%5Cevil.example", "https://evil.example", "%20//evil.example"} {
		if r := getPage(t, anon, "/login?next="+next); strings.Contains(string(r.Body), "data-next") {
			t.Errorf("login page with next=%s hands it to its script", next)
		}
	}

	// Pages carry the session's CSRF token for their scripts.
	r := getPage(t, op, "/admin")
	if !regexp.MustCompile(`<meta name="csrf-token" content="[^"]{16,}">`).Match(r.Body) {
		t.Error("the page has no CSRF token")
	}
	if r.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("page Cache-Control %q", r.Header.Get("Cache-Control"))
	}
}

func TestStaticAssets(t *testing.T) {
	env := apptest.New(t, apptest.Options{NoRetina: true})
	anon := env.Anonymous()
	page := string(getPage(t, anon, "/login").Body)
	m := regexp.MustCompile(`src="(/static/app\.js\?v=[0-9a-f]+)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no hashed app.js in the page")
	}
	r := anon.Do("GET", m[1], nil)
	if r.Status != 200 || !strings.Contains(r.Header.Get("Content-Type"), "javascript") {
		t.Fatalf("app.js: %d %s", r.Status, r.Header.Get("Content-Type"))
	}
	if !strings.Contains(r.Header.Get("Cache-Control"), "immutable") {
		t.Errorf("hashed asset Cache-Control %q", r.Header.Get("Cache-Control"))
	}
	// Module imports carry the tree's hash, and are cached as long.
	imp := regexp.MustCompile(`'(\./js/api\.js\?v=[0-9a-f]+)'`).FindSubmatch(r.Body)
	if imp == nil {
		t.Fatalf("app.js imports are not versioned: %.300s", r.Body)
	}
	r2 := anon.Do("GET", "/static/"+strings.TrimPrefix(string(imp[1]), "./"), nil)
	if r2.Status != 200 || !strings.Contains(r2.Header.Get("Cache-Control"), "immutable") {
		t.Errorf("imported module: %d %q", r2.Status, r2.Header.Get("Cache-Control"))
	}
	// Unversioned URLs still work but are revalidated.
	if r := anon.Do("GET", "/static/app.css", nil); r.Status != 200 || r.Header.Get("Cache-Control") != "no-cache" {
		t.Errorf("app.css: %d %q", r.Status, r.Header.Get("Cache-Control"))
	}
	if r := anon.Do("GET", "/static/nope.js", nil); r.Status != http.StatusNotFound {
		t.Errorf("missing asset: %d", r.Status)
	}
}

// TestFirstRun: before any operator exists, the start and login pages
// explain how to create one instead of offering a login that cannot work.
func TestFirstRun(t *testing.T) {
	env := apptest.New(t, apptest.Options{NoRetina: true})
	anon := env.Anonymous()
	for _, path := range []string{"/", "/login", "/login?next=/admin"} {
		r := getPage(t, anon, path)
		body := string(r.Body)
		if r.Status != 200 || !strings.Contains(body, "lightbox operator create --email") || !strings.Contains(body, "make demo") {
			t.Fatalf("%s: %d, no first-run instructions: %.400s", path, r.Status, body)
		}
		if strings.Contains(body, `id="login-form"`) {
			t.Errorf("%s: shows a login form nobody can use", path)
		}
	}
	// The other public pages are unchanged.
	if r := getPage(t, anon, "/forgot"); r.Status != 200 || !strings.Contains(string(r.Body), `id="forgot-form"`) {
		t.Errorf("/forgot: %d", r.Status)
	}

	// An attendee may exist without an operator: their session still works.
	env.CreateUser("guest@example.com", store.RoleAttendee)
	guest := env.Login("guest@example.com")
	guest.Token = ""
	if r := getPage(t, guest, "/"); r.Status != 303 || r.Header.Get("Location") != "/app" {
		t.Errorf("attendee at /: %d %q", r.Status, r.Header.Get("Location"))
	}

	// Once the operator exists, the usual pages return.
	env.CreateUser("studio@example.com", store.RoleOperator)
	if r := getPage(t, anon, "/"); r.Status != 303 || r.Header.Get("Location") != "/login" {
		t.Errorf("/ after setup: %d %q", r.Status, r.Header.Get("Location"))
	}
	if r := getPage(t, anon, "/login"); r.Status != 200 || !strings.Contains(string(r.Body), `id="login-form"`) || strings.Contains(string(r.Body), "operator create") {
		t.Errorf("/login after setup: %d", r.Status)
	}
}

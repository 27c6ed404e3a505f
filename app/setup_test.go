package app_test

import (
	"regexp"
	"strings"
	"sync"
	"testing"

	"lightbox/app/apptest"
)

var setupLinkRE = regexp.MustCompile(`setup_link=(\S+/setup/(\S+))`)

// On a fresh install the welcome page points at a one-time setup link in
// the log; the link creates the first operator once and logs them in, two
// browsers at once get one operator, and the link is never logged again.
func TestSetupLink(t *testing.T) {
	env := apptest.New(t, apptest.Options{NoRetina: true})
	anon := env.Anonymous()

	r := getPage(t, anon, "/")
	if r.Status != 200 || !strings.Contains(string(r.Body), "setup link") {
		t.Fatalf("first-run page: %d, no word of the setup link", r.Status)
	}
	m := setupLinkRE.FindAllStringSubmatch(env.Logs(), -1)
	if len(m) != 1 || !strings.HasPrefix(m[0][1], env.URL+"/setup/") {
		t.Fatalf("want one setup link in the log, got %q", m)
	}
	token := m[0][2]
	getPage(t, anon, "/login") // the live link is not printed again
	if n := len(setupLinkRE.FindAllString(env.Logs(), -1)); n != 1 {
		t.Fatalf("%d setup links in the log after a second visit, want 1", n)
	}

	if r := getPage(t, anon, "/setup/"+token); r.Status != 200 || !strings.Contains(string(r.Body), `id="setup-form"`) {
		t.Fatalf("setup page: %d, no form", r.Status)
	}
	if r := getPage(t, anon, "/setup/not-the-token"); r.Status != 200 || strings.Contains(string(r.Body), `id="setup-form"`) {
		t.Fatalf("setup page with a wrong token: %d, offers the form", r.Status)
	}
	body := func(tok, email string) map[string]string {
		return map[string]string{"token": tok, "email": email, "password": "a long password", "name": "Studio"}
	}
	anon.MustJSON("POST", "/v1/setup", body("not-the-token", "x@example.com"), 400, nil)
	anon.MustJSON("POST", "/v1/setup", map[string]string{"token": token, "email": "nope", "password": "short"}, 400, nil)

	// Two browsers at once: one operator.
	var wg sync.WaitGroup
	statuses := make([]int, 2)
	clients := []*apptest.Client{env.Anonymous(), env.Anonymous()}
	for i, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = c.Do("POST", "/v1/setup", body(token, []string{"a@example.com", "b@example.com"}[i])).Status
		}()
	}
	wg.Wait()
	won := -1
	for i, st := range statuses {
		switch st {
		case 201:
			if won >= 0 {
				t.Fatalf("both attempts created an operator")
			}
			won = i
		case 409, 400:
		default:
			t.Errorf("attempt %d: %d", i, st)
		}
	}
	if won < 0 {
		t.Fatalf("no attempt created the operator: %v", statuses)
	}
	// The winner is logged in, by cookie, as an operator.
	var me struct{ Role, Email string }
	clients[won].MustJSON("GET", "/v1/me", nil, 200, &me)
	if me.Role != "operator" {
		t.Errorf("after setup: %+v", me)
	}
	if r := getPage(t, clients[won], "/admin"); r.Status != 200 {
		t.Errorf("backoffice after setup: %d", r.Status)
	}

	// Spent: the link and the form are gone, and no new link is printed.
	anon.MustJSON("POST", "/v1/setup", body(token, "c@example.com"), 409, nil)
	if r := getPage(t, anon, "/setup/"+token); r.Status != 303 || r.Header.Get("Location") != "/login" {
		t.Errorf("used setup link: %d %s, want a redirect to log in", r.Status, r.Header.Get("Location"))
	}
	getPage(t, anon, "/")
	if _, err := env.Server.SetupLink(t.Context()); err != nil {
		t.Fatal(err)
	}
	logs := env.Logs()
	if n := strings.Count(logs, token); n != 1 {
		t.Errorf("the token appears %d times in the log, want once (the link itself):\n%s", n, logs)
	}
	if n := len(setupLinkRE.FindAllString(logs, -1)); n != 1 {
		t.Errorf("%d setup links in the log after the first operator exists, want the first one only", n)
	}
}

// Guesses at the setup token are throttled.
func TestSetupLinkThrottled(t *testing.T) {
	env := apptest.New(t, apptest.Options{NoRetina: true})
	anon := env.Anonymous()
	last := 0
	for range 12 {
		last = anon.Do("POST", "/v1/setup", map[string]string{"token": "guess", "email": "x@example.com", "password": "a long password"}).Status
	}
	if last != 429 {
		t.Errorf("12th guess: %d, want 429", last)
	}
}

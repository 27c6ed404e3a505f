package e2e

import (
	"regexp"
	"testing"

	"lightbox/app/apptest"
)

// A new photographer on a fresh install, on a phone: the welcome page
// points at the setup link in the log, which creates their account in the
// browser and logs them in; the link does not work twice.
func TestFirstRunSetup(t *testing.T) {
	b := newBrowser(t, phone)
	env := apptest.New(t, apptest.Options{NoRetina: true})
	op := b.tab("operator")
	defer op.check()

	op.open(env.URL + "/")
	op.wait("welcome page", `document.body.dataset.page === "firstrun" && document.body.textContent.includes("setup link")`)
	m := regexp.MustCompile(`setup_link=(\S+)`).FindStringSubmatch(env.Logs())
	if m == nil {
		t.Fatalf("no setup link in the log:\n%s", env.Logs())
	}
	op.open(m[1])
	op.wait("setup form", `!!document.querySelector("#setup-form")`)
	op.typeIn("#email", "studio@example.com")
	op.typeIn("#password", "short")
	op.click(`#setup-form button[type=submit]`)
	op.wait("password refused", `!document.querySelector("#setup-form .form-error").hidden || !!document.querySelector("#setup-form [aria-invalid=true]")`)
	op.typeIn("#password", apptest.Password)
	op.click(`#setup-form button[type=submit]`)
	op.wait("backoffice", `location.pathname === "/admin" && !!document.querySelector("#new-project-form")`)

	// Spent: the link leads to the login page, which sends a logged-in
	// operator on to the backoffice.
	op.open(m[1])
	op.wait("no setup form", `location.pathname === "/admin" && !document.querySelector("#setup-form")`)
}

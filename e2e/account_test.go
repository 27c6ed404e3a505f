package e2e

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"lightbox/app/apptest"
	"lightbox/e2e/scene"
	"lightbox/store"
)

// TestAccountPages covers the pages around the journey on a phone: a
// forgotten password reset from the emailed link, a dead invitation, the
// empty start page and the not-found page.
func TestAccountPages(t *testing.T) {
	b := newBrowser(t, phone)
	env := apptest.New(t, apptest.Options{})
	op := env.Operator("studio@example.com")
	env.CreateUser("guest@example.com", store.RoleAttendee)
	guest := b.tab("guest")
	defer guest.check()

	// Pages that need a session send people to log in, and back after.
	guest.open(env.URL + "/app/selfie")
	guest.wait("login with next", `location.pathname === "/login" && location.search.includes("next=")`)

	// Forgotten password.
	guest.click(`a[href="/forgot"]`)
	guest.wait("forgot page", `!!document.querySelector("#forgot-form")`)
	guest.typeIn("#email", "guest@example.com")
	guest.shot("forgot")
	guest.click(`#forgot-form button[type=submit]`)
	guest.wait("check your email", `document.querySelector("#view h1").textContent === "Check your email"`)

	var link string
	deadline := time.Now().Add(20 * time.Second)
	for link == "" {
		var box struct{ Items []struct{ To, Text string } }
		op.MustJSON("GET", "/v1/outbox", nil, 200, &box)
		for _, m := range box.Items {
			if m.To == "guest@example.com" {
				link = regexp.MustCompile(`https?://\S+/reset\?token=[\w-]+`).FindString(m.Text)
			}
		}
		if link == "" {
			if time.Now().After(deadline) {
				t.Fatal("no reset email in the outbox")
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	guest.open(link)
	guest.typeIn("#password", "short")
	guest.click(`#reset-form button[type=submit]`)
	guest.wait("too short", `!!document.querySelector("#reset-form .field-error")`)
	guest.shot("reset-error")
	guest.typeIn("#password", "a brand new password")
	guest.click(`#reset-form button[type=submit]`)
	guest.wait("changed", `document.querySelector("#view h1").textContent === "Password changed"`)
	guest.click(`#view a.btn`)
	guest.wait("login", `location.pathname === "/login"`)
	guest.typeIn("#email", "guest@example.com")
	guest.typeIn("#password", "a brand new password")
	guest.click(`#login-form button[type=submit]`)
	guest.wait("start page", `location.pathname === "/app"`)
	guest.ready()
	guest.wait("no events yet", `document.querySelector("#view .empty h2").textContent === "No events yet"`)
	guest.shot("home-empty")

	// A selfie without a face is turned down in plain words, with a retry.
	noFace := filepath.Join(t.TempDir(), "noface.jpg")
	if err := os.WriteFile(noFace, scene.Photo(480, 640, 3), 0o644); err != nil {
		t.Fatal(err)
	}
	guest.click(`#view .banner a.btn`)
	guest.wait("consent", `!!document.querySelector("#consent")`)
	guest.click("#consent")
	guest.click(`form button[type=submit]`)
	// The live camera preview takes a picture; retake it from a file.
	guest.click(`.selfie-actions button.primary`)
	guest.waitFor("camera running", `document.querySelector(".selfie-stage video")?.videoWidth > 0`, 10*time.Second)
	guest.shot("selfie-camera")
	guest.click(`.selfie-actions button.primary`)
	guest.wait("camera picture", `!!document.querySelector(".selfie-stage img") && !!document.querySelector("#use-selfie")`)
	guest.wait("camera stopped", `!document.querySelector(".selfie-stage video")`)
	guest.click(`.selfie-actions button:not(.primary)`)
	guest.wait("choose again", `!!document.querySelector(".selfie-actions label[for=selfie-file]")`)
	guest.upload("#selfie-file", noFace)
	// The face service refuses the key once: the check fails for good and
	// waits in the operator's failed jobs until someone retries it.
	env.Retina.Fail("/analyze", 401)
	guest.click("#use-selfie")
	guest.wait("checking", `document.body.textContent.includes("Checking your selfie")`)
	ops := b.tab("operator")
	defer ops.check()
	ops.open(env.URL + "/login?next=/admin/jobs")
	ops.typeIn("#email", "studio@example.com")
	ops.typeIn("#password", apptest.Password)
	ops.click(`#login-form button[type=submit]`)
	ops.wait("jobs page", `location.pathname === "/admin/jobs"`)
	ops.ready()
	// The job may fail after the page loaded: refresh now and then.
	ops.waitFor("failed check", `(() => {
		if (document.querySelector("#failed-jobs tr[data-job-id] td.error-text")) return true;
		if (!window.lastRefresh || Date.now() - window.lastRefresh > 1000) {
			window.lastRefresh = Date.now();
			document.querySelector(".page-head .actions button")?.click();
		}
		return false;
	})()`, 20*time.Second)
	ops.shot("failed-jobs")
	ops.click(`#failed-jobs button.primary`)
	ops.wait("retried", `document.querySelector("#failed-jobs .badge.info")?.textContent.startsWith("Retried")`)
	guest.waitFor("rejected", `document.querySelector("#view h1")?.textContent === "Try another selfie"`, 20*time.Second)
	guest.wait("reason", `document.querySelector("#view .banner.bad").textContent.includes("couldn't find a face")`)
	guest.shot("selfie-rejected")

	// An attendee cannot open the backoffice; unknown pages say so.
	guest.open(env.URL + "/admin")
	guest.wait("sent home", `location.pathname === "/app"`)
	guest.open(env.URL + "/no/such/page")
	guest.wait("not found page", `document.querySelector("h1").textContent === "Page not found"`)
	guest.shot("not-found")

	// A used or made-up invitation explains itself.
	guest.click(`[data-action="logout"]`)
	guest.wait("logged out", `location.pathname === "/login"`)
	guest.open(env.URL + "/invite?token=made-up")
	guest.typeIn("#password", "a long enough password")
	guest.click(`#invite-form button[type=submit]`)
	guest.wait("dead invitation", `document.querySelector("#view h1").textContent === "This invitation no longer works"`)
	guest.shot("invite-invalid")
}

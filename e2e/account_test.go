package e2e

import (
	"bytes"
	"context"
	"fmt"
	"image/jpeg"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"lightbox/app/apptest"
	"lightbox/e2e/scene"
	"lightbox/jobs/retina/retinatest"
	"lightbox/store"
)

// TestAccountPages covers the pages around the journey on a phone: the
// first-run page, a forgotten password reset from the emailed link, dead
// invitations, the empty start page and the not-found page.
func TestAccountPages(t *testing.T) {
	b := newBrowser(t, phone)
	env := apptest.New(t, apptest.Options{})
	guest := b.tab("guest")
	defer guest.check()

	// Before anyone can log in, the start page says how to begin.
	guest.open(env.URL + "/")
	guest.wait("first-run page", `document.querySelector("main pre.cmd").textContent.startsWith("lightbox operator create") && !document.querySelector("#login-form")`)
	guest.shot("firstrun")
	op := env.Operator("studio@example.com")
	env.CreateUser("guest@example.com", store.RoleAttendee)
	// A project whose photo processes meanwhile, for the face review at the
	// end.
	prj := op.Project("Garden party")
	reviewJPEG := scene.Photo(960, 640, 7, 2, 3)
	reviewPhoto := op.UploadPhotos(prj, reviewJPEG)[0]

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
	ops.wait("job subject", `document.querySelector("#failed-jobs tr[data-job-id] .jobsubj").textContent === "Selfie of guest@example.com"`)
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
	guest.wait("dead invitation", `document.querySelector("#view h1").textContent === "This invitation no longer works" && !document.querySelector("#invite-form")`)
	guest.shot("invite-invalid")
	op.MustJSON("POST", "/v1/projects/"+prj+"/invites", map[string]any{"emails": []string{"late@example.com"}}, 200, nil)
	if _, err := env.DB.SQL().ExecContext(context.Background(), `update invites set expires_at = '2001-01-01T00:00:00.000Z' where project_id = ?`, prj); err != nil {
		t.Fatal(err)
	}
	invites, err := env.DB.ProjectInvites(context.Background(), prj)
	if err != nil || len(invites) != 1 {
		t.Fatalf("invites %v %v", invites, err)
	}
	guest.open(env.URL + "/invite?token=" + store.DeriveToken(env.Secret, "invite", invites[0].ID))
	guest.wait("expired invitation", `document.querySelector("#view h1").textContent === "This invitation has expired" && document.querySelector("#view").textContent.includes("Ask the photographer to resend")`)
	guest.shot("invite-expired")

	// Borderline face matches wait for the photographer, who says yes to
	// one and no to the other, then tunes how strict matching is.
	reviewFaces(t, env, op, ops, prj, reviewPhoto, reviewJPEG)
}

// faceVector is a unit vector of the built-in face engine's length whose
// similarity with faceVector(n, 1) is sim.
func faceVector(n int, sim float64) []float32 {
	v := make([]float32, store.FaceDim)
	v[n] = float32(sim)
	v[store.FaceDim-1-n] = float32(math.Sqrt(1 - sim*sim))
	return v
}

// reviewFaces puts two attendees with approved selfies in the project and
// has the built-in engine find, in its photo, a face almost like each;
// then it decides both in the Matches tab and sets the threshold in
// Settings.
func reviewFaces(t *testing.T, env *apptest.Env, op *apptest.Client, ops *tab, prj, photoID string, reviewJPEG []byte) {
	t.Helper()
	ctx := context.Background()
	db := env.DB.SQL()
	deadline := time.Now().Add(30 * time.Second)
	for {
		ph, err := env.DB.Photo(ctx, prj, photoID)
		if err == nil && ph.Status == store.PhotoReady {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("photo not ready: %+v %v", ph, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// Selfies as the built-in engine approves them, before the attendees
	// join: no face service job runs for them.
	var people []store.User
	for i, who := range []struct{ email, name string }{{"ana@example.com", "Ana Martin"}, {"tom@example.com", "Tom Petit"}} {
		u := env.CreateUser(who.email, store.RoleAttendee)
		sf, err := env.DB.CreateSelfie(ctx, u.ID, "image/jpeg", 100)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.ExecContext(ctx, `update selfies set status = 'pending' where id = ?`, sf.ID); err != nil {
			t.Fatal(err)
		}
		if err := env.DB.ApproveSelfie(ctx, sf.ID, store.EngineBuiltin, faceVector(i+1, 1)); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ExecContext(ctx, `update users set name = ? where id = ?`, who.name, u.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ExecContext(ctx, `insert into project_members (project_id, user_id, created_at) values (?, ?, '2026-06-21T10:00:00.000Z')`, prj, u.ID); err != nil {
			t.Fatal(err)
		}
		people = append(people, u)
	}
	// Ana's face comes close to the threshold, Tom's less so; the boxes are
	// where the photo's two people have their faces.
	img, err := jpeg.Decode(bytes.NewReader(reviewJPEG))
	if err != nil {
		t.Fatal(err)
	}
	heads := retinatest.FaceBoxes(img)
	box := func(person int) [4]float64 {
		r, b := heads[person], img.Bounds()
		if r.Empty() {
			t.Fatalf("no face of person %d in the photo", person)
		}
		w, h := float64(b.Dx()), float64(b.Dy())
		return [4]float64{float64(r.Min.X) / w, float64(r.Min.Y) / h, float64(r.Dx()) / w, float64(r.Dy()) / h}
	}
	faces := []store.FaceVector{
		{Box: box(2), Score: 0.9, Embedding: faceVector(1, 0.61)},
		{Box: box(3), Score: 0.9, Embedding: faceVector(2, 0.56)},
	}
	if out, err := env.DB.IndexPhotoFaces(ctx, photoID, faces, store.Matching{Threshold: 0.63, Band: 0.08}, 0); err != nil || out.Reviews != 2 {
		t.Fatalf("index the photo: %+v %v", out, err)
	}

	// The photo shows how many faces it has.
	ops.open(env.URL + "/admin/projects/" + prj)
	ops.wait("face count", `document.querySelector("#photo-grid .cap .faces")?.textContent === "2 faces"`)

	// The Matches tab counts the matches to review and lists them, closest
	// first.
	ops.wait("count on the tab", `document.querySelector("#tab-tags .count")?.textContent === "2 to review"`)
	ops.click("#tab-tags")
	ops.wait("reviews", `document.querySelectorAll("#reviews li.review").length === 2`)
	ops.wait("closest first", `document.querySelector("#reviews li.review .sim").textContent === "Close match — 61% similar" && document.querySelector("#reviews li.review .who").textContent.startsWith("Ana Martin")`)
	ops.wait("review thumbnails", `[...document.querySelectorAll("#reviews img")].every(i => i.complete && i.naturalWidth > 0)`)
	// Each review circles the face it is about, inside its thumbnail.
	ops.wait("faces circled", `[...document.querySelectorAll("#reviews li.review")].every(li => {
		const ring = li.querySelector(".face-ring"), shot = li.querySelector(".shot");
		if (!ring || ring.hidden) return false;
		const r = ring.getBoundingClientRect(), s = shot.getBoundingClientRect();
		return r.width > 4 && r.left >= s.left - 1 && r.right <= s.right + 1 && r.top >= s.top - 1 && r.bottom <= s.bottom + 1;
	})`)
	ops.shot("face-review", ".tabs")
	ops.click(`#reviews li.review:first-child button[data-decision="accept"]`)
	ops.wait("accepted", fmt.Sprintf(`document.querySelectorAll("#reviews li.review").length === 1 && !!document.querySelector('.dl-list.tags li[data-photo-id="%s"][data-user-id="%s"]') && document.querySelector("#tab-tags .count").textContent === "1 to review"`, photoID, people[0].ID))
	ops.wait("focus on the next review", `document.activeElement.matches('#reviews li.review button[data-decision="accept"]')`)
	ops.click(`#reviews li.review button[data-decision="dismiss"]`)
	ops.wait("all decided", `!document.querySelector("#to-review") && document.activeElement.id === "matches-h" && document.querySelector("#tab-tags .count").hidden`)
	var tags struct {
		Items []struct{ PhotoID, UserID, Status string }
	}
	op.MustJSON("GET", "/v1/projects/"+prj+"/tags", nil, 200, &tags)
	if len(tags.Items) != 1 || tags.Items[0].PhotoID != photoID || tags.Items[0].UserID != people[0].ID || tags.Items[0].Status != "confirmed" {
		t.Errorf("tags after the review: %+v", tags.Items)
	}

	// The threshold: out of range is refused on the field, then saved.
	ops.click("#tab-settings")
	ops.wait("face matching form", `document.querySelector("#p-threshold").value === "0.63" && document.querySelector("#face-form button[type=button]").disabled`)
	ops.typeIn("#p-threshold", "0.99")
	ops.click(`#face-form button[type=submit]`)
	ops.wait("threshold refused", `document.querySelector("#p-threshold").getAttribute("aria-invalid") === "true" && document.querySelector("#face-form .field-error").textContent.includes("0.95") && document.activeElement.id === "p-threshold"`)
	ops.shot("face-threshold", "#face-form")
	ops.typeIn("#p-threshold", "0.7")
	ops.click(`#face-form button[type=submit]`)
	ops.wait("threshold saved", `!document.querySelector("#face-form .field-error") && document.querySelector("#face-form .threshold-now").textContent.includes("0.70") && !document.querySelector("#face-form button[type=button]").disabled`)
	var p struct{ FaceThreshold *float64 }
	op.MustJSON("GET", "/v1/projects/"+prj, nil, 200, &p)
	if p.FaceThreshold == nil || *p.FaceThreshold != 0.7 {
		t.Errorf("threshold %v, want 0.7", p.FaceThreshold)
	}
}

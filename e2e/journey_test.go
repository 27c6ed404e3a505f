package e2e

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp/kb"

	"lightbox/app/apptest"
	"lightbox/e2e/scene"
	"lightbox/store"
)

// The event: who stands in each photo. The guest is person 1.
var event = [][]int{{1, 2}, {0}, {1}, {3, 1, 0}, {2, 3}, {1}}

const guestPerson = 1

func guestPhotos() int {
	n := 0
	for _, people := range event {
		for _, p := range people {
			if p == guestPerson {
				n++
			}
		}
	}
	return n
}

// TestJourney walks the whole product in a real browser, on a phone and
// on a desktop: the operator creates a project, uploads photos through the
// uploader, sets a price and invites a guest; the guest signs up from the
// email in the outbox, consents, uploads a selfie, finds their photos,
// browses them in the viewer with the keyboard and orders one; the operator
// records the offline payment and the guest downloads the photo.
func TestJourney(t *testing.T) {
	for _, vp := range []viewport{phone, desktop} {
		t.Run(vp.name, func(t *testing.T) { journey(t, vp) })
	}
}

func journey(t *testing.T, vp viewport) {
	start := time.Now()
	b := newBrowser(t, vp)
	env := apptest.New(t, apptest.Options{})
	env.CreateUser("studio@example.com", store.RoleOperator)
	files := writePhotos(t)
	selfie := filepath.Join(t.TempDir(), "selfie.jpg")
	if err := os.WriteFile(selfie, scene.Selfie(480, 640, guestPerson), 0o644); err != nil {
		t.Fatal(err)
	}

	op := b.tab("operator")
	guest := b.tab("guest")
	defer op.check()
	defer guest.check()

	// The operator logs in and lands on an empty dashboard.
	op.open(env.URL + "/")
	op.wait("login page", `location.pathname === "/login" && !!document.querySelector("#login-form")`)
	op.shot("login")
	op.typeIn("#email", "studio@example.com")
	op.typeIn("#password", "wrong password")
	op.click(`#login-form button[type=submit]`)
	op.wait("login refused", `!document.querySelector("#login-form .form-error").hidden`)
	op.typeIn("#password", apptest.Password)
	op.click(`#login-form button[type=submit]`)
	op.wait("dashboard", `location.pathname === "/admin"`)
	op.ready()
	op.wait("new project form", `!!document.querySelector("#new-project-form")`)
	op.shot("dashboard-empty")

	// A new project.
	op.typeIn("#p-name", "Summer party")
	op.set("#p-date", "2026-06-21")
	op.typeIn("#p-location", "Parc de la Tête d'Or, Lyon")
	op.set("#p-timezone", "Europe/Paris")
	op.typeIn("#p-currency", "EUR")
	op.click(`#new-project-form button[type=submit]`)
	op.wait("project page", `location.pathname.startsWith("/admin/projects/") && !!document.querySelector("#photo-files")`)
	projectURL := eval[string](op, `location.origin + location.pathname`)

	// Photos through the real uploader. One upload drops twice (the
	// uploader's own retry fails too) and is retried by hand, a text file is
	// skipped, and a broken JPEG fails processing with a reason.
	stop := op.failFirst("PUT", "*/blobs/photos/*", 2)
	op.upload("#photo-files", files...)
	op.waitFor("one upload failed", `document.querySelector(".uploader").dataset.state === "failed"`, 30*time.Second)
	op.wait("skipped file", `document.querySelector(".upl-summary").textContent.includes("1 file skipped")`)
	op.shot("upload-failed", "#upload-list")
	op.click(".upl-summary button")
	op.waitFor("uploads done", `document.querySelector(".uploader").dataset.state === "done"`, 30*time.Second)
	stop()
	op.waitFor("photos processed", fmt.Sprintf(`document.querySelectorAll('#photo-grid li[data-status="ready"]').length === %d && document.querySelectorAll('#photo-grid li[data-status="failed"]').length === 1`, len(event)), 45*time.Second)
	op.wait("failure explained", `!!document.querySelector("#failed-h") && document.querySelector("#photo-grid li[data-status=failed] .ph").textContent.length > 20`)
	op.wait("thumbnails", `[...document.querySelectorAll('#photo-grid img')].every(i => i.complete && i.naturalWidth > 0)`)
	op.shot("project-photos", "#photos-h")

	// A package to sell.
	op.click("#tab-packages")
	op.wait("package form", `!!document.querySelector("#package-form")`)
	if !vp.mobile {
		// A package taken off sale stays listed as retired.
		op.typeIn("#pkg-name", "Early bird")
		op.set("#pkg-kind", "all")
		op.typeIn("#pkg-price", "19")
		op.click(`#package-form button[type=submit]`)
		op.wait("first package", `!!document.querySelector("#packages tbody tr")`)
		op.click(`#packages tbody tr:first-child td.actions button`)
		op.click(`#packages tbody tr:first-child [role=group] button.danger`)
		op.wait("retired", `[...document.querySelectorAll("#packages .badge")].some(b => b.textContent === "Retired")`)
	}
	op.typeIn("#pkg-name", "Digital single")
	op.set("#pkg-kind", "single")
	op.typeIn("#pkg-price", "9.50")
	op.click(`#package-form button[type=submit]`)
	op.wait("package listed", `[...document.querySelectorAll("#packages tbody tr")].some(r => r.textContent.includes("Digital single"))`)
	op.shot("packages", ".tabs")

	// Invite the guest.
	op.click("#tab-attendees")
	op.wait("invite form", `!!document.querySelector("#invite-form")`)
	if vp.mobile {
		op.typeIn("#invite-text", "Guest <guest@example.com>, not-an-email")
	} else {
		// A CSV export from a guest list, with a wrong address to revoke.
		csv := filepath.Join(t.TempDir(), "guests.csv")
		if err := os.WriteFile(csv, []byte("Name,Email\nGuest,guest@example.com\nTypo,gest@example.com\nNobody,not-an-email\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		op.upload("#invite-file", csv)
		op.wait("csv loaded", `document.querySelector("#invite-text").value.includes("gest@example.com")`)
	}
	op.click(`#invite-form button[type=submit]`)
	op.wait("invite listed", `!!document.querySelector('#invites tr[data-email="guest@example.com"]')`)
	if !vp.mobile {
		op.click(`#invites tr[data-email="gest@example.com"] button.danger`)
		op.click(`#invites tr[data-email="gest@example.com"] [role=group] button.danger`)
		op.wait("revoked", `!!document.querySelector('#invites tr[data-email="gest@example.com"][data-status="revoked"]')`)
	}
	op.waitFor("invite sent", `!!document.querySelector('#invites tr[data-email="guest@example.com"] .badge.ok')`, 20*time.Second)
	op.shot("attendees", ".tabs")

	// The invitation is in the outbox.
	op.open(env.URL + "/admin/outbox")
	op.wait("invite email", `!!document.querySelector('#outbox details.mail[data-to="guest@example.com"]')`)
	op.click(`#outbox details.mail[data-to="guest@example.com"] summary`)
	link := eval[string](op, `document.querySelector('#outbox details.mail[data-to="guest@example.com"] .pre a[href*="/invite?token="]').href`)
	op.shot("outbox")

	// The guest signs up from the link, agrees and takes a selfie.
	guest.open(link)
	guest.wait("invitation greets by event", `document.querySelector("#view h1").textContent === "You're invited to Summer party" && document.querySelector("#email").value === "guest@example.com"`)
	guest.shot("invite")
	guest.typeIn("#name", "Guest")
	guest.typeIn("#password", "a long enough password")
	guest.click(`#invite-form button[type=submit]`)
	guest.wait("consent step", `location.pathname === "/app/selfie" && !!document.querySelector("#consent")`)
	guest.shot("consent")
	guest.click("#consent")
	guest.click(`form button[type=submit]`)
	guest.wait("selfie step", `!!document.querySelector("#selfie-file")`)
	guest.shot("selfie")
	guest.upload("#selfie-file", selfie)
	guest.wait("selfie preview", `!!document.querySelector(".selfie-stage img")`)
	guest.shot("selfie-preview")
	guest.click("#use-selfie")
	guest.waitFor("selfie approved", `!!document.querySelector("#see-photos")`, 30*time.Second)
	guest.shot("selfie-approved")

	// Their photos, and the viewer with the keyboard.
	guest.click("#see-photos")
	guest.wait("gallery", `location.pathname.startsWith("/app/projects/")`)
	guest.ready()
	guest.waitFor("my photos", fmt.Sprintf(`document.querySelectorAll("#my-photos li").length === %d`, guestPhotos()), 20*time.Second)
	guest.shot("gallery")
	guest.click("#my-photos li:first-child button.open")
	guest.wait("viewer", `!!document.querySelector("dialog.viewer[open]")`)
	index := func() string { return eval[string](guest, `document.querySelector("dialog.viewer").dataset.index`) }
	guest.key(kb.ArrowRight)
	guest.wait("next photo", `document.querySelector("dialog.viewer").dataset.index === "1"`)
	guest.key(kb.ArrowRight)
	guest.wait("third photo", `document.querySelector("dialog.viewer").dataset.index === "2"`)
	guest.key(kb.ArrowLeft)
	guest.wait("back one", `document.querySelector("dialog.viewer").dataset.index === "1"`)
	guest.wait("viewer image", `document.querySelector("dialog.viewer img").complete && document.querySelector("dialog.viewer img").naturalWidth > 0`)
	guest.shot("viewer")
	// "Not me" takes a wrong match out.
	guest.click("#viewer-remove")
	guest.click("dialog.viewer .confirm button.warn")
	guest.wait("one photo fewer", fmt.Sprintf(`document.querySelector("dialog.viewer").dataset.index === "1" && document.querySelector("dialog.viewer .counter").textContent.endsWith("/ %d")`, guestPhotos()-1))
	if got := index(); got != "1" {
		t.Errorf("after not-me the viewer shows %s, want 1", got)
	}
	guest.key(kb.Escape)
	guest.wait("viewer closed", `!document.querySelector("dialog.viewer")`)
	guest.wait("grid updated", fmt.Sprintf(`document.querySelectorAll("#my-photos li").length === %d`, guestPhotos()-1))

	// Buy one photo; payments are offline.
	guest.click(".pkg a.btn")
	guest.wait("photo choice", `location.pathname.includes("/buy/") && !!document.querySelector("#choose-photos")`)
	guest.click("#choose-photos li:nth-child(2) input")
	guest.wait("continue enabled", `!document.querySelector("#continue").disabled`)
	guest.shot("choose-photo")
	guest.click("#continue")
	guest.wait("review", `!!document.querySelector("#place-order")`)
	guest.wait("payment mode up front", `document.querySelector("#payment-mode").dataset.mode === "offline" && document.querySelector("#payment-mode").textContent.includes("Pay the photographer directly")`)
	guest.shot("checkout")
	guest.click("#place-order")
	guest.wait("order page", `location.pathname.startsWith("/app/purchases/")`)
	guest.ready()
	guest.wait("offline note", `document.body.textContent.includes("to the photographer directly")`)
	guest.shot("order-pending")

	// The operator records the payment.
	op.open(projectURL + "#orders")
	op.wait("pending order", `!!document.querySelector('#orders tr[data-status="pending"] button')`)
	op.shot("orders", ".tabs")
	op.click(`#orders tr[data-status="pending"] button`)
	op.click(`#orders tr[data-status="pending"] [role=group] button.primary`)
	op.wait("order paid", `!!document.querySelector('#orders tr[data-status="paid"]')`)

	// The guest's order page notices and offers the downloads.
	guest.waitFor("downloads", `!!document.querySelector("#downloads li a")`, 30*time.Second)
	guest.waitFor("zip ready", `!!document.querySelector("#download-all")`, 30*time.Second)
	href := eval[string](guest, `document.querySelector("#downloads li a").href`)
	resp, err := http.Get(href)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "image/") {
		t.Errorf("download %s: %d %s", href, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	guest.shot("downloads", "#dl-h")

	// The operator removes a wrong match.
	if !vp.mobile {
		op.open(projectURL + "#tags")
		op.wait("matches", fmt.Sprintf(`document.querySelectorAll(".dl-list.tags li").length === %d`, guestPhotos()-1))
		op.click(`.dl-list.tags li:first-child button.danger`)
		op.click(`.dl-list.tags li:first-child [role=group] button.danger`)
		op.wait("match removed", fmt.Sprintf(`document.querySelectorAll(".dl-list.tags li").length === %d`, guestPhotos()-2))
		op.shot("matches")
	}

	// The backoffice's other pages.
	op.open(env.URL + "/admin")
	op.wait("project card with its cover", `(i => i && i.complete && i.naturalWidth > 0)(document.querySelector("#projects .pcard img.pcover"))`)
	op.shot("dashboard")
	op.open(env.URL + "/admin/jobs")
	op.shot("failed-jobs-empty")
	t.Logf("%s journey: %s (screenshots %s)", vp.name, time.Since(start).Round(100*time.Millisecond), b.shotTime.Round(100*time.Millisecond))
}

// putBytes sends data to a presigned upload.
func putBytes(t *testing.T, method, url string, headers map[string]string, data []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("upload: status %d", resp.StatusCode)
	}
}

// eventPhotos draws the event's photos once for all the tests.
var eventPhotos = sync.OnceValue(func() [][]byte {
	out := make([][]byte, len(event))
	for i, people := range event {
		out[i] = scene.Photo(960, 640, uint64(i+1), people...)
	}
	return out
})

// writePhotos writes the event's photos as JPEG files for the uploader.
func writePhotos(t *testing.T) []string {
	t.Helper()
	dir := t.TempDir()
	var files []string
	for i, jpg := range eventPhotos() {
		name := filepath.Join(dir, fmt.Sprintf("IMG_%04d.jpg", i+1))
		if err := os.WriteFile(name, jpg, 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, name)
	}
	broken := filepath.Join(dir, "IMG_9999.jpg")
	notes := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(broken, append([]byte{0xFF, 0xD8, 0xFF, 0xE0}, bytes.Repeat([]byte("not a photo "), 100)...), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(notes, []byte("shot list"), 0o644); err != nil {
		t.Fatal(err)
	}
	return append(files, broken, notes)
}

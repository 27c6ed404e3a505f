package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"lightbox/app/apptest"
	"lightbox/e2e/scene"
)

// The uploader's progress and the photo grid tell the same story while an
// upload runs, even when the server is slow to list the photos: at every
// moment the grid shows at least as many uploaded photos (processing or
// ready) as the progress says are uploaded, and none "waiting for the
// upload" that this page has already sent. The page is opened at another
// host than PUBLIC_URL's, so the thumbnails load only through relative
// links, and the backoffice says why links in emails point elsewhere.
func TestUploadProgressMatchesGrid(t *testing.T) {
	b := newBrowser(t, desktop)
	env := apptest.New(t, apptest.Options{NoRetina: true})
	api := env.Operator("studio@example.com")
	prj := api.Project("Regatta")
	dir := t.TempDir()
	var files []string
	for i := range 12 {
		name := filepath.Join(dir, fmt.Sprintf("DSC_%04d.jpg", i+1))
		if err := os.WriteFile(name, scene.Photo(640, 426, uint64(i+1), 1), 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, name)
	}

	op := b.tab("operator")
	defer op.check()
	// PUBLIC_URL is http://127.0.0.1:port; the operator uses localhost.
	other := "http://localhost:" + env.URL[len("http://127.0.0.1:"):]
	op.open(other + "/login")
	op.typeIn("#email", "studio@example.com")
	op.typeIn("#password", apptest.Password)
	op.click(`#login-form button[type=submit]`)
	op.wait("dashboard", `location.pathname === "/admin"`)
	op.wait("other-host banner", `document.querySelector(".other-host")?.textContent.includes("PUBLIC_URL is `+env.URL+`")`)
	op.open(other + "/admin/projects/" + prj)
	op.wait("uploader", `!!document.querySelector("#photo-files")`)

	// Each change of the progress summary is checked against the grid.
	eval[any](op, `(() => {
		window.violations = [];
		const summary = document.querySelector(".upl-summary strong");
		new MutationObserver(() => {
			const m = /^Uploading (\d+) of|^(\d+) photos? uploaded/.exec(summary.textContent);
			const uploaded = m ? +(m[1] ?? m[2]) : 0;
			const tiles = [...document.querySelectorAll("#photo-grid li")];
			const sent = tiles.filter((li) => ["processing", "ready"].includes(li.dataset.status)).length;
			const waiting = tiles.filter((li) => li.textContent.includes("Waiting for the upload")).length;
			if (sent < uploaded || waiting > 0) window.violations.push(summary.textContent + " / grid: " + sent + " sent, " + waiting + " waiting for the upload");
		}).observe(summary, { childList: true, characterData: true, subtree: true });
		return null;
	})()`)
	slow := op.delay("GET", "*/photos?limit=*", 3*time.Second)
	op.upload("#photo-files", files...)
	op.waitFor("uploads done", `document.querySelector(".uploader").dataset.state === "done"`, 60*time.Second)
	if v := eval[[]string](op, `window.violations`); len(v) > 0 {
		t.Errorf("progress and grid disagree %d times, first: %s", len(v), v[0])
	}
	if n := eval[int](op, `document.querySelectorAll("#photo-grid li").length`); n != len(files) {
		t.Errorf("grid shows %d photos after uploading %d", n, len(files))
	}
	slow()
	op.waitFor("photos processed", fmt.Sprintf(`document.querySelectorAll('#photo-grid li[data-status="ready"]').length === %d`, len(files)), 60*time.Second)
	op.wait("thumbnails", `[...document.querySelectorAll('#photo-grid img')].every(i => i.complete && i.naturalWidth > 0)`)
}

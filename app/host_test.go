package app_test

import (
	"net/url"
	"strings"
	"testing"

	"lightbox/app/apptest"
	"lightbox/store"
)

// A Lightbox opened at another address than PUBLIC_URL's (127.0.0.1 for
// localhost, a LAN IP) works: the embedded store's photo URLs are relative,
// so they load from the address the page came from, and the operator is
// told once in the log and on every backoffice page why links in emails
// point elsewhere.
func TestOtherHost(t *testing.T) {
	env := apptest.New(t, apptest.Options{NoRetina: true})
	op := env.Operator("studio@example.com")
	prj := op.Project("Harbour")
	op.UploadPhotos(prj, apptest.Photo(t, 1))
	env.WaitJobs()
	env.CreateUser("guest@example.com", store.RoleAttendee)
	guest := env.Login("guest@example.com")

	pub, _ := url.Parse(env.URL)
	other := "lan-host.example:" + pub.Port()

	// Photo URLs carry no host: a page at any address loads them.
	var photos struct{ Items []photoItem }
	op.Host = other
	op.MustJSON("GET", "/v1/projects/"+prj+"/photos", nil, 200, &photos)
	for name, raw := range photos.Items[0].URLs {
		u, err := url.Parse(raw)
		if err != nil || u.IsAbs() || u.Host != "" || !strings.HasPrefix(u.Path, "/blobs/") || u.Query().Get("sig") == "" {
			t.Errorf("%s URL %q is not a relative signed /blobs/ URL", name, raw)
		}
		if st, _ := env.Fetch(raw); st != 200 {
			t.Errorf("%s: %d", name, st)
		}
	}

	banner := "but PUBLIC_URL is " + env.URL
	if r := getPage(t, op, "/admin"); r.Status != 200 || !strings.Contains(string(r.Body), banner) || !strings.Contains(string(r.Body), other) {
		t.Errorf("backoffice at %s: %d, no banner about PUBLIC_URL", other, r.Status)
	}
	getPage(t, op, "/admin/jobs")
	if n := strings.Count(env.Logs(), "another host than PUBLIC_URL"); n != 1 {
		t.Errorf("%d warnings about host %s in the log, want 1:\n%s", n, other, env.Logs())
	}

	// At PUBLIC_URL's own host there is no banner; attendees never see it.
	op.Host = ""
	if r := getPage(t, op, "/admin"); strings.Contains(string(r.Body), banner) {
		t.Error("banner at PUBLIC_URL's own host")
	}
	guest.Host = other
	if r := getPage(t, guest, "/app"); r.Status != 200 || strings.Contains(string(r.Body), "PUBLIC_URL") {
		t.Errorf("attendee page at another host: %d, mentions PUBLIC_URL", r.Status)
	}
}

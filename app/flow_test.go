package app_test

import (
	"archive/zip"
	"bytes"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"lightbox/app/apptest"
	"lightbox/store"
)

type photoItem struct {
	ID     string            `json:"id"`
	Status string            `json:"status"`
	Error  string            `json:"error"`
	Width  int               `json:"width"`
	URLs   map[string]string `json:"urls"`
}

type outboxItem struct {
	To, Subject, Text, HTML, Kind string
}

func outbox(t *testing.T, op *apptest.Client) []outboxItem {
	t.Helper()
	var out struct{ Items []outboxItem }
	op.MustJSON("GET", "/v1/outbox", nil, 200, &out)
	return out.Items
}

var linkRE = regexp.MustCompile(`https?://[^\s"<>]+`)

// tokenFrom finds the token in the email's link to path.
func tokenFrom(t *testing.T, text, path string) string {
	t.Helper()
	for _, l := range linkRE.FindAllString(text, -1) {
		u, err := url.Parse(l)
		if err == nil && u.Path == path && u.Query().Get("token") != "" {
			return u.Query().Get("token")
		}
	}
	t.Fatalf("no %s link in %q", path, text)
	return ""
}

// TestJourney walks the whole product through the API: ingest, invite,
// sign-up, consent, selfie, face matching, purchase, offline payment and
// EXIF-free downloads.
func TestJourney(t *testing.T) {
	env := apptest.New(t, apptest.Options{})
	op := env.Operator("studio@example.com")
	prj := op.Project("Summer wedding")

	// Ingest: three photos (person 1 in two of them) and one corrupt file.
	ids := op.UploadPhotos(prj, apptest.Photo(t, 1, 2), apptest.Photo(t, 3), apptest.Photo(t, 1))
	bad := op.UploadPhotos(prj, append([]byte{0xFF, 0xD8, 0xFF}, bytes.Repeat([]byte("x"), 500)...))
	env.WaitJobs()
	var photos struct{ Items []photoItem }
	op.MustJSON("GET", "/v1/projects/"+prj+"/photos", nil, 200, &photos)
	if len(photos.Items) != 4 {
		t.Fatalf("%d photos listed, want 4", len(photos.Items))
	}
	for _, p := range photos.Items {
		if p.ID == bad[0] {
			if p.Status != "failed" || p.Error == "" {
				t.Errorf("corrupt photo: status %q error %q, want failed with a reason", p.Status, p.Error)
			}
			continue
		}
		if p.Status != "ready" || p.Width == 0 {
			t.Fatalf("photo %s: %+v, want ready", p.ID, p)
		}
		for name, u := range p.URLs {
			if !strings.Contains(u, "sig=") && !strings.Contains(u, "X-Amz-Signature") {
				t.Errorf("%s URL is not signed: %s", name, u)
			}
			st, b := env.Fetch(u)
			if st != 200 || len(b) < 100 {
				t.Fatalf("fetch %s: %d (%d bytes)", name, st, len(b))
			}
			if bytes.Contains(b, []byte(apptest.GPSMarker)) || bytes.Contains(b, []byte("Exif")) {
				t.Errorf("%s of %s carries EXIF", name, p.ID)
			}
		}
	}

	// Invite: a new address gets a sign-up link in the outbox.
	var inv struct {
		Invited []string
		Skipped []struct{ Email, Reason string }
	}
	op.MustJSON("POST", "/v1/projects/"+prj+"/invites", map[string]any{"emails": []string{"Guest@Example.com", "guest@example.com", "not-an-email"}}, 200, &inv)
	if !slices.Equal(inv.Invited, []string{"guest@example.com"}) || len(inv.Skipped) != 2 {
		t.Fatalf("invite result %+v", inv)
	}
	env.WaitJobs()
	mails := outbox(t, op)
	if len(mails) != 1 || mails[0].To != "guest@example.com" || mails[0].Kind != store.JobNotifyUserInvited {
		t.Fatalf("outbox %+v", mails)
	}
	if !strings.Contains(mails[0].Text, "Summer wedding") || !strings.Contains(mails[0].HTML, "Summer wedding") {
		t.Errorf("invite email lacks the project name: %q", mails[0].Text)
	}
	token := tokenFrom(t, mails[0].Text, "/invite")

	// Sign-up from the invite.
	guest := env.Anonymous()
	var acc struct {
		Token string
		User  struct{ Role, Email string }
	}
	guest.MustJSON("POST", "/v1/invites/accept", map[string]string{"token": token, "password": "a long enough password", "name": "Guest"}, 201, &acc)
	if acc.User.Role != "attendee" || acc.User.Email != "guest@example.com" {
		t.Fatalf("accepted user %+v", acc.User)
	}
	env.Anonymous().MustJSON("POST", "/v1/invites/accept", map[string]string{"token": token, "password": "a long enough password"}, 400, nil)
	guest.Token = acc.Token
	var projects struct{ Items []struct{ ID string } }
	guest.MustJSON("GET", "/v1/projects", nil, 200, &projects)
	if len(projects.Items) != 1 || projects.Items[0].ID != prj {
		t.Fatalf("attendee projects %+v", projects)
	}

	// Selfie needs consent first.
	selfie := apptest.Selfie(t, 1)
	r := guest.Do("POST", "/v1/selfies", map[string]any{"contentType": "image/jpeg", "size": len(selfie)})
	if r.Status != 409 || !strings.Contains(string(r.Body), "consent_required") {
		t.Fatalf("selfie without consent: %d %s", r.Status, r.Body)
	}
	guest.MustJSON("POST", "/v1/me/consent", map[string]bool{"faceMatching": true}, 200, nil)
	var up struct {
		ID     string
		Upload struct {
			Method, URL string
			Headers     map[string]string
		}
	}
	guest.MustJSON("POST", "/v1/selfies", map[string]any{"contentType": "image/jpeg", "size": len(selfie)}, 201, &up)
	if !strings.Contains(up.Upload.URL, "/selfies/") {
		t.Errorf("selfie key not under selfies/: %s", up.Upload.URL)
	}
	if st := guest.Upload(toUpload(up.Upload.Method, up.Upload.URL, up.Upload.Headers), selfie); st != 200 {
		t.Fatalf("selfie upload: %d", st)
	}
	guest.MustJSON("POST", "/v1/selfies/"+up.ID+"/complete", nil, 202, nil)
	env.WaitJobs()
	var sf struct{ Status string }
	guest.MustJSON("GET", "/v1/me/selfie", nil, 200, &sf)
	if sf.Status != "approved" {
		t.Fatalf("selfie status %q, want approved", sf.Status)
	}
	var mine struct{ Items []photoItem }
	guest.MustJSON("GET", "/v1/projects/"+prj+"/my-photos", nil, 200, &mine)
	got := []string{}
	for _, p := range mine.Items {
		got = append(got, p.ID)
	}
	if want := []string{ids[0], ids[2]}; !slices.Equal(got, want) {
		t.Fatalf("my photos %v, want %v", got, want)
	}
	// One digest email for the new tags.
	tagged := 0
	for _, m := range outbox(t, op) {
		if m.Kind == store.JobNotifyUserTagged {
			tagged++
			if !strings.Contains(m.Text, "2") {
				t.Errorf("tag digest does not give the count: %q", m.Text)
			}
		}
	}
	if tagged != 1 {
		t.Errorf("%d tag emails, want 1", tagged)
	}

	// A new photo of person 1 is matched without a second selfie.
	late := op.UploadPhotos(prj, apptest.Photo(t, 1))
	env.WaitJobs()
	guest.MustJSON("GET", "/v1/projects/"+prj+"/my-photos", nil, 200, &mine)
	if len(mine.Items) != 3 || mine.Items[2].ID != late[0] {
		t.Fatalf("after a new photo, my photos = %+v", mine.Items)
	}
	// "Not me" removes a tag for good.
	guest.MustJSON("DELETE", "/v1/me/tags/"+late[0], nil, 204, nil)
	guest.MustJSON("GET", "/v1/projects/"+prj+"/my-photos", nil, 200, &mine)
	if len(mine.Items) != 2 {
		t.Fatalf("after not-me, %d photos", len(mine.Items))
	}

	// Buy a single photo with payments offline; an operator records payment.
	var pkg struct{ ID string }
	op.MustJSON("POST", "/v1/projects/"+prj+"/packages", map[string]any{"name": "One photo", "kind": "single", "priceCents": 900, "currency": "EUR"}, 201, &pkg)
	guest.MustJSON("POST", "/v1/purchases", map[string]any{"projectId": prj, "packageId": pkg.ID, "photoIds": []string{ids[1]}}, 400, nil) // not theirs
	var pur struct {
		ID           string
		Status       string
		Amount       int
		ClientSecret *string
		Payment      string
	}
	guest.MustJSON("POST", "/v1/purchases", map[string]any{"projectId": prj, "packageId": pkg.ID, "photoIds": []string{ids[0]}}, 201, &pur)
	if pur.Status != "pending" || pur.Amount != 900 || pur.ClientSecret != nil || pur.Payment != "offline" {
		t.Fatalf("purchase %+v", pur)
	}
	guest.MustJSON("GET", "/v1/purchases/"+pur.ID+"/downloads", nil, 403, nil)
	guest.MustJSON("POST", "/v1/purchases/"+pur.ID+"/mark-paid", nil, 403, nil)
	op.MustJSON("POST", "/v1/purchases/"+pur.ID+"/mark-paid", nil, 200, nil)
	op.MustJSON("POST", "/v1/purchases/"+pur.ID+"/mark-paid", nil, 200, nil) // twice is harmless
	env.WaitJobs()
	var dl struct {
		Items []struct {
			PhotoID, URL string
		}
		Archive *struct {
			URL        string
			PhotoCount int
		}
	}
	guest.MustJSON("GET", "/v1/purchases/"+pur.ID+"/downloads", nil, 200, &dl)
	if len(dl.Items) != 1 || dl.Items[0].PhotoID != ids[0] || dl.Archive == nil || dl.Archive.PhotoCount != 1 {
		t.Fatalf("downloads %+v", dl)
	}
	st, full := env.Fetch(dl.Items[0].URL)
	if st != 200 || bytes.Contains(full, []byte(apptest.GPSMarker)) || bytes.Contains(full, []byte("Exif")) {
		t.Fatalf("download: status %d, EXIF present: %v", st, bytes.Contains(full, []byte("Exif")))
	}
	st, z := env.Fetch(dl.Archive.URL)
	zr, err := zip.NewReader(bytes.NewReader(z), int64(len(z)))
	if st != 200 || err != nil || len(zr.File) != 1 {
		t.Fatalf("archive: status %d, %v", st, err)
	}
	confirmations := 0
	for _, m := range outbox(t, op) {
		if m.Kind == store.JobNotifyPurchase {
			confirmations++
			if !strings.Contains(m.Text, "€9.00") {
				t.Errorf("purchase email lacks the amount: %q", m.Text)
			}
		}
	}
	if confirmations != 1 {
		t.Errorf("%d purchase confirmations, want exactly 1", confirmations)
	}

	// Deleting the selfie removes the face data and the tags.
	guest.MustJSON("DELETE", "/v1/me/selfie", nil, 204, nil)
	guest.MustJSON("GET", "/v1/me/selfie", nil, 404, nil)
	guest.MustJSON("GET", "/v1/projects/"+prj+"/my-photos", nil, 200, &mine)
	if len(mine.Items) != 0 {
		t.Errorf("after deleting the selfie, %d tagged photos remain", len(mine.Items))
	}
	var n int
	env.DB.SQL().QueryRow(`select count(*) from selfie_embeddings`).Scan(&n)
	if n != 0 {
		t.Errorf("%d embeddings remain after deleting the selfie", n)
	}
}

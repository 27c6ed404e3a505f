package app_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"lightbox/app/apptest"
	"lightbox/store"
)

func TestBulkInvites(t *testing.T) {
	env := apptest.New(t, apptest.Options{NoRetina: true})
	op := env.Operator("op@example.com")
	prj := op.Project("Conference")
	member := env.CreateUser("member@example.com", store.RoleAttendee)
	env.DB.SQL().Exec(`insert into project_members (project_id, user_id, created_at) values (?, ?, 'x')`, prj, member.ID)
	existing := env.CreateUser("existing@example.com", store.RoleAttendee)
	_ = existing

	var lines []string
	for i := 0; i < 1000; i++ {
		switch {
		case i%100 == 7:
			lines = append(lines, "junk line "+fmt.Sprint(i))
		case i%100 == 8:
			lines = append(lines, fmt.Sprintf("PERSON%d@Example.COM", i-2)) // duplicate in another case
		default:
			lines = append(lines, fmt.Sprintf("  person%d@example.com ", i))
		}
	}
	lines = append(lines, "MEMBER@example.com", "Existing Person <existing@example.com>")
	var res struct {
		Invited []string
		Skipped []struct{ Email, Reason string }
	}
	op.MustJSON("POST", "/v1/projects/"+prj+"/invites", map[string]any{"emails": lines}, 200, &res)
	reasons := map[string]int{}
	for _, s := range res.Skipped {
		reasons[s.Reason]++
	}
	if len(res.Invited) != 981 || reasons["invalid_email"] != 10 || reasons["duplicate"] != 10 || reasons["already_member"] != 1 {
		t.Fatalf("invited %d, skipped %v", len(res.Invited), reasons)
	}
	for _, e := range res.Invited {
		if e != strings.ToLower(strings.TrimSpace(e)) {
			t.Fatalf("address not normalised: %q", e)
		}
	}
	// Inviting again skips the pending invites.
	op.MustJSON("POST", "/v1/projects/"+prj+"/invites", map[string]any{"emails": []string{"person1@example.com"}}, 200, &res)
	if len(res.Invited) != 0 || res.Skipped[0].Reason != "already_invited" {
		t.Fatalf("re-invite: %+v", res)
	}
	// A CSV paste with a name column.
	op.MustJSON("POST", "/v1/projects/"+prj+"/invites", map[string]any{"text": "Name,Email\nAda Lovelace,ada@example.com\n\"Grace, H\",grace@example.com\n"}, 200, &res)
	if len(res.Invited) != 2 {
		t.Fatalf("csv invite: %+v", res)
	}
	env.WaitJobs()
	all, err := env.DB.Outbox(context.Background(), 5000)
	if err != nil {
		t.Fatal(err)
	}
	var mails []outboxItem
	for _, m := range all {
		mails = append(mails, outboxItem{To: m.To, Subject: m.Subject, Text: m.Text, HTML: m.HTML, Kind: m.Kind})
	}
	if len(mails) != 983 {
		t.Fatalf("%d emails in the outbox, want 983", len(mails))
	}
	var existingMail *outboxItem
	for i := range mails {
		if mails[i].To == "existing@example.com" {
			existingMail = &mails[i]
		}
	}
	if existingMail == nil || strings.Contains(existingMail.Text, "/invite?token=") || !strings.Contains(existingMail.Text, "/app/projects/"+prj) {
		t.Fatalf("existing account email: %+v", existingMail)
	}
	var invites struct{ Items []store.Invite }
	op.MustJSON("GET", "/v1/projects/"+prj+"/invites", nil, 200, &invites)
	if len(invites.Items) != 982 || invites.Items[0].EmailStatus != "sent" {
		t.Fatalf("%d invites, first %+v", len(invites.Items), invites.Items[0])
	}
}

func TestInviteTokens(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	clock := &now
	env := apptest.New(t, apptest.Options{NoRetina: true, Now: func() time.Time { return *clock }})
	op := env.Operator("op@example.com")
	prj := op.Project("Party")
	op.MustJSON("POST", "/v1/projects/"+prj+"/invites", map[string]any{"emails": []string{"a@example.com", "b@example.com", "c@example.com"}}, 200, nil)
	env.WaitJobs()
	tokens := map[string]string{}
	for _, m := range outbox(t, op) {
		tokens[m.To] = tokenFrom(t, m.Text, "/invite")
	}
	anon := env.Anonymous()
	accept := func(tok string) int {
		return env.Anonymous().Do("POST", "/v1/invites/accept", map[string]string{"token": tok, "password": "long enough pw", "name": "X"}).Status
	}
	if st := accept("made-up-token"); st != 400 {
		t.Errorf("unknown token: %d", st)
	}
	if st := anon.Do("POST", "/v1/invites/accept", map[string]string{"token": tokens["a@example.com"], "password": "short"}).Status; st != 400 {
		t.Errorf("weak password: %d", st)
	}
	if st := accept(tokens["a@example.com"]); st != 201 {
		t.Fatalf("valid token: %d", st)
	}
	if st := accept(tokens["a@example.com"]); st != 400 {
		t.Errorf("reused token: %d", st)
	}
	// Revoked.
	var inv struct{ Items []store.Invite }
	op.MustJSON("GET", "/v1/projects/"+prj+"/invites", nil, 200, &inv)
	for _, i := range inv.Items {
		if i.Email == "b@example.com" {
			op.MustJSON("DELETE", "/v1/projects/"+prj+"/invites/"+i.ID, nil, 204, nil)
		}
	}
	if st := accept(tokens["b@example.com"]); st != 400 {
		t.Errorf("revoked token: %d", st)
	}
	// Expired after 14 days; a resend makes the same link work again.
	*clock = now.Add(15 * 24 * time.Hour)
	if st := accept(tokens["c@example.com"]); st != 400 {
		t.Errorf("expired token: %d", st)
	}
	op.MustJSON("GET", "/v1/projects/"+prj+"/invites", nil, 200, &inv)
	for _, i := range inv.Items {
		if i.Email == "c@example.com" {
			if i.Status != "expired" {
				t.Errorf("status %q, want expired", i.Status)
			}
			op.MustJSON("POST", "/v1/projects/"+prj+"/invites/"+i.ID+"/resend", nil, 202, nil)
		}
	}
	env.WaitJobs()
	sent := 0
	for _, m := range outbox(t, op) {
		if m.To == "c@example.com" {
			sent++
		}
	}
	if sent != 2 {
		t.Errorf("c@ got %d emails, want 2 (invite and resend)", sent)
	}
	if st := accept(tokens["c@example.com"]); st != 201 {
		t.Errorf("resent invite: %d", st)
	}
	// Tokens are stored hashed only.
	var raw int
	env.DB.SQL().QueryRow(`select count(*) from invites where instr(token_hash, ?) > 0`, tokens["c@example.com"]).Scan(&raw)
	if raw != 0 {
		t.Error("a raw token is stored")
	}
}

func TestPasswordReset(t *testing.T) {
	env := apptest.New(t, apptest.Options{NoRetina: true})
	op := env.Operator("op@example.com")
	env.CreateUser("user@example.com", store.RoleAttendee)
	anon := env.Anonymous()

	known := anon.MustJSON("POST", "/v1/auth/password-reset", map[string]string{"email": "User@Example.com"}, 202, nil)
	unknown := anon.MustJSON("POST", "/v1/auth/password-reset", map[string]string{"email": "nobody@example.com"}, 202, nil)
	if string(known.Body) != string(unknown.Body) {
		t.Errorf("answers differ: %s vs %s", known.Body, unknown.Body)
	}
	env.WaitJobs()
	mails := outbox(t, op)
	if len(mails) != 1 || mails[0].To != "user@example.com" {
		t.Fatalf("outbox %+v", mails)
	}
	tok := tokenFrom(t, mails[0].Text, "/reset")
	anon.MustJSON("POST", "/v1/auth/password-reset/confirm", map[string]string{"token": tok, "password": "a brand new password"}, 204, nil)
	anon.MustJSON("POST", "/v1/auth/password-reset/confirm", map[string]string{"token": tok, "password": "another new password"}, 400, nil)
	anon.MustJSON("POST", "/v1/auth/login", map[string]string{"email": "user@example.com", "password": "a brand new password"}, 200, nil)
	env.Anonymous().MustJSON("POST", "/v1/auth/login", map[string]string{"email": "user@example.com", "password": apptest.Password}, 401, nil)

	// Throttled per address: further requests still answer 202 but send nothing.
	for i := 0; i < 4; i++ {
		env.Anonymous().Do("POST", "/v1/auth/password-reset", map[string]string{"email": "user@example.com"})
	}
	env.WaitJobs()
	if n := len(outbox(t, op)); n > 3 {
		t.Errorf("%d reset emails after hammering, want at most 3", n)
	}
}

// Using one reset link ends every other link sent to the same account.
func TestPasswordResetEndsOtherLinks(t *testing.T) {
	env := apptest.New(t, apptest.Options{NoRetina: true})
	op := env.Operator("op@example.com")
	env.CreateUser("user@example.com", store.RoleAttendee)
	anon := env.Anonymous()
	anon.MustJSON("POST", "/v1/auth/password-reset", map[string]string{"email": "user@example.com"}, 202, nil)
	anon.MustJSON("POST", "/v1/auth/password-reset", map[string]string{"email": "user@example.com"}, 202, nil)
	env.WaitJobs()
	mails := outbox(t, op)
	if len(mails) != 2 {
		t.Fatalf("%d reset emails, want 2", len(mails))
	}
	first, second := tokenFrom(t, mails[0].Text, "/reset"), tokenFrom(t, mails[1].Text, "/reset")
	anon.MustJSON("POST", "/v1/auth/password-reset/confirm", map[string]string{"token": second, "password": "a brand new password"}, 204, nil)
	anon.MustJSON("POST", "/v1/auth/password-reset/confirm", map[string]string{"token": first, "password": "an attacker's password"}, 400, nil)
	anon.MustJSON("POST", "/v1/auth/login", map[string]string{"email": "user@example.com", "password": "a brand new password"}, 200, nil)
}

func TestLoginThrottleAndCSRF(t *testing.T) {
	env := apptest.New(t, apptest.Options{NoRetina: true})
	env.CreateUser("op@example.com", store.RoleOperator)
	anon := env.Anonymous()
	statuses := map[int]int{}
	for i := 0; i < 15; i++ {
		statuses[anon.Do("POST", "/v1/auth/login", map[string]string{"email": "op@example.com", "password": "wrong password"}).Status]++
	}
	if statuses[429] == 0 || statuses[401] == 0 {
		t.Fatalf("statuses %v, want some 401 then 429", statuses)
	}

	// Cookie sessions need the CSRF token for unsafe requests.
	env2 := apptest.New(t, apptest.Options{NoRetina: true})
	env2.CreateUser("op@example.com", store.RoleOperator)
	c := env2.Anonymous()
	var login struct{ CSRFToken string }
	c.MustJSON("POST", "/v1/auth/login", map[string]string{"email": "op@example.com", "password": apptest.Password}, 200, &login)
	body := map[string]any{"name": "X", "date": "2026-01-02", "timezone": "UTC", "currency": "EUR"}
	if st := c.Do("POST", "/v1/projects", body).Status; st != 403 {
		t.Errorf("cookie POST without CSRF token: %d, want 403", st)
	}
	c.Header.Set("Origin", "https://evil.example")
	c.CSRF = login.CSRFToken
	if st := c.Do("POST", "/v1/projects", body).Status; st != 403 {
		t.Errorf("cross-origin POST: %d, want 403", st)
	}
	c.Header.Del("Origin")
	if st := c.Do("POST", "/v1/projects", body).Status; st != 201 {
		t.Errorf("cookie POST with CSRF token: %d, want 201", st)
	}
	if st := c.Do("GET", "/v1/me", nil).Status; st != 200 {
		t.Errorf("cookie GET: %d", st)
	}
	// Form posts cannot reach the JSON API.
	c.CSRF = login.CSRFToken
	r := c.Do("POST", "/v1/auth/login", []byte("email=a&password=b"))
	_ = r
}

func TestExpiredSession(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	clock := &now
	env := apptest.New(t, apptest.Options{NoRetina: true, Now: func() time.Time { return *clock }})
	op := env.Operator("op@example.com")
	op.MustJSON("GET", "/v1/me", nil, 200, nil)
	*clock = now.Add(31 * 24 * time.Hour)
	op.MustJSON("GET", "/v1/me", nil, 401, nil)
}

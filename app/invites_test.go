package app_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"lightbox/app/apptest"
	"lightbox/store"
)

// TestInvitePreview: an invitation link tells its holder the project, the
// studio and the address, and nothing once it is used, revoked or expired.
func TestInvitePreview(t *testing.T) {
	env := apptest.New(t, apptest.Options{NoRetina: true})
	ctx := context.Background()
	op := env.Operator("studio@example.com")
	prj := op.Project("Summer Gala")
	op.MustJSON("POST", "/v1/projects/"+prj+"/invites", map[string]any{"emails": []string{"ann@example.com", "bob@example.com", "cy@example.com"}}, 200, nil)
	invites, err := env.DB.ProjectInvites(ctx, prj)
	if err != nil {
		t.Fatal(err)
	}
	token := map[string]string{}
	for _, in := range invites {
		token[in.Email] = store.DeriveToken(env.Secret, "invite", in.ID)
		if in.Email == "bob@example.com" {
			op.MustJSON("DELETE", "/v1/projects/"+prj+"/invites/"+in.ID, nil, 204, nil)
		}
		if in.Email == "cy@example.com" {
			if _, err := env.DB.SQL().ExecContext(ctx, `update invites set expires_at = '2001-01-01T00:00:00.000Z' where id = ?`, in.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	anon := env.Anonymous()

	r := anon.MustJSON("GET", "/v1/invites/"+token["ann@example.com"], nil, 200, nil)
	var got map[string]any
	if err := json.Unmarshal(r.Body, &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"projectName": "Summer Gala", "studioName": "Test Studio", "email": "ann@example.com"}
	if len(got) != len(want) {
		t.Errorf("the preview says more than it should: %s", r.Body)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}

	// Accept it: the link is now used.
	anon.MustJSON("POST", "/v1/invites/accept", map[string]string{"token": token["ann@example.com"], "password": "a long enough password"}, 201, nil)
	for _, tc := range []struct {
		name, token string
		status      int
		code        string
	}{
		{"used", token["ann@example.com"], 410, "invite_used"},
		{"revoked", token["bob@example.com"], 410, "invite_expired"},
		{"expired", token["cy@example.com"], 410, "invite_expired"},
		{"unknown", "made-up-token", 404, "invite_not_found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := env.Anonymous().Do("GET", "/v1/invites/"+tc.token, nil)
			var e struct {
				Error struct{ Code, Message string }
			}
			_ = json.Unmarshal(r.Body, &e)
			if r.Status != tc.status || e.Error.Code != tc.code || e.Error.Message == "" {
				t.Fatalf("%d %s, want %d %s", r.Status, r.Body, tc.status, tc.code)
			}
			if strings.Contains(string(r.Body), "@") || strings.Contains(string(r.Body), "Summer Gala") {
				t.Errorf("a dead link reveals the invite: %s", r.Body)
			}
		})
	}

	// Tokens are secrets: they stay out of the request log.
	for _, tok := range token {
		if strings.Contains(env.Logs(), tok) {
			t.Fatal("an invitation token reached the log")
		}
	}
	if !strings.Contains(env.Logs(), "/v1/invites/:token") {
		t.Error("the preview requests are not logged at all")
	}

	// Guessing tokens is throttled like accepting them.
	limited := false
	for i := 0; i < 15 && !limited; i++ {
		limited = anon.Do("GET", "/v1/invites/guess-"+string(rune('a'+i)), nil).Status == 429
	}
	if !limited {
		t.Error("15 guesses in a row were not throttled")
	}
}

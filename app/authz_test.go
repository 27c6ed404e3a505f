package app_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"

	"lightbox/app/apptest"
	"lightbox/store"
)

// TestAuthorizationMatrix calls every /v1 endpoint as anonymous, as an
// attendee of another project, as the attendee who owns the resource, and
// as an operator. A route without a row here fails the test.
func TestAuthorizationMatrix(t *testing.T) {
	env := apptest.New(t, apptest.Options{WebhookSecret: whsec})
	ctx := context.Background()
	op := env.Operator("op@example.com")
	p1 := op.Project("One")
	p2 := op.Project("Two")
	photos := op.UploadPhotos(p1, apptest.Photo(t, 1))
	env.WaitJobs()
	a := env.CreateUser("a@example.com", store.RoleAttendee)
	b := env.CreateUser("b@example.com", store.RoleAttendee)
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := env.DB.SQL().ExecContext(ctx, q, args...); err != nil {
			t.Fatal(err)
		}
	}
	exec(`insert into project_members (project_id, user_id, created_at) values (?, ?, 'x'), (?, ?, 'x')`, p1, a.ID, p2, b.ID)
	exec(`insert into tags (id, project_id, photo_id, user_id, status, created_at, updated_at) values ('tag_a', ?, ?, ?, 'confirmed', 'x', 'x')`, p1, photos[0], a.ID)
	exec(`update users set consent_at = 'x' where id in (?, ?)`, a.ID, b.ID)
	exec(`insert into face_reviews (id, project_id, photo_id, user_id, similarity, created_at, updated_at) values ('rev_a', ?, ?, ?, 0.55, 'x', 'x')`, p1, photos[0], a.ID)
	var pkg struct{ ID string }
	op.MustJSON("POST", "/v1/projects/"+p1+"/packages", map[string]any{"name": "One", "kind": "single", "priceCents": 500}, 201, &pkg)
	aC, bC, anon := env.Login("a@example.com"), env.Login("b@example.com"), env.Anonymous()
	var pur struct{ ID string }
	aC.MustJSON("POST", "/v1/purchases", map[string]any{"projectId": p1, "packageId": pkg.ID, "photoIds": photos}, 201, &pur)
	var inv struct{ Invited []string }
	op.MustJSON("POST", "/v1/projects/"+p1+"/invites", map[string]any{"emails": []string{"new@example.com"}}, 200, &inv)
	invites, _ := env.DB.ProjectInvites(ctx, p1)
	var sf struct{ ID string }
	aC.MustJSON("POST", "/v1/selfies", map[string]any{"contentType": "image/jpeg", "size": 100}, 201, &sf)

	// Each row: route, concrete path, body, and statuses for
	// anonymous, other attendee (B), owner attendee (A), operator.
	type row struct {
		route, path            string
		body                   any
		anon, other, owner, op int
	}
	P1 := "/v1/projects/" + p1
	rows := []row{
		{"GET /v1/health", "/v1/health", nil, 200, 200, 200, 200},
		{"POST /v1/stripe/webhook", "/v1/stripe/webhook", map[string]any{}, 400, 400, 400, 400},
		{"POST /v1/auth/login", "/v1/auth/login", map[string]string{"email": "x@example.com", "password": "nope-nope-nope"}, 401, 401, 401, 401},
		{"POST /v1/auth/logout", "/v1/auth/logout", nil, 204, 204, 204, 204},
		{"POST /v1/auth/password-reset", "/v1/auth/password-reset", map[string]string{"email": "x@example.com"}, 202, 202, 202, 202},
		{"POST /v1/auth/password-reset/confirm", "/v1/auth/password-reset/confirm", map[string]string{"token": "bad", "password": "long enough pw"}, 400, 400, 400, 400},
		{"POST /v1/invites/accept", "/v1/invites/accept", map[string]string{"token": "bad", "password": "long enough pw"}, 400, 400, 400, 400},
		{"POST /v1/setup", "/v1/setup", map[string]string{"token": "bad", "email": "x@example.com", "password": "long enough pw"}, 409, 409, 409, 409},
		{"GET /v1/invites/:token", "/v1/invites/" + store.DeriveToken(env.Secret, "invite", invites[0].ID), nil, 200, 200, 200, 200},
		{"GET /v1/me", "/v1/me", nil, 401, 200, 200, 200},
		{"GET /v1/config", "/v1/config", nil, 401, 200, 200, 200},
		{"POST /v1/me/consent", "/v1/me/consent", map[string]bool{"faceMatching": true}, 401, 200, 200, 200},
		{"POST /v1/selfies", "/v1/selfies", map[string]any{"contentType": "image/jpeg", "size": 100}, 401, 201, 201, 201},
		{"POST /v1/selfies/:id/complete", "/v1/selfies/" + sf.ID + "/complete", nil, 401, 404, 409, 404},
		{"GET /v1/me/selfie", "/v1/me/selfie", nil, 401, 404, 404, 404},
		{"GET /v1/projects", "/v1/projects", nil, 401, 200, 200, 200},
		{"GET /v1/projects/:id", P1, nil, 401, 404, 200, 200},
		{"GET /v1/projects/:id/packages", P1 + "/packages", nil, 401, 404, 200, 200},
		{"GET /v1/projects/:id/my-photos", P1 + "/my-photos", nil, 401, 404, 200, 200},
		{"GET /v1/projects/:id/my-purchases", P1 + "/my-purchases", nil, 401, 404, 200, 200},
		{"POST /v1/purchases", "/v1/purchases", map[string]any{"projectId": p1, "packageId": pkg.ID, "photoIds": photos}, 401, 404, 201, 400},
		{"GET /v1/purchases/:id", "/v1/purchases/" + pur.ID, nil, 401, 404, 200, 200},
		{"GET /v1/purchases/:id/downloads", "/v1/purchases/" + pur.ID + "/downloads", nil, 401, 404, 403, 403},
		{"POST /v1/projects", "/v1/projects", map[string]any{"name": "X", "date": "2026-01-02", "timezone": "UTC", "currency": "EUR"}, 401, 403, 403, 201},
		{"PATCH /v1/projects/:id", P1, map[string]any{"name": "One"}, 401, 403, 403, 200},
		{"DELETE /v1/projects/:id", "/v1/projects/" + p2, nil, 401, 403, 403, 202},
		{"POST /v1/projects/:id/photos", P1 + "/photos", map[string]any{"files": []map[string]any{{"filename": "a.jpg", "contentType": "image/jpeg", "size": 10}}}, 401, 403, 403, 201},
		{"GET /v1/projects/:id/photos", P1 + "/photos", nil, 401, 403, 403, 200},
		{"POST /v1/projects/:id/photos/:photoId/complete", P1 + "/photos/" + photos[0] + "/complete", nil, 401, 403, 403, 202},
		{"DELETE /v1/projects/:id/photos/:photoId", P1 + "/photos/ph_missing", nil, 401, 403, 403, 404},
		{"POST /v1/projects/:id/invites", P1 + "/invites", map[string]any{"emails": []string{"c@example.com"}}, 401, 403, 403, 200},
		{"GET /v1/projects/:id/invites", P1 + "/invites", nil, 401, 403, 403, 200},
		{"POST /v1/projects/:id/invites/:inviteId/resend", P1 + "/invites/" + invites[0].ID + "/resend", nil, 401, 403, 403, 202},
		{"DELETE /v1/projects/:id/invites/:inviteId", P1 + "/invites/" + invites[0].ID, nil, 401, 403, 403, 204},
		{"GET /v1/projects/:id/attendees", P1 + "/attendees", nil, 401, 403, 403, 200},
		{"POST /v1/projects/:id/packages", P1 + "/packages", map[string]any{"name": "B", "kind": "bundle", "photoCount": 3, "priceCents": 900}, 401, 403, 403, 201},
		{"PATCH /v1/projects/:id/packages/:packageId", P1 + "/packages/" + pkg.ID, map[string]any{"priceCents": 600}, 401, 403, 403, 200},
		{"GET /v1/projects/:id/purchases", P1 + "/purchases", nil, 401, 403, 403, 200},
		{"POST /v1/purchases/:id/mark-paid", "/v1/purchases/" + pur.ID + "/mark-paid", nil, 401, 403, 403, 200},
		{"GET /v1/projects/:id/tags", P1 + "/tags", nil, 401, 403, 403, 200},
		{"DELETE /v1/tags/:id", "/v1/tags/tag_missing", nil, 401, 403, 403, 404},
		{"GET /v1/projects/:id/face-reviews", P1 + "/face-reviews", nil, 401, 403, 403, 200},
		{"POST /v1/face-reviews/:id", "/v1/face-reviews/rev_a", map[string]string{"decision": "dismiss"}, 401, 403, 403, 200},
		{"GET /v1/jobs", "/v1/jobs?state=failed", nil, 401, 403, 403, 200},
		{"POST /v1/jobs/:id/retry", "/v1/jobs/job_missing/retry", nil, 401, 403, 403, 404},
		{"GET /v1/outbox", "/v1/outbox", nil, 401, 403, 403, 200},
		{"POST /v1/selfies/process-pending", "/v1/selfies/process-pending", nil, 401, 403, 403, 202},
		{"GET /v1/timezone", "/v1/timezone?lat=48.8566&lng=2.3522", nil, 401, 403, 403, 404}, // no Google key here: not_configured
		// Last: these delete what earlier rows rely on.
		{"DELETE /v1/me/tags/:photoId", "/v1/me/tags/" + photos[0], nil, 401, 404, 204, 404},
		{"DELETE /v1/me/selfie", "/v1/me/selfie", nil, 401, 204, 204, 204},
		{"DELETE /v1/me/consent", "/v1/me/consent", nil, 401, 204, 204, 204},
	}

	covered := map[string]bool{}
	for _, r := range rows {
		covered[r.route] = true
	}
	var missing []string
	for _, rt := range env.Server.Routes() {
		key := rt.Method + " " + rt.Path
		if strings.HasPrefix(rt.Path, "/v1/") && !covered[key] && !strings.HasSuffix(rt.Path, "/*") {
			missing = append(missing, key)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Fatalf("endpoints without a row in the authorization matrix:\n%s", strings.Join(missing, "\n"))
	}

	// Order matters for state changes: the operator goes last.
	for _, r := range rows {
		for _, who := range []struct {
			name string
			c    *apptest.Client
			want int
		}{{"anonymous", anon, r.anon}, {"other attendee", bC, r.other}, {"owner attendee", aC, r.owner}, {"operator", op, r.op}} {
			if r.route == "POST /v1/auth/logout" {
				continue // would end the sessions the rest of the table uses
			}
			method := strings.SplitN(r.route, " ", 2)[0]
			resp := who.c.Do(method, r.path, r.body)
			if resp.Status != who.want {
				t.Errorf("%s as %s: %d, want %d (%s)", r.route, who.name, resp.Status, who.want, truncate(resp.Body))
			}
		}
	}
	// Logout last, once per actor.
	for _, c := range []*apptest.Client{anon, bC, aC, op} {
		if r := c.Do("POST", "/v1/auth/logout", nil); r.Status != 204 {
			t.Errorf("logout: %d", r.Status)
		}
	}
	if r := aC.Do("GET", "/v1/me", nil); r.Status != 401 {
		t.Errorf("after logout the token still works: %d", r.Status)
	}
}

func truncate(b []byte) string {
	s := string(b)
	if len(s) > 160 {
		s = s[:160] + "…"
	}
	return fmt.Sprint(s)
}

package app_test

import (
	"context"
	"strings"
	"testing"

	"lightbox/app/apptest"
	"lightbox/jobs/mail"
	"lightbox/jobs/mail/mailtest"
	"lightbox/store"
)

func resendEnv(t *testing.T) (*apptest.Env, *mailtest.Server) {
	t.Helper()
	fake := mailtest.New()
	t.Cleanup(fake.Close)
	env := apptest.New(t, apptest.Options{NoRetina: true,
		Mailer: mail.NewResend("re_test_key", "Photos <photos@studio.example>", mail.WithBaseURL(fake.URL()), mail.WithRate(1000))})
	return env, fake
}

func TestResendDelivery(t *testing.T) {
	env, fake := resendEnv(t)
	op := env.Operator("op@example.com")
	prj := op.Project("Harbour Festival")

	// A 429 and a 500 are retried; the email is delivered once, under one key.
	fake.Fail(429, 500)
	op.MustJSON("POST", "/v1/projects/"+prj+"/invites", map[string]any{"emails": []string{"guest@example.com"}}, 200, nil)
	env.WaitJobs()
	reqs, delivered := fake.Requests(), fake.Delivered()
	if len(reqs) != 3 || len(delivered) != 1 {
		t.Fatalf("%d requests, %d delivered; want 3 and 1", len(reqs), len(delivered))
	}
	key := reqs[0].IdempotencyKey
	for _, r := range reqs {
		if r.IdempotencyKey != key || key == "" {
			t.Fatalf("idempotency keys differ across retries: %q vs %q", r.IdempotencyKey, key)
		}
	}
	d := delivered[0]
	if d.From != "Photos <photos@studio.example>" || len(d.To) != 1 || d.To[0] != "guest@example.com" || d.APIKey != "re_test_key" {
		t.Fatalf("delivered %+v", d)
	}
	if !strings.Contains(d.Subject, "Harbour Festival") || !strings.Contains(d.Text, env.URL+"/invite?token=") || !strings.Contains(d.HTML, env.URL+"/invite?token=") {
		t.Fatalf("email content: subject %q text %q", d.Subject, d.Text)
	}
	if n, _ := env.DB.CountFailedJobs(context.Background()); n != 0 {
		t.Errorf("%d failed jobs", n)
	}
	// Nothing reaches the outbox when a provider is configured.
	if n := len(outbox(t, op)); n != 0 {
		t.Errorf("%d emails in the outbox with Resend configured", n)
	}

	// A 422 is not retried: the job fails at once and the invite shows it.
	fake.Fail(422)
	op.MustJSON("POST", "/v1/projects/"+prj+"/invites", map[string]any{"emails": []string{"bad@example.com"}}, 200, nil)
	env.WaitJobs()
	if got := len(fake.Requests()); got != 4 {
		t.Errorf("%d requests after the 422, want 4 (no retry)", got)
	}
	var failed struct{ Items []store.FailedJob }
	op.MustJSON("GET", "/v1/jobs?state=failed", nil, 200, &failed)
	if len(failed.Items) != 1 || failed.Items[0].Kind != store.JobNotifyUserInvited {
		t.Fatalf("failed jobs %+v", failed.Items)
	}
	var inv struct{ Items []store.Invite }
	op.MustJSON("GET", "/v1/projects/"+prj+"/invites", nil, 200, &inv)
	for _, i := range inv.Items {
		want := "sent"
		if i.Email == "bad@example.com" {
			want = "failed"
		}
		if i.EmailStatus != want {
			t.Errorf("invite %s: email status %q, want %q", i.Email, i.EmailStatus, want)
		}
	}

	// Running a delivered email's job again sends nothing.
	invites, _ := env.DB.ProjectInvites(context.Background(), prj)
	for _, i := range invites {
		if i.Email == "guest@example.com" {
			env.DB.Enqueue(context.Background(), store.JobNotifyUserInvited, store.InvitePayload{InviteID: i.ID, Send: 1, ProjectID: prj})
		}
	}
	env.WaitJobs()
	if got := len(fake.Requests()); got != 4 {
		t.Errorf("a re-run sent again: %d requests", got)
	}
}

package app_test

import (
	"context"
	"fmt"
	"testing"

	"lightbox/app/apptest"
	"lightbox/store"
)

// TestFailedJobSubjects: each failed job says what it was about in words,
// from the ids in its payload, including ids that no longer resolve.
func TestFailedJobSubjects(t *testing.T) {
	env, op, guest, prj, pkg, photo := sale(t, apptest.Options{NoRetina: true})
	ctx := context.Background()
	if _, err := env.DB.SQL().ExecContext(ctx, `update projects set name = 'Summer Gala' where id = ?`, prj); err != nil {
		t.Fatal(err)
	}
	op.MustJSON("POST", "/v1/projects/"+prj+"/invites", map[string]any{"emails": []string{"a@b.example"}}, 200, nil)
	invites, err := env.DB.ProjectInvites(ctx, prj)
	if err != nil {
		t.Fatal(err)
	}
	var pur struct{ ID string }
	guest.MustJSON("POST", "/v1/purchases", map[string]any{"projectId": prj, "packageId": pkg}, 201, &pur)
	guestUser, err := env.DB.UserByEmail(ctx, "guest@example.com")
	if err != nil {
		t.Fatal(err)
	}
	ref := pur.ID[len(pur.ID)-8:]

	want := map[string]struct{ kind, payload string }{
		"Photo IMG_0001.jpg in Summer Gala":                             {store.JobProcessPhoto, fmt.Sprintf(`{"projectId":%q,"photoId":%q}`, prj, photo)},
		"A photo since deleted":                                         {store.JobProcessPhoto, `{"projectId":"prj_gone","photoId":"ph_gone"}`},
		"Invitation email to a@b.example for Summer Gala":               {store.JobNotifyUserInvited, fmt.Sprintf(`{"inviteId":%q,"send":1,"projectId":%q}`, invites[0].ID, prj)},
		"Password reset email to guest@example.com":                     {store.JobNotifyPasswordReset, fmt.Sprintf(`{"resetId":"pr_1","userId":%q}`, guestUser.ID)},
		"New photos email to guest@example.com for Summer Gala":         {store.JobNotifyUserTagged, fmt.Sprintf(`{"userId":%q,"projectId":%q}`, guestUser.ID, prj)},
		"Order confirmation email to guest@example.com for Summer Gala": {store.JobNotifyPurchase, fmt.Sprintf(`{"purchaseId":%q}`, pur.ID)},
		"Order " + upper(ref) + " by guest@example.com for Summer Gala": {store.JobPreparePurchase, fmt.Sprintf(`{"purchaseId":%q}`, pur.ID)},
		"Removing a deleted project's files":                            {store.JobCleanupProjectStorage, `{"prefix":"photos/prj_gone/"}`},
		"Face matching for a deleted account in Summer Gala":            {store.JobClusterFaces, fmt.Sprintf(`{"userId":"u_gone","projectId":%q}`, prj)},
		"No details": {store.JobProcessSelfie, `null`},
	}
	for subject, j := range want {
		if _, err := env.DB.SQL().ExecContext(ctx, `insert into failed_jobs (id, kind, payload, error, attempts, failed_at) values (?, ?, ?, 'boom', 3, '2026-01-01T00:00:00.000Z')`,
			store.NewID("job"), j.kind, j.payload); err != nil {
			t.Fatalf("%s: %v", subject, err)
		}
	}
	var out struct {
		Items []struct{ Kind, Subject, Error string }
	}
	op.MustJSON("GET", "/v1/jobs?state=failed", nil, 200, &out)
	got := map[string]bool{}
	for _, j := range out.Items {
		got[j.Subject] = true
	}
	for subject := range want {
		if !got[subject] {
			t.Errorf("no job reads %q; got %v", subject, got)
		}
	}
}

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - 32
		}
	}
	return string(b)
}

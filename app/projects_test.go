package app_test

import (
	"context"
	"testing"

	"lightbox/app/apptest"
	"lightbox/store"
)

// TestProjectCover: the dashboard's project list carries each project's
// first ready photo as a signed cover; attendees get no cover.
func TestProjectCover(t *testing.T) {
	env := apptest.New(t, apptest.Options{NoRetina: true})
	op := env.Operator("studio@example.com")
	withPhotos := op.Project("With photos")
	op.Project("Empty")
	ids := op.UploadPhotos(withPhotos, apptest.Photo(t, 1), apptest.Photo(t, 2))
	env.WaitJobs()

	type cover struct {
		ID     string
		Width  int
		Height int
		URLs   struct{ Thumb400, Thumb800 string }
	}
	var list struct {
		Items []struct {
			ID, Name string
			Cover    *cover
		}
	}
	op.MustJSON("GET", "/v1/projects", nil, 200, &list)
	if len(list.Items) != 2 {
		t.Fatalf("%d projects", len(list.Items))
	}
	for _, p := range list.Items {
		switch p.ID {
		case withPhotos:
			if p.Cover == nil || p.Cover.ID != ids[0] || p.Cover.Width == 0 {
				t.Fatalf("cover %+v, want the first photo %s", p.Cover, ids[0])
			}
			for _, u := range []string{p.Cover.URLs.Thumb400, p.Cover.URLs.Thumb800} {
				if st, b := env.Fetch(u); st != 200 || len(b) == 0 {
					t.Errorf("cover %s: %d", u, st)
				}
			}
		default:
			if p.Cover != nil {
				t.Errorf("%s has a cover without photos: %+v", p.Name, p.Cover)
			}
		}
	}

	// Attendees see their events without anyone's photo as a cover.
	u := env.CreateUser("guest@example.com", store.RoleAttendee)
	if _, err := env.DB.SQL().ExecContext(context.Background(), `insert into project_members (project_id, user_id, created_at) values (?, ?, 'x')`, withPhotos, u.ID); err != nil {
		t.Fatal(err)
	}
	var mine struct {
		Items []struct{ Cover *cover }
	}
	env.Login("guest@example.com").MustJSON("GET", "/v1/projects", nil, 200, &mine)
	if len(mine.Items) != 1 || mine.Items[0].Cover != nil {
		t.Errorf("attendee list %+v", mine.Items)
	}
}

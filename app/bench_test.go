package app_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"lightbox/app/apptest"
	"lightbox/store"
)

// benchProject starts a Lightbox with a project of n ready photos and
// returns its operator.
func benchProject(b *testing.B, n int) (*apptest.Env, *apptest.Client, string, []store.Photo) {
	env := apptest.New(b, apptest.Options{NoRetina: true})
	op := env.Operator("op@example.com")
	prj := op.Project("Bench")
	ctx := context.Background()
	photos := make([]store.Photo, n)
	for i := range photos {
		photos[i] = store.Photo{Filename: fmt.Sprintf("%d.jpg", i), ContentType: "image/jpeg", Size: 1000}
	}
	if err := env.DB.CreatePhotos(ctx, prj, photos); err != nil {
		b.Fatal(err)
	}
	for _, p := range photos {
		if err := env.DB.SetPhotoReady(ctx, p.ID, store.Ready{Width: 6000, Height: 4000}); err != nil {
			b.Fatal(err)
		}
	}
	return env, op, prj, photos
}

// BenchmarkPhotoList measures the busiest read: a page of 100 photos with
// three presigned URLs each, requested in parallel over HTTP.
func BenchmarkPhotoList(b *testing.B) {
	env, op, prj, _ := benchProject(b, 300)
	url := env.URL + "/v1/projects/" + prj + "/photos?limit=100"
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, _ := http.NewRequest("GET", url, nil)
			req.Header.Set("Authorization", "Bearer "+op.Token)
			resp, err := http.DefaultClient.Do(req)
			if err != nil || resp.StatusCode != 200 {
				b.Fatalf("%v %v", resp, err)
			}
			resp.Body.Close()
		}
	})
}

// BenchmarkHealth is the floor: one database ping per request.
func BenchmarkHealth(b *testing.B) {
	env := apptest.New(b, apptest.Options{NoRetina: true})
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			resp, err := http.Get(env.URL + "/v1/health")
			if err != nil {
				b.Fatal(err)
			}
			resp.Body.Close()
		}
	})
}

// BenchmarkMyPhotos is what every attendee's phone asks for: their 50
// photos among an event's 2,000, each with three presigned URLs and
// whether it is bought.
func BenchmarkMyPhotos(b *testing.B) {
	env, _, prj, photos := benchProject(b, 2000)
	ctx := context.Background()
	u := env.CreateUser("guest@example.com", store.RoleAttendee)
	exec := func(q string, args ...any) {
		if _, err := env.DB.SQL().ExecContext(ctx, q, args...); err != nil {
			b.Fatal(err)
		}
	}
	exec(`insert into project_members (project_id, user_id, created_at) values (?, ?, 'x')`, prj, u.ID)
	for i := 0; i < len(photos); i += len(photos) / 50 {
		exec(`insert into tags (id, project_id, photo_id, user_id, status, created_at, updated_at) values (?, ?, ?, ?, 'confirmed', 'x', 'x')`,
			store.NewID("tag"), prj, photos[i].ID, u.ID)
	}
	c := env.Login("guest@example.com")
	url := env.URL + "/v1/projects/" + prj + "/my-photos"
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, _ := http.NewRequest("GET", url, nil)
			req.Header.Set("Authorization", "Bearer "+c.Token)
			resp, err := http.DefaultClient.Do(req)
			if err != nil || resp.StatusCode != 200 {
				b.Fatalf("%v %v", resp, err)
			}
			resp.Body.Close()
		}
	})
}

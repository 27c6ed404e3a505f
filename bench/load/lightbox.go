package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/crypto/bcrypt"

	"lightbox/app"
	"lightbox/jobs/photo/phototest"
	"lightbox/store"

	"lightbox/bench/internal/server"
)

// lightboxSeed is what the seeded database holds for the load.
type lightboxSeed struct {
	project   string
	operator  string   // the operator's bearer token
	attendees []string // one bearer token per attendee
}

// seedLightbox fills a fresh database the way a finished event looks: an
// operator, a project of ready photos, and attendees who are members of it,
// each tagged in perAttendee photos and signed in with a session of their
// own. It writes through the store package (the server is not running
// yet); the member and tag rows stand in for accepted invites and face
// matches.
func seedLightbox(ctx context.Context, dataDir string, o options) (lightboxSeed, error) {
	var s lightboxSeed
	if err := os.MkdirAll(dataDir, 0o750); err != nil {
		return s, err
	}
	db, err := store.Open(ctx, filepath.Join(dataDir, "lightbox.db"), store.Options{})
	if err != nil {
		return s, err
	}
	defer db.Close()
	// One hash for every account: the clients use sessions, not passwords.
	hash, err := app.HashPassword("a long password", bcrypt.MinCost)
	if err != nil {
		return s, err
	}
	newSession := func(userID string) (string, error) {
		tok := store.RandomToken()
		return tok, db.CreateSession(ctx, store.HashToken(tok), userID, store.RandomToken(), 24*time.Hour)
	}

	op := store.User{Email: "studio@example.com", Name: "Studio", Role: store.RoleOperator, PasswordHash: hash}
	if err := db.CreateUser(ctx, &op); err != nil {
		return s, err
	}
	if s.operator, err = newSession(op.ID); err != nil {
		return s, err
	}
	prj := store.Project{Name: "Summer Gala", Date: "2026-06-21", Location: "Lyon", Timezone: "Europe/Paris", Currency: "EUR"}
	if err := db.CreateProject(ctx, &prj); err != nil {
		return s, err
	}
	s.project = prj.ID

	photos := make([]store.Photo, o.photos)
	for i := range photos {
		photos[i] = store.Photo{Filename: fmt.Sprintf("DSC_%05d.jpg", i+1), ContentType: "image/jpeg", Size: 5_500_000}
	}
	if err := db.CreatePhotos(ctx, prj.ID, photos); err != nil {
		return s, err
	}
	for _, p := range photos {
		if err := db.SetPhotoReady(ctx, p.ID, store.Ready{Width: 6000, Height: 4000}); err != nil {
			return s, err
		}
	}

	users := make([]store.User, o.attendees)
	for i := range users {
		users[i] = store.User{Email: fmt.Sprintf("guest%03d@example.com", i), Name: fmt.Sprintf("Guest %d", i), Role: store.RoleAttendee, PasswordHash: hash}
		if err := db.CreateUser(ctx, &users[i]); err != nil {
			return s, err
		}
		tok, err := newSession(users[i].ID)
		if err != nil {
			return s, err
		}
		s.attendees = append(s.attendees, tok)
	}

	tx, err := db.SQL().BeginTx(ctx, nil)
	if err != nil {
		return s, err
	}
	defer tx.Rollback()
	now := time.Now().UTC().Format("2006-01-02T15:04:05.000Z")
	for i, u := range users {
		if _, err := tx.ExecContext(ctx, `insert into project_members (project_id, user_id, created_at) values (?, ?, ?)`, prj.ID, u.ID, now); err != nil {
			return s, err
		}
		rng := rand.New(rand.NewPCG(uint64(i), 7))
		for _, k := range rng.Perm(len(photos))[:o.perAttendee] {
			if _, err := tx.ExecContext(ctx, `insert into tags (id, project_id, photo_id, user_id, status, notified_at, created_at, updated_at)
				values (?, ?, ?, ?, 'confirmed', ?, ?, ?)`, store.NewID("tag"), prj.ID, photos[k].ID, u.ID, now, now, now); err != nil {
				return s, err
			}
		}
	}
	return s, tx.Commit()
}

// startLightbox builds Lightbox, seeds it and runs it with embedded
// defaults and face matching off; stop shuts it down.
func startLightbox(ctx context.Context, o options, root, work string, upload []byte, log io.Writer) (t target, stop func(), err error) {
	if err := os.MkdirAll(work, 0o750); err != nil {
		return t, nil, err
	}
	bin := filepath.Join(work, "lightbox")
	fmt.Fprintln(log, "lightbox: building")
	if err := server.Build(ctx, root, bin, nil, "-trimpath", "-ldflags", "-X main.version=load"); err != nil {
		return t, nil, err
	}
	dataDir := filepath.Join(work, "data")
	fmt.Fprintf(log, "lightbox: seeding %d photos, %d attendees tagged in %d each\n", o.photos, o.attendees, o.perAttendee)
	seeded, err := seedLightbox(ctx, dataDir, o)
	if err != nil {
		return t, nil, fmt.Errorf("seed: %w", err)
	}
	addr, err := server.FreeAddr()
	if err != nil {
		return t, nil, err
	}
	base := "http://" + addr
	srv, err := server.Start(ctx, bin, []string{"serve"}, []string{"DATA_DIR=" + dataDir, "ADDR=" + addr, "PUBLIC_URL=" + base, "FACE_ENGINE=off"},
		filepath.Join(work, "lightbox.log"), base+"/v1/health")
	if err != nil {
		return t, nil, err
	}

	list := base + "/v1/projects/" + seeded.project + "/my-photos"
	t = target{name: "Lightbox", version: "this tree", pid: srv.PID(), want: o.perAttendee,
		list: func(i int) (*http.Request, error) {
			req, err := http.NewRequest("GET", list, nil)
			if err == nil {
				req.Header.Set("Authorization", "Bearer "+seeded.attendees[i])
			}
			return req, err
		},
		ingest: func(ctx context.Context, c *http.Client, worker, n int) error {
			return server.Upload(ctx, c, base, seeded.project, seeded.operator, upload, fmt.Sprintf("W%d_%05d.jpg", worker, n))
		},
	}
	t.settle = func(ctx context.Context) error { return lightboxSettle(ctx, base) }
	return t, srv.Stop, nil
}

// lightboxSettle waits until the job queue is empty: every uploaded photo
// processed.
func lightboxSettle(ctx context.Context, base string) error {
	deadline := time.Now().Add(2 * time.Minute)
	for {
		var h struct {
			Queue struct {
				Backlog int `json:"backlog"`
			} `json:"queue"`
		}
		req, err := http.NewRequestWithContext(ctx, "GET", base+"/v1/health", nil)
		if err != nil {
			return err
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		err = json.NewDecoder(resp.Body).Decode(&h)
		resp.Body.Close()
		if err != nil {
			return err
		}
		if h.Queue.Backlog == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d jobs still queued after two minutes", h.Queue.Backlog)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// ingestPhoto is the photo the ingest workers upload: photo-like, so the
// server's image pipeline does realistic work on it.
func ingestPhoto(w, h int) []byte {
	return phototest.JPEG(phototest.Photo(w, h, 42), 90)
}

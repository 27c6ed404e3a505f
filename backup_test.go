package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"lightbox/app"
	"lightbox/app/apptest"
	"lightbox/store"
)

// write is one change the server acknowledged with a 2xx.
type write struct {
	kind string // "project", "photo" or "invite"
	key  string // the project or photo id, or the invited email
	at   time.Time
}

// TestBackupUnderLoad takes a backup with `lightbox backup` while clients
// keep creating projects, photos and invites on a running server, restores
// it into a fresh data directory with `lightbox restore`, and checks that
// the copy is intact and holds every write acknowledged before the backup
// began, both in the database and through a server started on it.
func TestBackupUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("starts real server processes")
	}
	ctx := context.Background()
	dir := t.TempDir()
	token := seedOperator(t, dir)
	env := []string{"FACE_ENGINE=off"}
	srv := startChild(t, dir, apptest.FreeAddr(t), env)
	first := srv
	t.Cleanup(func() {
		if first.cmd.ProcessState == nil { // the test stopped early
			first.kill()
		}
	})
	a := api{base: srv.url, token: token}
	var prj struct{ ID string }
	if st, err := a.do("POST", "/v1/projects", newProject("Backup"), &prj); err != nil || st != 201 {
		t.Fatalf("create project: %d %v", st, err)
	}

	var mu sync.Mutex
	var acked []write
	var failures []string
	ack := func(kind, key string) {
		at := time.Now()
		mu.Lock()
		acked = append(acked, write{kind, key, at})
		mu.Unlock()
	}
	fail := func(format string, args ...any) {
		mu.Lock()
		failures = append(failures, fmt.Sprintf(format, args...))
		mu.Unlock()
	}
	// Four writers, each its own kind of write, until stop closes.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	writers := []func(w, n int){
		func(w, n int) { // a new project
			var p struct{ ID string }
			if st, err := a.do("POST", "/v1/projects", newProject(fmt.Sprintf("Event %d", n)), &p); err != nil || st != 201 {
				fail("project %d: %d %v", n, st, err)
				return
			}
			ack("project", p.ID)
		},
		func(w, n int) { // a batch of photos announced for upload
			files := make([]map[string]any, 5)
			for i := range files {
				files[i] = map[string]any{"filename": fmt.Sprintf("IMG_%d_%d_%d.jpg", w, n, i), "contentType": "image/jpeg", "size": 1000 + i}
			}
			var created struct{ Items []struct{ ID string } }
			if st, err := a.do("POST", "/v1/projects/"+prj.ID+"/photos", map[string]any{"files": files}, &created); err != nil || st != 201 || len(created.Items) != 5 {
				fail("photos %d/%d: %d %v", w, n, st, err)
				return
			}
			for _, it := range created.Items {
				ack("photo", it.ID)
			}
		},
		nil, // a second photo writer
		func(w, n int) { // an invitation
			email := fmt.Sprintf("guest-%d@example.com", n)
			var res struct{ Invited []string }
			if st, err := a.do("POST", "/v1/projects/"+prj.ID+"/invites", map[string]any{"emails": []string{email}}, &res); err != nil || st != 200 || len(res.Invited) != 1 {
				fail("invite %d: %d %v %v", n, st, err, res)
				return
			}
			ack("invite", email)
		},
	}
	writers[2] = writers[1]
	for w, fn := range writers {
		wg.Go(func() {
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				fn(w, n)
			}
		})
	}

	// Back up once the writers are well under way, then let them go on.
	time.Sleep(1500 * time.Millisecond)
	backup := filepath.Join(t.TempDir(), "backup.db")
	var out bytes.Buffer
	began := time.Now()
	if err := run(ctx, []string{"backup", "--data-dir", dir, "--to", backup}, os.Getenv, &out, &out); err != nil {
		t.Fatalf("backup: %v\n%s", err, out.String())
	}
	ended := time.Now()
	time.Sleep(500 * time.Millisecond)
	close(stop)
	wg.Wait()
	srv.stop(t)
	if len(failures) > 0 {
		t.Fatalf("%d writes failed, first: %s", len(failures), failures[0])
	}

	before, during, after := 0, 0, 0
	for _, w := range acked {
		switch {
		case w.at.Before(began):
			before++
		case w.at.Before(ended):
			during++
		default:
			after++
		}
	}
	t.Logf("%d writes acknowledged before the backup, %d during it (%s), %d after", before, during, ended.Sub(began).Round(time.Millisecond), after)
	if before < 20 || after == 0 {
		t.Fatalf("the load did not surround the backup: %d writes before it, %d after", before, after)
	}

	restored := t.TempDir()
	if err := run(ctx, []string{"restore", "--data-dir", restored, "--from", backup}, os.Getenv, &out, &out); err != nil {
		t.Fatalf("restore: %v\n%s", err, out.String())
	}
	db, err := store.Open(ctx, filepath.Join(restored, "lightbox.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var integrity string
	if err := db.SQL().QueryRow(`pragma integrity_check`).Scan(&integrity); err != nil || integrity != "ok" {
		t.Fatalf("integrity_check: %q %v", integrity, err)
	}
	if rows, err := db.SQL().Query(`pragma foreign_key_check`); err != nil {
		t.Fatal(err)
	} else {
		if rows.Next() {
			t.Error("foreign_key_check reports dangling references")
		}
		rows.Close()
	}
	queries := map[string]string{
		"project": `select count(*) from projects where id = ?`,
		"photo":   `select count(*) from photos where id = ?`,
		"invite":  `select count(*) from invites where email = ? and project_id = ?`,
	}
	lost := 0
	for _, w := range acked {
		if !w.at.Before(began) {
			continue
		}
		args := []any{w.key}
		if w.kind == "invite" {
			args = append(args, prj.ID)
		}
		var n int
		if err := db.SQL().QueryRow(queries[w.kind], args...).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			lost++
			if lost <= 5 {
				t.Errorf("%s %s, acknowledged %s before the backup, is not in it", w.kind, w.key, began.Sub(w.at).Round(time.Microsecond))
			}
		}
	}
	if lost > 0 {
		t.Fatalf("%d of %d writes acknowledged before the backup are missing", lost, before)
	}

	// A server started on the restored data serves it, to the session
	// opened before the backup.
	db.Close()
	srv = startChild(t, restored, apptest.FreeAddr(t), env)
	defer srv.stop(t)
	a.base = srv.url
	var list struct{ Items []struct{ ID string } }
	if st, err := a.do("GET", "/v1/projects", nil, &list); err != nil || st != 200 {
		t.Fatalf("projects on the restored server: %d %v", st, err)
	}
	served := map[string]bool{}
	for _, p := range list.Items {
		served[p.ID] = true
	}
	for _, w := range acked {
		if w.kind == "project" && w.at.Before(began) && !served[w.key] {
			t.Errorf("the restored server does not list project %s", w.key)
		}
	}
}

// seedOperator creates an operator and a session for them in a new
// database in dir and returns the session's bearer token. It skips
// `lightbox operator create` and the login call, whose password hashing
// at full cost takes seconds under the race detector.
func seedOperator(t *testing.T, dir string) string {
	t.Helper()
	db, err := store.Open(context.Background(), filepath.Join(dir, "lightbox.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	hash, err := app.HashPassword("a long password", bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	op := store.User{Email: "op@example.com", Role: store.RoleOperator, PasswordHash: hash}
	if err := db.CreateUser(context.Background(), &op); err != nil {
		t.Fatal(err)
	}
	token := store.RandomToken()
	if err := db.CreateSession(context.Background(), store.HashToken(token), op.ID, store.RandomToken(), time.Hour); err != nil {
		t.Fatal(err)
	}
	return token
}

func newProject(name string) map[string]any {
	return map[string]any{"name": name, "date": "2026-06-21", "timezone": "UTC", "currency": "EUR"}
}

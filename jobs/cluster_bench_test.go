//go:build unix

package jobs_test

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"log/slog"
	"syscall"
	"testing"
	"time"

	"lightbox/jobs"
	"lightbox/jobs/mail"
	"lightbox/jobs/retina"
	"lightbox/jobs/retina/retinatest"
	"lightbox/store"
	"lightbox/store/blob"
	"lightbox/store/storetest"
)

// retinaLatency is what the fake face service adds to every call in
// BenchmarkClusterFaces, for a remote service's network and inference
// time. Set it with: go test -bench ClusterFaces ./jobs/ -args -retina-latency 50ms
var retinaLatency = flag.Duration("retina-latency", 20*time.Millisecond, "time the fake face service adds to each call in BenchmarkClusterFaces")

// BenchmarkClusterFaces measures how cluster_faces scales: the wall time for
// the production runner (two cluster_faces workers) and Retina client to
// match every attendee of one project against all its ready photos, in
// batches of retina.MaxPhotos per /cluster call, with each call taking
// -retina-latency longer. It reports the /cluster calls, photo comparisons
// recorded and tags per run of all attendees, and the CPU time the process
// (Lightbox and the in-process fake together) spent on it. The small variant runs in
// seconds: go test -run '^$' -bench ClusterFaces/small -benchtime 1x ./jobs/
func BenchmarkClusterFaces(b *testing.B) {
	for _, size := range []struct {
		name              string
		photos, attendees int
	}{
		{"small", 200, 30},
		{"full", 2000, 300},
	} {
		b.Run(fmt.Sprintf("%s/photos=%d/attendees=%d", size.name, size.photos, size.attendees), func(b *testing.B) {
			benchmarkClusterFaces(b, size.photos, size.attendees, *retinaLatency)
		})
	}
}

func benchmarkClusterFaces(b *testing.B, nPhotos, nAttendees int, latency time.Duration) {
	ctx := context.Background()
	const key = "bench-retina-key"
	secret := []byte("bench-secret-0123456789abcdef0123456789")
	db := storetest.Open(b)
	blobs, err := blob.NewLocal(b.TempDir(), "http://127.0.0.1", secret)
	if err != nil {
		b.Fatal(err)
	}
	fake := retinatest.NewDelayed(key, latency)
	b.Cleanup(fake.Close)
	templates, err := mail.NewTemplates()
	if err != nil {
		b.Fatal(err)
	}

	prj := store.Project{Name: "Summer Ball", Date: "2026-06-21", Location: "Lyon", Timezone: "Europe/Paris", Currency: "EUR"}
	if err := db.CreateProject(ctx, &prj); err != nil {
		b.Fatal(err)
	}
	wantTags := seedPhotos(b, db, blobs, prj.ID, nPhotos, nAttendees)
	users := seedAttendees(b, db, blobs, prj.ID, nAttendees)

	// The production policies; emails wait long enough not to run here.
	log := slog.New(slog.DiscardHandler)
	runner := jobs.NewRunner(db, log, jobs.Options{Poll: 50 * time.Millisecond, Drain: 5 * time.Second})
	jobs.Register(runner, jobs.Deps{DB: db, Blobs: blobs, Log: log, Templates: templates, Faces: jobs.RetinaMatcher(retina.New(fake.URL(), key)),
		PublicURL: "http://127.0.0.1", StudioName: "Bench Studio", Secret: secret, ClusterDelay: time.Millisecond, DigestDelay: time.Hour})
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- runner.Run(runCtx) }()
	b.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			b.Errorf("job runner: %v", err)
		}
	})

	finished := func() int64 {
		c := runner.Counts()[store.JobClusterFaces]
		return c.Succeeded + c.Failed
	}
	calls0 := fake.Calls("/cluster")
	var cpu time.Duration
	for b.Loop() {
		// Start from no comparisons and no tags, as when every attendee's
		// selfie has just been approved.
		b.StopTimer()
		for _, q := range []string{`delete from cluster_scans`, `delete from tags`} {
			if _, err := db.SQL().ExecContext(ctx, q); err != nil {
				b.Fatal(err)
			}
		}
		want := finished() + int64(len(users))
		cpu0 := cpuTime()
		b.StartTimer()

		for _, u := range users {
			if err := db.Enqueue(ctx, store.JobClusterFaces, store.ClusterPayload{UserID: u, ProjectID: prj.ID}); err != nil {
				b.Fatal(err)
			}
		}
		deadline := time.Now().Add(15 * time.Minute)
		for finished() < want {
			if time.Now().After(deadline) {
				b.Fatalf("cluster_faces still running after 15 minutes: %+v", runner.Counts()[store.JobClusterFaces])
			}
			time.Sleep(2 * time.Millisecond)
		}
		cpu += cpuTime() - cpu0
	}
	b.StopTimer()

	c := runner.Counts()[store.JobClusterFaces]
	if c.Failed > 0 || c.Retried > 0 {
		b.Fatalf("cluster_faces: %d failed, %d retried", c.Failed, c.Retried)
	}
	var compared, tags int
	if err := db.SQL().QueryRowContext(ctx, `select count(*) from cluster_scans`).Scan(&compared); err != nil {
		b.Fatal(err)
	}
	if err := db.SQL().QueryRowContext(ctx, `select count(*) from tags where status = 'confirmed'`).Scan(&tags); err != nil {
		b.Fatal(err)
	}
	if compared != nPhotos*nAttendees || tags != wantTags {
		b.Fatalf("compared %d photo-selfie pairs and made %d tags, want %d and %d", compared, tags, nPhotos*nAttendees, wantTags)
	}
	b.ReportMetric(float64(fake.Calls("/cluster")-calls0)/float64(b.N), "calls/op")
	b.ReportMetric(float64(compared), "compared/op")
	b.ReportMetric(float64(tags), "tags/op")
	b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
}

// cpuTime is the CPU time, user and system, the process has used so far;
// unlike wall time it does not grow when other processes share the cores.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchPeople is who stands in photo i: every 8th photo shows one person,
// a few others two, the rest nobody. Person p is one of the fake's palette
// faces (retinatest.Palette has len(Palette) people).
func benchPeople(i int) []int {
	n := len(retinatest.Palette)
	switch {
	case i%8 == 0:
		return []int{(i / 8) % n}
	case i%40 == 4:
		return []int{(i / 40) % n, (i/40 + 5) % n}
	}
	return nil
}

// benchPerson is attendee j's face; attendees share the fake's few faces.
func benchPerson(j int) int { return j % len(retinatest.Palette) }

// benchThumb is a tiny stand-in for thumb-800.jpg: one 16×16 face square
// per person side by side, or a grey 16×16 square for nobody. The fake
// face service needs nothing more to find them.
func benchThumb(tb testing.TB, people ...int) []byte {
	tb.Helper()
	w := 16 * max(1, len(people))
	img := image.NewRGBA(image.Rect(0, 0, w, 16))
	for y := range 16 {
		for x := range w {
			v := uint8(100 + 4*x + 3*y)
			img.SetRGBA(x, y, color.RGBA{v, v, v, 255})
		}
	}
	for i, p := range people {
		retinatest.DrawFace(img, image.Rect(16*i, 0, 16*i+16, 16), p)
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 80}); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// seedPhotos stores n ready photos with their thumb-800.jpg and returns how
// many tags matching attendees 0..attendees-1 makes.
func seedPhotos(b testing.TB, db *store.DB, blobs blob.Store, projectID string, n, attendees int) (wantTags int) {
	b.Helper()
	ctx := context.Background()
	photos := make([]store.Photo, n)
	for i := range photos {
		photos[i] = store.Photo{Filename: fmt.Sprintf("IMG_%04d.jpg", i+1), ContentType: "image/jpeg", Size: 1 << 20}
	}
	if err := db.CreatePhotos(ctx, projectID, photos); err != nil {
		b.Fatal(err)
	}
	perPerson := make([]int, len(retinatest.Palette))
	for j := range attendees {
		perPerson[benchPerson(j)]++
	}
	thumbs := map[string][]byte{}
	for i, ph := range photos {
		people := benchPeople(i)
		k := fmt.Sprint(people)
		if thumbs[k] == nil {
			thumbs[k] = benchThumb(b, people...)
		}
		jpg := thumbs[k]
		if err := blobs.Put(ctx, store.PhotoKey(projectID, ph.ID, "thumb-800.jpg"), bytes.NewReader(jpg), int64(len(jpg)), "image/jpeg"); err != nil {
			b.Fatal(err)
		}
		// No attendee has a selfie yet, so this schedules no matching.
		if err := db.SetPhotoReady(ctx, ph.ID, store.Ready{Width: 4000, Height: 2667}); err != nil {
			b.Fatal(err)
		}
		for _, p := range people {
			wantTags += perPerson[p]
		}
	}
	return wantTags
}

// seedAttendees adds n attendees with an approved selfie, members of the
// project, and returns their ids. Their selfies are approved before they
// join, so nothing is scheduled yet.
func seedAttendees(b testing.TB, db *store.DB, blobs blob.Store, projectID string, n int) []string {
	b.Helper()
	ctx := context.Background()
	embeddings := map[int][]float32{}
	ids := make([]string, n)
	for j := range n {
		u := store.User{Email: fmt.Sprintf("guest%03d@example.com", j), Name: fmt.Sprintf("Guest %d", j), Role: store.RoleAttendee}
		if err := db.CreateUser(ctx, &u); err != nil {
			b.Fatal(err)
		}
		person := benchPerson(j)
		jpg := benchThumb(b, person)
		sf, err := db.CreateSelfie(ctx, u.ID, "image/jpeg", int64(len(jpg)))
		if err != nil {
			b.Fatal(err)
		}
		if err := blobs.Put(ctx, sf.Key, bytes.NewReader(jpg), int64(len(jpg)), "image/jpeg"); err != nil {
			b.Fatal(err)
		}
		// Uploaded and analysed: pending, then approved with the face
		// service's embedding, without queueing process_selfie.
		if _, err := db.SQL().ExecContext(ctx, `update selfies set status = 'pending' where id = ?`, sf.ID); err != nil {
			b.Fatal(err)
		}
		if embeddings[person] == nil {
			embeddings[person] = retinatest.Embedding(person)
		}
		if err := db.ApproveSelfie(ctx, sf.ID, store.EngineRetina, embeddings[person]); err != nil {
			b.Fatal(err)
		}
		if _, err := db.SQL().ExecContext(ctx, `insert into project_members (project_id, user_id, created_at) values (?, ?, ?)`,
			projectID, u.ID, db.Now().Format("2006-01-02T15:04:05.000Z")); err != nil {
			b.Fatal(err)
		}
		ids[j] = u.ID
	}
	return ids
}

package app_test

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"slices"
	"strings"
	"testing"

	"lightbox/app/apptest"
	"lightbox/store"
)

// member adds an attendee to the project with consent given and logs in.
func member(t *testing.T, env *apptest.Env, prj, email string) (*apptest.Client, store.User) {
	t.Helper()
	u := env.CreateUser(email, store.RoleAttendee)
	if _, err := env.DB.SQL().Exec(`insert into project_members (project_id, user_id, created_at) values (?, ?, 'x')`, prj, u.ID); err != nil {
		t.Fatal(err)
	}
	c := env.Login(email)
	c.MustJSON("POST", "/v1/me/consent", map[string]bool{"faceMatching": true}, 200, nil)
	return c, u
}

func uploadSelfie(t *testing.T, c *apptest.Client, jpg []byte) string {
	t.Helper()
	return uploadSelfieAs(t, c, "image/jpeg", jpg)
}

func uploadSelfieAs(t *testing.T, c *apptest.Client, contentType string, img []byte) string {
	t.Helper()
	jpg := img
	var up struct {
		ID     string
		Upload struct {
			Method, URL string
			Headers     map[string]string
		}
	}
	c.MustJSON("POST", "/v1/selfies", map[string]any{"contentType": contentType, "size": len(jpg)}, 201, &up)
	if st := c.Upload(toUpload(up.Upload.Method, up.Upload.URL, up.Upload.Headers), jpg); st != 200 {
		t.Fatalf("selfie upload: %d", st)
	}
	c.MustJSON("POST", "/v1/selfies/"+up.ID+"/complete", nil, 202, nil)
	return up.ID
}

func selfieStatus(t *testing.T, c *apptest.Client) (status, reason string) {
	t.Helper()
	var s struct{ Status, RejectionReason, RejectionText string }
	c.MustJSON("GET", "/v1/me/selfie", nil, 200, &s)
	if s.Status == "rejected" && s.RejectionText == "" {
		t.Error("a rejected selfie has no plain-language reason")
	}
	return s.Status, s.RejectionReason
}

func TestSelfieRejectionsAndReplacement(t *testing.T) {
	env := apptest.New(t, apptest.Options{})
	op := env.Operator("op@example.com")
	prj := op.Project("Ball")
	c, u := member(t, env, prj, "guest@example.com")

	uploadSelfie(t, c, apptest.Photo(t)) // nobody in it
	env.WaitJobs()
	if st, why := selfieStatus(t, c); st != "rejected" || why != "no_face" {
		t.Fatalf("empty selfie: %s %s", st, why)
	}
	uploadSelfie(t, c, apptest.Photo(t, 1, 2))
	env.WaitJobs()
	if st, why := selfieStatus(t, c); st != "rejected" || why != "multiple_faces" {
		t.Fatalf("group selfie: %s %s", st, why)
	}
	first := uploadSelfie(t, c, apptest.Selfie(t, 1))
	env.WaitJobs()
	second := uploadSelfie(t, c, apptest.Selfie(t, 2))
	env.WaitJobs()
	if st, _ := selfieStatus(t, c); st != "approved" {
		t.Fatalf("selfie: %s", st)
	}
	// The new selfie replaced the old one and its embedding.
	var n int
	env.DB.SQL().QueryRow(`select count(*) from selfies where user_id = ?`, u.ID).Scan(&n)
	if n != 1 {
		t.Errorf("%d selfies kept, want 1", n)
	}
	env.DB.SQL().QueryRow(`select count(*) from selfie_embeddings`).Scan(&n)
	if n != 1 {
		t.Errorf("%d embeddings kept, want 1", n)
	}
	if _, err := env.DB.SelfieByID(context.Background(), first); err == nil {
		t.Error("the replaced selfie still exists")
	}
	if _, err := env.DB.SelfieEmbedding(context.Background(), second); err != nil {
		t.Errorf("current embedding: %v", err)
	}
	var engine string
	env.DB.SQL().QueryRow(`select engine from selfies where id = ?`, second).Scan(&engine)
	if engine != store.EngineRetina {
		t.Errorf("selfie engine %q, want %q", engine, store.EngineRetina)
	}
}

// A small PNG that claims a huge picture (a decompression bomb) is refused
// from its header: it is never decoded nor sent to the face service.
func TestSelfieDecompressionBomb(t *testing.T) {
	env := apptest.New(t, apptest.Options{})
	op := env.Operator("op@example.com")
	c, _ := member(t, env, op.Project("Ball"), "guest@example.com")
	var bomb bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(&bomb, image.NewGray(image.Rect(0, 0, 5200, 5000))); err != nil { // 26 megapixels
		t.Fatal(err)
	}
	uploadSelfieAs(t, c, "image/png", bomb.Bytes())
	env.WaitJobs()
	if st, why := selfieStatus(t, c); st != "rejected" || why != "low_quality" {
		t.Errorf("bomb selfie: %s %s, want rejected low_quality", st, why)
	}
	if n := env.Retina.Calls("/analyze"); n != 0 {
		t.Errorf("%d calls to the face service, want 0", n)
	}
}

func TestRetinaFailures(t *testing.T) {
	t.Run("bad API key fails the job once, visible to operators", func(t *testing.T) {
		env := apptest.New(t, apptest.Options{})
		op := env.Operator("op@example.com")
		prj := op.Project("Ball")
		c, _ := member(t, env, prj, "guest@example.com")
		env.Retina.Fail("/analyze", 401)
		uploadSelfie(t, c, apptest.Selfie(t, 1))
		env.WaitJobs()
		if got := env.Retina.Calls("/analyze"); got != 1 {
			t.Errorf("%d calls to /analyze, want 1 (no retry on 401)", got)
		}
		var failed struct{ Items []store.FailedJob }
		op.MustJSON("GET", "/v1/jobs?state=failed", nil, 200, &failed)
		if len(failed.Items) != 1 || failed.Items[0].Kind != store.JobProcessSelfie || !strings.Contains(failed.Items[0].Error, "RETINA_API_KEY") {
			t.Fatalf("failed jobs %+v", failed.Items)
		}
		if st, _ := selfieStatus(t, c); st != "pending" {
			t.Errorf("selfie %s, want pending", st)
		}
		// Fixed: the operator retries and the selfie is approved.
		op.MustJSON("POST", "/v1/jobs/"+failed.Items[0].ID+"/retry", nil, 202, nil)
		env.WaitJobs()
		if st, _ := selfieStatus(t, c); st != "approved" {
			t.Errorf("after retry, selfie %s", st)
		}
	})
	t.Run("transient errors are retried", func(t *testing.T) {
		env := apptest.New(t, apptest.Options{})
		op := env.Operator("op@example.com")
		prj := op.Project("Ball")
		c, _ := member(t, env, prj, "guest@example.com")
		env.Retina.Fail("/analyze", 503, 503, 500)
		uploadSelfie(t, c, apptest.Selfie(t, 1))
		env.WaitJobs()
		if st, _ := selfieStatus(t, c); st != "approved" {
			t.Errorf("selfie %s, want approved after retries", st)
		}
	})
	t.Run("an undecodable image is rejected as low quality", func(t *testing.T) {
		env := apptest.New(t, apptest.Options{})
		op := env.Operator("op@example.com")
		prj := op.Project("Ball")
		c, _ := member(t, env, prj, "guest@example.com")
		env.Retina.Fail("/analyze", 422)
		uploadSelfie(t, c, apptest.Selfie(t, 1))
		env.WaitJobs()
		if st, why := selfieStatus(t, c); st != "rejected" || why != "low_quality" {
			t.Errorf("selfie %s %s", st, why)
		}
	})
}

func TestMatchingIsIdempotentAndBatched(t *testing.T) {
	env := apptest.New(t, apptest.Options{})
	op := env.Operator("op@example.com")
	prj := op.Project("Marathon")
	var photos [][]byte
	for i := 0; i < 60; i++ {
		if i%3 == 0 {
			photos = append(photos, apptest.PhotoSized(t, 480, 5))
		} else {
			photos = append(photos, apptest.PhotoSized(t, 480, 6))
		}
	}
	ids := op.UploadPhotos(prj, photos...)
	env.WaitJobs()
	c, u := member(t, env, prj, "runner@example.com")
	uploadSelfie(t, c, apptest.Selfie(t, 5))
	env.WaitJobs()
	for _, r := range env.Retina.Requests() {
		if r.Path == "/cluster" && len(r.PhotoIDs) > 50 {
			t.Fatalf("a /cluster call carried %d photos", len(r.PhotoIDs))
		}
	}
	var mine struct{ Items []photoItem }
	c.MustJSON("GET", "/v1/projects/"+prj+"/my-photos?limit=100", nil, 200, &mine)
	if len(mine.Items) != 20 {
		t.Fatalf("%d photos tagged, want 20", len(mine.Items))
	}
	c.MustJSON("DELETE", "/v1/me/tags/"+ids[0], nil, 204, nil)

	// Re-running cluster_faces (from scratch) re-adds nothing removed and
	// sends no second email.
	ctx := context.Background()
	env.DB.SQL().Exec(`delete from cluster_scans`)
	if err := env.DB.Enqueue(ctx, store.JobClusterFaces, store.ClusterPayload{UserID: u.ID, ProjectID: prj}); err != nil {
		t.Fatal(err)
	}
	env.WaitJobs()
	c.MustJSON("GET", "/v1/projects/"+prj+"/my-photos?limit=100", nil, 200, &mine)
	if len(mine.Items) != 19 {
		t.Fatalf("after a re-run, %d photos tagged, want 19", len(mine.Items))
	}
	emails := 0
	for _, m := range outbox(t, op) {
		if m.Kind == store.JobNotifyUserTagged {
			emails++
		}
	}
	if emails != 1 {
		t.Errorf("%d tag emails, want 1", emails)
	}
}

func TestNoRetinaLeavesSelfiesPending(t *testing.T) {
	env := apptest.New(t, apptest.Options{NoRetina: true})
	op := env.Operator("op@example.com")
	prj := op.Project("Ball")
	c, _ := member(t, env, prj, "guest@example.com")
	uploadSelfie(t, c, apptest.Selfie(t, 1))
	env.WaitJobs()
	if st, _ := selfieStatus(t, c); st != "pending" {
		t.Fatalf("selfie %s, want pending", st)
	}
	if n, _ := env.DB.CountFailedJobs(context.Background()); n != 0 {
		t.Errorf("%d failed jobs without a face service", n)
	}
	op.MustJSON("POST", "/v1/selfies/process-pending", nil, 409, nil)
}

// myPhotos lists the attendee's tagged photo ids, sorted.
func myPhotos(t *testing.T, c *apptest.Client, prj string) []string {
	t.Helper()
	var out struct{ Items []struct{ ID string } }
	c.MustJSON("GET", "/v1/projects/"+prj+"/my-photos", nil, 200, &out)
	ids := make([]string, len(out.Items))
	for i, it := range out.Items {
		ids[i] = it.ID
	}
	slices.Sort(ids)
	return ids
}

package store_test

import (
	"context"
	"encoding/binary"
	"errors"
	"io/fs"
	"math"
	"strings"
	"testing"

	"lightbox/migrations"
	"lightbox/store"
	"lightbox/store/storetest"
)

var matching = store.Matching{Threshold: 0.58, Band: 0.08}

// person returns a unit vector of store.FaceDim values for person n, and
// near(n, sim) one whose cosine similarity with it is sim.
func person(n int) []float32 { return near(n, 1) }

func near(n int, sim float64) []float32 {
	v := make([]float32, store.FaceDim)
	v[n] = float32(sim)
	v[store.FaceDim-1-n] = float32(math.Sqrt(1 - sim*sim))
	return v
}

// faceWorld is a project with members and ready photos.
type faceWorld struct {
	t       testing.TB
	db      *store.DB
	ctx     context.Context
	project store.Project
}

func newFaceWorld(t testing.TB) *faceWorld {
	db := storetest.Open(t)
	w := &faceWorld{t: t, db: db, ctx: context.Background()}
	w.project = w.newProject("Gala")
	return w
}

func (w *faceWorld) newProject(name string) store.Project {
	p := store.Project{Name: name, Date: "2026-06-01", Timezone: "UTC", Currency: "EUR"}
	if err := w.db.CreateProject(w.ctx, &p); err != nil {
		w.t.Fatal(err)
	}
	return p
}

// member signs up an attendee in the projects; with a vector, their selfie
// is approved by the built-in engine.
func (w *faceWorld) member(email string, vec []float32, projects ...store.Project) store.User {
	w.t.Helper()
	u := store.User{Email: email, Role: store.RoleAttendee}
	if err := w.db.CreateUser(w.ctx, &u); err != nil {
		w.t.Fatal(err)
	}
	if len(projects) == 0 {
		projects = []store.Project{w.project}
	}
	for _, p := range projects {
		if _, err := w.db.CreateInvites(w.ctx, p.ID, []store.Invitee{{Email: email}}, 0, func(string) []byte { return []byte(email) }); err != nil {
			w.t.Fatal(err)
		}
	}
	if vec != nil {
		w.selfie(u, vec)
	}
	return u
}

func (w *faceWorld) selfie(u store.User, vec []float32) store.Selfie {
	w.t.Helper()
	return w.selfieFrom(u, store.EngineBuiltin, vec)
}

// selfieFrom approves a new selfie of u with the engine's vector.
func (w *faceWorld) selfieFrom(u store.User, engine string, vec []float32) store.Selfie {
	w.t.Helper()
	sf, err := w.db.CreateSelfie(w.ctx, u.ID, "image/jpeg", 1000)
	if err != nil {
		w.t.Fatal(err)
	}
	if _, err := w.db.CompleteSelfie(w.ctx, u.ID, sf.ID); err != nil {
		w.t.Fatal(err)
	}
	if err := w.db.ApproveSelfie(w.ctx, sf.ID, engine, vec); err != nil {
		w.t.Fatal(err)
	}
	return sf
}

// photo adds a ready photo of the project, indexed with these faces.
func (w *faceWorld) photo(p store.Project, faces ...[]float32) (store.Photo, store.MatchOutcome) {
	w.t.Helper()
	ph := []store.Photo{{Filename: "a.jpg", ContentType: "image/jpeg", Size: 1}}
	if err := w.db.CreatePhotos(w.ctx, p.ID, ph); err != nil {
		w.t.Fatal(err)
	}
	if _, err := w.db.CompletePhoto(w.ctx, p.ID, ph[0].ID); err != nil {
		w.t.Fatal(err)
	}
	if err := w.db.SetPhotoReady(w.ctx, ph[0].ID, store.Ready{Width: 100, Height: 100, IndexFaces: true}); err != nil {
		w.t.Fatal(err)
	}
	return ph[0], w.index(ph[0], faces...)
}

func (w *faceWorld) index(ph store.Photo, faces ...[]float32) store.MatchOutcome {
	w.t.Helper()
	vecs := make([]store.FaceVector, len(faces))
	for i, f := range faces {
		vecs[i] = store.FaceVector{Box: faceBox(i), Score: 0.9, Embedding: f}
	}
	out, err := w.db.IndexPhotoFaces(w.ctx, ph.ID, vecs, matching, 0)
	if err != nil {
		w.t.Fatal(err)
	}
	return out
}

// faceBox is where the i-th face of a photo is, as fractions of the photo.
func faceBox(i int) [4]float64 { return [4]float64{0.1 * float64(i), 0.2, 0.08, 0.12} }

func (w *faceWorld) tagged(u store.User, p store.Project) map[string]bool {
	w.t.Helper()
	tags, err := w.db.ProjectTags(w.ctx, p.ID)
	if err != nil {
		w.t.Fatal(err)
	}
	out := map[string]bool{}
	for _, tg := range tags {
		if tg.UserID == u.ID && tg.Status == store.TagConfirmed {
			out[tg.PhotoID] = true
		}
	}
	return out
}

func (w *faceWorld) count(q string, args ...any) int {
	w.t.Helper()
	var n int
	if err := w.db.SQL().QueryRowContext(w.ctx, q, args...).Scan(&n); err != nil {
		w.t.Fatal(err)
	}
	return n
}

func TestIndexedPhotoMatchesMembersSelfies(t *testing.T) {
	w := newFaceWorld(t)
	ann := w.member("ann@example.com", person(1))
	bob := w.member("bob@example.com", person(2))
	cat := w.member("cat@example.com", person(3))
	w.member("dan@example.com", nil) // no selfie yet

	// Ann clearly, Bob borderline, Cat not at all (and a stranger).
	ph, out := w.photo(w.project, near(1, 0.8), near(2, 0.55), near(3, 0.3), person(9))
	if out.Tagged != 1 || out.Reviews != 1 {
		t.Fatalf("outcome %+v, want 1 tag and 1 review", out)
	}
	if !w.tagged(ann, w.project)[ph.ID] || w.tagged(bob, w.project)[ph.ID] || w.tagged(cat, w.project)[ph.ID] {
		t.Fatal("only Ann should be tagged")
	}
	revs, err := w.db.FaceReviews(w.ctx, w.project.ID)
	if err != nil || len(revs) != 1 || revs[0].UserID != bob.ID || revs[0].PhotoID != ph.ID {
		t.Fatalf("reviews = %+v, %v; want Bob's", revs, err)
	}
	if math.Abs(revs[0].Similarity-0.55) > 1e-4 {
		t.Fatalf("review similarity %v, want 0.55", revs[0].Similarity)
	}
	if revs[0].FaceBox == nil || *revs[0].FaceBox != faceBox(1) {
		t.Fatalf("review face box %v, want Bob's face, the second: %v", revs[0].FaceBox, faceBox(1))
	}
	got, err := w.db.PhotoByID(w.ctx, ph.ID)
	if err != nil || !got.FacesIndexed || got.FaceCount != 4 {
		t.Fatalf("photo %+v, %v: want indexed with 4 faces", got, err)
	}
	if n := w.count(`select count(*) from face_vectors where project_id = ?`, w.project.ID); n != 4 {
		t.Fatalf("%d vectors stored, want 4", n)
	}
	// One digest for Ann, none for the others.
	if n := w.count(`select count(*) from tag_notify_pending`); n != 1 {
		t.Fatalf("%d digests pending, want 1", n)
	}

	// Indexing again changes nothing: same faces, no new tags or reviews.
	if out := w.index(ph, near(1, 0.8), near(2, 0.55), near(3, 0.3), person(9)); out.Tagged != 0 || out.Reviews != 0 {
		t.Fatalf("re-index %+v, want nothing new", out)
	}
	if n := w.count(`select count(*) from face_vectors`); n != 4 {
		t.Fatalf("%d vectors after re-index, want 4", n)
	}
}

func TestRemovedTagsStayRemoved(t *testing.T) {
	w := newFaceWorld(t)
	ann := w.member("ann@example.com", person(1))
	ph, _ := w.photo(w.project, near(1, 0.9))
	if err := w.db.RemoveMyTag(w.ctx, ann.ID, ph.ID); err != nil {
		t.Fatal(err)
	}
	if out := w.index(ph, near(1, 0.9)); out.Tagged != 0 {
		t.Fatalf("re-index re-added a removed tag: %+v", out)
	}
	out, err := w.db.MatchSelfie(w.ctx, ann.ID, w.project.ID, matching, 0)
	if err != nil || out.Tagged != 0 {
		t.Fatalf("selfie match %+v, %v: re-added a removed tag", out, err)
	}
	if w.tagged(ann, w.project)[ph.ID] {
		t.Fatal("removed tag came back")
	}
}

func TestSelfieMatchesProjectFacesOnly(t *testing.T) {
	w := newFaceWorld(t)
	other := w.newProject("Other event")
	// Photos first, the selfie later: the selfie is matched against the index.
	mine, _ := w.photo(w.project, near(1, 0.7), person(5))
	twice, _ := w.photo(w.project, near(1, 0.6), near(1, 0.95)) // two faces alike: one tag
	border, _ := w.photo(w.project, near(1, 0.52))
	w.photo(w.project, person(6))
	elsewhere, _ := w.photo(other, near(1, 0.99))

	ann := w.member("ann@example.com", nil)
	w.selfie(ann, person(1))
	out, err := w.db.MatchSelfie(w.ctx, ann.ID, w.project.ID, matching, 0)
	if err != nil {
		t.Fatal(err)
	}
	if out.Tagged != 2 || out.Reviews != 1 {
		t.Fatalf("outcome %+v, want 2 tags and 1 review", out)
	}
	if revs, err := w.db.FaceReviews(w.ctx, w.project.ID); err != nil || len(revs) != 1 || revs[0].PhotoID != border.ID ||
		revs[0].FaceBox == nil || *revs[0].FaceBox != faceBox(0) {
		t.Fatalf("review %+v, %v: want the borderline photo's face", revs, err)
	}
	got := w.tagged(ann, w.project)
	if !got[mine.ID] || !got[twice.ID] || got[border.ID] || len(got) != 2 {
		t.Fatalf("tags %v", got)
	}
	// Not a member of the other event: nothing happens there.
	if out, err := w.db.MatchSelfie(w.ctx, ann.ID, other.ID, matching, 0); err != nil || out.Tagged != 0 {
		t.Fatalf("non-member match %+v, %v", out, err)
	}
	if w.tagged(ann, other)[elsewhere.ID] {
		t.Fatal("tagged in a project she is not in")
	}
	// Again: idempotent.
	if out, err := w.db.MatchSelfie(w.ctx, ann.ID, w.project.ID, matching, 0); err != nil || out.Tagged != 0 || out.Reviews != 0 {
		t.Fatalf("second match %+v, %v", out, err)
	}
}

func TestProjectThreshold(t *testing.T) {
	w := newFaceWorld(t)
	strict := 0.75
	w.project.FaceThreshold = &strict
	if err := w.db.UpdateProject(w.ctx, &w.project); err != nil {
		t.Fatal(err)
	}
	ann := w.member("ann@example.com", person(1))
	ph, out := w.photo(w.project, near(1, 0.7))
	if out.Tagged != 0 || out.Reviews != 1 {
		t.Fatalf("outcome %+v at threshold 0.75, want a review only", out)
	}
	p, err := w.db.Project(w.ctx, w.project.ID)
	if err != nil || p.FaceThreshold == nil || *p.FaceThreshold != strict {
		t.Fatalf("threshold not stored: %+v, %v", p.FaceThreshold, err)
	}
	if w.tagged(ann, w.project)[ph.ID] {
		t.Fatal("tagged below the project's threshold")
	}

	// Lowering it matches again: the borderline photo is tagged and its
	// review settled. (The run after the selfie's approval comes first.)
	if _, err := w.db.MatchSelfie(w.ctx, ann.ID, w.project.ID, matching, 0); err != nil {
		t.Fatal(err)
	}
	before, err := w.db.QueueDepth(w.ctx)
	if err != nil {
		t.Fatal(err)
	}
	loose := 0.65
	w.project.FaceThreshold = &loose
	if err := w.db.UpdateProject(w.ctx, &w.project); err != nil {
		t.Fatal(err)
	}
	if d, _ := w.db.QueueDepth(w.ctx); d[store.JobClusterFaces] != before[store.JobClusterFaces]+1 {
		t.Fatalf("cluster_faces queued %d, want %d", d[store.JobClusterFaces], before[store.JobClusterFaces]+1)
	}
	if out, err := w.db.MatchSelfie(w.ctx, ann.ID, w.project.ID, matching, 0); err != nil || out.Tagged != 1 {
		t.Fatalf("match at 0.65: %+v, %v; want the photo tagged", out, err)
	}
	if revs, _ := w.db.FaceReviews(w.ctx, w.project.ID); len(revs) != 0 {
		t.Fatalf("%d reviews still open after the photo was tagged", len(revs))
	}
	// Saving other fields schedules nothing.
	w.project.Name = "Gala 2026"
	if err := w.db.UpdateProject(w.ctx, &w.project); err != nil {
		t.Fatal(err)
	}
	after, _ := w.db.QueueDepth(w.ctx)
	if after[store.JobClusterFaces] != before[store.JobClusterFaces]+1 {
		t.Fatal("a change other than the threshold scheduled face matching")
	}
}

func TestDecideFaceReview(t *testing.T) {
	w := newFaceWorld(t)
	ann := w.member("ann@example.com", person(1))
	bob := w.member("bob@example.com", person(2))
	ph, _ := w.photo(w.project, near(1, 0.54), near(2, 0.53))
	revs, err := w.db.FaceReviews(w.ctx, w.project.ID)
	if err != nil || len(revs) != 2 {
		t.Fatalf("reviews %+v, %v", revs, err)
	}
	for _, r := range revs {
		r, err := w.db.DecideFaceReview(w.ctx, r.ID, r.UserID == ann.ID, 0)
		if err != nil {
			t.Fatal(err)
		}
		want := map[bool]string{true: "accepted", false: "dismissed"}[r.UserID == ann.ID]
		if r.Status != want {
			t.Fatalf("review of %s is %s, want %s", r.UserEmail, r.Status, want)
		}
	}
	if !w.tagged(ann, w.project)[ph.ID] || w.tagged(bob, w.project)[ph.ID] {
		t.Fatal("accepting should tag Ann, dismissing should not tag Bob")
	}
	if revs, _ := w.db.FaceReviews(w.ctx, w.project.ID); len(revs) != 0 {
		t.Fatalf("%d reviews still open", len(revs))
	}
	// A dismissed match never comes back, nor does a decided one flip.
	if out := w.index(ph, near(1, 0.54), near(2, 0.53)); out.Reviews != 0 || out.Tagged != 0 {
		t.Fatalf("re-index %+v brought decided matches back", out)
	}
	if r, err := w.db.DecideFaceReview(w.ctx, revs0(t, w).ID, true, 0); err != nil || r.Status != "dismissed" {
		t.Fatalf("second decision: %+v, %v", r, err)
	}
}

func revs0(t *testing.T, w *faceWorld) store.FaceReview {
	var id string
	if err := w.db.SQL().QueryRowContext(w.ctx, `select id from face_reviews where status = 'dismissed'`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	r, err := w.db.FaceReviewByID(w.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestFaceDataGoesWithItsOwner(t *testing.T) {
	w := newFaceWorld(t)
	ann := w.member("ann@example.com", person(1))
	w.member("bob@example.com", person(2))
	ph, _ := w.photo(w.project, near(1, 0.9), near(2, 0.55))

	// Withdrawing consent deletes the selfie's vector and pending reviews.
	if err := w.db.DeleteFaceData(w.ctx, ann.ID, true); err != nil {
		t.Fatal(err)
	}
	if n := w.count(`select count(*) from selfie_vectors`); n != 1 {
		t.Fatalf("%d selfie vectors, want Bob's only", n)
	}
	// Deleting the photo deletes its faces' vectors; deleting the project
	// deletes the rest.
	if err := w.db.DeletePhoto(w.ctx, w.project.ID, ph.ID); err != nil {
		t.Fatal(err)
	}
	if n := w.count(`select count(*) from face_vectors`); n != 0 {
		t.Fatalf("%d face vectors left after the photo was deleted", n)
	}
	w.photo(w.project, person(4))
	if err := w.db.DeleteProject(w.ctx, w.project.ID); err != nil {
		t.Fatal(err)
	}
	if n := w.count(`select count(*) from face_vectors`) + w.count(`select count(*) from photo_faces`) + w.count(`select count(*) from face_reviews`); n != 0 {
		t.Fatalf("%d face rows left after the project was deleted", n)
	}
}

func TestSelfieFromTheExternalServiceNeedsAVector(t *testing.T) {
	w := newFaceWorld(t)
	ann := w.member("ann@example.com", nil)
	sf := w.selfieFrom(ann, store.EngineRetina, near(1, 1)[:store.EmbeddingDim]) // approved by the external service
	ph, _ := w.photo(w.project, near(1, 0.9))
	if _, err := w.db.MatchSelfie(w.ctx, ann.ID, w.project.ID, matching, 0); !errors.Is(err, store.ErrNoFaceVector) {
		t.Fatalf("match without a vector: %v, want ErrNoFaceVector", err)
	}
	if err := w.db.SetSelfieVector(w.ctx, sf.ID, person(1)); err != nil {
		t.Fatal(err)
	}
	if out, err := w.db.MatchSelfie(w.ctx, ann.ID, w.project.ID, matching, 0); err != nil || out.Tagged != 1 {
		t.Fatalf("match %+v, %v; want one tag", out, err)
	}
	if !w.tagged(ann, w.project)[ph.ID] {
		t.Fatal("not tagged")
	}
	// The selfie is the built-in engine's now: the service's embedding went.
	if e := w.engineOf(sf.ID); e != store.EngineBuiltin {
		t.Fatalf("engine %q after the built-in engine described it", e)
	}
	if n := w.count(`select count(*) from selfie_embeddings`); n != 0 {
		t.Fatalf("%d external embeddings kept", n)
	}
}

func (w *faceWorld) engineOf(selfieID string) string {
	w.t.Helper()
	var e string
	if err := w.db.SQL().QueryRowContext(w.ctx, `select engine from selfies where id = ?`, selfieID).Scan(&e); err != nil {
		w.t.Fatal(err)
	}
	return e
}

// TestSelfieRecordsItsEngine: the engine that approved a selfie is the one
// its caller names, recorded on the selfie; a vector of another length than
// that engine's is refused, whatever length it has.
func TestSelfieRecordsItsEngine(t *testing.T) {
	w := newFaceWorld(t)
	ann := w.member("ann@example.com", nil)
	bob := w.member("bob@example.com", nil)
	annS := w.selfieFrom(ann, store.EngineRetina, near(1, 1)[:store.EmbeddingDim])
	bobS := w.selfieFrom(bob, store.EngineBuiltin, person(2))
	if e := w.engineOf(annS.ID); e != store.EngineRetina {
		t.Errorf("external service's selfie records %q", e)
	}
	if e := w.engineOf(bobS.ID); e != store.EngineBuiltin {
		t.Errorf("built-in engine's selfie records %q", e)
	}
	if _, err := w.db.SelfieEmbedding(w.ctx, annS.ID); err != nil {
		t.Errorf("external embedding: %v", err)
	}
	if _, err := w.db.SelfieEmbedding(w.ctx, bobS.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the built-in selfie read as the service's: %v", err)
	}

	cat := w.member("cat@example.com", nil)
	for _, c := range []struct {
		engine string
		vec    []float32
	}{
		{store.EngineBuiltin, person(3)[:store.EmbeddingDim]},
		{store.EngineRetina, person(3)},
		{"", person(3)},
		{"other", person(3)[:store.EmbeddingDim]},
	} {
		sf, err := w.db.CreateSelfie(w.ctx, cat.ID, "image/jpeg", 1000)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.db.CompleteSelfie(w.ctx, cat.ID, sf.ID); err != nil {
			t.Fatal(err)
		}
		if err := w.db.ApproveSelfie(w.ctx, sf.ID, c.engine, c.vec); err == nil {
			t.Errorf("%q with %d values accepted", c.engine, len(c.vec))
		}
		if got, _ := w.db.SelfieByID(w.ctx, sf.ID); got.Status != store.SelfiePending || w.engineOf(sf.ID) != "" {
			t.Errorf("%q with %d values: selfie %s, engine %q", c.engine, len(c.vec), got.Status, w.engineOf(sf.ID))
		}
	}
	if n := w.count(`select count(*) from selfie_embeddings`) + w.count(`select count(*) from selfie_vectors`); n != 2 {
		t.Errorf("%d selfie vectors, want Ann's and Bob's", n)
	}
}

// TestMatchingReadsItsOwnEngine: the built-in engine's matching compares
// only selfies and faces recorded as its own, in both directions.
func TestMatchingReadsItsOwnEngine(t *testing.T) {
	w := newFaceWorld(t)
	ann := w.member("ann@example.com", nil)
	annS := w.selfieFrom(ann, store.EngineRetina, near(1, 1)[:store.EmbeddingDim])
	bob := w.member("bob@example.com", person(2))
	// Even a built-in vector stored beside the service's selfie is not
	// the built-in engine's to match.
	if _, err := w.db.SQL().ExecContext(w.ctx, `insert into selfie_vectors (selfie_seq, embedding) select seq, ? from selfies where id = ?`,
		vecBytes(person(1)), annS.ID); err != nil {
		t.Fatal(err)
	}

	// A new photo's faces meet Bob's selfie only.
	ph, out := w.photo(w.project, person(1), near(2, 0.9))
	if out.Compared != 2 || out.Tagged != 1 || !w.tagged(bob, w.project)[ph.ID] || len(w.tagged(ann, w.project)) != 0 {
		t.Fatalf("indexing %+v, tags %v %v; want Bob's selfie compared with both faces", out, w.tagged(ann, w.project), w.tagged(bob, w.project))
	}
	// A face another engine recorded is not one of the index's, even with
	// a vector in it.
	other, _ := w.photo(w.project)
	var faceID int64
	if err := w.db.SQL().QueryRowContext(w.ctx, `insert into photo_faces (photo_id, project_id, engine, dim, x, y, w, h, score)
		values (?, ?, 'retina', 1024, 0, 0, 0.1, 0.1, 0.9) returning id`, other.ID, w.project.ID).Scan(&faceID); err != nil {
		t.Fatal(err)
	}
	if _, err := w.db.SQL().ExecContext(w.ctx, `insert into face_vectors (face_id, project_id, embedding, photo_id) values (?, ?, ?, ?)`,
		faceID, w.project.ID, vecBytes(person(2)), other.ID); err != nil {
		t.Fatal(err)
	}
	if out, err := w.db.MatchSelfie(w.ctx, bob.ID, w.project.ID, matching, 0); err != nil || w.tagged(bob, w.project)[other.ID] {
		t.Fatalf("match %+v, %v: tagged through another engine's face", out, err)
	}
	if _, err := w.db.MatchSelfie(w.ctx, ann.ID, w.project.ID, matching, 0); !errors.Is(err, store.ErrNoFaceVector) {
		t.Fatalf("the service's selfie matched by the built-in engine: %v", err)
	}
}

func vecBytes(v []float32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b
}

func TestReadyPhotoQueuesIndexing(t *testing.T) {
	w := newFaceWorld(t)
	w.member("ann@example.com", person(1))
	ph := []store.Photo{{Filename: "a.jpg", ContentType: "image/jpeg", Size: 1}, {Filename: "b.jpg", ContentType: "image/jpeg", Size: 1}}
	if err := w.db.CreatePhotos(w.ctx, w.project.ID, ph); err != nil {
		t.Fatal(err)
	}
	for _, p := range ph {
		if _, err := w.db.CompletePhoto(w.ctx, w.project.ID, p.ID); err != nil {
			t.Fatal(err)
		}
	}
	before, err := w.db.QueueDepth(w.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.db.SetPhotoReady(w.ctx, ph[0].ID, store.Ready{IndexFaces: true}); err != nil {
		t.Fatal(err)
	}
	depth, err := w.db.QueueDepth(w.ctx)
	if err != nil || depth[store.JobIndexFaces] != 1 || depth[store.JobClusterFaces] != before[store.JobClusterFaces] {
		t.Fatalf("queue %v, %v: want one index_faces and no new cluster_faces", depth, err)
	}
	// Photos processed without the engine are swept up later.
	if err := w.db.SetPhotoReady(w.ctx, ph[1].ID, store.Ready{}); err != nil {
		t.Fatal(err)
	}
	if n, err := w.db.EnqueueUnindexedPhotos(w.ctx); err != nil || n != 2 {
		t.Fatalf("swept %d, %v; want both photos", n, err)
	}
}

// TestMigrationRecordsSelfieEngines: selfies stored before every selfie
// recorded its engine get the engine whose vector they hold, and lose any
// vector of another engine.
func TestMigrationRecordsSelfieEngines(t *testing.T) {
	w := newFaceWorld(t)
	ann := w.member("ann@example.com", nil)
	bob := w.member("bob@example.com", nil)
	cat := w.member("cat@example.com", nil)
	annS := w.selfieFrom(ann, store.EngineRetina, near(1, 1)[:store.EmbeddingDim])
	bobS := w.selfieFrom(bob, store.EngineRetina, near(2, 1)[:store.EmbeddingDim])
	catS, err := w.db.CreateSelfie(w.ctx, cat.ID, "image/jpeg", 1000)
	if err != nil {
		t.Fatal(err)
	}
	// As the schema before it left them: Bob's selfie described by the
	// built-in engine but still marked 'retina', Cat's pending one with
	// the column's default.
	for _, q := range []string{
		`insert into selfie_vectors (selfie_seq, embedding) select seq, x'` + strings.Repeat("00", 4*store.FaceDim) + `' from selfies where id = '` + bobS.ID + `'`,
		`update selfies set engine = 'retina' where id = '` + catS.ID + `'`,
	} {
		if _, err := w.db.SQL().ExecContext(w.ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	body, err := fs.ReadFile(migrations.FS, "0005_selfie_engine.sql")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.db.SQL().ExecContext(w.ctx, string(body)); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]string{annS.ID: store.EngineRetina, bobS.ID: store.EngineBuiltin, catS.ID: ""} {
		if got := w.engineOf(id); got != want {
			t.Errorf("selfie %s: engine %q, want %q", id, got, want)
		}
	}
	if n := w.count(`select count(*) from selfie_embeddings`); n != 1 {
		t.Errorf("%d external embeddings, want Ann's", n)
	}
}

package store_test

import (
	"testing"

	"lightbox/store"
)

// accept has the operator accept the attendee's open review of the photo.
func (w *faceWorld) accept(u store.User, ph store.Photo, yes bool) {
	w.t.Helper()
	revs, err := w.db.FaceReviews(w.ctx, w.project.ID)
	if err != nil {
		w.t.Fatal(err)
	}
	for _, r := range revs {
		if r.UserID == u.ID && r.PhotoID == ph.ID {
			if _, err := w.db.DecideFaceReview(w.ctx, r.ID, yes, 0); err != nil {
				w.t.Fatal(err)
			}
			return
		}
	}
	w.t.Fatalf("no open review of %s for %s in %+v", ph.ID, u.Email, revs)
}

func (w *faceWorld) match(u store.User) store.MatchOutcome {
	w.t.Helper()
	out, err := w.db.MatchSelfie(w.ctx, u.ID, w.project.ID, matching, 0)
	if err != nil {
		w.t.Fatal(err)
	}
	return out
}

// TestAcceptedFacesAreReferences: a face an operator accepts from the
// review list is one of the attendee's references, so a photo of that view
// too far from the selfie is tagged, by matching again and when indexed;
// after "not me" on the accepted photo, it is a reference no more.
func TestAcceptedFacesAreReferences(t *testing.T) {
	w := newFaceWorld(t)
	ann := w.member("ann@example.com", person(1))
	// Ann turned aside: 0.54 from her selfie (listed for review), and
	// another photo of that view at 0.45 (not even listed), 0.99 from it.
	side, _ := w.photo(w.project, near(1, 0.54))
	later, out := w.photo(w.project, near(1, 0.45))
	if out.Tagged+out.Reviews != 0 {
		t.Fatalf("far view: %+v before any confirmation", out)
	}
	w.match(ann) // the run the selfie's approval queued
	before, _ := w.db.QueueDepth(w.ctx)
	w.accept(ann, side, true)
	if d, _ := w.db.QueueDepth(w.ctx); d[store.JobClusterFaces] != before[store.JobClusterFaces]+1 {
		t.Fatalf("accepting queued cluster_faces %d times, want once", d[store.JobClusterFaces]-before[store.JobClusterFaces])
	}
	if out := w.match(ann); out.Tagged != 1 || !w.tagged(ann, w.project)[later.ID] {
		t.Fatalf("matching again %+v: the far view is not tagged", out)
	}
	newer, out := w.photo(w.project, near(1, 0.45))
	if out.Tagged != 1 || !w.tagged(ann, w.project)[newer.ID] {
		t.Fatalf("indexing the far view %+v: not tagged", out)
	}

	// "Not me" on the accepted photo: it stays removed, and its face no
	// longer speaks for Ann.
	if err := w.db.RemoveMyTag(w.ctx, ann.ID, side.ID); err != nil {
		t.Fatal(err)
	}
	w.match(ann)
	if w.tagged(ann, w.project)[side.ID] {
		t.Fatal("a photo marked not me came back")
	}
	if _, out := w.photo(w.project, near(1, 0.45)); out.Tagged != 0 {
		t.Fatalf("indexing after not me %+v: tagged through the rejected face", out)
	}
}

// TestDismissedMatchStays: a photo the operator dismissed for an attendee
// is not tagged for them later, even when a match reaches the threshold.
func TestDismissedMatchStays(t *testing.T) {
	w := newFaceWorld(t)
	ann := w.member("ann@example.com", person(1))
	ph, _ := w.photo(w.project, near(1, 0.54))
	w.accept(ann, ph, false)
	loose := 0.5
	w.project.FaceThreshold = &loose
	if err := w.db.UpdateProject(w.ctx, &w.project); err != nil {
		t.Fatal(err)
	}
	if out := w.match(ann); out.Tagged != 0 || w.tagged(ann, w.project)[ph.ID] {
		t.Fatalf("match %+v: the dismissed photo is tagged", out)
	}
}

// TestReferencesGoWithTheFaceData: deleting the selfie, withdrawing
// consent or deleting the account deletes the accepted faces' standing as
// references too.
func TestReferencesGoWithTheFaceData(t *testing.T) {
	for _, how := range []string{"selfie", "consent", "account"} {
		t.Run(how, func(t *testing.T) {
			w := newFaceWorld(t)
			ann := w.member("ann@example.com", person(1))
			side, _ := w.photo(w.project, near(1, 0.54))
			w.accept(ann, side, true)
			switch how {
			case "selfie", "consent":
				if err := w.db.DeleteFaceData(w.ctx, ann.ID, how == "consent"); err != nil {
					t.Fatal(err)
				}
			case "account":
				if _, err := w.db.SQL().ExecContext(w.ctx, `delete from users where id = ?`, ann.ID); err != nil {
					t.Fatal(err)
				}
			}
			if n := w.count(`select count(*) from face_reviews where user_id = ?`, ann.ID); n != 0 {
				t.Fatalf("%d accepted faces kept", n)
			}
			if how == "account" {
				return
			}
			w.selfie(ann, person(1)) // a new selfie starts from itself alone
			if _, out := w.photo(w.project, near(1, 0.45)); out.Tagged != 0 {
				t.Fatalf("indexing %+v: tagged through a face accepted before the deletion", out)
			}
		})
	}
}

// TestIndexingAgainKeepsAcceptedFaces: a photo indexed again (a retried
// job, a newer detector) finds its faces in another order. The face the
// operator accepted stays the attendee's reference by where it is, not
// by its row, so another person in the photo never speaks for them.
func TestIndexingAgainKeepsAcceptedFaces(t *testing.T) {
	w := newFaceWorld(t)
	ann := w.member("ann@example.com", person(1))
	at := func(i int, v []float32) store.FaceVector {
		return store.FaceVector{Box: faceBox(i), Score: 0.9, Embedding: v}
	}
	index := func(ph store.Photo, faces ...store.FaceVector) store.MatchOutcome {
		t.Helper()
		out, err := w.db.IndexPhotoFaces(w.ctx, ph.ID, faces, matching, 0)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	side, _ := w.photo(w.project)
	index(side, at(0, person(2)), at(1, near(1, 0.54)))
	w.accept(ann, side, true)

	// The same two faces, found the other way round, one a little moved.
	moved := faceBox(1)
	moved[0] += 0.01
	index(side, store.FaceVector{Box: moved, Score: 0.9, Embedding: near(1, 0.54)}, at(0, person(2)))
	var x float64
	if err := w.db.SQL().QueryRowContext(w.ctx, `select f.x from face_reviews r join photo_faces f on f.id = r.face_id
		where r.user_id = ? and r.photo_id = ?`, ann.ID, side.ID).Scan(&x); err != nil {
		t.Fatal(err)
	}
	if x != moved[0] {
		t.Fatalf("the accepted review is about the face at x=%v, want Ann's at %v", x, moved[0])
	}
	if _, out := w.photo(w.project, person(2)); out.Tagged != 0 {
		t.Fatalf("a photo of someone else %+v: tagged for Ann", out)
	}
	if _, out := w.photo(w.project, near(1, 0.45)); out.Tagged != 1 {
		t.Fatalf("Ann's far view %+v: not tagged through her accepted face", out)
	}

	// Indexed again without that face: the review names no face, and is
	// no reference.
	index(side, at(0, person(2)))
	if n := w.count(`select count(*) from face_reviews where photo_id = ? and face_id is not null`, side.ID); n != 0 {
		t.Fatalf("%d reviews name a face the photo no longer has", n)
	}
	if _, out := w.photo(w.project, near(1, 0.45)); out.Tagged != 0 {
		t.Fatalf("a far view %+v: tagged through a face that is gone", out)
	}
}

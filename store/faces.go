package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Face engines, as recorded on every selfie and face: matching reads only
// the rows of its own engine.
const (
	EngineRetina  = "retina"  // the external face service: 512 values
	EngineBuiltin = "builtin" // the built-in engine: FaceDim values
)

// FaceDim is the length of the built-in engine's face vectors.
const FaceDim = 1024

// maxKNN is sqlite-vec's largest k: a selfie is matched against at most
// this many of an event's faces nearest to it.
const maxKNN = 4096

// ErrNoFaceVector reports an approved selfie that the built-in engine has
// not described (its engine is the external face service).
var ErrNoFaceVector = errors.New("selfie has no built-in face vector")

// IndexFacesPayload asks index_faces to find and describe a photo's faces.
type IndexFacesPayload struct {
	PhotoID string `json:"photoId"`
}

// FaceVector is one face the built-in engine found in a photo.
type FaceVector struct {
	Box       [4]float64 // x, y, width, height, as fractions of the photo's width and height
	Score     float64    // detector confidence
	Embedding []float32  // FaceDim values
}

// Matching says what a cosine similarity between a selfie and a face
// means: from Threshold up it is the attendee and the photo is tagged;
// within Band below Threshold it goes to an operator's review list.
type Matching struct {
	Threshold float64
	Band      float64
}

// forProject applies a project's own threshold, if it has one.
func (m Matching) forProject(threshold sql.NullFloat64) Matching {
	if threshold.Valid {
		m.Threshold = threshold.Float64
	}
	return m
}

// maxDistance is the cosine distance up to which a face is worth a look.
func (m Matching) maxDistance() float64 { return 1 - (m.Threshold - m.Band) }

// MatchOutcome counts what one matching run changed.
type MatchOutcome struct {
	Tagged   int // new confirmed tags
	Reviews  int // new borderline matches for review
	Compared int // faces or selfies compared
}

// IndexPhotoFaces stores the faces found in a ready photo (replacing any
// stored before, so a re-run is harmless) and matches them against the
// approved selfies of the project's members: new tags at or above the
// project's threshold, review entries just below it, and one tag digest
// scheduled per attendee with new tags. Tags a person removed stay
// removed. A photo deleted or not ready meanwhile is left alone.
func (db *DB) IndexPhotoFaces(ctx context.Context, photoID string, faces []FaceVector, m Matching, digestDelay time.Duration) (MatchOutcome, error) {
	for _, f := range faces {
		if len(f.Embedding) != FaceDim {
			return MatchOutcome{}, fmt.Errorf("%s face vector has %d values, want %d", EngineBuiltin, len(f.Embedding), FaceDim)
		}
	}
	var out MatchOutcome
	err := db.tx(ctx, func(tx *sql.Tx) error {
		out = MatchOutcome{}
		var projectID, status string
		var threshold sql.NullFloat64
		err := tx.QueryRowContext(ctx, `select p.project_id, p.status, j.face_threshold from photos p join projects j on j.id = p.project_id
			where p.id = ?`, photoID).Scan(&projectID, &status, &threshold)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && status != PhotoReady) {
			return nil
		}
		if err != nil {
			return err
		}
		pm := m.forProject(threshold)
		reviewed, err := reviewedFaces(ctx, tx, photoID)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `delete from photo_faces where photo_id = ?`, photoID); err != nil {
			return err
		}
		ids := make([]int64, len(faces))
		for i, f := range faces {
			var id int64
			if err := tx.QueryRowContext(ctx, `insert into photo_faces (photo_id, project_id, engine, dim, x, y, w, h, score)
				values (?, ?, ?, ?, ?, ?, ?, ?, ?) returning id`, photoID, projectID, EngineBuiltin, FaceDim,
				f.Box[0], f.Box[1], f.Box[2], f.Box[3], f.Score).Scan(&id); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `insert into face_vectors (face_id, project_id, embedding, photo_id) values (?, ?, ?, ?)`,
				id, projectID, vecBlob(f.Embedding), photoID); err != nil {
				return err
			}
			ids[i] = id
		}
		if err := repointReviews(ctx, tx, reviewed, faces, ids); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `update photos set faces_indexed_at = ?, face_count = ? where id = ?`,
			fmtTime(db.now()), len(faces), photoID); err != nil {
			return err
		}
		// Each member's best similarity over the photo's faces and their
		// references.
		refs, err := projectReferences(ctx, tx, projectID)
		if err != nil {
			return err
		}
		best := map[string]float64{}
		bestFace := map[string]int64{}
		for i, f := range faces {
			for user, rs := range refs {
				out.Compared++
				sim := bestSimilarity(rs, f.Embedding)
				if b, ok := best[user]; !ok || sim > b {
					best[user], bestFace[user] = sim, ids[i]
				}
			}
		}
		for user, sim := range best {
			tagged, reviewed, err := db.recordMatch(ctx, tx, pm, projectID, photoID, user, sim, bestFace[user])
			if err != nil {
				return err
			}
			out.Tagged += tagged
			out.Reviews += reviewed
			if tagged > 0 {
				if err := db.scheduleTagDigest(ctx, tx, user, projectID, digestDelay); err != nil {
					return err
				}
			}
		}
		return nil
	})
	return out, err
}

// reviewedFace is where the face a review is about was, by review.
type reviewedFace struct {
	review string
	box    [4]float64
}

// reviewedFaces returns the reviews of the photo that name a face, with
// that face's box.
func reviewedFaces(ctx context.Context, tx *sql.Tx, photoID string) ([]reviewedFace, error) {
	rows, err := tx.QueryContext(ctx, `select r.id, f.x, f.y, f.w, f.h from face_reviews r join photo_faces f on f.id = r.face_id
		where r.photo_id = ?`, photoID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []reviewedFace
	for rows.Next() {
		var r reviewedFace
		if err := rows.Scan(&r.review, &r.box[0], &r.box[1], &r.box[2], &r.box[3]); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// repointReviews points each review at the newly stored face in the place
// of the one it was about (boxes overlapping by at least half), or at none.
// Face ids are row ids and are reused, so without this a photo indexed
// again could have an operator's accepted face, a reference of the
// attendee's, name another person's face.
func repointReviews(ctx context.Context, tx *sql.Tx, reviewed []reviewedFace, faces []FaceVector, ids []int64) error {
	for _, r := range reviewed {
		var face any // null: the face is not found again
		best := 0.5
		for i, f := range faces {
			if iou := boxIoU(r.box, f.Box); iou >= best {
				face, best = ids[i], iou
			}
		}
		if _, err := tx.ExecContext(ctx, `update face_reviews set face_id = ? where id = ?`, face, r.review); err != nil {
			return err
		}
	}
	return nil
}

// boxIoU is the intersection over union of two x, y, width, height boxes.
func boxIoU(a, b [4]float64) float64 {
	w := min(a[0]+a[2], b[0]+b[2]) - max(a[0], b[0])
	h := min(a[1]+a[3], b[1]+b[3]) - max(a[1], b[1])
	if w <= 0 || h <= 0 {
		return 0
	}
	inter := w * h
	return inter / (a[2]*a[3] + b[2]*b[3] - inter)
}

// recordMatch tags the photo for the user, or lists it for review (with the
// face it is about), as the similarity says. An existing tag, confirmed or
// removed, is never touched, nor is a review already decided; a photo an
// operator dismissed for the user is not tagged.
func (db *DB) recordMatch(ctx context.Context, tx *sql.Tx, m Matching, projectID, photoID, userID string, sim float64, faceID int64) (tagged, reviewed int, err error) {
	now := fmtTime(db.now())
	switch {
	case sim >= m.Threshold:
		// An operator's dismissal stands, like a removed tag.
		res, err := tx.ExecContext(ctx, `insert or ignore into tags (id, project_id, photo_id, user_id, status, created_at, updated_at)
			select ?, ?, ?, ?, 'confirmed', ?, ?
			where not exists (select 1 from face_reviews where photo_id = ? and user_id = ? and status = 'dismissed')`,
			NewID("tag"), projectID, photoID, userID, now, now, photoID, userID)
		if err != nil {
			return 0, 0, err
		}
		n, _ := res.RowsAffected()
		// A review waiting on this match is settled by the threshold now.
		if _, err := tx.ExecContext(ctx, `update face_reviews set status = 'accepted', decided_by = 'threshold', updated_at = ?
			where photo_id = ? and user_id = ? and status = 'open'`, now, photoID, userID); err != nil {
			return 0, 0, err
		}
		return int(n), 0, nil
	case sim >= m.Threshold-m.Band:
		res, err := tx.ExecContext(ctx, `insert or ignore into face_reviews (id, project_id, photo_id, user_id, similarity, face_id, created_at, updated_at)
			select ?, ?, ?, ?, ?, ?, ?, ? where not exists (select 1 from tags where photo_id = ? and user_id = ?)`,
			NewID("rev"), projectID, photoID, userID, sim, faceID, now, now, photoID, userID)
		if err != nil {
			return 0, 0, err
		}
		n, _ := res.RowsAffected()
		return 0, int(n), nil
	}
	return 0, 0, nil
}

// MatchSelfie matches the user's references (the approved selfie and the
// faces an operator accepted as theirs) against every face indexed in the
// project, one KNN query each, a photo scoring its best, tagging and
// listing for review as IndexPhotoFaces does, and clears the pair's pending
// cluster mark. It returns ErrNoFaceVector when the selfie has not been described
// by the built-in engine; without membership or an approved selfie there is
// nothing to do.
func (db *DB) MatchSelfie(ctx context.Context, userID, projectID string, m Matching, digestDelay time.Duration) (MatchOutcome, error) {
	if err := db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `delete from cluster_pending where user_id = ? and project_id = ?`, userID, projectID)
		return err
	}); err != nil {
		return MatchOutcome{}, err
	}
	var selfieID, engine string
	var vec []byte
	var threshold sql.NullFloat64
	err := db.sql.QueryRowContext(ctx, `select s.id, s.engine, v.embedding, j.face_threshold
		from project_members m join projects j on j.id = m.project_id
		join selfies s on s.user_id = m.user_id and s.status = 'approved'
		left join selfie_vectors v on v.selfie_seq = s.seq
		where m.user_id = ? and m.project_id = ? order by s.seq desc limit 1`, userID, projectID).Scan(&selfieID, &engine, &vec, &threshold)
	if errors.Is(err, sql.ErrNoRows) {
		return MatchOutcome{}, nil
	}
	if err != nil {
		return MatchOutcome{}, err
	}
	if engine != EngineBuiltin || vec == nil {
		return MatchOutcome{}, ErrNoFaceVector
	}
	m = m.forProject(threshold)
	refs, err := userReferences(ctx, db.sql, userID)
	if err != nil {
		return MatchOutcome{}, err
	}

	// The KNN queries read only; the writes follow in one transaction.
	// Only faces the built-in engine recorded count.
	best := map[string]float64{}
	bestFace := map[string]int64{}
	var order []string
	for _, ref := range refs {
		rows, err := db.sql.QueryContext(ctx, `with knn as (select face_id, photo_id, distance from face_vectors
				where embedding match ? and k = ? and project_id = ? and distance <= ?)
			select knn.face_id, knn.photo_id, knn.distance from knn join photo_faces f on f.id = knn.face_id and f.engine = ?
			order by knn.distance`,
			vecBlob(ref), maxKNN, projectID, m.maxDistance(), EngineBuiltin)
		if err != nil {
			return MatchOutcome{}, err
		}
		for rows.Next() {
			var faceID int64
			var photoID string
			var d float64
			if err := rows.Scan(&faceID, &photoID, &d); err != nil {
				rows.Close()
				return MatchOutcome{}, err
			}
			sim, seen := best[photoID]
			if !seen {
				order = append(order, photoID)
			}
			if !seen || 1-d > sim { // the photo's closest face to any reference
				best[photoID], bestFace[photoID] = 1-d, faceID
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return MatchOutcome{}, err
		}
	}

	var out MatchOutcome
	err = db.tx(ctx, func(tx *sql.Tx) error {
		out = MatchOutcome{Compared: len(order)}
		var status string
		if err := tx.QueryRowContext(ctx, `select status from selfies where id = ?`, selfieID).Scan(&status); err != nil || status != SelfieApproved {
			return nil // replaced or withdrawn meanwhile
		}
		for _, photoID := range order {
			tagged, reviewed, err := db.recordMatch(ctx, tx, m, projectID, photoID, userID, best[photoID], bestFace[photoID])
			if err != nil {
				return err
			}
			out.Tagged += tagged
			out.Reviews += reviewed
		}
		if out.Tagged > 0 {
			return db.scheduleTagDigest(ctx, tx, userID, projectID, digestDelay)
		}
		return nil
	})
	return out, err
}

// SetSelfieVector hands a selfie the external face service approved over
// to the built-in engine, which found it usable too: the selfie's engine
// becomes EngineBuiltin, with this vector in place of the service's
// embedding, so the face index can match it.
func (db *DB) SetSelfieVector(ctx context.Context, selfieID string, embedding []float32) error {
	if _, err := selfieTable(EngineBuiltin, embedding); err != nil {
		return err
	}
	return db.tx(ctx, func(tx *sql.Tx) error {
		var seq int64
		if err := tx.QueryRowContext(ctx, `select seq from selfies where id = ? and status = 'approved'`, selfieID).Scan(&seq); err != nil {
			return mapErr(err)
		}
		for _, q := range []string{`delete from selfie_vectors where selfie_seq = ?`, `delete from selfie_embeddings where selfie_seq = ?`} {
			if _, err := tx.ExecContext(ctx, q, seq); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `update selfies set engine = ?, updated_at = ? where seq = ?`, EngineBuiltin, fmtTime(db.now()), seq); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `insert into selfie_vectors (selfie_seq, embedding) values (?, ?)`, seq, vecBlob(embedding))
		return err
	})
}

// EnqueueUnindexedPhotos queues index_faces for every ready photo whose
// faces are not indexed yet, for when the built-in engine starts on photos
// processed without it.
func (db *DB) EnqueueUnindexedPhotos(ctx context.Context) (int, error) {
	ids, err := textColumn(db.sql.QueryContext(ctx, `select id from photos where status = 'ready' and faces_indexed_at is null order by id`))
	if err != nil {
		return 0, err
	}
	return db.enqueueEach(ctx, JobIndexFaces, ids, func(id string) any { return IndexFacesPayload{PhotoID: id} })
}

// FaceReview is a borderline match waiting for an operator.
type FaceReview struct {
	ID         string    `json:"id"`
	ProjectID  string    `json:"projectId"`
	PhotoID    string    `json:"photoId"`
	UserID     string    `json:"userId"`
	UserEmail  string    `json:"userEmail"`
	UserName   string    `json:"userName"`
	Similarity float64   `json:"similarity"`
	Status     string    `json:"status"`
	CreatedAt  time.Time `json:"createdAt"`
	// FaceBox is the face the match is about: x, y, width, height as
	// fractions of the photo's width and height.
	FaceBox *[4]float64 `json:"faceBox,omitempty"`
}

const reviewQuery = `select r.id, r.project_id, r.photo_id, r.user_id, u.email, u.name, r.similarity, r.status, r.created_at,
	f.x, f.y, f.w, f.h
	from face_reviews r join users u on u.id = r.user_id left join photo_faces f on f.id = r.face_id`

func scanReview(row interface{ Scan(...any) error }, r *FaceReview) error {
	var created string
	var box [4]sql.NullFloat64
	if err := row.Scan(&r.ID, &r.ProjectID, &r.PhotoID, &r.UserID, &r.UserEmail, &r.UserName, &r.Similarity, &r.Status, &created,
		&box[0], &box[1], &box[2], &box[3]); err != nil {
		return mapErr(err)
	}
	r.CreatedAt = parseTime(created)
	if box[0].Valid {
		r.FaceBox = &[4]float64{box[0].Float64, box[1].Float64, box[2].Float64, box[3].Float64}
	}
	return nil
}

// FaceReviews lists a project's open borderline matches, closest first.
func (db *DB) FaceReviews(ctx context.Context, projectID string) ([]FaceReview, error) {
	rows, err := db.sql.QueryContext(ctx, reviewQuery+` where r.project_id = ? and r.status = 'open' order by r.similarity desc, r.id`, projectID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []FaceReview{}
	for rows.Next() {
		var r FaceReview
		if err := scanReview(rows, &r); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// FaceReviewByID finds a review entry.
func (db *DB) FaceReviewByID(ctx context.Context, id string) (FaceReview, error) {
	var r FaceReview
	err := scanReview(db.sql.QueryRowContext(ctx, reviewQuery+` where r.id = ?`, id), &r)
	return r, err
}

// DecideFaceReview accepts a borderline match, which tags the photo (unless
// a person removed that tag), makes its face one of the attendee's
// references, matching the project again with it, and schedules the
// attendee's digest; or dismisses it for good: the photo is not tagged for
// the attendee, even by a later match. Deciding twice keeps the first
// decision.
func (db *DB) DecideFaceReview(ctx context.Context, id string, accept bool, digestDelay time.Duration) (FaceReview, error) {
	var r FaceReview
	err := db.tx(ctx, func(tx *sql.Tx) error {
		if err := scanReview(tx.QueryRowContext(ctx, reviewQuery+` where r.id = ?`, id), &r); err != nil {
			return err
		}
		if r.Status != "open" {
			return nil
		}
		r.Status = "dismissed"
		if accept {
			r.Status = "accepted"
		}
		now := fmtTime(db.now())
		if _, err := tx.ExecContext(ctx, `update face_reviews set status = ?, decided_by = 'operator', updated_at = ? where id = ?`, r.Status, now, id); err != nil {
			return err
		}
		if !accept {
			return nil
		}
		// The accepted face is one of the attendee's references now: match
		// the project's photos again with it.
		if err := db.scheduleCluster(ctx, tx, r.UserID, r.ProjectID, 0); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `insert or ignore into tags (id, project_id, photo_id, user_id, status, created_at, updated_at)
			values (?, ?, ?, ?, 'confirmed', ?, ?)`, NewID("tag"), r.ProjectID, r.PhotoID, r.UserID, now, now)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n > 0 {
			return db.scheduleTagDigest(ctx, tx, r.UserID, r.ProjectID, digestDelay)
		}
		return nil
	})
	return r, err
}

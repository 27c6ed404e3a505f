package store

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"
)

// Selfie statuses.
const (
	SelfieUploading = "uploading"
	SelfiePending   = "pending"
	SelfieApproved  = "approved"
	SelfieRejected  = "rejected"
)

// EmbeddingDim is the length of a face embedding from the external face
// service; the built-in engine's are FaceDim long.
const EmbeddingDim = 512

// selfieTable is the table of an engine's selfie vectors, once the vector
// is checked to be that engine's: the engine is stated by whoever made the
// vector, never guessed from its length.
func selfieTable(engine string, v []float32) (string, error) {
	dim, table := 0, ""
	switch engine {
	case EngineRetina:
		dim, table = EmbeddingDim, "selfie_embeddings"
	case EngineBuiltin:
		dim, table = FaceDim, "selfie_vectors"
	default:
		return "", fmt.Errorf("unknown face engine %q", engine)
	}
	if len(v) != dim {
		return "", fmt.Errorf("%s selfie vector has %d values, want %d", engine, len(v), dim)
	}
	return table, nil
}

// Selfie is an attendee's reference photo for face matching.
type Selfie struct {
	ID              string    `json:"id"`
	UserID          string    `json:"-"`
	Key             string    `json:"-"`
	ContentType     string    `json:"-"`
	Size            int64     `json:"-"`
	Status          string    `json:"status"`
	RejectionReason string    `json:"rejectionReason,omitempty"`
	CreatedAt       time.Time `json:"createdAt"`
}

const selfieCols = `id, user_id, object_key, content_type, size, status, rejection_reason, created_at`

func scanSelfie(row interface{ Scan(...any) error }, s *Selfie) error {
	var created string
	if err := row.Scan(&s.ID, &s.UserID, &s.Key, &s.ContentType, &s.Size, &s.Status, &s.RejectionReason, &created); err != nil {
		return mapErr(err)
	}
	s.CreatedAt = parseTime(created)
	return nil
}

// CreateSelfie records a selfie about to be uploaded, under
// selfies/{userId}/{timestamp}.jpg.
func (db *DB) CreateSelfie(ctx context.Context, userID, contentType string, size int64) (Selfie, error) {
	now := db.now()
	s := Selfie{ID: NewID("sf"), UserID: userID, ContentType: contentType, Size: size, Status: SelfieUploading, CreatedAt: now,
		Key: "selfies/" + userID + "/" + strconv.FormatInt(now.UnixMilli(), 10) + ".jpg"}
	err := db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `insert into selfies (id, seq, user_id, object_key, content_type, size, status, engine, created_at, updated_at)
			values (?, (select coalesce(max(seq), 0) + 1 from selfies), ?, ?, ?, ?, ?, '', ?, ?)`,
			s.ID, userID, s.Key, contentType, size, s.Status, fmtTime(now), fmtTime(now))
		return mapErr(err)
	})
	return s, err
}

// SelfiePayload identifies a selfie for process_selfie.
type SelfiePayload struct {
	SelfieID string `json:"selfieId"`
}

// CompleteSelfie marks an uploaded selfie pending and enqueues
// process_selfie; completing twice is harmless.
func (db *DB) CompleteSelfie(ctx context.Context, userID, selfieID string) (Selfie, error) {
	var s Selfie
	err := db.tx(ctx, func(tx *sql.Tx) error {
		if err := scanSelfie(tx.QueryRowContext(ctx, `select `+selfieCols+` from selfies where id = ? and user_id = ?`, selfieID, userID), &s); err != nil {
			return err
		}
		if s.Status != SelfieUploading {
			return nil
		}
		s.Status = SelfiePending
		if _, err := tx.ExecContext(ctx, `update selfies set status = 'pending', updated_at = ? where id = ?`, fmtTime(db.now()), s.ID); err != nil {
			return err
		}
		return db.enqueue(ctx, tx, JobProcessSelfie, SelfiePayload{SelfieID: s.ID}, 0)
	})
	return s, err
}

// SelfieByID finds a selfie, for jobs.
func (db *DB) SelfieByID(ctx context.Context, id string) (Selfie, error) {
	var s Selfie
	err := scanSelfie(db.sql.QueryRowContext(ctx, `select `+selfieCols+` from selfies where id = ?`, id), &s)
	return s, err
}

// CurrentSelfie is the user's newest uploaded selfie.
func (db *DB) CurrentSelfie(ctx context.Context, userID string) (Selfie, error) {
	var s Selfie
	err := scanSelfie(db.sql.QueryRowContext(ctx, `select `+selfieCols+` from selfies where user_id = ? and status != 'uploading'
		order by seq desc limit 1`, userID), &s)
	return s, err
}

// PendingSelfies lists selfies waiting for the face service.
func (db *DB) PendingSelfies(ctx context.Context) ([]string, error) {
	return textColumn(db.sql.QueryContext(ctx, `select id from selfies where status = 'pending' order by seq`))
}

// EnqueuePendingSelfies queues process_selfie for every pending selfie,
// for when the face service is configured after selfies arrived.
func (db *DB) EnqueuePendingSelfies(ctx context.Context) (int, error) {
	ids, err := db.PendingSelfies(ctx)
	if err != nil {
		return 0, err
	}
	return db.enqueueEach(ctx, JobProcessSelfie, ids, func(id string) any { return SelfiePayload{SelfieID: id} })
}

// ApproveSelfie stores the selfie's embedding from the named engine
// (EngineRetina or EngineBuiltin, which must have made a vector of that
// engine's length), records the engine on the selfie, replaces the user's
// older selfies (rows, embeddings and, through a cleanup job, their files)
// and schedules face matching in each of the user's projects.
func (db *DB) ApproveSelfie(ctx context.Context, selfieID, engine string, embedding []float32) error {
	table, err := selfieTable(engine, embedding)
	if err != nil {
		return err
	}
	return db.tx(ctx, func(tx *sql.Tx) error {
		var userID, status string
		var seq int64
		if err := tx.QueryRowContext(ctx, `select user_id, status, seq from selfies where id = ?`, selfieID).Scan(&userID, &status, &seq); err != nil {
			return mapErr(err)
		}
		if status != SelfiePending {
			return nil // already decided: a re-run changes nothing
		}
		if err := db.dropOldSelfies(ctx, tx, userID, seq); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `update selfies set status = 'approved', rejection_reason = '', engine = ?, updated_at = ? where id = ?`,
			engine, fmtTime(db.now()), selfieID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `insert into `+table+` (selfie_seq, embedding) values (?, ?)`, seq, vecBlob(embedding)); err != nil {
			return err
		}
		projects, err := textColumn(tx.QueryContext(ctx, `select project_id from project_members where user_id = ?`, userID))
		if err != nil {
			return err
		}
		for _, p := range projects {
			if err := db.scheduleCluster(ctx, tx, userID, p, 0); err != nil {
				return err
			}
		}
		return nil
	})
}

// dropOldSelfies deletes the user's selfies older than seq with their
// files; a trigger deletes their vectors.
func (db *DB) dropOldSelfies(ctx context.Context, tx *sql.Tx, userID string, seq int64) error {
	rows, err := tx.QueryContext(ctx, `delete from selfies where user_id = ? and seq < ? returning seq, object_key`, userID, seq)
	if err != nil {
		return err
	}
	type old struct {
		seq int64
		key string
	}
	var olds []old
	for rows.Next() {
		var o old
		if err := rows.Scan(&o.seq, &o.key); err != nil {
			rows.Close()
			return err
		}
		olds = append(olds, o)
	}
	rows.Close()
	for _, o := range olds {
		if err := db.enqueue(ctx, tx, JobCleanupProjectStorage, CleanupPayload{Prefix: o.key}, 0); err != nil {
			return err
		}
	}
	return nil
}

// RejectSelfie records why a selfie cannot be used.
func (db *DB) RejectSelfie(ctx context.Context, selfieID, reason string) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `update selfies set status = 'rejected', rejection_reason = ?, updated_at = ? where id = ? and status = 'pending'`,
			reason, fmtTime(db.now()), selfieID)
		return err
	})
}

// DeleteFaceData deletes every selfie of the user, their embeddings, their
// files (through a cleanup job) and their confirmed tags. With withdraw,
// the consent record is cleared as well.
func (db *DB) DeleteFaceData(ctx context.Context, userID string, withdraw bool) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		if err := db.dropOldSelfies(ctx, tx, userID, math.MaxInt64); err != nil {
			return err
		}
		// Tags the attendee marked "not me" stay as a record of that choice.
		if _, err := tx.ExecContext(ctx, `delete from tags where user_id = ? and status = 'confirmed'`, userID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `delete from cluster_pending where user_id = ?`, userID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `delete from face_reviews where user_id = ?`, userID); err != nil {
			return err
		}
		if withdraw {
			_, err := tx.ExecContext(ctx, `update users set consent_at = null, consent_text = null where id = ?`, userID)
			return err
		}
		return nil
	})
}

// SelfieEmbedding returns the embedding of a selfie the external face
// service approved.
func (db *DB) SelfieEmbedding(ctx context.Context, selfieID string) ([]float32, error) {
	var b []byte
	err := db.sql.QueryRowContext(ctx, `select e.embedding from selfie_embeddings e join selfies s on s.seq = e.selfie_seq
		where s.id = ? and s.engine = 'retina'`, selfieID).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return decodeVec(b, EmbeddingDim)
}

// vecBlob encodes a vector as sqlite-vec's little-endian float32 blob.
func vecBlob(v []float32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b
}

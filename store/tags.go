package store

import (
	"context"
	"database/sql"
	"time"
)

// Tag statuses.
const (
	TagConfirmed = "confirmed"
	TagRemoved   = "removed"
)

// Tag says an attendee appears in a photo.
type Tag struct {
	ID        string    `json:"id"`
	ProjectID string    `json:"projectId"`
	PhotoID   string    `json:"photoId"`
	UserID    string    `json:"userId"`
	UserEmail string    `json:"userEmail"`
	UserName  string    `json:"userName"`
	Status    string    `json:"status"`
	RemovedBy string    `json:"removedBy,omitempty"`
	CreatedAt time.Time `json:"createdAt"`
}

// ClusterPayload asks cluster_faces to compare one attendee's selfie with
// a project's photos not yet compared.
type ClusterPayload struct {
	UserID    string `json:"userId"`
	ProjectID string `json:"projectId"`
}

// TaggedPayload asks notify_user_tagged to send one digest email.
type TaggedPayload struct {
	UserID    string `json:"userId"`
	ProjectID string `json:"projectId"`
}

// scheduleCluster enqueues cluster_faces for the pair unless one is
// already waiting, so a burst of new photos makes one job.
func (db *DB) scheduleCluster(ctx context.Context, tx *sql.Tx, userID, projectID string, delay time.Duration) error {
	res, err := tx.ExecContext(ctx, `insert or ignore into cluster_pending (user_id, project_id) values (?, ?)`, userID, projectID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil
	}
	return db.enqueue(ctx, tx, JobClusterFaces, ClusterPayload{UserID: userID, ProjectID: projectID}, delay)
}

// scheduleClusterForMembers schedules cluster_faces for every member of the
// project with an approved selfie.
func (db *DB) scheduleClusterForMembers(ctx context.Context, tx *sql.Tx, projectID string, delay time.Duration) error {
	users, err := textColumn(tx.QueryContext(ctx, `select distinct m.user_id from project_members m
		join selfies s on s.user_id = m.user_id and s.status = 'approved' where m.project_id = ?`, projectID))
	if err != nil {
		return err
	}
	for _, u := range users {
		if err := db.scheduleCluster(ctx, tx, u, projectID, delay); err != nil {
			return err
		}
	}
	return nil
}

// ClusterWork is what one cluster_faces run must compare.
type ClusterWork struct {
	Selfie Selfie
	Photos []Photo // ready photos not yet compared with this selfie
}

// StartCluster clears the pair's pending mark (so photos arriving from now
// on schedule another run) and returns the work. Without an approved
// selfie or membership there is nothing to do and Selfie.ID is empty.
func (db *DB) StartCluster(ctx context.Context, userID, projectID string) (ClusterWork, error) {
	var w ClusterWork
	err := db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `delete from cluster_pending where user_id = ? and project_id = ?`, userID, projectID); err != nil {
			return err
		}
		var member int
		if err := tx.QueryRowContext(ctx, `select count(*) from project_members where user_id = ? and project_id = ?`, userID, projectID).Scan(&member); err != nil {
			return err
		}
		if member == 0 {
			return nil
		}
		err := scanSelfie(tx.QueryRowContext(ctx, `select `+selfieCols+` from selfies where user_id = ? and status = 'approved' order by seq desc limit 1`, userID), &w.Selfie)
		if err == ErrNotFound {
			w.Selfie = Selfie{}
			return nil
		}
		if err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `select `+photoCols+` from photos p where p.project_id = ? and p.status = 'ready'
			and not exists (select 1 from cluster_scans c where c.selfie_id = ? and c.photo_id = p.id) order by p.id`, projectID, w.Selfie.ID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var p Photo
			if err := scanPhoto(rows, &p); err != nil {
				return err
			}
			w.Photos = append(w.Photos, p)
		}
		return rows.Err()
	})
	return w, err
}

// RecordMatches stores one batch's outcome: the photos compared and the
// ones the attendee is in. Tags removed by a person are not re-added. It
// returns how many tags are new. A selfie replaced meanwhile records
// nothing.
func (db *DB) RecordMatches(ctx context.Context, selfieID, projectID string, compared, matched []string) (int, error) {
	added := 0
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var userID, status string
		err := tx.QueryRowContext(ctx, `select user_id, status from selfies where id = ?`, selfieID).Scan(&userID, &status)
		if err == sql.ErrNoRows || (err == nil && status != SelfieApproved) {
			return nil
		}
		if err != nil {
			return err
		}
		now := fmtTime(db.now())
		for _, id := range compared {
			if _, err := tx.ExecContext(ctx, `insert or ignore into cluster_scans (selfie_id, photo_id)
				select ?, id from photos where id = ?`, selfieID, id); err != nil {
				return err
			}
		}
		for _, id := range matched {
			res, err := tx.ExecContext(ctx, `insert or ignore into tags (id, project_id, photo_id, user_id, status, created_at, updated_at)
				select ?, project_id, id, ?, 'confirmed', ?, ? from photos where id = ? and project_id = ?`,
				NewID("tag"), userID, now, now, id, projectID)
			if err != nil {
				return err
			}
			n, _ := res.RowsAffected()
			added += int(n)
		}
		return nil
	})
	return added, err
}

// ScheduleTagDigest enqueues one notify_user_tagged email after delay if
// the attendee has tags not announced yet and no digest is waiting. A
// cluster_faces run calls it once at its end, so one run makes one email,
// and a run that crashed before it is caught up by the next.
func (db *DB) ScheduleTagDigest(ctx context.Context, userID, projectID string, delay time.Duration) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		return db.scheduleTagDigest(ctx, tx, userID, projectID, delay)
	})
}

func (db *DB) scheduleTagDigest(ctx context.Context, tx *sql.Tx, userID, projectID string, delay time.Duration) error {
	var n int
	if err := tx.QueryRowContext(ctx, `select count(*) from tags where user_id = ? and project_id = ? and status = 'confirmed' and notified_at is null`,
		userID, projectID).Scan(&n); err != nil || n == 0 {
		return err
	}
	res, err := tx.ExecContext(ctx, `insert or ignore into tag_notify_pending (user_id, project_id) values (?, ?)`, userID, projectID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil
	}
	return db.enqueue(ctx, tx, JobNotifyUserTagged, TaggedPayload{UserID: userID, ProjectID: projectID}, delay)
}

// UnnotifiedTags counts the attendee's confirmed tags in a project not yet
// announced by email, and returns the newest tag id as a digest key.
func (db *DB) UnnotifiedTags(ctx context.Context, userID, projectID string) (count int, lastID string, err error) {
	err = db.sql.QueryRowContext(ctx, `select count(*), coalesce(max(id), '') from tags
		where user_id = ? and project_id = ? and status = 'confirmed' and notified_at is null`, userID, projectID).Scan(&count, &lastID)
	return count, lastID, err
}

// MarkTagsNotified records that the digest up to lastID went out and lets
// the next new tags schedule another one.
func (db *DB) MarkTagsNotified(ctx context.Context, userID, projectID, lastID string) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `update tags set notified_at = ? where user_id = ? and project_id = ? and id <= ? and notified_at is null`,
			fmtTime(db.now()), userID, projectID, lastID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `delete from tag_notify_pending where user_id = ? and project_id = ?`, userID, projectID)
		return err
	})
}

// ProjectTags lists a project's tags with who they are of.
func (db *DB) ProjectTags(ctx context.Context, projectID string) ([]Tag, error) {
	rows, err := db.sql.QueryContext(ctx, `select t.id, t.project_id, t.photo_id, t.user_id, u.email, u.name, t.status, t.removed_by, t.created_at
		from tags t join users u on u.id = t.user_id where t.project_id = ? order by t.id`, projectID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Tag{}
	for rows.Next() {
		var t Tag
		var created string
		if err := rows.Scan(&t.ID, &t.ProjectID, &t.PhotoID, &t.UserID, &t.UserEmail, &t.UserName, &t.Status, &t.RemovedBy, &created); err != nil {
			return nil, err
		}
		t.CreatedAt = parseTime(created)
		out = append(out, t)
	}
	return out, rows.Err()
}

// TagByID finds a tag.
func (db *DB) TagByID(ctx context.Context, id string) (Tag, error) {
	var t Tag
	var created string
	err := db.sql.QueryRowContext(ctx, `select t.id, t.project_id, t.photo_id, t.user_id, u.email, u.name, t.status, t.removed_by, t.created_at
		from tags t join users u on u.id = t.user_id where t.id = ?`, id).
		Scan(&t.ID, &t.ProjectID, &t.PhotoID, &t.UserID, &t.UserEmail, &t.UserName, &t.Status, &t.RemovedBy, &created)
	t.CreatedAt = parseTime(created)
	return t, mapErr(err)
}

// RemoveTag marks a tag wrong; by says who ("attendee" or "operator").
// Removed tags are never re-added by face matching.
func (db *DB) RemoveTag(ctx context.Context, tagID, by string) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `update tags set status = 'removed', removed_by = ?, updated_at = ? where id = ?`, by, fmtTime(db.now()), tagID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return nil
	})
}

// RemoveMyTag is an attendee's "not me" on a photo.
func (db *DB) RemoveMyTag(ctx context.Context, userID, photoID string) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `update tags set status = 'removed', removed_by = 'attendee', updated_at = ? where user_id = ? and photo_id = ? and status = 'confirmed'`,
			fmtTime(db.now()), userID, photoID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return nil
	})
}

// IsTagged reports whether the attendee has a confirmed tag on the photo
// in that project.
func (db *DB) IsTagged(ctx context.Context, userID, projectID, photoID string) (bool, error) {
	var n int
	err := db.sql.QueryRowContext(ctx, `select count(*) from tags where user_id = ? and project_id = ? and photo_id = ? and status = 'confirmed'`,
		userID, projectID, photoID).Scan(&n)
	return n > 0, err
}

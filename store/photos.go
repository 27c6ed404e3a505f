package store

import (
	"context"
	"database/sql"
	"strings"
	"time"
)

// Photo statuses.
const (
	PhotoUploading  = "uploading"
	PhotoProcessing = "processing"
	PhotoReady      = "ready"
	PhotoFailed     = "failed"
)

// Photo is one uploaded picture of a project.
type Photo struct {
	ID          string     `json:"id"`
	ProjectID   string     `json:"projectId"`
	Status      string     `json:"status"`
	Error       string     `json:"error,omitempty"`
	Filename    string     `json:"filename"`
	ContentType string     `json:"contentType"`
	Size        int64      `json:"size"`
	Width       int        `json:"width"`
	Height      int        `json:"height"`
	TakenAt     *time.Time `json:"takenAt,omitempty"`
	CleanReady  bool       `json:"-"`
	// FacesIndexed says the built-in face engine has looked at the photo;
	// FaceCount is how many faces it found.
	FacesIndexed bool      `json:"facesIndexed"`
	FaceCount    int       `json:"faceCount"`
	CreatedAt    time.Time `json:"createdAt"`
}

// PhotoKey returns the object key of a photo's file, exactly as DESIGN.md
// fixes them: original.jpg, thumb-400.jpg, thumb-800.jpg, watermarked.jpg
// (and clean.jpg, the EXIF-free full-resolution file for buyers).
func PhotoKey(projectID, photoID, name string) string {
	return "photos/" + projectID + "/" + photoID + "/" + name
}

const photoCols = `id, project_id, status, error, filename, content_type, size, width, height, taken_at, clean_ready,
	faces_indexed_at is not null, face_count, created_at`

// photoColsOf is photoCols qualified by a table alias, for joins.
func photoColsOf(alias string) string {
	cols := strings.Split(photoCols, ",")
	for i, c := range cols {
		cols[i] = alias + "." + strings.TrimSpace(c)
	}
	return strings.Join(cols, ", ")
}

func scanPhoto(row interface{ Scan(...any) error }, p *Photo) error {
	var created string
	var taken sql.NullString
	if err := row.Scan(&p.ID, &p.ProjectID, &p.Status, &p.Error, &p.Filename, &p.ContentType, &p.Size, &p.Width, &p.Height, &taken, &p.CleanReady,
		&p.FacesIndexed, &p.FaceCount, &created); err != nil {
		return mapErr(err)
	}
	p.CreatedAt, p.TakenAt = parseTime(created), parseNullTime(taken)
	return nil
}

// CreatePhotos records a batch of photos about to be uploaded.
func (db *DB) CreatePhotos(ctx context.Context, projectID string, photos []Photo) error {
	now := fmtTime(db.now())
	return db.tx(ctx, func(tx *sql.Tx) error {
		for i := range photos {
			p := &photos[i]
			p.ID = NewID("ph")
			p.ProjectID = projectID
			p.Status = PhotoUploading
			if _, err := tx.ExecContext(ctx, `insert into photos (id, project_id, status, filename, content_type, size, created_at, updated_at)
				values (?, ?, ?, ?, ?, ?, ?, ?)`, p.ID, projectID, p.Status, p.Filename, p.ContentType, p.Size, now, now); err != nil {
				return mapErr(err)
			}
		}
		return nil
	})
}

// Photo finds a photo of a project.
func (db *DB) Photo(ctx context.Context, projectID, photoID string) (Photo, error) {
	var p Photo
	err := scanPhoto(db.sql.QueryRowContext(ctx, `select `+photoCols+` from photos where id = ? and project_id = ?`, photoID, projectID), &p)
	return p, err
}

// PhotoByID finds a photo by id alone, for jobs.
func (db *DB) PhotoByID(ctx context.Context, photoID string) (Photo, error) {
	var p Photo
	err := scanPhoto(db.sql.QueryRowContext(ctx, `select `+photoCols+` from photos where id = ?`, photoID), &p)
	return p, err
}

// PhotoPayload identifies a photo for process_photo.
type PhotoPayload struct {
	ProjectID string `json:"projectId"`
	PhotoID   string `json:"photoId"`
}

// CompletePhoto marks an uploaded photo as processing and enqueues
// process_photo. Completing a photo twice is harmless: only an uploading
// (or failed, for a re-upload) photo moves.
func (db *DB) CompletePhoto(ctx context.Context, projectID, photoID string) (Photo, error) {
	var p Photo
	err := db.tx(ctx, func(tx *sql.Tx) error {
		err := scanPhoto(tx.QueryRowContext(ctx, `select `+photoCols+` from photos where id = ? and project_id = ?`, photoID, projectID), &p)
		if err != nil {
			return err
		}
		if p.Status == PhotoProcessing || p.Status == PhotoReady {
			return nil
		}
		p.Status = PhotoProcessing
		p.Error = ""
		if _, err := tx.ExecContext(ctx, `update photos set status = ?, error = '', updated_at = ? where id = ?`, p.Status, fmtTime(db.now()), p.ID); err != nil {
			return err
		}
		return db.enqueue(ctx, tx, JobProcessPhoto, PhotoPayload{ProjectID: projectID, PhotoID: photoID}, 0)
	})
	return p, err
}

// Ready describes a photo whose derivatives are stored.
type Ready struct {
	Width, Height int        // upright size of the original
	TakenAt       *time.Time // when it was taken, if the file says
	// IndexFaces queues index_faces for the built-in face engine; without
	// it, cluster_faces is scheduled, after ClusterDelay, for every member
	// with an approved selfie.
	IndexFaces bool
	// IndexedByCaller, with IndexFaces, queues nothing: the caller indexes
	// the photo itself, from the image it has decoded.
	IndexedByCaller bool
	ClusterDelay    time.Duration
}

// SetPhotoReady marks a processed photo ready and, in the same
// transaction, queues the face matching it needs. Marking it twice is
// harmless.
func (db *DB) SetPhotoReady(ctx context.Context, photoID string, r Ready) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		var projectID, status string
		if err := tx.QueryRowContext(ctx, `select project_id, status from photos where id = ?`, photoID).Scan(&projectID, &status); err != nil {
			return mapErr(err)
		}
		if status == PhotoReady {
			return nil
		}
		var taken any
		if r.TakenAt != nil {
			taken = fmtTime(*r.TakenAt)
		}
		if _, err := tx.ExecContext(ctx, `update photos set status = 'ready', error = '', width = ?, height = ?, taken_at = ?, updated_at = ? where id = ?`,
			r.Width, r.Height, taken, fmtTime(db.now()), photoID); err != nil {
			return err
		}
		if r.IndexFaces && r.IndexedByCaller {
			return nil
		}
		if r.IndexFaces {
			return db.enqueue(ctx, tx, JobIndexFaces, IndexFacesPayload{PhotoID: photoID}, 0)
		}
		return db.scheduleClusterForMembers(ctx, tx, projectID, r.ClusterDelay)
	})
}

// SetPhotoFailed marks a photo failed with a reason for the photographer.
func (db *DB) SetPhotoFailed(ctx context.Context, photoID, reason string) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `update photos set status = 'failed', error = ?, updated_at = ? where id = ?`, reason, fmtTime(db.now()), photoID)
		return err
	})
}

// SetCleanReady records that the EXIF-free full-resolution file exists.
func (db *DB) SetCleanReady(ctx context.Context, photoID string) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `update photos set clean_ready = 1 where id = ?`, photoID)
		return err
	})
}

// PhotoFilter narrows a photo list.
type PhotoFilter struct {
	ProjectID string
	TaggedFor string // attendee id: only photos with a confirmed tag for them
	Status    string
	Cursor    string // list photos with ids after this one
	Limit     int
}

// Photos lists a project's photos in upload order, a page at a time.
func (db *DB) Photos(ctx context.Context, f PhotoFilter) (items []Photo, next string, err error) {
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 100
	}
	q := `select ` + photoCols + ` from photos p where p.project_id = ? and p.id > ?`
	args := []any{f.ProjectID, f.Cursor}
	if f.TaggedFor != "" {
		// From the attendee's tags (an index on user and project), so a page
		// costs the attendee's photos, not the event's.
		q = `select ` + photoColsOf("p") + ` from tags t cross join photos p on p.id = t.photo_id
			where t.user_id = ? and t.project_id = ? and t.photo_id > ? and t.status = 'confirmed'`
		args = []any{f.TaggedFor, f.ProjectID, f.Cursor}
	}
	if f.Status != "" {
		q += ` and p.status = ?`
		args = append(args, f.Status)
	}
	if f.TaggedFor != "" {
		q += ` order by t.photo_id limit ?`
	} else {
		q += ` order by p.id limit ?`
	}
	args = append(args, f.Limit+1)
	rows, err := db.query(ctx, q, args...)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	items = []Photo{}
	for rows.Next() {
		var p Photo
		if err := scanPhoto(rows, &p); err != nil {
			return nil, "", err
		}
		items = append(items, p)
	}
	if len(items) > f.Limit {
		items = items[:f.Limit]
		next = items[len(items)-1].ID
	}
	return items, next, rows.Err()
}

// DeletePhoto removes a photo's rows and enqueues the cleanup of its files.
func (db *DB) DeletePhoto(ctx context.Context, projectID, photoID string) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `delete from photos where id = ? and project_id = ?`, photoID, projectID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return db.enqueue(ctx, tx, JobCleanupProjectStorage, CleanupPayload{Prefix: PhotoKey(projectID, photoID, "")}, 0)
	})
}

// DeleteStaleUploads removes photos still uploading after maxAge and
// enqueues the cleanup of whatever bytes reached storage.
func (db *DB) DeleteStaleUploads(ctx context.Context, maxAge time.Duration) (int, error) {
	n := 0
	err := db.tx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `delete from photos where status = 'uploading' and updated_at < ? returning project_id, id`,
			fmtTime(db.now().Add(-maxAge)))
		if err != nil {
			return err
		}
		var keys []string
		for rows.Next() {
			var prj, id string
			if err := rows.Scan(&prj, &id); err != nil {
				rows.Close()
				return err
			}
			keys = append(keys, PhotoKey(prj, id, ""))
		}
		rows.Close()
		for _, k := range keys {
			if err := db.enqueue(ctx, tx, JobCleanupProjectStorage, CleanupPayload{Prefix: k}, 0); err != nil {
				return err
			}
		}
		n = len(keys)
		return nil
	})
	return n, err
}

package store

import (
	"context"
	"database/sql"
	"time"
)

// Project is an event.
type Project struct {
	ID                string   `json:"id"`
	Name              string   `json:"name"`
	Date              string   `json:"date"` // YYYY-MM-DD
	Location          string   `json:"location"`
	Latitude          *float64 `json:"latitude"`
	Longitude         *float64 `json:"longitude"`
	Timezone          string   `json:"timezone"`
	Currency          string   `json:"currency"`
	WatermarkText     string   `json:"watermarkText"`
	GalleryVisibility string   `json:"galleryVisibility"` // "tagged" or "all"
	// FaceThreshold is the similarity from which the built-in face engine
	// tags an attendee; nil uses the engine's default.
	FaceThreshold *float64      `json:"faceThreshold"`
	CreatedAt     time.Time     `json:"createdAt"`
	UpdatedAt     time.Time     `json:"updatedAt"`
	Stats         *ProjectStats `json:"stats,omitempty"`
}

// ProjectStats summarises a project for the dashboard.
type ProjectStats struct {
	Photos     int `json:"photos"`
	Ready      int `json:"ready"`
	Processing int `json:"processing"`
	Failed     int `json:"failed"`
	Attendees  int `json:"attendees"`
	Tags       int `json:"tags"`
	PaidOrders int `json:"paidOrders"`
	Revenue    int `json:"revenue"`
}

const projectCols = `p.id, p.name, p.date, p.location, p.latitude, p.longitude, p.timezone, p.currency, p.watermark_text, p.gallery_visibility, p.face_threshold, p.created_at, p.updated_at`

func scanProject(row interface{ Scan(...any) error }, p *Project) error {
	var lat, lng, threshold sql.NullFloat64
	var created, updated string
	if err := row.Scan(&p.ID, &p.Name, &p.Date, &p.Location, &lat, &lng, &p.Timezone, &p.Currency, &p.WatermarkText, &p.GalleryVisibility,
		&threshold, &created, &updated); err != nil {
		return mapErr(err)
	}
	if threshold.Valid {
		p.FaceThreshold = &threshold.Float64
	}
	if lat.Valid {
		p.Latitude = &lat.Float64
	}
	if lng.Valid {
		p.Longitude = &lng.Float64
	}
	p.CreatedAt, p.UpdatedAt = parseTime(created), parseTime(updated)
	return nil
}

// CreateProject adds a project.
func (db *DB) CreateProject(ctx context.Context, p *Project) error {
	p.ID = NewID("prj")
	p.CreatedAt = db.now()
	p.UpdatedAt = p.CreatedAt
	if p.GalleryVisibility == "" {
		p.GalleryVisibility = "tagged"
	}
	return db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `insert into projects (id, name, date, location, latitude, longitude, timezone, currency, watermark_text, gallery_visibility,
			face_threshold, created_at, updated_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			p.ID, p.Name, p.Date, p.Location, p.Latitude, p.Longitude, p.Timezone, p.Currency, p.WatermarkText, p.GalleryVisibility,
			p.FaceThreshold, fmtTime(p.CreatedAt), fmtTime(p.UpdatedAt))
		return mapErr(err)
	})
}

// UpdateProject saves every editable field of p. A new face threshold
// schedules face matching again for every member with an approved selfie,
// so matches the new threshold admits appear without new photos.
func (db *DB) UpdateProject(ctx context.Context, p *Project) error {
	p.UpdatedAt = db.now()
	return db.tx(ctx, func(tx *sql.Tx) error {
		var old sql.NullFloat64
		if err := tx.QueryRowContext(ctx, `select face_threshold from projects where id = ?`, p.ID).Scan(&old); err != nil {
			return mapErr(err)
		}
		res, err := tx.ExecContext(ctx, `update projects set name = ?, date = ?, location = ?, latitude = ?, longitude = ?, timezone = ?, currency = ?,
			watermark_text = ?, gallery_visibility = ?, face_threshold = ?, updated_at = ? where id = ?`,
			p.Name, p.Date, p.Location, p.Latitude, p.Longitude, p.Timezone, p.Currency, p.WatermarkText, p.GalleryVisibility, p.FaceThreshold,
			fmtTime(p.UpdatedAt), p.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		if old.Valid == (p.FaceThreshold != nil) && (!old.Valid || old.Float64 == *p.FaceThreshold) {
			return nil
		}
		return db.scheduleClusterForMembers(ctx, tx, p.ID, 0)
	})
}

// Project finds a project by id.
func (db *DB) Project(ctx context.Context, id string) (Project, error) {
	var p Project
	err := scanProject(db.queryRow(ctx, `select `+projectCols+` from projects p where p.id = ?`, id), &p)
	return p, err
}

// Projects lists all projects, newest event first, with their stats.
func (db *DB) Projects(ctx context.Context) ([]Project, error) {
	return db.queryProjects(ctx, `select `+projectCols+` from projects p order by p.date desc, p.id desc`)
}

// ProjectsOfUser lists the projects an attendee belongs to.
func (db *DB) ProjectsOfUser(ctx context.Context, userID string) ([]Project, error) {
	return db.queryProjects(ctx, `select `+projectCols+` from projects p join project_members m on m.project_id = p.id
		where m.user_id = ? order by p.date desc, p.id desc`, userID)
}

func (db *DB) queryProjects(ctx context.Context, q string, args ...any) ([]Project, error) {
	rows, err := db.sql.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Project{}
	for rows.Next() {
		var p Project
		if err := scanProject(rows, &p); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// Stats computes a project's dashboard figures.
func (db *DB) Stats(ctx context.Context, projectID string) (ProjectStats, error) {
	var s ProjectStats
	err := db.sql.QueryRowContext(ctx, `select
		(select count(*) from photos where project_id = ?1 and status != 'uploading'),
		(select count(*) from photos where project_id = ?1 and status = 'ready'),
		(select count(*) from photos where project_id = ?1 and status = 'processing'),
		(select count(*) from photos where project_id = ?1 and status = 'failed'),
		(select count(*) from project_members where project_id = ?1),
		(select count(*) from tags where project_id = ?1 and status = 'confirmed'),
		(select count(*) from purchases where project_id = ?1 and status = 'paid'),
		(select coalesce(sum(amount), 0) from purchases where project_id = ?1 and status = 'paid')`, projectID).
		Scan(&s.Photos, &s.Ready, &s.Processing, &s.Failed, &s.Attendees, &s.Tags, &s.PaidOrders, &s.Revenue)
	return s, err
}

// DeleteProject removes the project's rows at once and enqueues the
// cleanup of its stored objects.
func (db *DB) DeleteProject(ctx context.Context, id string) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		// Embeddings live in a virtual table without foreign keys.
		if _, err := tx.ExecContext(ctx, `delete from purchases where project_id = ?`, id); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `delete from projects where id = ?`, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return db.enqueue(ctx, tx, JobCleanupProjectStorage, CleanupPayload{Prefix: "photos/" + id + "/"}, 0)
	})
}

// CleanupPayload names the storage prefix to delete.
type CleanupPayload struct {
	Prefix string `json:"prefix"`
}

// ProjectOfMember finds a project the user belongs to, in one query;
// ErrNotFound when there is no such project or they are not a member.
func (db *DB) ProjectOfMember(ctx context.Context, id, userID string) (Project, error) {
	var p Project
	err := scanProject(db.queryRow(ctx, `select `+projectCols+` from projects p join project_members m on m.project_id = p.id
		where p.id = ? and m.user_id = ?`, id, userID), &p)
	return p, err
}

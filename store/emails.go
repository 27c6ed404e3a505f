package store

import (
	"context"
	"database/sql"
	"time"
)

// Email is a message held in the embedded outbox.
type Email struct {
	ID             string    `json:"id"`
	Kind           string    `json:"kind"`
	To             string    `json:"to"`
	Subject        string    `json:"subject"`
	Text           string    `json:"text"`
	HTML           string    `json:"html"`
	IdempotencyKey string    `json:"-"`
	CreatedAt      time.Time `json:"createdAt"`
}

// AddToOutbox stores an email once per idempotency key; it reports
// whether it was new.
func (db *DB) AddToOutbox(ctx context.Context, e *Email) (bool, error) {
	e.ID = NewID("em")
	e.CreatedAt = db.now()
	added := false
	err := db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `insert or ignore into outbox (id, kind, to_addr, subject, text_body, html_body, idempotency_key, created_at) values (?, ?, ?, ?, ?, ?, ?, ?)`,
			e.ID, e.Kind, e.To, e.Subject, e.Text, e.HTML, e.IdempotencyKey, fmtTime(e.CreatedAt))
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		added = n > 0
		return nil
	})
	return added, err
}

// Outbox lists held emails, newest first.
func (db *DB) Outbox(ctx context.Context, limit int) ([]Email, error) {
	rows, err := db.sql.QueryContext(ctx, `select id, kind, to_addr, subject, text_body, html_body, created_at from outbox order by id desc limit ?`, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Email{}
	for rows.Next() {
		var e Email
		var created string
		if err := rows.Scan(&e.ID, &e.Kind, &e.To, &e.Subject, &e.Text, &e.HTML, &created); err != nil {
			return nil, err
		}
		e.CreatedAt = parseTime(created)
		out = append(out, e)
	}
	return out, rows.Err()
}

// EmailSent reports whether an email with this key already went out.
func (db *DB) EmailSent(ctx context.Context, key string) (bool, error) {
	var n int
	err := db.sql.QueryRowContext(ctx, `select count(*) from sent_emails where idempotency_key = ?`, key).Scan(&n)
	return n > 0, err
}

// RecordEmailSent remembers a delivered email's key.
func (db *DB) RecordEmailSent(ctx context.Context, key, kind, to string) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `insert or ignore into sent_emails (idempotency_key, kind, to_addr, sent_at) values (?, ?, ?, ?)`, key, kind, to, fmtTime(db.now()))
		return err
	})
}

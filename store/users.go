package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// Roles.
const (
	RoleOperator = "operator"
	RoleAttendee = "attendee"
)

// User is an operator or an attendee.
type User struct {
	ID           string     `json:"id"`
	Email        string     `json:"email"`
	Name         string     `json:"name"`
	Role         string     `json:"role"`
	ConsentAt    *time.Time `json:"consentAt,omitempty"`
	PasswordHash string     `json:"-"`
	CreatedAt    time.Time  `json:"createdAt"`
}

const userCols = `u.id, u.email, u.name, u.role, u.password_hash, u.consent_at, u.created_at`

func scanUser(row interface{ Scan(...any) error }, u *User) error {
	var consent sql.NullString
	var created string
	if err := row.Scan(&u.ID, &u.Email, &u.Name, &u.Role, &u.PasswordHash, &consent, &created); err != nil {
		return mapErr(err)
	}
	u.ConsentAt = parseNullTime(consent)
	u.CreatedAt = parseTime(created)
	return nil
}

// CreateUser adds a user; ErrConflict when the email is taken.
func (db *DB) CreateUser(ctx context.Context, u *User) error {
	return db.tx(ctx, func(tx *sql.Tx) error { return db.createUser(ctx, tx, u) })
}

func (db *DB) createUser(ctx context.Context, tx *sql.Tx, u *User) error {
	u.ID = NewID("u")
	u.CreatedAt = db.now()
	_, err := tx.ExecContext(ctx, `insert into users (id, email, name, role, password_hash, created_at) values (?, ?, ?, ?, ?, ?)`,
		u.ID, u.Email, u.Name, u.Role, u.PasswordHash, fmtTime(u.CreatedAt))
	return mapErr(err)
}

// UserByEmail finds a user by email, case-insensitively.
func (db *DB) UserByEmail(ctx context.Context, email string) (User, error) {
	var u User
	err := scanUser(db.sql.QueryRowContext(ctx, `select `+userCols+` from users u where u.email = ?`, email), &u)
	return u, err
}

// UserByID finds a user by id.
func (db *DB) UserByID(ctx context.Context, id string) (User, error) {
	var u User
	err := scanUser(db.sql.QueryRowContext(ctx, `select `+userCols+` from users u where u.id = ?`, id), &u)
	return u, err
}

// Session is a logged-in user's session.
type Session struct {
	User      User
	CSRFToken string
	ExpiresAt time.Time
}

// CreateSession stores a session under the hash of its token.
func (db *DB) CreateSession(ctx context.Context, tokenHash []byte, userID, csrf string, ttl time.Duration) error {
	now := db.now()
	return db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `insert into sessions (token_hash, user_id, csrf_token, created_at, expires_at) values (?, ?, ?, ?, ?)`,
			tokenHash, userID, csrf, fmtTime(now), fmtTime(now.Add(ttl)))
		return err
	})
}

// SessionByTokenHash returns an unexpired session and its user.
func (db *DB) SessionByTokenHash(ctx context.Context, tokenHash []byte) (Session, error) {
	var s Session
	var exp string
	var consent sql.NullString
	var created string
	err := db.queryRow(ctx, `select u.id, u.email, u.name, u.role, u.password_hash, u.consent_at, u.created_at, s.csrf_token, s.expires_at
		from sessions s join users u on u.id = s.user_id where s.token_hash = ? and s.expires_at > ?`, tokenHash, fmtTime(db.now())).
		Scan(&s.User.ID, &s.User.Email, &s.User.Name, &s.User.Role, &s.User.PasswordHash, &consent, &created, &s.CSRFToken, &exp)
	if err != nil {
		return s, mapErr(err)
	}
	s.User.ConsentAt = parseNullTime(consent)
	s.User.CreatedAt = parseTime(created)
	s.ExpiresAt = parseTime(exp)
	return s, nil
}

// DeleteSession ends one session.
func (db *DB) DeleteSession(ctx context.Context, tokenHash []byte) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `delete from sessions where token_hash = ?`, tokenHash)
		return err
	})
}

// DeleteExpiredSessions removes sessions past their expiry.
func (db *DB) DeleteExpiredSessions(ctx context.Context) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `delete from sessions where expires_at <= ?`, fmtTime(db.now()))
		return err
	})
}

// ErrTokenInvalid is returned for a used, expired or unknown token.
var ErrTokenInvalid = errors.New("token invalid")

// RequestPasswordReset stores a reset token for the account with that
// email and enqueues its email. An unknown email does nothing and returns
// nil, so callers cannot tell the difference.
func (db *DB) RequestPasswordReset(ctx context.Context, email, resetID string, tokenHash []byte, ttl time.Duration) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		var userID string
		err := tx.QueryRowContext(ctx, `select id from users where email = ?`, email).Scan(&userID)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		now := db.now()
		if _, err := tx.ExecContext(ctx, `insert into password_resets (token_hash, user_id, created_at, expires_at) values (?, ?, ?, ?)`,
			tokenHash, userID, fmtTime(now), fmtTime(now.Add(ttl))); err != nil {
			return err
		}
		return db.enqueue(ctx, tx, JobNotifyPasswordReset, ResetPayload{ResetID: resetID, UserID: userID}, 0)
	})
}

// ResetPayload is the notify_password_reset_requested job's payload. The
// job derives the link's token from ResetID with the server secret (see
// DeriveToken); no raw token is stored.
type ResetPayload struct {
	ResetID string `json:"resetId"`
	UserID  string `json:"userId"`
}

// ConfirmPasswordReset sets a new password hash for a valid, unused token,
// ends the account's other reset links and the user's sessions.
func (db *DB) ConfirmPasswordReset(ctx context.Context, tokenHash []byte, passwordHash string) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		now := fmtTime(db.now())
		var userID string
		err := tx.QueryRowContext(ctx, `update password_resets set used_at = ? where token_hash = ? and used_at is null and expires_at > ? returning user_id`,
			now, tokenHash, now).Scan(&userID)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrTokenInvalid
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `update password_resets set used_at = ? where user_id = ? and used_at is null`, now, userID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `update users set password_hash = ? where id = ?`, passwordHash, userID); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `delete from sessions where user_id = ?`, userID)
		return err
	})
}

// SetConsent records consent to face matching with the wording shown.
func (db *DB) SetConsent(ctx context.Context, userID, wording string) (time.Time, error) {
	now := db.now()
	err := db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `update users set consent_at = ?, consent_text = ? where id = ?`, fmtTime(now), wording, userID)
		return err
	})
	return now, err
}

// HasOperator reports whether any operator account exists (the first-run
// page explains how to create one).
func (db *DB) HasOperator(ctx context.Context) (bool, error) {
	var n int
	err := db.sql.QueryRowContext(ctx, `select count(*) from users where role = 'operator'`).Scan(&n)
	return n > 0, err
}

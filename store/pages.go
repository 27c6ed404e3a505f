package store

import (
	"context"
	"time"
)

// InvitePreview is what the holder of an invitation link may learn before
// accepting it: the project it leads to and the address it was sent to.
type InvitePreview struct {
	Email       string
	ProjectName string
	Status      string // pending, accepted, revoked or expired
	ExpiresAt   time.Time
}

// InviteByTokenHash finds the invite a link's token belongs to, whatever
// its status; ErrNotFound for an unknown token.
func (db *DB) InviteByTokenHash(ctx context.Context, tokenHash []byte) (InvitePreview, error) {
	var in InvitePreview
	var expires string
	err := db.sql.QueryRowContext(ctx, `select i.email, p.name, i.status, i.expires_at from invites i
		join projects p on p.id = i.project_id where i.token_hash = ?`, tokenHash).Scan(&in.Email, &in.ProjectName, &in.Status, &expires)
	if err != nil {
		return in, mapErr(err)
	}
	in.ExpiresAt = parseTime(expires)
	if in.Status == InvitePending && !in.ExpiresAt.After(db.now()) {
		in.Status = InviteExpired
	}
	return in, nil
}

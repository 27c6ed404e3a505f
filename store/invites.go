package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// Invite statuses; an invite past its expiry reads as "expired".
const (
	InvitePending  = "pending"
	InviteAccepted = "accepted"
	InviteRevoked  = "revoked"
	InviteExpired  = "expired"
)

// Invite brings an attendee into a project.
type Invite struct {
	ID          string     `json:"id"`
	ProjectID   string     `json:"projectId"`
	Email       string     `json:"email"`
	Name        string     `json:"name"`
	Status      string     `json:"status"`
	EmailStatus string     `json:"emailStatus"` // queued, sent, failed
	EmailError  string     `json:"emailError,omitempty"`
	Sends       int        `json:"sends"`
	CreatedAt   time.Time  `json:"createdAt"`
	ExpiresAt   time.Time  `json:"expiresAt"`
	AcceptedAt  *time.Time `json:"acceptedAt,omitempty"`
}

// Invitee is one address to invite.
type Invitee struct {
	Email string
	Name  string
}

// Skip reasons for bulk invites.
const (
	SkipAlreadyMember  = "already_member"
	SkipAlreadyInvited = "already_invited"
)

// InvitePayload is notify_user_invited's payload: either a new invite
// (InviteID) or an existing account added to a project (UserID).
type InvitePayload struct {
	InviteID  string `json:"inviteId,omitempty"`
	Send      int    `json:"send,omitempty"`
	UserID    string `json:"userId,omitempty"`
	ProjectID string `json:"projectId"`
}

// InviteOutcome is what CreateInvites did with one address.
type InviteOutcome struct {
	Email  string
	Reason string // empty when invited
}

// CreateInvites invites each address to the project in one transaction:
// existing accounts become members at once and get a "new photos" email;
// others get an invite whose token hash tokenHash derives from its id.
func (db *DB) CreateInvites(ctx context.Context, projectID string, invitees []Invitee, ttl time.Duration, tokenHash func(inviteID string) []byte) ([]InviteOutcome, error) {
	var out []InviteOutcome
	err := db.tx(ctx, func(tx *sql.Tx) error {
		out = out[:0]
		now := db.now()
		for _, in := range invitees {
			var userID string
			err := tx.QueryRowContext(ctx, `select id from users where email = ?`, in.Email).Scan(&userID)
			switch {
			case err == nil:
				res, err := tx.ExecContext(ctx, `insert or ignore into project_members (project_id, user_id, created_at) values (?, ?, ?)`, projectID, userID, fmtTime(now))
				if err != nil {
					return err
				}
				if n, _ := res.RowsAffected(); n == 0 {
					out = append(out, InviteOutcome{in.Email, SkipAlreadyMember})
					continue
				}
				if err := db.enqueue(ctx, tx, JobNotifyUserInvited, InvitePayload{UserID: userID, ProjectID: projectID}, 0); err != nil {
					return err
				}
				out = append(out, InviteOutcome{Email: in.Email})
				continue
			case !errors.Is(err, sql.ErrNoRows):
				return err
			}
			var pending int
			if err := tx.QueryRowContext(ctx, `select count(*) from invites where project_id = ? and email = ? and status = 'pending' and expires_at > ?`,
				projectID, in.Email, fmtTime(now)).Scan(&pending); err != nil {
				return err
			}
			if pending > 0 {
				out = append(out, InviteOutcome{in.Email, SkipAlreadyInvited})
				continue
			}
			id := NewID("inv")
			if _, err := tx.ExecContext(ctx, `insert into invites (id, project_id, email, name, token_hash, status, created_at, expires_at) values (?, ?, ?, ?, ?, 'pending', ?, ?)`,
				id, projectID, in.Email, in.Name, tokenHash(id), fmtTime(now), fmtTime(now.Add(ttl))); err != nil {
				return err
			}
			if err := db.enqueue(ctx, tx, JobNotifyUserInvited, InvitePayload{InviteID: id, Send: 1, ProjectID: projectID}, 0); err != nil {
				return err
			}
			out = append(out, InviteOutcome{Email: in.Email})
		}
		return nil
	})
	return out, err
}

const inviteCols = `id, project_id, email, name, status, email_status, email_error, sends, created_at, expires_at, accepted_at`

func (db *DB) scanInvite(row interface{ Scan(...any) error }, in *Invite) error {
	var created, expires string
	var accepted sql.NullString
	if err := row.Scan(&in.ID, &in.ProjectID, &in.Email, &in.Name, &in.Status, &in.EmailStatus, &in.EmailError, &in.Sends, &created, &expires, &accepted); err != nil {
		return mapErr(err)
	}
	in.CreatedAt, in.ExpiresAt, in.AcceptedAt = parseTime(created), parseTime(expires), parseNullTime(accepted)
	if in.Status == InvitePending && !in.ExpiresAt.After(db.now()) {
		in.Status = InviteExpired
	}
	return nil
}

// InviteByID finds an invite.
func (db *DB) InviteByID(ctx context.Context, id string) (Invite, error) {
	var in Invite
	err := db.scanInvite(db.sql.QueryRowContext(ctx, `select `+inviteCols+` from invites where id = ?`, id), &in)
	return in, err
}

// ProjectInvites lists a project's invites, newest first.
func (db *DB) ProjectInvites(ctx context.Context, projectID string) ([]Invite, error) {
	rows, err := db.sql.QueryContext(ctx, `select `+inviteCols+` from invites where project_id = ? order by id desc`, projectID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Invite{}
	for rows.Next() {
		var in Invite
		if err := db.scanInvite(rows, &in); err != nil {
			return nil, err
		}
		out = append(out, in)
	}
	return out, rows.Err()
}

// ResendInvite extends a pending or expired invite and sends it again.
func (db *DB) ResendInvite(ctx context.Context, projectID, inviteID string, ttl time.Duration) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		var sends int
		err := tx.QueryRowContext(ctx, `update invites set sends = sends + 1, expires_at = ?, email_status = 'queued', email_error = ''
			where id = ? and project_id = ? and status = 'pending' returning sends`, fmtTime(db.now().Add(ttl)), inviteID, projectID).Scan(&sends)
		if err != nil {
			return mapErr(err)
		}
		return db.enqueue(ctx, tx, JobNotifyUserInvited, InvitePayload{InviteID: inviteID, Send: sends, ProjectID: projectID}, 0)
	})
}

// RevokeInvite makes a pending invite unusable.
func (db *DB) RevokeInvite(ctx context.Context, projectID, inviteID string) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `update invites set status = 'revoked' where id = ? and project_id = ? and status = 'pending'`, inviteID, projectID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return nil
	})
}

// SetInviteEmailStatus records the delivery of an invite email.
func (db *DB) SetInviteEmailStatus(ctx context.Context, inviteID, status, detail string) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `update invites set email_status = ?, email_error = ? where id = ?`, status, detail, inviteID)
		return err
	})
}

// AcceptInvite creates the attendee's account from a valid invite and
// makes them a member of the project. ErrTokenInvalid for a used, revoked,
// expired or unknown token; ErrConflict when the email has an account.
func (db *DB) AcceptInvite(ctx context.Context, tokenHash []byte, name, passwordHash string) (User, error) {
	var u User
	err := db.tx(ctx, func(tx *sql.Tx) error {
		now := db.now()
		var inviteID, projectID, email, invName string
		err := tx.QueryRowContext(ctx, `select id, project_id, email, name from invites where token_hash = ? and status = 'pending' and expires_at > ?`,
			tokenHash, fmtTime(now)).Scan(&inviteID, &projectID, &email, &invName)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrTokenInvalid
		}
		if err != nil {
			return err
		}
		if name == "" {
			name = invName
		}
		u = User{Email: email, Name: name, Role: RoleAttendee, PasswordHash: passwordHash}
		if err := db.createUser(ctx, tx, &u); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `update invites set status = 'accepted', accepted_at = ?, user_id = ? where id = ?`, fmtTime(now), u.ID, inviteID); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `insert or ignore into project_members (project_id, user_id, created_at) values (?, ?, ?)`, projectID, u.ID, fmtTime(now))
		return err
	})
	return u, err
}

// Member is an attendee of a project.
type Member struct {
	UserID       string    `json:"userId"`
	Email        string    `json:"email"`
	Name         string    `json:"name"`
	SelfieStatus string    `json:"selfieStatus"`
	Tags         int       `json:"tags"`
	JoinedAt     time.Time `json:"joinedAt"`
}

// Members lists a project's attendees with their selfie status and tags.
func (db *DB) Members(ctx context.Context, projectID string) ([]Member, error) {
	rows, err := db.sql.QueryContext(ctx, `select u.id, u.email, u.name, m.created_at,
		coalesce((select s.status from selfies s where s.user_id = u.id and s.status != 'uploading' order by s.seq desc limit 1), ''),
		(select count(*) from tags t where t.user_id = u.id and t.project_id = m.project_id and t.status = 'confirmed')
		from project_members m join users u on u.id = m.user_id where m.project_id = ? order by u.email`, projectID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Member{}
	for rows.Next() {
		var m Member
		var joined string
		if err := rows.Scan(&m.UserID, &m.Email, &m.Name, &joined, &m.SelfieStatus, &m.Tags); err != nil {
			return nil, err
		}
		m.JoinedAt = parseTime(joined)
		out = append(out, m)
	}
	return out, rows.Err()
}

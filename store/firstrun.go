package store

import (
	"context"
	"database/sql"
	"errors"
)

// ErrOperatorExists means the first operator has already been created.
var ErrOperatorExists = errors.New("an operator already exists")

// CreateFirstOperator creates u as an operator only while there is none,
// in one write transaction: of two attempts at once, one creates the
// account and the other gets ErrOperatorExists.
func (db *DB) CreateFirstOperator(ctx context.Context, u *User) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `select count(*) from users where role = 'operator'`).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return ErrOperatorExists
		}
		u.Role = RoleOperator
		return db.createUser(ctx, tx, u)
	})
}

package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Package kinds.
const (
	KindSingle = "single"
	KindBundle = "bundle"
	KindAll    = "all"
)

// Package is something an attendee can buy.
type Package struct {
	ID         string     `json:"id"`
	ProjectID  string     `json:"projectId"`
	Name       string     `json:"name"`
	Kind       string     `json:"kind"`
	PhotoCount int        `json:"photoCount"`
	PriceCents int64      `json:"priceCents"`
	Currency   string     `json:"currency"`
	RetiredAt  *time.Time `json:"retiredAt,omitempty"`
	CreatedAt  time.Time  `json:"createdAt"`
}

// CreatePackage adds a package to a project.
func (db *DB) CreatePackage(ctx context.Context, p *Package) error {
	p.ID = NewID("pkg")
	p.CreatedAt = db.now()
	return db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `insert into packages (id, project_id, name, kind, photo_count, price_cents, currency, created_at) values (?, ?, ?, ?, ?, ?, ?, ?)`,
			p.ID, p.ProjectID, p.Name, p.Kind, p.PhotoCount, p.PriceCents, p.Currency, fmtTime(p.CreatedAt))
		return mapErr(err)
	})
}

// UpdatePackage saves a package's name and price; retire sets or clears
// its retirement. Old orders keep their own copy of name and amount.
func (db *DB) UpdatePackage(ctx context.Context, p *Package) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		var retired any
		if p.RetiredAt != nil {
			retired = fmtTime(*p.RetiredAt)
		}
		res, err := tx.ExecContext(ctx, `update packages set name = ?, photo_count = ?, price_cents = ?, retired_at = ? where id = ? and project_id = ?`,
			p.Name, p.PhotoCount, p.PriceCents, retired, p.ID, p.ProjectID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return nil
	})
}

const packageCols = `id, project_id, name, kind, photo_count, price_cents, currency, retired_at, created_at`

func scanPackage(row interface{ Scan(...any) error }, p *Package) error {
	var retired sql.NullString
	var created string
	if err := row.Scan(&p.ID, &p.ProjectID, &p.Name, &p.Kind, &p.PhotoCount, &p.PriceCents, &p.Currency, &retired, &created); err != nil {
		return mapErr(err)
	}
	p.RetiredAt, p.CreatedAt = parseNullTime(retired), parseTime(created)
	return nil
}

// Package finds a project's package.
func (db *DB) Package(ctx context.Context, projectID, id string) (Package, error) {
	var p Package
	err := scanPackage(db.sql.QueryRowContext(ctx, `select `+packageCols+` from packages where id = ? and project_id = ?`, id, projectID), &p)
	return p, err
}

// Packages lists a project's packages; retired ones only when asked.
func (db *DB) Packages(ctx context.Context, projectID string, withRetired bool) ([]Package, error) {
	q := `select ` + packageCols + ` from packages where project_id = ?`
	if !withRetired {
		q += ` and retired_at is null`
	}
	rows, err := db.sql.QueryContext(ctx, q+` order by price_cents, id`, projectID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Package{}
	for rows.Next() {
		var p Package
		if err := scanPackage(rows, &p); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// Purchase statuses.
const (
	PurchasePending = "pending"
	PurchasePaid    = "paid"
	PurchaseFailed  = "failed"
)

// Purchase is an attendee's order of a package.
type Purchase struct {
	ID              string     `json:"id"`
	ProjectID       string     `json:"projectId"`
	UserID          string     `json:"userId"`
	UserEmail       string     `json:"userEmail,omitempty"`
	PackageID       string     `json:"packageId"`
	PackageName     string     `json:"packageName"`
	Kind            string     `json:"kind"`
	Status          string     `json:"status"`
	Amount          int64      `json:"amount"`
	Currency        string     `json:"currency"`
	Payment         string     `json:"payment"` // stripe or offline
	PaymentIntentID string     `json:"-"`
	FailureReason   string     `json:"failureReason,omitempty"`
	PhotoIDs        []string   `json:"photoIds"`
	CreatedAt       time.Time  `json:"createdAt"`
	PaidAt          *time.Time `json:"paidAt,omitempty"`
}

// PurchasePayload identifies a purchase for its jobs.
type PurchasePayload struct {
	PurchaseID string `json:"purchaseId"`
}

// CreatePurchase records a pending order with its chosen photos, which
// must all belong to the purchase's project (ErrNotFound otherwise).
func (db *DB) CreatePurchase(ctx context.Context, p *Purchase) error {
	p.ID = NewID("pur")
	p.Status = PurchasePending
	p.CreatedAt = db.now()
	return db.tx(ctx, func(tx *sql.Tx) error {
		now := fmtTime(p.CreatedAt)
		if _, err := tx.ExecContext(ctx, `insert into purchases (id, project_id, user_id, package_id, package_name, kind, status, amount, currency, payment, created_at, updated_at)
			values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			p.ID, p.ProjectID, p.UserID, p.PackageID, p.PackageName, p.Kind, p.Status, p.Amount, p.Currency, p.Payment, now, now); err != nil {
			return mapErr(err)
		}
		for _, id := range p.PhotoIDs {
			res, err := tx.ExecContext(ctx, `insert into purchase_photos (purchase_id, photo_id)
				select ?, id from photos where id = ? and project_id = ?`, p.ID, id, p.ProjectID)
			if err != nil {
				return mapErr(err)
			}
			if n, err := res.RowsAffected(); err != nil || n != 1 {
				return fmt.Errorf("purchase photo %s in project %s: %w", id, p.ProjectID, ErrNotFound)
			}
		}
		return nil
	})
}

// SetPaymentIntent ties a purchase to its Stripe PaymentIntent.
func (db *DB) SetPaymentIntent(ctx context.Context, purchaseID, intentID string) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `update purchases set payment_intent_id = ?, updated_at = ? where id = ?`, intentID, fmtTime(db.now()), purchaseID)
		return mapErr(err)
	})
}

const purchaseCols = `p.id, p.project_id, p.user_id, u.email, p.package_id, p.package_name, p.kind, p.status, p.amount, p.currency, p.payment,
	coalesce(p.payment_intent_id, ''), p.failure_reason, p.created_at, p.paid_at`

func (db *DB) scanPurchase(ctx context.Context, row interface{ Scan(...any) error }, p *Purchase) error {
	var created string
	var paid sql.NullString
	if err := row.Scan(&p.ID, &p.ProjectID, &p.UserID, &p.UserEmail, &p.PackageID, &p.PackageName, &p.Kind, &p.Status, &p.Amount, &p.Currency, &p.Payment,
		&p.PaymentIntentID, &p.FailureReason, &created, &paid); err != nil {
		return mapErr(err)
	}
	p.CreatedAt, p.PaidAt = parseTime(created), parseNullTime(paid)
	return nil
}

// Purchase finds an order with its photos. For an "all" package the
// photos are every photo the attendee is tagged in now.
func (db *DB) Purchase(ctx context.Context, id string) (Purchase, error) {
	var p Purchase
	if err := db.scanPurchase(ctx, db.sql.QueryRowContext(ctx, `select `+purchaseCols+` from purchases p join users u on u.id = p.user_id where p.id = ?`, id), &p); err != nil {
		return p, err
	}
	q := `select photo_id from purchase_photos where purchase_id = ? order by photo_id`
	args := []any{p.ID}
	if p.Kind == KindAll {
		q = `select photo_id from tags where user_id = ? and project_id = ? and status = 'confirmed' order by photo_id`
		args = []any{p.UserID, p.ProjectID}
	}
	rows, err := db.sql.QueryContext(ctx, q, args...)
	if err != nil {
		return p, err
	}
	defer rows.Close()
	p.PhotoIDs = []string{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return p, err
		}
		p.PhotoIDs = append(p.PhotoIDs, id)
	}
	return p, rows.Err()
}

// PurchaseByIntent finds the purchase tied to a PaymentIntent.
func (db *DB) PurchaseByIntent(ctx context.Context, intentID string) (Purchase, error) {
	var id string
	if err := db.sql.QueryRowContext(ctx, `select id from purchases where payment_intent_id = ?`, intentID).Scan(&id); err != nil {
		return Purchase{}, mapErr(err)
	}
	return db.Purchase(ctx, id)
}

// Purchases lists orders of a project, or of one attendee when userID is
// set, newest first.
func (db *DB) Purchases(ctx context.Context, projectID, userID string) ([]Purchase, error) {
	q := `select ` + purchaseCols + ` from purchases p join users u on u.id = p.user_id where p.project_id = ?`
	args := []any{projectID}
	if userID != "" {
		q += ` and p.user_id = ?`
		args = append(args, userID)
	}
	rows, err := db.sql.QueryContext(ctx, q+` order by p.id desc`, args...)
	if err != nil {
		return nil, err
	}
	var ids []string
	for rows.Next() {
		var p Purchase
		if err := db.scanPurchase(ctx, rows, &p); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, p.ID)
	}
	rows.Close()
	out := []Purchase{}
	for _, id := range ids {
		p, err := db.Purchase(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// MarkPaid records payment exactly once: the first call moves the order to
// paid and enqueues the confirmation email and the download preparation;
// later calls change nothing and report false.
func (db *DB) MarkPaid(ctx context.Context, purchaseID string) (bool, error) {
	changed := false
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var err error
		changed, err = db.markPaid(ctx, tx, purchaseID)
		return err
	})
	return changed, err
}

func (db *DB) markPaid(ctx context.Context, tx *sql.Tx, purchaseID string) (bool, error) {
	now := fmtTime(db.now())
	res, err := tx.ExecContext(ctx, `update purchases set status = 'paid', paid_at = ?, failure_reason = '', updated_at = ? where id = ? and status != 'paid'`, now, now, purchaseID)
	if err != nil {
		return false, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		var exists int
		if err := tx.QueryRowContext(ctx, `select count(*) from purchases where id = ?`, purchaseID).Scan(&exists); err != nil {
			return false, err
		}
		if exists == 0 {
			return false, ErrNotFound
		}
		return false, nil
	}
	pl := PurchasePayload{PurchaseID: purchaseID}
	if err := db.enqueue(ctx, tx, JobPreparePurchase, pl, 0); err != nil {
		return false, err
	}
	return true, db.enqueue(ctx, tx, JobNotifyPurchase, pl, 0)
}

// markFailed records a failed payment unless the order is already paid.
func (db *DB) markFailed(ctx context.Context, tx *sql.Tx, purchaseID, reason string) (bool, error) {
	res, err := tx.ExecContext(ctx, `update purchases set status = 'failed', failure_reason = ?, updated_at = ? where id = ? and status = 'pending'`,
		reason, fmtTime(db.now()), purchaseID)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// PaymentEvent is a verified payment provider event about one purchase.
type PaymentEvent struct {
	EventID    string
	Type       string
	PurchaseID string
	Succeeded  bool
	Reason     string // for failures
}

// ApplyPaymentEvent applies a provider event once: a replayed event id
// changes nothing; a failure after success changes nothing. It reports
// whether the purchase changed.
func (db *DB) ApplyPaymentEvent(ctx context.Context, ev PaymentEvent) (bool, error) {
	changed := false
	err := db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `insert or ignore into stripe_events (id, type, received_at) values (?, ?, ?)`, ev.EventID, ev.Type, fmtTime(db.now()))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil // seen before
		}
		if ev.Succeeded {
			changed, err = db.markPaid(ctx, tx, ev.PurchaseID)
		} else {
			changed, err = db.markFailed(ctx, tx, ev.PurchaseID, ev.Reason)
		}
		if errors.Is(err, ErrNotFound) {
			return nil // not one of ours: remember the event, change nothing
		}
		return err
	})
	return changed, err
}

// PurchasedIn returns which of the attendee's photos in a project they
// have paid for, with one query: every tagged photo when they bought
// "all", otherwise the photos of their paid purchases.
func (db *DB) PurchasedIn(ctx context.Context, userID, projectID string) (all bool, photos map[string]bool, err error) {
	rows, err := db.query(ctx, `select p.kind, coalesce(pp.photo_id, '') from purchases p
		left join purchase_photos pp on pp.purchase_id = p.id
		where p.user_id = ? and p.project_id = ? and p.status = 'paid'`, userID, projectID)
	if err != nil {
		return false, nil, err
	}
	defer rows.Close()
	photos = map[string]bool{}
	for rows.Next() {
		var kind, photo string
		if err := rows.Scan(&kind, &photo); err != nil {
			return false, nil, err
		}
		all = all || kind == "all"
		if photo != "" {
			photos[photo] = true
		}
	}
	return all, photos, rows.Err()
}

// ArchiveKey is where a purchase's zip of photos is kept.
func ArchiveKey(projectID, purchaseID string) string {
	return "photos/" + projectID + "/purchases/" + purchaseID + ".zip"
}

// ArchiveCount is how many photos the purchase's zip holds (0: none yet).
func (db *DB) ArchiveCount(ctx context.Context, purchaseID string) (int, error) {
	var n int
	err := db.sql.QueryRowContext(ctx, `select archive_count from purchases where id = ?`, purchaseID).Scan(&n)
	return n, mapErr(err)
}

// SetArchiveCount records a freshly built zip.
func (db *DB) SetArchiveCount(ctx context.Context, purchaseID string, n int) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `update purchases set archive_count = ? where id = ?`, n, purchaseID)
		return err
	})
}

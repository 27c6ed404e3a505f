package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"maragu.dev/goqite"
)

// Job kinds, as named by the platform's spec.
const (
	JobProcessPhoto          = "process_photo"
	JobProcessSelfie         = "process_selfie"
	JobClusterFaces          = "cluster_faces"
	JobIndexFaces            = "index_faces"
	JobNotifyUserInvited     = "notify_user_invited"
	JobNotifyPasswordReset   = "notify_password_reset_requested"
	JobNotifyUserTagged      = "notify_user_tagged"
	JobNotifyPurchase        = "notify_purchase_confirmed"
	JobCleanupProjectStorage = "cleanup_project_storage"
	JobPreparePurchase       = "prepare_purchase"
)

// JobKinds lists every kind; the runner registers a handler for each.
var JobKinds = []string{
	JobProcessPhoto, JobProcessSelfie, JobClusterFaces, JobIndexFaces,
	JobNotifyUserInvited, JobNotifyPasswordReset, JobNotifyUserTagged, JobNotifyPurchase,
	JobCleanupProjectStorage, JobPreparePurchase,
}

// MaxReceive bounds how often a message is handed out without being
// finished (crashes mid-job count). Beyond it the janitor fails the job.
const MaxReceive = 10

// Envelope is a queued job's body: the payload plus the attempt number,
// since goqite itself counts receives, not tries.
type Envelope struct {
	Attempt int             `json:"attempt"`
	Payload json.RawMessage `json:"payload"`
}

// queues holds one goqite queue per job kind, so each kind is throttled on
// its own.
type queues struct {
	db *sql.DB
	mu sync.Mutex
	m  map[string]*goqite.Queue
}

func newQueues(db *sql.DB) *queues {
	return &queues{db: db, m: map[string]*goqite.Queue{}}
}

func (q *queues) get(kind string) *goqite.Queue {
	q.mu.Lock()
	defer q.mu.Unlock()
	if gq, ok := q.m[kind]; ok {
		return gq
	}
	gq := goqite.New(goqite.NewOpts{DB: q.db, Name: kind, MaxReceive: MaxReceive, Timeout: time.Minute})
	q.m[kind] = gq
	return gq
}

// Queue returns the goqite queue for a job kind.
func (db *DB) Queue(kind string) *goqite.Queue { return db.queues.get(kind) }

// OnEnqueue sets a function called after a transaction that enqueued a job
// of that kind commits, so the runner can pick it up without waiting for
// its next poll.
func (db *DB) OnEnqueue(fn func(kind string)) {
	db.notifyMu.Lock()
	db.notify = fn
	db.notifyMu.Unlock()
}

func (db *DB) wake(kind string) {
	db.notifyMu.Lock()
	fn := db.notify
	db.notifyMu.Unlock()
	if fn != nil {
		fn(kind)
	}
}

// enqueue adds a job inside tx, so the job exists exactly when the state
// change that caused it does.
func (db *DB) enqueue(ctx context.Context, tx *sql.Tx, kind string, payload any, delay time.Duration) error {
	return db.enqueueAttempt(ctx, tx, kind, payload, 0, delay)
}

func (db *DB) enqueueAttempt(ctx context.Context, tx *sql.Tx, kind string, payload any, attempt int, delay time.Duration) error {
	p, ok := payload.(json.RawMessage)
	if !ok {
		b, err := json.Marshal(payload)
		if err != nil {
			return fmt.Errorf("encode %s payload: %w", kind, err)
		}
		p = b
	}
	body, err := json.Marshal(Envelope{Attempt: attempt, Payload: p})
	if err != nil {
		return err
	}
	if err := db.Queue(kind).SendTx(ctx, tx, goqite.Message{Body: body, Delay: delay}); err != nil {
		return fmt.Errorf("enqueue %s: %w", kind, err)
	}
	kinds, _ := db.pending.Load(tx)
	ks, _ := kinds.([]string)
	db.pending.Store(tx, append(ks, kind))
	return nil
}

// Enqueue adds a job on its own.
func (db *DB) Enqueue(ctx context.Context, kind string, payload any) error {
	return db.tx(ctx, func(tx *sql.Tx) error { return db.enqueue(ctx, tx, kind, payload, 0) })
}

// Retry replaces a received message with its next attempt after delay, in
// one transaction.
func (db *DB) Retry(ctx context.Context, kind string, id goqite.ID, env Envelope, delay time.Duration) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		if err := db.Queue(kind).DeleteTx(ctx, tx, id); err != nil {
			return err
		}
		return db.enqueueAttempt(ctx, tx, kind, env.Payload, env.Attempt+1, delay)
	})
}

// FailedJob is a job that ran out of tries, kept for operators.
type FailedJob struct {
	ID        string          `json:"id"`
	Kind      string          `json:"kind"`
	Payload   json.RawMessage `json:"payload"`
	Error     string          `json:"error"`
	Attempts  int             `json:"attempts"`
	FailedAt  time.Time       `json:"failedAt"`
	RetriedAt *time.Time      `json:"retriedAt,omitempty"`
}

// Fail moves a received message into failed_jobs, in one transaction.
func (db *DB) Fail(ctx context.Context, kind string, id goqite.ID, env Envelope, cause string) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		if err := db.Queue(kind).DeleteTx(ctx, tx, id); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `insert into failed_jobs (id, kind, payload, error, attempts, failed_at) values (?, ?, ?, ?, ?, ?)`,
			NewID("job"), kind, string(env.Payload), cause, env.Attempt+1, fmtTime(db.now()))
		return err
	})
}

// FailStuck moves messages handed out MaxReceive times without finishing
// (the process died while running them) into failed_jobs.
func (db *DB) FailStuck(ctx context.Context) (int, error) {
	n := 0
	err := db.tx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `select id, queue, body from goqite where received >= ? and timeout < strftime('%Y-%m-%dT%H:%M:%fZ')`, MaxReceive)
		if err != nil {
			return err
		}
		type stuck struct {
			id, kind string
			body     []byte
		}
		var all []stuck
		for rows.Next() {
			var s stuck
			if err := rows.Scan(&s.id, &s.kind, &s.body); err != nil {
				rows.Close()
				return err
			}
			all = append(all, s)
		}
		rows.Close()
		for _, s := range all {
			var env Envelope
			if json.Unmarshal(s.body, &env) != nil {
				env.Payload = json.RawMessage(`null`)
			}
			if _, err := tx.ExecContext(ctx, `delete from goqite where id = ?`, s.id); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `insert into failed_jobs (id, kind, payload, error, attempts, failed_at) values (?, ?, ?, ?, ?, ?)`,
				NewID("job"), s.kind, string(env.Payload), fmt.Sprintf("interrupted %d times (the process stopped while running it)", MaxReceive), MaxReceive, fmtTime(db.now())); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}

// FailedJobs lists failed jobs not yet retried, newest first.
func (db *DB) FailedJobs(ctx context.Context, limit int) ([]FailedJob, error) {
	rows, err := db.sql.QueryContext(ctx, `select id, kind, payload, error, attempts, failed_at from failed_jobs
		where retried_at is null order by failed_at desc limit ?`, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []FailedJob{}
	for rows.Next() {
		var j FailedJob
		var payload, failed string
		if err := rows.Scan(&j.ID, &j.Kind, &payload, &j.Error, &j.Attempts, &failed); err != nil {
			return nil, err
		}
		j.Payload = json.RawMessage(payload)
		j.FailedAt = parseTime(failed)
		out = append(out, j)
	}
	return out, rows.Err()
}

// RetryFailed puts a failed job back on its queue with a fresh set of tries.
func (db *DB) RetryFailed(ctx context.Context, id string) (FailedJob, error) {
	var j FailedJob
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var payload string
		err := tx.QueryRowContext(ctx, `select id, kind, payload, error, attempts from failed_jobs where id = ? and retried_at is null`, id).
			Scan(&j.ID, &j.Kind, &payload, &j.Error, &j.Attempts)
		if err != nil {
			return mapErr(err)
		}
		j.Payload = json.RawMessage(payload)
		if _, err := tx.ExecContext(ctx, `update failed_jobs set retried_at = ? where id = ?`, fmtTime(db.now()), id); err != nil {
			return err
		}
		return db.enqueue(ctx, tx, j.Kind, j.Payload, 0)
	})
	return j, err
}

// QueueDepth counts queued messages per kind (visible or delayed).
func (db *DB) QueueDepth(ctx context.Context) (map[string]int, error) {
	rows, err := db.sql.QueryContext(ctx, `select queue, count(*) from goqite group by queue`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var k string
		var n int
		if err := rows.Scan(&k, &n); err != nil {
			return nil, err
		}
		out[k] = n
	}
	return out, rows.Err()
}

// CountFailedJobs counts failed jobs not yet retried.
func (db *DB) CountFailedJobs(ctx context.Context) (int, error) {
	var n int
	err := db.sql.QueryRowContext(ctx, `select count(*) from failed_jobs where retried_at is null`).Scan(&n)
	return n, err
}

// Package store keeps Lightbox's state in one SQLite database: the
// relational data, the job queue and the face embeddings.
//
// Exported methods own their transaction; lowercase helpers take a *sql.Tx.
package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base32"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
	_ "modernc.org/sqlite/vec" // registers sqlite-vec's vec0 tables

	"lightbox/migrations"
)

// Errors callers can test for with errors.Is.
var (
	ErrNotFound = errors.New("not found")
	ErrConflict = errors.New("conflict")
)

// timeFormat is fixed-width so stored times sort and compare as text.
const timeFormat = "2006-01-02T15:04:05.000Z"

// DB is the Lightbox database.
type DB struct {
	sql  *sql.DB
	path string
	now  func() time.Time

	queues   *queues
	notifyMu sync.Mutex
	notify   func(kind string)
	pending  sync.Map // *sql.Tx -> []string, kinds enqueued in an open transaction
	stmts    sync.Map // query -> *sql.Stmt, the hot reads prepared once
}

// Options tune Open.
type Options struct {
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// MaxConns bounds the connection pool (default 8).
	MaxConns int
}

// Open opens (creating if needed) the database file at path and applies
// pending migrations. It refuses a database migrated by a newer binary.
func Open(ctx context.Context, path string, opts Options) (*DB, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.MaxConns == 0 {
		opts.MaxConns = 8
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("database path: %w", err)
	}
	if err := private(abs, "", "-wal", "-shm"); err != nil {
		return nil, fmt.Errorf("database file: %w", err)
	}
	q := url.Values{}
	for _, p := range []string{"busy_timeout(10000)", "journal_mode(WAL)", "foreign_keys(1)", "synchronous(NORMAL)"} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	dsn := "file:" + abs + "?" + q.Encode()
	sdb, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	sdb.SetMaxOpenConns(opts.MaxConns)
	sdb.SetMaxIdleConns(opts.MaxConns)
	sdb.SetConnMaxIdleTime(0)
	db := &DB{sql: sdb, path: abs, now: func() time.Time { return opts.Now().UTC() }}
	if err := db.migrate(ctx); err != nil {
		sdb.Close()
		return nil, err
	}
	db.queues = newQueues(sdb)
	return db, nil
}

// private makes the database file readable by its owner only, creating it
// empty if need be, and tightens the suffixed companion files that exist.
// SQLite creates the -wal and -shm files with the database file's mode,
// so they follow whatever the data folder's mode or the umask.
func private(path string, suffixes ...string) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	for _, s := range suffixes {
		if err := os.Chmod(path+s, 0o600); err != nil && (s == "" || !errors.Is(err, fs.ErrNotExist)) {
			return err
		}
	}
	return nil
}

// Close closes the database.
func (db *DB) Close() error {
	db.stmts.Range(func(_, s any) bool {
		s.(*sql.Stmt).Close()
		return true
	})
	return db.sql.Close()
}

// stmt returns the prepared statement for a query on every request's path
// (sessions, membership, photo pages), so SQLite parses it once rather
// than on each call. Queries built from a few fixed fragments are fine;
// never pass one with values spliced in.
func (db *DB) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if s, ok := db.stmts.Load(query); ok {
		return s.(*sql.Stmt), nil
	}
	s, err := db.sql.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if prev, loaded := db.stmts.LoadOrStore(query, s); loaded {
		s.Close()
		return prev.(*sql.Stmt), nil
	}
	return s, nil
}

// queryRow is QueryRowContext through a prepared statement.
func (db *DB) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	s, err := db.stmt(ctx, query)
	if err != nil {
		return db.sql.QueryRowContext(ctx, query, args...) // reports the same error
	}
	return s.QueryRowContext(ctx, args...)
}

// query is QueryContext through a prepared statement.
func (db *DB) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	s, err := db.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return s.QueryContext(ctx, args...)
}

// SQL exposes the handle for the backup command and for tests.
func (db *DB) SQL() *sql.DB { return db.sql }

// Path is the database file's absolute path.
func (db *DB) Path() string { return db.path }

// Now is the store's clock, in UTC.
func (db *DB) Now() time.Time { return db.now() }

// Ping checks that the database answers a query.
func (db *DB) Ping(ctx context.Context) error {
	var n int
	return db.sql.QueryRowContext(ctx, `select 1`).Scan(&n)
}

// migrate applies the embedded migrations not yet recorded, each in its own
// transaction.
func (db *DB) migrate(ctx context.Context) error {
	if _, err := db.sql.ExecContext(ctx, `create table if not exists schema_migrations (
		version integer primary key, name text not null, applied_at text not null) strict`); err != nil {
		return fmt.Errorf("migrations table: %w", err)
	}
	names, err := fs.Glob(migrations.FS, "*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	known := map[int]string{}
	latest := 0
	for _, name := range names {
		v, err := strconv.Atoi(strings.SplitN(name, "_", 2)[0])
		if err != nil {
			return fmt.Errorf("migration %s: name must start with a number", name)
		}
		known[v] = name
		latest = max(latest, v)
	}
	var applied int
	if err := db.sql.QueryRowContext(ctx, `select coalesce(max(version), 0) from schema_migrations`).Scan(&applied); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if applied > latest {
		return fmt.Errorf("database schema version %d is newer than this binary's %d: upgrade Lightbox", applied, latest)
	}
	for v := applied + 1; v <= latest; v++ {
		name, ok := known[v]
		if !ok {
			continue
		}
		body, err := fs.ReadFile(migrations.FS, name)
		if err != nil {
			return err
		}
		err = db.tx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, string(body)); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `insert into schema_migrations (version, name, applied_at) values (?, ?, ?)`,
				v, name, db.now().Format(timeFormat))
			return err
		})
		if err != nil {
			return fmt.Errorf("migration %s: %w", name, err)
		}
	}
	return nil
}

// SchemaVersion reports the latest applied migration.
func (db *DB) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := db.sql.QueryRowContext(ctx, `select coalesce(max(version), 0) from schema_migrations`).Scan(&v)
	return v, err
}

// tx runs fn in a write transaction (BEGIN IMMEDIATE) and commits it. Jobs
// enqueued inside fn wake their runner once the commit succeeded.
func (db *DB) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer db.pending.Delete(tx)
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	if kinds, ok := db.pending.Load(tx); ok {
		for _, k := range kinds.([]string) {
			db.wake(k)
		}
	}
	return nil
}

// textColumn reads a one-column result of text, closing rows; it takes
// the query's error too, so a call reads textColumn(tx.QueryContext(...)).
func textColumn(rows *sql.Rows, err error) ([]string, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// enqueueEach queues one job of kind per id, in one transaction, and
// returns how many.
func (db *DB) enqueueEach(ctx context.Context, kind string, ids []string, payload func(id string) any) (int, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	return len(ids), db.tx(ctx, func(tx *sql.Tx) error {
		for _, id := range ids {
			if err := db.enqueue(ctx, tx, kind, payload(id), 0); err != nil {
				return err
			}
		}
		return nil
	})
}

// mapErr turns driver errors into the store's errors.
func mapErr(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return fmt.Errorf("%w: %v", ErrConflict, err)
		}
	}
	return err
}

var idEncoding = base32.NewEncoding("0123456789abcdefghjkmnpqrstvwxyz").WithPadding(base32.NoPadding)

// NewID returns an opaque, time-ordered id with a type prefix, like
// "ph_06h0...": 48 bits of milliseconds, a 16-bit sequence so ids made in
// the same millisecond keep their order, and 64 random bits. Ids sort by
// creation time, which keyset pagination uses.
func NewID(prefix string) string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(time.Now().UnixMilli())<<16|uint64(idSeq.Add(1)&0xffff))
	if _, err := rand.Read(b[8:]); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return prefix + "_" + idEncoding.EncodeToString(b[:])
}

var idSeq atomic.Uint32

func fmtTime(t time.Time) string { return t.UTC().Format(timeFormat) }

func parseTime(s string) time.Time {
	t, _ := time.Parse(timeFormat, s)
	return t
}

func parseNullTime(s sql.NullString) *time.Time {
	if !s.Valid {
		return nil
	}
	t := parseTime(s.String)
	return &t
}

// Package storetest opens a fresh, migrated database file per test.
package storetest

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"lightbox/store"
)

// Open returns a new database in tb's temp dir, closed at cleanup.
func Open(tb testing.TB) *store.DB {
	tb.Helper()
	return OpenClock(tb, nil)
}

// OpenClock is Open with a fixed or fake clock.
func OpenClock(tb testing.TB, now func() time.Time) *store.DB {
	tb.Helper()
	db, err := store.Open(context.Background(), filepath.Join(tb.TempDir(), "lightbox.db"), store.Options{Now: now})
	if err != nil {
		tb.Fatalf("open database: %v", err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

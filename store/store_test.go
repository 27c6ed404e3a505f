package store_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"lightbox/store"
	"lightbox/store/storetest"
)

func TestOpenMigratesOnceAndRefusesNewerSchema(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "lb.db")
	db, err := store.Open(ctx, path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	v, err := db.SchemaVersion(ctx)
	if err != nil || v < 1 {
		t.Fatalf("schema version = %d, %v", v, err)
	}
	var mode string
	if err := db.SQL().QueryRowContext(ctx, `pragma journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Fatalf("journal_mode = %q, %v", mode, err)
	}
	var fk int
	if err := db.SQL().QueryRowContext(ctx, `pragma foreign_keys`).Scan(&fk); err != nil || fk != 1 {
		t.Fatalf("foreign_keys = %d, %v", fk, err)
	}
	db.Close()

	// Reopening applies nothing twice.
	db, err = store.Open(ctx, path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var n int
	db.SQL().QueryRowContext(ctx, `select count(*) from schema_migrations`).Scan(&n)
	if n != v {
		t.Fatalf("%d migrations recorded, want %d", n, v)
	}
	if _, err := db.SQL().ExecContext(ctx, `insert into schema_migrations (version, name, applied_at) values (9999, 'future', 'x')`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	_, err = store.Open(ctx, path, store.Options{})
	if err == nil || !strings.Contains(err.Error(), "newer than this binary") {
		t.Fatalf("open of a newer database: %v", err)
	}
}

func TestConcurrentWritersNeverSeeBusy(t *testing.T) {
	db := storetest.Open(t)
	ctx := context.Background()
	errs := make(chan error, 8)
	for w := 0; w < 8; w++ {
		go func() {
			for i := 0; i < 20; i++ {
				if err := db.Enqueue(ctx, store.JobCleanupProjectStorage, store.CleanupPayload{Prefix: "x/"}); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for w := 0; w < 8; w++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	depth, err := db.QueueDepth(ctx)
	if err != nil || depth[store.JobCleanupProjectStorage] != 160 {
		t.Fatalf("depth = %v, %v", depth, err)
	}
}

func TestCreateUserConflict(t *testing.T) {
	db := storetest.Open(t)
	ctx := context.Background()
	u := store.User{Email: "A@example.com", Role: store.RoleOperator, PasswordHash: "x"}
	if err := db.CreateUser(ctx, &u); err != nil {
		t.Fatal(err)
	}
	u2 := store.User{Email: "a@EXAMPLE.com", Role: store.RoleAttendee, PasswordHash: "x"}
	if err := db.CreateUser(ctx, &u2); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("duplicate email: %v, want ErrConflict", err)
	}
	got, err := db.UserByEmail(ctx, "a@example.com")
	if err != nil || got.ID != u.ID {
		t.Fatalf("lookup: %+v %v", got, err)
	}
}

// The database, its WAL and shared-memory files and its backups are the
// owner's alone, whatever the data folder's mode and the umask.
func TestDatabaseFilesArePrivate(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "lb.db")
	// A database left readable by an older version is tightened too.
	if err := os.WriteFile(path+"-wal", nil, 0o644); err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(ctx, path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.SQL().ExecContext(ctx, `create table t (x); insert into t values (1)`); err != nil {
		t.Fatal(err)
	}
	backup := filepath.Join(dir, "backup.db")
	if err := db.Backup(ctx, backup); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{path, path + "-wal", path + "-shm", backup} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if m := fi.Mode().Perm(); m != 0o600 {
			t.Errorf("%s: mode %v, want -rw-------", filepath.Base(p), m)
		}
	}
}

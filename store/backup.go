package store

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Backup writes a consistent, compacted copy of the live database to path
// (VACUUM INTO), safe while the server runs. path must not exist.
func (db *DB) Backup(ctx context.Context, path string) error {
	abs, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	// VACUUM INTO fills an empty file, so the copy is born private.
	f, err := os.OpenFile(abs, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	f.Close()
	if _, err := db.sql.ExecContext(ctx, `vacuum into ?`, abs); err != nil {
		os.Remove(abs)
		return fmt.Errorf("backup: %w", err)
	}
	return nil
}

// Restore checks that backup is a Lightbox database that passes an
// integrity check and puts it in place of the database at path. The
// server must be stopped. The replaced database is kept beside it as
// path + ".before-restore".
func Restore(ctx context.Context, backup, path string) error {
	src, err := Open(ctx, backup, Options{MaxConns: 1})
	if err != nil {
		return fmt.Errorf("restore: %s is not a usable Lightbox database: %w", backup, err)
	}
	var res string
	err = src.sql.QueryRowContext(ctx, `pragma integrity_check`).Scan(&res)
	if err == nil && res != "ok" {
		err = fmt.Errorf("integrity check: %s", res)
	}
	if err == nil {
		// Fold the WAL in so the single file is complete.
		_, err = src.sql.ExecContext(ctx, `pragma wal_checkpoint(truncate)`)
	}
	src.Close()
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	tmp := path + ".restoring"
	os.Remove(tmp)
	if err := copyFile(backup, tmp); err != nil {
		return err
	}
	if _, err := os.Stat(path); err == nil {
		if err := os.Rename(path, path+".before-restore"); err != nil {
			return err
		}
	}
	os.Remove(path + "-wal")
	os.Remove(path + "-shm")
	return os.Rename(tmp, path)
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	f, err := os.OpenFile(to, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, in); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"lightbox/app"
	"lightbox/store"
)

// dbPath is the database file inside the data dir.
func dbPath(dataDir string) string { return filepath.Join(dataDir, "lightbox.db") }

func openDB(ctx context.Context, dataDir string) (*store.DB, error) {
	if err := os.MkdirAll(dataDir, 0o750); err != nil {
		return nil, fmt.Errorf("data dir: %w", err)
	}
	return store.Open(ctx, dbPath(dataDir), store.Options{})
}

func cmdOperatorCreate(ctx context.Context, args []string, getenv getenvFunc, stdout, stderr io.Writer) error {
	fs, dir := newFlags("operator create", getenv, stderr)
	email := fs.String("email", "", "the operator's email")
	password := fs.String("password", "", "the operator's password (at least 10 characters)")
	name := fs.String("name", "", "the operator's name")
	if err := fs.Parse(args); err != nil {
		return err
	}
	addr, ok := app.NormalizeEmail(*email)
	if !ok {
		return fmt.Errorf("--email %q is not a valid email address", *email)
	}
	if why := app.ValidatePassword(*password); why != "" {
		return fmt.Errorf("--password: %s", why)
	}
	db, err := openDB(ctx, *dir)
	if err != nil {
		return err
	}
	defer db.Close()
	hash, err := app.HashPassword(*password, 0)
	if err != nil {
		return err
	}
	u := store.User{Email: addr, Name: strings.TrimSpace(*name), Role: store.RoleOperator, PasswordHash: hash}
	if err := db.CreateUser(ctx, &u); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return fmt.Errorf("an account with email %s already exists", addr)
		}
		return err
	}
	fmt.Fprintf(stdout, "operator %s created\n", addr)
	return nil
}

func cmdMigrate(ctx context.Context, args []string, getenv getenvFunc, stdout, stderr io.Writer) error {
	fs, dir := newFlags("migrate", getenv, stderr)
	if err := fs.Parse(args); err != nil {
		return err
	}
	db, err := openDB(ctx, *dir)
	if err != nil {
		return err
	}
	defer db.Close()
	v, err := db.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "database %s is at schema version %d\n", db.Path(), v)
	return nil
}

func cmdBackup(ctx context.Context, args []string, getenv getenvFunc, stdout, stderr io.Writer) error {
	fs, dir := newFlags("backup", getenv, stderr)
	to := fs.String("to", "", "file to write the backup to (must not exist)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *to == "" {
		return fmt.Errorf("backup needs --to FILE")
	}
	if _, err := os.Stat(*to); err == nil {
		return fmt.Errorf("%s already exists", *to)
	}
	db, err := openDB(ctx, *dir)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Backup(ctx, *to); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backup written to %s\n", *to)
	return nil
}

func cmdRestore(ctx context.Context, args []string, getenv getenvFunc, stdout, stderr io.Writer) error {
	fs, dir := newFlags("restore", getenv, stderr)
	from := fs.String("from", "", "backup file to restore")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *from == "" {
		return fmt.Errorf("restore needs --from FILE")
	}
	if err := os.MkdirAll(*dir, 0o750); err != nil {
		return err
	}
	if err := store.Restore(ctx, *from, dbPath(*dir)); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "restored %s into %s\n", *from, dbPath(*dir))
	return nil
}

package blob

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// Delete removes keys and their sidecars, and the directories they leave
// empty. Missing keys are fine. Every key is validated before anything is
// removed.
func (l *Local) Delete(ctx context.Context, keys ...string) error {
	rels := make([]string, len(keys))
	for i, k := range keys {
		rel, err := l.file(k)
		if err != nil {
			return err
		}
		rels[i] = rel
	}
	root, err := os.OpenRoot(l.dir)
	if err != nil {
		return fmt.Errorf("blob: %w", err)
	}
	defer root.Close()
	for _, batch := range chunk(rels, maxDeleteBatch) {
		if err := ctx.Err(); err != nil {
			return err
		}
		if _, err := l.remove(root, batch); err != nil {
			return err
		}
	}
	return nil
}

// DeletePrefix removes every object whose key starts with prefix (a plain
// string prefix, as in S3: "p1" also matches "p10/x"). It walks only the
// directory named by prefix up to its last "/", removes in batches, and
// also clears orphaned sidecars and stale temporary files it meets under
// prefix. It returns how many objects it removed; a second run returns 0.
func (l *Local) DeletePrefix(ctx context.Context, prefix string) (int, error) {
	if err := validPrefix(prefix); err != nil {
		return 0, err
	}
	base := "."
	if i := strings.LastIndexByte(prefix, '/'); i >= 0 {
		base = prefix[:i]
	}
	root, err := os.OpenRoot(l.dir)
	if err != nil {
		return 0, fmt.Errorf("blob: %w", err)
	}
	defer root.Close()

	cutoff := l.Now().Add(-staleTemp)
	var objects, junk []string
	err = fs.WalkDir(root.FS(), base, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == base && notExist(err) {
				return fs.SkipAll
			}
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if d.IsDir() {
			// Below base, a directory holds matches only if its own
			// path continues the prefix ("p1" covers "p10/").
			if p != base && !strings.HasPrefix(p+"/", prefix) {
				return fs.SkipDir
			}
			return nil
		}
		name := d.Name()
		switch {
		case strings.HasPrefix(name, tempPrefix):
			info, err := d.Info()
			if err == nil && info.ModTime().Before(cutoff) && strings.HasPrefix(path.Dir(p)+"/", prefix) {
				junk = append(junk, filepath.FromSlash(p))
			}
		case strings.HasSuffix(name, metaSuffix):
			if strings.HasPrefix(p, prefix) {
				junk = append(junk, filepath.FromSlash(p))
			}
		case strings.HasPrefix(p, prefix) && ValidKey(p) == nil:
			objects = append(objects, filepath.FromSlash(p))
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("blob: list %q: %w", prefix, err)
	}

	n := 0
	for _, batch := range chunk(objects, maxDeleteBatch) {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		m, err := l.remove(root, batch)
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, l.removeJunk(root, junk)
}

// remove deletes the objects at rels (relative paths) with their sidecars
// and prunes the directories left empty. It returns how many objects it
// removed.
func (l *Local) remove(root *os.Root, rels []string) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	var errs []error
	for _, rel := range rels {
		fi, err := root.Lstat(rel)
		switch {
		case notExist(err):
		case err != nil:
			errs = append(errs, err)
			continue
		case fi.IsDir(): // a directory of other keys, not an object
		default:
			if err := root.Remove(rel); err != nil && !notExist(err) {
				errs = append(errs, err)
				continue
			}
			n++
		}
		if err := root.Remove(rel + metaSuffix); err != nil && !notExist(err) {
			errs = append(errs, err)
		}
		prune(root, filepath.Dir(rel))
	}
	if err := errors.Join(errs...); err != nil {
		return n, fmt.Errorf("blob: delete: %w", err)
	}
	return n, nil
}

// removeJunk deletes leftovers of interrupted writes: sidecars whose object
// is gone and temporary files (already filtered by age).
func (l *Local) removeJunk(root *os.Root, junk []string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	var errs []error
	for _, rel := range junk {
		if data, ok := strings.CutSuffix(rel, metaSuffix); ok {
			if _, err := root.Lstat(data); !notExist(err) {
				continue // the object is still there (or just came back)
			}
		}
		if err := root.Remove(rel); err != nil && !notExist(err) {
			errs = append(errs, err)
		}
		prune(root, filepath.Dir(rel))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("blob: delete leftovers: %w", err)
	}
	return nil
}

// prune removes dir and then its parents while they are empty, stopping at
// the store directory. The caller holds l.mu.
func prune(root *os.Root, dir string) {
	for dir != "." && dir != string(filepath.Separator) && dir != "" {
		if root.Remove(dir) != nil {
			return
		}
		dir = filepath.Dir(dir)
	}
}

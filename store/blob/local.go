package blob

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"mime"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// On-disk layout of a Local store. An object with key k is the plain file
// dir/k, so a backup of dir is a tree of ordinary files. Its content type
// lives beside it in the sidecar dir/k~type (one line). While a write is in
// flight its bytes sit in dir/<parent of k>/.put~<random>. Keys never contain
// "~" (see ValidKey), so neither a sidecar nor a temporary file can be
// addressed, listed or overwritten as an object.
const (
	metaSuffix = "~type"
	tempPrefix = ".put~"
	// staleTemp is the age after which DeletePrefix removes a temporary
	// file left by a crashed write.
	staleTemp = 24 * time.Hour
)

// Local stores objects on the local disk and serves them through signed,
// expiring URLs with the contract of presigned S3 URLs. It is the embedded
// default when no R2 bucket is configured; mount it as the http.Handler for
// the path prefix /blobs/.
type Local struct {
	// Now is the clock that signs and checks expiry. NewLocal sets
	// time.Now; tests may replace it before the store is in use.
	Now func() time.Time
	// Log receives server-side failures met by ServeHTTP; nil drops them.
	Log *slog.Logger

	dir     string
	baseURL string
	key     []byte     // HMAC key, derived from the app secret
	macs    sync.Pool  // hash.Hash: HMACs under key, reused across signatures
	mu      sync.Mutex // orders directory creation, commits and removals
}

// NewLocal returns a store that keeps its files under dir (created if
// needed) and signs URLs of the form baseURL + "/blobs/" + key + "?...".
// With an empty baseURL the URLs are relative ("/blobs/" + key + "?..."),
// so a page loads them from whatever host it was opened at (the address
// in PUBLIC_URL, a LAN IP, 127.0.0.1) and they stay same-origin for the
// page's Content-Security-Policy. secret, at least 16 bytes, is only used
// to derive the URL signing key.
func NewLocal(dir string, baseURL string, secret []byte) (*Local, error) {
	if len(secret) < 16 {
		return nil, errors.New("blob: local store secret must be at least 16 bytes")
	}
	if baseURL != "" {
		u, err := url.Parse(baseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			return nil, fmt.Errorf("blob: base URL %q must be an absolute http(s) URL", baseURL)
		}
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("blob: %w", err)
	}
	if err := os.MkdirAll(abs, 0o750); err != nil {
		return nil, fmt.Errorf("blob: %w", err)
	}
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("lightbox/store/blob local url v1"))
	return &Local{Now: time.Now, dir: abs, baseURL: strings.TrimRight(baseURL, "/"), key: m.Sum(nil)}, nil
}

// Name returns "local".
func (l *Local) Name() string { return "local" }

// Dir returns the absolute directory that holds the objects.
func (l *Local) Dir() string { return l.dir }

// file validates key and returns its path relative to the store directory in
// the operating system's form. Besides ValidKey it checks that the cleaned
// path stays under the directory; every file access then goes through an
// os.Root, which refuses to leave the directory even through symlinks.
func (l *Local) file(key string) (string, error) {
	if err := ValidKey(key); err != nil {
		return "", err
	}
	// ValidKey admits only [A-Za-z0-9/_.-] without "." or ".." segments;
	// IsLocal is a second guard against leaving the directory.
	rel := filepath.FromSlash(key)
	if !filepath.IsLocal(rel) {
		return "", fmt.Errorf("%w %.80q: leaves the store directory", ErrInvalidKey, key)
	}
	return rel, nil
}

// Put stores exactly size bytes read from r under key, atomically: a reader
// sees the old object or the new one, never a part.
func (l *Local) Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) error {
	rel, err := l.file(key)
	if err != nil {
		return err
	}
	if err := checkContentType(contentType); err != nil {
		return err
	}
	if size < 0 {
		return fmt.Errorf("blob: negative size %d", size)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return l.write(ctx, rel, contentType, r, size, true)
}

// errExists refuses a write that may not replace an existing object.
var errExists = errors.New("blob: object exists")

// write streams r into a temporary file beside the target, fsyncs it, then
// renames the sidecar and the data into place and fsyncs the directory.
// Without replace, an object already at rel is kept and errExists returned.
func (l *Local) write(ctx context.Context, rel, contentType string, r io.Reader, size int64, replace bool) (err error) {
	root, err := os.OpenRoot(l.dir)
	if err != nil {
		return fmt.Errorf("blob: %w", err)
	}
	defer root.Close()
	dir := filepath.Dir(rel)

	// Creating the temporary files under the lock keeps a concurrent
	// Delete from pruning the directory in between.
	l.mu.Lock()
	data, meta, err := createTemps(root, dir)
	l.mu.Unlock()
	if err != nil {
		return fmt.Errorf("blob: %w", err)
	}
	dataTmp, metaTmp := filepath.Join(dir, filepath.Base(data.Name())), filepath.Join(dir, filepath.Base(meta.Name()))
	defer func() {
		if err != nil {
			root.Remove(dataTmp)
			root.Remove(metaTmp)
		}
	}()
	if err := fill(meta, strings.NewReader(contentType+"\n"), int64(len(contentType))+1); err != nil {
		data.Close()
		return err
	}
	if err := fill(data, r, size); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}

	l.mu.Lock()
	defer l.mu.Unlock()
	if !replace {
		if _, err := root.Stat(rel); err == nil {
			return errExists
		} else if !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("blob: %w", err)
		}
	}
	if err := root.Rename(metaTmp, rel+metaSuffix); err != nil {
		return fmt.Errorf("blob: %w", err)
	}
	if err := root.Rename(dataTmp, rel); err != nil {
		return fmt.Errorf("blob: %w", err)
	}
	return syncDir(root, dir)
}

// createTemps makes dir and two fresh temporary files in it.
func createTemps(root *os.Root, dir string) (data, meta *os.File, err error) {
	if err := root.MkdirAll(dir, 0o750); err != nil {
		return nil, nil, err
	}
	if data, err = createTemp(root, dir); err != nil {
		return nil, nil, err
	}
	if meta, err = createTemp(root, dir); err != nil {
		data.Close()
		root.Remove(filepath.Join(dir, filepath.Base(data.Name())))
		return nil, nil, err
	}
	return data, meta, nil
}

// createTemp creates a new, exclusive temporary file in dir.
func createTemp(root *os.Root, dir string) (*os.File, error) {
	for range 5 {
		f, err := root.OpenFile(filepath.Join(dir, tempPrefix+rand.Text()), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o640)
		if !errors.Is(err, fs.ErrExist) {
			return f, err
		}
	}
	return nil, errors.New("blob: cannot create a temporary file")
}

// syncDir makes a rename in dir durable.
func syncDir(root *os.Root, dir string) error {
	d, err := root.Open(dir)
	if err != nil {
		return fmt.Errorf("blob: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) {
		return fmt.Errorf("blob: %w", err)
	}
	return nil
}

// Get opens key for reading; the caller closes it.
func (l *Local) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	rel, err := l.file(key)
	if err != nil {
		return nil, err
	}
	f, _, _, err := l.open(rel)
	if err != nil {
		return nil, err
	}
	return f, nil
}

// Stat returns the size and content type of key.
func (l *Local) Stat(ctx context.Context, key string) (Info, error) {
	rel, err := l.file(key)
	if err != nil {
		return Info{}, err
	}
	f, fi, ct, err := l.open(rel)
	if err != nil {
		return Info{}, err
	}
	f.Close()
	return Info{Size: fi.Size(), ContentType: ct}, nil
}

// open opens the object at rel with its file info and content type. The
// content type comes from the sidecar, or from the extension if the sidecar
// is missing (a file copied in by hand).
func (l *Local) open(rel string) (*os.File, fs.FileInfo, string, error) {
	root, err := os.OpenRoot(l.dir)
	if err != nil {
		return nil, nil, "", fmt.Errorf("blob: %w", err)
	}
	defer root.Close()
	f, err := root.Open(rel)
	if err != nil {
		if notExist(err) {
			return nil, nil, "", fmt.Errorf("%w: %s", ErrNotFound, filepath.ToSlash(rel))
		}
		return nil, nil, "", fmt.Errorf("blob: %w", err)
	}
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		f.Close()
		if err == nil {
			err = fmt.Errorf("%w: %s", ErrNotFound, filepath.ToSlash(rel))
		}
		return nil, nil, "", err
	}
	ct := ""
	if b, err := root.ReadFile(rel + metaSuffix); err == nil {
		ct = strings.TrimSpace(string(b))
	}
	if checkContentType(ct) != nil {
		ct = mime.TypeByExtension(filepath.Ext(rel))
		if ct == "" {
			ct = "application/octet-stream"
		}
	}
	return f, fi, ct, nil
}

// notExist reports whether err means that a path is missing, including a
// path that runs through a regular file.
func notExist(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR)
}

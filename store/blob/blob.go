// Package blob stores photo and selfie objects: in Cloudflare R2 (or any
// S3-compatible service) through presigned URLs, or on the local disk behind
// signed, expiring URLs served by the binary itself. Both backends keep the
// same contract, so the rest of the app never knows which one is live.
package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"strings"
	"time"
)

// Upload is a presigned request the client performs itself. It marshals to
// the API's upload object: {"method","url","headers","expiresAt"}. The client
// must send exactly Headers; the signature binds them.
type Upload struct {
	Method    string            `json:"method"`
	URL       string            `json:"url"`
	Headers   map[string]string `json:"headers"`
	ExpiresAt time.Time         `json:"expiresAt"`
}

// ErrNotFound is returned when an object does not exist.
var ErrNotFound = errors.New("blob: object not found")

// ErrInvalidKey is returned for a key or prefix that ValidKey rejects.
var ErrInvalidKey = errors.New("blob: invalid key")

// GetOptions tunes a presigned download.
type GetOptions struct {
	// Filename, when non-empty, makes the download an attachment saved
	// under that name (Content-Disposition).
	Filename string
}

// Info describes a stored object.
type Info struct {
	Size        int64
	ContentType string
}

// Store is object storage as the app uses it. Keys must pass ValidKey.
type Store interface {
	// PresignPut returns a request that uploads exactly size bytes of
	// contentType to key until ttl has passed.
	PresignPut(ctx context.Context, key, contentType string, size int64, ttl time.Duration) (Upload, error)
	// PresignGet returns a URL that downloads key until expiresAt.
	PresignGet(ctx context.Context, key string, ttl time.Duration, opts GetOptions) (url string, expiresAt time.Time, err error)
	// Put stores exactly size bytes read from r under key.
	Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) error
	// Get opens key for reading; ErrNotFound when it is missing.
	Get(ctx context.Context, key string) (io.ReadCloser, error)
	// Stat describes key; ErrNotFound when it is missing.
	Stat(ctx context.Context, key string) (Info, error)
	// Delete removes keys; keys that are already missing are not an error.
	Delete(ctx context.Context, keys ...string) error
	// DeletePrefix removes every object whose key starts with prefix and
	// returns how many it removed. Running it again is harmless.
	DeletePrefix(ctx context.Context, prefix string) (int, error)
	// Name is "r2" or "local", for the startup summary.
	Name() string
}

// Limits shared by both backends.
const (
	// MaxKeyLen is the longest key ValidKey accepts.
	MaxKeyLen = 512
	// MaxTTL is the longest lifetime of a presigned URL (the SigV4 limit).
	MaxTTL = 7 * 24 * time.Hour
	// maxDeleteBatch is how many keys one S3 DeleteObjects call may carry.
	maxDeleteBatch = 1000
)

// ValidKey reports whether key is acceptable as an object key. The app builds
// keys from ids, so the rule is strict: only [A-Za-z0-9/_.-], at most
// MaxKeyLen bytes, no "..", no "." segment, no leading or trailing "/" and no
// "//". A valid key is a clean relative path on every platform and needs no
// escaping in a URL.
func ValidKey(key string) error {
	reason := ""
	switch {
	case key == "":
		reason = "empty"
	case len(key) > MaxKeyLen:
		reason = fmt.Sprintf("longer than %d bytes", MaxKeyLen)
	case key[0] == '/':
		reason = `starts with "/"`
	case key[len(key)-1] == '/':
		reason = `ends with "/"`
	case strings.Contains(key, "//"):
		reason = `contains "//"`
	case strings.Contains(key, ".."):
		reason = `contains ".."`
	case key == "." || strings.HasPrefix(key, "./") || strings.HasSuffix(key, "/.") || strings.Contains(key, "/./"):
		reason = `has a "." segment`
	}
	if reason == "" {
		for i := 0; i < len(key); i++ {
			if !keyByte(key[i]) {
				reason = fmt.Sprintf("byte %#02x not allowed", key[i])
				break
			}
		}
	}
	if reason != "" {
		return fmt.Errorf("%w %.80q: %s", ErrInvalidKey, key, reason)
	}
	return nil
}

// keyByte reports whether c may appear in a key.
func keyByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '/' || c == '_' || c == '.' || c == '-'
}

// validPrefix checks a DeletePrefix argument: a valid key, optionally with a
// trailing "/". The empty prefix (everything) is refused on purpose.
func validPrefix(prefix string) error {
	if err := ValidKey(strings.TrimSuffix(prefix, "/")); err != nil {
		return fmt.Errorf("prefix: %w", err)
	}
	return nil
}

// checkContentType accepts a parseable media type without control characters.
func checkContentType(ct string) error {
	if len(ct) == 0 || len(ct) > 255 {
		return fmt.Errorf("blob: content type must be 1 to 255 bytes")
	}
	for i := 0; i < len(ct); i++ {
		if ct[i] < 0x20 || ct[i] == 0x7f {
			return fmt.Errorf("blob: content type %q has a control character", ct)
		}
	}
	if _, _, err := mime.ParseMediaType(ct); err != nil {
		return fmt.Errorf("blob: content type %q: %w", ct, err)
	}
	return nil
}

// checkTTL bounds the lifetime of a presigned URL.
func checkTTL(ttl time.Duration) error {
	if ttl < time.Second || ttl > MaxTTL {
		return fmt.Errorf("blob: presign ttl %v outside 1s..%v", ttl, MaxTTL)
	}
	return nil
}

// attachment formats a Content-Disposition that saves the download as name
// (RFC 6266; non-ASCII names use the RFC 2231 encoding).
func attachment(name string) string {
	v := mime.FormatMediaType("attachment", map[string]string{"filename": name})
	if v == "" { // a name FormatMediaType cannot encode: keep a safe default
		v = `attachment; filename="download"`
	}
	return v
}

// chunk splits keys into consecutive batches of at most n keys.
func chunk(keys []string, n int) [][]string {
	if n <= 0 {
		panic("blob: chunk size must be positive")
	}
	var out [][]string
	for len(keys) > n {
		out = append(out, keys[:n:n])
		keys = keys[n:]
	}
	if len(keys) > 0 {
		out = append(out, keys)
	}
	return out
}

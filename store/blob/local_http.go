package blob

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Signed URLs of a Local store. A URL is
//
//	<baseURL>/blobs/<key>?exp=<unix seconds>[&filename=<name>]&sig=<hex>
//
// and sig is HMAC-SHA256, under a key derived from the app secret, of
//
//	method "\n" key "\n" exp "\n" content type "\n" content length "\n" filename
//
// For a PUT the content type and length are the request's own Content-Type
// and Content-Length, so, as with SigV4, a request with another type or size
// simply fails the signature; the filename is empty. For a GET (and HEAD) the
// type is empty, the length -1 and the filename is the query's. The URL is
// valid until, not at, exp.
//
// A PUT must carry If-None-Match: * (PresignPut lists it in the headers to
// send, as S3 does) and never replaces an object: a second PUT of the same
// key gets 412, so an upload URL cannot swap a photo or selfie once sent.

// PresignPut returns a PUT request for exactly size bytes of contentType.
func (l *Local) PresignPut(ctx context.Context, key, contentType string, size int64, ttl time.Duration) (Upload, error) {
	if _, err := l.file(key); err != nil {
		return Upload{}, err
	}
	if err := checkContentType(contentType); err != nil {
		return Upload{}, err
	}
	if size < 0 {
		return Upload{}, fmt.Errorf("blob: negative size %d", size)
	}
	if err := checkTTL(ttl); err != nil {
		return Upload{}, err
	}
	exp := l.Now().Add(ttl).Unix()
	q := url.Values{
		"exp": {strconv.FormatInt(exp, 10)},
		"sig": {l.sign(http.MethodPut, key, exp, contentType, size, "")},
	}
	return Upload{
		Method:    http.MethodPut,
		URL:       l.baseURL + "/blobs/" + key + "?" + q.Encode(),
		Headers:   map[string]string{"Content-Type": contentType, "If-None-Match": "*"},
		ExpiresAt: time.Unix(exp, 0).UTC(),
	}, nil
}

// PresignGet returns a GET URL for key; with opts.Filename the response is
// an attachment saved under that name.
func (l *Local) PresignGet(ctx context.Context, key string, ttl time.Duration, opts GetOptions) (string, time.Time, error) {
	if _, err := l.file(key); err != nil {
		return "", time.Time{}, err
	}
	if err := checkTTL(ttl); err != nil {
		return "", time.Time{}, err
	}
	exp := l.Now().Add(ttl).Unix()
	// Built by hand (the photo pages sign hundreds of these per request),
	// with the query in url.Values.Encode's order: exp, filename, sig.
	u := l.baseURL + "/blobs/" + key + "?exp=" + strconv.FormatInt(exp, 10)
	if opts.Filename != "" {
		u += "&filename=" + url.QueryEscape(opts.Filename)
	}
	u += "&sig=" + l.sign(http.MethodGet, key, exp, "", -1, opts.Filename)
	return u, time.Unix(exp, 0).UTC(), nil
}

// sign returns the hex signature of one request.
func (l *Local) sign(method, key string, exp int64, contentType string, size int64, filename string) string {
	m, _ := l.macs.Get().(hash.Hash)
	if m == nil {
		m = hmac.New(sha256.New, l.key)
	}
	defer l.macs.Put(m)
	m.Reset()
	buf := make([]byte, 0, 256)
	buf = append(buf, method...)
	buf = append(buf, '\n')
	buf = append(buf, key...)
	buf = append(buf, '\n')
	buf = strconv.AppendInt(buf, exp, 10)
	buf = append(buf, '\n')
	buf = append(buf, contentType...)
	buf = append(buf, '\n')
	buf = strconv.AppendInt(buf, size, 10)
	buf = append(buf, '\n')
	buf = append(buf, filename...)
	m.Write(buf)
	var sum [sha256.Size]byte
	return hex.EncodeToString(m.Sum(sum[:0]))
}

// ServeHTTP serves GET, HEAD and PUT on /blobs/{key} for URLs signed by
// PresignGet and PresignPut. Unsigned, tampered and expired requests get 403
// with a short plain body and nothing is read or written.
func (l *Local) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	key, ok := strings.CutPrefix(r.URL.Path, "/blobs/")
	if !ok {
		http.NotFound(w, r)
		return
	}
	method := r.Method
	switch method {
	case http.MethodGet, http.MethodPut:
	case http.MethodHead:
		method = http.MethodGet
	default:
		w.Header().Set("Allow", "GET, HEAD, PUT")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	rel, err := l.file(key)
	if err != nil {
		forbidden(w)
		return
	}
	q := r.URL.Query()
	exp, err := strconv.ParseInt(q.Get("exp"), 10, 64)
	if err != nil || exp <= 0 {
		forbidden(w)
		return
	}
	now, expires := l.Now(), time.Unix(exp, 0)
	if !now.Before(expires) {
		forbidden(w)
		return
	}
	contentType, size, filename := "", int64(-1), q.Get("filename")
	if method == http.MethodPut {
		contentType, size, filename = r.Header.Get("Content-Type"), r.ContentLength, ""
		if checkContentType(contentType) != nil || r.Header.Get("If-None-Match") != "*" {
			forbidden(w)
			return
		}
	}
	want := l.sign(method, key, exp, contentType, size, filename)
	if !hmac.Equal([]byte(q.Get("sig")), []byte(want)) {
		forbidden(w)
		return
	}

	if method == http.MethodPut {
		l.servePut(w, r, key, rel, contentType, size)
		return
	}
	f, fi, ct, err := l.open(rel)
	if errors.Is(err, ErrNotFound) {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	if err != nil {
		l.fail(w, r, key, err)
		return
	}
	defer f.Close()
	h := w.Header()
	h.Set("Content-Type", ct)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("Cache-Control", fmt.Sprintf("private, max-age=%d", int64(expires.Sub(now)/time.Second)))
	if filename != "" {
		h.Set("Content-Disposition", attachment(filename))
	}
	http.ServeContent(w, r, "", fi.ModTime(), f)
}

// servePut stores the body of a verified PUT.
func (l *Local) servePut(w http.ResponseWriter, r *http.Request, key, rel, contentType string, size int64) {
	if _, err := l.Stat(r.Context(), key); err == nil { // refused before reading; write checks again
		http.Error(w, "already uploaded", http.StatusPreconditionFailed)
		return
	}
	err := l.write(r.Context(), rel, contentType, bodyReader{r.Body}, size, false)
	switch {
	case errors.Is(err, errExists):
		http.Error(w, "already uploaded", http.StatusPreconditionFailed)
	case errors.Is(err, errTooLong):
		http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
	case errors.Is(err, errTooShort):
		http.Error(w, "incomplete body", http.StatusBadRequest)
	case err != nil:
		l.fail(w, r, key, err)
	default:
		w.WriteHeader(http.StatusOK)
	}
}

// forbidden answers a request without a valid signature.
func forbidden(w http.ResponseWriter) {
	http.Error(w, "forbidden", http.StatusForbidden)
}

// fail logs a server-side error and answers 500 without details.
func (l *Local) fail(w http.ResponseWriter, r *http.Request, key string, err error) {
	if l.Log != nil {
		l.Log.ErrorContext(r.Context(), "blob: local request failed", "method", r.Method, "key", key, "err", err)
	}
	http.Error(w, "internal error", http.StatusInternalServerError)
}

package mail

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// ErrInvalidMessage means a Message was refused before sending (no recipient,
// no subject, no body, an idempotency key over 256 characters). It is
// permanent.
var ErrInvalidMessage = errors.New("mail: invalid message")

// Error is returned by Resend.Send.
type Error struct {
	// Status is the HTTP status of the provider's response, or 0 when there
	// was none (network error, canceled context, refused message).
	Status int
	// RetryAfter is the provider's Retry-After, when it sent one (on 429).
	RetryAfter time.Duration
	// Msg says what went wrong.
	Msg string

	permanent bool  // used when Status is 0
	err       error // cause
}

// Error implements error.
func (e *Error) Error() string {
	if e.Status == 0 {
		return "mail: " + e.Msg
	}
	return fmt.Sprintf("mail: HTTP %d: %s", e.Status, e.Msg)
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.err }

// Temporary reports whether sending again later may succeed: 429, 5xx and
// network errors are temporary, other 4xx and refused messages are not. A
// success status with an unreadable body is temporary too: the idempotency
// key makes the retry safe.
func (e *Error) Temporary() bool {
	switch {
	case e.Status == 0:
		return !e.permanent
	case e.Status == http.StatusTooManyRequests || e.Status >= 500:
		return true
	case e.Status >= 400:
		return false
	default:
		return true
	}
}

// IsPermanent reports whether err is a mail error that retrying cannot fix.
// Errors from elsewhere are not permanent.
func IsPermanent(err error) bool {
	var e *Error
	if errors.As(err, &e) {
		return !e.Temporary()
	}
	return false
}

func invalid(format string, args ...any) *Error {
	return &Error{Msg: fmt.Sprintf(format, args...), permanent: true, err: ErrInvalidMessage}
}

// responseKey is the context key under which Send asks the transport to
// record the response.
type responseKey struct{}

// responseInfo is what the transport records about the last response.
type responseInfo struct {
	status     int
	retryAfter string
}

// recordingTransport records the status and Retry-After of each response in
// the responseInfo carried by the request's context, because resend-go turns
// most error statuses into untyped errors.
type recordingTransport struct {
	base http.RoundTripper
}

// RoundTrip implements http.RoundTripper.
func (t recordingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	base := t.base
	if base == nil {
		base = http.DefaultTransport
	}
	resp, err := base.RoundTrip(req)
	if err == nil {
		if info, ok := req.Context().Value(responseKey{}).(*responseInfo); ok {
			info.status = resp.StatusCode
			info.retryAfter = resp.Header.Get("Retry-After")
		}
	}
	return resp, err
}

// parseRetryAfter reads a Retry-After header: seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if s, err := strconv.Atoi(v); err == nil {
		return time.Duration(max(s, 0)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0)
	}
	return 0
}

package retina

import (
	"errors"
	"fmt"
	"net/http"
)

// Sentinel errors, matched with errors.Is against errors returned by the Client.
var (
	// ErrUnauthorized means Retina rejected the API key (HTTP 401). It is permanent.
	ErrUnauthorized = errors.New("retina: unauthorized")
	// ErrUnprocessable means Retina could not use an image because it is too large
	// (HTTP 413) or not decodable (HTTP 422). It is permanent: a selfie job rejects
	// the selfie as low_quality.
	ErrUnprocessable = errors.New("retina: image too large or not decodable")
	// ErrCircuitOpen means the circuit breaker is open and the call was not sent.
	// It is temporary.
	ErrCircuitOpen = errors.New("retina: circuit open")
	// ErrInvalidResponse means Retina answered 200 with a body that breaks the
	// contract in RETINA.md. It is permanent.
	ErrInvalidResponse = errors.New("retina: invalid response")
	// ErrInvalidRequest means the caller's arguments were refused before sending
	// (no photos, more than 50, a bad photo id). It is permanent.
	ErrInvalidRequest = errors.New("retina: invalid request")
)

// Error is returned by every Client method. It never holds image bytes or
// embeddings.
type Error struct {
	// Status is the HTTP status of Retina's response, or 0 when there was none
	// (connection error, timeout, open circuit, refused arguments).
	Status int
	// Op is the operation: "analyze" or "cluster".
	Op string
	// Msg says what went wrong, in words an operator can act on.
	Msg string

	temporary bool  // used when Status is 0
	err       error // cause, for errors.Is and errors.As
}

// Error implements error.
func (e *Error) Error() string {
	return fmt.Sprintf("retina %s: %s", e.Op, e.Msg)
}

// Unwrap returns the cause: one of the sentinel errors, a context error or a
// network error.
func (e *Error) Unwrap() error { return e.err }

// Temporary reports whether trying again later may succeed: HTTP 429 and
// 500-504, timeouts, connection errors and an open circuit are temporary;
// 401, 413, 422, other statuses and invalid responses are not.
func (e *Error) Temporary() bool {
	if e.Status == 0 {
		return e.temporary
	}
	return temporaryStatus(e.Status)
}

// IsPermanent reports whether err is a Retina error that retrying cannot fix.
// The job should fail without retry. Errors from elsewhere are not permanent.
func IsPermanent(err error) bool {
	var e *Error
	if errors.As(err, &e) {
		return !e.Temporary()
	}
	return false
}

func temporaryStatus(status int) bool {
	switch status {
	case http.StatusTooManyRequests, http.StatusInternalServerError, http.StatusNotImplemented,
		http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// statusError builds the error for a non-200 response. snippet is a short,
// sanitised excerpt of the response body.
func statusError(op string, status int, snippet string) *Error {
	e := &Error{Status: status, Op: op}
	switch status {
	case http.StatusUnauthorized:
		e.Msg = "Retina rejected the API key (401): check RETINA_API_KEY"
		e.err = ErrUnauthorized
		return e
	case http.StatusRequestEntityTooLarge:
		e.Msg = "image too large (413)"
		e.err = ErrUnprocessable
	case http.StatusUnprocessableEntity:
		e.Msg = "image not decodable (422)"
		e.err = ErrUnprocessable
	default:
		e.Msg = fmt.Sprintf("HTTP %d %s", status, http.StatusText(status))
	}
	if snippet != "" {
		e.Msg += ": " + snippet
	}
	return e
}

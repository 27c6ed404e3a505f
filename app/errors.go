package app

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"lightbox/store"
)

// Error is an API error: an HTTP status, a snake_case code, a message for
// people and, for validation errors, the reason per field.
type Error struct {
	Status  int               `json:"-"`
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
}

func (e *Error) Error() string { return e.Message }

func newError(status int, code, msg string) *Error {
	return &Error{Status: status, Code: code, Message: msg}
}

// invalid is a 400 with a reason per field.
func invalid(fields map[string]string) *Error {
	return &Error{Status: http.StatusBadRequest, Code: "invalid", Message: "Some fields need attention.", Fields: fields}
}

var (
	errUnauthorized = newError(http.StatusUnauthorized, "unauthorized", "Please log in.")
	errForbidden    = newError(http.StatusForbidden, "forbidden", "You don't have access to this.")
	errNotFound     = newError(http.StatusNotFound, "not_found", "Not found.")
	errBadJSON      = newError(http.StatusBadRequest, "bad_request", "The request body is not valid JSON.")
)

// handleError is the one place errors become responses. It logs only
// server errors and never shows internals.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	var apiErr *Error
	var he *echo.HTTPError
	switch {
	case errors.As(err, &apiErr):
	case errors.Is(err, store.ErrNotFound):
		apiErr = errNotFound
	case errors.Is(err, store.ErrConflict):
		apiErr = newError(http.StatusConflict, "conflict", "That already exists.")
	case errors.As(err, &he):
		apiErr = newError(he.Code, codeFor(he.Code), http.StatusText(he.Code))
		if he.Code == http.StatusRequestEntityTooLarge {
			apiErr.Message = "The request is too large."
		}
	default:
		apiErr = newError(http.StatusInternalServerError, "internal", "Something went wrong on our side. Please try again.")
	}
	if apiErr.Status >= 500 {
		s.log.Error("request failed", "method", c.Request().Method, "path", c.Path(), "status", apiErr.Status,
			"request_id", c.Response().Header().Get(echo.HeaderXRequestID), "err", err)
	}
	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(apiErr.Status)
		return
	}
	if wantsHTML(c) {
		s.renderError(c, apiErr)
		return
	}
	_ = c.JSON(apiErr.Status, map[string]any{"error": apiErr})
}

func codeFor(status int) string {
	switch status {
	case http.StatusNotFound:
		return "not_found"
	case http.StatusMethodNotAllowed:
		return "method_not_allowed"
	case http.StatusRequestEntityTooLarge:
		return "too_large"
	case http.StatusTooManyRequests:
		return "rate_limited"
	case http.StatusUnauthorized:
		return "unauthorized"
	case http.StatusForbidden:
		return "forbidden"
	case http.StatusBadRequest:
		return "bad_request"
	}
	if status >= 500 {
		return "internal"
	}
	return "error"
}

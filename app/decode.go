package app

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
)

// maxJSONBytes bounds a JSON request body (bulk invites are the largest).
const maxJSONBytes = 2 << 20

// decode reads a JSON body into v. It insists on a JSON content type, so
// a cross-site HTML form cannot reach the API.
func decode(c echo.Context, v any) error {
	mt, _, _ := mime.ParseMediaType(c.Request().Header.Get("Content-Type"))
	if mt != "application/json" {
		return newError(http.StatusUnsupportedMediaType, "unsupported_media_type", "Send the request body as application/json.")
	}
	dec := json.NewDecoder(io.LimitReader(c.Request().Body, maxJSONBytes+1))
	if err := dec.Decode(v); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return newError(http.StatusRequestEntityTooLarge, "too_large", "The request is too large.")
		}
		if errors.Is(err, io.ErrUnexpectedEOF) && c.Request().ContentLength > maxJSONBytes {
			return newError(http.StatusRequestEntityTooLarge, "too_large", "The request is too large.")
		}
		return errBadJSON
	}
	return nil
}

// wantsHTML tells page requests from API calls.
func wantsHTML(c echo.Context) bool {
	p := c.Request().URL.Path
	if strings.HasPrefix(p, "/v1/") || strings.HasPrefix(p, "/blobs/") {
		return false
	}
	return strings.Contains(c.Request().Header.Get("Accept"), "text/html")
}

// list wraps items as the API's list shape.
func list[T any](items []T, next string) page[T] {
	if items == nil {
		items = []T{}
	}
	return page[T]{Items: items, NextCursor: next}
}

// page is a list response: the items and, when there are more, the cursor
// of the next page.
type page[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"nextCursor,omitempty"`
}

// jsonSerializer is echo's JSON encoding without HTML escaping: responses
// are application/json under nosniff, and every signed URL would otherwise
// carry "\u0026" for each "&".
type jsonSerializer struct{ echo.DefaultJSONSerializer }

func (jsonSerializer) Serialize(c echo.Context, i any, indent string) error {
	enc := json.NewEncoder(c.Response())
	enc.SetEscapeHTML(false)
	if indent != "" {
		enc.SetIndent("", indent)
	}
	return enc.Encode(i)
}

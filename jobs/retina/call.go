package retina

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// call sends one request through the breaker, retrying temporary failures, and
// returns the body of the 200 response.
func (c *Client) call(ctx context.Context, op, path, contentType string, body []byte) ([]byte, error) {
	probe := false
	if c.breaker != nil {
		var ok bool
		if probe, ok = c.breaker.allow(); !ok {
			return nil, &Error{
				Op:        op,
				Msg:       "circuit open after repeated failures: not calling Retina until the cooldown ends",
				temporary: true,
				err:       ErrCircuitOpen,
			}
		}
	}
	data, err := c.retry(ctx, op, path, contentType, body)
	if c.breaker != nil {
		c.breaker.done(probe, breakerOutcome(ctx, err))
	}
	if err != nil {
		return nil, err
	}
	return data, nil
}

// breakerOutcome says what a call's result tells about Retina's health: a
// definitive answer, even an error status, means it is up.
func breakerOutcome(ctx context.Context, err *Error) outcome {
	switch {
	case err == nil:
		return success
	case ctx.Err() != nil:
		return ignored
	case err.Temporary():
		return failure
	default:
		return success
	}
}

func (c *Client) retry(ctx context.Context, op, path, contentType string, body []byte) ([]byte, *Error) {
	for attempt := 0; ; attempt++ {
		data, retryAfter, err := c.attempt(ctx, op, path, contentType, body)
		if err == nil {
			return data, nil
		}
		if !err.Temporary() || attempt >= c.retries || ctx.Err() != nil {
			return nil, err
		}
		if serr := c.sleep(ctx, c.backoff(attempt, retryAfter)); serr != nil {
			return nil, &Error{
				Op:        op,
				Msg:       fmt.Sprintf("%s (stopped retrying: %v)", err.Msg, serr),
				temporary: true,
				err:       serr,
			}
		}
	}
}

// backoff returns the delay before retry number attempt+1: the base delay
// doubled attempt times, capped, plus up to 50% jitter, and at least the
// capped Retry-After.
func (c *Client) backoff(attempt int, retryAfter time.Duration) time.Duration {
	d := c.baseDelay
	for range attempt {
		if d >= maxDelay/2 {
			d = maxDelay
			break
		}
		d *= 2
	}
	d += rand.N(d/2 + 1)
	return max(d, min(retryAfter, maxRetryAfter))
}

// attempt sends the request once, bounded by the client's timeout.
func (c *Client) attempt(ctx context.Context, op, path, contentType string, body []byte) ([]byte, time.Duration, *Error) {
	actx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(actx, http.MethodPost, c.baseURL+path, bytes.NewReader(body))
	if err != nil {
		return nil, 0, &Error{Op: op, Msg: "bad RETINA_SERVICE_URL: " + err.Error(), err: err}
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("x-api-key", c.apiKey)
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, 0, c.transportError(ctx, op, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return nil, 0, c.transportError(ctx, op, err)
	}
	if resp.StatusCode != http.StatusOK {
		var retryAfter time.Duration
		if resp.StatusCode == http.StatusTooManyRequests {
			retryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
		}
		return nil, retryAfter, statusError(op, resp.StatusCode, snippet(data))
	}
	if len(data) > maxBody {
		return nil, 0, invalidResponse(op, fmt.Errorf("body larger than %d bytes", maxBody))
	}
	return data, 0, nil
}

// transportError classifies an error with no usable response: all are
// temporary.
func (c *Client) transportError(ctx context.Context, op string, err error) *Error {
	e := &Error{Op: op, temporary: true, err: err}
	switch {
	case ctx.Err() != nil:
		e.Msg = "call abandoned: " + ctx.Err().Error()
		e.err = ctx.Err()
	case errors.Is(err, context.DeadlineExceeded):
		e.Msg = fmt.Sprintf("no response within %s", c.timeout)
	default:
		e.Msg = "connection failed: " + err.Error()
	}
	return e
}

// parseRetryAfter reads a Retry-After header: seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil {
		return time.Duration(max(s, 0)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0)
	}
	return 0
}

// snippet returns a short printable excerpt of an error body for operators:
// the "error" or "message" field of a JSON body, else the text itself. It is
// empty for bodies that are not UTF-8 text.
func snippet(body []byte) string {
	var j struct {
		Error   string `json:"error"`
		Message string `json:"message"`
	}
	if json.Unmarshal(body, &j) == nil {
		if j.Error != "" {
			body = []byte(j.Error)
		} else if j.Message != "" {
			body = []byte(j.Message)
		}
	}
	if !utf8.Valid(body) || bytes.IndexByte(body, 0) >= 0 {
		return ""
	}
	if r := []rune(string(body)); len(r) > 200 {
		body = []byte(string(r[:200]))
	}
	s := strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, string(body))
	return strings.TrimSpace(strings.Join(strings.Fields(s), " "))
}

// filePart is one file part of a multipart/form-data body.
type filePart struct {
	field, filename string
	data            []byte
}

// multipartBody encodes parts as multipart/form-data, each as image/jpeg.
// Filenames must not hold quotes, backslashes or control characters.
func multipartBody(parts []filePart) ([]byte, string, error) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, p := range parts {
		h := make(textproto.MIMEHeader)
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="%s"; filename="%s"`, p.field, p.filename))
		h.Set("Content-Type", "image/jpeg")
		w, err := mw.CreatePart(h)
		if err != nil {
			return nil, "", err
		}
		if _, err := w.Write(p.data); err != nil {
			return nil, "", err
		}
	}
	if err := mw.Close(); err != nil {
		return nil, "", err
	}
	return buf.Bytes(), mw.FormDataContentType(), nil
}

// Package mailtest is an in-process fake of the Resend API's POST /emails,
// for tests of code that sends email. It records every request, deduplicates
// on the Idempotency-Key header as Resend does, and can be scripted to fail.
package mailtest

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
)

// Tag is an email tag.
type Tag struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Request is one POST /emails the fake received.
type Request struct {
	// APIKey is the bearer token of the Authorization header.
	APIKey string
	// IdempotencyKey is the Idempotency-Key header.
	IdempotencyKey string
	From           string
	To             []string
	Subject        string
	HTML           string
	Text           string
	Tags           []Tag
	// Status is the status the fake answered with.
	Status int
	// ID is the email id answered on success, the first one's for a repeated
	// idempotency key.
	ID string
}

// Server is the fake Resend API. It is safe for concurrent use.
type Server struct {
	ts *httptest.Server

	mu        sync.Mutex
	requests  []Request
	delivered []Request
	keys      map[string]sent // by idempotency key
	failures  []int
}

// sent is what an idempotency key was first used for.
type sent struct {
	id   string
	hash [32]byte // of the request body
}

// New starts a fake Resend API on a loopback port. Close it when done.
func New() *Server {
	s := &Server{keys: make(map[string]sent)}
	s.ts = httptest.NewServer(s)
	return s
}

// URL returns the base URL to use as RESEND_API_URL.
func (s *Server) URL() string { return s.ts.URL }

// Close shuts the server down.
func (s *Server) Close() { s.ts.Close() }

// Fail queues statuses to answer the next requests with, one per request, in
// Resend's error shape: a 429 carries retry-after: 1 and rate-limit headers.
// A failed request delivers nothing and does not use up its idempotency key.
func (s *Server) Fail(statuses ...int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures = append(s.failures, statuses...)
}

// Requests returns every request received so far, in order, including
// failed ones and repeats of an idempotency key.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return clone(s.requests)
}

// Delivered returns the emails delivered so far, in order: one per
// idempotency key.
func (s *Server) Delivered() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return clone(s.delivered)
}

func clone(rs []Request) []Request {
	out := make([]Request, len(rs))
	for i, r := range rs {
		r.To = append([]string(nil), r.To...)
		r.Tags = append([]Tag(nil), r.Tags...)
		out[i] = r
	}
	return out
}

// ServeHTTP implements POST /emails, so the fake can also be mounted under a
// path prefix.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/emails" {
		writeError(w, http.StatusNotFound, "not_found", "The requested endpoint does not exist.")
		return
	}
	if r.Method != http.MethodPost {
		writeError(w, http.StatusMethodNotAllowed, "method_not_allowed", "Method is not allowed for the requested path.")
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 40<<20))
	if err != nil {
		writeError(w, http.StatusBadRequest, "validation_error", "Could not read the body.")
		return
	}
	req := Request{IdempotencyKey: r.Header.Get("Idempotency-Key")}
	if v, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		req.APIKey = strings.TrimSpace(v)
	}
	fields, jerr := decodeEmail(body)
	req.From, req.To, req.Subject, req.HTML, req.Text, req.Tags = fields.From, []string(fields.To), fields.Subject, fields.HTML, fields.Text, fields.Tags

	s.mu.Lock()
	a := s.answer(req, body, jerr)
	req.Status, req.ID = a.status, a.id
	s.requests = append(s.requests, req)
	if a.deliver {
		s.delivered = append(s.delivered, req)
	}
	s.mu.Unlock()

	w.Header().Set("Content-Type", "application/json")
	if a.status == http.StatusOK {
		json.NewEncoder(w).Encode(map[string]string{"id": a.id})
		return
	}
	if a.status == http.StatusTooManyRequests {
		w.Header().Set("retry-after", "1")
		w.Header().Set("ratelimit-limit", "2")
		w.Header().Set("ratelimit-remaining", "0")
		w.Header().Set("ratelimit-reset", "1")
	}
	writeError(w, a.status, a.name, a.message)
}

// answer is what the fake answers to one request.
type answer struct {
	status        int
	id            string
	name, message string // for errors
	deliver       bool
}

// answer decides the answer to req; s.mu is held.
func (s *Server) answer(req Request, body []byte, jerr error) answer {
	if len(s.failures) > 0 {
		status := s.failures[0]
		s.failures = s.failures[1:]
		switch status {
		case http.StatusTooManyRequests:
			return answer{status: status, name: "rate_limit_exceeded", message: "Too many requests. You can only make 2 requests per second. See rate limit response headers for more information. Or contact support to increase rate limit."}
		case http.StatusInternalServerError:
			return answer{status: status, name: "internal_server_error", message: "An unexpected error occurred."}
		case http.StatusUnprocessableEntity:
			return answer{status: status, name: "validation_error", message: "Invalid `to` field. The email address needs to follow the `email@example.com` or `Name <email@example.com>` format."}
		}
		return answer{status: status, name: "application_error", message: http.StatusText(status)}
	}
	switch {
	case req.APIKey == "":
		return answer{status: http.StatusUnauthorized, name: "missing_api_key", message: "Missing API key in the authorization header. Include the following header in the request: Authorization: Bearer YOUR_API_KEY"}
	case len(req.IdempotencyKey) > 256:
		return answer{status: http.StatusBadRequest, name: "invalid_idempotency_key", message: "The key must be between 1-256 chars."}
	case jerr != nil:
		return answer{status: http.StatusUnprocessableEntity, name: "validation_error", message: "Invalid JSON body: " + jerr.Error()}
	case req.From == "":
		return answer{status: http.StatusUnprocessableEntity, name: "missing_required_field", message: "Missing `from` field."}
	case len(req.To) == 0:
		return answer{status: http.StatusUnprocessableEntity, name: "missing_required_field", message: "Missing `to` field."}
	case req.Subject == "":
		return answer{status: http.StatusUnprocessableEntity, name: "missing_required_field", message: "Missing `subject` field."}
	case req.HTML == "" && req.Text == "":
		return answer{status: http.StatusUnprocessableEntity, name: "missing_required_field", message: "Missing `html` or `text` field."}
	}
	hash := sha256.Sum256(body)
	if req.IdempotencyKey != "" {
		if prev, ok := s.keys[req.IdempotencyKey]; ok {
			if prev.hash != hash {
				return answer{status: http.StatusConflict, name: "invalid_idempotent_request", message: "Same idempotency key used with a different request payload. Change your idempotency key or payload."}
			}
			return answer{status: http.StatusOK, id: prev.id}
		}
	}
	id := fmt.Sprintf("4ef9a417-02e9-4d39-ad75-%012d", len(s.delivered)+1)
	if req.IdempotencyKey != "" {
		s.keys[req.IdempotencyKey] = sent{id: id, hash: hash}
	}
	return answer{status: http.StatusOK, id: id, deliver: true}
}

// email is the JSON body of POST /emails; to may be a string or a list.
type email struct {
	From    string     `json:"from"`
	To      stringList `json:"to"`
	Subject string     `json:"subject"`
	HTML    string     `json:"html"`
	Text    string     `json:"text"`
	Tags    []Tag      `json:"tags"`
}

// stringList decodes a JSON string or array of strings.
type stringList []string

// UnmarshalJSON implements json.Unmarshaler.
func (l *stringList) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*l = stringList{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return err
	}
	*l = many
	return nil
}

func decodeEmail(body []byte) (email, error) {
	var e email
	err := json.NewDecoder(bytes.NewReader(body)).Decode(&e)
	return e, err
}

// writeError writes Resend's error shape.
func writeError(w http.ResponseWriter, status int, name, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"statusCode": status, "name": name, "message": message})
}

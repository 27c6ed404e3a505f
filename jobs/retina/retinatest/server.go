// Package retinatest is an in-process fake of Retina, the face service, that
// implements the contract in RETINA.md. Tests of other packages run it with
// New; the product's demo mode serves NewHandler on a real port.
//
// Face identity comes from image content: a face is a solid square of one of
// the Palette colours, drawn with DrawFace, so generated photos of person N
// match a selfie of person N even after JPEG encoding and resizing.
package retinatest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
)

// Request is one request the fake received.
type Request struct {
	// Path is "/analyze", "/cluster" or whatever was asked for.
	Path string
	// APIKey is the x-api-key header as received.
	APIKey string
	// Photos is the number of "photos" parts (/cluster).
	Photos int
	// PhotoIDs are the filenames of the "photos" parts, in order.
	PhotoIDs []string
	// Status is the status the fake answered with.
	Status int
}

// Fake is the fake Retina as an http.Handler. It is safe for concurrent use.
type Fake struct {
	apiKey string

	mu       sync.Mutex
	failures map[string][]int
	requests []Request
}

// NewHandler returns a fake Retina that accepts apiKey.
func NewHandler(apiKey string) *Fake {
	return &Fake{apiKey: apiKey, failures: make(map[string][]int)}
}

// Fail queues statuses to answer the next calls on path ("/analyze" or
// "/cluster"), one per call, before the API key is checked. A scripted 429
// carries Retry-After: 1.
func (f *Fake) Fail(path string, statuses ...int) {
	path = "/" + strings.TrimPrefix(path, "/")
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failures[path] = append(f.failures[path], statuses...)
}

// Requests returns a copy of every request received so far, in order.
func (f *Fake) Requests() []Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]Request, len(f.requests))
	for i, r := range f.requests {
		r.PhotoIDs = append([]string(nil), r.PhotoIDs...)
		out[i] = r
	}
	return out
}

// Calls returns how many requests path ("/analyze" or "/cluster") received.
func (f *Fake) Calls(path string) int {
	path = "/" + strings.TrimPrefix(path, "/")
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, r := range f.requests {
		if r.Path == path {
			n++
		}
	}
	return n
}

// ServeHTTP implements POST /analyze and POST /cluster.
func (f *Fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec := Request{Path: r.URL.Path, APIKey: r.Header.Get("x-api-key")}
	status, body := f.serve(w, r, &rec)
	rec.Status = status
	f.mu.Lock()
	f.requests = append(f.requests, rec)
	f.mu.Unlock()

	w.Header().Set("Content-Type", "application/json")
	if status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", "1")
	}
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

// serve returns the status and JSON body for one request, filling rec.
func (f *Fake) serve(w http.ResponseWriter, r *http.Request, rec *Request) (int, any) {
	if rec.Path != "/analyze" && rec.Path != "/cluster" {
		return errorBody(http.StatusNotFound, "not found")
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		return errorBody(http.StatusMethodNotAllowed, "use POST")
	}
	form, ferr := readForm(w, r)
	for _, p := range form.parts["photos"] {
		rec.PhotoIDs = append(rec.PhotoIDs, p.filename)
	}
	rec.Photos = len(rec.PhotoIDs)

	if status := f.nextFailure(rec.Path); status != 0 {
		return errorBody(status, "scripted failure")
	}
	if rec.APIKey == "" || rec.APIKey != f.apiKey {
		return errorBody(http.StatusUnauthorized, "invalid or missing x-api-key")
	}
	if ferr != nil {
		return errorBody(ferr.status, ferr.msg)
	}
	if rec.Path == "/analyze" {
		return analyze(form)
	}
	return cluster(form)
}

func (f *Fake) nextFailure(path string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	q := f.failures[path]
	if len(q) == 0 {
		return 0
	}
	f.failures[path] = q[1:]
	return q[0]
}

// errorBody returns an error status and its JSON body.
func errorBody(status int, msg string) (int, any) {
	return status, map[string]string{"error": msg}
}

// Server is a fake Retina listening on a loopback port.
type Server struct {
	*Fake
	ts *httptest.Server
}

// New starts a fake Retina that accepts apiKey. Close it when done.
func New(apiKey string) *Server {
	f := NewHandler(apiKey)
	return &Server{Fake: f, ts: httptest.NewServer(f)}
}

// URL returns the base URL to use as RETINA_SERVICE_URL.
func (s *Server) URL() string { return s.ts.URL }

// Close shuts the server down.
func (s *Server) Close() { s.ts.Close() }

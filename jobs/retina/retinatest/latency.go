package retinatest

import (
	"net/http"
	"net/http/httptest"
	"time"
)

// Delayed wraps h so that every request waits d before it is served, as a
// call to the real service takes time on the network and its hardware. A
// request whose client gives up meanwhile is dropped unanswered and
// unrecorded. A d of zero or less returns h itself.
func Delayed(h http.Handler, d time.Duration) http.Handler {
	if d <= 0 {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
			h.ServeHTTP(w, r)
		case <-r.Context().Done():
		}
	})
}

// NewDelayed starts a fake Retina like New whose every call takes d longer.
// Close it when done.
func NewDelayed(apiKey string, d time.Duration) *Server {
	f := NewHandler(apiKey)
	return &Server{Fake: f, ts: httptest.NewServer(Delayed(f, d))}
}

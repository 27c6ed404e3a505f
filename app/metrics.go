package app

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"sync"
	"time"
)

// metrics collects request figures for the Prometheus text format.
type metrics struct {
	mu      sync.Mutex
	buckets []float64
	hist    map[httpKey]*histogram
}

type httpKey struct {
	method, route string
	class         string // 2xx, 4xx...
}

type histogram struct {
	counts []uint64 // per bucket, cumulative at export
	sum    float64
	n      uint64
}

func newMetrics() *metrics {
	return &metrics{buckets: []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}, hist: map[httpKey]*histogram{}}
}

func (m *metrics) observeHTTP(method, route string, status int, d time.Duration) {
	if route == "" {
		route = "unmatched"
	}
	k := httpKey{method, route, strconv.Itoa(status/100) + "xx"}
	sec := d.Seconds()
	m.mu.Lock()
	defer m.mu.Unlock()
	h := m.hist[k]
	if h == nil {
		h = &histogram{counts: make([]uint64, len(m.buckets))}
		m.hist[k] = h
	}
	for i, b := range m.buckets {
		if sec <= b {
			h.counts[i]++
			break
		}
	}
	h.sum += sec
	h.n++
}

// MetricsHandler serves Prometheus-format metrics: HTTP latency, jobs by
// kind and outcome, queue depth, failed jobs and photo ingest counts.
func (s *Server) MetricsHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		s.writeMetrics(r.Context(), w)
	})
}

func (s *Server) writeMetrics(ctx context.Context, w io.Writer) {
	m := s.metrics
	m.mu.Lock()
	keys := make([]httpKey, 0, len(m.hist))
	for k := range m.hist {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return fmt.Sprint(keys[i]) < fmt.Sprint(keys[j]) })
	fmt.Fprintln(w, "# HELP lightbox_http_request_duration_seconds HTTP request latency by route.")
	fmt.Fprintln(w, "# TYPE lightbox_http_request_duration_seconds histogram")
	for _, k := range keys {
		h := m.hist[k]
		labels := fmt.Sprintf(`method=%q,route=%q,code=%q`, k.method, k.route, k.class)
		var cum uint64
		for i, b := range m.buckets {
			cum += h.counts[i]
			fmt.Fprintf(w, "lightbox_http_request_duration_seconds_bucket{%s,le=\"%g\"} %d\n", labels, b, cum)
		}
		fmt.Fprintf(w, "lightbox_http_request_duration_seconds_bucket{%s,le=\"+Inf\"} %d\n", labels, h.n)
		fmt.Fprintf(w, "lightbox_http_request_duration_seconds_sum{%s} %g\n", labels, h.sum)
		fmt.Fprintf(w, "lightbox_http_request_duration_seconds_count{%s} %d\n", labels, h.n)
	}
	m.mu.Unlock()

	if s.jobs != nil {
		counts := s.jobs.Counts()
		kinds := make([]string, 0, len(counts))
		for k := range counts {
			kinds = append(kinds, k)
		}
		sort.Strings(kinds)
		fmt.Fprintln(w, "# HELP lightbox_jobs_total Jobs finished since start, by kind and outcome.")
		fmt.Fprintln(w, "# TYPE lightbox_jobs_total counter")
		for _, k := range kinds {
			c := counts[k]
			fmt.Fprintf(w, "lightbox_jobs_total{kind=%q,outcome=\"succeeded\"} %d\n", k, c.Succeeded)
			fmt.Fprintf(w, "lightbox_jobs_total{kind=%q,outcome=\"retried\"} %d\n", k, c.Retried)
			fmt.Fprintf(w, "lightbox_jobs_total{kind=%q,outcome=\"failed\"} %d\n", k, c.Failed)
		}
		fmt.Fprintln(w, "# HELP lightbox_jobs_running Jobs running now, by kind.")
		fmt.Fprintln(w, "# TYPE lightbox_jobs_running gauge")
		for _, k := range kinds {
			fmt.Fprintf(w, "lightbox_jobs_running{kind=%q} %d\n", k, counts[k].Running)
		}
		fmt.Fprintln(w, "# HELP lightbox_photos_processed_total Photos processed since start (ingest throughput).")
		fmt.Fprintln(w, "# TYPE lightbox_photos_processed_total counter")
		fmt.Fprintf(w, "lightbox_photos_processed_total %d\n", counts["process_photo"].Succeeded)
	}
	if depth, err := s.db.QueueDepth(ctx); err == nil {
		kinds := make([]string, 0, len(depth))
		for k := range depth {
			kinds = append(kinds, k)
		}
		sort.Strings(kinds)
		fmt.Fprintln(w, "# HELP lightbox_queue_depth Jobs waiting or running, by kind.")
		fmt.Fprintln(w, "# TYPE lightbox_queue_depth gauge")
		for _, k := range kinds {
			fmt.Fprintf(w, "lightbox_queue_depth{kind=%q} %d\n", k, depth[k])
		}
	}
	if n, err := s.db.CountFailedJobs(ctx); err == nil {
		fmt.Fprintln(w, "# HELP lightbox_jobs_failed Jobs out of tries, waiting for an operator.")
		fmt.Fprintln(w, "# TYPE lightbox_jobs_failed gauge")
		fmt.Fprintf(w, "lightbox_jobs_failed %d\n", n)
	}
}

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"lightbox/bench/internal/server"
)

// target is one seeded, running server.
type target struct {
	name    string
	version string
	pid     int
	// list builds attendee i's request for their page of photos.
	list func(i int) (*http.Request, error)
	// want is how many items every page must hold.
	want int
	// ingest uploads photo n of an ingest worker.
	ingest func(ctx context.Context, c *http.Client, worker, n int) error
	// settle, if set, waits for the server's background work from the
	// round (processing the uploaded photos) to finish, so it does not run
	// during the other server's round.
	settle func(ctx context.Context) error
}

// result is one server's measurement.
type result struct {
	Name, Version          string
	Requests, Errors       int
	Elapsed                time.Duration
	P50, P90, P99, Max     time.Duration
	RPS                    float64
	CPUSeconds             float64 // the server's user + system time during the measurement
	PeakRSSKiB             int64   // VmHWM: the server's peak resident memory since it started
	Ingested, IngestErrors int
	FirstErrors            []string
}

// errorLog keeps a count and the first few messages.
type errorLog struct {
	mu    sync.Mutex
	n     int
	first []string
}

func (e *errorLog) add(format string, args ...any) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.n++
	if len(e.first) < 5 {
		e.first = append(e.first, fmt.Sprintf(format, args...))
	}
}

func newClient(conns int) *http.Client {
	return &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{
			MaxIdleConns:        conns,
			MaxIdleConnsPerHost: conns,
			IdleConnTimeout:     time.Minute,
		},
	}
}

// runner measures one target, possibly over several rounds.
type runner struct {
	t      target
	o      options
	client *http.Client

	lat        []time.Duration
	elapsed    time.Duration
	cpu        float64
	errs       errorLog
	ingestErrs errorLog
	ingested   int
	uploads    []int // photos each ingest worker has started
}

func newRunner(o options, t target) *runner {
	return &runner{t: t, o: o, client: newClient(o.attendees + o.ingestWorkers + 8), uploads: make([]int, o.ingestWorkers)}
}

// listOnce requests attendee i's page and checks it holds t.want items.
func (r *runner) listOnce(i int) (time.Duration, error) {
	req, err := r.t.list(i)
	if err != nil {
		return 0, err
	}
	start := time.Now()
	resp, err := r.client.Do(req)
	if err != nil {
		return 0, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	d := time.Since(start)
	if err != nil {
		return d, err
	}
	if resp.StatusCode != http.StatusOK {
		return d, fmt.Errorf("status %d: %.200s", resp.StatusCode, body)
	}
	var page struct {
		Items []json.RawMessage `json:"items"`
	}
	if err := json.Unmarshal(body, &page); err != nil {
		return d, fmt.Errorf("decode: %v", err)
	}
	if len(page.Items) != r.t.want {
		return d, fmt.Errorf("%d items, want %d", len(page.Items), r.t.want)
	}
	return d, nil
}

// warm has every attendee list their photos until o.warmup has passed
// (at least once each), untimed; any error stops the benchmark.
func (r *runner) warm(log io.Writer) error {
	fmt.Fprintf(log, "%s: warming up for %s\n", r.t.name, r.o.warmup)
	var errs errorLog
	end := time.Now().Add(r.o.warmup)
	var wg sync.WaitGroup
	for i := range r.o.attendees {
		wg.Go(func() {
			for first := true; first || time.Now().Before(end); first = false {
				if _, err := r.listOnce(i); err != nil {
					errs.add("warm-up, attendee %d: %v", i, err)
					return
				}
			}
		})
	}
	wg.Wait()
	if errs.n > 0 {
		return fmt.Errorf("%s: %d errors while warming up, first: %s", r.t.name, errs.n, strings.Join(errs.first, "; "))
	}
	return nil
}

// measure runs one round: o.attendees clients list their photos in a
// closed loop (the next request as soon as the answer is read) for d or
// maxRequests requests, while o.ingestWorkers upload photos. Requests
// still running at the deadline finish and count.
func (r *runner) measure(ctx context.Context, d time.Duration, maxRequests int, log io.Writer) {
	fmt.Fprintf(log, "%s: measuring for %s: %d attendees listing, %d workers ingesting\n", r.t.name, d, r.o.attendees, r.o.ingestWorkers)
	cpu0 := server.CPUSeconds(r.t.pid)
	start := time.Now()
	deadline := start.Add(d)
	var sent atomic.Int64
	lat := make([][]time.Duration, r.o.attendees)
	var wg sync.WaitGroup
	for i := range r.o.attendees {
		wg.Go(func() {
			for ctx.Err() == nil && time.Now().Before(deadline) && sent.Add(1) <= int64(maxRequests) {
				d, err := r.listOnce(i)
				if err != nil {
					r.errs.add("attendee %d: %v", i, err)
					continue
				}
				lat[i] = append(lat[i], d)
			}
		})
	}
	// Ingest while the attendees list, until they are done.
	stop := make(chan struct{})
	var ingested atomic.Int64
	var iwg sync.WaitGroup
	for w := range r.o.ingestWorkers {
		iwg.Go(func() {
			var tick <-chan time.Time
			if r.o.ingestInterval > 0 {
				tk := time.NewTicker(r.o.ingestInterval)
				defer tk.Stop()
				tick = tk.C
			}
			for {
				select {
				case <-stop:
					return
				default:
				}
				n := r.uploads[w]
				r.uploads[w]++
				if err := r.t.ingest(ctx, r.client, w, n); err != nil {
					r.ingestErrs.add("ingest worker %d, photo %d: %v", w, n, err)
				} else {
					ingested.Add(1)
				}
				if tick != nil {
					select {
					case <-stop:
						return
					case <-tick:
					}
				}
			}
		})
	}
	wg.Wait()
	r.elapsed += time.Since(start)
	close(stop)
	iwg.Wait()
	if r.t.settle != nil {
		if err := r.t.settle(ctx); err != nil {
			r.ingestErrs.add("after the round: %v", err)
		}
	}
	r.cpu += server.CPUSeconds(r.t.pid) - cpu0
	r.ingested += int(ingested.Load())
	r.lat = append(r.lat, slices.Concat(lat...)...)
}

// result sums the rounds up; peak memory is the server's since it started.
func (r *runner) result() result {
	res := result{Name: r.t.name, Version: r.t.version, Elapsed: r.elapsed, CPUSeconds: r.cpu, PeakRSSKiB: server.ProcStatus(r.t.pid, "VmHWM")}
	all := slices.Clone(r.lat)
	slices.Sort(all)
	res.Requests, res.Errors = len(all)+r.errs.n, r.errs.n
	res.FirstErrors = append(slices.Clone(r.errs.first), r.ingestErrs.first...)
	res.Ingested, res.IngestErrors = r.ingested, r.ingestErrs.n
	if len(all) > 0 {
		res.P50, res.P90, res.P99, res.Max = pct(all, 50), pct(all, 90), pct(all, 99), all[len(all)-1]
	}
	if r.elapsed > 0 {
		res.RPS = float64(len(all)) / r.elapsed.Seconds()
	}
	return res
}

// pct is the p-th percentile of sorted durations (nearest rank).
func pct(sorted []time.Duration, p int) time.Duration {
	i := (len(sorted)*p + 99) / 100
	return sorted[max(i-1, 0)]
}

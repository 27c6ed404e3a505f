package jobs_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"lightbox/jobs"
	"lightbox/store"
	"lightbox/store/storetest"
)

// startRunner runs a runner with fast policies and no-op handlers for the
// kinds a test does not care about.
func startRunner(t *testing.T, db *store.DB, handlers map[string]jobs.Handler, backoff []time.Duration) *jobs.Runner {
	t.Helper()
	pol := map[string]jobs.Policy{}
	for _, k := range store.JobKinds {
		pol[k] = jobs.Policy{Workers: 1, Backoff: backoff, Timeout: 5 * time.Second}
	}
	r := jobs.NewRunner(db, slog.New(slog.NewTextHandler(io.Discard, nil)), jobs.Options{Policies: pol, Poll: 20 * time.Millisecond, Drain: time.Second})
	for _, k := range store.JobKinds {
		h := handlers[k]
		if h == nil {
			h = func(context.Context, json.RawMessage) error { return nil }
		}
		r.Register(k, h)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	})
	return r
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestEmailPolicyBacksOff60s300s900s(t *testing.T) {
	for _, k := range []string{store.JobNotifyUserInvited, store.JobNotifyPasswordReset, store.JobNotifyUserTagged, store.JobNotifyPurchase} {
		got := jobs.DefaultPolicies()[k].Backoff
		want := []time.Duration{60 * time.Second, 300 * time.Second, 900 * time.Second}
		if !slices.Equal(got, want) {
			t.Errorf("%s backoff = %v, want %v", k, got, want)
		}
	}
	for _, k := range store.JobKinds {
		if _, ok := jobs.DefaultPolicies()[k]; !ok {
			t.Errorf("no default policy for %s", k)
		}
	}
}

func TestRetriesThenSucceeds(t *testing.T) {
	db := storetest.Open(t)
	var calls atomic.Int32
	var mu sync.Mutex
	var times []time.Time
	startRunner(t, db, map[string]jobs.Handler{
		store.JobCleanupProjectStorage: func(ctx context.Context, p json.RawMessage) error {
			mu.Lock()
			times = append(times, time.Now())
			mu.Unlock()
			if calls.Add(1) < 3 {
				return errors.New("storage unavailable")
			}
			return nil
		},
	}, []time.Duration{200 * time.Millisecond, 400 * time.Millisecond})
	if err := db.Enqueue(context.Background(), store.JobCleanupProjectStorage, store.CleanupPayload{Prefix: "p/"}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "third call", func() bool { return calls.Load() == 3 })
	mu.Lock()
	gap1, gap2 := times[1].Sub(times[0]), times[2].Sub(times[1])
	mu.Unlock()
	if gap1 < 200*time.Millisecond || gap2 < 400*time.Millisecond {
		t.Errorf("retries came after %v and %v, want >= 200ms and >= 400ms", gap1, gap2)
	}
	waitFor(t, "queue empty", func() bool {
		d, _ := db.QueueDepth(context.Background())
		return d[store.JobCleanupProjectStorage] == 0
	})
	if n, _ := db.CountFailedJobs(context.Background()); n != 0 {
		t.Errorf("%d failed jobs, want 0", n)
	}
}

func TestExhaustedJobIsKeptWithLastErrorAndCanBeRetried(t *testing.T) {
	db := storetest.Open(t)
	ctx := context.Background()
	var calls atomic.Int32
	var heal atomic.Bool
	startRunner(t, db, map[string]jobs.Handler{
		store.JobCleanupProjectStorage: func(ctx context.Context, p json.RawMessage) error {
			n := calls.Add(1)
			if heal.Load() {
				return nil
			}
			return errors.New("attempt " + string(rune('0'+n)) + " failed")
		},
	}, []time.Duration{10 * time.Millisecond, 10 * time.Millisecond})
	if err := db.Enqueue(ctx, store.JobCleanupProjectStorage, store.CleanupPayload{Prefix: "p/"}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "failed job", func() bool { n, _ := db.CountFailedJobs(ctx); return n == 1 })
	failed, err := db.FailedJobs(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if calls.Load() != 3 || failed[0].Attempts != 3 || failed[0].Error != "attempt 3 failed" || failed[0].Kind != store.JobCleanupProjectStorage {
		t.Fatalf("calls=%d failed=%+v", calls.Load(), failed[0])
	}
	heal.Store(true)
	if _, err := db.RetryFailed(ctx, failed[0].ID); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "retried job", func() bool { return calls.Load() == 4 })
	waitFor(t, "no failed jobs", func() bool { n, _ := db.CountFailedJobs(ctx); return n == 0 })
	if _, err := db.RetryFailed(ctx, failed[0].ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("second retry of the same failed job: %v, want ErrNotFound", err)
	}
}

func TestPermanentErrorAndPanicFailAtOnce(t *testing.T) {
	db := storetest.Open(t)
	ctx := context.Background()
	var calls atomic.Int32
	startRunner(t, db, map[string]jobs.Handler{
		store.JobCleanupProjectStorage: func(ctx context.Context, p json.RawMessage) error {
			calls.Add(1)
			return jobs.Permanent(errors.New("bad request"))
		},
		store.JobPreparePurchase: func(ctx context.Context, p json.RawMessage) error {
			calls.Add(1)
			panic("boom")
		},
	}, []time.Duration{time.Millisecond, time.Millisecond, time.Millisecond})
	db.Enqueue(ctx, store.JobCleanupProjectStorage, store.CleanupPayload{})
	db.Enqueue(ctx, store.JobPreparePurchase, store.PurchasePayload{})
	waitFor(t, "two failed jobs", func() bool { n, _ := db.CountFailedJobs(ctx); return n == 2 })
	if calls.Load() != 2 {
		t.Errorf("calls = %d, want 2 (no retries)", calls.Load())
	}
}

func TestRunRefusesMissingHandler(t *testing.T) {
	db := storetest.Open(t)
	r := jobs.NewRunner(db, slog.New(slog.NewTextHandler(io.Discard, nil)), jobs.Options{})
	if err := r.Run(context.Background()); err == nil {
		t.Fatal("Run with no handlers succeeded")
	}
}

// A worker stopped mid-job (its context cancelled at shutdown) leaves the
// job on the queue, and the next runner runs it again.
func TestInterruptedJobRunsAgain(t *testing.T) {
	db := storetest.Open(t)
	ctx := context.Background()
	started := make(chan struct{}, 1)
	var second atomic.Bool
	mk := func(block bool) *jobs.Runner {
		pol := map[string]jobs.Policy{}
		for _, k := range store.JobKinds {
			pol[k] = jobs.Policy{Workers: 1, Backoff: []time.Duration{time.Millisecond}, Timeout: 10 * time.Second}
		}
		r := jobs.NewRunner(db, slog.New(slog.NewTextHandler(io.Discard, nil)), jobs.Options{Policies: pol, Poll: 10 * time.Millisecond, Drain: 50 * time.Millisecond})
		for _, k := range store.JobKinds {
			r.Register(k, func(context.Context, json.RawMessage) error { return nil })
		}
		r.Register(store.JobCleanupProjectStorage, func(ctx context.Context, _ json.RawMessage) error {
			if block {
				started <- struct{}{}
				<-ctx.Done() // the drain deadline passes and the job is cut short
				return ctx.Err()
			}
			second.Store(true)
			return nil
		})
		return r
	}
	first := mk(true)
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- first.Run(runCtx) }()
	if err := db.Enqueue(ctx, store.JobCleanupProjectStorage, store.CleanupPayload{Prefix: "x/"}); err != nil {
		t.Fatal(err)
	}
	<-started
	stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n, _ := db.CountFailedJobs(ctx); n != 0 {
		t.Fatalf("an interrupted job was failed")
	}
	startRunnerWith(t, mk(false))
	waitFor(t, "job to run again", second.Load)
}

func startRunnerWith(t *testing.T, r *jobs.Runner) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
}

// Package jobs runs Lightbox's background work from the SQLite queue:
// one goqite queue per job kind, a retry policy with backoff per kind, and
// failed jobs kept for operators. The clients that reach the outside world
// (the face service, the mailer, the image pipeline) live below this
// package, so only jobs can call them.
package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"maragu.dev/goqite"

	"lightbox/store"
)

// Handler does one job. It must be idempotent: a job can run more than
// once (a retry, or a crash before its message was deleted).
type Handler func(ctx context.Context, payload json.RawMessage) error

// Policy says how a kind of job runs.
type Policy struct {
	Workers int             // concurrent jobs of this kind
	Backoff []time.Duration // delay before each retry; len(Backoff)+1 tries in all
	Timeout time.Duration   // bound on one run
}

// DefaultPolicies are the production policies per kind.
func DefaultPolicies() map[string]Policy {
	email := Policy{Workers: 1, Backoff: []time.Duration{60 * time.Second, 300 * time.Second, 900 * time.Second}, Timeout: time.Minute}
	face := Policy{Workers: 2, Backoff: []time.Duration{30 * time.Second, 2 * time.Minute, 10 * time.Minute, 30 * time.Minute}, Timeout: 5 * time.Minute}
	return map[string]Policy{
		store.JobProcessPhoto:          {Workers: 2, Backoff: []time.Duration{10 * time.Second, time.Minute}, Timeout: 5 * time.Minute},
		store.JobProcessSelfie:         face,
		store.JobClusterFaces:          face,
		store.JobIndexFaces:            {Workers: 1, Backoff: []time.Duration{10 * time.Second, time.Minute, 10 * time.Minute}, Timeout: 5 * time.Minute},
		store.JobNotifyUserInvited:     email,
		store.JobNotifyPasswordReset:   email,
		store.JobNotifyUserTagged:      email,
		store.JobNotifyPurchase:        email,
		store.JobCleanupProjectStorage: {Workers: 1, Backoff: []time.Duration{time.Minute, 5 * time.Minute, 30 * time.Minute}, Timeout: 10 * time.Minute},
		store.JobPreparePurchase:       {Workers: 1, Backoff: []time.Duration{30 * time.Second, 2 * time.Minute, 10 * time.Minute}, Timeout: 10 * time.Minute},
	}
}

// permanent marks an error that retrying cannot fix.
type permanent struct{ err error }

func (p permanent) Error() string { return p.err.Error() }
func (p permanent) Unwrap() error { return p.err }

// Permanent wraps err so the runner fails the job at once, without retry.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return permanent{err}
}

// IsPermanent reports whether err was marked Permanent.
func IsPermanent(err error) bool {
	var p permanent
	return errors.As(err, &p)
}

// RetryAfter lets an error ask for a longer wait than the policy's.
type RetryAfter interface{ RetryAfter() time.Duration }

// Counts are a kind's job outcomes since start.
type Counts struct {
	Succeeded, Retried, Failed, Running int64
}

// Runner takes jobs off the queues and runs them.
type Runner struct {
	db       *store.DB
	log      *slog.Logger
	policies map[string]Policy
	handlers map[string]Handler
	onFail   map[string]FailureHook
	poll     time.Duration
	drain    time.Duration
	wake     map[string]chan struct{}

	mu     sync.Mutex
	counts map[string]*counts
}

type counts struct{ succeeded, retried, failed, running atomic.Int64 }

// Options tune a Runner.
type Options struct {
	Policies map[string]Policy // DefaultPolicies() when nil
	Poll     time.Duration     // idle poll interval (default 1 s); enqueues wake workers at once
	Drain    time.Duration     // how long running jobs may finish at shutdown (default 25 s)
}

// NewRunner returns a runner for db's queues.
func NewRunner(db *store.DB, log *slog.Logger, opts Options) *Runner {
	if opts.Policies == nil {
		opts.Policies = DefaultPolicies()
	}
	if opts.Poll == 0 {
		opts.Poll = time.Second
	}
	if opts.Drain == 0 {
		opts.Drain = 25 * time.Second
	}
	r := &Runner{db: db, log: log, policies: opts.Policies, handlers: map[string]Handler{}, onFail: map[string]FailureHook{}, poll: opts.Poll, drain: opts.Drain,
		wake: map[string]chan struct{}{}, counts: map[string]*counts{}}
	for _, k := range store.JobKinds {
		r.wake[k] = make(chan struct{}, 1)
		r.counts[k] = &counts{}
	}
	db.OnEnqueue(r.notify)
	return r
}

// Register sets the handler of a kind. Every kind in store.JobKinds must
// have one before Run.
func (r *Runner) Register(kind string, h Handler) { r.handlers[kind] = h }

// FailureHook runs when a job of its kind gives up, so the thing it worked
// on can show the failure (a photo marked failed, an invite not sent).
type FailureHook func(ctx context.Context, payload json.RawMessage, err error)

// OnFailure sets the failure hook of a kind.
func (r *Runner) OnFailure(kind string, h FailureHook) { r.onFail[kind] = h }

func (r *Runner) notify(kind string) {
	select {
	case r.wake[kind] <- struct{}{}:
	default:
	}
}

// Counts returns outcome counters per kind.
func (r *Runner) Counts() map[string]Counts {
	out := map[string]Counts{}
	for k, c := range r.counts {
		out[k] = Counts{Succeeded: c.succeeded.Load(), Retried: c.retried.Load(), Failed: c.failed.Load(), Running: c.running.Load()}
	}
	return out
}

// Check reports a kind without a handler or policy; Run would refuse it.
func (r *Runner) Check() error {
	for _, k := range store.JobKinds {
		if r.handlers[k] == nil {
			return fmt.Errorf("jobs: no handler registered for %q", k)
		}
		if _, ok := r.policies[k]; !ok {
			return fmt.Errorf("jobs: no policy for %q", k)
		}
	}
	return nil
}

// Run works until ctx is cancelled, then stops taking jobs and lets the
// running ones finish within the drain deadline.
func (r *Runner) Run(ctx context.Context) error {
	if err := r.Check(); err != nil {
		return err
	}
	jobCtx, cancelJobs := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelJobs()
	var wg sync.WaitGroup
	for _, k := range store.JobKinds {
		for range max(1, r.policies[k].Workers) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r.work(ctx, jobCtx, k)
			}()
		}
	}
	<-ctx.Done()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(r.drain):
		r.log.Warn("jobs still running at the drain deadline; they will run again after restart")
		cancelJobs()
		<-done
	}
	return nil
}

// work is one worker's loop for a kind.
func (r *Runner) work(ctx, jobCtx context.Context, kind string) {
	q := r.db.Queue(kind)
	for ctx.Err() == nil {
		m, err := q.Receive(ctx)
		if err != nil {
			if ctx.Err() == nil {
				r.log.Error("receive job", "kind", kind, "err", err)
				sleep(ctx, r.poll)
			}
			continue
		}
		if m == nil {
			select {
			case <-ctx.Done():
			case <-r.wake[kind]:
			case <-time.After(r.poll):
			}
			continue
		}
		r.run(jobCtx, kind, q, m)
	}
}

// run executes one message and settles it: delete on success, a delayed
// next attempt on a temporary failure, failed_jobs when out of tries.
func (r *Runner) run(ctx context.Context, kind string, q *goqite.Queue, m *goqite.Message) {
	c := r.counts[kind]
	c.running.Add(1)
	defer c.running.Add(-1)
	pol := r.policies[kind]
	log := r.log.With("kind", kind, "job", string(m.ID))

	var env store.Envelope
	if err := json.Unmarshal(m.Body, &env); err != nil {
		log.Error("undecodable job body", "err", err)
		r.settle(ctx, log, func(ctx context.Context) error {
			return r.db.Fail(ctx, kind, m.ID, store.Envelope{Payload: json.RawMessage(`null`)}, "undecodable job body: "+err.Error())
		})
		c.failed.Add(1)
		return
	}

	runCtx, cancel := context.WithTimeout(ctx, pol.Timeout)
	stopBeat := r.heartbeat(runCtx, q, m.ID)
	err := r.call(runCtx, kind, env.Payload)
	stopBeat()
	cancel()

	switch {
	case err == nil:
		r.settle(ctx, log, func(ctx context.Context) error { return q.Delete(ctx, m.ID) })
		c.succeeded.Add(1)
	case ctx.Err() != nil:
		// Shutdown cut the job short: make it visible again for the next start.
		log.Warn("job interrupted by shutdown", "err", err)
		r.settle(context.Background(), log, func(ctx context.Context) error { return q.Extend(ctx, m.ID, 0) })
	case IsPermanent(err) || env.Attempt >= len(pol.Backoff):
		log.Error("job failed", "attempt", env.Attempt+1, "err", err)
		if h := r.onFail[kind]; h != nil {
			h(context.WithoutCancel(ctx), env.Payload, err)
		}
		r.settle(ctx, log, func(ctx context.Context) error { return r.db.Fail(ctx, kind, m.ID, env, err.Error()) })
		c.failed.Add(1)
	default:
		d := pol.Backoff[env.Attempt]
		var ra RetryAfter
		if errors.As(err, &ra) && ra.RetryAfter() > d {
			d = ra.RetryAfter()
		}
		log.Warn("job will retry", "attempt", env.Attempt+1, "in", d, "err", err)
		r.settle(ctx, log, func(ctx context.Context) error { return r.db.Retry(ctx, kind, m.ID, env, d) })
		c.retried.Add(1)
	}
}

// call runs the handler, turning a panic into a permanent error.
func (r *Runner) call(ctx context.Context, kind string, payload json.RawMessage) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = Permanent(fmt.Errorf("panic: %v", p))
		}
	}()
	return r.handlers[kind](ctx, payload)
}

// settle records a job's outcome; if that fails the message reappears
// after its timeout and the (idempotent) job runs again.
func (r *Runner) settle(ctx context.Context, log *slog.Logger, fn func(context.Context) error) {
	if err := fn(context.WithoutCancel(ctx)); err != nil {
		log.Error("record job outcome", "err", err)
	}
}

// heartbeat keeps a long job's message invisible while it runs.
func (r *Runner) heartbeat(ctx context.Context, q *goqite.Queue, id goqite.ID) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	go func() {
		t := time.NewTicker(20 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				_ = q.Extend(ctx, id, time.Minute)
			}
		}
	}()
	return cancel
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

// Janitor does periodic upkeep: fails jobs stuck by repeated crashes,
// removes uploads that never completed, and expired sessions.
func Janitor(ctx context.Context, db *store.DB, log *slog.Logger, every time.Duration) {
	for {
		if n, err := db.FailStuck(ctx); err != nil && ctx.Err() == nil {
			log.Error("janitor: stuck jobs", "err", err)
		} else if n > 0 {
			log.Warn("janitor: failed jobs interrupted too often", "count", n)
		}
		if n, err := db.DeleteStaleUploads(ctx, 24*time.Hour); err != nil && ctx.Err() == nil {
			log.Error("janitor: stale uploads", "err", err)
		} else if n > 0 {
			log.Info("janitor: removed uploads never completed", "count", n)
		}
		if err := db.DeleteExpiredSessions(ctx); err != nil && ctx.Err() == nil {
			log.Error("janitor: sessions", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(every):
		}
	}
}

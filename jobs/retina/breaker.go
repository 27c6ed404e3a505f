package retina

import (
	"sync"
	"time"
)

// Breaker states, as returned by Breaker.State.
const (
	StateClosed   = "closed"
	StateOpen     = "open"
	StateHalfOpen = "half-open"
)

// Breaker is a circuit breaker for calls to Retina. It opens after threshold
// consecutive failed calls and then rejects calls with ErrCircuitOpen until
// cooldown has passed; it then lets one probe call through (half-open). A
// successful probe closes it, a failed one opens it again. A Breaker is safe
// for concurrent use and may be shared by several Clients.
type Breaker struct {
	threshold int
	cooldown  time.Duration
	now       func() time.Time

	mu       sync.Mutex
	failures int       // consecutive failed calls while closed
	open     bool      // open or half-open
	openedAt time.Time // when it last opened
	probing  bool      // a half-open probe is in flight
}

// NewBreaker returns a closed Breaker. threshold below 1 becomes 1; a nil now
// uses time.Now.
func NewBreaker(threshold int, cooldown time.Duration, now func() time.Time) *Breaker {
	if threshold < 1 {
		threshold = 1
	}
	if now == nil {
		now = time.Now
	}
	return &Breaker{threshold: threshold, cooldown: cooldown, now: now}
}

// State returns StateClosed, StateOpen or StateHalfOpen, for the health page
// and metrics. An open breaker whose cooldown has passed reports half-open.
func (b *Breaker) State() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case !b.open:
		return StateClosed
	case b.probing || !b.now().Before(b.openedAt.Add(b.cooldown)):
		return StateHalfOpen
	default:
		return StateOpen
	}
}

// allow reports whether a call may go ahead, and whether it is the half-open
// probe. When ok is true the caller must report the outcome with done.
func (b *Breaker) allow() (probe, ok bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.open {
		return false, true
	}
	if b.probing || b.now().Before(b.openedAt.Add(b.cooldown)) {
		return false, false
	}
	b.probing = true
	return true, true
}

// outcome of a call, as reported to the breaker.
type outcome int

const (
	success outcome = iota // the service answered
	failure                // the service was unavailable
	ignored                // the caller gave up; says nothing about the service
)

// done records the outcome of a call allowed by allow.
func (b *Breaker) done(probe bool, o outcome) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if probe {
		b.probing = false
	}
	switch o {
	case success:
		b.open = false
		b.failures = 0
	case failure:
		if b.open {
			if probe {
				b.openedAt = b.now()
			}
			return
		}
		b.failures++
		if b.failures >= b.threshold {
			b.open = true
			b.openedAt = b.now()
			b.failures = 0
		}
	}
}

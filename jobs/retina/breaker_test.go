package retina

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"
)

func TestBreakerOpensAndStopsCalling(t *testing.T) {
	clk := newClock()
	b := NewBreaker(5, 30*time.Second, clk.now)
	srv, c, _ := fakeRetina(t, WithBreaker(b))
	srv.Fail("/analyze", slices.Repeat([]int{500}, 15)...)
	img := selfieOf(t, 1)

	for i := range 5 {
		if _, err := c.Analyze(context.Background(), img); err == nil || errors.Is(err, ErrCircuitOpen) {
			t.Fatalf("call %d: %v, want a server error", i, err)
		}
	}
	if got := srv.Calls("/analyze"); got != 15 {
		t.Fatalf("calls = %d, want 15 (5 calls × 3 attempts)", got)
	}
	if st := b.State(); st != StateOpen {
		t.Fatalf("state %s, want open", st)
	}
	for range 3 {
		_, err := c.Analyze(context.Background(), img)
		if !errors.Is(err, ErrCircuitOpen) || IsPermanent(err) {
			t.Fatalf("err = %v, want temporary ErrCircuitOpen", err)
		}
	}
	if got := srv.Calls("/analyze"); got != 15 {
		t.Errorf("calls = %d while open, want still 15", got)
	}

	clk.advance(29 * time.Second)
	if _, err := c.Analyze(context.Background(), img); !errors.Is(err, ErrCircuitOpen) {
		t.Errorf("before the cooldown: %v", err)
	}
	clk.advance(time.Second)
	if st := b.State(); st != StateHalfOpen {
		t.Errorf("state %s after the cooldown, want half-open", st)
	}
	a, err := c.Analyze(context.Background(), img)
	if err != nil || !a.Approved() {
		t.Fatalf("probe: %+v, %v", a, err)
	}
	if st := b.State(); st != StateClosed {
		t.Errorf("state %s after a good probe, want closed", st)
	}
	if got := srv.Calls("/analyze"); got != 16 {
		t.Errorf("calls = %d, want 16", got)
	}
}

func TestBreakerFailedProbeReopens(t *testing.T) {
	clk := newClock()
	b := NewBreaker(2, time.Minute, clk.now)
	srv, c, _ := fakeRetina(t, WithBreaker(b), WithRetries(0, 0))
	srv.Fail("/cluster", 503, 503, 503)
	img := selfieOf(t, 1)
	photos := []Photo{{"p1", img}}
	for range 2 {
		c.Cluster(context.Background(), img, photos)
	}
	clk.advance(time.Minute)
	if _, err := c.Cluster(context.Background(), img, photos); errors.Is(err, ErrCircuitOpen) || err == nil {
		t.Fatalf("probe: %v, want the scripted 503", err)
	}
	if st := b.State(); st != StateOpen {
		t.Fatalf("state %s after a failed probe, want open", st)
	}
	clk.advance(59 * time.Second)
	if _, err := c.Cluster(context.Background(), img, photos); !errors.Is(err, ErrCircuitOpen) {
		t.Fatalf("a new cooldown runs from the failed probe: %v", err)
	}
	if got := srv.Calls("/cluster"); got != 3 {
		t.Errorf("calls = %d, want 3", got)
	}
}

func TestBreakerIgnoresDefinitiveAnswers(t *testing.T) {
	b := NewBreaker(2, time.Minute, nil)
	srv, c, _ := fakeRetina(t, WithBreaker(b))
	srv.Fail("/analyze", 422, 422, 422, 401)
	for range 4 {
		c.Analyze(context.Background(), selfieOf(t, 1))
	}
	if st := b.State(); st != StateClosed {
		t.Errorf("state %s after 422s and a 401, want closed", st)
	}
}

func TestBreakerSuccessResetsCount(t *testing.T) {
	clk := newClock()
	b := NewBreaker(3, time.Second, clk.now)
	for _, o := range []outcome{failure, failure, success, failure, failure, ignored} {
		probe, ok := b.allow()
		if !ok || probe {
			t.Fatalf("closed breaker refused (probe %v, ok %v)", probe, ok)
		}
		b.done(probe, o)
	}
	if st := b.State(); st != StateClosed {
		t.Errorf("state %s, want closed", st)
	}
	b.done(false, failure)
	if st := b.State(); st != StateOpen {
		t.Errorf("state %s after the third failure in a row, want open", st)
	}
}

func TestBreakerLetsOneProbeThrough(t *testing.T) {
	clk := newClock()
	b := NewBreaker(1, time.Second, clk.now)
	b.done(false, failure)
	clk.advance(time.Second)

	var mu sync.Mutex
	var wg sync.WaitGroup
	probes, refused := 0, 0
	for range 20 {
		wg.Go(func() {
			probe, ok := b.allow()
			mu.Lock()
			defer mu.Unlock()
			switch {
			case ok && probe:
				probes++
			case !ok:
				refused++
			}
		})
	}
	wg.Wait()
	if probes != 1 || refused != 19 {
		t.Fatalf("%d probes, %d refused; want 1 and 19", probes, refused)
	}
	// A probe abandoned by its caller frees the slot without closing.
	b.done(true, ignored)
	if st := b.State(); st != StateHalfOpen {
		t.Errorf("state %s, want half-open", st)
	}
	probe, ok := b.allow()
	if !ok || !probe {
		t.Fatal("no new probe after an abandoned one")
	}
	b.done(probe, success)
	if st := b.State(); st != StateClosed {
		t.Errorf("state %s, want closed", st)
	}
}

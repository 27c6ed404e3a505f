package app

import (
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
)

// limiters throttle attempts per key (an IP, an email, a user) with token
// buckets. Most sets count failures only: a request takes a token up front
// and gives it back once it succeeds, so crowds sharing one IP (a venue's
// Wi-Fi) are never refused for logging in correctly, while guessing runs
// dry. golang.org/x/time/rate cannot give a token back exactly, so the
// bucket is written here.
type limiters struct {
	mu   sync.Mutex
	now  func() time.Time
	sets map[string]*limiterSet
}

type limiterSet struct {
	every time.Duration // one token back per every
	burst int
	keys  map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

// limitKey names one bucket: a set and a key in it.
type limitKey struct{ set, key string }

func newLimiters() *limiters {
	return &limiters{now: time.Now, sets: map[string]*limiterSet{
		// Failed logins. Per IP, generous: a venue's attendees mistype too.
		// Per IP and email, tight: guessing one account from one place.
		// Per email, across IPs: a distributed guess, bounded above what one
		// IP can spend, so one IP alone cannot lock anybody out.
		"login-ip":       {every: 2 * time.Second, burst: 30},   // 30 at once, then 30/min
		"login-ip-email": {every: time.Minute, burst: 5},        // 5 at once, then 1/min
		"login-email":    {every: 20 * time.Second, burst: 100}, // 100 at once, then 3/min
		"reset-ip":       {every: 20 * time.Second, burst: 5},
		"reset-email":    {every: 5 * time.Minute, burst: 3},
		// Failed invite acceptances and look-ups (unknown or dead tokens).
		"accept-ip": {every: 6 * time.Second, burst: 10},
		// Selfies started per user: a few retakes in a row, then one a minute.
		"selfie-user": {every: time.Minute, burst: 6},
		// Attempts at the first-run setup link.
		"setup-ip": {every: 6 * time.Second, burst: 10},
	}}
}

// allow takes one token for key in the named set.
func (l *limiters) allow(set, key string) bool { return l.take(limitKey{set, key}) }

// take takes one token from each bucket if every one has a token, and
// none otherwise.
func (l *limiters) take(keys ...limitKey) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	bs := make([]*bucket, len(keys))
	for i, k := range keys {
		bs[i] = l.bucket(k, now)
		if bs[i].tokens < 1 {
			return false
		}
	}
	for _, b := range bs {
		b.tokens--
	}
	return true
}

// refund gives back the token take took from each bucket.
func (l *limiters) refund(keys ...limitKey) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	for _, k := range keys {
		b := l.bucket(k, now)
		b.tokens = math.Min(b.tokens+1, float64(l.sets[k.set].burst))
	}
}

// bucket returns k's bucket, refilled up to now.
func (l *limiters) bucket(k limitKey, now time.Time) *bucket {
	s := l.sets[k.set]
	if s.keys == nil {
		s.keys = map[string]*bucket{}
	}
	b := s.keys[k.key]
	if b == nil {
		if len(s.keys) > 10000 { // forget full buckets
			for kk, v := range s.keys {
				if now.Sub(v.last) > time.Duration(s.burst)*s.every {
					delete(s.keys, kk)
				}
			}
		}
		b = &bucket{tokens: float64(s.burst), last: now}
		s.keys[k.key] = b
	}
	if d := now.Sub(b.last); d > 0 {
		b.tokens = math.Min(b.tokens+float64(d)/float64(s.every), float64(s.burst))
		b.last = now
	}
	return b
}

// tooMany is the 429 answer, with Retry-After in seconds.
func tooMany(c echo.Context, retry time.Duration, message string) error {
	c.Response().Header().Set("Retry-After", strconv.Itoa(int(retry/time.Second)))
	return newError(http.StatusTooManyRequests, "rate_limited", message)
}

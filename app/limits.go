package app

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// limiters throttle login and reset attempts per key (an IP or an email).
type limiters struct {
	mu   sync.Mutex
	sets map[string]*limiterSet
}

type limiterSet struct {
	every time.Duration
	burst int
	keys  map[string]*keyed
}

type keyed struct {
	lim  *rate.Limiter
	seen time.Time
}

func newLimiters() *limiters {
	return &limiters{sets: map[string]*limiterSet{
		"login-ip":    {every: 6 * time.Second, burst: 10}, // 10 at once, then 10/min
		"login-email": {every: 12 * time.Second, burst: 5}, // 5 at once, then 5/min
		"reset-ip":    {every: 20 * time.Second, burst: 5},
		"reset-email": {every: 5 * time.Minute, burst: 3},
		"accept-ip":   {every: 6 * time.Second, burst: 10},
	}}
}

// allow takes one token for key in the named set.
func (l *limiters) allow(set, key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.sets[set]
	if s.keys == nil {
		s.keys = map[string]*keyed{}
	}
	now := time.Now()
	k := s.keys[key]
	if k == nil {
		if len(s.keys) > 10000 { // forget idle keys
			for kk, v := range s.keys {
				if now.Sub(v.seen) > time.Duration(s.burst)*s.every {
					delete(s.keys, kk)
				}
			}
		}
		k = &keyed{lim: rate.NewLimiter(rate.Every(s.every), s.burst)}
		s.keys[key] = k
	}
	k.seen = now
	return k.lim.AllowN(now, 1)
}

package channels

import (
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// RateLimiter keeps a token bucket per key (a user id, or an IP before
// login) and forgets keys that have been idle for a while.
type RateLimiter struct {
	limit rate.Limit
	burst int

	mu        sync.Mutex
	visitors  map[string]*visitor
	lastSweep time.Time
}

type visitor struct {
	lim  *rate.Limiter
	seen time.Time
}

const idleVisitor = 10 * time.Minute

// NewRateLimiter allows perSecond requests per key with bursts of burst.
// perSecond 0 allows everything.
func NewRateLimiter(perSecond float64, burst int) *RateLimiter {
	return &RateLimiter{limit: rate.Limit(perSecond), burst: burst, visitors: map[string]*visitor{}}
}

// Allow reports whether key may make a request now, and if not, how long
// until it may.
func (r *RateLimiter) Allow(key string) (bool, time.Duration) {
	if r == nil || r.limit == 0 {
		return true, 0
	}
	now := time.Now()
	r.mu.Lock()
	v, ok := r.visitors[key]
	if !ok {
		v = &visitor{lim: rate.NewLimiter(r.limit, r.burst)}
		r.visitors[key] = v
	}
	v.seen = now
	if now.Sub(r.lastSweep) > idleVisitor {
		r.lastSweep = now
		for k, other := range r.visitors {
			if now.Sub(other.seen) > idleVisitor {
				delete(r.visitors, k)
			}
		}
	}
	r.mu.Unlock()
	res := v.lim.ReserveN(now, 1)
	if delay := res.DelayFrom(now); delay > 0 {
		res.CancelAt(now)
		return false, delay
	}
	return true, 0
}

// RetryAfterSeconds rounds a delay up to the whole seconds of a Retry-After header.
func RetryAfterSeconds(d time.Duration) int {
	return int(math.Max(1, math.Ceil(d.Seconds())))
}

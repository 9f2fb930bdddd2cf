package telegent

import (
	"context"
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limiter paces HTTP attempts: every attempt of every call, retries and
// token fetches included, waits for it. It adapts like TCP's congestion
// control: a 429 cuts the rate (multiplicative decrease), answered calls
// raise it again step by step (additive increase) up to the ceiling given to
// NewLimiter: quickly up to near the rate that was refused, then gently
// past it, so that against a server slower than the ceiling the rate settles
// just under the server's instead of bouncing off it. One Limiter is meant
// to be shared by all the clients that use the same credentials. A nil
// *Limiter does not limit.
type Limiter struct {
	lim     *rate.Limiter
	ceiling float64
	floor   float64
	now     func() time.Time

	mu      sync.Mutex
	cur     float64   // current rate, floor <= cur <= ceiling
	lastCut time.Time // when cur was last cut
	refused float64   // the rate at the last cut; 0 once the rate went past it
}

const (
	cutFactor   = 0.7         // a 429 multiplies the rate by this
	floorShare  = 0.05        // the rate never falls below this share of the ceiling
	cutInterval = time.Second // Throttled cuts at most once per interval: a burst of 429s is one signal
	regainTime  = 4.0         // seconds of successful calls to regain the whole ceiling
	probeShare  = 0.85        // from this share of the refused rate on, climb gently
	probeSlowly = 10.0        // how much more gently
)

// NewLimiter returns a limiter allowing rps attempts per second with bursts
// of burst. rps <= 0 means unlimited; burst < 1 counts as 1.
func NewLimiter(rps float64, burst int) *Limiter {
	if burst < 1 {
		burst = 1
	}
	if rps <= 0 || math.IsInf(rps, 1) || math.IsNaN(rps) {
		return &Limiter{lim: rate.NewLimiter(rate.Inf, burst), ceiling: math.Inf(1), cur: math.Inf(1), now: time.Now}
	}
	return &Limiter{
		lim:     rate.NewLimiter(rate.Limit(rps), burst),
		ceiling: rps,
		floor:   rps * floorShare,
		cur:     rps,
		now:     time.Now,
	}
}

// Wait blocks until the next attempt may start or ctx is done. It returns
// ctx.Err() when ctx ends first, and context.DeadlineExceeded at once when
// ctx's deadline comes before the attempt could start.
func (l *Limiter) Wait(ctx context.Context) error {
	if l == nil {
		return ctx.Err()
	}
	if err := l.lim.Wait(ctx); err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return ctxErr
		}
		// The limiter knows the deadline would pass first.
		return context.DeadlineExceeded
	}
	return nil
}

// Throttled reports a 429. It cuts the rate by 30%, not below 5% of the
// ceiling, at most once per second however many attempts were refused
// together. retryAfter is the server's hint for the refused request, which
// waits it out itself before its retry; other attempts go on at the lower
// rate rather than pausing.
func (l *Limiter) Throttled(retryAfter time.Duration) {
	if l == nil {
		return
	}
	l.throttled(l.now().Add(-cutInterval))
}

// throttled reports a 429 to an attempt that began waiting for the limiter
// at queued. Attempts queued before the last cut were paced by the old rate
// and say nothing new; only the refusal of one queued since cuts again: one
// cut per round trip, as TCP does. The client reports 429s this way.
func (l *Limiter) throttled(queued time.Time) {
	if l == nil || math.IsInf(l.ceiling, 1) {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.lastCut.IsZero() && queued.Before(l.lastCut) {
		return
	}
	l.lastCut = l.now()
	l.refused = l.cur
	l.set(math.Max(l.cur*cutFactor, l.floor))
}

// Succeeded reports an attempt that the server answered without refusing it
// for rate. It raises a cut rate additively: at a quarter of the ceiling
// per second of answered calls up to 85% of the rate last refused, ten
// times more slowly from there to that rate, and quickly again beyond it.
func (l *Limiter) Succeeded() {
	if l == nil || math.IsInf(l.ceiling, 1) {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.cur >= l.ceiling {
		return
	}
	// At rate cur there are about cur answers a second, each adding
	// ceiling/(regainTime*cur): the ceiling/regainTime per second.
	step := l.ceiling / (regainTime * l.cur)
	if l.refused > 0 {
		switch {
		case l.cur > l.refused:
			l.refused = 0 // the server takes more now than when it refused
		case l.cur >= probeShare*l.refused:
			step /= probeSlowly
		}
	}
	l.set(math.Min(l.cur+step, l.ceiling))
}

// Rate returns the current rate in attempts per second (+Inf when
// unlimited).
func (l *Limiter) Rate() float64 {
	if l == nil {
		return math.Inf(1)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.cur
}

// set changes the rate; l.mu is held.
func (l *Limiter) set(r float64) {
	l.cur = r
	l.lim.SetLimit(rate.Limit(r))
}

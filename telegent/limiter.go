package telegent

import (
	"context"
	"math"
	"sync"
	"time"
)

// Limiter paces HTTP attempts: every attempt of every call, retries and
// token fetches included, waits for it. One Limiter is meant to be shared
// by all the clients that use the same credentials. A nil *Limiter does not
// limit.
//
// Attempts are spaced evenly at the current rate (bursts of up to the
// burst given to NewLimiter are allowed after a quiet spell). The rate
// starts at the rate given, which is also its ceiling, and adapts to a
// server that refuses attempts with 429 because it takes fewer a second
// than that: it looks for the server's rate and settles just under it,
// rather than bouncing off it.
//
// Every 429 is read as "too many requests", as HTTP defines it. A server
// that also answers 429 at random whatever the rate (the sandbox's
// BusyRate) is therefore taken for a much slower one: with 5% of requests
// refused that way, the limiter ends at a few percent of its rate, and it
// takes about a minute of calm after such refusals stop to regain it.
//
//   - A 429 to an attempt sent before the last cut says nothing new: it
//     went at the old rate. Attempts still waiting for their turn when the
//     rate is cut are paced again at the new rate, so that none goes out
//     at the old one after the cut, and the first of them waits a couple
//     of intervals, leaving the server's own bucket some room.
//   - The first refusal cuts the rate to 70%: the rate given is too high by
//     an unknown amount. Unless it comes after seconds of answers at that
//     rate: then it is a bunch of attempts that reached the server together
//     (the network's jitter), or a rate just above the server's, and it
//     cuts by the share refused. A refusal at a rate not yet proven cuts it by the
//     share of attempts refused since the last refusal (at least to 70%):
//     one refusal after n answers says the server takes about n/(n+1) of
//     that rate.
//   - Between two refusals the server's bucket went from empty to empty,
//     so it cannot have answered more than its rate times the time between
//     them, plus one: the answers in between give a lower bound of its
//     rate. Unless the client spent long enough under that rate for the
//     server's bucket to overflow (which the limiter checks from when the
//     answered attempts were sent), the bound is the server's rate, and the
//     rate is set just under it.
//   - A rate held through a calm spell (no refusal for a second, with at
//     least half of that rate used) is proven good. From there the limiter
//     probes towards the rate last refused (the soft ceiling), a third of
//     the way at a time, and a refusal while above a proven rate sends it
//     back to that rate.
//   - Once the proven rate is within 2% of the soft ceiling the limiter
//     holds it. After a few calm seconds the soft ceiling starts to rise,
//     slowly at first and faster the longer the calm lasts, so that the
//     next refusal comes late and close to the server's rate, and a server
//     that now takes more is found again.
//   - With nothing refused yet, the rate goes back up to the ceiling in a
//     couple of seconds.
//   - A Retry-After longer than a second (the server says "not before
//     then") pauses every attempt until then. A Retry-After of one second,
//     the least the header can say, is left to the refused attempt alone,
//     which waits it out before it is sent again; the cut deals with the
//     others.
type Limiter struct {
	ceiling float64 // the rate given to NewLimiter; +Inf: no limit
	floor   float64 // the rate never falls below this
	burst   float64
	now     func() time.Time

	mu      sync.Mutex
	cur     float64       // the rate in force, floor <= cur <= ceiling
	tat     time.Time     // when the next attempt is due at cur (GCRA)
	paused  time.Time     // no attempt starts before this
	changed chan struct{} // closed (and replaced) when waiting attempts must take a new turn

	lastCut  time.Time // when cur was last cut; zero: never
	good     float64   // the rate landed on after the last cut, or proven since; 0: nothing refused yet
	proven   bool      // good was held through a calm spell, or measured as the server's rate
	bad      float64   // the soft ceiling: the rate last refused, rising after a long calm; 0: none
	target   float64   // the rate being climbed to or held
	reached  time.Time // when cur reached target
	held     int       // answers since reached
	lastGrow time.Time // when succeeded last ran
	sends    []float64 // when each attempt sent since the last cut and answered was sent, in seconds after it
	calm     int       // answers before the first refusal
}

// The adaptation's constants. Rates are in attempts per second.
const (
	firstCut   = 0.7   // the first refusal cuts to this share of the rate; no cut goes deeper
	probeCut   = 0.97  // a refused rate is never landed on again above this share of it
	floorShare = 0.05  // the rate never falls below this share of the ceiling
	headroom   = 2.0   // after a cut, the first attempt waits this many intervals
	lowMargin  = 0.015 // land this share under the server's rate as measured
	highMargin = 0.01  // and put the soft ceiling this share above it

	measureSpell = time.Second // two refusals at least this far apart measure the server's rate
	tightShare   = 0.05        // the measure is the server's rate if its bucket never held more than this share of a second's worth (and headroom)

	calmSpell    = time.Second     // a target held this long without refusal is proven
	calmUse      = 0.5             // if at least this share of its rate was used meanwhile
	probeShare   = 0.3             // probe this share of the way from the proven rate to the soft ceiling
	settled      = 0.02            // proven within this share of the soft ceiling: stop probing
	riseSpell    = 5 * time.Second // then, this long after the last cut, the soft ceiling starts rising
	riseShare    = 0.002           // at first by this share a second
	riseDoubling = 5.0             // seconds: the rise doubles this often
	climbTime    = 0.2             // seconds: the climb to a target covers 1-1/e of the way in this time
	minClimb     = 0.01            // and at least this share of the target a second
	regainAll    = 2.0             // seconds to regain the whole ceiling when nothing was refused
	calmFirst    = 0.5             // seconds' worth of answers at the ceiling after which a first refusal cuts by the share refused

	maxInterval = 24 * time.Hour
	maxSends    = 1 << 16
)

// bucketPeak returns the most a server's bucket refilling at rate would
// have held, at any answered send since the last cut, had it been empty at
// the cut and had it no size limit; l.mu is held.
func (l *Limiter) bucketPeak(rate float64) float64 {
	p := 0.0
	for k, at := range l.sends {
		p = math.Max(p, rate*at-float64(k))
	}
	return p
}

// NewLimiter returns a limiter allowing rps attempts per second with bursts
// of burst. rps <= 0 means unlimited; burst < 1 counts as 1.
func NewLimiter(rps float64, burst int) *Limiter {
	if burst < 1 {
		burst = 1
	}
	l := &Limiter{burst: float64(burst), now: time.Now, changed: make(chan struct{})}
	if rps <= 0 || math.IsInf(rps, 1) || math.IsNaN(rps) {
		l.ceiling, l.cur = math.Inf(1), math.Inf(1)
		return l
	}
	l.ceiling, l.cur, l.floor = rps, rps, rps*floorShare
	return l
}

// clock returns the limiter's time (the wall clock outside tests).
func (l *Limiter) clock() time.Time {
	if l == nil {
		return time.Now()
	}
	return l.now()
}

func (l *Limiter) unlimited() bool { return l == nil || math.IsInf(l.ceiling, 1) }

// Wait blocks until the next attempt may start or ctx is done. It returns
// ctx.Err() when ctx ends first, and context.DeadlineExceeded at once when
// ctx's deadline comes before the attempt could start.
func (l *Limiter) Wait(ctx context.Context) error {
	if l.unlimited() {
		return ctx.Err()
	}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		l.mu.Lock()
		now := l.now()
		start := l.slot(now)
		if dl, ok := ctx.Deadline(); ok && dl.Before(start) {
			l.mu.Unlock()
			return context.DeadlineExceeded
		}
		l.take(start)
		changed := l.changed
		l.mu.Unlock()

		d := start.Sub(now)
		if d <= 0 {
			return nil
		}
		t := time.NewTimer(d)
		select {
		case <-t.C:
			return nil
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-changed:
			t.Stop() // the rate was cut or paused: take a new turn
		}
	}
}

// interval is the time between attempts at cur; l.mu is held.
func (l *Limiter) interval() time.Duration {
	d := float64(time.Second) / l.cur
	if d > float64(maxInterval) {
		return maxInterval
	}
	return time.Duration(d)
}

// slot returns when an attempt asking at now may start; l.mu is held. The
// schedule is GCRA: attempts are due one interval apart, and up to burst
// of them may go early.
func (l *Limiter) slot(now time.Time) time.Time {
	start := l.tat.Add(-time.Duration(l.burst-1) * l.interval())
	if start.Before(now) {
		start = now
	}
	if start.Before(l.paused) {
		start = l.paused
	}
	return start
}

// take books the slot at start; l.mu is held.
func (l *Limiter) take(start time.Time) {
	if l.tat.Before(start) {
		l.tat = start
	}
	l.tat = l.tat.Add(l.interval())
}

// reschedule makes every waiting attempt take a new turn; l.mu is held.
func (l *Limiter) reschedule() {
	close(l.changed)
	l.changed = make(chan struct{})
}

// Throttled reports a 429 answered to an attempt made outside the Limiter's
// own client, with the server's Retry-After (0 if none). It counts as a
// refusal at the current rate; a Retry-After longer than a second pauses
// every attempt until it has passed.
func (l *Limiter) Throttled(retryAfter time.Duration) {
	if l.unlimited() {
		return
	}
	l.throttled(l.now(), retryAfter)
}

// throttled reports a 429, with its Retry-After, to an attempt that passed
// the limiter at sent.
func (l *Limiter) throttled(sent time.Time, retryAfter time.Duration) {
	if l.unlimited() {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if retryAfter > time.Second {
		if until := now.Add(retryAfter); until.After(l.paused) {
			l.paused = until
			l.reschedule()
		}
	}
	if !l.lastCut.IsZero() && sent.Before(l.lastCut) {
		return // sent at the rate in force before the last cut: no news
	}
	r, n := l.cur, len(l.sends)
	switch {
	case l.proven && r > l.good*1.001:
		// Probing past a proven rate: back to it.
	case l.good == 0 && float64(l.calm) >= calmFirst*r:
		// The first refusal after seconds at this rate: a bunch that
		// reached the server together, or a rate just above the server's.
		// Cut by the share refused, as below.
		l.good = r * float64(l.calm) / float64(l.calm+1) * (1 - lowMargin)
	case l.good == 0:
		l.good = r * firstCut
	default:
		// n answers, then a refusal: the server takes about n/(n+1).
		l.good = r * math.Max(firstCut, float64(n)/float64(n+1)*(1-lowMargin))
	}
	l.proven, l.bad = false, r
	if dt := now.Sub(l.lastCut); !l.lastCut.IsZero() && dt >= measureSpell && n > 1 && n < maxSends {
		// The server's rate is at least this (see the Limiter doc).
		lower := float64(n-1) / dt.Seconds()
		l.good = math.Max(l.good, lower*(1-lowMargin))
		if l.bucketPeak(lower) <= headroom+math.Max(1, tightShare*lower) {
			l.good, l.bad, l.proven = lower*(1-lowMargin), math.Min(r, lower*(1+highMargin)), true
		}
		l.good = math.Min(l.good, r*probeCut)
	}
	l.good = math.Max(l.good, l.floor)
	l.cur, l.target = l.good, l.good
	l.lastCut, l.reached, l.lastGrow, l.held = now, now, now, 0
	l.sends = l.sends[:0]
	// The first attempt at the new rate waits a little longer than the
	// rate alone says (and no burst is allowed right away): a server that
	// just refused has no room left for an early attempt.
	l.tat = now.Add(time.Duration((headroom + l.burst - 1) * float64(l.interval())))
	l.reschedule()
}

// Succeeded reports an attempt that the server answered without refusing
// it for rate, made outside the Limiter's own client. It lets the rate rise
// again (see the Limiter doc).
func (l *Limiter) Succeeded() {
	if l.unlimited() {
		return
	}
	l.succeeded(l.now())
}

// succeeded reports an answer other than 429 to an attempt that passed the
// limiter at sent.
func (l *Limiter) succeeded(sent time.Time) {
	if l.unlimited() {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if !l.lastCut.IsZero() && !sent.Before(l.lastCut) && len(l.sends) < maxSends {
		l.sends = append(l.sends, sent.Sub(l.lastCut).Seconds())
	}
	if l.good == 0 && l.cur >= l.ceiling {
		l.calm++
	}
	dt := now.Sub(l.lastGrow).Seconds()
	l.lastGrow = now
	if dt <= 0 {
		return
	}
	dt = math.Min(dt, 1)
	if l.bad == 0 {
		l.cur = math.Min(l.ceiling, l.cur+l.ceiling*dt/regainAll)
		return
	}
	l.held++
	if spell := now.Sub(l.reached); l.cur >= l.target && spell >= calmSpell {
		// A calm spell at the target is over: if the rate was used, it is
		// proven. Either way a new spell starts.
		used := float64(l.held) >= calmUse*l.target*spell.Seconds()
		l.reached, l.held = now, 0
		if !used {
			return
		}
		l.good, l.proven = l.target, true
		if calm := now.Sub(l.lastCut); l.bad-l.good <= settled*l.bad && calm >= riseSpell {
			l.bad *= 1 + riseShare*math.Exp2((calm-riseSpell).Seconds()/riseDoubling)*math.Min(spell.Seconds(), 2)
		}
		if l.bad-l.good > settled*l.bad {
			l.target = l.good + (l.bad-l.good)*probeShare
		}
		if l.target >= l.ceiling {
			l.bad, l.target = 0, l.ceiling // the rate given is the limit again
		}
	}
	if l.cur < l.target {
		step := math.Max((l.target-l.cur)*math.Min(1, dt/climbTime), l.target*minClimb*dt)
		if l.cur = math.Min(l.target, l.cur+step); l.cur >= l.target {
			l.reached, l.held = now, 0
		}
	}
}

// Rate returns the current rate in attempts per second (+Inf when
// unlimited).
func (l *Limiter) Rate() float64 {
	if l.unlimited() {
		return math.Inf(1)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.cur
}

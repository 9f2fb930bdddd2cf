package telegent

import (
	"context"
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limiter paces HTTP attempts: every attempt of every call, retries and
// token fetches included, waits for it. One Limiter is meant to be shared
// by all the clients that use the same credentials. A nil *Limiter does not
// limit.
//
// The pacing itself is a token bucket from golang.org/x/time/rate: attempts
// go one interval apart at the current rate, with up to the burst given
// after a quiet spell. The bucket also holds 5 ms worth of attempts, so
// that an attempt whose timer fires late (the machine is busy) does not
// lose its turn for good: the next one catches up. Attempts queue in the
// order of their priority (WithPriority), then in the order they asked, and
// only the first in line holds a reservation, so that a change of rate
// applies at once to every attempt still waiting.
//
// On top of it sits a small controller that sets the bucket's rate from
// what the server answers. It judges windows of answers, each window
// holding the answers to the attempts sent at one rate (an answer to an
// attempt sent before the rate last changed says nothing about the rate in
// force, and is left out):
//
//   - Probing. A window at a rate above the highest one known to be clean
//     lasts long enough for a server's burst allowance to run dry (longer
//     for a small step), and counts only if the rate was used. Clean, it
//     makes its rate the known-clean one, and the next window tries a
//     higher one: half as much again while no rate has been refused (from
//     a start of 20 a second, 2,000 is reached in a dozen windows), then
//     the middle of the gap between the clean rate and the lowest refused
//     one, until the two are within 3% of each other. The rate then holds
//     at the clean one.
//   - Refusals. A window is refused when it holds more 429s than the
//     server's background refusals explain. The background share is the
//     share of 429s in the last eight clean windows; a refused window
//     never counts (so one burst from a stalled server does not teach the
//     limiter that the server always refuses that much) unless tests found
//     its refusals to be noise. While the share is 0, one 429 is enough;
//     otherwise the 429s must exceed the share by three standard
//     deviations and one. A refused window is judged as soon as the 429s
//     cross that line (a test, below, once it holds four), without waiting
//     for its end.
//   - Telling why. A refused window cuts the rate (to the clean rate below
//     a refused probe; by 15% for a rate that was already holding; to 70%
//     when nothing is known yet), waits two intervals (50 ms at least)
//     before the next attempt, so that the server's own bucket refills a
//     little, and the window at the lower rate is a test.
//   - A clean test: the refusals stopped when the client slowed down:
//     the server was saturated (a refused probe becomes the top of the
//     search), or it stalled for a moment. A rate that had held for 10 s
//     and is refused once is taken straight back: a stall. Refused again
//     within 30 s, or refused after a shorter hold, it was over the
//     server's rate, or the server's rate fell: the search goes on from
//     just under it.
//   - A refused test: the next test is at 70% of its rate. A
//     saturated server takes that (unless its rate is lower still: then
//     the cutting goes on); a server that refuses at random refuses it
//     about as often. So when a test is refused at least half as often
//     as the test before it, and not more than half the time, the
//     refusals are the server's background: the two tests join the
//     background share, what was refused before may have been noise too
//     and is forgotten, and the rate goes back to where it was refused.
//   - Re-probing. A rate held for 5 s probes a little higher (3%, then
//     twice as far after each probe that passes); a refused probe doubles
//     the time until the next one, up to a minute. So a server whose limit
//     rises is followed, and one whose limit stays costs a refusal or two
//     a minute.
//   - Retry-After. A Retry-After longer than a second (the server says
//     "not before then") pauses every attempt until then. One of a second,
//     the least the header can say, is left to the refused attempt alone,
//     which waits it out before it is sent again; the controller deals
//     with the others.
//
// A Limiter made by NewLimiter starts at the rate given, which is also its
// ceiling: a fixed rate that backs off only when the server refuses it. One
// made by NewAutoLimiter starts at 20 a second and looks for the server's
// rate up to its ceiling.
type Limiter struct {
	pace    *rate.Limiter
	burst   int     // the burst given
	ceiling float64 // +Inf: no limit
	floor   float64 // the rate never falls below this
	now     func() time.Time
	turn    turns // held by the attempt first in line

	mu      sync.Mutex
	paused  time.Time     // no attempt starts before this
	changed chan struct{} // closed (and replaced) when the attempt first in line must book again
	books   int           // turns booked (for tests)
	c       control
}

// The controller's constants. Rates are in attempts per second.
const (
	autoStart   = 20.0                  // an automatic limiter's first rate
	slowStart   = 1.5                   // with no refused rate known, each clean window raises the rate this much
	settleGap   = 0.03                  // the search stops when the clean and refused rates are this close
	heldCut     = 0.85                  // a refused holding rate is tested at this share of it
	firstCut    = 0.7                   // a refused rate with no clean one known is tested at this share of it
	deepCut     = 0.7                   // a refused test is followed by one at this share of its rate
	noiseRatio  = 0.5                   // refused at least this share as often as the test before: noise ...
	maxNoise    = 0.5                   // ... unless more than this share is refused
	fixedFloor  = 0.05                  // a fixed limiter never falls below this share of its rate
	autoFloor   = 1.0                   // an automatic limiter never falls below this rate
	headroom    = 2.0                   // after a cut, the next attempt waits this many intervals ...
	minGap      = 50 * time.Millisecond // ... and at least this long
	catchUp     = 5 * time.Millisecond  // the pacing bucket holds this long's worth of attempts at least
	minAnswers  = 20                    // a window is judged on at least this many answers ...
	testAnswers = 60                    // ... a test on at least this many
	testEarly   = 4                     // a test is judged before its end on at least this many refusals
	useShare    = 0.5                   // a window counts only if this share of its rate was used
	burstSpell  = 0.2                   // seconds x step: a probe lasts this long divided by its step ...
	minProbe    = 500 * time.Millisecond
	maxProbe    = 4 * time.Second // ... within these bounds
	holdSpell   = time.Second     // a holding window lasts this long
	stallMemory = 30 * time.Second
	stallHeld   = 5 * time.Second // a rate held this long and refused may be a stall
	reprobe     = 5 * time.Second // hold this long before probing higher ...
	maxReprobe  = time.Minute     // ... doubling after each refused probe, up to this
	reprobeStep = 0.03            // the first step of a re-probe
	ringSize    = 8               // clean windows kept for the background share
	zScore      = 3.0
)

// NewLimiter returns a limiter that paces attempts at rps a second, with
// bursts of burst, and backs off while the server refuses that rate (see
// Limiter). rps <= 0 means unlimited; burst < 1 counts as 1.
func NewLimiter(rps float64, burst int) *Limiter {
	if rps <= 0 || math.IsInf(rps, 1) || math.IsNaN(rps) {
		return newLimiter(math.Inf(1), math.Inf(1), 0, burst)
	}
	return newLimiter(rps, rps, rps*fixedFloor, burst)
}

// NewAutoLimiter returns a limiter that finds the server's rate: it starts
// at a safe rate, raises it while the answers come back clean, and settles
// under the first rate the server refuses, never above ceiling. ceiling <=
// 0 means no ceiling; burst < 1 counts as 1.
func NewAutoLimiter(ceiling float64, burst int) *Limiter {
	if ceiling <= 0 || math.IsNaN(ceiling) {
		ceiling = math.Inf(1)
	}
	floor := math.Min(autoFloor, ceiling)
	return newLimiter(ceiling, math.Min(autoStart, ceiling), floor, burst)
}

func newLimiter(ceiling, start, floor float64, burst int) *Limiter {
	burst = max(1, burst)
	l := &Limiter{burst: burst, ceiling: ceiling, floor: floor, now: time.Now, changed: make(chan struct{})}
	if math.IsInf(ceiling, 1) && math.IsInf(start, 1) {
		return l
	}
	l.pace = rate.NewLimiter(rate.Limit(start), l.bucket(start))
	l.c = control{rate: start, ceiling: ceiling, floor: floor, phase: probing, holdFor: reprobe, step: reprobeStep}
	return l
}

// clock returns the limiter's time (the wall clock outside tests).
func (l *Limiter) clock() time.Time {
	if l == nil {
		return time.Now()
	}
	return l.now()
}

func (l *Limiter) unlimited() bool { return l == nil || l.pace == nil }

// Wait blocks until the next attempt may start or ctx is done. It returns
// ctx.Err() when ctx ends first, and context.DeadlineExceeded at once when,
// first in line, the attempt could not start before ctx's deadline.
func (l *Limiter) Wait(ctx context.Context) error {
	if l.unlimited() {
		return ctx.Err()
	}
	if err := l.turn.acquire(ctx); err != nil {
		return err
	}
	defer l.turn.release()
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		now := l.now()
		wait, res, changed := l.book(now)
		if wait <= 0 {
			return nil
		}
		if dl, ok := ctx.Deadline(); ok && dl.Before(now.Add(wait)) {
			l.cancel(res)
			return context.DeadlineExceeded
		}
		t := time.NewTimer(wait)
		select {
		case <-t.C:
			if res != nil {
				return nil
			}
			// The pause is over: book a turn.
		case <-ctx.Done():
			t.Stop()
			l.cancel(res)
			return ctx.Err()
		case <-changed:
			t.Stop()
			l.cancel(res) // the rate was cut or paused: book again
		}
	}
}

// book books a turn for the attempt first in line at now. It returns how
// long to wait (0: go now), the reservation held meanwhile (nil while every
// attempt is paused: the wait ends the pause, and a turn is booked after
// it), and a channel closed when the turn must be booked again.
func (l *Limiter) book(now time.Time) (time.Duration, *rate.Reservation, <-chan struct{}) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.books++
	if now.Before(l.paused) {
		return l.paused.Sub(now), nil, l.changed
	}
	res := l.pace.ReserveN(now, 1)
	return res.DelayFrom(now), res, l.changed
}

// bucket is the size of the pacing bucket at rate r: the burst given, or 5
// ms worth of attempts if more.
func (l *Limiter) bucket(r float64) int {
	return max(l.burst, int(r*catchUp.Seconds()))
}

// cancel gives back the token of a turn not taken.
func (l *Limiter) cancel(res *rate.Reservation) {
	if res != nil {
		res.CancelAt(l.now())
	}
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

// Succeeded reports an attempt that the server answered without refusing
// it for rate, made outside the Limiter's own client.
func (l *Limiter) Succeeded() {
	if l.unlimited() {
		return
	}
	l.succeeded(l.now())
}

// throttled reports a 429, with its Retry-After, to an attempt that passed
// the limiter at sent.
func (l *Limiter) throttled(sent time.Time, retryAfter time.Duration) {
	l.answered(sent, true, retryAfter)
}

// succeeded reports an answer other than 429 to an attempt that passed the
// limiter at sent.
func (l *Limiter) succeeded(sent time.Time) {
	l.answered(sent, false, 0)
}

func (l *Limiter) answered(sent time.Time, refused bool, retryAfter time.Duration) {
	if l.unlimited() {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	reschedule := false
	if refused && retryAfter > time.Second {
		if until := now.Add(retryAfter); until.After(l.paused) {
			l.paused, reschedule = until, true
		}
	}
	before := l.c.rate
	if cut := l.c.answer(now, sent, refused); cut {
		// The first attempt at the lower rate waits a little longer than
		// the rate alone says: a server that just refused has no room
		// left for an early attempt.
		gap := max(minGap, time.Duration(headroom*float64(time.Second)/l.c.rate))
		if until := now.Add(gap); until.After(l.paused) {
			l.paused = until
		}
		reschedule = true
	}
	if l.c.rate != before {
		l.pace.SetLimitAt(now, rate.Limit(l.c.rate))
		l.pace.SetBurstAt(now, l.bucket(l.c.rate))
		reschedule = reschedule || l.c.rate < before
	}
	if reschedule {
		close(l.changed)
		l.changed = make(chan struct{})
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
	return l.c.rate
}

// phase is what the controller is doing.
type phase int

const (
	probing   phase = iota // trying a rate above the clean one
	holding                // at the clean rate
	testPhase              // at a lower rate after a refused window
)

// window counts the answers to the attempts sent at one rate.
type window struct{ n, k int } // answers, of which refused

func (w window) share() float64 {
	if w.n == 0 {
		return 0
	}
	return float64(w.k) / float64(w.n)
}

// control is the adaptive part of a Limiter; the Limiter's lock guards it.
type control struct {
	rate, ceiling, floor float64
	lo, hi               float64 // the highest rate held clean and the lowest refused; 0: none
	phase                phase
	since                time.Time // when rate was set; answers to earlier attempts are left out
	win                  window

	// testing
	from     float64 // the rate refused
	held     bool    // it was a holding rate
	longHeld bool    // held long enough for a refusal to be a stall
	prev     window  // the test before, refused; n == 0: none

	holdSince time.Time     // when the rate started holding
	stallAt   time.Time     // when a holding rate was last refused and taken back
	holdFor   time.Duration // how long to hold before probing higher
	step      float64       // how far the next re-probe goes
	reprobe   bool          // the probe under way is a re-probe

	ring  [ringSize]window // recent clean windows
	ringN int
}

// answer counts one answer to an attempt sent at sent, and reports
// whether the rate was cut.
func (c *control) answer(now, sent time.Time, refused bool) bool {
	if c.since.IsZero() {
		c.since = sent
	}
	if sent.Before(c.since) {
		return false // sent at an earlier rate
	}
	c.win.n++
	over := false
	if refused {
		c.win.k++
		over = float64(c.win.k) > c.tolerated(c.win.n)
		if over && (c.phase != testPhase || c.win.k >= testEarly) {
			return c.refusedWindow(now)
		}
	}
	spell := now.Sub(c.since)
	if c.win.n < c.minN() || spell < c.spell() {
		return false
	}
	if c.phase == testPhase && float64(c.win.k) > c.tolerated(c.win.n) {
		return c.refusedTest(now)
	}
	if float64(c.win.n) < useShare*c.rate*spell.Seconds() && c.phase != testPhase {
		c.restart(now, c.rate) // not used enough to prove anything: start over
		return false
	}
	c.cleanWindow(now)
	return false
}

// minN is how many answers the current window needs.
func (c *control) minN() int {
	if c.phase == testPhase {
		return testAnswers
	}
	return minAnswers
}

// spell is how long the current window lasts.
func (c *control) spell() time.Duration {
	switch c.phase {
	case holding:
		return holdSpell
	case testPhase:
		return minProbe
	}
	if c.lo == 0 {
		return minProbe
	}
	step := c.rate/c.lo - 1
	d := time.Duration(burstSpell / math.Max(step, 1e-3) * float64(time.Second))
	return min(maxProbe, max(minProbe, d))
}

// tolerated is how many refusals in n answers the background share
// explains.
func (c *control) tolerated(n int) float64 {
	b := c.background()
	if b == 0 {
		return 0
	}
	m := b * float64(n)
	return m + zScore*math.Sqrt(m) + 1
}

// background is the share of answers the server refuses whatever the
// rate: that of the recent clean windows. A refused window never counts
// (nor, so, does a burst of refusals from a stalled server), unless tests
// found its refusals to be noise.
func (c *control) background() float64 {
	var n, k int
	for _, w := range c.ring[:min(c.ringN, ringSize)] {
		n, k = n+w.n, k+w.k
	}
	if n == 0 {
		return 0
	}
	return float64(k) / float64(n)
}

func (c *control) remember(w window) {
	c.ring[c.ringN%ringSize] = w
	c.ringN++
}

// restart starts a window at rate r.
func (c *control) restart(now time.Time, r float64) {
	c.rate = math.Max(c.floor, math.Min(c.ceiling, r))
	c.since, c.win = now, window{}
}

// cleanWindow closes a window that was not refused.
func (c *control) cleanWindow(now time.Time) {
	w := c.win
	c.remember(w)
	switch c.phase {
	case probing:
		c.lo = c.rate
		if c.hi != 0 && c.hi <= c.lo {
			c.hi = 0 // the limit moved up
		}
		if c.reprobe {
			// The rate held is not the limit any more, if it ever was:
			// search again.
			c.hi, c.reprobe = 0, false
		}
		c.next(now)
	case holding:
		c.restart(now, c.rate)
		if now.Sub(c.holdSince) >= c.holdFor && c.rate < c.ceiling {
			c.hi = math.Max(c.hi, c.lo*(1+2*c.step))
			c.reprobe = true
			c.next(now)
		}
	case testPhase:
		c.passedTest(now)
	}
}

// next moves to the next probe, or holds when the search is over.
func (c *control) next(now time.Time) {
	switch {
	case c.lo >= c.ceiling:
		c.hold(now, c.ceiling)
	case c.hi == 0:
		c.phase = probing
		c.restart(now, c.lo*slowStart)
	case c.hi/c.lo > 1+settleGap:
		c.phase = probing
		c.restart(now, math.Sqrt(c.lo*c.hi))
	default:
		c.hold(now, c.lo)
	}
}

// hold holds rate r, and starts counting the time until the next
// re-probe.
func (c *control) hold(now time.Time, r float64) {
	if c.phase != holding {
		c.reprobe, c.holdSince = false, now
	}
	c.phase = holding
	c.restart(now, r)
}

// refusedWindow deals with a window holding more refusals than the
// background explains; it cuts the rate and reports true.
func (c *control) refusedWindow(now time.Time) bool {
	switch c.phase {
	case probing:
		if c.hi == 0 || c.rate < c.hi {
			c.hi = c.rate
		}
		if c.reprobe {
			c.holdFor, c.step, c.reprobe = min(maxReprobe, 2*c.holdFor), reprobeStep, false
		}
		c.startTest(now, false)
	case holding:
		c.startTest(now, true)
	case testPhase:
		return c.refusedTest(now)
	}
	return true
}

// startTest cuts the rate after a refused window and tests the lower rate.
func (c *control) startTest(now time.Time, held bool) {
	c.from, c.held, c.prev = c.rate, held, window{}
	c.longHeld = held && now.Sub(c.holdSince) >= stallHeld
	r := c.rate * firstCut
	switch {
	case held:
		r = c.rate * heldCut
	case c.lo > 0 && c.lo < c.rate:
		r = c.lo
	}
	c.phase = testPhase
	c.restart(now, r)
}

// refusedTest deals with a test refused in turn: the server refuses at a
// lower rate than the one tested, or whatever the rate.
func (c *control) refusedTest(now time.Time) bool {
	s := c.win.share()
	if c.prev.n > 0 && s >= noiseRatio*c.prev.share() && s <= maxNoise {
		// Refused about as often at half the rate: noise. Learn it and go
		// back.
		c.remember(window{n: c.prev.n + c.win.n, k: c.prev.k + c.win.k})
		c.hi = 0 // an earlier refused rate may have been noise too
		if c.held || c.from <= c.lo {
			c.hold(now, c.from)
		} else {
			c.phase = probing
			c.restart(now, c.from)
		}
		return false
	}
	// Test at a lower rate: a saturated server takes it (unless its rate
	// is lower still), one that refuses at random refuses it as often.
	c.prev = c.win
	if c.hi == 0 || c.rate < c.hi {
		c.hi = c.rate
	}
	if c.lo >= c.rate {
		c.lo = 0
	}
	c.restart(now, c.rate*deepCut)
	return true
}

// passedTest deals with a clean test: the refusals stopped at the lower
// rate.
func (c *control) passedTest(now time.Time) {
	if c.longHeld && (c.stallAt.IsZero() || now.Sub(c.stallAt) > stallMemory) && c.prev.n == 0 {
		// A holding rate refused once: a stall. Back to it.
		c.stallAt = now
		c.hold(now, c.from)
		return
	}
	c.lo = c.rate
	if c.held {
		// Refused twice within stallMemory: the server's rate fell, or the
		// rate held was just over it. Try just under it.
		c.hi, c.stallAt = c.from, time.Time{}
		if r := c.from * (1 - settleGap); r > c.lo {
			c.phase = probing
			c.restart(now, r)
			return
		}
	}
	c.next(now)
}

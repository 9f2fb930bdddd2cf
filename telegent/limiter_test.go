package telegent

import (
	"context"
	"math"
	"testing"
	"time"
)

// approx reports whether a and b agree to 1e-9 relative.
func approx(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

// newTestLimiter returns a limiter on a fake clock.
func newTestLimiter(rps float64, burst int) (*Limiter, *fakeClock) {
	clock := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	l := NewLimiter(rps, burst)
	l.now = clock.now
	return l, clock
}

// book takes the next slot as Wait would, and returns when it starts.
func (l *Limiter) book() time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	start := l.slot(l.now())
	l.take(start)
	return start
}

// answer reports answers to n attempts sent every interval from now on,
// moving the clock along.
func answer(l *Limiter, clock *fakeClock, n int, interval time.Duration) {
	for range n {
		l.succeeded(clock.now())
		clock.add(interval)
	}
}

// busy has every attempt the limiter allows answered, for d of the fake
// clock: a client with work to do and a server that takes it.
func busy(l *Limiter, clock *fakeClock, d time.Duration) {
	for end := clock.now().Add(d); clock.now().Before(end); {
		clock.add(time.Duration(float64(time.Second) / l.Rate()))
		l.succeeded(clock.now())
	}
}

func TestLimiterPacesEvenly(t *testing.T) {
	l, clock := newTestLimiter(10, 3)
	t0 := clock.now()
	var got []time.Duration
	for range 5 {
		got = append(got, l.book().Sub(t0))
	}
	// Three at once (the burst), then one every 100ms.
	want := []time.Duration{0, 0, 0, 100 * time.Millisecond, 200 * time.Millisecond}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("slots = %v, want %v", got, want)
		}
	}
}

func TestLimiterFirstRefusalCutsAndRepaces(t *testing.T) {
	l, clock := newTestLimiter(100, 1)
	for range 5 {
		l.book() // waiting attempts booked at 100 a second
	}
	waiting := l.changed
	l.throttled(clock.now(), time.Second)
	if got := l.Rate(); !approx(got, 70) {
		t.Errorf("rate after the first refusal = %v, want 70", got)
	}
	select {
	case <-waiting:
	default:
		t.Fatal("attempts waiting at the old rate were not told to take a new turn")
	}
	// The next attempt waits two intervals at the new rate, whatever was
	// booked before the cut.
	rate := 70.0
	if got, want := l.book().Sub(clock.now()), 2*time.Duration(float64(time.Second)/rate); got != want {
		t.Errorf("first attempt after the cut starts in %v, want %v", got, want)
	}
}

// A first refusal after seconds of answers at the rate given is a bunch of
// attempts reaching the server together, or a rate just above its own: it
// cuts by the share refused, not by 30%.
func TestLimiterFirstRefusalAfterACalm(t *testing.T) {
	l, clock := newTestLimiter(100, 1)
	busy(l, clock, 3*time.Second)
	n := float64(l.calm)
	if n < 250 {
		t.Fatalf("%v answers counted in 3 s at 100 a second", n)
	}
	l.throttled(clock.now(), time.Second)
	if got, want := l.Rate(), 100*n/(n+1)*(1-lowMargin); !approx(got, want) {
		t.Errorf("rate after a first refusal following a calm = %v, want %v", got, want)
	}
}

func TestLimiterRefusalOfAnAttemptSentBeforeTheCut(t *testing.T) {
	l, clock := newTestLimiter(100, 1)
	sent := clock.now()
	clock.add(10 * time.Millisecond)
	l.throttled(clock.now(), 0) // cut: 70
	clock.add(10 * time.Millisecond)
	l.throttled(sent, 0) // went out at 100, before the cut: no news
	if got := l.Rate(); !approx(got, 70) {
		t.Errorf("rate = %v, want 70 after one cut", got)
	}
}

func TestLimiterCutsByTheShareRefused(t *testing.T) {
	l, clock := newTestLimiter(100, 1)
	l.throttled(clock.now(), 0) // 70
	clock.add(time.Millisecond)
	answer(l, clock, 3, 10*time.Millisecond)
	l.throttled(clock.now(), 0) // 3 answers, then a refusal: about 3/4 of 70 gets through
	if got, want := l.Rate(), 70*0.75*(1-lowMargin); !approx(got, want) {
		t.Errorf("rate = %v, want %v", got, want)
	}
	clock.add(time.Millisecond)
	l.throttled(clock.now(), 0) // refused at once: no deeper than firstCut
	if got, want := l.Rate(), 70*0.75*(1-lowMargin)*firstCut; !approx(got, want) {
		t.Errorf("rate after a refusal with no answer = %v, want %v", got, want)
	}
}

func TestLimiterMeasuresTheServersRate(t *testing.T) {
	l, clock := newTestLimiter(100, 1)
	l.throttled(clock.now(), 0) // 70: from here on, the server's bucket is empty
	// For two seconds the attempts go at 70 a second, the server taking
	// 50: its bucket went from empty to empty, so it answered 100 (plus
	// one at most).
	clock.add(time.Second / 70)
	answer(l, clock, 101, 20*time.Millisecond)
	clock.add(-20 * time.Millisecond)
	dt := clock.now().Sub(l.lastCut).Seconds()
	l.throttled(clock.now(), 0)
	lower := 100 / dt
	if got, want := l.Rate(), lower*(1-lowMargin); !approx(got, want) {
		t.Errorf("rate = %v, want %v: just under the %v measured", got, want, lower)
	}
	if !l.proven || !approx(l.bad, lower*(1+highMargin)) {
		t.Errorf("proven %v, soft ceiling %v; want the measure proven and the soft ceiling just above it", l.proven, l.bad)
	}
}

func TestLimiterDistrustsAMeasureThatMayHaveOverflowed(t *testing.T) {
	l, clock := newTestLimiter(100, 1)
	l.throttled(clock.now(), 0) // 70
	// A quiet second, then a burst: at the average rate the server's
	// bucket would have filled with the whole quiet second's worth, and
	// overflowed if it is any smaller. The measure is only a lower bound.
	clock.add(time.Second)
	answer(l, clock, 60, time.Millisecond)
	lower := 59 / clock.now().Sub(l.lastCut).Seconds()
	l.throttled(clock.now(), 0)
	if l.proven {
		t.Errorf("a measure over a quiet spell was taken for the server's rate")
	}
	if got := l.Rate(); got > 70*probeCut+1e-9 || got < lower*(1-lowMargin)-1e-9 {
		t.Errorf("rate = %v, want between the measured lower bound %v and just under the refused 70", got, lower)
	}
}

func TestLimiterProvesProbesAndSettles(t *testing.T) {
	l, clock := newTestLimiter(100, 1)
	l.throttled(clock.now(), 0) // 70; soft ceiling 100
	good := l.Rate()
	clock.add(2 * time.Second) // idle: proves nothing
	l.succeeded(clock.now())
	clock.add(time.Second)
	l.succeeded(clock.now())
	if l.proven {
		t.Fatal("a rate was proven while it was not used")
	}
	// Used through a calm second, the rate is proven and probes a third of
	// the way to the soft ceiling.
	busy(l, clock, 1100*time.Millisecond)
	if !l.proven || !approx(l.good, good) {
		t.Fatalf("after a busy calm second: good %v proven %v, want %v proven", l.good, l.proven, good)
	}
	if want := good + (100-good)*probeShare; !approx(l.target, want) {
		t.Errorf("target = %v, want %v, a third of the way to the soft ceiling", l.target, want)
	}
	busy(l, clock, 200*time.Millisecond)
	refused := l.Rate()
	if refused <= good {
		t.Fatalf("rate = %v: no probe above %v", refused, good)
	}
	// A refusal while probing: back under the refused rate, which is the
	// soft ceiling now.
	l.throttled(clock.now(), 0)
	if got := l.Rate(); got > refused*probeCut+1e-9 || l.bad > refused+1e-9 {
		t.Errorf("after a refused probe at %v: rate %v, soft ceiling %v; want under it", refused, got, l.bad)
	}
	// Probing narrows the gap; once the proven rate is within settled of
	// the soft ceiling, the rate stays put until riseSpell has passed.
	for i := 0; i < 100 && !(l.proven && l.bad-l.good <= settled*l.bad); i++ {
		busy(l, clock, 100*time.Millisecond)
	}
	if !l.proven || l.bad-l.good > settled*l.bad {
		t.Fatalf("never settled: good %v (proven %v), soft ceiling %v", l.good, l.proven, l.bad)
	}
	held, ceiling := l.Rate(), l.bad
	if since := clock.now().Sub(l.lastCut); since < riseSpell-time.Second {
		busy(l, clock, riseSpell-time.Second-since)
		if l.Rate() != held || l.bad != ceiling {
			t.Errorf("settled rate %v (soft ceiling %v) moved to %v (%v) within riseSpell", held, ceiling, l.Rate(), l.bad)
		}
	}
}

func TestLimiterSoftCeilingRisesAfterALongCalm(t *testing.T) {
	l, clock := newTestLimiter(1000, 1)
	l.throttled(clock.now(), 0)
	// Settled: proven just under the soft ceiling.
	l.good, l.proven, l.bad, l.target, l.cur = 99, true, 100, 99, 99
	busy(l, clock, riseSpell-time.Second)
	if l.bad != 100 {
		t.Errorf("soft ceiling rose to %v within riseSpell of the cut", l.bad)
	}
	var rises []float64
	for range 4 {
		before := l.bad
		busy(l, clock, 5*time.Second)
		rises = append(rises, l.bad/before-1)
	}
	if !(rises[0] > 0 && rises[3] > rises[0]) {
		t.Errorf("rises per 5 s = %v: want a rise, faster later", rises)
	}
	// In the end the rate given is the limit again.
	for i := 0; i < 100 && l.bad != 0; i++ {
		busy(l, clock, 5*time.Second)
	}
	busy(l, clock, 5*time.Second)
	if l.bad != 0 || l.Rate() != 1000 {
		t.Errorf("after a long calm: soft ceiling %v, rate %v; want none and the ceiling 1000", l.bad, l.Rate())
	}
}

func TestLimiterLongRetryAfterPausesEveryone(t *testing.T) {
	l, clock := newTestLimiter(100, 1)
	l.Throttled(5 * time.Second)
	if got := l.book().Sub(clock.now()); got != 5*time.Second {
		t.Errorf("next attempt in %v, want 5s: the server asked for a pause", got)
	}
	l2, clock2 := newTestLimiter(100, 1)
	l2.throttled(clock2.now(), time.Second)
	if got := l2.book().Sub(clock2.now()); got >= time.Second/10 {
		t.Errorf("next attempt in %v after Retry-After 1s: want only the refused attempt to wait it", got)
	}
}

func TestLimiterFloor(t *testing.T) {
	l, clock := newTestLimiter(200, 1)
	for range 100 {
		l.throttled(clock.now(), 0)
		clock.add(time.Millisecond)
	}
	if got, want := l.Rate(), 200*floorShare; !approx(got, want) {
		t.Errorf("rate after many refusals = %v, want the floor %v", got, want)
	}
}

func TestLimiterRegainsCeilingWhenNothingWasRefused(t *testing.T) {
	l, clock := newTestLimiter(50, 1)
	l.cur = 10 // as if the soft ceiling had just risen past the ceiling
	answer(l, clock, 100, 10*time.Millisecond)
	if got := l.Rate(); got != 50 {
		t.Errorf("rate = %v, want the ceiling regained", got)
	}
}

func TestLimiterUnlimited(t *testing.T) {
	var nilLimiter *Limiter
	for name, l := range map[string]*Limiter{"nil": nilLimiter, "zero rps": NewLimiter(0, 0), "negative": NewLimiter(-1, 5)} {
		t.Run(name, func(t *testing.T) {
			l.Throttled(time.Second)
			l.Succeeded()
			if got := l.Rate(); !math.IsInf(got, 1) {
				t.Errorf("Rate() = %v, want +Inf", got)
			}
			for range 1000 {
				if err := l.Wait(context.Background()); err != nil {
					t.Fatalf("Wait: %v", err)
				}
			}
		})
	}
}

func TestLimiterWaitHonoursContext(t *testing.T) {
	l := NewLimiter(1e-6, 1) // one attempt per 11 days
	if err := l.Wait(context.Background()); err != nil {
		t.Fatalf("first Wait: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := l.Wait(ctx); err != context.Canceled {
		t.Errorf("Wait on a cancelled context = %v, want context.Canceled", err)
	}
	ctx, cancel = context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	if err := l.Wait(ctx); err != context.DeadlineExceeded {
		t.Errorf("Wait past the deadline = %v, want context.DeadlineExceeded", err)
	}
}

func TestLimiterWaitTakesANewTurnAfterACut(t *testing.T) {
	l := NewLimiter(1e-6, 1)
	if err := l.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	tat := func() time.Time {
		l.mu.Lock()
		defer l.mu.Unlock()
		return l.tat
	}
	// waitFor polls cond for up to ten seconds.
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		for end := time.Now().Add(10 * time.Second); !cond(); time.Sleep(time.Millisecond) {
			if time.Now().After(end) {
				t.Fatalf("waited 10s for %s", what)
			}
		}
	}
	// The next turn is a day away. A waiter books it; a cut tells it to
	// book a new turn at the new rate.
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	first := tat()
	go func() { done <- l.Wait(ctx) }()
	waitFor("the waiter to book its turn", func() bool { return tat().After(first) })
	l.Throttled(0)
	afterCut := tat()
	waitFor("the waiter to book a new turn", func() bool { return !tat().Equal(afterCut) })
	cancel()
	if err := <-done; err != context.Canceled {
		t.Errorf("Wait = %v, want context.Canceled", err)
	}
}

// TestLimiterAgainstATokenBucket runs the limiter in virtual time (see
// simulate) against a server refusing past n requests a second, with a
// tenth of a second's burst, as the sandbox does: 30 seconds' worth of calls
// from 32 workers, at 50 and 200 a second, with the limiter given the
// server's rate or twice it. The figures are those of the README (what
// BenchmarkRateLimit measures for real); here they are a deterministic
// function of the policy.
//
// A network that delays each attempt by a random 20 ms on average (so that
// attempts reach the server bunched, as over a real WAN) must not cost
// more: the limiter must not take a bunch for a slower server.
func TestLimiterAgainstATokenBucket(t *testing.T) {
	for _, jitter := range []struct {
		mean    time.Duration
		minUtil float64
	}{{300 * time.Microsecond, 97}, {20 * time.Millisecond, 97}} {
		for _, n := range []float64{50, 200} {
			for _, over := range []float64{1, 2} {
				for seed := uint64(1); seed <= 3; seed++ {
					cfg := simConfig{n: n, clientN: over * n, workers: 32, calls: int(30 * n),
						latency: 2 * time.Millisecond, jitter: jitter.mean, seed: seed}
					r := simulate(cfg)
					util := 100 * r.rate(cfg.calls) / n
					refused := 100 * float64(r.throttled) / float64(r.attempts)
					if util < jitter.minUtil || refused > 0.5 {
						t.Errorf("n=%v over=%vx jitter %v seed %d: %.2f%% of the server's rate, %.2f%% refused; want >= %v%% and <= 0.5%%",
							n, over, jitter.mean, seed, util, refused, jitter.minUtil)
					}
				}
			}
		}
	}
}

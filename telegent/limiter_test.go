package telegent

import (
	"context"
	"math"
	"testing"
	"time"
)

// approx reports whether a and b agree to 1e-9.
func approx(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestLimiterCutsOncePerInterval(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	l := NewLimiter(100, 1)
	l.now = clock.now

	steps := []struct {
		name    string
		advance time.Duration
		want    float64
	}{
		{"first 429 cuts", 0, 70},
		{"a burst of 429s is one signal", 100 * time.Millisecond, 70},
		{"still the same burst", 800 * time.Millisecond, 70},
		{"a second later it cuts again", 100 * time.Millisecond, 49},
	}
	for _, s := range steps {
		clock.add(s.advance)
		l.Throttled(time.Second)
		if got := l.Rate(); !approx(got, s.want) {
			t.Errorf("%s: rate = %v, want %v", s.name, got, s.want)
		}
	}
}

func TestLimiterCutsOncePerRoundTrip(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	l := NewLimiter(100, 1)
	l.now = clock.now
	queued := clock.now()

	clock.add(10 * time.Millisecond)
	l.throttled(queued) // first refusal: cut
	l.throttled(queued) // queued under the old rate as well: no news
	if got := l.Rate(); !approx(got, 70) {
		t.Fatalf("rate = %v, want 70 after one cut", got)
	}
	clock.add(10 * time.Millisecond)
	l.throttled(clock.now()) // queued after the cut and still refused: cut again
	if got := l.Rate(); !approx(got, 49) {
		t.Errorf("rate = %v, want 49 after a refusal at the new rate", got)
	}
}

func TestLimiterProbesGentlyNearRefusedRate(t *testing.T) {
	l := NewLimiter(100, 1)
	l.Throttled(0) // refused at 100, now 70
	var fast, slow int
	for n := 0; n < 100000 && l.Rate() < 100; n++ {
		if l.Rate() < probeShare*100 {
			fast++
		} else {
			slow++
		}
		l.Succeeded()
	}
	if got := l.Rate(); got != 100 {
		t.Fatalf("rate = %v, want the ceiling regained", got)
	}
	// 15 rps to climb each way; the gentle part takes about ten times as
	// many answers per rps.
	if slow < 5*fast {
		t.Errorf("answers spent climbing: %d fast (to 85), %d gentle (85 to 100); want the gentle climb much slower", fast, slow)
	}
}

func TestLimiterFloor(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	l := NewLimiter(200, 1)
	l.now = clock.now
	for range 100 {
		l.Throttled(0)
		clock.add(time.Second)
	}
	if got, want := l.Rate(), 200*floorShare; !approx(got, want) {
		t.Errorf("rate after many cuts = %v, want the floor %v", got, want)
	}
}

func TestLimiterRegainsCeiling(t *testing.T) {
	l := NewLimiter(50, 1)
	l.Throttled(0)
	if got := l.Rate(); !approx(got, 35) {
		t.Fatalf("rate after a cut = %v, want 35", got)
	}
	// About regainTime seconds' worth of answers at the cut rate bring the
	// rate back; bound the loop well above that.
	n := 0
	for ; n < 1000 && l.Rate() < 50; n++ {
		l.Succeeded()
	}
	if got := l.Rate(); got != 50 {
		t.Fatalf("rate after %d successes = %v, want the ceiling 50", n, got)
	}
	if n < 20 {
		t.Errorf("regained the ceiling after %d successes; want a gradual climb", n)
	}
	l.Succeeded()
	if got := l.Rate(); got != 50 {
		t.Errorf("rate above the ceiling: %v", got)
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

package walk

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"
)

// fakeClock is a Clock that moves only when told: by Advance, or by Idle
// (the walk waits on nothing but timers), which jumps to the earliest
// timer. No test sleeps.
type fakeClock struct {
	mu      sync.Mutex
	changed *sync.Cond // a timer was added
	now     time.Time
	timers  []fakeTimer
	fired   []chan time.Time // fired timers, until the walk has read them
}

type fakeTimer struct {
	at time.Time
	ch chan time.Time
}

var epoch = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

func newFakeClock() *fakeClock {
	c := &fakeClock{now: epoch}
	c.changed = sync.NewCond(&c.mu)
	return c
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	if d <= 0 {
		ch <- c.now
		c.fired = append(c.fired, ch)
		return ch
	}
	c.timers = append(c.timers, fakeTimer{at: c.now.Add(d), ch: ch})
	c.changed.Broadcast()
	return ch
}

// Advance moves the clock by d and fires the timers due.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.setLocked(c.now.Add(d))
}

func (c *fakeClock) setLocked(t time.Time) {
	c.now = t
	kept := c.timers[:0]
	for _, tm := range c.timers {
		if tm.at.After(t) {
			kept = append(kept, tm)
			continue
		}
		tm.ch <- tm.at
		c.fired = append(c.fired, tm.ch)
	}
	c.timers = kept
}

// Idle jumps to the earliest timer, unless a fired one is still unread
// (the walk has something to do at this time already).
func (c *fakeClock) Idle() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.fired = slices.DeleteFunc(c.fired, func(ch chan time.Time) bool { return len(ch) == 0 })
	if len(c.fired) > 0 || len(c.timers) == 0 {
		return
	}
	next := c.timers[0].at
	for _, tm := range c.timers[1:] {
		if tm.at.Before(next) {
			next = tm.at
		}
	}
	c.setLocked(next)
}

// waitTimer blocks until a timer due at at is set (bounded by the test's
// own timeout: the walk sets it, or the test fails).
func (c *fakeClock) waitTimer(at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for !slices.ContainsFunc(c.timers, func(tm fakeTimer) bool { return tm.at.Equal(at) }) {
		c.changed.Wait()
	}
}

// step is one run of a fake task.
type step func(ctx context.Context) Result

func ret(r Result) step { return func(context.Context) Result { return r } }

func retState(st State) step { return ret(Result{State: st}) }

// script runs fake tasks: node id's k-th run does steps[id][k], the last
// step repeating; a node without steps is Done.
type script struct {
	steps map[int32][]step
	mu    sync.Mutex
	runs  map[int32]int
	order []int32 // every run, in the order they started
}

func newScript(steps map[int32][]step) *script {
	return &script{steps: steps, runs: map[int32]int{}}
}

func (s *script) task(ctx context.Context, id int32) Result {
	s.mu.Lock()
	k := s.runs[id]
	s.runs[id]++
	s.order = append(s.order, id)
	s.mu.Unlock()
	steps := s.steps[id]
	if len(steps) == 0 {
		return Result{State: Done}
	}
	return steps[min(k, len(steps)-1)](ctx)
}

func (s *script) calls() []int32 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.order)
}

// outcome is what one walk in a test did.
type outcome struct {
	w      *Walker
	rep    Report
	err    error
	events []Event
	clock  *fakeClock
	script *script
}

// walkGraph walks deps with the script's tasks and a fake clock (unless o
// has a clock), recording events; it checks what every walk must hold.
func walkGraph(t *testing.T, ctx context.Context, deps [][]int32, s *script, o Options) outcome {
	t.Helper()
	out := outcome{script: s}
	switch c := o.Clock.(type) {
	case nil:
		out.clock = newFakeClock()
		o.Clock = out.clock
	case *fakeClock:
		out.clock = c
	}
	inCallback := false
	onEvent := o.OnEvent
	o.OnEvent = func(ev Event) {
		if inCallback {
			t.Errorf("event for %d during another callback", ev.ID)
		}
		inCallback = true
		defer func() { inCallback = false }()
		out.events = append(out.events, ev)
		if onEvent != nil {
			onEvent(ev)
		}
	}
	w, err := New(deps, s.task, o)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	out.w = w
	out.rep, out.err = w.Run(ctx)
	checkCounts(t, out)
	return out
}

// checkCounts checks that every event's counts add up to the number of
// nodes and that the final counts are the states the walk left.
func checkCounts(t *testing.T, out outcome) {
	t.Helper()
	n := len(out.w.state)
	for _, ev := range out.events {
		sum := 0
		for _, c := range ev.Counts.States {
			sum += c
		}
		if sum != n {
			t.Errorf("event %+v: counts add up to %d, not %d", ev, sum, n)
		}
	}
	var want [NumStates]int
	for _, st := range out.w.state {
		want[st]++
	}
	if out.rep.Counts.States != want {
		t.Errorf("report counts %v, states %v", out.rep.Counts.States, want)
	}
	if want[Running] != 0 {
		t.Errorf("%d nodes still running after the walk", want[Running])
	}
}

package walk

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"
)

func noResolve(t *testing.T) Resolver {
	return func(context.Context, []int32) ([]State, error) {
		t.Error("the resolver was asked while the walk was stopping")
		return nil, errors.New("not expected")
	}
}

// A fatal Result in the middle stops the walk: nothing new starts, the
// tasks in flight see their context cancelled, Run returns the error.
func TestFatalCancelsInFlight(t *testing.T) {
	errBoom := errors.New("credentials rejected")
	started := make(chan int32, 2)
	var mu sync.Mutex
	sawCancel := 0
	blocked := func(res Result) step {
		return func(ctx context.Context) Result {
			started <- 0
			<-ctx.Done()
			mu.Lock()
			sawCancel++
			mu.Unlock()
			return res
		}
	}
	s := newScript(map[int32][]step{
		0: {blocked(Result{State: Unknown})}, // a create whose answer is lost
		1: {blocked(Result{State: Pending})}, // a call not made
		2: {func(context.Context) Result { <-started; <-started; return Fatal(errBoom) }},
	})
	deps := [][]int32{nil, nil, nil, nil, {0}}
	out := walkGraph(t, context.Background(), deps, s, Options{Workers: 3, Resolve: noResolve(t)})
	if !errors.Is(out.err, errBoom) {
		t.Fatalf("Run: %v, want %v", out.err, errBoom)
	}
	if sawCancel != 2 {
		t.Errorf("%d tasks in flight saw their context cancelled, want 2", sawCancel)
	}
	if calls := out.script.calls(); slices.Contains(calls, 3) || len(calls) != 3 {
		t.Errorf("runs %v: node 3 started after the fatal error", calls)
	}
	want := []State{Unknown, Pending, Pending, Pending, Pending}
	for i, st := range want {
		if got := out.w.State(int32(i)); got != st {
			t.Errorf("node %d: %s, want %s", i, got, st)
		}
	}
	if out.rep.Stop != StopFatal || !slices.Equal(out.rep.Unknown, []int32{0}) || out.rep.Interrupted {
		t.Errorf("report %+v", out.rep)
	}
}

// An interrupt takes no new node; a task that finishes within the drain
// is recorded, one that does not sees its context cancelled at its end.
func TestInterruptDrains(t *testing.T) {
	const drain = 10 * time.Second
	started := make(chan int32, 2)
	release := make(chan struct{})
	var finishedLive, cutOff bool
	s := newScript(map[int32][]step{
		0: {func(ctx context.Context) Result {
			started <- 0
			<-release
			finishedLive = ctx.Err() == nil
			return Result{State: Done}
		}},
		1: {func(ctx context.Context) Result {
			started <- 1
			<-ctx.Done()
			cutOff = true
			return Result{State: Unknown}
		}},
	})
	clk := newFakeClock()
	events := make(chan Event, 16)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	deps := [][]int32{nil, nil, nil, {0}}
	o := Options{Workers: 2, Drain: drain, Clock: clk, Resolve: noResolve(t),
		OnEvent: func(ev Event) { events <- ev }}
	done := make(chan outcome, 1)
	go func() { done <- walkGraph(t, ctx, deps, s, o) }()

	<-started
	<-started
	cancel()
	clk.waitTimer(epoch.Add(drain))
	close(release)
	if ev := <-events; ev.ID != 0 || ev.State != Done {
		t.Fatalf("first event %+v, want node 0 done", ev)
	}
	clk.Advance(drain)
	out := <-done

	if out.err != nil {
		t.Fatalf("Run: %v", out.err)
	}
	if !finishedLive || !cutOff {
		t.Errorf("node 0 finished with its context live: %v; node 1 cut off at the drain's end: %v", finishedLive, cutOff)
	}
	if calls := out.script.calls(); len(calls) != 2 {
		t.Errorf("runs %v: a node started after the interrupt", calls)
	}
	want := []State{Done, Unknown, Pending, Pending}
	for i, st := range want {
		if got := out.w.State(int32(i)); got != st {
			t.Errorf("node %d: %s, want %s", i, got, st)
		}
	}
	if !out.rep.Interrupted || out.rep.Stop != StopInterrupted || !slices.Equal(out.rep.Unknown, []int32{1}) {
		t.Errorf("report %+v", out.rep)
	}
}

// A context cancelled before the walk starts nothing.
func TestInterruptedBeforeStart(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	out := walkGraph(t, ctx, chain(3), newScript(nil), Options{})
	if calls := out.script.calls(); len(calls) != 0 || !out.rep.Interrupted {
		t.Errorf("runs %v, report %+v", calls, out.rep)
	}
}

// Lookups cut short by the interrupt say nothing: the nodes stay Unknown.
func TestInterruptDuringResolve(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	resolve := func(ctx context.Context, ids []int32) ([]State, error) {
		cancel()
		return nil, ctx.Err()
	}
	o := Options{Initial: []State{Unknown, Pending}, Resolve: resolve}
	out := walkGraph(t, ctx, chain(2), newScript(nil), o)
	if out.err != nil || !out.rep.Interrupted || !slices.Equal(out.rep.Unknown, []int32{0}) {
		t.Errorf("Run: %v, report %+v", out.err, out.rep)
	}
	if calls := out.script.calls(); len(calls) != 0 {
		t.Errorf("runs %v after an interrupted start", calls)
	}
}

// A resolver's error, or a bad Result, is run-fatal.
func TestFatalFromResolverAndBadResults(t *testing.T) {
	errLookup := errors.New("listing refused")
	for _, tc := range []struct {
		name  string
		deps  [][]int32
		steps map[int32][]step
		o     Options
		want  error
	}{
		{"resolver error", chain(2), map[int32][]step{0: {retState(Unknown)}},
			Options{Resolve: func(context.Context, []int32) ([]State, error) { return nil, errLookup }}, errLookup},
		{"resolver verdict count", chain(2), map[int32][]step{0: {retState(Unknown)}},
			Options{Resolve: func(context.Context, []int32) ([]State, error) { return nil, nil }}, ErrInvalid},
		{"resolver verdict", chain(2), map[int32][]step{0: {retState(Unknown)}},
			Options{Resolve: func(context.Context, []int32) ([]State, error) { return []State{Skipped}, nil }}, ErrInvalid},
		{"task result", chain(2), map[int32][]step{0: {retState(Skipped)}}, Options{}, ErrInvalid},
		{"rewind of a node not a dependency", [][]int32{nil, nil}, map[int32][]step{1: {ret(RunAfter(0))}},
			Options{}, ErrInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := walkGraph(t, context.Background(), tc.deps, newScript(tc.steps), tc.o)
			if !errors.Is(out.err, tc.want) || out.rep.Stop != StopFatal {
				t.Errorf("Run: %v, report %+v; want %v", out.err, out.rep, tc.want)
			}
		})
	}
}

func TestRunOnce(t *testing.T) {
	w, err := New(chain(2), newScript(nil).task, Options{Clock: newFakeClock()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Run(context.Background()); !errors.Is(err, ErrInvalid) {
		t.Errorf("second Run: %v, want ErrInvalid", err)
	}
}

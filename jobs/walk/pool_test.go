package walk

import (
	"context"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// randomGraph returns n nodes, each depending on up to k nodes among the
// window before it.
func randomGraph(n, k, window int, seed uint64) [][]int32 {
	rng := rand.New(rand.NewPCG(seed, 1))
	deps := make([][]int32, n)
	for i := 1; i < n; i++ {
		for range rng.IntN(k + 1) {
			d := int32(max(0, i-1-rng.IntN(min(i, window))))
			deps[i] = append(deps[i], d)
		}
	}
	return deps
}

// The pool never runs more than Workers tasks at once, and fills up.
func TestPoolBound(t *testing.T) {
	const workers = 4
	var running, most atomic.Int32
	full := make(chan struct{})
	var fullOnce sync.Once
	task := func(ctx context.Context, id int32) Result {
		n := running.Add(1)
		defer running.Add(-1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		if n == workers {
			fullOnce.Do(func() { close(full) })
		}
		<-full // the first tasks wait until the pool is full: it must fill up
		runtime.Gosched()
		return Result{State: Done}
	}
	deps := randomGraph(300, 2, 50, 7)
	for i := range 40 {
		deps[i] = nil // enough roots to fill the pool
	}
	w, err := New(deps, task, Options{Workers: workers, Clock: newFakeClock()})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := w.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if m := most.Load(); m != workers {
		t.Errorf("at most %d tasks ran at once, want %d", m, workers)
	}
	if rep.Counts.States[Done] != len(deps) || rep.Counts.Started != len(deps) {
		t.Errorf("counts %+v", rep.Counts)
	}
}

// A random graph with every kind of outcome, on a full pool: every node
// starts after all its dependencies are done and runs as its script says;
// every node not done is explained; the counts can be read meanwhile from
// another goroutine.
func TestRandomGraph(t *testing.T) {
	const n = 2000
	deps := randomGraph(n, 3, 100, 11)
	rng := rand.New(rand.NewPCG(3, 4))
	steps := map[int32][]step{}
	for i := range n {
		switch rng.IntN(20) {
		case 0:
			steps[int32(i)] = []step{retState(Failed)}
		case 1:
			steps[int32(i)] = []step{ret(Deferred(time.Minute)), ret(Deferred(time.Second)), retState(Done)}
		case 2:
			steps[int32(i)] = []step{retState(Unknown), retState(Done)}
		}
	}
	s := newScript(steps)
	done := make([]atomic.Bool, n)
	var early atomic.Int32
	task := func(ctx context.Context, id int32) Result {
		for _, d := range deps[id] {
			if !done[d].Load() {
				early.Add(1)
			}
		}
		res := s.task(ctx, id)
		if res.State == Done {
			done[id].Store(true)
		}
		return res
	}
	resolve := func(ctx context.Context, ids []int32) ([]State, error) {
		v := make([]State, len(ids))
		for k := range v {
			v[k] = Pending
		}
		return v, nil
	}
	w, err := New(deps, task, Options{Workers: 8, Clock: newFakeClock(), Wait: time.Hour, Resolve: resolve})
	if err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	polled := make(chan int)
	go func() {
		reads := 0
		for {
			select {
			case <-stop:
				polled <- reads
				return
			default:
			}
			c := w.Counts()
			sum := 0
			for _, k := range c.States {
				sum += k
			}
			if sum != n {
				t.Errorf("counts add up to %d, not %d", sum, n)
			}
			reads++
			runtime.Gosched()
		}
	}()
	rep, err := w.Run(context.Background())
	close(stop)
	<-polled
	if err != nil {
		t.Fatal(err)
	}
	if early.Load() != 0 {
		t.Errorf("%d runs started before a dependency was done", early.Load())
	}
	checkRandomStates(t, w, deps, steps, s)
	if rep.Counts.States[Done]+rep.Counts.States[Failed]+rep.Counts.States[Skipped] != n {
		t.Errorf("counts %+v", rep.Counts)
	}
}

func checkRandomStates(t *testing.T, w *Walker, deps [][]int32, steps map[int32][]step, s *script) {
	t.Helper()
	for i := range deps {
		id := int32(i)
		st := w.State(id)
		switch {
		case st == Skipped:
			if c := w.Cause(id); w.State(c) != Failed {
				t.Errorf("node %d skipped for %d, which is %s", id, c, w.State(c))
			}
		case len(steps[id]) == 1 && st != Failed:
			t.Errorf("node %d: %s, want failed", id, st)
		case len(steps[id]) != 1 && st != Done:
			t.Errorf("node %d: %s, want done", id, st)
		}
		runs := s.runs[id]
		if want := max(1, len(steps[id])); st != Skipped && runs != want {
			t.Errorf("node %d ran %d times, want %d", id, runs, want)
		}
	}
}

// OnTick runs on the walk's goroutine while the walk goes on.
func TestTick(t *testing.T) {
	ticks := 0
	s := newScript(map[int32][]step{0: {ret(Deferred(time.Minute)), retState(Done)}})
	o := Options{Wait: time.Hour, Tick: 10 * time.Second, OnTick: func() { ticks++ }}
	out := walkGraph(t, context.Background(), chain(2), s, o)
	if out.err != nil || ticks < 5 || ticks > 6 {
		t.Errorf("Run: %v; %d ticks in a minute of 10s ticks", out.err, ticks)
	}
}

package walk

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"
)

// chain returns n nodes, each depending on the one before.
func chain(n int) [][]int32 {
	deps := make([][]int32, n)
	for i := 1; i < n; i++ {
		deps[i] = []int32{int32(i - 1)}
	}
	return deps
}

// walkCase is one walk on one worker: runs happen in a fixed order.
type walkCase struct {
	name    string
	deps    [][]int32
	opts    Options
	steps   map[int32][]step
	resolve func(round int, batch []int32) []State // the resolver's verdicts, by call
	want    map[int32]State                        // final states; the rest Done
	causes  map[int32]int32                        // root causes of skipped nodes
	calls   []int32                                // task runs, in order
	batches [][]int32                              // resolver calls
	check   func(t *testing.T, out outcome)
}

func TestWalk(t *testing.T) {
	for _, tc := range walkCases() {
		t.Run(tc.name, func(t *testing.T) {
			o := tc.opts
			if o.Workers == 0 {
				o.Workers = 1
			}
			var batches [][]int32
			if tc.resolve != nil {
				o.Resolve = func(ctx context.Context, ids []int32) ([]State, error) {
					batches = append(batches, slices.Clone(ids))
					return tc.resolve(len(batches), ids), nil
				}
			}
			out := walkGraph(t, context.Background(), tc.deps, newScript(tc.steps), o)
			if out.err != nil {
				t.Fatalf("Run: %v", out.err)
			}
			for i := range tc.deps {
				id := int32(i)
				want, ok := tc.want[id]
				if !ok {
					want = Done
				}
				if got := out.w.State(id); got != want {
					t.Errorf("node %d: %s, want %s", id, got, want)
				}
				wantCause, ok := tc.causes[id]
				if !ok {
					wantCause = -1
				}
				if got := out.w.Cause(id); got != wantCause {
					t.Errorf("node %d: cause %d, want %d", id, got, wantCause)
				}
			}
			if tc.calls != nil && !slices.Equal(out.script.calls(), tc.calls) {
				t.Errorf("runs %v, want %v", out.script.calls(), tc.calls)
			}
			if tc.batches != nil && !slices.EqualFunc(batches, tc.batches, slices.Equal) {
				t.Errorf("resolver batches %v, want %v", batches, tc.batches)
			}
			if tc.check != nil {
				tc.check(t, out)
			}
		})
	}
}

func walkCases() []walkCase {
	var cases []walkCase
	cases = append(cases, graphCases()...)
	cases = append(cases, deferCases()...)
	cases = append(cases, unknownCases()...)
	cases = append(cases, gateCases()...)
	cases = append(cases, shareCases()...)
	return cases
}

func graphCases() []walkCase {
	return []walkCase{{
		name:   "a failure deep in a chain skips everything below, naming it",
		deps:   chain(7),
		steps:  map[int32][]step{3: {retState(Failed)}},
		want:   map[int32]State{3: Failed, 4: Skipped, 5: Skipped, 6: Skipped},
		causes: map[int32]int32{4: 3, 5: 3, 6: 3},
		calls:  []int32{0, 1, 2, 3},
		check: func(t *testing.T, out outcome) {
			var got []State
			for _, ev := range out.events {
				got = append(got, ev.State)
				if ev.State == Skipped && (ev.Via != ViaBlocked || ev.Cause != 3) {
					t.Errorf("skip event %+v", ev)
				}
			}
			want := []State{Done, Done, Done, Failed, Skipped, Skipped, Skipped}
			if !slices.Equal(got, want) {
				t.Errorf("events %v, want %v", got, want)
			}
			if out.rep.Failures != 1 || out.rep.Stop != StopNone {
				t.Errorf("report %+v", out.rep)
			}
		},
	}, {
		name:  "a diamond runs its bottom once, after both sides",
		deps:  [][]int32{nil, {0}, {0}, {1, 2}},
		calls: []int32{0, 1, 2, 3},
	}, {
		name:   "a diamond whose side needs attention skips its bottom only",
		deps:   [][]int32{nil, {0}, {0}, {1, 2}, {1}},
		steps:  map[int32][]step{2: {retState(NeedsAttention)}},
		want:   map[int32]State{2: NeedsAttention, 3: Skipped},
		causes: map[int32]int32{3: 2},
		calls:  []int32{0, 1, 2, 4},
	}, {
		name:   "a cancelled node skips its dependents",
		deps:   [][]int32{nil, {0}, {1}},
		steps:  map[int32][]step{0: {retState(Cancelled)}},
		want:   map[int32]State{0: Cancelled, 1: Skipped, 2: Skipped},
		causes: map[int32]int32{1: 0, 2: 0},
		calls:  []int32{0},
	}, {
		// 0 done and 1 failed before; 5 skipped before, cause unknown; 7
		// needs 12, after it in input order, which is skipped for 1.
		name: "resume: nodes finished before are taken into account",
		deps: [][]int32{nil, nil, {0}, {1}, {3}, nil, {5}, {12}, {9}, nil, {0}, {10}, {1}, {8}},
		opts: Options{Initial: []State{Done, Failed, Pending, Pending, Pending, Skipped, Pending, Pending,
			NeedsAttention, Pending, Cancelled, Pending, Pending, Pending}},
		want: map[int32]State{1: Failed, 3: Skipped, 4: Skipped, 5: Skipped, 6: Skipped, 7: Skipped,
			8: NeedsAttention, 10: Cancelled, 11: Skipped, 12: Skipped, 13: Skipped},
		causes: map[int32]int32{3: 1, 4: 1, 6: 5, 7: 1, 11: 10, 12: 1, 13: 8},
		calls:  []int32{2, 9},
		check: func(t *testing.T, out outcome) {
			for _, ev := range out.events {
				if ev.State == Skipped && !ev.AtStart {
					t.Errorf("skip at start reported as during the walk: %+v", ev)
				}
			}
		},
	}, {
		name: "ready order: priority, then input order",
		deps: [][]int32{nil, nil, nil, nil, nil, {1}},
		opts: Options{Priority: func(id int32) int64 { return map[int32]int64{3: 10, 1: 5, 5: 7}[id] }},
		// 5 becomes ready after 1 with priority 7: before 0, 2, 4.
		calls: []int32{3, 1, 5, 0, 2, 4},
	}, {
		name:  "admission: a held node stays pending, and so do its dependents",
		deps:  [][]int32{nil, {0}, {1}, nil},
		opts:  Options{Admit: func(id int32) Admission { return Admission{Hold: id == 1} }},
		want:  map[int32]State{1: Pending, 2: Pending},
		calls: []int32{0, 3},
	}, {
		// 3 needs 0 too: it waits while 0 runs again.
		name:  "rewind: a node runs its dependency again, then itself",
		deps:  [][]int32{nil, {0}, {1}, {0}},
		steps: map[int32][]step{1: {ret(RunAfter(0)), retState(Done)}},
		calls: []int32{0, 1, 0, 1, 2, 3},
		check: func(t *testing.T, out outcome) {
			var rewound bool
			for _, ev := range out.events {
				rewound = rewound || (ev.ID == 0 && ev.Via == ViaRewind && ev.State == Pending)
			}
			if !rewound {
				t.Error("no rewind event for node 0")
			}
		},
	}, {
		name:  "rewind: a dependent that ran before is not run again",
		deps:  [][]int32{nil, {0}, {1}, {0}},
		opts:  Options{Priority: func(id int32) int64 { return int64(id / 3) }},
		steps: map[int32][]step{1: {ret(RunAfter(0)), retState(Done)}},
		calls: []int32{0, 3, 1, 0, 1, 2},
	}, {
		name:   "rewind: a dependency that fails on its second run skips the node",
		deps:   [][]int32{nil, {0}, {1}},
		steps:  map[int32][]step{0: {retState(Done), retState(Failed)}, 1: {ret(RunAfter(0))}},
		want:   map[int32]State{0: Failed, 1: Skipped, 2: Skipped},
		causes: map[int32]int32{1: 0, 2: 0},
		calls:  []int32{0, 1, 0},
	}, {
		name:  "after max failures no new node starts",
		deps:  [][]int32{nil, nil, nil, nil, nil, {1}},
		opts:  Options{MaxFailures: 2},
		steps: map[int32][]step{0: {retState(Failed)}, 2: {retState(Failed)}},
		want:  map[int32]State{0: Failed, 2: Failed, 3: Pending, 4: Pending, 5: Pending},
		calls: []int32{0, 1, 2},
		check: func(t *testing.T, out outcome) {
			if out.rep.Stop != StopMaxFailures || out.rep.Failures != 2 || out.rep.Interrupted {
				t.Errorf("report %+v", out.rep)
			}
		},
	}, {
		name:  "a task that did not run leaves its node pending",
		deps:  [][]int32{nil, {0}},
		steps: map[int32][]step{0: {retState(Pending)}},
		want:  map[int32]State{0: Pending, 1: Pending},
		calls: []int32{0},
	}}
}

// takes is a step that takes d on clock c, then is Done.
func takes(c *fakeClock, d time.Duration) step {
	return func(context.Context) Result {
		c.Advance(d)
		return Result{State: Done}
	}
}

func deferCases() []walkCase {
	clk1, clk2 := newFakeClock(), newFakeClock()
	return []walkCase{{
		name: "a node deferred three times then done; its dependents wait meanwhile",
		deps: [][]int32{nil, {0}, {1}},
		steps: map[int32][]step{0: {ret(Deferred(time.Minute)), ret(Deferred(time.Minute)),
			ret(Deferred(time.Minute)), retState(Done)}},
		opts:  Options{Wait: time.Hour},
		calls: []int32{0, 0, 0, 0, 1, 2},
		check: func(t *testing.T, out outcome) {
			var got []State
			for _, ev := range out.events {
				if ev.ID == 0 {
					got = append(got, ev.State)
				}
			}
			if want := []State{Waiting, Waiting, Waiting, Done}; !slices.Equal(got, want) {
				t.Errorf("node 0 went %v, want %v", got, want)
			}
			if now := out.clock.Now(); now != epoch.Add(3*time.Minute) {
				t.Errorf("walk ended at %v, want 3m after start", now.Sub(epoch))
			}
		},
	}, {
		// 1 takes two minutes; 0 is due again after one, while 2 and 3
		// are ready: ready work goes first.
		name:  "re-runs wait for the ready work",
		deps:  [][]int32{nil, nil, nil, nil},
		opts:  Options{Wait: time.Hour, Clock: clk1},
		steps: map[int32][]step{0: {ret(Deferred(time.Minute)), retState(Done)}, 1: {takes(clk1, 2*time.Minute)}},
		calls: []int32{0, 1, 2, 3, 0},
	}, {
		name:  "the wait bound ends deferred work",
		deps:  [][]int32{nil, nil},
		opts:  Options{Wait: 5 * time.Minute},
		steps: map[int32][]step{1: {ret(Deferred(time.Minute))}},
		want:  map[int32]State{1: Waiting},
		// at 0, then 1m to 4m; at 5m the bound is over.
		calls: []int32{0, 1, 1, 1, 1, 1},
		check: func(t *testing.T, out outcome) {
			if !out.rep.WaitOver || !slices.Equal(out.rep.Waiting, []int32{1}) || out.rep.Stop != StopNone {
				t.Errorf("report %+v", out.rep)
			}
		},
	}, {
		name:  "without a wait bound deferred work ends at once",
		deps:  [][]int32{nil, {0}},
		steps: map[int32][]step{0: {ret(Deferred(time.Minute))}},
		want:  map[int32]State{0: Waiting, 1: Pending},
		calls: []int32{0},
	}, {
		// 1 defers itself first; 0 then takes three minutes: the bound
		// counts from 0's end, so 1 goes on until 8m (3m, then 4m to 7m).
		name:  "the wait bound counts from the last other node that moved",
		deps:  [][]int32{nil, nil},
		opts:  Options{Wait: 5 * time.Minute, Clock: clk2, Priority: func(id int32) int64 { return int64(id) }},
		steps: map[int32][]step{0: {takes(clk2, 3*time.Minute)}, 1: {ret(Deferred(time.Minute))}},
		want:  map[int32]State{1: Waiting},
		calls: []int32{1, 0, 1, 1, 1, 1, 1},
	}, {
		name: "admission may defer a node: it waits, then runs as a re-run",
		deps: [][]int32{nil, {0}, {1}},
		opts: Options{Wait: time.Hour, Admit: func(id int32) Admission {
			return Admission{Defer: id == 1, After: time.Minute}
		}},
		calls: []int32{0, 1, 2},
		check: func(t *testing.T, out outcome) {
			if ev := out.events[1]; ev.ID != 1 || ev.State != Waiting || ev.Via != ViaAdmit {
				t.Errorf("second event %+v, want node 1 waiting via admission", ev)
			}
			if now := out.clock.Now(); now != epoch.Add(time.Minute) {
				t.Errorf("walk ended at %v, want 1m after start", now.Sub(epoch))
			}
		},
	}}
}

func TestNewRejects(t *testing.T) {
	task := newScript(nil).task
	for _, tc := range []struct {
		name string
		deps [][]int32
		o    Options
	}{
		{"a cycle", [][]int32{{2}, {0}, {1}}, Options{}},
		{"a node depending on itself", [][]int32{{0}}, Options{}},
		{"a dependency out of range", [][]int32{{5}}, Options{}},
		{"initial states of another length", [][]int32{nil}, Options{Initial: []State{Done, Done}}},
		{"a node starting running", [][]int32{nil}, Options{Initial: []State{Running}}},
		{"a member of two gates", [][]int32{nil, nil}, Options{Gates: []Gate{{Members: []int32{0}}, {Members: []int32{0}}}}},
		{"a node held by two gates", [][]int32{nil, nil}, Options{Gates: []Gate{{Held: []int32{1}}, {Held: []int32{1}}}}},
		{"classes without shares", [][]int32{nil}, Options{Class: classFrom(1)}},
		{"a class out of range", [][]int32{nil, nil}, Options{Class: classFrom(1), Shares: []float64{1}}},
		{"a share of 0", [][]int32{nil, nil}, Options{Class: classFrom(1), Shares: []float64{1, 0}}},
	} {
		if _, err := New(tc.deps, task, tc.o); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", tc.name, err)
		}
	}
}

func TestDependents(t *testing.T) {
	w, err := New([][]int32{nil, {0}, nil, {0, 2}}, newScript(nil).task, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := w.Dependents(0); !slices.Equal(got, []int32{1, 3}) {
		t.Errorf("dependents of 0: %v", got)
	}
	if got := w.Dependents(1); len(got) != 0 {
		t.Errorf("dependents of 1: %v", got)
	}
}

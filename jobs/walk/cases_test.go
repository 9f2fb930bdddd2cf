package walk

import (
	"testing"
	"time"
)

func unknownCases() []walkCase {
	unknownThenDone := []step{retState(Unknown), retState(Done)}
	return []walkCase{{
		name:  "unknown outcomes are resolved in one batch when the walk is idle",
		deps:  [][]int32{nil, nil, nil, {0}, {2}, nil},
		steps: map[int32][]step{0: unknownThenDone, 1: unknownThenDone, 2: unknownThenDone},
		resolve: func(round int, batch []int32) []State {
			return []State{Pending, Done, Failed}
		},
		want:    map[int32]State{2: Failed, 4: Skipped},
		causes:  map[int32]int32{4: 2},
		calls:   []int32{0, 1, 2, 5, 0, 3},
		batches: [][]int32{{0, 1, 2}},
		check: func(t *testing.T, out outcome) {
			if out.w.Rounds(0) != 1 || out.w.Rounds(5) != 0 {
				t.Errorf("rounds %d %d", out.w.Rounds(0), out.w.Rounds(5))
			}
			if out.rep.Failures != 0 {
				t.Errorf("a resolver's failure counted as a task's: %+v", out.rep)
			}
		},
	}, {
		name:    "a re-run lost again and again needs attention after max rounds",
		deps:    [][]int32{nil, {0}},
		opts:    Options{MaxRounds: 3},
		steps:   map[int32][]step{0: {retState(Unknown)}},
		resolve: func(int, []int32) []State { return []State{Pending} },
		want:    map[int32]State{0: NeedsAttention, 1: Skipped},
		causes:  map[int32]int32{1: 0},
		calls:   []int32{0, 0, 0, 0},
		batches: [][]int32{{0}, {0}, {0}},
		check: func(t *testing.T, out outcome) {
			last := out.events[len(out.events)-2]
			if last.ID != 0 || last.Via != ViaRounds || last.Rounds != 3 {
				t.Errorf("last event of node 0: %+v", last)
			}
		},
	}, {
		name:    "still unknown: needs attention for this walk",
		deps:    [][]int32{nil, {0}},
		steps:   map[int32][]step{0: {retState(Unknown)}},
		resolve: func(int, []int32) []State { return []State{Unknown} },
		want:    map[int32]State{0: NeedsAttention, 1: Skipped},
		causes:  map[int32]int32{1: 0},
		batches: [][]int32{{0}},
	}, {
		name:    "nodes unknown at start are resolved before anything runs",
		deps:    [][]int32{nil, {0}, nil, {2}, nil},
		opts:    Options{Initial: []State{Unknown, Pending, Unknown, Pending, Pending}},
		resolve: func(int, []int32) []State { return []State{Done, Failed} },
		want:    map[int32]State{2: Failed, 3: Skipped},
		causes:  map[int32]int32{3: 2},
		calls:   []int32{1, 4},
		batches: [][]int32{{0, 2}},
		check: func(t *testing.T, out outcome) {
			if ev := out.events[0]; ev.ID != 0 || !ev.AtStart || ev.Via != ViaResolver {
				t.Errorf("first event %+v", ev)
			}
		},
	}, {
		name:   "without a resolver an unknown outcome needs attention at once",
		deps:   [][]int32{nil, {0}},
		steps:  map[int32][]step{0: {retState(Unknown)}},
		want:   map[int32]State{0: NeedsAttention, 1: Skipped},
		causes: map[int32]int32{1: 0},
	}}
}

func gateCases() []walkCase {
	gate := []Gate{{Members: []int32{0, 1}, Held: []int32{2, 3}}}
	return []walkCase{{
		// The held nodes come first by priority, yet wait for both
		// members, one deferred twice, the other failing.
		name: "a gate holds nodes until its members finish, whatever their outcome",
		deps: [][]int32{nil, nil, nil, {4}, nil},
		opts: Options{Gates: gate, Wait: time.Hour,
			Priority: func(id int32) int64 { return map[int32]int64{2: 9, 3: 9}[id] }},
		steps: map[int32][]step{0: {ret(Deferred(time.Minute)), ret(Deferred(time.Minute)), retState(Done)},
			1: {retState(Failed)}},
		want:  map[int32]State{1: Failed},
		calls: []int32{0, 1, 4, 0, 0, 2, 3},
	}, {
		name:   "a member skipped finishes it too",
		deps:   [][]int32{{4}, nil, nil, nil, nil},
		opts:   Options{Gates: gate},
		steps:  map[int32][]step{4: {retState(Failed)}},
		want:   map[int32]State{0: Skipped, 4: Failed},
		causes: map[int32]int32{0: 4},
		calls:  []int32{1, 4, 2, 3},
	}, {
		name:  "a gate whose members finished before is open",
		deps:  [][]int32{nil, nil, nil, nil},
		opts:  Options{Gates: gate, Initial: []State{Done, Failed, Pending, Pending}},
		want:  map[int32]State{1: Failed},
		calls: []int32{2, 3},
	}}
}

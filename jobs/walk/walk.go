package walk

import (
	"errors"
	"fmt"
	"math"
	"sync"
)

// ErrInvalid wraps errors about the graph, the options or a Result.
var ErrInvalid = errors.New("walk: invalid")

// Walker walks one graph once.
type Walker struct {
	task     Task
	o        Options
	clock    Clock
	n        int
	depOff   []int32 // dependencies of i: depFlat[depOff[i]:depOff[i+1]]
	depFlat  []int32
	depStart []int32 // dependents of i: depList[depStart[i]:depStart[i+1]]
	depList  []int32
	topo     []int32 // nodes, dependencies first; only until the walk starts

	// Per node: a few bytes each, so that a walk of millions of nodes
	// stays small.
	state   []State
	cause   []int32
	waiting []int32 // dependencies not done, per pending node
	rounds  []uint8
	rerun   []bool // the task in flight is a deferred re-run

	gateOf   map[int32]int32 // the gate holding a node
	memberOf map[int32]int32 // the gate a node is a member of, until it counts as finished
	gateLeft []int
	gateHeld [][]int32

	classes []class // the ready nodes and due re-runs of each class (see share.go)
	classOf []uint8 // the class of each node; nil: one class
	timers  heap[timerEntry]
	unknown []int32 // Unknown outcomes for the next batch

	r run

	mu     sync.Mutex // guards counts only, for Counts from any goroutine
	counts Counts
}

// New returns a Walker for the graph whose node i depends on deps[i]. It
// checks that the graph has no cycle and that options name nodes that
// exist. deps is read, never changed, and must not change during the walk.
func New(deps [][]int32, task Task, o Options) (*Walker, error) {
	n := len(deps)
	if o.Workers <= 0 {
		o.Workers = 8
	}
	if o.MaxRounds <= 0 {
		o.MaxRounds = DefaultMaxRounds
	}
	o.MaxRounds = min(o.MaxRounds, math.MaxUint8)
	if o.Clock == nil {
		o.Clock = systemClock{}
	}
	if o.Initial != nil && len(o.Initial) != n {
		return nil, fmt.Errorf("%w: %d initial states for %d nodes", ErrInvalid, len(o.Initial), n)
	}
	w := &Walker{task: task, o: o, clock: o.Clock, n: n}
	if err := w.index(deps); err != nil {
		return nil, err
	}
	if err := w.initStates(); err != nil {
		return nil, err
	}
	if err := w.initGates(); err != nil {
		return nil, err
	}
	if err := w.initClasses(); err != nil {
		return nil, err
	}
	return w, nil
}

// index copies the dependencies and builds the reverse edges, both in
// compressed form, and a topological order, which also finds cycles.
func (w *Walker) index(deps [][]int32) error {
	n := w.n
	w.depOff = make([]int32, n+1)
	w.depStart = make([]int32, n+1)
	for i, ds := range deps {
		for _, d := range ds {
			if d < 0 || int(d) >= n || int(d) == i {
				return fmt.Errorf("%w: node %d depends on %d", ErrInvalid, i, d)
			}
			w.depStart[d+1]++
		}
		w.depOff[i+1] = w.depOff[i] + int32(len(ds))
	}
	w.depFlat = make([]int32, 0, w.depOff[n])
	for _, ds := range deps {
		w.depFlat = append(w.depFlat, ds...)
	}
	for i := 1; i <= n; i++ {
		w.depStart[i] += w.depStart[i-1]
	}
	w.depList = make([]int32, w.depStart[n])
	fill := append([]int32(nil), w.depStart[:n]...)
	for i, ds := range deps {
		for _, d := range ds {
			w.depList[fill[d]] = int32(i)
			fill[d]++
		}
	}
	// Kahn's algorithm: the count of each node's dependencies left.
	left := make([]int32, n)
	w.topo = make([]int32, 0, n)
	for i, ds := range deps {
		left[i] = int32(len(ds))
		if len(ds) == 0 {
			w.topo = append(w.topo, int32(i))
		}
	}
	for k := 0; k < len(w.topo); k++ {
		for _, d := range w.dependents(w.topo[k]) {
			if left[d]--; left[d] == 0 {
				w.topo = append(w.topo, d)
			}
		}
	}
	if len(w.topo) != n {
		return fmt.Errorf("%w: the graph has a cycle (%d nodes on or behind it)", ErrInvalid, n-len(w.topo))
	}
	return nil
}

func (w *Walker) initStates() error {
	n := w.n
	w.state = make([]State, n)
	w.cause = make([]int32, n)
	w.waiting = make([]int32, n)
	w.rounds = make([]uint8, n)
	w.rerun = make([]bool, n)
	for i := range w.cause {
		w.cause[i] = -1
	}
	for i, st := range w.o.Initial {
		switch st {
		case Pending, Unknown, Done, Failed, Skipped, NeedsAttention, Cancelled:
		default:
			return fmt.Errorf("%w: node %d starts %s", ErrInvalid, i, st)
		}
		w.state[i] = st
	}
	for _, st := range w.state {
		w.counts.States[st]++
	}
	return nil
}

func (w *Walker) initGates() error {
	n := w.n
	w.gateOf = make(map[int32]int32)
	w.memberOf = make(map[int32]int32)
	w.gateLeft = make([]int, len(w.o.Gates))
	w.gateHeld = make([][]int32, len(w.o.Gates))
	for g, gate := range w.o.Gates {
		for _, m := range gate.Members {
			if _, dup := w.memberOf[m]; m < 0 || int(m) >= n || dup {
				return fmt.Errorf("%w: gate %d: member %d", ErrInvalid, g, m)
			}
			w.memberOf[m] = int32(g)
		}
		for _, h := range gate.Held {
			if _, dup := w.gateOf[h]; h < 0 || int(h) >= n || dup {
				return fmt.Errorf("%w: gate %d: held node %d", ErrInvalid, g, h)
			}
			w.gateOf[h] = int32(g)
		}
	}
	return nil
}

func (w *Walker) dependents(i int32) []int32 { return w.depList[w.depStart[i]:w.depStart[i+1]] }

// depsOf returns the dependencies of node i.
func (w *Walker) depsOf(i int32) []int32 { return w.depFlat[w.depOff[i]:w.depOff[i+1]] }

// Dependents returns the nodes that depend on node id, in input order
// (e.g. for a Priority that favours nodes unlocking many others). The
// slice is the Walker's: do not change it.
func (w *Walker) Dependents(id int32) []int32 { return w.dependents(id) }

// Counts returns the number of nodes per state now. It may be called from
// any goroutine, at any time.
func (w *Walker) Counts() Counts {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.counts
}

// State returns node id's state. Call it from a callback or once Run has
// returned (the walk's goroutine owns the states meanwhile).
func (w *Walker) State(id int32) State { return w.state[id] }

// Cause returns the root cause of skipped node id, or -1. Call it as
// State.
func (w *Walker) Cause(id int32) int32 { return w.cause[id] }

// Rounds returns how often the resolver was asked about node id. Call it
// as State.
func (w *Walker) Rounds(id int32) int { return int(w.rounds[id]) }

// setState moves node i to st and keeps the counts.
func (w *Walker) setState(i int32, st State) {
	w.mu.Lock()
	w.counts.States[w.state[i]]--
	w.counts.States[st]++
	w.mu.Unlock()
	w.state[i] = st
}

// emit reports node i's new state.
func (w *Walker) emit(i int32, via Via, atStart bool) {
	if w.o.OnEvent == nil {
		return
	}
	w.o.OnEvent(Event{ID: i, State: w.state[i], Cause: w.cause[i], Via: via, Rounds: int(w.rounds[i]),
		AtStart: atStart, Counts: w.Counts()})
}

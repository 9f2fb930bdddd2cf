package walk

import (
	"context"
	"fmt"
	"time"
)

// State is where a node stands.
type State uint8

// The states of a node. The zero state is Pending.
const (
	Pending        State = iota // not run yet (or not run: interrupted, held)
	Running                     // its task is in flight
	Waiting                     // deferred: runs again later; its dependents wait
	Unknown                     // its outcome is not known: the resolver is asked
	Done                        // finished well: its dependents may start
	Failed                      // finished badly: its dependents are skipped
	Skipped                     // a dependency failed, needs attention or was cancelled
	NeedsAttention              // finished, not well, a person must look: like Failed for dependents
	Cancelled                   // finished, cancelled: like Failed for dependents
	NumStates                   // the number of states
)

var stateNames = [NumStates]string{"pending", "running", "waiting", "unknown", "done", "failed",
	"skipped", "needs-attention", "cancelled"}

func (s State) String() string {
	if s < NumStates {
		return stateNames[s]
	}
	return fmt.Sprintf("state(%d)", uint8(s))
}

// Final tells whether a node in state s is finished for this walk.
func (s State) Final() bool {
	return s == Done || s == Failed || s == Skipped || s == NeedsAttention || s == Cancelled
}

// blocks tells whether a node in state s skips its dependents.
func (s State) blocks() bool { return s.Final() && s != Done }

// Task runs node id once and reports its outcome. It runs on a pool
// goroutine; ctx is cancelled on a fatal error and at the end of the drain
// that follows an interrupt.
type Task func(ctx context.Context, id int32) Result

// Result is the outcome of one run of a task. State is one of:
//
//   - Done, Failed, NeedsAttention, Cancelled: the node is finished.
//   - Waiting: run the node again after After (a deferred re-run, such as
//     the next poll of an order); its dependents keep waiting.
//   - Unknown: the outcome was lost; the node goes to Options.Resolve.
//   - Pending: the task did not run (its context was cancelled before it
//     did anything); the node stays pending (a deferred node stays
//     deferred). With Rewind (see RunAfter), the listed dependencies of
//     the node, which must be Done, run again first, and the node runs
//     again once they are done; its other dependents that had not started
//     wait for them too.
//
// A non-nil Err is run-fatal whatever the State: the walk takes no new
// node, cancels the tasks in flight and Run returns Err.
type Result struct {
	State  State
	After  time.Duration
	Rewind []int32
	Err    error
}

// Deferred is the Result of a node to run again after d.
func Deferred(d time.Duration) Result { return Result{State: Waiting, After: d} }

// Fatal is the Result of a run-fatal error.
func Fatal(err error) Result { return Result{Err: err} }

// RunAfter is the Result of a node that must run again once its
// dependencies deps, which are Done, have run again (a rejected order
// whose submit is sent again as an update, then followed again).
func RunAfter(deps ...int32) Result { return Result{State: Pending, Rewind: deps} }

// Admission is what Options.Admit decides for a node whose dependencies
// are all done. The zero Admission runs it.
type Admission struct {
	Hold  bool          // not in this walk: it stays pending, and so do its dependents
	Defer bool          // run it as a deferred re-run after After (0: as soon as one may run)
	After time.Duration // with Defer
}

// Gate holds nodes until a set of other nodes has finished, whatever their
// outcome. A node is a member of at most one gate and held by at most one.
// Members finished before the walk do not count; a member that never runs
// (held by Admit, or behind such a node) keeps the gate closed.
type Gate struct {
	Members []int32 // the gate opens once every member is finished
	Held    []int32 // these nodes start only once the gate is open
}

// Resolver decides, in one batch, the outcome of nodes whose outcome is
// Unknown. It returns one State per node, in the order of ids: Pending to
// run the node again, Done, Failed, NeedsAttention or Cancelled as the
// outcome, or Unknown if it still cannot tell (the node then ends
// NeedsAttention for this walk). An error after ctx is done counts as the
// interrupt (the nodes stay Unknown); any other error is run-fatal.
type Resolver func(ctx context.Context, ids []int32) ([]State, error)

// Clock tells the time. A Clock that also implements Idler is told each
// time the walk waits on nothing but the clock.
type Clock interface {
	Now() time.Time
	After(d time.Duration) <-chan time.Time
}

// Idler is implemented by a Clock that wants to know when the walk has no
// task in flight and waits for a timer: a fake clock may advance then.
type Idler interface {
	Idle()
}

// DefaultMaxRounds is Options.MaxRounds when it is 0.
const DefaultMaxRounds = 5

// Options tune a walk. Every callback runs on the goroutine that called
// Run, one at a time.
type Options struct {
	Workers int // tasks at once; default 8
	// Initial gives each node's state before the walk (resume): Pending,
	// Done, Failed, Skipped, NeedsAttention, Cancelled, or Unknown (asked
	// of Resolve before any task starts). nil: all Pending. A pending
	// node with a dependency that failed, needs attention, was cancelled
	// or was skipped is skipped at start, naming the root cause (a node
	// given as Skipped names itself).
	Initial []State
	// Priority orders the ready nodes: higher first, then by ID. It is
	// called each time a node joins the ready queue. nil: all 0.
	Priority func(id int32) int64
	// Class (optional) divides the nodes into classes that share the
	// starts: it returns node id's class, 0 to len(Shares)-1. It is
	// called once per node, in New. While several classes have a node to
	// start (a ready node, or a deferred re-run due), each gets its share
	// of the starts, Shares[class] out of their sum; a class with nothing
	// to start leaves its share to the others. Priority orders the ready
	// nodes within a class, and a class starts its ready nodes before its
	// re-runs. nil: one class, whose re-runs start only once no node is
	// ready.
	Class  func(id int32) int
	Shares []float64 // with Class: each class's share (> 0)
	// Admit is called when a node's dependencies are all done and its
	// gate, if any, is open (at start too). nil: every node runs.
	Admit       func(id int32) Admission
	Gates       []Gate
	Resolve     Resolver      // nil: an Unknown outcome ends NeedsAttention at once
	MaxRounds   int           // resolutions of one node; its next Unknown ends NeedsAttention; default DefaultMaxRounds
	Wait        time.Duration // how long only deferred re-runs may go on, from the last other node that moved; 0: they end at once
	MaxFailures int           // take no new node after this many Failed task outcomes; 0: no limit
	Drain       time.Duration // after an interrupt, how long tasks in flight keep their context; 0: not at all
	OnEvent     func(Event)   // after every change of a node's state
	Tick        time.Duration // with OnTick: how often OnTick runs
	OnTick      func()        // e.g. to write a progress file
	Clock       Clock         // nil: the system clock
}

// Via tells what decided a node's new state.
type Via uint8

// The deciders of an Event.
const (
	ViaTask     Via = iota // the node's task
	ViaResolver            // Options.Resolve (Unknown from it: NeedsAttention)
	ViaRounds              // an Unknown outcome after MaxRounds resolutions: NeedsAttention
	ViaBlocked             // a dependency's failure: Skipped, Event.Cause names the root cause
	ViaRewind              // a dependent's Result.Rewind: Pending, to run again
	ViaAdmit               // Options.Admit deferred the node: Waiting
)

// Event reports a change of one node's state.
type Event struct {
	ID      int32
	State   State
	Cause   int32 // Skipped: the root cause (a node that failed, needs attention or was cancelled); else -1
	Via     Via
	Rounds  int    // resolutions of this node so far
	AtStart bool   // decided before any task started: skips and resolutions of nodes given as Unknown
	Counts  Counts // after the change
}

// Counts counts nodes per state.
type Counts struct {
	States  [NumStates]int
	Started int // tasks started by this walk, re-runs included
}

// Stop tells why a walk stopped taking new nodes.
type Stop uint8

// The reasons to stop.
const (
	StopNone        Stop = iota // it ran out of work
	StopMaxFailures             // Options.MaxFailures failures
	StopInterrupted             // the context of Run was cancelled
	StopFatal                   // a run-fatal error
)

func (s Stop) String() string {
	switch s {
	case StopMaxFailures:
		return "max failures"
	case StopInterrupted:
		return "interrupted"
	case StopFatal:
		return "fatal error"
	}
	return "none"
}

// Report is what a walk did.
type Report struct {
	Stop        Stop // the first reason to stop taking nodes; StopNone if it ran out of work
	Interrupted bool // the context of Run was cancelled before the walk ended
	Failures    int  // Failed task outcomes
	WaitOver    bool // the Wait bound ended deferred re-runs
	Waiting     []int32
	Unknown     []int32 // outcome still unknown (interrupted, or lost while stopping)
	Counts      Counts
}

// Package walk runs a task for every node of a directed acyclic graph, each
// as soon as its dependencies are done, on a bounded pool of goroutines.
//
// Nodes are int32 IDs 0..n-1; the graph is given as one dependency list
// per node. A node starts when all its dependencies are Done: there are no
// per-level barriers. The walk keeps dependency counts and a ready queue
// ordered by a caller-given priority (higher first), then by ID. A task
// reports an outcome (see Result): Done releases the dependents; Failed,
// NeedsAttention and Cancelled skip every transitive dependent, naming the
// root cause once (a dependent of a skipped node names the node that
// failed, not the skipped one in between); Deferred runs the node again
// later while its dependents keep waiting (re-runs due are taken only when
// no ready node of their class waits, the longest due first); Unknown
// hands the node to a batch resolver when the walk is idle; a fatal error
// stops the walk.
//
// Nodes may be divided into classes with fair shares of the starts (see
// Options.Class): while several classes have a node to start, each gets
// its share, and a class with nothing to start leaves its share to the
// others.
//
// On top of that the walk knows gates (nodes held until a set of other
// nodes has finished, whatever their outcome, without an edge per pair), a
// bound on how long only deferred re-runs may go on, a maximum number of
// failures, and an interrupt with a drain: when the caller's context is
// cancelled nothing new starts, while tasks in flight keep a context of
// their own that is cancelled only after the drain bound, so that calls
// already made can finish and be recorded.
//
// # What it must not know
//
// The package imports nothing of the project. It knows neither plans,
// steps, rows, the API, nor the checkpoint: a node is a number, a task a
// function, and what an outcome means beyond the walk (records, messages,
// logs, progress) is the caller's, told through Events. Time comes from a
// Clock, so that tests drive it.
//
// # Concurrency
//
// One goroutine, the one that calls Run, owns all walk state: states,
// counts, queues, timers. Tasks run on a pool of at most Workers
// goroutines, run by an errgroup.Group: the walker offers a node only when
// fewer than Workers tasks are in flight and the node's dependencies are
// done, and hands it to the pool on a channel. Each task sends its Result back
// on a channel that only the walker reads; every caller callback (Events,
// Admit, Priority, Resolve, the tick) runs on the walker's goroutine, one
// at a time, so neither the walk nor the caller needs a lock around state.
//
// errgroup suits the error model of the walk: a task whose node fails
// records the failure as its Result; only a run-fatal condition
// (Result.Err) cancels the context of every task in flight and is
// returned to the group, and Run returns that error once the tasks have
// ended.
package walk

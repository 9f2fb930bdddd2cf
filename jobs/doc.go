// Package jobs executes a plan against the Telegent API and writes the
// results workbook. Every step goes through the checkpoint: a create is
// written in-flight (durably) before it is sent, and done, failed,
// waiting or needs-attention after. On resume, done steps cost nothing,
// in-flight steps are looked up before anything is re-sent, and failed
// steps are retried only when their row changed, their failure was
// transient, or the user asks.
//
// An API that stops answering stops the run, not its rows (OutageWatch):
// what was not finished stays pending or in-flight for the next run.
//
// Around a run: Preflight checks what it needs from the API before it
// starts; WriteFailuresFile writes, beside the results, the rows to fix
// and feed back (WriteResultsAndFailures writes both from one reading of
// the checkpoint, a chunk of rows at a time, the records read in place:
// gather.go); the status and plan tables and the documents of
// --format json (jsondocs.go) say what a checkpoint or a plan holds.
//
// # Shape
//
// A run (Runner.Run) is four parts:
//
//   - The resume decision (resume.go, decide): from the plan, the
//     checkpoint and the options, what the run does with every step —
//     run it, done, look it up first (check), keep it (failed, needs
//     attention, cancelled), or blocked by a kept step — and why. The
//     records its decisions change (a step to look up is written in
//     flight, a cancelled order's steps cancelled) go to the records it
//     is given: the checkpoint for a run, an overlay for the preview, so
//     that plan --state (PreviewPlan) decides exactly as a run would and
//     writes nothing. The run starts the walk from it.
//   - The walk (package jobs/walk): the steps are the nodes of a DAG
//     walk on a bounded pool. The walk starts a step as soon as its
//     dependencies are done, skips the dependents of a failure naming the
//     root cause once, holds every port submit until every eligibility
//     check has finished (a gate), runs an open order's monitor again
//     at its cadence, in a slot of the poll budget (pollbudget.go; a
//     deferred re-run, bounded by --wait), hands
//     lost answers to the resolver, stops after --max-failures, and on an
//     interrupt drains the calls in flight. The runner gives it a task per
//     step (exec), a priority, an admission (steps outside Options.Only
//     stay pending; a freshly sent order's monitor waits a poll), the
//     resolver (the lookups of reconcile.go) and an event callback that
//     keeps the totals, writes skip records and tells Options.OnEvent.
//   - The action table (actions.go): one entry per plan.Action with how
//     its request is built (requests*.go, or a flow of its own for the
//     port-in submit, monitor and cancel), whether it is a create
//     (in-flight first) or idempotent, the lookup that settles a lost
//     answer (lookup_*.go), and the results columns it fills. A new kind
//     of step is one entry.
//   - The port order (portorder.go): a port-in row's order as one state
//     machine (submitted, open, updated, rejected, fixed, cancelled,
//     completed, bound, error) read from the records of the row's steps.
//     Resume, the monitor (which updates a rejection the row already
//     fixes at once, on the same order) and the preview decide from it.
//     An open order whose row changed gets one update with its next poll
//     (portupdate.go); every status is handled, an unknown one for a
//     bounded time (portstatus.go); a port-out's order is followed like
//     a port-in's (portout.go); the Changes tab lists what the last run
//     saw change (changes.go).
//
// The rules that resume and the run both apply to records (a row changed
// since its step ran, --resend, the port order) live on a ledger over the
// records: the checkpoint itself for a run, an overlay that keeps every
// write from the file for a preview.
//
// A run stops as on an interrupt when its context is cancelled; a
// cancellation whose cause wraps ErrStopped is returned as Run's error.
//
// # Concurrency
//
// Tasks run on the walk's pool; the walk's callbacks (admission,
// priority, resolver, events, the progress tick) run one at a time on the
// goroutine that called Run, which owns the totals and the per-step state
// the run keeps. A task hands its outcome to the events through its
// step's slot, which the walk reads only once it has the task's result.
//
// # Compared with the dispatcher this replaced
//
// A few things differ, by design: a step outside Options.Only whose
// dependency has already failed is skipped at start (it used to stay
// pending); ready work released by the last poll still runs after --wait
// runs out; a gate member that is skipped opens the gate as a finished
// one does (eligibility checks depend on nothing, so none is skipped
// today); a rejection that the row already fixes is updated at once and
// does not count towards --max-failures; and the package list is read
// before the lookups at start whenever a subscription is to be sent and
// no kept step blocks it (it used to be decided after them, so a lookup
// that blocks the subscription no longer saves the listing).
//
// # What it must not know
//
// jobs knows the plan, the client and the checkpoint; it draws no
// progress: that leaves it as Events, which main hands to jobs/cli.
package jobs

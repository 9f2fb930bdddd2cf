package jobs

import (
	"fmt"
	"log/slog"
	"maps"
	"time"

	"telegent-bulk/checkpoint"
	"telegent-bulk/plan"
)

// Resume decides, before a run starts, what the run will do with every
// step and why (see decide); a run takes its answer as the walk's initial
// states, and plan --state (PreviewPlan) prints it. Some decisions change
// records, so that the checkpoint, status and the results agree with
// them (a step to look up is written in flight, a cancelled order's
// steps cancelled, …): decide writes them to the records it is given,
// the checkpoint itself for a run, an overlay that keeps them from the
// file for a preview.

// stepDecision is what a run does with one step.
type stepDecision struct {
	// state is the state the step starts the run in: Pending (it runs;
	// an open port order is polled), Done, InFlight (its outcome is
	// unknown: looked up before anything is sent), Failed or
	// NeedsAttention (kept as it is), Cancelled, or Skipped (blocked: a
	// step it needs is kept or cancelled).
	state     checkpoint.State
	why       string
	send      portSend    // a port-in submit: what it sends
	blockedBy plan.StepID // Skipped: the kept step that blocks it
}

// resumePlan is resume's answer for a run.
type resumePlan struct {
	steps []stepDecision
	// clearRestored: the checkpoint was restored from a backup, and every
	// create the backup does not show finished is now written in flight:
	// the restore mark goes.
	clearRestored bool
}

// Why a step runs, is looked up, is kept or is blocked.
const (
	whyNew         = "never run"
	whyPending     = "not run yet"
	whyOpen        = "its port order is open: polled again"
	whyDone        = "done"
	whyChanged     = "its row changed since it ran"
	whyRetryFailed = "--retry-failed"
	whyTransient   = "its last failure was transient"
	whyFailed      = "failed: kept until its row changes or --retry-failed"
	whyInFlight    = "in flight when a run ended: looked up before anything is sent"
	whyRestored    = "not finished in the backup the checkpoint was restored from: looked up before anything is sent"
	whyLookAgain   = "needs attention; looked up again before anything is sent"
	whyAttention   = "needs attention: kept until its row changes or --retry-failed"
	whyCancelNamed = "its row now names the order to cancel"
	whyCancelled   = "cancelled"
	whyUnskipped   = "skipped by an earlier run; decided again"
	whyKnownOrder  = "its row names its order (OrderId): followed, never submitted again"
	whyResubmit    = "Action=resubmit after a cancelled order: a fresh order"
	whyUpdate      = "its order was rejected and the row fixed since: portin/update on the same order"
	whyOrderGone   = "its order was cancelled; cancel is final until Action=resubmit"
	whyLaterOrder  = "cancelled with an earlier order; the row has a later one"
	whyCancelLater = "the row has a later order than the one cancelled: cancelled again"
)

// resumer is resume at work: the ledger and the decisions so far.
type resumer struct {
	ledger
	steps []stepDecision
}

// restore says whether the checkpoint was restored from a backup, and
// when the backup was taken (checkpoint.Store.Restored).
type restore struct {
	restored bool
	since    time.Time
}

// decide returns what a run of p with options o does with every step, and
// why, given the records of the checkpoint (recs, where it writes the
// records its decisions change) and whether it was restored from a backup.
func decide(p *plan.Plan, recs records, rst restore, o Options, log *slog.Logger) (*resumePlan, error) {
	rs := &resumer{ledger: ledger{p: p, o: o, recs: recs, log: log}, steps: make([]stepDecision, len(p.Steps))}
	restored, since := rst.restored, rst.since
	var unknown, unskip []plan.StepID
	for i := range p.Steps {
		idx := plan.StepID(i)
		rec, ok, err := recs.Get(checkpoint.Key(p.Key(idx)))
		if err != nil {
			return nil, err
		}
		switch {
		case restored && rs.sentSince(idx, rec, ok):
			rs.lookUpFirst(idx, rec, since)
			unknown = append(unknown, idx)
		case rs.knownOrder(idx, rec, ok):
			// The row names its order: a new checkpoint, or the user found
			// the order of a submit whose answer was lost.
			rs.adoptKnownOrder(idx)
		case !ok:
			rs.set(idx, checkpoint.Pending, whyNew)
		default:
			st, why := rs.startState(idx, rec)
			rs.set(idx, st, why)
			if st == checkpoint.InFlight {
				unknown = append(unknown, idx)
			} else if rec.State == checkpoint.Skipped {
				unskip = append(unskip, idx)
			}
		}
	}
	rs.resumePorts()
	if err := rs.settleByRows(); err != nil {
		return nil, err
	}
	for _, i := range unknown {
		// Looked up whatever the port rules said: the lookup decides.
		rs.steps[i].state = checkpoint.InFlight
	}
	rs.block()
	for _, i := range unskip {
		if rs.steps[i].state == checkpoint.Pending && rs.inScope(i) {
			rs.clearSkip(i)
		}
	}
	return &resumePlan{steps: rs.steps,
		// A run of some steps only leaves the mark for a full run.
		clearRestored: restored && o.Only == nil}, nil
}

// set decides that step i starts in state st, for the reason why.
func (rs *resumer) set(i plan.StepID, st checkpoint.State, why string) {
	rs.steps[i].state, rs.steps[i].why = st, why
}

// startState is the state that step i, whose record is rec, starts a run
// in by the generic rules of resume, and why.
func (rs *resumer) startState(i plan.StepID, rec checkpoint.Record) (checkpoint.State, string) {
	switch rec.State {
	case checkpoint.Done:
		return checkpoint.Done, whyDone
	case checkpoint.Cancelled:
		return checkpoint.Cancelled, whyCancelled
	case checkpoint.Failed:
		return rs.retryFailed(i, rec)
	case checkpoint.InFlight:
		return checkpoint.InFlight, whyInFlight
	case checkpoint.NeedsAttention:
		return rs.retryAttention(i, rec)
	case checkpoint.Waiting:
		return checkpoint.Pending, whyOpen
	case checkpoint.Skipped:
		return checkpoint.Pending, whyUnskipped // blocked or not is decided again
	}
	return checkpoint.Pending, whyPending
}

// retryFailed decides about a failed step: it runs again when its row
// changed, its failure was transient, or the user asks.
func (rs *resumer) retryFailed(i plan.StepID, rec checkpoint.Record) (checkpoint.State, string) {
	switch {
	case rs.changed(i, rec):
		return checkpoint.Pending, whyChanged
	case rec.ErrClass == checkpoint.ClassRetry:
		return checkpoint.Pending, whyTransient
	case rs.o.RetryFailed:
		return checkpoint.Pending, whyRetryFailed
	}
	return checkpoint.Failed, whyFailed
}

// retryAttention decides about a step that needs attention: a create is
// looked up again (never sent blindly) when its row changed, the user
// asks, or says it was not applied; a cancel runs once its row names the
// order to cancel.
func (rs *resumer) retryAttention(i plan.StepID, rec checkpoint.Record) (checkpoint.State, string) {
	if rs.p.Steps[i].Action == plan.PortInCancel {
		if ownValue(&rs.p.Rows[rs.p.Steps[i].Row], colOrderID) != "" {
			return checkpoint.Pending, whyCancelNamed
		}
		return checkpoint.NeedsAttention, whyAttention
	}
	if rs.o.RetryFailed || rs.changed(i, rec) || rs.declaredAbsent(i, rec) {
		return checkpoint.InFlight, whyLookAgain
	}
	return checkpoint.NeedsAttention, whyAttention
}

// block marks blocked the pending steps that a kept or cancelled step
// blocks, directly or through another, naming the root cause, as the walk
// skips them at start.
func (rs *resumer) block() {
	for i := range rs.steps { // dependencies first
		d := &rs.steps[i]
		if d.state != checkpoint.Pending {
			continue
		}
		for _, dep := range rs.p.Deps(plan.StepID(i)) {
			switch dd := &rs.steps[dep]; dd.state {
			case checkpoint.Failed, checkpoint.NeedsAttention, checkpoint.Cancelled:
				d.state, d.blockedBy = checkpoint.Skipped, dep
			case checkpoint.Skipped:
				d.state, d.blockedBy = checkpoint.Skipped, dd.blockedBy
			}
		}
		if d.state == checkpoint.Skipped {
			d.why = fmt.Sprintf("blocked by %s (%s)", rs.p.Key(d.blockedBy), rs.steps[d.blockedBy].state)
		}
	}
}

// settleByRows closes the create that needs attention (or is in flight)
// of a row that now names what exists: the user looked it up and filled
// in its ID, as the results told them. The record is marked done with
// that ID, so that status and the results agree with the manifest.
func (rs *resumer) settleByRows() error {
	now := time.Now().UTC()
	for ri := range rs.p.Rows {
		row := &rs.p.Rows[ri]
		create, col, ok := ownCreate(row.Kind)
		if !ok {
			continue
		}
		id := row.Get(col)
		if id == "" && row.Kind == plan.Numbers {
			id = row.Get(colPhoneNumber)
		}
		if id == "" || rs.p.RowStep(plan.RowID(ri), create) >= 0 {
			continue
		}
		key := checkpoint.Key(plan.MakeKey(row.Kind, row.Key, create))
		rec, ok, err := rs.recs.Get(key)
		if err != nil {
			return err
		}
		if !ok || (rec.State != checkpoint.NeedsAttention && rec.State != checkpoint.InFlight) {
			continue
		}
		rec.State = checkpoint.Done
		if rec.IDs == nil {
			rec.IDs = map[string]string{}
		}
		rec.IDs[col] = id
		clearErr(&rec)
		rec.UpdatedAt = now
		rs.put(rec)
	}
	return nil
}

// sentSince tells whether step i, as a checkpoint restored from a backup
// records it (ok false: no record), may have been sent after the backup
// was taken: a create that is not finished in the backup. It cannot be
// sent again without a lookup (the API has no idempotency keys).
func (rs *resumer) sentSince(i plan.StepID, rec checkpoint.Record, ok bool) bool {
	st := &rs.p.Steps[i]
	switch {
	case !rs.inScope(i):
		return false
	case !ok:
		return actions[st.Action].create && !(st.Action == plan.PortInSubmit && rs.p.KnownOrder(st.Row) != "")
	}
	switch rec.State {
	case checkpoint.Pending, checkpoint.Failed, checkpoint.NeedsAttention, checkpoint.Skipped:
		return actions[st.Action].create
	}
	return false // done, cancelled or waiting; in flight is looked up anyway
}

// lookUpFirst makes step i in flight as of since (when the backup the
// checkpoint was restored from was taken), unless its record says it went
// in flight earlier: the lookups then consider anything created since.
func (rs *resumer) lookUpFirst(i plan.StepID, rec checkpoint.Record, since time.Time) {
	rec.Key = checkpoint.Key(rs.p.Key(i))
	rec.State = checkpoint.InFlight
	if rec.StartedAt.IsZero() || rec.StartedAt.After(since) {
		rec.StartedAt = since
	}
	rec.Data = maps.Clone(rec.Data)
	if rec.Data == nil {
		rec.Data = map[string]string{}
	}
	rec.Data[noteSinceBackup] = since.UTC().Format(time.RFC3339)
	rec.UpdatedAt = time.Now().UTC()
	rs.put(rec)
	rs.set(i, checkpoint.InFlight, whyRestored)
}

// clearSkip records that step i, skipped by an earlier run, is no longer
// blocked (what blocked it is done now, or runs again), so that status and
// the results show it pending or waiting instead of the old cause.
func (rs *resumer) clearSkip(i plan.StepID) {
	rec := rs.record(i)
	rec.State = checkpoint.Pending
	clearErr(&rec)
	rec.UpdatedAt = time.Now().UTC()
	rs.put(rec)
}

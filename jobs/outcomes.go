package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"telegent-bulk/checkpoint"
	"telegent-bulk/jobs/walk"
	"telegent-bulk/plan"
)

// task runs step id once for the walk and translates its outcome.
func (r *Runner) task(ctx context.Context, node int32) walk.Result {
	id := plan.StepID(node)
	out := r.exec(ctx, id)
	for out.held && ctx.Err() == nil { // the call got no answer, and none does now: again, until one does or the run stops
		out = r.exec(ctx, id)
	}
	if out.fatal != nil {
		return walk.Fatal(out.fatal)
	}
	st := &r.steps[id]
	r.outs.set(id, &out)
	st.sent = true
	switch out.state {
	case checkpoint.Done, checkpoint.NeedsAttention, checkpoint.Cancelled:
		return walk.Result{State: walkState(out.state)}
	case checkpoint.Failed:
		if sub := r.fixedSinceSubmit(out); sub >= 0 {
			return walk.RunAfter(int32(sub))
		}
		return walk.Result{State: walk.Failed}
	case checkpoint.Waiting:
		return walk.Deferred(r.pollAfter(id, out.rec))
	case checkpoint.InFlight:
		return walk.Result{State: walk.Unknown}
	}
	return walk.Result{State: walk.Pending} // not run: nothing recorded
}

// stateMap pairs each step state with the walk's state for it; an outcome
// not known yet (in flight) is the walk's Unknown. States in neither
// column are Pending.
var stateMap = []struct {
	step checkpoint.State
	walk walk.State
}{
	{checkpoint.Done, walk.Done},
	{checkpoint.Failed, walk.Failed},
	{checkpoint.Waiting, walk.Waiting},
	{checkpoint.InFlight, walk.Unknown},
	{checkpoint.Skipped, walk.Skipped},
	{checkpoint.NeedsAttention, walk.NeedsAttention},
	{checkpoint.Cancelled, walk.Cancelled},
}

// walkState is the walk's state for a step outcome.
func walkState(st checkpoint.State) walk.State {
	for _, m := range stateMap {
		if m.step == st {
			return m.walk
		}
	}
	return walk.Pending
}

// shownState is the state a step in walk state st shows: an outcome not
// known yet is in flight.
func shownState(st walk.State) checkpoint.State {
	for _, m := range stateMap {
		if m.walk == st {
			return m.step
		}
	}
	return checkpoint.Pending
}

// onEvent follows a change of a step's state in the walk: it keeps the
// totals, writes the records that only the walk can decide (a skip, a
// create lost too often), and tells the change (Options.OnEvent, the log).
// What was decided before any step started (AtStart) is counted, not told.
func (r *Runner) onEvent(ev walk.Event) {
	i := plan.StepID(ev.ID)
	out := r.outs.take(i)
	r.totals.Requests = ev.Counts.Started
	r.setShown(i, shownState(ev.State))
	if ev.State == walk.Done && out != nil && out.state == checkpoint.Done {
		r.ids.noteDone(r.p.Steps[i].Action, i, &out.rec) // before its children start
	}
	switch ev.Via {
	case walk.ViaTask:
		switch {
		case out == nil || out.state == checkpoint.Pending || ev.State == walk.Unknown:
			// Not run, or its outcome goes to the resolver: nothing to tell.
		case ev.State == walk.Pending:
			// A rejection the row fixes already: told as the monitor saw
			// it, while its submit runs again.
			r.emitAs(i, out.rec, out.state)
		default:
			r.emit(i, out.rec)
		}
	case walk.ViaResolver:
		if out != nil && !ev.AtStart && ev.State != walk.Pending {
			r.emit(i, out.rec)
		}
	case walk.ViaRounds:
		rec := out.rec
		rec.State = checkpoint.NeedsAttention
		rec.ErrClass = checkpoint.ClassUnknown
		rec.ErrMessage = "the answer to this create was lost " + fmt.Sprint(maxReconcileRounds) +
			" times; check the platform before re-running with --retry-failed"
		r.put(rec)
		r.emit(i, rec)
	case walk.ViaBlocked:
		rec := r.skip(i, plan.StepID(ev.Cause))
		if !ev.AtStart {
			r.emit(i, rec)
		}
	case walk.ViaAdmit:
		if out != nil {
			r.emit(i, out.rec)
		}
	}
}

// skip records that step i is skipped because root failed (or was
// cancelled, or needs attention).
func (r *Runner) skip(i, root plan.StepID) checkpoint.Record {
	rec := r.record(i)
	rec.State = checkpoint.Skipped
	rootRow := &r.p.Rows[r.p.Steps[root].Row]
	rec.ErrClass, rec.ErrStatus = checkpoint.ClassBlocked, 0
	rec.ErrMessage = fmt.Sprintf("blocked by %s:%d (%s %s)", r.p.Tables[rootRow.Table].Sheet, rootRow.Num,
		r.p.Key(root), r.steps[root].shown)
	rec.UpdatedAt = time.Now().UTC()
	r.put(rec)
	return rec
}

// setShown moves step i to st in the totals and the counts per kind.
func (r *Runner) setShown(i plan.StepID, st checkpoint.State) {
	old := r.steps[i].shown
	if old == st {
		return
	}
	r.count(old, -1)
	k := r.p.Rows[r.p.Steps[i].Row].Kind
	r.byKind[k][old]--
	r.steps[i].shown = st
	r.byKind[k][st]++
	r.count(st, +1)
}

func (r *Runner) count(st checkpoint.State, n int) {
	switch st {
	case checkpoint.Done:
		r.totals.Done += n
	case checkpoint.Failed:
		r.totals.Failed += n
	case checkpoint.Skipped:
		r.totals.Skipped += n
	case checkpoint.Waiting:
		r.totals.Waiting += n
	case checkpoint.NeedsAttention:
		r.totals.Attention += n
	case checkpoint.Cancelled:
		r.totals.Cancelled += n
	}
}

// emit tells step i's new state with its record: Options.OnEvent and one
// log line.
func (r *Runner) emit(i plan.StepID, rec checkpoint.Record) { r.emitAs(i, rec, r.steps[i].shown) }

func (r *Runner) emitAs(i plan.StepID, rec checkpoint.Record, state checkpoint.State) {
	lvl := slog.LevelInfo
	if state == checkpoint.Failed || state == checkpoint.NeedsAttention {
		lvl = slog.LevelWarn
	}
	logged := r.log.Enabled(context.Background(), lvl)
	if !logged && r.o.OnEvent == nil {
		return // nobody to tell: not even the step's key is made
	}
	row := &r.p.Rows[r.p.Steps[i].Row]
	ev := Event{
		Key:     r.p.Key(i),
		Sheet:   r.p.Tables[row.Table].Sheet,
		Row:     int(row.Num),
		State:   state,
		Message: rec.ErrMessage,
		Totals:  r.totals,
	}
	if logged {
		r.logStep(lvl, ev, rec)
	}
	if r.o.OnEvent != nil {
		r.o.OnEvent(ev)
	}
}

// logStep logs a step's event with the IDs its record holds.
func (r *Runner) logStep(lvl slog.Level, ev Event, rec checkpoint.Record) {
	attrs := []any{"key", string(ev.Key), "sheet", ev.Sheet, "row", ev.Row, "state", ev.State.String()}
	for _, k := range sortedKeys(rec.IDs) {
		attrs = append(attrs, k, rec.IDs[k])
	}
	if ev.Message != "" {
		attrs = append(attrs, "error", ev.Message)
	}
	r.log.Log(context.Background(), lvl, "step", attrs...)
}

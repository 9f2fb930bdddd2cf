package jobs

import (
	"context"
	"fmt"
	"time"

	"telegent-bulk/checkpoint"
	"telegent-bulk/jobs/walk"
	"telegent-bulk/plan"
	"telegent-bulk/telegent"
)

// maxReconcileRounds bounds how often one step may be found absent and
// re-sent in one run (each re-send may be lost again).
const maxReconcileRounds = 5

// verdict is what a lookup found out about a step whose outcome was unknown.
type verdict struct {
	kind verdictKind
	ids  map[string]string
	data map[string]string // facts to keep on the record (vFound)
	msg  string
}

type verdictKind uint8

const (
	vAbsent    verdictKind = iota // surely not applied: send it (again)
	vFound                        // applied: adopt the IDs
	vAttention                    // cannot tell: a person must look
	vFailed                       // the platform holds something else: fail the row
	vLookAgain                    // the lookup failed: stays in-flight, the next run looks again
)

// resolve is the walk's resolver: it looks up every step in ids (one
// listing per kind of lookup, not one per step), records what it found
// and returns each step's state: Pending to send it (again), the outcome
// found, or Unknown when the lookup itself failed (the record stays
// in-flight, so that the next run looks again). Lookups cut short by the
// end of ctx say nothing: it returns ctx's error and the steps stay in
// flight.
func (r *Runner) resolve(ctx context.Context, nodes []int32) ([]walk.State, error) {
	ids := make([]plan.StepID, len(nodes))
	for k, n := range nodes {
		ids[k] = plan.StepID(n)
	}
	verdicts, err := r.reconcile(ctx, ids)
	if err != nil {
		if ctx.Err() == nil {
			r.resolveErr = err
		}
		return nil, err
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	states := make([]walk.State, len(ids))
	for k, i := range ids {
		rec, st := r.applyVerdict(i, r.userWord(i, verdicts[i]))
		r.outs.set(i, &outcome{i: i, rec: rec, state: st})
		r.steps[i].sent = false
		states[k] = walkState(st)
	}
	return states, nil
}

// userWord applies what the user said to a verdict on step i: a create
// refused before this run (a 400 settled only now, its lookup having
// failed then) is sent again with --retry-failed, as a failed row is; one
// the user declares not applied (declaredAbsent) is sent again, once.
func (r *Runner) userWord(i plan.StepID, v verdict) verdict {
	rec := r.record(i)
	switch {
	case v.kind == vFailed && r.o.RetryFailed && r.before(rec):
		v.kind = vAbsent
	case v.kind == vAttention && r.declaredAbsent(i, rec):
		v.kind = vAbsent // the user checked: it was not applied
		if rec.Data == nil {
			rec.Data = map[string]string{}
		}
		rec.Data[noteResendUsed] = "yes"
		rec.UpdatedAt = time.Now().UTC()
		r.put(rec) // the create that follows reads the mark from the record
	case v.kind == vAttention && rec.Data[noteResendUsed] != "":
		v.msg = "this create was already sent again once on your word that it had not been applied, " +
			"and that answer was lost too: check again before you say so again. " + v.msg
	}
	return v
}

// applyVerdict records what a lookup found about step i and returns the
// record and the step's state: Pending (absent: send it), Done, Failed,
// NeedsAttention, or InFlight (the lookup failed).
func (r *Runner) applyVerdict(i plan.StepID, v verdict) (checkpoint.Record, checkpoint.State) {
	rec := r.record(i)
	rec.UpdatedAt = time.Now().UTC()
	switch v.kind {
	case vAbsent:
		return rec, checkpoint.Pending
	case vFound:
		rec.State = checkpoint.Done
		clearErr(&rec)
		if rec.IDs == nil {
			rec.IDs = map[string]string{}
		}
		mergeInto(rec.IDs, v.ids)
		if rec.Data == nil {
			rec.Data = map[string]string{}
		}
		mergeInto(rec.Data, v.data)
		delete(rec.Data, noteConflict)
		delete(rec.Data, noteRefused)
		rec.Fingerprint, rec.SecretMAC = r.p.Rows[r.p.Steps[i].Row].Fingerprint(r.o.MACKey)
	case vAttention:
		rec.State = checkpoint.NeedsAttention
		rec.ErrClass, rec.ErrMessage = checkpoint.ClassUnknown, v.msg
	case vFailed:
		rec.State = checkpoint.Failed
		rec.ErrClass, rec.ErrMessage = checkpoint.ClassFailRow, v.msg
	case vLookAgain:
		rec.State = checkpoint.InFlight
		rec.ErrClass, rec.ErrMessage = checkpoint.ClassUnknown, v.msg
	}
	r.put(rec)
	return rec, rec.State
}

// reconcile returns a verdict for every step in idxs. Lookups that fail
// leave their steps needing attention for this run (their records stay
// in-flight, so the next run looks again); only an abort is an error.
func (r *Runner) reconcile(ctx context.Context, idxs []plan.StepID) (map[plan.StepID]verdict, error) {
	byAction := map[plan.Action][]plan.StepID{}
	for _, i := range idxs {
		a := r.p.Steps[i].Action
		byAction[a] = append(byAction[a], i)
	}
	out := make(map[plan.StepID]verdict, len(idxs))
	for a, steps := range byAction {
		lookup := actions[a].lookup
		if lookup == nil {
			for _, i := range steps {
				out[i] = verdict{kind: vAbsent} // idempotent: sending again is harmless
			}
			continue
		}
		err := lookup(r, ctx, steps, out)
		for r.o.Outage.holds(err) { // until the API answers, or the run stops for it
			err = lookup(r, ctx, steps, out)
		}
		if err != nil {
			if telegent.Classify(err) == telegent.ClassAbort {
				return nil, fmt.Errorf("%w: %w", ErrAborted, err)
			}
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			for _, i := range steps {
				out[i] = verdict{kind: vLookAgain, msg: "the outcome of this create is unknown and the lookup failed (" +
					err.Error() + "); the next run looks again before anything is re-sent"}
			}
		}
	}
	return out, nil
}

// claimed returns the IDs under col already held by done steps of action a,
// so that a lookup never adopts a resource another row owns.
func (r *Runner) claimed(a plan.Action, col string) map[string]bool {
	ids := map[string]bool{}
	for i := range r.p.Steps {
		if r.p.Steps[i].Action != a || r.steps[i].shown != checkpoint.Done {
			continue
		}
		if id := r.record(plan.StepID(i)).IDs[col]; id != "" {
			ids[id] = true
		}
	}
	return ids
}

// clockSkew is how far behind ours the API's clock may be when a lookup
// compares its creation times with the time a step went in flight.
const clockSkew = 5 * time.Minute

// createdBefore tells whether an API creation time lies before t. A time
// that cannot be read is not before anything.
func createdBefore(created string, t time.Time) bool {
	c, err := parseTime(created)
	return err == nil && c.Before(t)
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

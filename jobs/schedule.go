package jobs

import (
	"telegent-bulk/checkpoint"
	"telegent-bulk/jobs/walk"
	"telegent-bulk/plan"
)

// priority orders the steps ready to start. At start, the eligibility
// checks (which gate every port submit) go first, then the steps that
// unlock many others (a route shared by thousands of lines), then the
// manifest's order. A step queued once the walk has started goes before
// every step queued earlier, the latest first: the work a finished step
// released follows it at once, so that the first lines of the manifest
// finish early instead of every row's first step running before any
// second one.
func (r *Runner) priority(node int32) int64 {
	n := int64(len(r.p.Steps)) // above any step's count of dependents
	if r.w.Counts().Started == 0 {
		if r.p.Steps[node].Action == plan.PortInEligibility {
			return n
		}
		return int64(len(r.w.Dependents(node)))
	}
	r.released++
	return n + r.released
}

// gates holds every port submit until every eligibility check of this run
// has finished (eligibility first, for every port row).
func (r *Runner) gates() []walk.Gate {
	var g walk.Gate
	for i := range r.p.Steps {
		switch r.p.Steps[i].Action {
		case plan.PortInEligibility:
			if r.inScope(plan.StepID(i)) {
				g.Members = append(g.Members, int32(i))
			}
		case plan.PortInSubmit:
			g.Held = append(g.Held, int32(i))
		}
	}
	if len(g.Members) == 0 {
		return nil
	}
	return []walk.Gate{g}
}

// admit decides about a step whose dependencies are done: a step outside
// Options.Only stays pending; the monitor of an order this run just sent
// waits a poll interval (see awaitOrder); any other step runs.
func (r *Runner) admit(node int32) walk.Admission {
	id := plan.StepID(node)
	if !r.inScope(id) {
		return walk.Admission{Hold: true}
	}
	st := &r.p.Steps[id]
	if st.Action == plan.PortOutMonitor {
		if adm := r.awaitPortOut(id); adm.Defer {
			return adm
		}
		return r.firstPoll(id)
	}
	if st.Action != plan.PortInMonitor {
		return walk.Admission{}
	}
	sub := r.p.RowStep(st.Row, plan.PortInSubmit)
	if sub < 0 || !r.steps[sub].sent {
		return r.firstPoll(id)
	}
	return r.awaitOrder(id, r.record(sub))
}

// awaitOrder starts following the port order that a submit (or an update)
// just sent: an order that was just sent has nothing new to say yet, so
// its monitor waits one poll interval, showing the status the answer gave.
// An order whose PortInDate is still to be given is polled at once, as
// the work its submit released (not as a re-poll, which --wait may cut
// short): the date goes out with the first poll, in the run that sent the
// order.
func (r *Runner) awaitOrder(m plan.StepID, sub checkpoint.Record) walk.Admission {
	rec := r.record(m)
	rec.Fingerprint, rec.SecretMAC = r.p.Rows[r.p.Steps[m].Row].Fingerprint(r.o.MACKey)
	follow(&rec, sub)
	r.put(rec)
	if _, _, ok := r.pendingUpdate(m, sub.IDs[colOrderID]); ok {
		r.setShown(m, checkpoint.Waiting)
		r.emit(m, rec)
		return walk.Admission{}
	}
	r.steps[m].out = &outcome{i: m, rec: rec, state: checkpoint.Waiting}
	return walk.Admission{Defer: true, After: r.pollAfter(m, rec)}
}

package jobs

import (
	"telegent-bulk/checkpoint"
	"telegent-bulk/jobs/walk"
	"telegent-bulk/plan"
)

// Fair shares: the walk divides the steps into two classes, port work
// (eligibility checks, submits and their updates, cancels, the monitors
// that poll the orders, port-out PINs) and the migration's steps
// (accounts, subscribers, routes, numbers, subscriptions, ...). While both
// have a step to start, port work gets Options.PortShare of the starts and
// the migration the rest; a class with nothing to start leaves its share
// to the other. So a campaign's eligibility checks and submits never hold
// back the first lines of the migration, nor the reverse.
const (
	classMigration = 0
	classPort      = 1

	// DefaultPortShare is Options.PortShare when it is 0.
	DefaultPortShare = 0.5
)

// class returns the fair-share class of step node.
func (r *Runner) class(node int32) int {
	switch r.p.Steps[node].Action {
	case plan.PortInEligibility, plan.PortInSubmit, plan.PortInMonitor, plan.PortInCancel, plan.PortOutIssue:
		return classPort
	}
	return classMigration
}

// shares returns the shares of the classes, indexed by class.
func (r *Runner) shares() []float64 {
	s := r.o.PortShare
	if s <= 0 || s != s {
		s = DefaultPortShare
	}
	s = min(max(s, 0.05), 0.95)
	return []float64{classMigration: 1 - s, classPort: s}
}

// priority orders the steps ready to start within their class: the
// steps that serve the earliest line of the manifest first (see
// lineRanks), so that the first lines finish early instead of every row's
// first step running before any second one. Among steps that serve the
// same line, a step queued once the walk has started goes before every
// step queued earlier, the latest first: the work a finished step
// released follows it at once. At start the eligibility checks, which
// gate every port submit, go before any other port work.
func (r *Runner) priority(node int32) int64 {
	n := int64(len(r.p.Steps))
	prio := (n - int64(r.rank[node])) << 32 // above any count of steps released
	if r.w.Counts().Started == 0 {
		if r.p.Steps[node].Action == plan.PortInEligibility {
			return (n + 1) << 32
		}
		return prio
	}
	r.released++
	return prio + r.released
}

// lineRanks returns, for every step, the first line it serves: the index
// of the first step of the earliest Numbers or PortIns row that depends on
// it (its own row, for a line's steps), len(p.Steps) for a step that
// serves none. A step that is not a line's has the rank of its row's best
// step (a guardian ranks with its subscriber).
func lineRanks(p *plan.Plan) []int32 {
	n := len(p.Steps)
	rank := make([]int32, n)
	for i := range p.Steps {
		rank[i] = int32(n)
		if k := p.Rows[p.Steps[i].Row].Kind; k == plan.Numbers || k == plan.PortIns {
			rank[i] = int32(i)
		}
	}
	for i := n - 1; i >= 0; i-- { // dependents come after their dependencies
		for _, d := range p.Deps(plan.StepID(i)) {
			rank[d] = min(rank[d], rank[i])
		}
	}
	best := make([]int32, len(p.Rows))
	for i := range best {
		best[i] = int32(n)
	}
	for i := range p.Steps {
		ri := p.Steps[i].Row
		best[ri] = min(best[ri], rank[i])
	}
	for i := range p.Steps {
		rank[i] = best[p.Steps[i].Row]
	}
	return rank
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
	r.outs.set(m, &outcome{i: m, rec: rec, state: checkpoint.Waiting})
	return walk.Admission{Defer: true, After: r.pollAfter(m, rec)}
}

package walk

import (
	"fmt"
	"slices"
)

// start settles the states the walk begins with: it resolves the nodes
// given as Unknown, skips the pending nodes whose dependencies failed
// (naming the root cause), counts the gates' members and queues the nodes
// that can run now.
func (w *Walker) start() {
	var unknown []int32
	for i, st := range w.state {
		if st == Unknown {
			unknown = append(unknown, int32(i))
		}
	}
	if len(unknown) > 0 {
		w.resolveBatch(unknown, true)
		if w.r.stopping {
			return
		}
	}
	for _, i := range w.topo { // dependencies first: a skip names the root cause
		if w.state[i] != Pending {
			continue
		}
		if c := w.blockedAtStart(i); c >= 0 {
			w.cause[i] = c
			w.setState(i, Skipped)
			w.emit(i, ViaBlocked, true)
		}
	}
	w.topo = nil // not needed any more
	for g, gate := range w.o.Gates {
		for _, m := range gate.Members {
			if w.state[m].Final() {
				delete(w.memberOf, m)
			} else {
				w.gateLeft[g]++
			}
		}
	}
	for i := range w.state {
		if w.state[i] == Pending {
			w.recount(int32(i))
		}
	}
	for i := range w.state {
		if w.state[i] == Pending && w.waiting[i] == 0 {
			w.admit(int32(i))
		}
	}
}

// blockedAtStart returns the root cause that skips pending node i, or -1.
func (w *Walker) blockedAtStart(i int32) int32 {
	cause := int32(-1)
	for _, d := range w.depsOf(i) {
		if w.state[d].blocks() {
			cause = w.rootCause(d)
		}
	}
	return cause
}

// rootCause returns the node to name for a dependent of blocking node b:
// b, or what skipped b.
func (w *Walker) rootCause(b int32) int32 {
	if w.state[b] == Skipped && w.cause[b] >= 0 {
		return w.cause[b]
	}
	return b
}

// recount sets how many dependencies of pending node i are not done.
func (w *Walker) recount(i int32) {
	var n int32
	for _, d := range w.depsOf(i) {
		if w.state[d] != Done {
			n++
		}
	}
	w.waiting[i] = n
}

// admit queues node i, whose dependencies are done: held while its gate is
// closed, then as Options.Admit decides.
func (w *Walker) admit(i int32) {
	if g, ok := w.gateOf[i]; ok && w.gateLeft[g] > 0 {
		w.gateHeld[g] = append(w.gateHeld[g], i)
		return
	}
	var a Admission
	if w.o.Admit != nil {
		a = w.o.Admit(i)
	}
	switch {
	case a.Hold:
	case a.Defer:
		w.setState(i, Waiting)
		w.emit(i, ViaAdmit, false)
		w.schedule(i, a.After)
	default:
		var prio int64
		if w.o.Priority != nil {
			prio = w.o.Priority(i)
		}
		w.pushReady(i, prio)
	}
}

// memberFinished counts node i as finished for the gate it is a member of,
// once, and opens the gate with its last member.
func (w *Walker) memberFinished(i int32) {
	g, ok := w.memberOf[i]
	if !ok {
		return
	}
	delete(w.memberOf, i)
	if w.gateLeft[g]--; w.gateLeft[g] > 0 {
		return
	}
	held := w.gateHeld[g]
	w.gateHeld[g] = nil
	for _, h := range held {
		if w.state[h] == Pending && w.waiting[h] == 0 {
			w.admit(h)
		}
	}
}

// apply takes in the Result of node id's task.
func (w *Walker) apply(f finished) {
	id, res := f.id, f.res
	w.r.inflight--
	if !w.rerun[id] {
		w.r.others--
		w.r.idleSince = w.clock.Now()
	}
	if res.Err != nil {
		w.fatal(res.Err)
		w.notRun(id)
		return
	}
	switch res.State {
	case Done, NeedsAttention, Cancelled:
		w.finish(id, res.State, ViaTask)
	case Failed:
		w.finish(id, Failed, ViaTask)
		w.r.report.Failures++
		if w.o.MaxFailures > 0 && w.r.report.Failures >= w.o.MaxFailures {
			w.stop(StopMaxFailures)
		}
	case Waiting:
		w.setState(id, Waiting)
		w.emit(id, ViaTask, false)
		w.schedule(id, res.After)
	case Unknown:
		w.lost(id)
	case Pending:
		if len(res.Rewind) > 0 {
			w.rewind(id, res.Rewind)
			return
		}
		w.notRun(id)
	default:
		w.fatal(fmt.Errorf("%w: node %d: its task returned %s", ErrInvalid, id, res.State))
		w.notRun(id)
	}
}

// notRun puts back node id, whose task did not run: a deferred node stays
// deferred (due at once), another one pending.
func (w *Walker) notRun(id int32) {
	if w.rerun[id] {
		w.setState(id, Waiting)
		w.pushRerun(id)
	} else {
		w.setState(id, Pending)
	}
	w.emit(id, ViaTask, false)
}

// lost takes in an Unknown outcome: the node waits for the resolver, or
// needs attention once it has been resolved MaxRounds times.
func (w *Walker) lost(id int32) {
	if w.o.Resolve == nil || int(w.rounds[id]) >= w.o.MaxRounds {
		w.finish(id, NeedsAttention, ViaRounds)
		return
	}
	w.setState(id, Unknown)
	w.emit(id, ViaTask, false)
	if !w.r.stopping {
		w.unknown = append(w.unknown, id)
	}
}

// finish records node i's final state st and releases or skips its
// dependents.
func (w *Walker) finish(i int32, st State, via Via) {
	w.setState(i, st)
	w.emit(i, via, false)
	w.memberFinished(i)
	if st == Done {
		for _, d := range w.dependents(i) {
			if w.state[d] != Pending {
				continue
			}
			if w.waiting[d]--; w.waiting[d] == 0 {
				w.admit(d)
			}
		}
		return
	}
	w.block(i)
}

// block skips every pending transitive dependent of blocking node b,
// naming one root cause: b, or what skipped b.
func (w *Walker) block(b int32) {
	cause := w.rootCause(b)
	queue := []int32{b}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		for _, d := range w.dependents(s) {
			if w.state[d] != Pending {
				continue
			}
			w.cause[d] = cause
			w.setState(d, Skipped)
			w.emit(d, ViaBlocked, false)
			w.memberFinished(d)
			queue = append(queue, d)
		}
	}
}

// rewind runs the done dependencies deps of node m again, then m.
func (w *Walker) rewind(m int32, deps []int32) {
	for _, s := range deps {
		if !slices.Contains(w.depsOf(m), s) || w.state[s] != Done {
			w.fatal(fmt.Errorf("%w: node %d: rewind of %d, not a done dependency", ErrInvalid, m, s))
			w.notRun(m)
			return
		}
	}
	w.setState(m, Pending)
	w.emit(m, ViaTask, false)
	for _, s := range deps {
		w.setState(s, Pending)
		w.emit(s, ViaRewind, false)
		for _, d := range w.dependents(s) {
			if w.state[d] == Pending {
				w.waiting[d]++ // d counted s done: it is not any more
			}
		}
	}
	w.recount(m)
	for _, s := range deps {
		if w.state[s] == Pending {
			w.recount(s)
			if w.waiting[s] == 0 {
				w.admit(s)
			}
		}
	}
}

// resolve hands the Unknown outcomes collected so far to the resolver.
func (w *Walker) resolve() {
	batch := w.unknown
	w.unknown = nil
	w.resolveBatch(batch, false)
}

// resolveBatch asks the resolver about batch and applies its verdicts; at
// start (atStart) it only sets states, which start then goes on from.
func (w *Walker) resolveBatch(batch []int32, atStart bool) {
	if w.o.Resolve == nil {
		for _, id := range batch {
			w.verdict(id, Unknown, atStart)
		}
		return
	}
	if w.r.ctx.Err() != nil {
		w.interrupt()
		return
	}
	verdicts, err := w.o.Resolve(w.r.ctx, batch)
	switch {
	case err != nil && w.r.ctx.Err() != nil:
		w.interrupt() // lookups cut short say nothing: the nodes stay Unknown
		return
	case err != nil:
		w.fatal(fmt.Errorf("walk: resolve: %w", err))
		return
	case len(verdicts) != len(batch):
		w.fatal(fmt.Errorf("%w: %d verdicts for %d nodes", ErrInvalid, len(verdicts), len(batch)))
		return
	}
	for k, id := range batch {
		w.rounds[id]++
		w.verdict(id, verdicts[k], atStart)
	}
}

// verdict applies the resolver's verdict v on node id.
func (w *Walker) verdict(id int32, v State, atStart bool) {
	switch v {
	case Pending, Done, Failed, NeedsAttention, Cancelled:
	case Unknown:
		v = NeedsAttention // still unknown: for this walk
	default:
		w.fatal(fmt.Errorf("%w: node %d: the resolver returned %s", ErrInvalid, id, v))
		return
	}
	if atStart || v == Pending {
		w.setState(id, v)
		w.emit(id, ViaResolver, atStart)
		if !atStart {
			w.recount(id)
			if w.waiting[id] == 0 {
				w.admit(id)
			}
		}
		return
	}
	w.finish(id, v, ViaResolver)
}

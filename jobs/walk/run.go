package walk

import (
	"context"
	"fmt"
	"time"

	"golang.org/x/sync/errgroup"
)

// run is the state of the walk in progress, owned by Run's goroutine.
type run struct {
	ran         bool
	ctx         context.Context    // the caller's: its end is the interrupt
	cancelCalls context.CancelFunc // ends the tasks' context
	g           *errgroup.Group
	gctx        context.Context // the tasks' context
	todo        chan int32      // nodes launched, for the workers to take
	workers     int             // workers started: never fewer than tasks in flight
	results     chan finished
	ctxDone     <-chan struct{}  // nil once the interrupt is seen
	drain       <-chan time.Time // the end of the drain after an interrupt
	tick        <-chan time.Time
	alarm       <-chan time.Time // the next timer: a deferred node due, or the Wait bound
	alarmAt     time.Time

	inflight  int       // tasks started, their Result not received yet
	others    int       // of which not deferred re-runs
	idleSince time.Time // when a node other than a deferred re-run last moved
	stopping  bool      // take no new node; end once nothing is in flight
	waitOver  bool      // the Wait bound is over: no more deferred re-runs
	seq       uint64    // deferrals so far, to keep their order
	report    Report
	err       error // the first run-fatal error
}

// finished carries a task's Result back to the walk.
type finished struct {
	id  int32
	res Result
}

// Run walks the graph and returns when no node can run any more, after
// the drain once ctx is cancelled, after MaxFailures failures, or on a
// run-fatal error, which it returns. It may be called once.
func (w *Walker) Run(ctx context.Context) (Report, error) {
	if w.r.ran {
		return Report{}, fmt.Errorf("%w: Run called twice", ErrInvalid)
	}
	w.r.ran = true
	callCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	w.r.ctx, w.r.cancelCalls = ctx, cancel
	w.r.g, w.r.gctx = errgroup.WithContext(callCtx)
	w.r.todo = make(chan int32, w.o.Workers)       // never more in flight: launch never blocks
	w.r.results = make(chan finished, w.o.Workers) // nor does a task sending its result
	w.r.ctxDone = ctx.Done()
	w.r.idleSince = w.clock.Now()
	if w.o.OnTick != nil && w.o.Tick > 0 {
		w.r.tick = w.clock.After(w.o.Tick)
	}
	w.start()
	for w.step() {
	}
	close(w.r.todo)
	gerr := w.r.g.Wait()
	err := w.r.err
	if err == nil {
		err = gerr
	}
	return w.finalReport(), err
}

// step does one round of the walk: start what may start, then wait for
// one thing to happen. It reports false when the walk is over.
func (w *Walker) step() bool {
	if w.r.ctxDone != nil && w.r.ctx.Err() != nil {
		w.interrupt() // before anything new starts, whatever select picked last
	}
	now := w.clock.Now()
	w.fireTimers(now)
	w.pruneReady()
	if w.onlyDeferred() && !w.r.waitOver && now.Sub(w.r.idleSince) >= w.o.Wait {
		w.r.waitOver = true
		w.r.report.WaitOver = true
	}
	if w.r.inflight == 0 {
		switch {
		case w.r.stopping:
			return false
		case w.readyLen() > 0:
		case len(w.unknown) > 0:
			w.resolve()
			return true
		case w.r.waitOver || (len(w.timers) == 0 && w.rerunLen() == 0):
			return false
		}
	}
	w.dispatch(now)
	w.arm(now)
	if w.r.inflight == 0 && w.r.alarm == nil {
		return true // the queues held only stale entries: look again
	}
	if idler, ok := w.clock.(Idler); ok && w.r.inflight == 0 {
		idler.Idle()
	}
	w.wait()
	return true
}

// onlyDeferred tells whether deferred re-runs are all that is left: the
// Wait bound then runs.
func (w *Walker) onlyDeferred() bool {
	return w.readyLen() == 0 && w.r.others == 0 && len(w.unknown) == 0 &&
		(len(w.timers) > 0 || w.rerunLen() > 0 || w.r.inflight > 0)
}

// dispatch starts ready nodes, then due re-runs, while the pool has room:
// within a class the ready nodes first, between classes by their shares.
func (w *Walker) dispatch(now time.Time) {
	for w.r.inflight < w.o.Workers && !w.r.stopping {
		c := w.pick()
		switch {
		case c == nil:
			return
		case len(c.ready) > 0:
			w.launch(c.ready.pop().id, false, now)
		default:
			id := c.reruns[0]
			c.reruns = c.reruns[1:]
			if w.state[id] == Waiting {
				w.launch(id, true, now)
			}
		}
	}
}

// launch starts node id's task on the pool. The pool's workers are
// started as the tasks in flight first need them, up to Workers, and live
// until the walk ends: a task runs on a goroutine whose stack has already
// grown, rather than on a new one per node.
func (w *Walker) launch(id int32, rerun bool, now time.Time) {
	w.setState(id, Running)
	w.mu.Lock()
	w.counts.Started++
	w.mu.Unlock()
	w.rerun[id] = rerun
	w.r.inflight++
	if !rerun {
		w.r.others++
		w.r.idleSince = now
	}
	if w.r.workers < w.r.inflight {
		w.r.workers++
		task, ctx, todo, out, cancel := w.task, w.r.gctx, w.r.todo, w.r.results, w.r.cancelCalls
		w.r.g.Go(func() error { return work(ctx, task, todo, out, cancel) })
	}
	w.r.todo <- id
}

// work is a worker of the pool: it runs the tasks of the nodes it takes
// from todo until todo is closed, and sends each Result back on out. A
// run-fatal error cancels every task's context at once (the walk stops on
// receiving it), and is returned to the group once todo is closed. A
// row's failure is a Result, not an error.
func work(ctx context.Context, task Task, todo <-chan int32, out chan<- finished, cancel context.CancelFunc) error {
	var first error
	for id := range todo {
		res := task(ctx, id)
		out <- finished{id, res}
		if res.Err != nil && first == nil {
			first = res.Err
			cancel()
		}
	}
	return first
}

// arm sets the alarm for the next deferred node due or the end of the
// Wait bound, whichever comes first, unless an earlier alarm is set.
func (w *Walker) arm(now time.Time) {
	if w.r.stopping || w.r.waitOver {
		return
	}
	var at time.Time
	if len(w.timers) > 0 {
		at = w.timers[0].due
	}
	if w.onlyDeferred() {
		if end := w.r.idleSince.Add(w.o.Wait); at.IsZero() || end.Before(at) {
			at = end
		}
	}
	if at.IsZero() || (w.r.alarm != nil && !at.Before(w.r.alarmAt)) {
		return
	}
	w.r.alarm, w.r.alarmAt = w.clock.After(at.Sub(now)), at
}

// wait waits for one thing to happen and handles it.
func (w *Walker) wait() {
	select {
	case f := <-w.r.results:
		w.apply(f)
	case <-w.r.alarm:
		w.r.alarm = nil // fireTimers and the Wait bound look at the time
	case <-w.r.ctxDone:
		w.interrupt()
	case <-w.r.drain:
		w.r.drain = nil
		w.r.cancelCalls()
	case <-w.r.tick:
		w.o.OnTick()
		w.r.tick = w.clock.After(w.o.Tick)
	}
}

// fireTimers moves the deferred nodes due by now to the re-run queue.
func (w *Walker) fireTimers(now time.Time) {
	for len(w.timers) > 0 && !w.timers[0].due.After(now) {
		e := w.timers.pop()
		if w.state[e.id] == Waiting {
			w.pushRerun(e.id)
		}
	}
}

// schedule runs deferred node id again after d.
func (w *Walker) schedule(id int32, d time.Duration) {
	if d <= 0 {
		w.pushRerun(id)
		return
	}
	w.r.seq++
	w.timers.push(timerEntry{due: w.clock.Now().Add(d), seq: w.r.seq, id: id})
}

// interrupt stops taking nodes; the tasks in flight keep their context for
// the drain.
func (w *Walker) interrupt() {
	if w.r.report.Interrupted {
		return
	}
	w.r.ctxDone = nil
	w.r.report.Interrupted = true
	w.stop(StopInterrupted)
	if w.o.Drain > 0 {
		w.r.drain = w.clock.After(w.o.Drain)
	} else {
		w.r.cancelCalls()
	}
}

func (w *Walker) stop(why Stop) {
	if !w.r.stopping {
		w.r.stopping = true
		w.r.report.Stop = why
	}
}

// fatal stops the walk for err: nothing new starts, tasks in flight see
// their context cancelled.
func (w *Walker) fatal(err error) {
	if w.r.err == nil {
		w.r.err = err
	}
	w.stop(StopFatal)
	w.r.cancelCalls()
}

// finalReport completes the report once the walk is over.
func (w *Walker) finalReport() Report {
	rep := w.r.report
	for i, st := range w.state {
		switch st {
		case Waiting:
			rep.Waiting = append(rep.Waiting, int32(i))
		case Unknown:
			rep.Unknown = append(rep.Unknown, int32(i))
		}
	}
	rep.Counts = w.Counts()
	return rep
}

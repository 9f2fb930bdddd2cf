package jobs

import (
	"container/heap"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"telegent-bulk/checkpoint"
	"telegent-bulk/plan"
	"telegent-bulk/telegent"
)

// Options tune a run.
type Options struct {
	Concurrency int           // workers taking ready steps; default 8
	MaxFailures int           // stop taking new steps after this many failures; 0 = no limit
	RetryFailed bool          // retry failed and needs-attention steps whose rows did not change
	Poll        time.Duration // port order poll interval, jittered ±20%; default 1m
	Wait        time.Duration // keep polling open port orders this long once all else is done
	Drain       time.Duration // after an interrupt, how long in-flight calls may still take; default 15s
	MACKey      []byte        // key for the fingerprint of secret columns
	Only        []plan.Action // run only these actions (eligibility checks); nil = every action
	OnEvent     func(Event)   // optional; called from one goroutine, in order
	Logger      *slog.Logger  // optional; one line per step outcome
	LiveFile    string        // optional; progress for status, rewritten every second (see Live)

	// Resend names steps whose create needs attention (its answer was
	// lost and no lookup can tell whether it was applied) that the user
	// has checked were not applied: they are looked up once more, and sent
	// if the lookup still cannot tell. Rows say the same with
	// Action=resubmit (port-ins) and Action=reissue (port-outs).
	Resend []plan.StepKey

	// LiveFallback (optional) is where the progress goes, with the reason,
	// when LiveFile cannot be written (see LiveFallbackPath).
	LiveFallback string

	// Outage (optional), fed every attempt of the run's client, stops the
	// run when the API stops answering (see OutageWatch).
	Outage *OutageWatch
}

// Report is what a run did.
type Report struct {
	Totals      Totals
	Interrupted bool
	Stopped     string // why the run stopped taking steps early, "" if it did not
	Elapsed     time.Duration
}

// numStates bounds the checkpoint's states (Cancelled is the last).
const numStates = int(checkpoint.Cancelled) + 1

// ErrAborted wraps run-fatal errors: rejected credentials, an unwritable
// checkpoint.
var ErrAborted = errors.New("run aborted")

// Runner executes one plan. It is used once.
type Runner struct {
	p *plan.Plan
	c *telegent.Client
	s *checkpoint.Store
	o Options

	state     []checkpoint.State
	blockedBy []int32 // root-cause step of a skipped step, -1 otherwise
	waiting   []int32 // unfinished dependencies per step
	depStart  []int32 // dependents of step i: depList[depStart[i]:depStart[i+1]]
	depList   []int32
	redo      []uint8            // per step: what resume decided (see load)
	unskip    []bool             // per step: skipped by an earlier run, blocked or not is decided again
	rounds    []uint8            // reconcile rounds this run
	gateHeld  []int32            // submits waiting for every eligibility check to finish
	gateLeft  int                // eligibility steps not finished yet
	ready     []int32            // steps whose dependencies are done, popped from the end
	polls     []int32            // port orders due for another poll, oldest first (taken only when ready is empty)
	timers    timerHeap          // port orders waiting for their next poll, by due time
	polling   map[int32]struct{} // port orders being polled again now
	rearm     bool               // timers changed: the dispatcher resets its timer
	viaReady  []bool             // the step in flight was taken from ready (not a re-poll)

	packages   map[string]telegent.Package // by ID and by lower-case name
	totals     Totals
	byKind     [][numStates]int // steps per kind and state, for Live
	log        *slog.Logger
	liveFailed bool // a Live write failed (said once)
	dry        bool // a preview: decide, never write

	started    time.Time // when this run started: see declaredAbsent
	portedOnce sync.Once
	ported     map[string]bool // numbers the manifest ports in (see portedIn)
}

// New returns a Runner for p.
func New(p *plan.Plan, c *telegent.Client, s *checkpoint.Store, o Options) *Runner {
	if o.Concurrency <= 0 {
		o.Concurrency = 8
	}
	if o.Poll <= 0 {
		o.Poll = time.Minute
	}
	if o.Drain <= 0 {
		o.Drain = 15 * time.Second
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Runner{p: p, c: c, s: s, o: o, log: log, polling: map[int32]struct{}{}}
}

// outcome is what executing (or reconciling) one step produced.
type outcome struct {
	i     int32
	rec   checkpoint.Record
	state checkpoint.State // Done, Failed, Waiting, NeedsAttention, Cancelled, InFlight (unknown), Pending (not run)
	fatal error            // run-fatal
	sent  bool             // the step's call was made by this run (not a lookup's verdict)
}

// Run executes every runnable step and returns when all are finished, the
// context is cancelled (after draining in-flight calls), too many steps
// failed, a run-fatal error occurred (wrapped in ErrAborted), or the API
// stopped answering (an error wrapping ErrOutage; see Options.Outage).
func (r *Runner) Run(ctx context.Context) (Report, error) {
	ctx, stop := r.o.Outage.watch(ctx)
	defer stop()
	rep, err := r.run(ctx)
	return r.o.Outage.outcome(ctx, rep, err)
}

func (r *Runner) run(ctx context.Context) (Report, error) {
	start := time.Now()
	r.started = start
	r.index()
	unknown, err := r.load()
	if err != nil {
		return Report{}, err
	}
	r.writeLive(start)
	defer r.removeLive()
	// Calls get their own context: an interrupt stops the dispatcher at
	// once, while in-flight calls may finish within the drain bound.
	// Lookups (reconciliation, the package list) only read: an interrupt
	// stops them at once.
	callCtx, cancelCalls := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelCalls()

	var rep Report
	if len(unknown) > 0 {
		if err := r.loadPackages(ctx, unknown); err != nil { // to match lost subscriptions
			return r.ended(rep, start, err)
		}
		if err := r.reconcileAndApply(ctx, unknown, false); err != nil {
			return r.ended(rep, start, err)
		}
	}
	r.initialReady()
	if err := r.loadPackages(ctx, nil); err != nil {
		return r.ended(rep, start, err)
	}

	work := make(chan int32)
	results := make(chan outcome, r.o.Concurrency)
	for range r.o.Concurrency {
		go func() {
			for i := range work {
				results <- r.exec(callCtx, i)
			}
		}()
	}
	defer close(work)

	liveTick := time.NewTicker(time.Second)
	defer liveTick.Stop()
	var (
		timer     = time.NewTimer(time.Hour)
		inflight  int  // steps being executed
		others    int  // of which not port re-polls
		stopping  bool // take no new step; end when inflight is 0
		waitOver  bool // only port polls were left for --wait: poll no more
		failures  int
		unknownQ  []int32
		idleSince = time.Now() // when the last step other than a re-poll moved
		fatal     error
		drainDone <-chan time.Time
		ctxDone   = ctx.Done()
	)
	timer.Stop()
	armTimer := func() {
		timer.Stop()
		if len(r.timers) > 0 {
			timer.Reset(max(time.Until(r.timers[0].due), 0))
		}
		r.rearm = false
	}
	for {
		if r.rearm {
			armTimer()
		}
		// Only port orders left to follow: --wait bounds how long, counted
		// from the last other step, even while polls are in flight.
		onlyPolls := len(r.ready) == 0 && others == 0 && len(unknownQ) == 0
		if onlyPolls && !waitOver && time.Since(idleSince) >= r.o.Wait {
			waitOver = true
		}
		if (stopping || waitOver) && inflight == 0 {
			break
		}
		if !stopping && inflight == 0 && len(r.ready) == 0 {
			if len(unknownQ) > 0 {
				batch := unknownQ
				unknownQ = nil
				if err := r.reconcileAndApply(ctx, batch, true); err != nil && !errors.Is(err, errLookupStopped) {
					fatal, stopping = err, true
				}
				continue
			}
			if len(r.timers) == 0 && len(r.polls) == 0 {
				break
			}
		}
		var send chan int32
		var next int32
		switch {
		case stopping:
		case len(r.ready) > 0:
			send, next = work, r.ready[len(r.ready)-1]
		case len(r.polls) > 0 && !waitOver:
			send, next = work, r.polls[0] // the longest-waiting order first
		}
		var waitUntil <-chan time.Time
		if onlyPolls && !waitOver && !stopping {
			waitUntil = time.After(time.Until(idleSince.Add(r.o.Wait)))
		}
		select {
		case send <- next:
			r.viaReady[next] = len(r.ready) > 0
			if r.viaReady[next] {
				r.ready = r.ready[:len(r.ready)-1]
				others++
				idleSince = time.Now()
			} else {
				r.polls = r.polls[1:]
				r.polling[next] = struct{}{}
			}
			inflight++
			r.totals.Requests++
		case out := <-results:
			out.sent = true
			inflight--
			if r.viaReady[out.i] {
				others--
				idleSince = time.Now()
			} else {
				delete(r.polling, out.i)
			}
			if out.fatal != nil {
				fatal, stopping = out.fatal, true
				cancelCalls()
				continue
			}
			switch out.state {
			case checkpoint.InFlight:
				if r.rounds[out.i] >= maxReconcileRounds {
					out.state = checkpoint.NeedsAttention
					out.rec.State = checkpoint.NeedsAttention
					out.rec.ErrClass = "unknown"
					out.rec.ErrMessage = "the answer to this create was lost " + fmt.Sprint(maxReconcileRounds) +
						" times; check the platform before re-running with --retry-failed"
					r.put(out.rec)
					r.finish(out)
				} else if !stopping {
					unknownQ = append(unknownQ, out.i)
				}
			case checkpoint.Waiting:
				r.setState(out.i, checkpoint.Waiting)
				r.emit(out.i, out.rec)
				r.pollLater(out.i)
			case checkpoint.Pending:
				// Not run (interrupted before sending), or cut off while
				// the API does not answer: nothing recorded; tried again
				// unless the run is stopping.
				if !stopping {
					r.retryLater(out.i)
				}
			default:
				if out.state == checkpoint.Failed {
					failures++
				}
				r.finish(out)
				if r.o.MaxFailures > 0 && failures >= r.o.MaxFailures && !stopping {
					stopping = true
					rep.Stopped = fmt.Sprintf("stopped after %d failures (--max-failures)", failures)
				}
			}
		case <-timer.C:
			now := time.Now()
			for len(r.timers) > 0 && !r.timers[0].due.After(now) {
				e := heap.Pop(&r.timers).(timerEntry)
				r.polls = append(r.polls, e.i)
			}
			armTimer()
		case <-waitUntil:
		case <-liveTick.C:
			r.writeLive(start)
		case <-ctxDone:
			ctxDone = nil
			stopping = true
			rep.Interrupted = true
			drainDone = time.After(r.o.Drain)
			if errors.Is(context.Cause(ctx), ErrOutage) {
				cancelCalls() // nothing answers them: they stay pending or in-flight
			}
		case <-drainDone:
			cancelCalls() // in-flight creates end outcome-unknown and stay in-flight
			drainDone = nil
		}
	}
	return r.ended(rep, start, fatal)
}

// errLookupStopped: an interrupt stopped reconciliation or the package
// list; the steps concerned stay in-flight for the next run.
var errLookupStopped = errors.New("interrupted during lookups")

// ended completes the report of a run that ends with err (nil, fatal, or
// errLookupStopped, which is an interrupt) once the checkpoint is flushed.
func (r *Runner) ended(rep Report, start time.Time, err error) (Report, error) {
	if errors.Is(err, errLookupStopped) {
		rep.Interrupted, err = true, nil
	}
	if ferr := r.s.Flush(); ferr != nil && err == nil {
		err = fmt.Errorf("%w: checkpoint unwritable: %v", ErrAborted, ferr)
	}
	rep.Totals = r.totals
	rep.Elapsed = time.Since(start)
	return rep, err
}

// finish records a final outcome and releases or blocks the dependents.
func (r *Runner) finish(out outcome) {
	r.setState(out.i, out.state)
	r.emit(out.i, out.rec)
	if r.fixedSinceSubmit(out) {
		return
	}
	if r.p.Steps[out.i].Action == plan.PortInEligibility {
		r.gateLeft--
		if r.gateLeft == 0 {
			r.ready = append(r.ready, r.gateHeld...)
			r.gateHeld = nil
		}
	}
	if out.state == checkpoint.Done {
		submitted := out.sent && r.p.Steps[out.i].Action == plan.PortInSubmit
		for _, d := range r.dependents(out.i) {
			r.waiting[d]--
			if r.waiting[d] != 0 || r.state[d] != checkpoint.Pending {
				continue
			}
			if submitted && r.p.Steps[d].Action == plan.PortInMonitor && r.inScope(d) {
				r.awaitOrder(d, out.rec)
				continue
			}
			r.makeReady(d)
		}
		return
	}
	r.block(out.i)
}

// awaitOrder starts following the port order that a submit (or an update)
// just sent: an order that was just sent has nothing new to say yet, so
// its monitor waits one poll interval, showing the status the answer gave.
func (r *Runner) awaitOrder(m int32, sub checkpoint.Record) {
	rec := r.record(m)
	rec.Fingerprint, rec.SecretMAC = r.p.Rows[r.p.Steps[m].Row].Fingerprint(r.o.MACKey)
	if rec.IDs == nil {
		rec.IDs = map[string]string{}
	}
	if rec.Data == nil {
		rec.Data = map[string]string{}
	}
	if rec.IDs["OrderId"] != sub.IDs["OrderId"] {
		// A fresh order (Action=resubmit): the last one's facts go.
		delete(rec.IDs, "PhoneNumberId")
		for _, k := range []string{"DeclinedAttempts", "LastDeclinedAt", "PortCompletedAt", "CancelledOrderId", completedSeen} {
			delete(rec.Data, k)
		}
	}
	rec.IDs["OrderId"] = sub.IDs["OrderId"]
	rec.Data["PortStatus"] = sub.Data["PortStatus"]
	rec.State = checkpoint.Waiting
	rec.ErrClass, rec.ErrStatus, rec.ErrMessage = "", 0, ""
	rec.UpdatedAt = time.Now().UTC()
	r.put(rec)
	r.setState(m, checkpoint.Waiting)
	r.emit(m, rec)
	if _, ok := r.dateNeeded(m, sub.IDs["OrderId"]); ok {
		r.polls = append(r.polls, m) // the order's PortInDate goes out with the first poll
		return
	}
	r.pollLater(m)
}

// pollLater schedules the next poll of port order monitor m.
func (r *Runner) pollLater(m int32) {
	heap.Push(&r.timers, timerEntry{due: time.Now().Add(jitter(r.o.Poll)), i: m})
	r.rearm = true
}

// makeReady queues step i, holding port submits until every eligibility
// check has finished (eligibility first, for every port row). A port
// order's first poll is ready work like any step; later polls go on their
// own queue when their timer fires.
func (r *Runner) makeReady(i int32) {
	switch {
	case !r.inScope(i):
	case r.gateLeft > 0 && r.p.Steps[i].Action == plan.PortInSubmit:
		r.gateHeld = append(r.gateHeld, i)
	default:
		r.ready = append(r.ready, i)
	}
}

// block marks every transitive dependent of root skipped, naming root as
// the cause, so that each root cause is reported once.
func (r *Runner) block(root int32) {
	queue := []int32{root}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		for _, d := range r.dependents(s) {
			if r.state[d] != checkpoint.Pending {
				continue
			}
			r.emit(d, r.skip(d, root))
			queue = append(queue, d)
		}
	}
}

// skip marks step i skipped because root failed (or was cancelled, or
// needs attention) and records why.
func (r *Runner) skip(i, root int32) checkpoint.Record {
	r.blockedBy[i] = root
	r.setState(i, checkpoint.Skipped)
	rec := r.record(i)
	rec.State = checkpoint.Skipped
	rootRow := &r.p.Rows[r.p.Steps[root].Row]
	rec.ErrClass, rec.ErrStatus = "blocked", 0
	rec.ErrMessage = fmt.Sprintf("blocked by %s:%d (%s %s)", r.p.Tables[rootRow.Table].Sheet, rootRow.Num,
		r.p.Key(root), r.state[root])
	rec.UpdatedAt = time.Now().UTC()
	r.put(rec)
	return rec
}

// setState moves step i to st and keeps the totals.
func (r *Runner) setState(i int32, st checkpoint.State) {
	r.count(r.state[i], -1)
	k := r.p.Rows[r.p.Steps[i].Row].Kind
	r.byKind[k][r.state[i]]--
	r.state[i] = st
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

func (r *Runner) emit(i int32, rec checkpoint.Record) {
	row := &r.p.Rows[r.p.Steps[i].Row]
	ev := Event{
		Key:     r.p.Key(i),
		Sheet:   r.p.Tables[row.Table].Sheet,
		Row:     int(row.Num),
		State:   r.state[i],
		Message: rec.ErrMessage,
		Totals:  r.totals,
	}
	lvl := slog.LevelInfo
	if ev.State == checkpoint.Failed || ev.State == checkpoint.NeedsAttention {
		lvl = slog.LevelWarn
	}
	attrs := []any{"key", string(ev.Key), "sheet", ev.Sheet, "row", ev.Row, "state", ev.State.String()}
	for _, k := range sortedKeys(rec.IDs) {
		attrs = append(attrs, k, rec.IDs[k])
	}
	if ev.Message != "" {
		attrs = append(attrs, "error", ev.Message)
	}
	r.log.Log(context.Background(), lvl, "step", attrs...)
	if r.o.OnEvent != nil {
		r.o.OnEvent(ev)
	}
}

func (r *Runner) dependents(i int32) []int32 { return r.depList[r.depStart[i]:r.depStart[i+1]] }

// index builds the reverse edges of the DAG in compressed form.
func (r *Runner) index() {
	n := len(r.p.Steps)
	r.state = make([]checkpoint.State, n)
	r.blockedBy = make([]int32, n)
	r.waiting = make([]int32, n)
	r.redo = make([]uint8, n)
	r.unskip = make([]bool, n)
	r.rounds = make([]uint8, n)
	r.viaReady = make([]bool, n)
	r.depStart = make([]int32, n+1)
	r.byKind = make([][numStates]int, plan.NumKinds)
	for i := range r.p.Steps {
		r.byKind[r.p.Rows[r.p.Steps[i].Row].Kind][checkpoint.Pending]++ // the zero state
		for _, d := range r.p.Steps[i].Deps {
			r.depStart[d+1]++
		}
	}
	for i := 1; i <= n; i++ {
		r.depStart[i] += r.depStart[i-1]
	}
	r.depList = make([]int32, r.depStart[n])
	fill := append([]int32(nil), r.depStart[:n]...)
	for i := range r.p.Steps {
		for _, d := range r.p.Steps[i].Deps {
			r.depList[fill[d]] = int32(i)
			fill[d]++
		}
	}
	r.totals.Steps = n
}

// put queues a record write; a write failure surfaces at Flush.
func (r *Runner) put(rec checkpoint.Record) {
	if r.dry {
		return
	}
	if err := r.s.Put(rec); err != nil {
		r.log.Error("checkpoint write failed", "key", string(rec.Key), "error", err)
	}
}

// record returns the stored record of step i, or a fresh one.
func (r *Runner) record(i int32) checkpoint.Record {
	key := checkpoint.Key(r.p.Key(i))
	rec, ok, err := r.s.Get(key)
	if err != nil || !ok {
		rec = checkpoint.Record{Key: key}
	}
	return rec
}

func jitter(d time.Duration) time.Duration {
	f := 0.8 + 0.4*rand.Float64()
	return time.Duration(float64(d) * f)
}

type timerEntry struct {
	due time.Time
	i   int32
}

type timerHeap []timerEntry

func (h timerHeap) Len() int           { return len(h) }
func (h timerHeap) Less(a, b int) bool { return h[a].due.Before(h[b].due) }
func (h timerHeap) Swap(a, b int)      { h[a], h[b] = h[b], h[a] }
func (h *timerHeap) Push(x any)        { *h = append(*h, x.(timerEntry)) }
func (h *timerHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}

package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"runtime/debug"
	"sync"
	"time"

	"telegent-bulk/checkpoint"
	"telegent-bulk/jobs/walk"
	"telegent-bulk/plan"
	"telegent-bulk/telegent"
)

// Options tune a run.
type Options struct {
	Concurrency int           // workers taking ready steps; default 8
	MaxFailures int           // stop taking new steps after this many failures; 0 = no limit
	RetryFailed bool          // retry failed and needs-attention steps whose rows did not change
	Poll        time.Duration // base cadence of port order polls, jittered ±20% (see pollbudget.go); default daily
	Wait        time.Duration // keep polling open port orders this long once all else is done
	Drain       time.Duration // after an interrupt, how long in-flight calls may still take; default 15s
	MACKey      []byte        // key for the fingerprint of secret columns
	Only        []plan.Action // run only these actions (eligibility checks); nil = every action
	OnEvent     func(Event)   // optional; called from one goroutine, in order
	Logger      *slog.Logger  // optional; one line per step outcome
	LiveFile    string        // optional; progress for status, rewritten every second (see Live)

	// PortShare is the share of the starts that port work (eligibility
	// checks, submits, updates, cancels, polls, port-out PINs) gets while
	// migration steps are ready too, and the reverse: a class with nothing
	// to start leaves its share to the other. 0 means DefaultPortShare;
	// it is kept within 0.05 and 0.95.
	PortShare float64

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

	// Porting campaigns (see pollbudget.go, portstatus.go).
	//
	// PollShare is the share of the request rate that polls of open port
	// orders may take; default DefaultPollShare. Rate (optional) tells the
	// client's current request rate in requests per second; RPS is the
	// configured one when Rate is nil; with neither, polls are spaced by
	// their cadence alone. UnknownAfter is how long an order may stay in
	// a status the runner does not know before it needs attention; default
	// DefaultUnknownAfter. Now (optional) is the clock of port timings;
	// nil: the system clock.
	PollShare    float64
	Rate         func() float64
	RPS          float64
	UnknownAfter time.Duration
	Now          func() time.Time
	// Clock (optional) is the walk's clock, and the clock of port timings
	// when Now is nil; nil: the system clock.
	Clock walk.Clock
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

// ErrStopped marks the cause of a cancellation that stops a run for a
// reason of its own rather than at the user's request (for example an API
// that no longer answers): cancel Run's context with
// context.WithCancelCause and a cause that wraps ErrStopped. The run stops
// as on an interrupt (nothing new starts, calls in flight drain) and Run
// returns that cause. Any other cancellation is an interrupt: Run reports
// it in Report.Interrupted and returns no error.
var ErrStopped = errors.New("run stopped")

// Runner executes one plan. It is used once.
type Runner struct {
	ledger // the plan, the options, and the checkpoint's records
	c      *telegent.Client
	s      *checkpoint.Store

	steps      []stepRun
	outs       pendingOutcomes
	w          *walk.Walker
	released   int64   // nodes queued since the walk started, for their priority
	rank       []int32 // the first line each step serves, for its priority (see lineRanks)
	ids        parentIDs
	resolveErr error // a run-fatal error of the resolver, as it returned it

	packages   map[string]telegent.Package // by ID and by lower-case name
	totals     Totals
	byKind     [][numStates]int // steps per kind and state, for Live
	liveFailed bool             // a Live write failed (said once)

	portedOnce sync.Once
	ported     map[string]bool // numbers the manifest ports in (see portedIn)

	port portRun // the polling budget and the run's number (see pollbudget.go)
}

// stepRun is what a run keeps of one step beside the walk's own state: a
// few bytes, as a run may have millions of steps.
//
// sent is written by the step's task (or the resolver) and read by the
// walk's callbacks, which run only once the walk has received the task's
// result; send is written before the walk, or by the monitor's task for
// its submit, which runs only after it.
type stepRun struct {
	shown checkpoint.State // the state the totals and the progress count it in
	sent  bool             // its last outcome came from its own call in this run (not a lookup)
	send  portSend         // port submits: what to send (see portOrder)
	fresh bool             // it has no record yet and is not a port row's: exec need not read one (see begin)
}

// pendingOutcomes holds the outcome to report in a step's next event, for
// the few steps that have one (in flight, just finished): written by the
// step's task (or the resolver, or admission), taken by the walk's
// callback once the walk has the task's result. Safe for concurrent use.
type pendingOutcomes struct {
	mu sync.Mutex
	m  map[plan.StepID]*outcome
}

func (p *pendingOutcomes) set(i plan.StepID, out *outcome) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.m == nil {
		p.m = make(map[plan.StepID]*outcome)
	}
	p.m[i] = out
}

// take returns step i's outcome, nil if it has none, and forgets it.
func (p *pendingOutcomes) take(i plan.StepID) *outcome {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := p.m[i]
	delete(p.m, i)
	return out
}

// New returns a Runner for p.
func New(p *plan.Plan, c *telegent.Client, s *checkpoint.Store, o Options) *Runner {
	if o.Concurrency <= 0 {
		o.Concurrency = 8
	}
	if o.Drain <= 0 {
		o.Drain = 15 * time.Second
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Runner{ledger: ledger{p: p, o: o, recs: s, log: log}, c: c, s: s}
}

// outcome is what executing (or reconciling) one step produced.
type outcome struct {
	i     plan.StepID
	rec   checkpoint.Record
	state checkpoint.State // Done, Failed, Waiting, NeedsAttention, Cancelled, InFlight (unknown), Pending (not run)
	fatal error            // run-fatal
	held  bool             // not run: the API answers no one for now (see OutageWatch.holds); try again
}

// Run executes every runnable step and returns when all are finished, the
// context is cancelled (after draining in-flight calls), too many steps
// failed, a run-fatal error occurred (wrapped in ErrAborted), or the API
// stopped answering (an error wrapping ErrOutage; see Options.Outage). A
// cancellation whose cause wraps ErrStopped is returned as the error.
func (r *Runner) Run(ctx context.Context) (Report, error) {
	ctx, stop := r.o.Outage.watch(ctx)
	defer stop()
	rep, err := r.run(ctx)
	rep, err = r.o.Outage.outcome(ctx, rep, err)
	r.release()
	return rep, err
}

// release drops the run's per-step state once the run is over (a Runner
// is used once), so that the memory of a large run is free again while the
// results are written: only the plan and the package list stay.
func (r *Runner) release() {
	r.w = nil
	r.steps = nil
	r.rank = nil
	r.outs.mu.Lock()
	r.outs.m = nil
	r.outs.mu.Unlock()
	r.ids.mu.Lock()
	r.ids.m, r.ids.buf = nil, nil
	r.ids.mu.Unlock()
	if len(r.p.Steps) >= bigRun {
		// What the run held (and the garbage it left) would otherwise stay
		// in the process's memory while the results are written, on top of
		// what they need: give it back now, at the cost of one collection.
		debug.FreeOSMemory()
	}
}

// bigRun is the number of steps from which a run's end gives its memory
// back to the system (see release): hundreds of megabytes at a million
// lines, nothing worth a collection in a small run.
const bigRun = 100_000

func (r *Runner) run(ctx context.Context) (Report, error) {
	start := time.Now()
	r.started = start
	r.index()
	var rst restore
	rst.since, rst.restored = r.s.Restored()
	d, err := decide(r.p, r.s, rst, r.o, r.log)
	if err != nil {
		return Report{}, err
	}
	initial, err := r.begin(d)
	if err != nil {
		return Report{}, err
	}
	r.writeLive(start)
	defer r.removeLive()

	var rep Report
	if err := r.loadPackages(ctx, d); err != nil {
		if ctx.Err() != nil {
			rep.Interrupted, err = true, nil // the list was cut short: nothing ran
		}
		return r.ended(ctx, rep, start, err)
	}
	w, err := walk.New(stepDeps(r.p), r.task, walk.Options{
		Workers:     r.o.Concurrency,
		Initial:     initial,
		Priority:    r.priority,
		Class:       r.class,
		Shares:      r.shares(),
		Admit:       r.admit,
		Gates:       r.gates(),
		Resolve:     r.resolve,
		MaxRounds:   maxReconcileRounds,
		Wait:        r.o.Wait,
		MaxFailures: r.o.MaxFailures,
		Drain:       r.o.Drain,
		OnEvent:     r.onEvent,
		Tick:        time.Second,
		OnTick:      func() { r.writeLive(start) },
		Clock:       r.o.Clock,
	})
	if err != nil {
		return r.ended(ctx, rep, start, err)
	}
	r.w = w
	wrep, err := w.Run(ctx)
	if err != nil && r.resolveErr != nil && errors.Is(err, r.resolveErr) {
		err = r.resolveErr // as the lookups said it, without the walk's prefix
	}
	rep.Interrupted = wrep.Interrupted
	if wrep.Stop == walk.StopMaxFailures {
		rep.Stopped = fmt.Sprintf("stopped after %d failures (--max-failures)", r.o.MaxFailures)
	}
	r.totals.Requests = wrep.Counts.Started
	return r.ended(ctx, rep, start, err)
}

// stepDeps returns the plan's dependency lists as the walk takes them
// (node i is step i), all in one backing array.
func stepDeps(p *plan.Plan) [][]int32 {
	n := 0
	for i := range p.Steps {
		n += len(p.Deps(plan.StepID(i)))
	}
	flat := make([]int32, 0, n)
	deps := make([][]int32, len(p.Steps))
	for i := range p.Steps {
		start := len(flat)
		for _, d := range p.Deps(plan.StepID(i)) {
			flat = append(flat, int32(d))
		}
		deps[i] = flat[start:len(flat):len(flat)]
	}
	return deps
}

// ended completes the report of a run that ends with err (nil, or fatal)
// once the checkpoint is flushed. An interrupt whose cause wraps
// ErrStopped returns that cause.
func (r *Runner) ended(ctx context.Context, rep Report, start time.Time, err error) (Report, error) {
	if rep.Interrupted && err == nil {
		if cause := context.Cause(ctx); errors.Is(cause, ErrStopped) {
			err = cause
		}
	}
	if ferr := r.s.Flush(); ferr != nil && err == nil {
		err = fmt.Errorf("%w: checkpoint unwritable: %w", ErrAborted, ferr)
	}
	rep.Totals = r.totals
	rep.Elapsed = time.Since(start)
	return rep, err
}

// begin returns the state of every step as the walk starts from resume's
// decision. A blocked step starts pending: the walk skips it, naming the
// root cause.
func (r *Runner) begin(d *resumePlan) ([]walk.State, error) {
	if d.clearRestored {
		if err := r.s.ClearRestored(); err != nil {
			return nil, err
		}
	}
	initial := make([]walk.State, len(d.steps))
	for i, sd := range d.steps {
		st := sd.state
		if st == checkpoint.Skipped {
			st = checkpoint.Pending
		}
		r.setShown(plan.StepID(i), st)
		r.steps[i].send = sd.send
		// Nothing but its first run writes the record of a migration
		// step that has none: that run need not look for one. (Port
		// rows' steps get records from their siblings: an order's
		// monitor, a cancel.)
		k := r.p.Rows[r.p.Steps[i].Row].Kind
		r.steps[i].fresh = sd.why == whyNew && k != plan.PortIns && k != plan.PortOuts
		initial[i] = walkState(st)
	}
	return initial, nil
}

// index sets up the per-step and per-kind counts of a run.
func (r *Runner) index() {
	n := len(r.p.Steps)
	r.steps = make([]stepRun, n)
	r.byKind = make([][numStates]int, plan.NumKinds)
	for i := range r.p.Steps {
		r.byKind[r.p.Rows[r.p.Steps[i].Row].Kind][checkpoint.Pending]++ // the zero state
	}
	r.totals.Steps = n
	r.rank = lineRanks(r.p)
}

func jitter(d time.Duration) time.Duration {
	f := 0.8 + 0.4*rand.Float64()
	return time.Duration(float64(d) * f)
}

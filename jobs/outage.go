package jobs

import (
	"context"
	"errors"
	"sync"
	"time"

	"telegent-bulk/telegent"
)

// ErrOutage is the cause of a run stopped because the API stopped
// answering (see OutageWatch). Run returns an error wrapping it, which
// says since when.
var ErrOutage = errors.New("the API stopped answering")

// DefaultOutageAfter is how long without any answer makes an outage.
const DefaultOutageAfter = time.Minute

// quickMisses is how many attempts in a row without an answer stop a run
// that has never had one: a wrong URL or a server that is down says so
// within seconds, not after the whole outage window.
const quickMisses = 3

// OutageWatch tells an outage of the API from a row's trouble. It sees
// every HTTP attempt (Observe is the client's Observer) and stops the run
// it watches when no attempt has got an answer for the window since the
// first one that did not, or, before any attempt was ever answered, after
// quickMisses attempts in a row got none. An answer is any HTTP response, a
// 500 or a 429 included; a connection refused or broken, or an attempt
// timed out, is none.
//
// A stopped run takes no more steps and leaves the steps it had not
// finished as they were: pending, or in-flight for a create that may have
// been sent. While no answer comes, a call that gives up for want of one
// does not fail its row either: the step is tried again until an answer
// comes or the run stops.
type OutageWatch struct {
	after time.Duration

	mu         sync.Mutex
	cancel     context.CancelCauseFunc // the watched run's; nil when none
	answered   bool                    // an attempt got an answer
	lastAnswer time.Time
	downSince  time.Time // start of the first unanswered attempt since the last answer; zero while answering
	misses     int       // attempts in a row without an answer
	timer      *time.Timer
	stopped    error           // the cause, once the watch stopped a run (or would have)
	done       <-chan struct{} // the watched run's context's; nil when none
}

// NewOutageWatch returns a watch whose window is after (DefaultOutageAfter
// when after is 0 or less).
func NewOutageWatch(after time.Duration) *OutageWatch {
	if after <= 0 {
		after = DefaultOutageAfter
	}
	return &OutageWatch{after: after}
}

// Observe takes one attempt; it is safe for concurrent use. Attempts that
// ended because their caller gave up say nothing about the API and are
// ignored.
func (w *OutageWatch) Observe(a telegent.Attempt) {
	if w == nil || (a.Status == 0 && !telegent.NoAnswer(a.Err)) {
		return
	}
	now := time.Now()
	w.mu.Lock()
	defer w.mu.Unlock()
	if a.Status != 0 {
		w.answered, w.lastAnswer, w.downSince, w.misses = true, now, time.Time{}, 0
		if w.timer != nil {
			w.timer.Stop()
		}
		return
	}
	w.misses++
	if w.downSince.IsZero() {
		since := now.Add(-a.Duration)
		w.downSince = since
		w.timer = time.AfterFunc(time.Until(since.Add(w.after)), func() {
			w.mu.Lock()
			defer w.mu.Unlock()
			if w.downSince.Equal(since) {
				w.stop()
			}
		})
	}
	if !w.answered && w.misses >= quickMisses {
		w.stop()
	}
}

// stop stops the watched run with an outage as the cause. It runs under
// w.mu.
func (w *OutageWatch) stop() {
	if w.stopped != nil {
		return
	}
	since := w.lastAnswer
	if !w.answered {
		since = w.downSince
	}
	w.stopped = &outageError{since: since, never: !w.answered}
	if w.cancel != nil {
		w.cancel(w.stopped)
	}
}

// watch returns ctx for a run to use, cancelled with an outage as the
// cause when the watch decides, and a function that ends the watch. A nil
// watch returns ctx as it is.
func (w *OutageWatch) watch(ctx context.Context) (context.Context, func()) {
	if w == nil {
		return ctx, func() {}
	}
	ctx, cancel := context.WithCancelCause(ctx)
	w.mu.Lock()
	w.cancel, w.done = cancel, ctx.Done()
	if w.stopped != nil {
		cancel(w.stopped)
	}
	w.mu.Unlock()
	return ctx, func() {
		w.mu.Lock()
		w.cancel, w.done = nil, nil
		if w.timer != nil {
			w.timer.Stop()
		}
		w.mu.Unlock()
		cancel(nil)
	}
}

// holds reports whether err is a call giving up for want of an answer
// while no attempt is being answered: not the row's fault, so the step is
// tried again instead of failed. Before it says so it waits a moment (or
// until the run stops), so that a call that gives up at once is not made
// again and again at full speed.
func (w *OutageWatch) holds(err error) bool {
	if w == nil || !telegent.NoAnswer(err) || telegent.Classify(err) != telegent.ClassRetry {
		return false
	}
	w.mu.Lock()
	down, done := !w.downSince.IsZero() || w.stopped != nil, w.done
	w.mu.Unlock()
	if down {
		t := time.NewTimer(min(time.Second, w.after/10))
		defer t.Stop()
		select {
		case <-t.C:
		case <-done:
		}
	}
	return down
}

// outageError is the cause of a run the watch stopped.
type outageError struct {
	since time.Time
	never bool // no attempt was ever answered
}

func (e *outageError) Error() string {
	at := e.since.Local().Format(time.DateTime)
	if e.never {
		return "the API has not answered since the run started (" + at + "): check the API URL and the network; " +
			"nothing was lost; re-run to resume"
	}
	return "the API has not answered since " + at + "; nothing was lost; re-run to resume"
}

// Is makes the cause an outage, and a stop of the run (ErrStopped): the
// run stops taking steps as on an interrupt.
func (e *outageError) Is(target error) bool { return target == ErrOutage || target == ErrStopped }

// outcome turns a run that ended because of the watch into its report and
// error: the run stopped (not interrupted) and the error says why.
func (w *OutageWatch) outcome(ctx context.Context, rep Report, err error) (Report, error) {
	cause := context.Cause(ctx)
	if w == nil || !errors.Is(cause, ErrOutage) || (err != nil && !errors.Is(err, ErrOutage)) ||
		(err == nil && !rep.Interrupted) {
		return rep, err // not stopped by the watch; a fatal error wins
	}
	rep.Interrupted = false
	rep.Stopped = cause.Error()
	return rep, cause
}

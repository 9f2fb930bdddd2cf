package jobs

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"telegent-bulk/checkpoint"
	"telegent-bulk/telegent"
)

// Every status an order can show is handled: the documented open ones are
// followed, the final ones end the follow-up (Completed, Rejected,
// Cancelled, and Error, whose OrderStatusMessage is shown), and a status
// no document names is shown as the API gives it and followed for
// Options.UnknownAfter (counted on the checkpoint, so across runs) before
// the order needs a person.

// DefaultUnknownAfter is Options.UnknownAfter when it is 0: three days
// of the same unknown status.
const DefaultUnknownAfter = 72 * time.Hour

// timeLayout is how the runner writes the times it notes.
const timeLayout = time.RFC3339

// now returns the time on the clock of port timings, in UTC.
func (l *ledger) now() time.Time {
	if l.o.Now != nil {
		return l.o.Now().UTC()
	}
	if l.o.Clock != nil {
		return l.o.Clock.Now().UTC()
	}
	return time.Now().UTC()
}

func (l *ledger) unknownAfter() time.Duration {
	if l.o.UnknownAfter > 0 {
		return l.o.UnknownAfter
	}
	return DefaultUnknownAfter
}

// portFinal reports whether an order in this status will not move again
// (as far as the runner knows): Completed, Rejected (until an update),
// Cancelled or Error.
func portFinal(status string) bool {
	for _, s := range []string{telegent.PortCompleted, telegent.PortRejected, telegent.PortCancelled, telegent.OrderError} {
		if strings.EqualFold(status, s) {
			return true
		}
	}
	return false
}

// unknownStatus follows an order that is not final, as seen by a poll
// whose answer is o: a status no document names is shown as is, and once
// the order has shown it for unknownAfter, the step (rec) needs attention.
// what names the order ("port-in", "port-out").
func (r *Runner) unknownStatus(rec *checkpoint.Record, o *telegent.OrderDetails, what string) {
	if telegent.PortOpen(o.OrderStatus) {
		delete(rec.Data, noteUnknownStatus)
		delete(rec.Data, noteUnknownSince)
		return
	}
	now := r.now()
	since, err := time.Parse(timeLayout, rec.Data[noteUnknownSince])
	if rec.Data[noteUnknownStatus] != o.OrderStatus || err != nil {
		since = now
		rec.Data[noteUnknownStatus] = o.OrderStatus
		rec.Data[noteUnknownSince] = now.Format(timeLayout)
	}
	detail := ""
	if o.OrderStatusMessage != "" {
		detail = " (" + o.OrderStatusMessage + ")"
	}
	limit := r.unknownAfter()
	if now.Sub(since) < limit {
		rec.ErrMessage = fmt.Sprintf("the %s order shows %q%s, a status the tool does not know: it is followed, and "+
			"needs attention if it still shows it at %s", what, o.OrderStatus, detail, since.Add(limit).Format(timeLayout))
		return
	}
	rec.State = checkpoint.NeedsAttention
	rec.ErrClass = checkpoint.ClassUnknown
	rec.ErrMessage = fmt.Sprintf("the %s order %s has shown %q%s since %s, a status the tool does not know, for more "+
		"than %s: ask Telegent support what it means; re-run with --retry-failed to follow it again", what,
		o.OrderId, o.OrderStatus, detail, since.Format(timeLayout), limit)
}

// noteChange notes on a port-in monitor's record the run in which its
// order's status changed from prev, and when, for the Changes tab.
func (r *Runner) noteChange(rec *checkpoint.Record, prev string) {
	r.noteStatus(rec, colPortStatus, prev)
}

// noteStatus is noteChange for the status kept under col.
func (r *Runner) noteStatus(rec *checkpoint.Record, col, prev string) {
	if rec.Data[col] == prev {
		return
	}
	rec.Data[noteStatusRun] = strconv.Itoa(r.runSeq())
	rec.Data[noteStatusAt] = r.now().Format(timeLayout)
}

// runSeq returns the checkpoint's count of runs (checkpoint.Meta.Runs):
// this run's number once it was begun (Store.BeginRun).
func (r *Runner) runSeq() int {
	r.port.seqOnce.Do(func() {
		if m, err := r.s.Meta(); err == nil {
			r.port.seq = m.Runs
		}
	})
	return r.port.seq
}

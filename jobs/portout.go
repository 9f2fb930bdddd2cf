package jobs

import (
	"context"
	"strings"

	"telegent-bulk/checkpoint"
	"telegent-bulk/jobs/walk"
	"telegent-bulk/plan"
	"telegent-bulk/telegent"
)

// A port-out PIN opens an order (seed 002 §8.3's answer carries its
// OrderId, Status Pending); the line must not be suspended before the
// port-out completes. The order is followed like a port-in's, with the
// one documented lookup, order details by OrderId, until it is final. The
// documents show no port-out status but Pending: Completed, Cancelled,
// Rejected and Error are read as for a port-in (docs/sandbox.md names
// the assumption), and any other status is shown as it is and needs
// attention after Options.UnknownAfter.

// portOutOrder returns the order of port-out row ri: the one its PIN
// opened, else the row's OrderId column.
func (l *ledger) portOutOrder(ri plan.RowID) string {
	row := &l.p.Rows[ri]
	rec, _, _ := l.recs.Get(checkpoint.Key(plan.MakeKey(row.Kind, row.Key, plan.PortOutIssue)))
	return firstNonEmpty(rec.IDs[colOrderID], ownValue(row, colOrderID))
}

// monitorPortOut polls a port-out's order once: Completed is done (the
// line has left), Cancelled and Rejected end it, Error needs a person,
// anything else waits.
func (r *Runner) monitorPortOut(ctx context.Context, i plan.StepID, rec *checkpoint.Record) outcome {
	orderID := r.portOutOrder(r.p.Steps[i].Row)
	if orderID == "" {
		return r.settle(i, rec, nil, nil, rowErrorf("no port-out order to follow: the row has no OrderId and no PIN was issued"), false)
	}
	if rec.IDs[colOrderID] != orderID { // a PIN issued again opened a new order
		for _, k := range []string{colPortOutStatus, colPortOutDoneAt, noteUnknownStatus, noteUnknownSince} {
			delete(rec.Data, k)
		}
	}
	prev := rec.Data[colPortOutStatus]
	o, out := r.pollOrder(ctx, i, rec, orderID)
	if o == nil {
		return out
	}
	rec.Data[colPortOutStatus] = o.OrderStatus
	rec.State = checkpoint.Waiting
	switch {
	case strings.EqualFold(o.OrderStatus, telegent.PortCompleted):
		rec.State = checkpoint.Done
		done := apiTime(o.CompletedDate)
		if done == "" {
			done = r.now().Format(timeLayout)
			rec.Data[noteCompletedSeen] = "yes"
		}
		rec.Data[colPortOutDoneAt] = done
	case strings.EqualFold(o.OrderStatus, telegent.PortCancelled), strings.EqualFold(o.OrderStatus, telegent.PortRejected):
		rec.State = checkpoint.Cancelled
		rec.ErrMessage = "the port-out order " + orderID + " is " + o.OrderStatus + ": the line stays; " +
			firstNonEmpty(o.OrderStatusMessage, "the gaining carrier did not take the number")
	case strings.EqualFold(o.OrderStatus, telegent.OrderError):
		rec.State = checkpoint.NeedsAttention
		rec.ErrClass = checkpoint.ClassUnknown
		rec.ErrMessage = "the port-out order " + orderID + " is in Error: " + firstNonEmpty(o.OrderStatusMessage, "no message given") +
			" — ask Telegent support about the order; keep the line in service until it is settled"
	default:
		r.unknownStatus(rec, o, "port-out")
	}
	r.noteStatus(rec, colPortOutStatus, prev)
	r.put(*rec)
	return outcome{i: i, rec: *rec, state: rec.State}
}

// awaitPortOut admits the monitor m of a port-out: the order a PIN this
// run just issued has nothing new to say yet, so its first poll waits a
// poll interval, showing the status the PIN's answer gave.
func (r *Runner) awaitPortOut(m plan.StepID) walk.Admission {
	issue := r.p.RowStep(r.p.Steps[m].Row, plan.PortOutIssue)
	if issue < 0 || !r.steps[issue].sent {
		return walk.Admission{}
	}
	pin := r.record(issue)
	rec := r.record(m)
	rec.Fingerprint, rec.SecretMAC = r.p.Rows[r.p.Steps[m].Row].Fingerprint(r.o.MACKey)
	if rec.IDs == nil {
		rec.IDs = map[string]string{}
	}
	if rec.Data == nil {
		rec.Data = map[string]string{}
	}
	prev := rec.Data[colPortOutStatus]
	if rec.IDs[colOrderID] != pin.IDs[colOrderID] {
		prev = ""
		for _, k := range []string{colPortOutStatus, colPortOutDoneAt, noteUnknownStatus, noteUnknownSince} {
			delete(rec.Data, k)
		}
	}
	rec.IDs[colOrderID] = pin.IDs[colOrderID]
	rec.Data[colPortOutStatus] = pin.Data[colPortStatus]
	r.noteStatus(&rec, colPortOutStatus, prev)
	rec.State = checkpoint.Waiting
	clearErr(&rec)
	rec.UpdatedAt = r.now()
	r.put(rec)
	r.outs.set(m, &outcome{i: m, rec: rec, state: checkpoint.Waiting})
	return walk.Admission{Defer: true, After: r.pollAfter(m, rec)}
}

package jobs

import (
	"strings"
	"time"

	"telegent-bulk/checkpoint"
	"telegent-bulk/plan"
	"telegent-bulk/telegent"
)

// A port-in row's order goes through one life, whichever run sees which
// part of it: it is submitted, open at the carrier, then completed (and its
// number bound), rejected, cancelled, or in Error. A rejection is either
// left as it is (the row still holds the values that were refused) or
// fixed (the row changed since they were sent): a fixed one is updated on
// the same order, which is then open again. A cancelled order is final
// until the row says Action=resubmit, which opens a fresh one.
//
// The row's steps each keep a part of that life in their records: the
// submit the OrderId and the values last sent, the monitor the status
// last polled, a cancel the order it cancelled, the bind the binding.
// portOrder reads them together into one state; the run, resume and the
// preview decide from it (see resumePorts, fixedSinceSubmit, follow).

// portState is where a port-in row's order stands.
type portState uint8

const (
	portNone      portState = iota // no order: never submitted
	portSubmitted                  // sent; not followed yet
	portOpen                       // open at the carrier: polled until it is decided
	portUpdated                    // open again after an update fixed a rejection
	portRejected                   // rejected, the row as it was sent: nothing to send until the row changes
	portFixed                      // rejected, the row changed since: update the same order
	portCancelled                  // cancelled: final until Action=resubmit
	portCompleted                  // ported; the number still to bind
	portBound                      // ported and bound to its subscriber
	portError                      // in Error at the platform: a person must look
)

var portStateNames = [...]string{"none", "submitted", "open", "updated", "rejected", "fixed", "cancelled",
	"completed", "bound", "error"}

func (s portState) String() string { return portStateNames[s] }

// portOrder is a port-in row's order as its steps' records tell it.
type portOrder struct {
	ID     string // the order followed: the submit's OrderId, else the row's
	Status string // PortStatus as the monitor last saw it
	State  portState
}

// portSend is what a port-in submit step sends when it runs.
type portSend uint8

const (
	sendOrder    portSend = iota // a new order
	sendUpdate                   // portin/update on the order: the row fixes its rejection
	sendResubmit                 // a fresh order after a cancelled one (Action=resubmit)
)

// polledState is where an order whose details say status stands.
func polledState(status string) portState {
	switch status {
	case telegent.PortCompleted:
		return portCompleted
	case telegent.PortRejected:
		return portRejected
	case telegent.OrderError:
		return portError
	case telegent.PortCancelled:
		return portCancelled
	}
	return portOpen // any other status, one no document names included, is not decided yet
}

// monitorState is the state of the monitor step of an order in state s:
// done once ported, failed when rejected (the row says what to fix),
// needing attention in Error, cancelled, else waiting.
func (s portState) monitorState() checkpoint.State {
	switch s {
	case portCompleted, portBound:
		return checkpoint.Done
	case portRejected, portFixed:
		return checkpoint.Failed
	case portError:
		return checkpoint.NeedsAttention
	case portCancelled:
		return checkpoint.Cancelled
	}
	return checkpoint.Waiting
}

// portOrderOf reads the order of port-in row ri from its steps' records,
// by key, so that it serves rows whose plan has none of those steps (a
// row now Action=cancel).
func (l *ledger) portOrderOf(ri plan.RowID) portOrder {
	row := &l.p.Rows[ri]
	get := func(a plan.Action) checkpoint.Record {
		rec, _, _ := l.recs.Get(checkpoint.Key(plan.MakeKey(row.Kind, row.Key, a)))
		return rec
	}
	sub := get(plan.PortInSubmit)
	o := portOrder{ID: orderOf(row, sub)}
	if o.ID == "" {
		return o
	}
	mon := get(plan.PortInMonitor)
	o.Status = mon.Data[colPortStatus]
	cancel := get(plan.PortInCancel)
	switch {
	case (cancel.State == checkpoint.Cancelled || cancel.State == checkpoint.Done) && cancel.IDs[colOrderID] == o.ID,
		mon.State == checkpoint.Cancelled && cancelledOrder(mon) == o.ID:
		o.State = portCancelled
	case o.Status == "":
		o.State = portSubmitted
	case o.Status == telegent.PortRejected && l.rowChanged(ri, sub):
		// The submit's record holds the values last sent (by the submit
		// or by an update): a row edited since, even while the order was
		// still open, is sent as an update.
		o.State = portFixed
	case o.Status == telegent.PortCompleted && get(plan.NumberBind).State == checkpoint.Done:
		o.State = portBound
	default:
		o.State = polledState(o.Status)
		if o.State == portOpen && sub.Data[noteUpdates] != "" {
			o.State = portUpdated
		}
	}
	return o
}

// orderID returns the order of port-in row ri: the one its submit step
// obtained, else the row's OrderId column.
func (l *ledger) orderID(ri plan.RowID) string {
	row := &l.p.Rows[ri]
	sub, _, _ := l.recs.Get(checkpoint.Key(plan.MakeKey(row.Kind, row.Key, plan.PortInSubmit)))
	return orderOf(row, sub)
}

// orderOf returns the order of port-in row, whose submit's record is sub.
func orderOf(row *plan.Row, sub checkpoint.Record) string {
	return firstNonEmpty(sub.IDs[colOrderID], ownValue(row, colOrderID))
}

// resumePorts applies the port-in rules of resume on top of the generic
// ones: a cancelled order stays cancelled whatever the row says until
// Action=resubmit; a rejected order whose row was fixed is updated (never
// submitted twice); a cancel is final for the order it cancelled, and a
// later order is cancelled again.
func (rs *resumer) resumePorts() {
	for ri := range rs.p.Rows {
		if rs.p.Rows[ri].Kind == plan.PortIns {
			rs.resumePort(plan.RowID(ri))
		}
	}
}

func (rs *resumer) resumePort(ri plan.RowID) {
	o := rs.portOrderOf(ri)
	action := strings.ToLower(rs.p.Rows[ri].Get("Action"))
	if action == "cancel" {
		c := rs.p.RowStep(ri, plan.PortInCancel)
		if c >= 0 && (rs.steps[c].state == checkpoint.Cancelled || rs.steps[c].state == checkpoint.Done) &&
			o.ID != "" && rs.record(c).IDs[colOrderID] != o.ID {
			rs.set(c, checkpoint.Pending, whyCancelLater)
		}
		return
	}
	submit := rs.p.RowStep(ri, plan.PortInSubmit)
	monitor := rs.p.RowStep(ri, plan.PortInMonitor)
	if monitor < 0 {
		return
	}
	if o.State == portCancelled {
		rs.cancelledOrder(ri, o, action == "resubmit" && submit >= 0)
		return
	}
	// Steps cancelled with an earlier order (before Action=resubmit)
	// belong to the current order now.
	for _, a := range portRowSteps {
		if s := rs.p.RowStep(ri, a); s >= 0 && rs.steps[s].state == checkpoint.Cancelled && cancelledOrder(rs.record(s)) != o.ID {
			rs.set(s, checkpoint.Pending, whyLaterOrder)
		}
	}
	if o.State == portFixed && rs.steps[submit].state == checkpoint.Done {
		rs.set(submit, checkpoint.Pending, whyUpdate)
		rs.steps[submit].send = sendUpdate
		rs.set(monitor, checkpoint.Pending, whyUpdate)
	}
}

// cancelledOrder decides about the steps of row ri, whose order o was
// cancelled: with resubmit they all run again for a fresh order, else
// they are cancelled too.
func (rs *resumer) cancelledOrder(ri plan.RowID, o portOrder, resubmit bool) {
	for _, a := range portRowSteps {
		s := rs.p.RowStep(ri, a)
		switch {
		case s < 0:
		case resubmit:
			rs.set(s, checkpoint.Pending, whyResubmit)
		default:
			rs.set(s, checkpoint.Cancelled, whyOrderGone)
			rs.markCancelled(rs.p.Key(s), o.ID, true)
		}
	}
	if resubmit {
		rs.steps[rs.p.RowStep(ri, plan.PortInSubmit)].send = sendResubmit
	}
}

// fixedSinceSubmit handles a rejection that the row already fixes (the
// row was edited after its order was sent, while the order was open or
// during this run's polling): the same order is updated at once, here in
// this run, and followed again, so that the monitor's dependents wait
// for it instead of being skipped. It returns the submit to run again, or
// -1. It is called by the monitor's task, after its record is written.
func (r *Runner) fixedSinceSubmit(out outcome) plan.StepID {
	st := &r.p.Steps[out.i]
	if st.Action != plan.PortInMonitor || out.rec.Data[colPortStatus] != telegent.PortRejected {
		return -1
	}
	submit := r.p.RowStep(st.Row, plan.PortInSubmit)
	if submit < 0 || !r.inScope(submit) || r.portOrderOf(st.Row).State != portFixed {
		return -1
	}
	r.steps[submit].send = sendUpdate
	return submit
}

// follow moves a monitor's record mon to the order its submit (record
// sub) just sent, a new one or the same one updated: waiting, with the
// status the answer gave. A fresh order (Action=resubmit) drops the last
// one's facts.
func follow(mon *checkpoint.Record, sub checkpoint.Record) {
	if mon.IDs == nil {
		mon.IDs = map[string]string{}
	}
	if mon.Data == nil {
		mon.Data = map[string]string{}
	}
	if mon.IDs[colOrderID] != sub.IDs[colOrderID] {
		delete(mon.IDs, colPhoneNumberID)
		for _, k := range []string{colDeclinedAttempts, colLastDeclinedAt, colPortCompletedAt, noteCancelledOrder, noteCompletedSeen} {
			delete(mon.Data, k)
		}
	}
	mon.IDs[colOrderID] = sub.IDs[colOrderID]
	mon.Data[colPortStatus] = sub.Data[colPortStatus]
	mon.State = checkpoint.Waiting
	clearErr(mon)
	mon.UpdatedAt = time.Now().UTC()
}

// cancelledOrder returns the order a cancelled step was cancelled with.
func cancelledOrder(rec checkpoint.Record) string {
	return firstNonEmpty(rec.Data[noteCancelledOrder], rec.IDs[colOrderID])
}

// adoptKnownOrder takes the submit step of a port-in row that names its
// existing order (a results workbook fed back with a new checkpoint) as
// done by that order: the order is followed, and a fixed row updates it;
// nothing is submitted again.
func (rs *resumer) adoptKnownOrder(i plan.StepID) {
	ri := rs.p.Steps[i].Row
	now := time.Now().UTC()
	// The order is taken to hold the row's values, its PortInDate too.
	rec := checkpoint.Record{Key: checkpoint.Key(rs.p.Key(i)), State: checkpoint.Done,
		IDs: map[string]string{colOrderID: rs.p.KnownOrder(ri)}, StartedAt: now, UpdatedAt: now,
		Data: map[string]string{noteDateSent: rs.p.Rows[ri].Get("PortInDate")}}
	rec.Fingerprint, rec.SecretMAC = rs.p.Rows[ri].Fingerprint(rs.o.MACKey)
	rec.Data[noteFieldsSent] = updateFingerprint(rs.portUpdate(ri, ""), rs.o.MACKey)
	if sent := fedBack(rs.p, ri, colOrderDigest); sent != "" {
		// The results that show the order showed what it last received:
		// the row has changed since only if it differs from that (or
		// gives a secret, which the results never show).
		rec.Fingerprint, rec.SecretMAC = sent, ""
	} else if strings.EqualFold(fedBack(rs.p, ri, colPortStatus), telegent.PortRejected) {
		rec.Data[noteUnknownSent] = "yes"
	}
	rs.put(rec)
	rs.set(i, checkpoint.Done, whyKnownOrder)
}

// knownOrder tells whether step i, whose record is rec (ok false: none),
// is the submit of a row that names its order, to be taken as done by it:
// with no record (a new checkpoint), or one whose answer was lost (the
// user found the order and put it in the row).
func (rs *resumer) knownOrder(i plan.StepID, rec checkpoint.Record, ok bool) bool {
	st := &rs.p.Steps[i]
	return st.Action == plan.PortInSubmit && rs.p.KnownOrder(st.Row) != "" &&
		(!ok || rec.State == checkpoint.InFlight || rec.State == checkpoint.NeedsAttention)
}

// fedBack returns the value of a column that a results workbook added
// (Status, PortStatus, …) in row ri, or "": such columns are read, not
// validated, and take no part in the plan.
func fedBack(p *plan.Plan, ri plan.RowID, col string) string {
	row := &p.Rows[ri]
	t := &p.Tables[row.Table]
	for c, canon := range t.Canon {
		if canon == col && c < row.NumCells() {
			return strings.TrimSpace(row.Cell(c))
		}
	}
	return ""
}

// portRowSteps are the actions of a port-in row, in order.
var portRowSteps = []plan.Action{plan.PortInEligibility, plan.PortInSubmit, plan.PortInMonitor,
	plan.NumberBind, plan.SubscriptionCreate, plan.DataUsageSet, plan.MessageFilterCreate}

package jobs

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"telegent-bulk/checkpoint"
	"telegent-bulk/plan"
	"telegent-bulk/telegent"
)

// The calls of a port-in row's steps: eligibility, the submit (or the
// update of a rejected order, or a fresh order after a cancelled one), the
// monitor's polls (with the update of an open order whose row changed), and
// a cancel. Where the order stands between them is
// portOrder's (portorder.go).

// prepareEligibility asks whether the row's number can be ported in.
func (r *Runner) prepareEligibility(_ context.Context, _ *checkpoint.Record, ri plan.RowID) (sendFunc, error) {
	row := &r.p.Rows[ri]
	target := row.Get("TargetClassification") // mvno, iot or Landline; the port's class when empty
	return func(ctx context.Context) (map[string]string, map[string]string, error) {
		e, err := r.c.PortInEligibility(ctx, telegent.EligibilityRequest{PhoneNumber: row.Key, TargetClassification: target})
		if err != nil {
			return nil, nil, err
		}
		data := map[string]string{colEligible: yesNo(e.Eligible), colCurrentCarrier: e.CurrentCarrier, colMessage: e.Message}
		if !e.Eligible {
			return nil, data, rowErrorf("not eligible for port-in: %s — this number cannot be ported into %s", e.Message, target)
		}
		return nil, data, nil
	}, nil
}

// portInFields fills a port request's fields from the row.
func (r *ledger) portInFields(ri plan.RowID) telegent.PortInRequest {
	row := &r.p.Rows[ri]
	name := row.Get("SubscriberName")
	if name == "" {
		if pr, _ := r.p.Parent(ri, plan.Subscribers); pr >= 0 {
			name = r.p.Rows[pr].Get("Name")
		}
	}
	var addr telegent.Address
	if a := address(row, "Billing", false); a != nil {
		addr = *a
	}
	return telegent.PortInRequest{
		PortInNumber:               row.Key,
		CurrentCarrierName:         row.Get("CurrentCarrierName"),
		CurrentAccountNumber:       row.Get("CurrentAccountNumber"),
		CurrentAccountPassword:     row.Get("CurrentAccountPassword"),
		CurrentBillingAddress:      addr,
		ICCID:                      row.Get("ICCID"),
		TargetPortinClassification: row.Get("TargetPortinClassification"), // mvno unless the row says iot
		SubscriberName:             name,
	}
}

// portInDate returns a port-in row's PortInDate as the wire writes it
// (telegent.PortInDateLayout), or "".
func portInDate(row *plan.Row) string {
	d := row.Get("PortInDate")
	if t, err := time.Parse("2006-01-02", d); err == nil {
		return t.Format(telegent.PortInDateLayout)
	}
	return d
}

// submit opens the port order, or — after a rejection whose row was fixed —
// updates the same order with the row's current values.
func (r *Runner) submit(ctx context.Context, i plan.StepID, rec *checkpoint.Record) outcome {
	ri := r.p.Steps[i].Row
	req := r.portInFields(ri)
	switch r.steps[i].send {
	case sendUpdate:
		orderID := firstNonEmpty(rec.IDs[colOrderID], r.p.KnownOrder(ri))
		delete(rec.Data, noteUnknownSent) // from now on, the record holds what was sent
		up := r.portUpdate(ri, orderID)
		return r.call(ctx, i, rec, func(ctx context.Context) (map[string]string, map[string]string, error) {
			u, err := r.c.UpdatePortIn(ctx, up)
			if err != nil {
				return nil, nil, err
			}
			n, _ := strconv.Atoi(rec.Data[noteUpdates])
			return nil, map[string]string{colPortStatus: u.Status, noteUpdates: strconv.Itoa(n + 1),
				noteUpdatedOrderAt: r.now().Format(timeLayout), noteDateSent: r.p.Rows[ri].Get("PortInDate"),
				noteFieldsSent: updateFingerprint(up, r.o.MACKey)}, nil
		})
	case sendResubmit:
		if prev := rec.IDs[colOrderID]; prev != "" {
			rec.Data[notePreviousOrder] = prev
		}
		delete(rec.IDs, colOrderID)
		delete(rec.Data, colPortStatus)
	}
	delete(rec.Data, noteDateSent) // a new order has no date yet
	if err := r.fence(ctx, rec, req.PortInNumber); err != nil {
		return r.settle(i, rec, nil, nil, err, false)
	}
	sent := updateFingerprint(r.portUpdate(ri, ""), r.o.MACKey) // what the order holds once submitted
	return r.create(ctx, i, rec, func(ctx context.Context) (map[string]string, map[string]string, error) {
		p, err := r.c.PortIn(ctx, req)
		if err != nil {
			return nil, nil, err
		}
		// The API's own clock dates the order, and dates its completion
		// where the order details say when (CompletedDate); where they do
		// not, the completion is dated when the runner saw it, and
		// days-to-complete counts from SentAt: never two clocks at once.
		now := r.now().Format(timeLayout)
		submitted := apiTime(p.OrderDate)
		if submitted == "" {
			submitted = now
		}
		return map[string]string{colOrderID: p.OrderId, colPhoneNumber: p.PhoneNumber},
			map[string]string{colPortStatus: p.Status, colSubmittedAt: submitted, noteSentAt: now, noteFieldsSent: sent}, nil
	})
}

// pollOrder asks for the details of order orderID as step i's call. It
// returns them, or nil with the outcome to report when the call did not
// end in an answer.
func (r *Runner) pollOrder(ctx context.Context, i plan.StepID, rec *checkpoint.Record, orderID string) (*telegent.OrderDetails, outcome) {
	var o *telegent.OrderDetails
	out := r.call(ctx, i, rec, func(ctx context.Context) (map[string]string, map[string]string, error) {
		var err error
		o, err = r.c.Order(ctx, orderID)
		return map[string]string{colOrderID: orderID}, nil, err
	})
	if out.state != checkpoint.Done {
		return nil, out
	}
	return o, out
}

// monitor polls the order once: Completed is done, Rejected fails the row
// with the reason and the columns to fix, Error needs a person, an open
// order is waiting (one in a status no document names for a bounded
// time; see unknownStatus). What the row changed since the order last got
// its values, its PortInDate included (the submit body has no date), goes
// out with the poll of an order that is not final, as one update (see
// sendChanges).
func (r *Runner) monitor(ctx context.Context, i plan.StepID, rec *checkpoint.Record) outcome {
	orderID := r.orderID(r.p.Steps[i].Row)
	if orderID == "" {
		return r.settle(i, rec, nil, nil, rowErrorf("no port order to follow: the row has no OrderId and was never submitted"), false)
	}
	prevStatus := rec.Data[colPortStatus]
	o, out := r.pollOrder(ctx, i, rec, orderID)
	if o == nil {
		return out
	}
	if !portFinal(o.OrderStatus) {
		if refusal := r.sendChanges(ctx, i, orderID); refusal != nil {
			// The order may have moved on since it was read (a completed
			// order takes no update): read it again before blaming the row.
			o2, err := r.c.Order(ctx, orderID)
			switch {
			case err != nil:
				// Unanswered: the refusal may be the order's moving on
				// as well as the row's. The order stays as first read;
				// the changes were not recorded as sent, so the next
				// poll sends them again.
				r.log.Warn("an update of an open port order was refused and the order could not be read again; the next poll tries again",
					"step", string(r.p.Key(i)), "status", refusal.Status, "error", err)
			case portFinal(o2.OrderStatus):
				o = o2
			default:
				rec.State = checkpoint.Failed
				rec.ErrClass, rec.ErrStatus = checkpoint.ClassFailRow, refusal.Status
				rec.ErrMessage = fmt.Sprintf("%d %s — the order is open (%s), but the API refused the row's changes "+
					"(PortInDate %s, carrier details, address): fix the cell the message names and re-run",
					refusal.Status, refusal.Message, o2.OrderStatus, r.p.Rows[r.p.Steps[i].Row].Get("PortInDate"))
				rec.Data[colPortStatus] = o2.OrderStatus
				r.put(*rec)
				return outcome{i: i, rec: *rec, state: rec.State}
			}
		}
	}
	rec.Data[colPortStatus] = o.OrderStatus
	noteDeclines(rec, o, prevStatus)
	state := polledState(o.OrderStatus)
	rec.State = state.monitorState()
	switch state {
	case portCompleted:
		r.portCompleted(ctx, i, rec, o)
	case portRejected:
		rec.ErrClass = checkpoint.ClassRejected
		rec.ErrMessage = rejection(o)
	case portError:
		// The order-details page: "Error — see OrderStatusMessage". What
		// went wrong is the platform's, not the row's: a person looks.
		rec.ErrClass = checkpoint.ClassUnknown
		rec.ErrMessage = "the port order " + orderID + " is in Error: " + firstNonEmpty(o.OrderStatusMessage, "no message given") +
			" — ask Telegent support about the order; cancel it (Action=cancel) and resubmit if they say so"
	case portCancelled:
		rec.ErrClass, rec.ErrMessage = checkpoint.ClassNone, "the order was cancelled"
	case portOpen:
		r.unknownStatus(rec, o, "port-in")
	}
	r.noteChange(rec, prevStatus)
	r.put(*rec)
	return outcome{i: i, rec: *rec, state: rec.State}
}

// noteDeclines keeps the count and time of rejections. The order details
// carry DeclinedAttempts and LastDeclinedAt only on some platforms (the
// vendor documents neither); without them the runner counts the
// rejections it sees itself.
func noteDeclines(rec *checkpoint.Record, o *telegent.OrderDetails, prevStatus string) {
	turned := o.OrderStatus == telegent.PortRejected && prevStatus != telegent.PortRejected
	declined, _ := strconv.Atoi(rec.Data[colDeclinedAttempts])
	if o.DeclinedAttempts > declined {
		declined = o.DeclinedAttempts
	} else if turned {
		declined++
	}
	if declined > 0 {
		rec.Data[colDeclinedAttempts] = strconv.Itoa(declined)
	}
	if o.LastDeclinedAt != "" {
		rec.Data[colLastDeclinedAt] = apiTime(o.LastDeclinedAt)
	} else if turned {
		rec.Data[colLastDeclinedAt] = time.Now().UTC().Format(time.RFC3339)
	}
}

// portCompleted records a completed port: its number's NID, which the
// order details give only on some platforms (the vendor documents show
// none), else the documented inventory does; and when it completed.
func (r *Runner) portCompleted(ctx context.Context, i plan.StepID, rec *checkpoint.Record, o *telegent.OrderDetails) {
	nid := o.PhoneNumberId
	if nid == "" {
		phone := r.p.Rows[r.p.Steps[i].Row].Key
		if ns, err := r.c.Inventory(ctx, telegent.InventoryFilter{PhoneNumber: phone}); err == nil {
			for _, n := range ns {
				if n.PhoneNumber == phone && n.PhoneNumberId != "" {
					nid = n.PhoneNumberId
				}
			}
		} else {
			r.log.Warn("could not look up the number of a completed port; the bind names it by phone number",
				"number", phone, "error", err)
		}
	}
	if nid != "" {
		rec.IDs[colPhoneNumberID] = nid
	}
	done := apiTime(o.CompletedDate)
	if done == "" {
		done = time.Now().UTC().Format(time.RFC3339)
		rec.Data[noteCompletedSeen] = "yes"
	}
	rec.Data[colPortCompletedAt] = done
	rec.State = checkpoint.Done
}

// cancel cancels a row's port order; cancel is final.
func (r *Runner) cancel(ctx context.Context, i plan.StepID, rec *checkpoint.Record) outcome {
	orderID := r.orderID(r.p.Steps[i].Row)
	if orderID == "" {
		var err error
		var unknown bool
		if orderID, unknown, err = r.lostSubmit(ctx, i); errors.Is(err, ErrAborted) {
			return outcome{i: i, fatal: err}
		} else if err != nil {
			return r.settle(i, rec, nil, nil, err, false)
		}
		if unknown {
			rec.State = checkpoint.NeedsAttention
			rec.ErrClass, rec.ErrStatus = checkpoint.ClassUnknown, 0
			rec.ErrMessage = "the answer to this number's submit was lost and no lookup can tell whether an order was " +
				"opened: ask Telegent support for the number's port-in order and put its OrderId in the row to cancel it; " +
				"if no order was opened, there is nothing to cancel"
			rec.UpdatedAt = time.Now().UTC()
			r.put(*rec)
			return outcome{i: i, rec: *rec, state: checkpoint.NeedsAttention}
		}
	}
	if orderID == "" {
		return r.settle(i, rec, nil, nil, rowErrorf("nothing to cancel: this number has no port order (no OrderId in the row or the state)"), false)
	}
	out := r.call(ctx, i, rec, func(ctx context.Context) (map[string]string, map[string]string, error) {
		c, err := r.c.CancelPortIn(ctx, orderID)
		if err != nil {
			if te, ok := asAPIError(err); ok && (te.Status == http.StatusBadRequest || te.Status == http.StatusConflict) {
				// The documents list no 409; an older page answers one.
				return nil, nil, rowErrorf("cannot cancel order %s: %d %s (a completed port cannot be cancelled)",
					orderID, te.Status, te.Message)
			}
			return nil, nil, err
		}
		return map[string]string{colOrderID: orderID}, map[string]string{colPortStatus: c.Status}, nil
	})
	if out.state == checkpoint.Done {
		out.state = checkpoint.Cancelled
		out.rec.State = checkpoint.Cancelled
		r.put(out.rec)
		// The order's other steps (from the row's earlier Action=submit)
		// are over too: the monitor must not list it as open any more.
		for _, a := range portRowSteps[2:] {
			r.markCancelled(r.p.Key(i).Sibling(a), orderID, false)
		}
	}
	return out
}

// lostSubmit settles the submit of a row now being cancelled when its
// answer was lost (the submit is in-flight, or needs attention, in the
// checkpoint): the order it may have opened is looked up, recorded, and
// returned to be cancelled. It returns "" when the submit never reached the
// API, and unknown when no lookup can tell.
func (r *Runner) lostSubmit(ctx context.Context, cancel plan.StepID) (orderID string, unknown bool, err error) {
	key := checkpoint.Key(r.p.Key(cancel).Sibling(plan.PortInSubmit))
	sub, ok, err := r.s.Get(key)
	if err != nil || !ok || (sub.State != checkpoint.InFlight && sub.State != checkpoint.NeedsAttention) {
		return "", false, err
	}
	v, err := r.lostOrder(ctx, sub, r.p.Rows[r.p.Steps[cancel].Row].Key)
	if err != nil {
		return "", false, err
	}
	if v.kind == vAttention {
		return "", true, nil
	}
	if v.kind != vFound {
		return "", false, nil
	}
	sub.State = checkpoint.Done
	clearErr(&sub)
	if sub.IDs == nil {
		sub.IDs = map[string]string{}
	}
	mergeInto(sub.IDs, v.ids)
	sub.UpdatedAt = time.Now().UTC()
	if err := r.s.PutSync(sub); err != nil {
		return "", false, fmt.Errorf("%w: checkpoint unwritable: %w", ErrAborted, err)
	}
	return v.ids[colOrderID], false, nil
}

// apiTime rewrites a time the API gave (ISO 8601 with 6 or 7 fractional
// digits and an offset) as the results show every time: RFC 3339 in UTC.
// A value it cannot read is kept as the API wrote it.
func apiTime(s string) string {
	if t, err := parseTime(s); err == nil {
		return t.UTC().Format(time.RFC3339)
	}
	return s
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

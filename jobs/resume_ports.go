package jobs

import (
	"strconv"
	"strings"
	"time"

	"telegent-bulk/checkpoint"
	"telegent-bulk/plan"
	"telegent-bulk/telegent"
)

// portRowSteps are the actions of a port-in row, in order.
var portRowSteps = []plan.Action{plan.PortInEligibility, plan.PortInSubmit, plan.PortInMonitor,
	plan.NumberBind, plan.SubscriptionCreate, plan.DataUsageSet, plan.MessageFilterCreate}

// loadPorts applies the port-in rules of resume on top of the generic ones:
// a cancelled order stays cancelled whatever the row says until
// Action=resubmit; a rejected order whose row changed is updated (never
// submitted twice).
func (r *Runner) loadPorts() {
	for ri := range r.p.Rows {
		row := &r.p.Rows[ri]
		if row.Kind != plan.PortIns {
			continue
		}
		action := strings.ToLower(row.Get("Action"))
		if action == "cancel" {
			// Cancel is final for the order it cancelled; a later order
			// (Action=resubmit since) is cancelled again.
			c := r.p.RowStep(int32(ri), plan.PortInCancel)
			if c >= 0 && (r.steps[c].shown == checkpoint.Cancelled || r.steps[c].shown == checkpoint.Done) {
				if cur := r.portOrderID(c); cur != "" && r.record(c).IDs["OrderId"] != cur {
					r.setShown(c, checkpoint.Pending)
				}
			}
			continue
		}
		submit := r.p.RowStep(int32(ri), plan.PortInSubmit)
		monitor := r.p.RowStep(int32(ri), plan.PortInMonitor)
		if monitor < 0 {
			continue
		}
		orderID := row.Get("OrderId")
		if submit >= 0 {
			if rec := r.record(submit); rec.IDs["OrderId"] != "" {
				orderID = rec.IDs["OrderId"]
			}
		}
		if orderID != "" && r.orderCancelled(monitor, orderID) {
			if action == "resubmit" && submit >= 0 {
				for _, a := range portRowSteps {
					if s := r.p.RowStep(int32(ri), a); s >= 0 {
						r.setShown(s, checkpoint.Pending)
					}
				}
				r.steps[submit].redo = redoResubmit
			} else {
				for _, a := range portRowSteps {
					if s := r.p.RowStep(int32(ri), a); s >= 0 {
						r.setShown(s, checkpoint.Cancelled)
						r.markCancelled(r.p.Key(s), orderID, true)
					}
				}
			}
			continue
		}
		// Steps cancelled with an earlier order (before Action=resubmit)
		// belong to the current order now.
		for _, a := range portRowSteps {
			if s := r.p.RowStep(int32(ri), a); s >= 0 && r.steps[s].shown == checkpoint.Cancelled &&
				cancelledOrder(r.record(s)) != orderID {
				r.setShown(s, checkpoint.Pending)
			}
		}
		if r.record(monitor).Data["PortStatus"] != telegent.PortRejected || submit < 0 {
			continue
		}
		// The submit's record holds the values last sent (by the submit or
		// by an update): a row edited since, even while the order was still
		// open, is sent as an update; an unchanged one is not sent again.
		if r.changed(submit, r.record(submit)) && r.steps[submit].shown == checkpoint.Done {
			r.setShown(submit, checkpoint.Pending)
			r.steps[submit].redo = redoUpdate
			r.setShown(monitor, checkpoint.Pending)
		}
	}
}

// markCancelled records a step of a cancelled order as cancelled, so that
// the checkpoint, status and the results agree with what resume decided.
// A step that was done (the submit that holds the OrderId) keeps its state.
// A step with no record gets one only with create (a step of the plan).
func (r *Runner) markCancelled(key plan.StepKey, orderID string, create bool) {
	rec, ok, err := r.s.Get(checkpoint.Key(key))
	if err != nil || (ok && (rec.State == checkpoint.Cancelled || rec.State == checkpoint.Done)) || (!ok && !create) {
		return
	}
	if !ok {
		rec = checkpoint.Record{Key: checkpoint.Key(key)}
	}
	if rec.IDs == nil {
		rec.IDs = map[string]string{}
	}
	if rec.Data == nil {
		rec.Data = map[string]string{}
	}
	rec.State = checkpoint.Cancelled
	rec.Data["CancelledOrderId"] = orderID
	if strings.HasSuffix(string(key), "/"+plan.PortInMonitor.Slug()) {
		// The order's facts live on the monitor only, so that a later
		// order's bind or subscription never shows this one's.
		rec.IDs["OrderId"] = orderID
		rec.Data["PortStatus"] = telegent.PortCancelled
	}
	rec.ErrClass, rec.ErrStatus = "", 0
	rec.ErrMessage = "the order was cancelled; cancel is final: set Action=resubmit to port the number again"
	rec.UpdatedAt = time.Now().UTC()
	r.put(rec)
}

// orderCancelled tells whether orderID was cancelled: by an Action=cancel
// row of an earlier run, or as the monitor last saw it.
func (r *Runner) orderCancelled(monitor int32, orderID string) bool {
	if rec, ok, _ := r.s.Get(siblingKey(r.p.Key(monitor), plan.PortInCancel)); ok &&
		(rec.State == checkpoint.Cancelled || rec.State == checkpoint.Done) && rec.IDs["OrderId"] == orderID {
		return true
	}
	rec := r.record(monitor)
	return rec.State == checkpoint.Cancelled && cancelledOrder(rec) == orderID
}

// cancelledOrder returns the order a cancelled step was cancelled with.
func cancelledOrder(rec checkpoint.Record) string {
	return firstNonEmpty(rec.Data["CancelledOrderId"], rec.IDs["OrderId"])
}

// siblingKey returns the key of another step of the same row.
func siblingKey(k plan.StepKey, a plan.Action) checkpoint.Key {
	s := string(k)
	return checkpoint.Key(s[:strings.LastIndexByte(s, '/')+1] + a.Slug())
}

func itoa(n int) string { return strconv.Itoa(n) }

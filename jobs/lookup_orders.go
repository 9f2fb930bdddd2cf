package jobs

import (
	"context"
	"fmt"
	"strings"
	"time"

	"telegent-bulk/checkpoint"
	"telegent-bulk/plan"
	"telegent-bulk/telegent"
)

// The lookups of lost port orders: port-in submits and port-out PINs.

// reconcileOrders settles lost port-in submits and port-out PIN orders.
// The vendor documents no lookup of orders by number: only where the
// inventory record of the number shows its latest order (OrderId and
// OrderType, which some platforms add) can a lost order be found or ruled
// out. Anywhere else the step needs attention and is never sent again by
// a run: a second submit is a second port order with the carrier.
func (r *Runner) reconcilePortIns(ctx context.Context, steps []plan.StepID, out map[plan.StepID]verdict) error {
	return r.reconcileOrders(ctx, plan.PortInSubmit, steps, out)
}

func (r *Runner) reconcilePortOuts(ctx context.Context, steps []plan.StepID, out map[plan.StepID]verdict) error {
	return r.reconcileOrders(ctx, plan.PortOutIssue, steps, out)
}

func (r *Runner) reconcileOrders(ctx context.Context, a plan.Action, steps []plan.StepID, out map[plan.StepID]verdict) error {
	var filters []telegent.InventoryFilter
	for _, i := range steps {
		filters = append(filters, telegent.InventoryFilter{PhoneNumber: r.p.Rows[r.p.Steps[i].Row].Key})
	}
	numbers, err := r.inventory(ctx, filters)
	if err != nil {
		return err
	}
	byPhone := make(map[string]telegent.Number, len(numbers))
	for _, n := range numbers {
		byPhone[n.PhoneNumber] = n
	}
	for _, i := range steps {
		key := r.p.Rows[r.p.Steps[i].Row].Key
		n, ok := byPhone[key]
		v, err := r.orderVerdict(ctx, a, r.record(i), n, ok)
		if err != nil {
			return err
		}
		if v.kind == vAttention {
			v.msg = lostOrderHelp(a, key, r.p.Key(i), r.record(i).StartedAt)
		}
		out[i] = v
	}
	return nil
}

// lostOrderHelp says what to check about a lost port order and how to go
// on either way.
func lostOrderHelp(a plan.Action, number string, key plan.StepKey, sent time.Time) string {
	what, col, again := "port-in submit", colOrderID, "set Action=resubmit on the row"
	if a == plan.PortOutIssue {
		what, again = "port-out PIN", "set Action=reissue on the row"
	}
	return fmt.Sprintf("the answer to this %s was lost, and the API offers no way to look up an order by number, so "+
		"it is not sent again: ask Telegent support (or check the portal) whether %s has a %s order placed since %s. "+
		"If it has, put its order ID in the %s column and re-run; if it has none, %s (or re-run with --resend %s)",
		what, number, strings.SplitN(what, " ", 2)[0], sent.UTC().Format(time.RFC3339), col, again, key)
}

// lostOrder looks up the order of one port submit whose answer was lost:
// the submit of a row that is now Action=cancel, which the plan no longer
// has as a step.
func (r *Runner) lostOrder(ctx context.Context, rec checkpoint.Record, number string) (verdict, error) {
	ns, err := r.c.Inventory(ctx, telegent.InventoryFilter{PhoneNumber: number})
	if err != nil {
		return verdict{}, err
	}
	for _, n := range ns {
		if n.PhoneNumber == number {
			return r.orderVerdict(ctx, plan.PortInSubmit, rec, n, true)
		}
	}
	return r.orderVerdict(ctx, plan.PortInSubmit, rec, telegent.Number{}, false)
}

// orderVerdict decides whether the number's latest order, as its inventory
// record n shows it (ok false: the inventory does not list the number),
// is the one the step recorded in rec sent (a port-in submit or a
// port-out PIN). Only a record that carries OrderId and OrderType can
// tell; without them the verdict is attention.
func (r *Runner) orderVerdict(ctx context.Context, a plan.Action, rec checkpoint.Record, n telegent.Number, ok bool) (verdict, error) {
	want := "portin"
	if a == plan.PortOutIssue {
		want = "portout"
	}
	if !ok || n.OrderId == "" || n.OrderType == "" {
		return verdict{kind: vAttention}, nil
	}
	found := verdict{kind: vFound, ids: map[string]string{colOrderID: n.OrderId, colPhoneNumber: n.PhoneNumber}}
	if before, fenced := rec.Data[noteOrderFence]; fenced {
		// The number's latest order when the step went in flight: if it
		// is still the latest, this step's order was never placed; any
		// newer one of the same type is this step's, whatever became of
		// it since (rejected, cancelled).
		switch {
		case n.OrderId == before:
			return verdict{kind: vAbsent}, nil
		case n.OrderType == want:
			return found, nil
		}
		return verdict{kind: vAttention}, nil
	}
	if n.OrderType != want {
		return verdict{kind: vAbsent}, nil
	}
	// No fence (a record from an older version): an earlier order of the
	// number's (the one a resubmit replaces, a cancelled port) is not this
	// step's, and only an order placed after the step went in flight can be.
	// A step that a restored backup had not sent (noteSinceBackup) went in
	// flight no sooner than the backup was taken: any order placed since
	// is its own, even one rejected for good since (which the inventory
	// shows as cancelled); the API's clock may run a little behind ours.
	since, restored := rec.StartedAt, rec.Data[noteSinceBackup] != ""
	if n.OrderId == rec.Data[notePreviousOrder] || (want == "portin" && n.Status == telegent.PortCancelled && !restored) {
		return verdict{kind: vAbsent}, nil
	}
	if restored {
		since = since.Add(-clockSkew)
	}
	o, err := r.c.Order(ctx, n.OrderId)
	if err != nil {
		return verdict{}, err
	}
	if createdBefore(o.OrderDate, since) {
		return verdict{kind: vAbsent}, nil
	}
	return found, nil
}

// fence notes the number's latest order in rec before a port order is
// sent, so that reconciling a lost answer tells this step's order from an
// earlier campaign's without trusting two clocks.
func (r *Runner) fence(ctx context.Context, rec *checkpoint.Record, number string) error {
	ns, err := r.c.Inventory(ctx, telegent.InventoryFilter{PhoneNumber: number})
	if err != nil {
		return err
	}
	rec.Data[noteOrderFence] = ""
	for _, n := range ns {
		if n.PhoneNumber == number {
			rec.Data[noteOrderFence] = n.OrderId
		}
	}
	return nil
}

package jobs

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"telegent-bulk/checkpoint"
	"telegent-bulk/plan"
	"telegent-bulk/telegent"
)

// maxReconcileRounds bounds how often one step may be found absent and
// re-sent in one run (each re-send may be lost again).
const maxReconcileRounds = 5

// verdict is what a lookup found out about a step whose outcome was unknown.
type verdict struct {
	kind verdictKind
	ids  map[string]string
	msg  string
}

type verdictKind uint8

const (
	vAbsent    verdictKind = iota // surely not applied: send it (again)
	vFound                        // applied: adopt the IDs
	vAttention                    // cannot tell: a person must look
	vFailed                       // the platform holds something else: fail the row
	vLookAgain                    // the lookup failed: stays in-flight, the next run looks again
)

// reconcileAndApply looks up every step in idxs (one listing per kind of
// lookup, not one per step) and applies the verdicts. At start-up
// (running false) it only sets states; during a run it queues the steps to
// send again and releases the dependents of those it found.
func (r *Runner) reconcileAndApply(ctx context.Context, idxs []int32, running bool) error {
	verdicts, err := r.reconcile(ctx, idxs)
	for errors.Is(err, errNoAnswer) { // until the API answers, or the run stops for it
		verdicts, err = r.reconcile(ctx, idxs)
	}
	if err != nil {
		return err
	}
	if ctx.Err() != nil {
		// Lookups cut short say nothing: the steps stay in-flight.
		return errLookupStopped
	}

	for _, i := range idxs {
		v := verdicts[i]
		rec := r.record(i)
		rec.UpdatedAt = time.Now().UTC()
		r.rounds[i]++
		switch v.kind {
		case vAbsent:
			r.setState(i, checkpoint.Pending)
			if running {
				r.makeReady(i)
			}
			continue
		case vFound:
			rec.State = checkpoint.Done
			rec.ErrClass, rec.ErrStatus, rec.ErrMessage = "", 0, ""
			if rec.IDs == nil {
				rec.IDs = map[string]string{}
			}
			mergeInto(rec.IDs, v.ids)
			delete(rec.Data, "Conflict")
			rec.Fingerprint, rec.SecretMAC = r.p.Rows[r.p.Steps[i].Row].Fingerprint(r.o.MACKey)
		case vAttention:
			rec.State = checkpoint.NeedsAttention
			rec.ErrClass, rec.ErrMessage = "unknown", v.msg
		case vFailed:
			rec.State = checkpoint.Failed
			rec.ErrClass, rec.ErrMessage = "fail-row", v.msg
		case vLookAgain:
			rec.State = checkpoint.InFlight
			rec.ErrClass, rec.ErrMessage = "unknown", v.msg
		}
		r.put(rec)
		st := rec.State
		if st == checkpoint.InFlight {
			st = checkpoint.NeedsAttention // for this run; the record stays in-flight
		}
		if running {
			r.finish(outcome{i: i, rec: rec, state: st})
		} else {
			r.setState(i, st)
		}
	}
	return nil
}

// reconcile returns a verdict for every step in idxs. Lookups that fail
// leave their steps needing attention for this run (their records stay
// in-flight, so the next run looks again); only an abort is an error.
func (r *Runner) reconcile(ctx context.Context, idxs []int32) (map[int32]verdict, error) {
	byAction := map[plan.Action][]int32{}
	for _, i := range idxs {
		a := r.p.Steps[i].Action
		byAction[a] = append(byAction[a], i)
	}
	out := make(map[int32]verdict, len(idxs))
	for a, steps := range byAction {
		var err error
		switch a {
		case plan.AccountCreate:
			err = r.reconcileAccounts(ctx, steps, out)
		case plan.SubscriberCreate:
			err = r.reconcileSubscribers(ctx, steps, out)
		case plan.MessageRouteCreate:
			err = r.reconcileMessageRoutes(ctx, steps, out)
		case plan.VoiceRouteCreate:
			err = r.reconcileVoiceRoutes(ctx, steps, out)
		case plan.NumberProvision:
			err = r.reconcileProvisions(ctx, steps, out)
		case plan.PortInSubmit, plan.PortOutIssue:
			err = r.reconcileOrders(ctx, a, steps, out)
		case plan.SubscriptionCreate:
			err = r.reconcileSubscriptions(ctx, steps, out)
		case plan.MessageFilterCreate:
			err = r.reconcileFilters(ctx, steps, out)
		default:
			for _, i := range steps {
				out[i] = verdict{kind: vAbsent} // idempotent: sending again is harmless
			}
		}
		if err != nil {
			if telegent.Classify(err) == telegent.ClassAbort {
				return nil, fmt.Errorf("%w: %v", ErrAborted, err)
			}
			if ctx.Err() != nil {
				return nil, errLookupStopped
			}
			if r.o.Outage.holds(err) {
				return nil, errNoAnswer
			}
			for _, i := range steps {
				out[i] = verdict{kind: vLookAgain, msg: "the outcome of this create is unknown and the lookup failed (" +
					err.Error() + "); the next run looks again before anything is re-sent"}
			}
		}
	}
	return out, nil
}

// claimed returns the IDs under col already held by done steps of action a,
// so that a lookup never adopts a resource another row owns.
func (r *Runner) claimed(a plan.Action, col string) map[string]bool {
	ids := map[string]bool{}
	for i := range r.p.Steps {
		if r.p.Steps[i].Action != a || r.state[i] != checkpoint.Done {
			continue
		}
		if id := r.record(int32(i)).IDs[col]; id != "" {
			ids[id] = true
		}
	}
	return ids
}

func (r *Runner) reconcileAccounts(ctx context.Context, steps []int32, out map[int32]verdict) error {
	accounts, err := r.c.ListAccounts(ctx)
	if e, ok := asAPIError(err); ok && (e.Status == http.StatusNotFound || e.Status == http.StatusMethodNotAllowed) {
		for _, i := range steps {
			row := &r.p.Rows[r.p.Steps[i].Row]
			out[i] = verdict{kind: vAttention, msg: fmt.Sprintf("the answer to this account create was lost and the API "+
				"offers no account lookup: check whether account %q exists; if it does, put its AID in the AccountId "+
				"column, if not re-run with --retry-failed", row.Get("AccountName"))}
		}
		return nil
	}
	if err != nil {
		return err
	}
	r.adopt(steps, out, plan.AccountCreate, "AccountId", "AccountName", func(row *plan.Row, _ string) []string {
		var ids []string
		adm := row.Get("AccountAdmin")
		for _, a := range accounts {
			// An account this run created has no subscribers yet (they wait
			// for it): one that has them is someone else's of that name.
			if a.TotalSubscribers == 0 && strings.EqualFold(a.AccountName, row.Get("AccountName")) &&
				(adm == "" || a.AccountAdmin == "" || strings.EqualFold(adm, a.AccountAdmin)) {
				ids = append(ids, a.AccountId)
			}
		}
		return ids
	})
	return nil
}

// adopt gives each step the one listed resource that matches its row
// (candidates returns their IDs) and that no other step owns.
func (r *Runner) adopt(steps []int32, out map[int32]verdict, a plan.Action, col, nameCol string,
	candidates func(row *plan.Row, account string) []string) {
	taken := r.claimed(a, col)
	for _, i := range steps {
		ri := r.p.Steps[i].Row
		row := &r.p.Rows[ri]
		account, _ := r.parentID(ri, plan.Accounts)
		var match []string
		for _, id := range candidates(row, account) {
			if !taken[id] {
				match = append(match, id)
			}
		}
		switch len(match) {
		case 0:
			out[i] = verdict{kind: vAbsent}
		case 1:
			taken[match[0]] = true
			out[i] = verdict{kind: vFound, ids: map[string]string{col: match[0]}}
		default:
			out[i] = verdict{kind: vAttention, msg: fmt.Sprintf("the answer to this create was lost and the platform "+
				"has %d matches for %s %q (%s): put the right one's ID in the row", len(match), nameCol,
				row.Get(nameCol), strings.Join(match, ", "))}
		}
	}
}

func (r *Runner) reconcileSubscribers(ctx context.Context, steps []int32, out map[int32]verdict) error {
	subs, err := r.c.ListSubscribers(ctx)
	if err != nil {
		return err
	}
	byEmail := make(map[string]telegent.Subscriber, len(subs))
	for _, s := range subs {
		byEmail[strings.ToLower(s.Email)] = s
	}
	for _, i := range steps {
		ri := r.p.Steps[i].Row
		row := &r.p.Rows[ri]
		s, ok := byEmail[strings.ToLower(row.Get("Email"))]
		if !ok {
			if r.record(i).Data["Conflict"] != "" {
				// E-mails are unique across the whole platform: the
				// address belongs to a subscriber outside this
				// distributor's accounts.
				out[i] = verdict{kind: vFailed, msg: fmt.Sprintf("409 Email already exists — %s is taken on the platform by a "+
					"subscriber outside your accounts: use another e-mail for this row", row.Get("Email"))}
			} else {
				out[i] = verdict{kind: vAbsent}
			}
			continue
		}
		want, _ := r.parentID(ri, plan.Accounts)
		have := ""
		if s.Account != nil {
			have = s.Account.AccountId
		}
		if want != "" && have != "" && want != have {
			out[i] = verdict{kind: vFailed, msg: fmt.Sprintf("409 Email already exists — %s belongs to subscriber %s in account %s, "+
				"not this row's account %s: use another e-mail or put SubscriberId in the row", row.Get("Email"), s.SubscriberId, have, want)}
			continue
		}
		out[i] = verdict{kind: vFound, ids: map[string]string{"SubscriberId": s.SubscriberId, "AccountId": firstNonEmpty(have, want)}}
	}
	return nil
}

func (r *Runner) reconcileMessageRoutes(ctx context.Context, steps []int32, out map[int32]verdict) error {
	routes, err := r.c.ListMessageRoutes(ctx, "")
	if err != nil {
		return err
	}
	r.adopt(steps, out, plan.MessageRouteCreate, "MessageRouteId", "RouteName", func(row *plan.Row, account string) []string {
		var ids []string
		for _, m := range routes {
			acc := firstNonEmpty(m.AccountId, m.AccountID)
			if m.RouteName == row.Get("RouteName") && m.MessageUrl == row.Get("MessageUrl") &&
				(account == "" || acc == "" || acc == account) {
				ids = append(ids, m.MessageRouteId)
			}
		}
		return ids
	})
	return nil
}

func (r *Runner) reconcileVoiceRoutes(ctx context.Context, steps []int32, out map[int32]verdict) error {
	routes, err := r.c.ListVoiceRoutes(ctx)
	if e, ok := asAPIError(err); ok && (e.Status == http.StatusNotFound || e.Status == http.StatusMethodNotAllowed) {
		for _, i := range steps {
			out[i] = verdict{kind: vAttention, msg: "the answer to this voice route create was lost and the API offers no " +
				"voice route list: check the platform, then put its CRID in CallRouteId or re-run with --retry-failed"}
		}
		return nil
	}
	if err != nil {
		return err
	}
	r.adopt(steps, out, plan.VoiceRouteCreate, "CallRouteId", "RouteName", func(row *plan.Row, account string) []string {
		var ids []string
		for _, v := range routes {
			if v.RouteName == row.Get("RouteName") && strings.EqualFold(v.RouteType, row.Get("RouteType")) &&
				(account == "" || v.AccountId == "" || v.AccountId == account) {
				ids = append(ids, v.CallRouteId)
			}
		}
		return ids
	})
	return nil
}

// inventory returns the numbers matching any of the filters: one call per
// filter when there are few, one full listing when there are many.
func (r *Runner) inventory(ctx context.Context, filters []telegent.InventoryFilter) ([]telegent.Number, error) {
	if len(filters) > 25 {
		return r.c.Inventory(ctx, telegent.InventoryFilter{})
	}
	var all []telegent.Number
	seen := map[telegent.InventoryFilter]bool{}
	for _, f := range filters {
		if seen[f] {
			continue
		}
		seen[f] = true
		ns, err := r.c.Inventory(ctx, f)
		if err != nil {
			return nil, err
		}
		all = append(all, ns...)
	}
	return all, nil
}

func (r *Runner) reconcileProvisions(ctx context.Context, steps []int32, out map[int32]verdict) error {
	var filters []telegent.InventoryFilter
	subs := make(map[int32]string, len(steps))
	for _, i := range steps {
		sub, _ := r.parentID(r.p.Steps[i].Row, plan.Subscribers)
		subs[i] = sub
		filters = append(filters, telegent.InventoryFilter{SubscriberId: sub})
	}
	numbers, err := r.inventory(ctx, filters)
	if err != nil {
		return err
	}
	sort.Slice(numbers, func(a, b int) bool { return numbers[a].CreatedAt < numbers[b].CreatedAt })
	taken := r.claimed(plan.NumberProvision, "PhoneNumberId")
	for _, i := range steps {
		row := &r.p.Rows[r.p.Steps[i].Row]
		// Only a number bought after this step went in flight can be its
		// own; the subscriber's older numbers never are. The API's clock
		// may run a little behind ours.
		since := r.record(i).StartedAt.Add(-clockSkew)
		var found *telegent.Number
		for k := range numbers {
			n := &numbers[k]
			if taken[n.PhoneNumberId] || n.OrderType == "portin" || n.SubscriberId != subs[i] ||
				!strings.EqualFold(n.NumberType, row.Get("NumberType")) || createdBefore(n.CreatedAt, since) {
				continue
			}
			if iccid := row.Get("ICCID"); iccid != "" && n.ICCID != iccid {
				continue
			}
			if ac := row.Get("AreaCode"); ac != "" && !strings.HasPrefix(n.PhoneNumber, "+1"+ac) {
				continue
			}
			found = n
			break
		}
		if found == nil {
			out[i] = verdict{kind: vAbsent}
			continue
		}
		taken[found.PhoneNumberId] = true
		out[i] = verdict{kind: vFound, ids: map[string]string{"PhoneNumberId": found.PhoneNumberId,
			"PhoneNumber": found.PhoneNumber, "OrderId": found.OrderId, "SubscriberId": subs[i]}}
	}
	return nil
}

// reconcileOrders finds lost port-in submits and port-out PIN orders
// through the number's latest order in the inventory.
func (r *Runner) reconcileOrders(ctx context.Context, a plan.Action, steps []int32, out map[int32]verdict) error {
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
		n, ok := byPhone[r.p.Rows[r.p.Steps[i].Row].Key]
		v, err := r.orderVerdict(ctx, a, r.record(i), n, ok)
		if err != nil {
			return err
		}
		out[i] = v
	}
	return nil
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

// orderVerdict decides whether the number's latest order n (ok false: the
// inventory does not have the number) is the one that the step recorded
// in rec sent (a port-in submit or a port-out PIN).
func (r *Runner) orderVerdict(ctx context.Context, a plan.Action, rec checkpoint.Record, n telegent.Number, ok bool) (verdict, error) {
	want := "portin"
	if a == plan.PortOutIssue {
		want = "portout"
	}
	if !ok || n.OrderType != want || n.OrderId == "" {
		return verdict{kind: vAbsent}, nil
	}
	found := verdict{kind: vFound, ids: map[string]string{"OrderId": n.OrderId, "PhoneNumber": n.PhoneNumber}}
	if before, fenced := rec.Data[orderFence]; fenced {
		// The number's latest order when the step went in flight: any
		// other one is this step's, whatever became of it since
		// (rejected, cancelled).
		if n.OrderId == before {
			return verdict{kind: vAbsent}, nil
		}
		return found, nil
	}
	// No fence (a record from an older version): an earlier order of the
	// number's (the one a resubmit replaces, a cancelled port) is not this
	// step's, and only an order placed after the step went in flight can be.
	if n.OrderId == rec.Data["PreviousOrderId"] || (want == "portin" && n.Status == telegent.PortCancelled) {
		return verdict{kind: vAbsent}, nil
	}
	o, err := r.c.Order(ctx, n.OrderId)
	if err != nil {
		return verdict{}, err
	}
	if createdBefore(o.OrderDate, rec.StartedAt) {
		return verdict{kind: vAbsent}, nil
	}
	return found, nil
}

// orderFence is the record's note of a number's latest order just before
// a port submit or a port-out PIN was sent.
const orderFence = "OrderBefore"

// fence notes the number's latest order in rec before a port order is
// sent, so that reconciling a lost answer tells this step's order from an
// earlier campaign's without trusting two clocks.
func (r *Runner) fence(ctx context.Context, rec *checkpoint.Record, number string) error {
	ns, err := r.c.Inventory(ctx, telegent.InventoryFilter{PhoneNumber: number})
	if err != nil {
		return err
	}
	rec.Data[orderFence] = ""
	for _, n := range ns {
		if n.PhoneNumber == number {
			rec.Data[orderFence] = n.OrderId
		}
	}
	return nil
}

func (r *Runner) reconcileSubscriptions(ctx context.Context, steps []int32, out map[int32]verdict) error {
	subs, err := r.c.ListSubscriptions(ctx)
	if err != nil {
		return err
	}
	byTN := map[string][]telegent.Subscription{}
	for _, s := range subs {
		if s.TNID != "" {
			byTN[s.TNID] = append(byTN[s.TNID], s)
		}
	}
	for _, i := range steps {
		ri := r.p.Steps[i].Row
		nid, _ := r.lineNumber(ri)
		pkg, _ := r.resolvePackage(r.p.Rows[ri].Get("Package"))
		var found *telegent.Subscription
		for k, s := range byTN[nid] {
			if s.Active && (pkg.PackageId == "" || s.PackageId == pkg.PackageId) {
				found = &byTN[nid][k]
				break
			}
		}
		if nid == "" || found == nil {
			out[i] = verdict{kind: vAbsent}
			continue
		}
		out[i] = verdict{kind: vFound, ids: map[string]string{"SubscriptionId": found.SubscriptionId, "PackageId": found.PackageId}}
	}
	return nil
}

// reconcileFilters finds lost message filter creates: one listing per
// subscriber (a subscriber's lines share it), matched by phone number.
func (r *Runner) reconcileFilters(ctx context.Context, steps []int32, out map[int32]verdict) error {
	bySub := map[string][]telegent.MessageFilter{}
	for _, i := range steps {
		ri := r.p.Steps[i].Row
		sub, _ := r.parentID(ri, plan.Subscribers)
		_, phone := r.lineNumber(ri)
		fs, ok := bySub[sub]
		if !ok {
			var err error
			if fs, err = r.c.ListMessageFilters(ctx, sub, ""); err != nil {
				return err
			}
			bySub[sub] = fs
		}
		out[i] = verdict{kind: vAbsent}
		for _, f := range fs {
			if f.Phone == phone && f.SubscriberId == sub {
				out[i] = verdict{kind: vFound, ids: map[string]string{"FilterId": f.FilterId}}
				break
			}
		}
	}
	return nil
}

// clockSkew is how far behind ours the API's clock may be when a lookup
// compares its creation times with the time a step went in flight.
const clockSkew = 5 * time.Minute

// createdBefore tells whether an API creation time lies before t. A time
// that cannot be read is not before anything.
func createdBefore(created string, t time.Time) bool {
	c, err := parseTime(created)
	return err == nil && c.Before(t)
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

package jobs

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"telegent-bulk/checkpoint"
	"telegent-bulk/plan"
	"telegent-bulk/telegent"
)

// The lookups of lost creates of a line's things: its number (through the
// inventory), its subscription and its message filter.

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

// reconcileProvisions settles lost provisions through the documented
// inventory: a provision names its subscriber (AssignedSubscriberId), so
// the number it bought is listed under that subscriber. A number of the
// subscriber's that no done step owns, that matches the row and that is
// not one the step's fence saw before the request left, is the step's.
// Creation times are used only where the records carry them (the vendor
// documents none). A subscriber whose older numbers cannot be told from a
// new one (no fence, no creation times) makes the step need attention.
func (r *Runner) reconcileProvisions(ctx context.Context, steps []plan.StepID, out map[plan.StepID]verdict) error {
	var filters []telegent.InventoryFilter
	subs := make(map[plan.StepID]string, len(steps))
	for _, i := range steps {
		sub, _ := r.parentID(r.p.Steps[i].Row, plan.Subscribers)
		subs[i] = sub
		filters = append(filters, telegent.InventoryFilter{SubscriberId: sub})
	}
	numbers, err := r.inventory(ctx, filters)
	if err != nil {
		return err
	}
	sort.SliceStable(numbers, func(a, b int) bool { return numbers[a].CreatedAt < numbers[b].CreatedAt })
	taken := r.claimed(plan.NumberProvision, colPhoneNumberID)
	for _, i := range steps {
		ri := r.p.Steps[i].Row
		rec := r.record(i)
		var match []*telegent.Number
		undated := false
		for k := range numbers {
			n := &numbers[k]
			if taken[n.PhoneNumberId] || n.SubscriberId != subs[i] || !r.couldBeProvision(ri, rec, n) {
				continue
			}
			undated = undated || n.CreatedAt == ""
			match = append(match, n)
		}
		_, fenced := rec.Data[noteNumbersFence]
		switch {
		case len(match) == 0:
			out[i] = verdict{kind: vAbsent}
		case undated && !fenced && !r.ownSubscriber(ri):
			nums := make([]string, len(match))
			for k, n := range match {
				nums[k] = n.PhoneNumber
			}
			out[i] = verdict{kind: vAttention, msg: fmt.Sprintf("the answer to this provision was lost, and subscriber %s "+
				"already had numbers the inventory does not date (%s): if one of them was bought by this row, put it in the "+
				"row's PhoneNumber column and re-run; if none was, re-run with --resend %s", subs[i],
				strings.Join(nums, ", "), r.p.Key(i))}
		default:
			n := match[0]
			taken[n.PhoneNumberId] = true
			out[i] = verdict{kind: vFound, ids: map[string]string{colPhoneNumberID: n.PhoneNumberId,
				colPhoneNumber: n.PhoneNumber, colOrderID: n.OrderId, colSubscriberID: subs[i]}}
		}
	}
	return nil
}

// couldBeProvision tells whether inventory record n could be the number
// that the provision of row ri (record rec) bought: it matches the row in
// every field the record carries, is no number this manifest ports in,
// was not the subscriber's before the request left (fence), and — where
// the record is dated — was created after.
func (r *Runner) couldBeProvision(ri plan.RowID, rec checkpoint.Record, n *telegent.Number) bool {
	row := &r.p.Rows[ri]
	if n.OrderType == "portin" || r.portedIn()[n.PhoneNumber] {
		return false
	}
	if before, ok := rec.Data[noteNumbersFence]; ok && slices.Contains(strings.Split(before, ","), n.PhoneNumberId) {
		return false
	}
	// The API's clock may run a little behind ours.
	if createdBefore(n.CreatedAt, rec.StartedAt.Add(-clockSkew)) {
		return false
	}
	differs := func(have, want string) bool { return have != "" && want != "" && !strings.EqualFold(have, want) }
	if differs(n.NumberType, row.Get("NumberType")) || differs(n.ICCID, row.Get("ICCID")) {
		return false
	}
	if ac := row.Get("AreaCode"); ac != "" && !strings.HasPrefix(n.PhoneNumber, "+1"+ac) {
		return false
	}
	if lp, err := r.lineParents(ri); err == nil {
		if differs(n.MessageRouteId, lp.messageRoute) {
			return false
		}
		if voice, _ := row.Bool("VoiceEnabled"); voice && differs(n.VoiceRouteId, lp.voiceRoute) {
			return false
		}
	}
	return true
}

// portedIn returns the numbers this manifest ports in.
func (r *Runner) portedIn() map[string]bool {
	r.portedOnce.Do(func() {
		r.ported = map[string]bool{}
		for ri := range r.p.Rows {
			if r.p.Rows[ri].Kind == plan.PortIns {
				r.ported[r.p.Rows[ri].Key] = true
			}
		}
	})
	return r.ported
}

// ownSubscriber tells whether the subscriber of line ri was created by
// this checkpoint's runs (not given by ID, not adopted from an earlier
// existence): then every number it has came from this manifest.
func (r *Runner) ownSubscriber(ri plan.RowID) bool {
	sr, id := r.p.Parent(ri, plan.Subscribers)
	if sr < 0 || r.p.Rows[sr].Get(colSubscriberID) != "" {
		return false
	}
	s := r.p.RowStep(sr, plan.SubscriberCreate)
	if s < 0 {
		return false
	}
	e, ok := r.ids.done(s)
	if !ok {
		rec := r.record(s)
		if rec.State != checkpoint.Done {
			return false
		}
		e = createdIDs{id: rec.IDs[colSubscriberID], adopted: rec.Data[noteAdopted] != ""}
		r.ids.noteDone(plan.SubscriberCreate, s, &rec)
	}
	return !e.adopted && (id == "" || id == e.id)
}

// fenceNumbers notes, before a provision for a subscriber this run did not
// create is sent, which numbers the subscriber has already, so that a lost
// answer can be settled without creation times.
func (r *Runner) fenceNumbers(ctx context.Context, rec *checkpoint.Record, ri plan.RowID) error {
	if r.ownSubscriber(ri) {
		return nil
	}
	sub, err := r.parentID(ri, plan.Subscribers)
	if err != nil || sub == "" {
		return err
	}
	ns, err := r.c.Inventory(ctx, telegent.InventoryFilter{SubscriberId: sub})
	if err != nil {
		return err
	}
	var ids []string
	for _, n := range ns {
		if n.SubscriberId == sub && n.PhoneNumberId != "" {
			ids = append(ids, n.PhoneNumberId)
		}
	}
	rec.Data[noteNumbersFence] = strings.Join(ids, ",")
	return nil
}

func (r *Runner) reconcileSubscriptions(ctx context.Context, steps []plan.StepID, out map[plan.StepID]verdict) error {
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
		out[i] = verdict{kind: vFound, ids: map[string]string{colSubscriptionID: found.SubscriptionId, colPackageID: found.PackageId}}
	}
	return nil
}

// reconcileFilters finds lost message filter creates: one listing per
// subscriber (a subscriber's lines share it), matched by phone number.
func (r *Runner) reconcileFilters(ctx context.Context, steps []plan.StepID, out map[plan.StepID]verdict) error {
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
				out[i] = verdict{kind: vFound, ids: map[string]string{colFilterID: f.FilterId}}
				break
			}
		}
	}
	return nil
}

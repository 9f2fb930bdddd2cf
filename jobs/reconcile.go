package jobs

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"

	"telegent-bulk/checkpoint"
	"telegent-bulk/jobs/walk"
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
	data map[string]string // facts to keep on the record (vFound)
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

// resolve is the walk's resolver: it looks up every step in ids (one
// listing per kind of lookup, not one per step), records what it found
// and returns each step's state: Pending to send it (again), the outcome
// found, or Unknown when the lookup itself failed (the record stays
// in-flight, so that the next run looks again). Lookups cut short by the
// end of ctx say nothing: it returns ctx's error and the steps stay in
// flight.
func (r *Runner) resolve(ctx context.Context, nodes []int32) ([]walk.State, error) {
	ids := make([]plan.StepID, len(nodes))
	for k, n := range nodes {
		ids[k] = plan.StepID(n)
	}
	verdicts, err := r.reconcile(ctx, ids)
	if err != nil {
		if ctx.Err() == nil {
			r.resolveErr = err
		}
		return nil, err
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	states := make([]walk.State, len(ids))
	for k, i := range ids {
		v := verdicts[i]
		if v.kind == vAttention && r.declaredAbsent(i) {
			v.kind = vAbsent // the user checked: it was not applied
		}
		rec, st := r.applyVerdict(i, v)
		r.steps[i].out, r.steps[i].sent = &outcome{i: i, rec: rec, state: st}, false
		states[k] = walkState(st)
	}
	return states, nil
}

// applyVerdict records what a lookup found about step i and returns the
// record and the step's state: Pending (absent: send it), Done, Failed,
// NeedsAttention, or InFlight (the lookup failed).
func (r *Runner) applyVerdict(i plan.StepID, v verdict) (checkpoint.Record, checkpoint.State) {
	rec := r.record(i)
	rec.UpdatedAt = time.Now().UTC()
	switch v.kind {
	case vAbsent:
		return rec, checkpoint.Pending
	case vFound:
		rec.State = checkpoint.Done
		clearErr(&rec)
		if rec.IDs == nil {
			rec.IDs = map[string]string{}
		}
		mergeInto(rec.IDs, v.ids)
		if rec.Data == nil {
			rec.Data = map[string]string{}
		}
		mergeInto(rec.Data, v.data)
		delete(rec.Data, noteConflict)
		delete(rec.Data, noteRefused)
		rec.Fingerprint, rec.SecretMAC = r.p.Rows[r.p.Steps[i].Row].Fingerprint(r.o.MACKey)
	case vAttention:
		rec.State = checkpoint.NeedsAttention
		rec.ErrClass, rec.ErrMessage = checkpoint.ClassUnknown, v.msg
	case vFailed:
		rec.State = checkpoint.Failed
		rec.ErrClass, rec.ErrMessage = checkpoint.ClassFailRow, v.msg
	case vLookAgain:
		rec.State = checkpoint.InFlight
		rec.ErrClass, rec.ErrMessage = checkpoint.ClassUnknown, v.msg
	}
	r.put(rec)
	return rec, rec.State
}

// reconcile returns a verdict for every step in idxs. Lookups that fail
// leave their steps needing attention for this run (their records stay
// in-flight, so the next run looks again); only an abort is an error.
func (r *Runner) reconcile(ctx context.Context, idxs []plan.StepID) (map[plan.StepID]verdict, error) {
	byAction := map[plan.Action][]plan.StepID{}
	for _, i := range idxs {
		a := r.p.Steps[i].Action
		byAction[a] = append(byAction[a], i)
	}
	out := make(map[plan.StepID]verdict, len(idxs))
	for a, steps := range byAction {
		lookup := actions[a].lookup
		if lookup == nil {
			for _, i := range steps {
				out[i] = verdict{kind: vAbsent} // idempotent: sending again is harmless
			}
			continue
		}
		err := lookup(r, ctx, steps, out)
		if err != nil {
			if telegent.Classify(err) == telegent.ClassAbort {
				return nil, fmt.Errorf("%w: %w", ErrAborted, err)
			}
			if ctx.Err() != nil {
				return nil, ctx.Err()
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
		if r.p.Steps[i].Action != a || r.steps[i].shown != checkpoint.Done {
			continue
		}
		if id := r.record(plan.StepID(i)).IDs[col]; id != "" {
			ids[id] = true
		}
	}
	return ids
}

func (r *Runner) reconcileAccounts(ctx context.Context, steps []plan.StepID, out map[plan.StepID]verdict) error {
	accounts, err := r.c.ListAccounts(ctx)
	if e, ok := asAPIError(err); ok && (e.Status == http.StatusNotFound || e.Status == http.StatusMethodNotAllowed) {
		for _, i := range steps {
			row := &r.p.Rows[r.p.Steps[i].Row]
			out[i] = verdict{kind: vAttention, msg: fmt.Sprintf("the answer to this account create was lost and the API "+
				"offers no account lookup, so it is not sent again: check whether account %q exists; if it does, put its "+
				"AID in the AccountId column and re-run; if it does not, re-run with --resend %s", row.Get("AccountName"), r.p.Key(i))}
		}
		return nil
	}
	if err != nil {
		return err
	}
	r.adopt(steps, out, plan.AccountCreate, colAccountID, "AccountName", func(row *plan.Row, _ string) []string {
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
func (r *Runner) adopt(steps []plan.StepID, out map[plan.StepID]verdict, a plan.Action, col, nameCol string,
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

func (r *Runner) reconcileSubscribers(ctx context.Context, steps []plan.StepID, out map[plan.StepID]verdict) error {
	subs, err := r.c.ListSubscribers(ctx)
	if err != nil {
		return err
	}
	byEmail := make(map[string]telegent.Subscriber, len(subs))
	for _, s := range subs {
		byEmail[strings.ToLower(s.Email)] = s
	}
	for _, i := range steps {
		out[i] = r.subscriberVerdict(i, byEmail)
	}
	return nil
}

// subscriberVerdict settles a subscriber create whose answer was lost or
// that the API refused (rec.Data[noteRefused]): the listing has the e-mail in
// this row's account (adopt it), in another account (fail the row), or not
// at all (not created; a refused create fails with the API's message).
func (r *Runner) subscriberVerdict(i plan.StepID, byEmail map[string]telegent.Subscriber) verdict {
	ri := r.p.Steps[i].Row
	row := &r.p.Rows[ri]
	rec := r.record(i)
	why := firstNonEmpty(rec.Data[noteRefused], legacyConflict(rec))
	s, ok := byEmail[strings.ToLower(row.Get("Email"))]
	if !ok {
		if why == "" {
			return verdict{kind: vAbsent}
		}
		// E-mails are unique across the whole platform: the API refused
		// the row for a field, or the address is a subscriber's outside
		// this distributor's accounts.
		return verdict{kind: vFailed, msg: why + " — " + row.Get("Email") + " is not among your subscribers: fix the " +
			"cell the message names, or if the address is taken outside your accounts, use another e-mail, and re-run"}
	}
	want, _ := r.parentID(ri, plan.Accounts)
	have := ""
	if s.Account != nil {
		have = s.Account.AccountId
	}
	if want != "" && have != "" && want != have {
		return verdict{kind: vFailed, msg: fmt.Sprintf("%s — %s belongs to subscriber %s in account %s, not this row's "+
			"account %s: use another e-mail, or put SubscriberId in the row", firstNonEmpty(why, "Email already exists"),
			row.Get("Email"), s.SubscriberId, have, want)}
	}
	v := verdict{kind: vFound, ids: map[string]string{colSubscriberID: s.SubscriberId, colAccountID: firstNonEmpty(have, want)}}
	if why != "" {
		v.data = map[string]string{noteAdopted: "email"} // it existed before this run: its numbers may be older
	}
	return v
}

// legacyConflict reads the mark an older version wrote for a 409.
func legacyConflict(rec checkpoint.Record) string {
	if rec.Data[noteConflict] != "" {
		return "409 Email already exists"
	}
	return ""
}

func (r *Runner) reconcileMessageRoutes(ctx context.Context, steps []plan.StepID, out map[plan.StepID]verdict) error {
	routes, err := r.c.ListMessageRoutes(ctx, "")
	if err != nil {
		return err
	}
	r.adopt(steps, out, plan.MessageRouteCreate, colMessageRouteID, "RouteName", func(row *plan.Row, account string) []string {
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

func (r *Runner) reconcileVoiceRoutes(ctx context.Context, steps []plan.StepID, out map[plan.StepID]verdict) error {
	routes, err := r.c.ListVoiceRoutes(ctx)
	if e, ok := asAPIError(err); ok && (e.Status == http.StatusNotFound || e.Status == http.StatusMethodNotAllowed) {
		for _, i := range steps {
			out[i] = verdict{kind: vAttention, msg: fmt.Sprintf("the answer to this voice route create was lost and the "+
				"API offers no voice route list, so it is not sent again: check whether route %q exists; if it does, put "+
				"its CRID in the CallRouteId column and re-run; if it does not, re-run with --resend %s",
				r.p.Rows[r.p.Steps[i].Row].Get("RouteName"), r.p.Key(i))}
		}
		return nil
	}
	if err != nil {
		return err
	}
	r.adopt(steps, out, plan.VoiceRouteCreate, colCallRouteID, "RouteName", func(row *plan.Row, account string) []string {
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
	rec := r.record(s)
	return rec.State == checkpoint.Done && rec.Data[noteAdopted] == "" && (id == "" || id == rec.IDs[colSubscriberID])
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

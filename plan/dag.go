package plan

import (
	"fmt"
	"slices"
	"strings"
)

// steps builds the DAG. Kinds are visited in dependency order (accounts,
// subscribers, routes, then lines) and each row's steps in action order,
// so every step comes after the steps it depends on. A parent shared by
// many rows is one step that all of them depend on.
//
// A first pass only counts the steps and dependencies, so that the second
// allocates each list once, at its final size.
func (b *builder) steps() {
	count := dag{p: b.p, counting: true}
	b.walk(&count)
	g := dag{p: b.p, deps: make([]StepID, 0, count.ndeps)}
	b.p.Steps = make([]Step, 0, count.nsteps)
	b.walk(&g)
	b.p.deps = g.deps
}

func (b *builder) walk(g *dag) {
	if b.elig {
		for _, i := range b.byKind[PortIns] {
			if g.p.Rows[i].checksEligibility() {
				g.add(RowID(i), PortInEligibility)
			}
		}
		return
	}
	for k := range NumKinds {
		for _, i := range b.byKind[k] {
			stepsOf[k](g, RowID(i))
		}
	}
}

// dag appends steps; the dependency lists of all steps share one slice
// (Plan.deps).
type dag struct {
	p    *Plan
	deps []StepID

	counting      bool // only count steps and dependencies
	nsteps, ndeps int
}

// add appends step a of row i depending on deps (-1 entries are absent
// parents and are skipped) and returns its index.
func (g *dag) add(i RowID, a Action, deps ...StepID) StepID {
	if g.counting {
		g.nsteps++
		g.ndeps += len(deps)
		return 0
	}
	p := g.p
	s := StepID(len(p.Steps))
	r := &p.Rows[i]
	if r.nstep == 0 {
		r.step0 = s
	}
	r.nstep++
	start := len(g.deps)
next:
	for _, d := range deps {
		if d < 0 {
			continue
		}
		for _, e := range g.deps[start:] {
			if e == d {
				continue next
			}
		}
		g.deps = append(g.deps, d)
	}
	p.Steps = append(p.Steps, Step{Action: a, Row: i, depEnd: uint32(len(g.deps))})
	return s
}

// of returns the step of row i (-1 for none) with action a, or -1.
func (g *dag) of(i RowID, a Action) StepID {
	if i < 0 || g.counting {
		return -1
	}
	return g.p.RowStep(i, a)
}

var stepsOf = [NumKinds]func(g *dag, i RowID){
	Accounts:      accountSteps,
	Subscribers:   subscriberSteps,
	MessageRoutes: func(g *dag, i RowID) { routeSteps(g, i, MessageRouteCreate) },
	VoiceRoutes:   func(g *dag, i RowID) { routeSteps(g, i, VoiceRouteCreate) },
	Numbers:       numberSteps,
	PortIns:       portInSteps,
	PortOuts:      portOutSteps,
}

func accountSteps(g *dag, i RowID) {
	if g.p.Rows[i].val(acID) == "" {
		g.add(i, AccountCreate)
	}
}

func subscriberSteps(g *dag, i RowID) {
	r := &g.p.Rows[i]
	create := StepID(-1)
	if r.val(suID) == "" {
		create = g.add(i, SubscriberCreate, g.of(RowID(r.par[slotAccount]), AccountCreate))
	}
	if r.val(suGuardianCalls) != "" || r.val(suGuardianMessages) != "" || r.val(suFilterLevel) != "" {
		g.add(i, GuardianSet, create)
	}
}

func routeSteps(g *dag, i RowID, a Action) {
	r := &g.p.Rows[i]
	if r.val(ownID[r.Kind]) == "" {
		g.add(i, a, g.of(RowID(r.par[slotAccount]), AccountCreate))
	}
}

// parentCreates returns the create steps of the account, subscriber and
// routes a line names (-1 where there is none).
func (g *dag) parentCreates(i RowID) (acc, sub, mroute, vroute StepID) {
	r := &g.p.Rows[i]
	a, _ := g.p.Parent(i, Accounts)
	return g.of(a, AccountCreate), g.of(RowID(r.par[slotSubscriber]), SubscriberCreate),
		g.of(RowID(r.par[slotMessageRoute]), MessageRouteCreate), g.of(RowID(r.par[slotVoiceRoute]), VoiceRouteCreate)
}

// lineTail adds the steps that follow a line's number: subscription, data
// usage and message filter.
func (g *dag) lineTail(i RowID, number, subCreate StepID) {
	r := &g.p.Rows[i]
	if r.val(lnPackage) != "" && r.val(lnSubscriptionID) == "" {
		g.add(i, SubscriptionCreate, number, subCreate)
	}
	if r.val(lnLimit) != "" {
		g.add(i, DataUsageSet, number)
	}
	if sub := r.par[slotSubscriber]; sub >= 0 && g.p.Rows[sub].val(suFilterLevel) != "" && r.val(lnFilterID) == "" {
		g.add(i, MessageFilterCreate, number, g.of(RowID(sub), GuardianSet))
	}
}

func numberSteps(g *dag, i RowID) {
	r := &g.p.Rows[i]
	acc, sub, mroute, vroute := g.parentCreates(i)
	prov := StepID(-1)
	if r.val(lnPhoneNumberID) == "" && r.val(nuPhoneNumber) == "" {
		prov = g.add(i, NumberProvision, sub, acc, mroute, vroute)
	}
	g.lineTail(i, prov, sub)
}

func portInSteps(g *dag, i RowID) {
	r := &g.p.Rows[i]
	if r.cancelled() {
		g.add(i, PortInCancel)
		return
	}
	monitor := StepID(-1)
	if r.val(lnPhoneNumberID) == "" { // not ported yet
		var submit StepID
		if r.checksEligibility() {
			submit = g.add(i, PortInSubmit, g.add(i, PortInEligibility))
		} else {
			// The order exists: its submit is done (see KnownOrder), and
			// stays in the plan for the update a fixed row sends.
			submit = g.add(i, PortInSubmit)
		}
		monitor = g.add(i, PortInMonitor, submit)
	}
	acc, sub, mroute, vroute := g.parentCreates(i)
	bind := g.add(i, NumberBind, monitor, sub, acc, mroute, vroute)
	g.lineTail(i, bind, -1)
}

// portOutSteps: the PIN opens an order, which is followed until it is
// final (seed 002 §8.3: service stays until the port-out completes); a row
// that names its order (OrderId) only follows it.
func portOutSteps(g *dag, i RowID) {
	issue := StepID(-1)
	if g.p.Rows[i].val(poOrderID) == "" {
		issue = g.add(i, PortOutIssue)
	}
	g.add(i, PortOutMonitor, issue)
}

// KnownOrder returns the OrderId that a PortIns row carries for an order
// that exists (a results workbook fed back in), or "" (another kind, a
// cancel, a resubmit, a port already completed, no OrderId).
//
// Such a row keeps its submit step, with the key a new row's has
// (portins/<number>/submit), but no eligibility step: the order did the
// submit already. The runner takes the step as done with this OrderId when
// its checkpoint has no record of it, so that once the order is rejected
// and the row fixed, the submit step sends portin/update on this OrderId,
// never a second order.
func (p *Plan) KnownOrder(row RowID) string {
	if row < 0 || int(row) >= len(p.Rows) {
		return ""
	}
	return p.Rows[row].knownOrder()
}

// checksEligibility reports whether a PortIns row has an eligibility step,
// in the full plan and in the eligibility plan alike: not a cancel, not a
// completed port, no existing order.
func (r *Row) checksEligibility() bool {
	return !r.cancelled() && r.val(lnPhoneNumberID) == "" && r.knownOrder() == ""
}

func (r *Row) knownOrder() string {
	if r.Kind != PortIns || r.val(lnPhoneNumberID) != "" {
		return ""
	}
	switch r.val(piAction) {
	case "cancel", "resubmit":
		return ""
	}
	return r.val(piOrderID)
}

// Key returns the step key of step i.
func (p *Plan) Key(i StepID) StepKey {
	s := &p.Steps[i]
	r := &p.Rows[s.Row]
	return MakeKey(r.Kind, r.Key, s.Action)
}

// MakeKey returns the step key "<kind slug>/<natural key>/<action slug>",
// with "%" and "/" in the natural key escaped as %25 and %2F. jobs uses it
// to find the checkpoint of a step the current plan does not have (the
// submit of a port-in that is now being cancelled).
func MakeKey(k Kind, naturalKey string, a Action) StepKey {
	if strings.ContainsAny(naturalKey, "%/") {
		naturalKey = strings.NewReplacer("%", "%25", "/", "%2F").Replace(naturalKey)
	}
	return StepKey(k.Slug() + "/" + naturalKey + "/" + a.Slug())
}

// kindActions lists the actions that steps of each kind's rows may have.
var kindActions = [NumKinds][]Action{
	Accounts:      {AccountCreate},
	Subscribers:   {SubscriberCreate, GuardianSet},
	MessageRoutes: {MessageRouteCreate},
	VoiceRoutes:   {VoiceRouteCreate},
	Numbers:       {NumberProvision, SubscriptionCreate, DataUsageSet, MessageFilterCreate},
	PortIns: {PortInEligibility, PortInSubmit, PortInMonitor, PortInCancel, NumberBind, SubscriptionCreate, DataUsageSet,
		MessageFilterCreate},
	PortOuts: {PortOutIssue, PortOutMonitor},
}

// ParseStepKey splits a step key made by MakeKey into its kind, natural
// key (unescaped) and action. It fails for a key that no plan makes.
func ParseStepKey(key string) (k Kind, naturalKey string, a Action, err error) {
	kind, rest, ok1 := strings.Cut(key, "/")
	natural, slug, ok2 := strings.Cut(rest, "/")
	if !ok1 || !ok2 || natural == "" || strings.Contains(slug, "/") {
		return 0, "", 0, fmt.Errorf("step key %q: want kind/natural-key/step", key)
	}
	ki := slices.Index(kindSlugs[:], kind)
	if ki < 0 {
		return 0, "", 0, fmt.Errorf("step key %q: no kind %q", key, kind)
	}
	k = Kind(ki)
	i := slices.IndexFunc(kindActions[k], func(a Action) bool { return a.Slug() == slug })
	if i < 0 {
		return 0, "", 0, fmt.Errorf("step key %q: %s rows have no step %q", key, k, slug)
	}
	if strings.Contains(natural, "%") {
		natural = strings.NewReplacer("%2F", "/", "%25", "%").Replace(natural)
	}
	return k, natural, kindActions[k][i], nil
}

// Sibling returns the key of the step with action a of the same row.
func (k StepKey) Sibling(a Action) StepKey {
	s := string(k)
	return StepKey(s[:strings.LastIndexByte(s, '/')+1] + a.Slug())
}

// RowStep returns the index of the step of row with action a, or -1.
func (p *Plan) RowStep(row RowID, a Action) StepID {
	r := &p.Rows[row]
	for s := r.step0; s < r.step0+StepID(r.nstep); s++ {
		if p.Steps[s].Action == a {
			return s
		}
	}
	return -1
}

// RowSteps returns the steps of row: n steps from first (a row's steps
// are contiguous, in action order).
func (p *Plan) RowSteps(row RowID) (first StepID, n int) {
	r := &p.Rows[row]
	return r.step0, int(r.nstep)
}

// Parent returns the parent of kind k that row refers to. parent is the
// index of the manifest row it names (-1 when it names none); id is the
// platform ID the manifest knows for it: the row's own ID column (for
// example AccountId beside AccountRef), else the parent row's own ID
// column. The runner uses id when it is not empty, else the result of the
// parent's create step. Both are -1, "" when the row has no such parent.
// A Numbers or PortIns row that names no account has its subscriber's; a
// route row that names none has the one its lines use (see routeAccounts).
func (p *Plan) Parent(row RowID, k Kind) (parent RowID, id string) {
	r := &p.Rows[row]
	for _, rf := range kindRefs[r.Kind] {
		if rf.kind != k {
			continue
		}
		parent, id = RowID(r.par[rf.slot]), r.val(rf.idField)
		if id == "" && parent >= 0 {
			id = p.Rows[parent].val(ownID[k])
		}
		if parent < 0 && id == "" && k == Accounts {
			switch r.Kind {
			case Numbers, PortIns:
				if sub := r.par[slotSubscriber]; sub >= 0 {
					return p.Parent(RowID(sub), Accounts)
				}
			case MessageRoutes, VoiceRoutes:
				id = p.routeAccount[int32(row)]
			}
		}
		return parent, id
	}
	return -1, ""
}

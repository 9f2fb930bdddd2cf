package plan

import (
	"sort"
	"strconv"
	"strings"
)

// A message or voice route belongs to one account. Seed 002 §4 makes
// AccountId required on a route create once the distributor has more than
// one account, so a route row that names no account gets the one account
// its lines use; a route whose lines span several accounts, or that no line
// uses while the manifest has several accounts, is a problem on its
// AccountRef cell: the tool cannot choose the owner for the user.

// acctRef is an account as a line names it: a manifest row, or an existing
// platform ID.
type acctRef struct {
	row int32
	id  string
}

func (a acctRef) name(p *Plan) string {
	if a.row >= 0 {
		return p.Rows[a.row].Key
	}
	return a.id
}

// routeAccounts gives every route row that names no account the account of
// its lines, or reports that it has to name one.
func (b *builder) routeAccounts() {
	users := map[int32]map[acctRef]bool{} // route row → accounts of its lines
	for _, k := range [...]Kind{Numbers, PortIns} {
		for _, i := range b.byKind[k] {
			r := &b.p.Rows[i]
			if r.cancelled() {
				continue
			}
			acc, id := b.p.Parent(RowID(i), Accounts)
			if acc < 0 && id == "" {
				continue
			}
			a := acctRef{row: int32(acc), id: id}
			if acc >= 0 {
				a.id = ""
			}
			for _, slot := range [...]int{slotMessageRoute, slotVoiceRoute} {
				if rt := r.par[slot]; rt >= 0 {
					if users[rt] == nil {
						users[rt] = map[acctRef]bool{}
					}
					users[rt][a] = true
				}
			}
		}
	}
	all := b.manifestAccounts()
	for _, k := range [...]Kind{MessageRoutes, VoiceRoutes} {
		refField := mrAccountRef
		if k == VoiceRoutes {
			refField = vrAccountRef
		}
		for _, i := range b.byKind[k] {
			r := &b.p.Rows[i]
			if r.par[slotAccount] >= 0 || r.val(ownIDField(k, Accounts)) != "" || r.val(ownID[k]) != "" {
				continue // the row names its account, or the route exists already
			}
			b.routeAccount(i, refField, users[i], all)
		}
	}
}

// routeAccount settles the account of one route row.
func (b *builder) routeAccount(i int32, refField int, users, all map[acctRef]bool) {
	owner := users
	if len(owner) == 0 {
		owner = all
	}
	switch len(owner) {
	case 0:
		return // no account anywhere: the distributor's only one is meant
	case 1:
		for a := range owner {
			if a.row >= 0 {
				b.p.Rows[i].par[slotAccount] = a.row
			} else {
				b.p.setRouteAccount(i, a.id)
			}
		}
		return
	}
	names := make([]string, 0, len(owner))
	for a := range owner {
		names = append(names, quote(a.name(b.p)))
	}
	sort.Strings(names)
	what := "no line uses this route and the manifest has " + strconv.Itoa(len(names)) + " accounts (" + strings.Join(names, ", ") + ")"
	if len(users) > 0 {
		what = "this route serves lines of " + strconv.Itoa(len(names)) + " accounts (" + strings.Join(names, ", ") + ")"
	}
	b.rowProblem(i, refField, "empty, but "+what+"; a route belongs to one account, and the API needs it once "+
		"the distributor has more than one (want the AccountRef of the account that owns the route, or its AccountId)")
}

// manifestAccounts returns every account the manifest names: its Accounts
// rows and the existing account IDs its rows give.
func (b *builder) manifestAccounts() map[acctRef]bool {
	all := map[acctRef]bool{}
	for _, i := range b.byKind[Accounts] {
		all[acctRef{row: i}] = true
	}
	for k := range NumKinds {
		for _, rf := range kindRefs[k] {
			if rf.kind != Accounts {
				continue
			}
			for _, i := range b.byKind[k] {
				r := &b.p.Rows[i]
				if r.par[rf.slot] < 0 && r.val(rf.idField) != "" {
					all[acctRef{row: -1, id: r.val(rf.idField)}] = true
				}
			}
		}
	}
	return all
}

// ownIDField returns the field of kind k that holds a parent's existing
// platform ID (AccountId of a route row).
func ownIDField(k, parent Kind) int {
	for _, rf := range kindRefs[k] {
		if rf.kind == parent {
			return rf.idField
		}
	}
	return -1
}

// setRouteAccount records the existing account a route row was given.
func (p *Plan) setRouteAccount(i int32, id string) {
	if p.routeAccount == nil {
		p.routeAccount = map[int32]string{}
	}
	p.routeAccount[i] = id
}

package plan

import "strings"

// Parent slots of a row: which rows it refers to.
const (
	slotAccount = iota
	slotSubscriber
	slotMessageRoute
	slotVoiceRoute
	numSlots
)

// ref is one reference column pair of a kind: a manifest key (refField)
// or an existing platform ID (idField) of the parent kind.
type ref struct {
	slot     int
	kind     Kind
	refField int
	idField  int
}

var kindRefs = [NumKinds][]ref{
	Subscribers:   {{slotAccount, Accounts, suAccountRef, suAccountID}},
	MessageRoutes: {{slotAccount, Accounts, mrAccountRef, mrAccountID}},
	VoiceRoutes:   {{slotAccount, Accounts, vrAccountRef, vrAccountID}},
	Numbers:       lineRefs,
	PortIns:       lineRefs,
}

var lineRefs = []ref{
	{slotAccount, Accounts, lnAccountRef, lnAccountID},
	{slotSubscriber, Subscribers, lnSubEmail, lnSubID},
	{slotMessageRoute, MessageRoutes, lnMRouteRef, lnMRouteID},
	{slotVoiceRoute, VoiceRoutes, lnVRouteRef, lnVRouteID},
}

// ownID is the field that holds a row's own platform ID, per parent kind.
var ownID = [NumKinds]int{Accounts: acID, Subscribers: suID, MessageRoutes: mrID, VoiceRoutes: vrID,
	Numbers: lnPhoneNumberID, PortIns: piOrderID, PortOuts: poOrderID}

// keyName says what a kind's key is, for messages.
var keyName = [NumKinds]string{"AccountRef", "Email", "RouteRef", "RouteRef", "LineRef", "PortInNumber", "PortOutNumber"}

// aRow returns "an Accounts row", "a Subscribers row", ….
func aRow(k Kind) string {
	if k == Accounts {
		return "an Accounts row"
	}
	return "a " + k.String() + " row"
}

// lookupKey is the form in which keys of kind k are compared: account and
// route names ignore case; e-mails and numbers are already normalised;
// line IDs compare as written.
func lookupKey(k Kind, key string) string {
	switch k {
	case Accounts, MessageRoutes, VoiceRoutes:
		return strings.ToLower(key)
	}
	return key
}

// cancelled reports whether r is a PortIns row with Action=cancel.
func (r *Row) cancelled() bool { return r.Kind == PortIns && r.val(piAction) == "cancel" }

// resolve applies the rules across rows: unique keys, ICCIDs and line IDs,
// references to other sheets, and the account a line belongs to.
func (b *builder) resolve() {
	rows := b.p.Rows
	for i := range rows {
		b.byKind[rows[i].Kind] = append(b.byKind[rows[i].Kind], int32(i))
	}
	for k := range NumKinds {
		b.keys[k] = b.uniqueKeys(Kind(k))
	}
	if b.elig {
		return // only the port-ins' own numbers are read
	}
	b.uniqueLineRefs()
	b.uniqueICCIDs()
	for _, i := range b.byKind[PortOuts] {
		if j, ok := b.keys[PortIns][rows[i].Key]; ok && !rows[j].cancelled() {
			b.rowProblem(i, poNumber, quote(rows[i].Key)+" is also ported in by "+b.p.Where(RowID(j))+
				" (want a number this manifest does not port in, or Action cancel on the port-in)")
		}
	}
	for k := range NumKinds {
		for _, i := range b.byKind[k] {
			if !rows[i].cancelled() {
				b.references(i)
			}
		}
	}
	for _, k := range [...]Kind{Numbers, PortIns} {
		for _, i := range b.byKind[k] {
			if !rows[i].cancelled() {
				b.sameAccount(i)
			}
		}
	}
	b.routeAccounts()
}

// uniqueKeys indexes the rows of kind k by key, reporting repeats.
func (b *builder) uniqueKeys(k Kind) map[string]int32 {
	rows := b.p.Rows
	idx := make(map[string]int32, len(b.byKind[k]))
	key := schemas[k].key
	for _, i := range b.byKind[k] {
		r := &rows[i]
		if r.Key == "" || r.Key == badKey {
			continue
		}
		lk := lookupKey(k, r.Key)
		if j, dup := idx[lk]; dup {
			b.rowProblem(i, key, quote(r.Key)+" is also the "+keyName[k]+" of "+b.p.Where(RowID(j))+
				" (want each "+keyName[k]+" once per manifest)")
			continue
		}
		idx[lk] = i
	}
	return idx
}

// uniqueLineRefs reports a LineRef used twice by port-ins or by both a
// Numbers row and a port-in.
func (b *builder) uniqueLineRefs() {
	rows := b.p.Rows
	seen := make(map[string]int32)
	for _, i := range b.byKind[PortIns] {
		r := &rows[i]
		lr := r.val(piLineRef)
		if lr == "" || r.cancelled() {
			continue
		}
		if j, ok := b.keys[Numbers][lr]; ok {
			b.rowProblem(i, piLineRef, quote(lr)+" is also the LineRef of "+b.p.Where(RowID(j))+
				" (want a line either provisioned in Numbers or ported in, not both)")
			continue
		}
		if j, dup := seen[lr]; dup {
			b.rowProblem(i, piLineRef, quote(lr)+" is also the LineRef of "+b.p.Where(RowID(j))+" (want each LineRef once per manifest)")
			continue
		}
		seen[lr] = i
	}
}

// uniqueICCIDs reports a SIM given to two lines.
func (b *builder) uniqueICCIDs() {
	rows := b.p.Rows
	var seen map[string]int32
	for _, k := range [...]Kind{Numbers, PortIns} {
		for _, i := range b.byKind[k] {
			r := &rows[i]
			id := r.val(lnICCID)
			if id == "" || r.cancelled() {
				continue
			}
			if seen == nil {
				seen = make(map[string]int32)
			}
			// A trailing F is filler some vendors print, not part of the
			// number: 8901…080F and 8901…080 are the same SIM.
			sim := strings.TrimSuffix(id, "F")
			if j, dup := seen[sim]; dup {
				b.rowProblem(i, lnICCID, quote(id)+" is also the ICCID of "+b.p.Where(RowID(j))+" (want one line per SIM)")
				continue
			}
			seen[sim] = i
		}
	}
}

// references resolves the parents row i names by key, reporting keys that
// no sheet defines when no platform ID is given either.
func (b *builder) references(i int32) {
	r := &b.p.Rows[i]
	for _, rf := range kindRefs[r.Kind] {
		key := r.val(rf.refField)
		if key == "" {
			continue
		}
		id := r.val(rf.idField)
		j, ok := b.keys[rf.kind][lookupKey(rf.kind, key)]
		if !ok {
			if id == "" {
				b.rowProblem(i, rf.refField, "no "+rf.kind.String()+" row has "+keyName[rf.kind]+" "+quote(key)+
					" (want the "+keyName[rf.kind]+" of "+aRow(rf.kind)+", or the existing ID in "+schemas[r.Kind].fields[rf.idField].name+")")
			}
			continue
		}
		r.par[rf.slot] = j
		parentID := b.p.Rows[j].val(ownID[rf.kind])
		if id != "" && parentID != "" && id != parentID {
			idName := schemas[r.Kind].fields[rf.idField].name
			b.rowProblem(i, rf.idField, quote(id)+" differs from "+quote(parentID)+", the ID of "+b.p.Where(RowID(j))+
				" named by "+schemas[r.Kind].fields[rf.refField].name+" (want the same ID, or only one of "+
				schemas[r.Kind].fields[rf.refField].name+" and "+idName+")")
		}
	}
}

// sameAccount reports a line whose account differs from its subscriber's.
func (b *builder) sameAccount(i int32) {
	r := &b.p.Rows[i]
	sub := r.par[slotSubscriber]
	if sub < 0 || (r.val(lnAccountRef) == "" && r.val(lnAccountID) == "") {
		return
	}
	acc, accID := b.p.Parent(RowID(i), Accounts)
	subAcc, subAccID := b.p.Parent(RowID(sub), Accounts)
	var differ bool
	switch {
	case acc >= 0 && subAcc >= 0: // both name manifest rows: a differing ID is reported by references
		differ = acc != subAcc
	case accID != "" && subAccID != "":
		differ = accID != subAccID
	case acc >= 0 && subAccID != "", subAcc >= 0 && accID != "":
		// One side is a manifest account without an ID of its own (it is
		// created by this run), the other an existing account: two accounts.
		differ = true
	}
	if differ {
		fi := lnAccountRef
		if r.val(lnAccountRef) == "" {
			fi = lnAccountID
		}
		s := &b.p.Rows[sub]
		theirs := s.val(suAccountRef)
		if theirs == "" {
			theirs = subAccID
		}
		b.rowProblem(i, fi, quote(r.val(fi))+" is not the account of subscriber "+s.Key+" ("+b.p.Where(RowID(sub))+
			" is in "+quote(theirs)+"; want the subscriber's account, or empty to use it)")
	}
}

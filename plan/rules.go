package plan

import (
	"slices"
	"strconv"
	"strings"

	"telegent-bulk/sheets"
)

// rowCheck normalises one row and applies the rules that need only that
// row. A value a rule needs from a column the table lacks is reported on
// each row that needs it (the builder lists the first few; see kinds).
type rowCheck struct {
	m     *tableMap
	r     *Row
	cells []string // the row's cells as read, until they are packed into its text
	bad   uint64   // fields whose cell was given but invalid
	probs *[]Problem
	warns *[]Problem
}

// val returns the normalised value of field fi, without defaults.
func (c *rowCheck) val(fi int) string { return c.r.val(fi) }

// given reports whether field fi has a valid value or an invalid one.
func (c *rowCheck) given(fi int) bool { return c.r.val(fi) != "" || c.bad&(1<<fi) != 0 }

func (c *rowCheck) add(list *[]Problem, row int, fi int, msg string) {
	*list = append(*list, c.m.problem(row, c.m.colName(fi), c.m.colOrder(fi), msg))
}

// problem reports a problem with field fi of this row.
func (c *rowCheck) problem(fi int, msg string) {
	c.add(c.probs, int(c.r.Num), fi, msg)
}

func (c *rowCheck) warn(fi int, msg string) {
	c.add(c.warns, int(c.r.Num), fi, msg)
}

// missing reports that this row needs a value of field fi, whose column
// the table lacks: a finding many rows may share.
func (c *rowCheck) missing(fi int, msg string) { c.problem(fi, msg) }

// require reports field fi when it is empty; why says who needs it.
func (c *rowCheck) require(fi int, why string) { c.requireOr(fi, why, "") }

// requireOr is require with an alternative to giving the value, such as
// "or give AccountId for an existing account".
func (c *rowCheck) requireOr(fi int, why, alt string) {
	if c.given(fi) {
		return
	}
	f := &c.m.s.fields[fi]
	want := " (want " + f.example()
	if alt != "" {
		want += "; " + alt
	}
	want += ")"
	if c.m.col[fi] < 0 {
		c.missing(fi, "no such column, but "+why+want)
		return
	}
	c.problem(fi, "empty, but "+why+want)
}

// requireOne reports a row that gives neither field a nor field b.
func (c *rowCheck) requireOne(a, b int, why string) {
	if c.given(a) || c.given(b) {
		return
	}
	fa, fb := &c.m.s.fields[a], &c.m.s.fields[b]
	want := " (want " + fa.name + ": " + fa.example() + "; or " + fb.name + ": " + fb.example() + ")"
	if c.m.col[a] < 0 && c.m.col[b] < 0 {
		c.missing(a, "no "+fa.name+" or "+fb.name+" column, but "+why+want)
		return
	}
	if c.m.col[a] < 0 { // point at the column the table has
		c.problem(b, "empty, and there is no "+fa.name+" column, but "+why+want)
		return
	}
	c.problem(a, "empty, and so is "+fb.name+", but "+why+want)
}

// example says what a valid value of f looks like.
func (f *field) example() string {
	if f.want != "" {
		return f.want
	}
	switch f.typ {
	case tPhone, tPhoneList:
		return wantPhone
	case tBool:
		return "true or false"
	case tState:
		return "a two-letter code like UT"
	case tZip:
		return "5 digits like 84043"
	case tICCID:
		return wantICCID
	case tEmail:
		return wantEmail
	case tDate:
		return "2026-06-01"
	case tInt:
		return "a whole number like 20"
	case tURL:
		return "https://example.com/path"
	case tIP:
		return "an IP address like 203.0.113.10"
	case tIPList:
		return "IP addresses separated by ; like 203.0.113.10; 203.0.113.11"
	case tPort:
		return "a port like 5060"
	case tAreaCode:
		return "3 digits like 801"
	case tPIN:
		return "4 to 10 digits"
	case tEnum:
		return f.enum.list()
	case tCountry:
		return "USA"
	}
	return "a value"
}

// The findings about a cell that Excel stored as a number, in a column
// where a leading 0 is part of the value.
const (
	msgNumberCell = "Excel stored this as a number, which drops leading zeros: if the value began with 0, " +
		"format the column as Text and re-enter it"
	msgPINNumber = "Excel stored this PIN as a number and so dropped its leading zeros (want 4 to 10 digits like 0550; " +
		"the value is not shown because it is secret); format the column as Text and re-enter it"
)

// msgRoundedICCID warns about an ICCID in a CSV file that passes its check
// but ends as Excel leaves a long number it stored as a number: the CSV may
// have been saved from such a sheet, and then the check passed by chance.
const msgRoundedICCID = "every digit after the 15th is 0, as Excel leaves a long number it stored as a number " +
	"(it keeps 15 digits): if this CSV file was saved from such a sheet, the real ICCID is lost; " +
	"check it against the SIM, and format the column as Text before saving the file"

// check normalises the cells of r and applies the row's own rules. cps are
// the cells the reader could not read faithfully, numeric the cells it
// read from numbers (in columns where leading zeros matter). pk packs the
// row's text (its cells and the values that differ from them), wt being
// the worker's table that c.m is.
func (c *rowCheck) check(cps []sheets.CellProblem, numeric []int, pk *packer, wt *workerTable) {
	m, r := c.m, c.r
	checked := c.checkedFields()
	c.unreadable(cps, checked)
	var norm [64]string // normalised values that differ from the cell, by field
	for j, fi := range m.field {
		if fi < 0 {
			continue
		}
		cell := strings.TrimSpace(c.cells[j])
		switch f := &m.s.fields[fi]; {
		case cell == "":
		case c.bad&(1<<fi) != 0 || checked&(1<<fi) == 0:
			r.diff |= 1 << fi // invalid, or not checked: no value
		case m.s.kind == Accounts && c.foreignAddress(int(fi)):
			// a state or postcode outside the United States, as written
		case f.secret && cell == SecretMask:
			r.diff |= 1 << fi // not given
			c.masked(int(fi))
		default:
			number := numeric != nil && slices.Contains(numeric, j)
			if v, differs := c.normaliseCell(int(fi), f, cell, number); differs {
				r.diff |= 1 << fi
				norm[fi] = v
			}
		}
	}
	r.text = pk.pack(wt, c.cells, &norm, r.diff) // from here on, the row's values can be read
	c.keyRules()
	if !m.part {
		kindRules[m.s.kind](c)
	}
}

// unreadable reports the cells of checked fields that the reader could
// not read faithfully, and marks their fields invalid.
func (c *rowCheck) unreadable(cps []sheets.CellProblem, checked uint64) {
	m := c.m
	for _, cp := range cps {
		if cp.Col < 0 || cp.Col >= len(m.field) || m.field[cp.Col] < 0 {
			continue
		}
		fi := int(m.field[cp.Col])
		if checked&(1<<fi) == 0 {
			continue
		}
		msg := cp.Message
		switch f := &m.s.fields[fi]; {
		case cp.DigitsLost:
			msg = digitsLost(f, "")
		case f.secret:
			msg = "the cell could not be read faithfully (the value is not shown because it is secret); format the column as Text and re-enter it"
		}
		c.bad |= 1 << fi
		c.problem(fi, msg)
	}
}

// masked handles a secret cell of field fi that holds a results
// workbook's mask: the value is not given. Only a row that is sent needs
// it: the runner fails such a row then, and a failed row fed back
// unchanged is not sent again.
func (c *rowCheck) masked(fi int) {
	if c.exists() {
		return
	}
	c.bad |= 1 << fi
	c.warn(fi, msgMasked)
}

// normaliseCell normalises cell, the trimmed cell of field fi (f), and
// reports the problem with it, or a warning about a value that may be
// damaged; number tells that the reader read the cell from a number.
// differs reports that the row's value of fi is v rather than the cell.
func (c *rowCheck) normaliseCell(fi int, f *field, cell string, number bool) (v string, differs bool) {
	var msg string
	if number && f.typ == tPIN && allDigits(cell) && len(cell) < 4 {
		msg = msgPINNumber // it had leading zeros, and lost them
	} else {
		v, msg = normalise(f, cell)
	}
	switch {
	case msg != "":
		c.bad |= 1 << fi
		c.problem(fi, msg)
	case number && !(f.typ == tPIN && len(cell) == 10): // a 10-digit PIN had no 0 to lose
		c.warn(fi, msgNumberCell)
	case f.typ == tICCID && c.m.csv && roundedICCID(strings.TrimSuffix(v, "F")):
		c.warn(fi, msgRoundedICCID)
	}
	return v, v != cell && (msg != "" || f.typ != tBool) // see Row.val for booleans
}

// keyRules sets the row's key, and requires one when the table has the
// key column (a missing key column is reported once, for the sheet).
func (c *rowCheck) keyRules() {
	m, r, k := c.m, c.r, c.m.s.key
	if m.col[k] < 0 {
		return
	}
	r.Key = r.val(k)
	if r.Key == "" && c.bad&(1<<k) != 0 {
		r.Key = badKey
	}
	c.require(k, "every "+m.s.kind.String()+" row needs one as its key")
}

// eligibilityFields are the PortIns fields the eligibility plan reads.
const eligibilityFields = 1<<0 | 1<<piAction | 1<<piClass | 1<<piPortinClass | 1<<piOrderID | 1<<lnPhoneNumberID

// msgMasked warns of a secret cell that holds a results workbook's mask on
// a row that is still to be created: it cannot be sent without the value.
const msgMasked = "the cell shows " + SecretMask + " because a results workbook hides secrets: the row is not " +
	"sent until the real value is entered here (it is never shown or written anywhere)"

// exists reports whether the row carries the platform IDs of what it
// describes, so that nothing is created for it (see docs/manifest.md): a
// subscriber, route or port-out with its own ID, a port-in whose number is
// ported or whose order exists (unless Action=resubmit opens a new one).
func (c *rowCheck) exists() bool {
	switch k := c.m.s.kind; k {
	case PortIns:
		if c.rawCell(lnPhoneNumberID) != "" {
			return true
		}
		a, _ := normEnum(enumPortAction, c.rawCell(piAction))
		return c.rawCell(piOrderID) != "" && a != "resubmit"
	default:
		return c.rawCell(ownID[k]) != ""
	}
}

// allFields is the checked set of a row whose every cell is checked.
const allFields = ^uint64(0)

// checkedFields returns the fields whose cells this row's check validates
// and keeps: all of them, except on a port-in row with Action=cancel, which
// needs only its key, its Action and the IDs of the order to cancel; its
// other cells are not checked, and read as not given.
func (c *rowCheck) checkedFields() uint64 {
	m := c.m
	if m.s.kind != PortIns {
		return allFields
	}
	j := m.col[piAction]
	if j < 0 {
		return allFields
	}
	if a, _ := normEnum(enumPortAction, strings.TrimSpace(c.cells[j])); a != "cancel" {
		return allFields
	}
	keep := uint64(1)<<m.s.key | 1<<piAction
	for fi := range m.s.fields {
		if m.s.fields[fi].own {
			keep |= 1 << fi
		}
	}
	return keep
}

// badKey marks a row whose key cell is invalid: it takes part in no
// cross-sheet rule, and references to it are not reported again.
const badKey = "\x00"

// foreignAddress reports whether field fi is a state or ZIP of an address
// whose country is not the United States.
func (c *rowCheck) foreignAddress(fi int) bool {
	var country int
	switch fi {
	case acBState, acBZip:
		country = acBCountry
	case acMState, acMZip:
		country = acMCountry
		if c.rawCell(country) == "" {
			country = acBCountry
		}
	default:
		return false
	}
	v := c.rawCell(country)
	return v != "" && normCountry(v) != "USA"
}

// rawCell returns the trimmed cell of field fi ("" without a column).
func (c *rowCheck) rawCell(fi int) string {
	if j := c.m.col[fi]; j >= 0 {
		return strings.TrimSpace(c.cells[j])
	}
	return ""
}

var kindRules = [NumKinds]func(c *rowCheck){
	Accounts:      accountRules,
	Subscribers:   subscriberRules,
	MessageRoutes: messageRouteRules,
	VoiceRoutes:   voiceRouteRules,
	Numbers:       numberRules,
	PortIns:       portInRules,
	PortOuts:      portOutRules,
}

func accountRules(c *rowCheck) {
	if c.given(acID) {
		return
	}
	for _, fi := range [...]int{acName, acBStreet1, acBCity, acBState, acBZip} {
		c.requireOr(fi, "a new account needs one", "or give AccountId for an existing account")
	}
}

func subscriberRules(c *rowCheck) {
	if !c.given(suID) {
		const why, alt = "a new subscriber needs one", "or give SubscriberId for an existing subscriber"
		c.requireOr(suName, why, alt)
		c.requireOr(suPassword, why, alt)
		c.requireOne(suAccountRef, suAccountID, "a new subscriber belongs to an account")
	}
	if lvl := c.val(suFilterLevel); lvl != "" && c.val(suGuardianMessages) == "false" {
		c.problem(suGuardianMessages, "false, but FilterLevel "+lvl+" needs Guardian messages on (want true or empty)")
	}
}

func messageRouteRules(c *rowCheck) {
	if c.given(mrID) {
		return
	}
	const why, alt = "a new message route needs one", "or give MessageRouteId for an existing route"
	c.requireOr(mrName, why, alt)
	c.requireOr(mrURL, why, alt)
	c.authRules(mrAuth, mrUser, mrToken)
	c.authRules(mrCbAuth, mrCbUser, mrCbToken)
}

// authRules checks that Basic authentication has a user name and password
// and Bearer authentication a token.
func (c *rowCheck) authRules(auth, user, token int) {
	switch c.val(auth) {
	case "Basic":
		c.require(user, "Basic authentication needs a user name")
		c.require(token, "Basic authentication needs a password")
	case "Bearer":
		c.require(token, "Bearer authentication needs a token")
	}
}

func voiceRouteRules(c *rowCheck) {
	if c.given(vrID) {
		return
	}
	const why, alt = "a new voice route needs one", "or give CallRouteId for an existing route"
	c.requireOr(vrName, why, alt)
	c.requireOr(vrType, why, alt)
	switch c.val(vrType) {
	case "Trunk":
		if !c.given(vrIP1) && !c.given(vrURI1) {
			c.require(vrIP1, "a Trunk route needs TrunkIp1 or TrunkUri1")
		}
	case "URL":
		c.require(vrURL, "a URL route needs one")
	}
	c.authRules(vrAuth, vrUser, vrToken)
}

func numberRules(c *rowCheck) {
	c.requireOne(lnSubEmail, lnSubID, "every line belongs to a subscriber")
	exists := c.given(lnPhoneNumberID) || c.given(nuPhoneNumber)
	if !exists {
		const why, alt = "a new number needs one", "or give PhoneNumberId for an existing number"
		c.requireOr(lnNumberType, why, alt)
		c.requireOr(lnMessageType, why, alt)
		c.requireOr(nuProductType, why, alt)
		c.requireOne(lnMRouteRef, lnMRouteID, "a new number needs a message route")
		if c.r.get(lnVoiceEnabled) == "true" {
			c.requireOne(lnVRouteRef, lnVRouteID, "a voice-enabled number needs a voice route")
		}
	}
	c.productRules()
	c.lineRules()
	if c.given(lnPackage) && !c.given(lnSubscriptionID) && exists && !c.given(lnPhoneNumberID) {
		c.problem(lnPackage, "a subscription needs the number's PhoneNumberId, and this row names an existing number by PhoneNumber only (want the NID-… in PhoneNumberId, or no Package)")
	}
}

// productRules checks that the enabled flags given agree with ProductType.
func (c *rowCheck) productRules() {
	pt := c.val(nuProductType)
	if pt == "" {
		return
	}
	want := productFlags(pt)
	for _, fi := range [...]int{lnMessageEnabled, lnVoiceEnabled, lnDataEnabled} {
		v := c.val(fi)
		if v == "" {
			continue
		}
		if w := want[fi-lnMessageEnabled]; (v == "true") != w {
			c.problem(fi, v+" disagrees with ProductType "+pt+" (want "+strconv.FormatBool(w)+" or empty, or another ProductType)")
		}
	}
}

// productFlags returns MessageEnabled, VoiceEnabled and DataEnabled as a
// product type implies them.
func productFlags(pt string) [3]bool {
	return [3]bool{
		strings.Contains(pt, "Sms"),
		strings.Contains(pt, "Voice"),
		strings.Contains(pt, "Data"),
	}
}

// lineRules are the rules Numbers and PortIns rows share.
func (c *rowCheck) lineRules() {
	nt, mt := c.r.get(lnNumberType), c.val(lnMessageType)
	switch {
	case nt == "iot" && mt == "a2p":
		c.problem(lnMessageType, "a2p, but an iot number can only be p2p (want p2p, or NumberType mvno)")
	case nt == "voip" && mt == "p2p":
		c.problem(lnMessageType, "p2p, but a voip number can only be a2p (want a2p, or NumberType mvno)")
	}
	if c.r.get(lnDataEnabled) != "true" {
		for _, fi := range [...]int{lnLimit, lnNotify, lnThrottle, lnSpeed, lnUnit} {
			if c.given(fi) {
				c.problem(fi, "data-usage limits need a data-enabled line (want DataEnabled true, or a ProductType with Data, or this cell empty)")
				return
			}
		}
	}
	limit, notify, throttle := c.intVal(lnLimit), c.intVal(lnNotify), c.intVal(lnThrottle)
	if limit < 0 {
		for _, fi := range [...]int{lnNotify, lnThrottle} {
			if c.given(fi) {
				c.require(lnLimit, c.m.s.fields[fi].name+" needs a LimitValue")
				break
			}
		}
	}
	order := func(lo, hi int, hiName string, at int) {
		if lo >= 0 && hi >= 0 && lo >= hi {
			c.problem(at, strconv.Itoa(lo)+" is not below "+hiName+" "+strconv.Itoa(hi)+" (want NotifyValue < ThrottleValue < LimitValue, like 10, 15, 20)")
		}
	}
	order(notify, throttle, "ThrottleValue", lnNotify)
	order(throttle, limit, "LimitValue", lnThrottle)
	if throttle < 0 {
		order(notify, limit, "LimitValue", lnNotify)
	}
	if c.given(lnThrottle) && !c.given(lnSpeed) {
		c.require(lnSpeed, "a ThrottleValue needs the speed to throttle to")
	}
	if c.given(lnSpeed) && !c.given(lnThrottle) {
		c.require(lnThrottle, "a ThrottleSpeed needs the usage at which to throttle")
	}
}

// intVal returns a valid integer field, or -1.
func (c *rowCheck) intVal(fi int) int {
	v := c.val(fi)
	if v == "" {
		return -1
	}
	n, _ := strconv.Atoi(v)
	return n
}

func portInRules(c *rowCheck) {
	if c.val(piAction) == "cancel" {
		if c.rawCell(lnPackage) != "" && !c.given(lnSubscriptionID) {
			c.warn(lnPackage, "ignored: Action is cancel, so no subscription is created")
		}
		return
	}
	c.requireOne(lnSubEmail, lnSubID, "a ported number is bound to a subscriber")
	c.requireOne(lnMRouteRef, lnMRouteID, "a ported number needs a message route")
	if c.r.get(lnVoiceEnabled) == "true" {
		c.requireOne(lnVRouteRef, lnVRouteID, "a voice-enabled number needs a voice route")
	}
	if !c.exists() { // an order or a ported number needs no carrier details
		const why = "the losing carrier needs it to release the number"
		for _, fi := range [...]int{piCarrier, piAccountNumber, piPassword, piStreet1, piCity, piState, piZip} {
			c.require(fi, why)
		}
	}
	c.lineRules()
	c.portInDateRules()
}

func portOutRules(c *rowCheck) {
	if !c.given(poOrderID) {
		c.require(poPIN, "the gaining carrier needs the PIN")
	}
}

package plan

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// deps returns every step key with the sorted keys of its dependencies.
func deps(p *Plan) map[StepKey][]StepKey {
	m := make(map[StepKey][]StepKey, len(p.Steps))
	for i := range p.Steps {
		var ds []StepKey
		for _, d := range p.Deps(StepID(i)) {
			ds = append(ds, p.Key(d))
		}
		slices.Sort(ds)
		m[p.Key(StepID(i))] = ds
	}
	return m
}

// checkTopological fails when a step depends on a later one (or itself).
func checkTopological(t *testing.T, p *Plan) {
	t.Helper()
	for i := range p.Steps {
		for _, d := range p.Deps(StepID(i)) {
			if d < 0 || int(d) >= i {
				t.Errorf("step %d %s depends on step %d, want only earlier steps", i, p.Key(StepID(i)), d)
			}
		}
	}
}

func TestDAGOfBase(t *testing.T) {
	p := mustBuild(t, base())
	checkTopological(t, p)
	want := map[StepKey][]StepKey{
		"accounts/acme/create":                 nil,
		"accounts/beta/create":                 nil,
		"subscribers/jane@example.com/create":  {"accounts/acme/create"},
		"subscribers/kid@example.com/create":   {"accounts/acme/create"},
		"subscribers/kid@example.com/guardian": {"subscribers/kid@example.com/create"},
		"subscribers/bob@example.com/create":   {"accounts/beta/create"},
		"messageroutes/sms/create":             {"accounts/acme/create"},
		"voiceroutes/sip/create":               {"accounts/acme/create"},
		"numbers/L1/provision":                 {"accounts/acme/create", "messageroutes/sms/create", "subscribers/jane@example.com/create"},
		"numbers/L1/subscription":              {"numbers/L1/provision", "subscribers/jane@example.com/create"},
		"numbers/L1/datausage":                 {"numbers/L1/provision"},
		"numbers/L2/provision":                 {"accounts/acme/create", "messageroutes/sms/create", "subscribers/kid@example.com/create", "voiceroutes/sip/create"},
		"numbers/L2/filter":                    {"numbers/L2/provision", "subscribers/kid@example.com/guardian"},
		"numbers/L3/provision":                 {"accounts/acme/create", "messageroutes/sms/create", "subscribers/jane@example.com/create"},
		"portins/+18015551234/eligibility":     nil,
		"portins/+18015551234/submit":          {"portins/+18015551234/eligibility"},
		"portins/+18015551234/monitor":         {"portins/+18015551234/submit"},
		"portins/+18015551234/bind":            {"accounts/acme/create", "messageroutes/sms/create", "portins/+18015551234/monitor", "subscribers/jane@example.com/create"},
		"portins/+18015551234/subscription":    {"portins/+18015551234/bind"},
		"portins/+18015559999/cancel":          nil,
		"portouts/+13855550100/pin":            nil,
		"portouts/+13855550100/monitor":        {"portouts/+13855550100/pin"},
	}
	got := deps(p)
	for k, w := range want {
		g, ok := got[k]
		if !ok {
			t.Errorf("no step %s", k)
			continue
		}
		if !slices.Equal(g, w) {
			t.Errorf("deps of %s = %v, want %v", k, g, w)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("unexpected step %s", k)
		}
	}
}

// The filter of a port-in follows its bind and the subscriber's guardian
// step; a port-in's data usage follows its bind.
func TestDAGOfPortInTail(t *testing.T) {
	p := mustBuild(t, base().with("PortIns-kid",
		"PortInNumber|SubscriberEmail|MessageRouteRef|CurrentCarrierName|CurrentAccountNumber|CurrentAccountPassword|BillingStreet1|BillingCity|BillingState|BillingZip|DataEnabled|LimitValue",
		"801-555-2222|kid@example.com|sms|Old Co|1|0550|1 Main|Lehi|UT|84043|yes|20"))
	got := deps(p)
	for k, w := range map[StepKey][]StepKey{
		"portins/+18015552222/datausage": {"portins/+18015552222/bind"},
		"portins/+18015552222/filter":    {"portins/+18015552222/bind", "subscribers/kid@example.com/guardian"},
	} {
		if !slices.Equal(got[k], w) {
			t.Errorf("deps of %s = %v, want %v", k, got[k], w)
		}
	}
}

// One route used by many numbers is one step that all of them wait for.
func TestSharedParentIsOneStep(t *testing.T) {
	rows := make([]string, 50)
	for i := range rows {
		rows[i] = fmt.Sprintf("S%d|jane@example.com|sms||mvno|p2p|Sms-Only||||", i)
	}
	p := mustBuild(t, base().without("Numbers").with("Numbers", hNumbers, rows...))
	checkTopological(t, p)
	_, steps := p.Counts()
	if steps[MessageRouteCreate] != 1 {
		t.Fatalf("%d message route creates, want 1", steps[MessageRouteCreate])
	}
	route := p.RowStep(rowByKey(t, p, MessageRoutes, "sms"), MessageRouteCreate)
	dependents := 0
	for i := range p.Steps {
		if slices.Contains(p.Deps(StepID(i)), route) {
			dependents++
		}
	}
	if want := 50 + 1; dependents != want { // the numbers and the port-in's bind
		t.Errorf("%d steps depend on the route, want %d", dependents, want)
	}
}

// Rows that carry their own platform ID get no create step, but their
// dependents run, and Parent hands out the known ID.
func TestExistingRowsInDAG(t *testing.T) {
	p := mustBuild(t, manifest{
		{"Accounts", "AccountRef|AccountId", []string{"old|AID-OLD"}},
		{"Subscribers", "Email|Name|AccountRef|Password", []string{"new@example.com|New|old|pw"}},
		{"Subscribers-ids", "Email|SubscriberId|GuardianCalls", []string{"old@example.com|TSUID-2|yes"}},
		{"MessageRoutes", "RouteRef|MessageRouteId", []string{"sms|MRID-1"}},
		{"Numbers", "LineRef|SubscriberEmail|MessageRouteRef|NumberType|MessageType|ProductType|Package|PhoneNumberId|SubscriptionId|LimitValue", []string{
			"N1|new@example.com|sms|mvno|p2p|Sms+Data|Starter|||",
			"N2|old@example.com|sms|mvno|p2p|Sms+Data|Starter|NID-2||20",
			"N3|old@example.com|sms|mvno|p2p|Sms+Data|Starter|NID-3|SUB-3|",
		}},
		{"PortIns", "PortInNumber|Action|SubscriberEmail|MessageRouteRef|CurrentCarrierName|CurrentAccountNumber|CurrentAccountPassword|BillingStreet1|BillingCity|BillingState|BillingZip|OrderId|PhoneNumberId", []string{
			"801-555-1001|submit|new@example.com|sms|Old Co|1|0550|1 Main|Lehi|UT|84043|JNOID-1|",
			"801-555-1002|resubmit|new@example.com|sms|Old Co|1|0550|1 Main|Lehi|UT|84043|JNOID-2|",
			"801-555-1003|submit|new@example.com|sms||||||||JNOID-3|NID-3",
		}},
		{"PortOuts", "PortOutNumber|OrderId", []string{"801-555-1004|JNOID-4"}},
	})
	checkTopological(t, p)
	want := map[StepKey][]StepKey{
		"subscribers/new@example.com/create":   nil,
		"subscribers/old@example.com/guardian": nil,
		"numbers/N1/provision":                 {"subscribers/new@example.com/create"},
		"numbers/N1/subscription":              {"numbers/N1/provision", "subscribers/new@example.com/create"},
		"numbers/N2/subscription":              nil,
		"numbers/N2/datausage":                 nil,
		"portins/+18015551001/submit":          nil,
		"portins/+18015551001/monitor":         {"portins/+18015551001/submit"},
		"portins/+18015551001/bind":            {"portins/+18015551001/monitor", "subscribers/new@example.com/create"},
		"portins/+18015551002/eligibility":     nil,
		"portins/+18015551002/submit":          {"portins/+18015551002/eligibility"},
		"portins/+18015551002/monitor":         {"portins/+18015551002/submit"},
		"portins/+18015551002/bind":            {"portins/+18015551002/monitor", "subscribers/new@example.com/create"},
		"portins/+18015551003/bind":            {"subscribers/new@example.com/create"},
		"portouts/+18015551004/monitor":        nil, // the row names its order: followed, no PIN
	}
	got := deps(p)
	if len(got) != len(want) {
		t.Errorf("%d steps, want %d: %v", len(got), len(want), got)
	}
	for k, w := range want {
		if g, ok := got[k]; !ok || !slices.Equal(g, w) {
			t.Errorf("deps of %s = %v (present %v), want %v", k, g, ok, w)
		}
	}

	for key, want := range map[string]string{"+18015551001": "JNOID-1", "+18015551002": "", "+18015551003": ""} {
		if got := p.KnownOrder(rowByKey(t, p, PortIns, key)); got != want {
			t.Errorf("KnownOrder(%s) = %q, want %q", key, got, want)
		}
	}
	if got := p.KnownOrder(rowByKey(t, p, PortOuts, "+18015551004")); got != "" {
		t.Errorf("KnownOrder(a port-out) = %q, want none", got)
	}

	old := rowByKey(t, p, Accounts, "old")
	sms := rowByKey(t, p, MessageRoutes, "sms")
	newSub := rowByKey(t, p, Subscribers, "new@example.com")
	oldSub := rowByKey(t, p, Subscribers, "old@example.com")
	n1 := rowByKey(t, p, Numbers, "N1")
	n2 := rowByKey(t, p, Numbers, "N2")
	if s := p.RowStep(old, AccountCreate); s != -1 {
		t.Errorf("RowStep(old account, create) = %d, want -1", s)
	}
	if s := p.RowStep(oldSub, SubscriberCreate); s != -1 {
		t.Errorf("RowStep(old subscriber, create) = %d, want -1", s)
	}
	for _, tt := range []struct {
		row    RowID
		kind   Kind
		parent RowID
		id     string
	}{
		{n1, Accounts, old, "AID-OLD"}, // the subscriber's account
		{n1, Subscribers, newSub, ""},
		{n1, MessageRoutes, sms, "MRID-1"},
		{n1, VoiceRoutes, -1, ""},
		{n2, Subscribers, oldSub, "TSUID-2"},
		{n2, Accounts, -1, ""}, // an existing subscriber's account is not in the manifest
		{newSub, Accounts, old, "AID-OLD"},
		{old, Subscribers, -1, ""},
	} {
		parent, id := p.Parent(tt.row, tt.kind)
		if parent != tt.parent || id != tt.id {
			t.Errorf("Parent(%s, %s) = %d, %q; want %d, %q", p.Where(tt.row), tt.kind, parent, id, tt.parent, tt.id)
		}
	}
}

func TestParentByID(t *testing.T) {
	p := mustBuild(t, manifest{{"Numbers", "LineRef|SubscriberId|AccountId|MessageRouteId|VoiceRouteId|NumberType|MessageType|ProductType", []string{
		"N1|TSUID-1|AID-1|MRID-1|CRID-1|mvno|p2p|Sms+Data+Voice",
		"N2|TSUID-1||MRID-1||mvno|p2p|Sms-Only",
	}}})
	for _, tt := range []struct {
		row  RowID
		kind Kind
		id   string
	}{
		{0, Accounts, "AID-1"}, {0, Subscribers, "TSUID-1"}, {0, MessageRoutes, "MRID-1"}, {0, VoiceRoutes, "CRID-1"},
		{1, Accounts, ""}, {1, VoiceRoutes, ""},
	} {
		if parent, id := p.Parent(tt.row, tt.kind); parent != -1 || id != tt.id {
			t.Errorf("Parent(%d, %s) = %d, %q; want -1, %q", tt.row, tt.kind, parent, id, tt.id)
		}
	}
	if s := p.RowStep(0, NumberProvision); s < 0 || len(p.Deps(s)) != 0 {
		t.Errorf("provision of N1 = step %d, want a step with no dependencies", s)
	}
}

func TestRowStepFindsEveryStep(t *testing.T) {
	p := mustBuild(t, base())
	for i, s := range p.Steps {
		if got := p.RowStep(s.Row, s.Action); got != StepID(i) {
			t.Errorf("RowStep(%d, %s) = %d, want %d", s.Row, s.Action.Slug(), got, i)
		}
	}
	if got := p.RowStep(rowByKey(t, p, Numbers, "L3"), SubscriptionCreate); got != -1 {
		t.Errorf("RowStep(L3, subscription) = %d, want -1: L3 has no Package", got)
	}
}

// ParseStepKey reads back what MakeKey wrote, for every step of a plan
// and for natural keys that need escaping; Sibling names the same row's
// other steps; a key no plan makes is refused.
func TestParseStepKey(t *testing.T) {
	p := mustBuild(t, base().with("Numbers", "", "x/y%z|jane@example.com|sms||mvno|p2p|Sms-Only||||"))
	check := func(k Kind, natural string, a Action) {
		t.Helper()
		key := MakeKey(k, natural, a)
		gk, gn, ga, err := ParseStepKey(string(key))
		if err != nil || gk != k || gn != natural || ga != a {
			t.Errorf("ParseStepKey(%q) = %s, %q, %s, %v; want %s, %q, %s", key, gk, gn, ga.Slug(), err, k, natural, a.Slug())
		}
	}
	for i := range p.Steps {
		s := &p.Steps[i]
		r := &p.Rows[s.Row]
		check(r.Kind, r.Key, s.Action)
		for _, a := range []Action{PortInSubmit, SubscriptionCreate} {
			if sib := p.RowStep(s.Row, a); sib >= 0 && p.Key(StepID(i)).Sibling(a) != p.Key(sib) {
				t.Errorf("%s.Sibling(%s) = %q, want %q", p.Key(StepID(i)), a.Slug(), p.Key(StepID(i)).Sibling(a), p.Key(sib))
			}
		}
	}
	check(Numbers, "%2F", SubscriptionCreate)
	check(Subscribers, "a%b/c", SubscriberCreate)
	if got := StepKey("portins/+18015551234/submit").Sibling(PortInCancel); got != "portins/+18015551234/cancel" {
		t.Errorf("Sibling(cancel) = %q", got)
	}
	for _, bad := range []string{"", "accounts", "accounts/acme", "accounts//create", "widgets/x/create",
		"accounts/acme/provision", "accounts/a/b/create", "numbers/L1/pin"} {
		if _, _, _, err := ParseStepKey(bad); err == nil {
			t.Errorf("ParseStepKey(%q) succeeded, want an error", bad)
		}
	}
}

func TestKeyEscaping(t *testing.T) {
	for _, tt := range []struct {
		kind Kind
		key  string
		a    Action
		want StepKey
	}{
		{Accounts, "acme", AccountCreate, "accounts/acme/create"},
		{Numbers, "a/b%c", NumberProvision, "numbers/a%2Fb%25c/provision"},
		{Numbers, "%2F", SubscriptionCreate, "numbers/%252F/subscription"},
		{PortIns, "+18015551234", PortInSubmit, "portins/+18015551234/submit"},
		{Subscribers, "jane@example.com", GuardianSet, "subscribers/jane@example.com/guardian"},
		{PortOuts, "+13855550100", PortOutIssue, "portouts/+13855550100/pin"},
	} {
		if got := MakeKey(tt.kind, tt.key, tt.a); got != tt.want {
			t.Errorf("MakeKey(%s, %q, %s) = %q, want %q", tt.kind, tt.key, tt.a.Slug(), got, tt.want)
		}
	}
	p := mustBuild(t, base().with("Numbers", "", "x/y%z|jane@example.com|sms||mvno|p2p|Sms-Only||||"))
	found := false
	for i := range p.Steps {
		if k := p.Key(StepID(i)); strings.HasPrefix(string(k), "numbers/x") {
			found = k == "numbers/x%2Fy%25z/provision"
			if !found {
				t.Errorf("Key = %q, want numbers/x%%2Fy%%25z/provision", k)
			}
		}
	}
	if !found {
		t.Error("no step for line x/y%z")
	}
}

// A line fed back from a results workbook with its FilterId has its message
// filter already: no filter step, although its subscriber has a FilterLevel.
func TestFilterIdMeansTheFilterExists(t *testing.T) {
	p := mustBuild(t, base().with("Numbers-done", "LineRef|SubscriberEmail|MessageRouteRef|PhoneNumberId|FilterId",
		"F1|kid@example.com|sms|NID-1|FLT-1", "F2|kid@example.com|sms|NID-2|"))
	got := deps(p)
	if _, ok := got["numbers/F1/filter"]; ok {
		t.Errorf("numbers/F1/filter is planned, want no filter step for a line with a FilterId")
	}
	if _, ok := got["numbers/F2/filter"]; !ok {
		t.Errorf("numbers/F2/filter is not planned, want one for a line of a subscriber with a FilterLevel")
	}
	if r := &p.Rows[rowByKey(t, p, Numbers, "F1")]; r.Get("FilterId") != "FLT-1" {
		t.Errorf("FilterId = %q, want FLT-1", r.Get("FilterId"))
	}
	_, _, warnings, err := Check(base().with("Accounts-done", "AccountRef|AccountId|FilterId", "x|AID-1|FLT-9").readers())
	if err != nil || len(warnings) != 0 {
		t.Errorf("FilterId on another kind: %v, warnings %q; want it ignored as a results column", err, warnings)
	}
}

// The eligibility plan reads only the port-ins' numbers (and what decides
// whether a row is checked): it works on a port list without carrier
// details, whatever the other tables and columns hold, and its steps are
// the full plan's eligibility steps, key for key.
func TestCheckEligibility(t *testing.T) {
	ports := sheet{"Ports-week1", "PortInNumber|TargetClassification|Action|OrderId|PhoneNumberId|CurrentAccountPassword|ZIP|Colour", []string{
		"(801) 555-3001|landline||||0550|8404|red",
		"801.555.3002||cancel||||x|",
		"801-555-3003|||JNOID-3|||",
		"801-555-3004||||NID-4||",
		"801-555-3005||resubmit|JNOID-5|||",
	}}
	m := manifest{
		{"Subscribers", "Email|Name", []string{"not an email|"}},
		{"Notes", "Anything", []string{"at all"}},
		ports,
	}
	p, problems, warnings, err := CheckEligibility(m.readers())
	if err != nil || len(problems) > 0 {
		t.Fatalf("CheckEligibility: %v, problems %q; want a plan", err, problems)
	}
	want := `Ports-week1:Colour: unknown column "Colour": its values are copied to the results but not used (want a PortIns column from docs/manifest.md)`
	if len(warnings) != 1 || warnings[0].String() != want {
		t.Errorf("warnings = %q, want [%q]", warnings, want)
	}
	var keys []StepKey
	for i := range p.Steps {
		if p.Steps[i].Action != PortInEligibility || len(p.Deps(StepID(i))) != 0 {
			t.Errorf("step %s: %v with deps %v, want eligibility steps only", p.Key(StepID(i)), p.Steps[i].Action, p.Deps(StepID(i)))
		}
		keys = append(keys, p.Key(StepID(i)))
	}
	wantKeys := []StepKey{"portins/+18015553001/eligibility", "portins/+18015553005/eligibility"}
	if !slices.Equal(keys, wantKeys) {
		t.Errorf("steps %q, want %q", keys, wantKeys)
	}
	if len(p.Rows) != 5 || len(p.Tables) != 1 || p.Tables[0].Sheet != "Ports-week1" {
		t.Fatalf("%d rows in %d tables, want the 5 port-in rows of Ports-week1", len(p.Rows), len(p.Tables))
	}
	r := &p.Rows[0]
	if r.Get("TargetClassification") != "Landline" || r.Get("CurrentAccountPassword") != "" || r.Get("BillingZip") != "" {
		t.Errorf("row 1: TargetClassification %q, CurrentAccountPassword %q, BillingZip %q; want Landline and two unread columns",
			r.Get("TargetClassification"), r.Get("CurrentAccountPassword"), r.Get("BillingZip"))
	}
	if !p.Tables[0].Secret[5] {
		t.Errorf("CurrentAccountPassword is not marked secret in TableInfo: the results would show it")
	}

	// The same keys as the full plan's eligibility steps.
	full := mustBuild(t, base().with("PortIns", "",
		"(801) 555-3001||jane@example.com|sms|Old Co|1|0550|1 Main|Lehi|UT|84043|||",
		"801-555-3005|resubmit|jane@example.com|sms|Old Co|1|0550|1 Main|Lehi|UT|84043|||"))
	fullKeys := map[StepKey]bool{}
	for i := range full.Steps {
		fullKeys[full.Key(StepID(i))] = true
	}
	for _, k := range wantKeys {
		if !fullKeys[k] {
			t.Errorf("the full plan has no step %s", k)
		}
	}

	t.Run("problems in its own columns", func(t *testing.T) {
		bad := manifest{{"PortIns", "PortInNumber|TargetClassification", []string{"555|Mobile", "801-555-3001|cable", "+18015553001|"}}}
		_, problems, _, err := CheckEligibility(bad.readers())
		if err != nil {
			t.Fatal(err)
		}
		got := lines(problems)
		want := []string{
			`PortIns:2:PortInNumber: "555" is not a valid phone number (want (801) 555-1234 or E.164 like +18015551234)`,
			`PortIns:3:TargetClassification: "cable" is not a number classification (want mvno, iot or Landline; Mobile is read as mvno)`,
			`PortIns:4:PortInNumber: "+18015553001" is also the PortInNumber of PortIns:3 (want each PortInNumber once per manifest)`,
		}
		if !slices.Equal(got, want) {
			t.Errorf("problems:\n got  %q\n want %q", got, want)
		}
	})
	t.Run("no port-ins", func(t *testing.T) {
		if _, _, _, err := CheckEligibility(base().without("PortIns").readers()); err == nil {
			t.Error("no error for a manifest without a PortIns table")
		}
	})
}

package sandbox

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"telegent-bulk/telegent"
)

func TestDuplicateEmail(t *testing.T) {
	t.Parallel()
	for _, p := range profiles {
		t.Run(p.String(), func(t *testing.T) { testDuplicateEmail(t, p) })
	}
}

// testDuplicateEmail: 400 under the documented profile (the vendor's error
// table has no 409), 409 under the extended one; the message is the
// reference's "Email already exists" under both.
func testDuplicateEmail(t *testing.T, p Profile) {
	_, c := newSandbox(t, Options{Seed: 1, Profile: p})
	f := c.fixture()
	req := telegent.SubscriberCreateRequest{Name: "Cy", Email: "cy@example.com", PhoneNumbers: []string{}, Role: "Manager", Password: "x", AccountId: f.account}
	c.mustPost(telegent.PathSubscriberCreate, req, nil)
	for _, email := range []string{"cy@example.com", "CY@Example.com"} {
		req.Email = email
		status, eb := c.post(telegent.PathSubscriberCreate, req, nil)
		if status != c.conflict() || eb.Message != "Email already exists" {
			t.Errorf("second create with %s: %d %q, want %d \"Email already exists\"", email, status, eb.Message, c.conflict())
		}
	}
	var l telegent.SubscriberList
	c.mustGet(telegent.PathDistributorSubs, &l)
	n := 0
	for _, s := range l.Results {
		if strings.EqualFold(s.Email, "cy@example.com") {
			n++
		}
	}
	if n != 1 {
		t.Errorf("subscribers with the email = %d, want 1", n)
	}
}

func TestUnknownIDsAreNotFound(t *testing.T) {
	t.Parallel()
	_, c := newSandbox(t, Options{Seed: 1})
	f := c.fixture()
	num := c.provision(f)
	const ghost = "X-00000000-0000-4000-8000-000000000000"
	prov := func(change func(*telegent.ProvisionRequest)) telegent.ProvisionRequest {
		r := f.provision()
		change(&r)
		return r
	}
	tests := []struct {
		name, method, path string
		body               any
		want               string
	}{
		{"subscriber account", "POST", telegent.PathSubscriberCreate, telegent.SubscriberCreateRequest{Name: "a", Email: "a@example.com", PhoneNumbers: []string{}, Role: "Subscriber", Password: "x", AccountId: ghost}, "AccountId"},
		{"route account", "POST", telegent.PathMessageRoutes, telegent.MessageRouteCreateRequest{RouteName: "r", MessageUrl: "https://x.example.com", MessageUrlMethod: "GET", AccountId: ghost}, "AccountId"},
		{"route details", "GET", telegent.PathMessageRoutes + "?MessageRouteId=" + ghost, nil, "MessageRouteId"},
		{"voice route details", "GET", telegent.PathVoiceRoutes + "?CallRouteId=" + ghost, nil, "CallRouteId"},
		{"provision message route", "POST", telegent.PathNumbersProvision, prov(func(r *telegent.ProvisionRequest) { r.MessageRouteId = ghost }), "MessageRouteId"},
		{"provision voice route", "POST", telegent.PathNumbersProvision, prov(func(r *telegent.ProvisionRequest) { r.VoiceEnabled, r.VoiceRouteId = true, ghost }), "VoiceRouteId"},
		{"provision subscriber", "POST", telegent.PathNumbersProvision, prov(func(r *telegent.ProvisionRequest) { r.AssignedSubscriberId = ghost }), "AssignedSubscriberId"},
		{"provision account", "POST", telegent.PathNumbersProvision, prov(func(r *telegent.ProvisionRequest) { r.AccountId = ghost }), "AccountId"},
		{"update number id", "POST", telegent.PathNumbersUpdate, telegent.NumberUpdateRequest{PhoneNumberId: ghost}, "PhoneNumberId"},
		{"update phone", "POST", telegent.PathNumbersUpdate, telegent.NumberUpdateRequest{PhoneNumber: "+18015550000"}, "PhoneNumber"},
		{"update route", "POST", telegent.PathNumbersUpdate, telegent.NumberUpdateRequest{PhoneNumberId: num.PhoneNumberId, MessageRouteId: ghost}, "MessageRouteId"},
		{"order", "GET", telegent.PathNumbersOrder + "?OrderId=" + ghost, nil, "OrderId"},
		{"portin update", "POST", telegent.PathPortInUpdate, telegent.PortInUpdateRequest{OrderId: ghost}, "OrderId"},
		{"portin cancel", "POST", telegent.PathPortInCancel, telegent.PortInCancelRequest{OrderId: ghost}, "OrderId"},
		{"portout unknown number", "POST", telegent.PathPortOut, telegent.PortOutRequest{PortOutNumber: "+18015550000", PortOutPIN: "1234"}, "PortOutNumber"},
		{"subscription subscriber", "POST", telegent.PathSubscriptions, telegent.SubscriptionCreateRequest{SubscriberId: ghost, PackageId: packages[0].PackageId, Type: "mvno"}, "SubscriberId"},
		{"subscription package", "POST", telegent.PathSubscriptions, telegent.SubscriptionCreateRequest{SubscriberId: f.subscriber, PackageId: ghost, Type: "mvno"}, "PackageId"},
		{"subscription tnid", "POST", telegent.PathSubscriptions, telegent.SubscriptionCreateRequest{SubscriberId: f.subscriber, PackageId: packages[0].PackageId, Type: "mvno", TNID: ghost}, "TNID"},
		{"guardian subscriber", "POST", telegent.PathGuardianFeatures, telegent.GuardianFeatures{SubscriberId: ghost}, "SubscriberId"},
		{"filter subscriber", "POST", telegent.PathMessageFilter, telegent.MessageFilterRequest{SubscriberId: ghost, Phone: "+18015551234"}, "SubscriberId"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, eb := c.do(tt.method, tt.path, tt.body, nil)
			if status != http.StatusNotFound {
				t.Fatalf("status = %d (%s), want 404", status, eb.Message)
			}
			if !strings.Contains(eb.Message, tt.want) {
				t.Errorf("Message = %q, want it to name %s", eb.Message, tt.want)
			}
		})
	}
}

func TestProvisionBuysANewNumberEveryCall(t *testing.T) {
	t.Parallel()
	s, c := newSandbox(t, Options{Seed: 1})
	f := c.fixture()
	before := len(s.State().Numbers)
	seen := map[string]bool{}
	const calls = 30
	for range calls {
		p := c.provision(f) // the same body every time, as a blind retry would send
		switch {
		case seen[p.PhoneNumberAssigned]:
			t.Fatalf("number %s bought twice", p.PhoneNumberAssigned)
		case !strings.HasPrefix(p.PhoneNumberAssigned, "+1801") || len(p.PhoneNumberAssigned) != 12:
			t.Errorf("number %s, want +1801 and 7 digits", p.PhoneNumberAssigned)
		case p.PhoneNumberAssigned[8:10] == "99":
			t.Errorf("number %s ends like a port-in test number", p.PhoneNumberAssigned)
		case !strings.HasPrefix(p.OrderId, "JNUOID-") || !strings.HasPrefix(p.PhoneNumberId, "NID-") || p.OrderStatus != "Complete":
			t.Errorf("answer = %+v, want a Complete JNUOID- order and a NID-", p)
		}
		seen[p.PhoneNumberAssigned] = true
	}
	st := s.State()
	if got := len(st.Numbers) - before; got != calls {
		t.Errorf("numbers added = %d, want %d (each call is a visible purchase)", got, calls)
	}
	provisions := 0
	for _, o := range st.Orders {
		if o.OrderType == "provision" {
			provisions++
		}
	}
	if provisions != calls {
		t.Errorf("provision orders = %d, want %d", provisions, calls)
	}

	req := f.provision()
	req.AreaCode = "385"
	var p telegent.ProvisionResponse
	c.mustPost(telegent.PathNumbersProvision, req, &p)
	if !strings.HasPrefix(p.PhoneNumberAssigned, "+1385") {
		t.Errorf("with AreaCode 385: number %s", p.PhoneNumberAssigned)
	}
}

func TestICCIDIsOnOneNumberOnly(t *testing.T) {
	t.Parallel()
	_, c := newSandbox(t, Options{Seed: 1})
	f := c.fixture()
	req := f.provision()
	req.ICCID = "8901240397190195850"
	c.mustPost(telegent.PathNumbersProvision, req, nil)
	if status, eb := c.post(telegent.PathNumbersProvision, req, nil); status != http.StatusBadRequest || !strings.Contains(eb.Message, "ICCID") {
		t.Errorf("second provision with the ICCID: %d %q, want 400 naming ICCID", status, eb.Message)
	}
	other := c.provision(f)
	status, _ := c.post(telegent.PathNumbersUpdate, telegent.NumberUpdateRequest{PhoneNumberId: other.PhoneNumberId, ICCID: req.ICCID}, nil)
	if status != http.StatusBadRequest {
		t.Errorf("binding the ICCID to another number: %d, want 400", status)
	}
}

func TestNumberUpdateBindsAndChecks(t *testing.T) {
	t.Parallel()
	_, c := newSandbox(t, Options{Seed: 1, Profile: ProfileExtended}) // whose numbers show their AccountId
	f, g := c.fixture(), c.fixture()
	req := f.provision()
	req.AssignedSubscriberId = ""
	var p telegent.ProvisionResponse
	c.mustPost(telegent.PathNumbersProvision, req, &p)

	var n telegent.Number
	c.mustPost(telegent.PathNumbersUpdate, telegent.NumberUpdateRequest{PhoneNumber: p.PhoneNumberAssigned, AssignedSubscriberId: g.subscriber, VoiceRouteId: f.voiceRoute, VoiceEnabled: ptr(true)}, &n)
	if n.SubscriberId != g.subscriber || n.AccountId != g.account || !n.VoiceEnabled || n.VoiceRouteId != f.voiceRoute {
		t.Errorf("after update: %+v, want bound to %s of %s, voice on %s", n, g.subscriber, g.account, f.voiceRoute)
	}
	status, eb := c.post(telegent.PathNumbersUpdate, telegent.NumberUpdateRequest{PhoneNumberId: p.PhoneNumberId, AccountId: f.account}, nil)
	if status != http.StatusBadRequest || !strings.Contains(eb.Message, "another account") {
		t.Errorf("moving the number to an account its subscriber is not in: %d %q, want 400", status, eb.Message)
	}
	status, _ = c.post(telegent.PathNumbersUpdate, telegent.NumberUpdateRequest{PhoneNumberId: p.PhoneNumberId, PhoneNumber: "+13855550100"}, nil)
	if status != http.StatusBadRequest {
		t.Errorf("PhoneNumberId and PhoneNumber of different numbers: %d, want 400", status)
	}
}

func ptr[T any](v T) *T { return &v }

func TestListsArePaged(t *testing.T) {
	t.Parallel()
	_, c := newSandbox(t, Options{Seed: 1, Profile: ProfileExtended}) // which serves the account list
	for i := range 5 {
		c.mustPost(telegent.PathAccountCreate, telegent.AccountCreateRequest{AccountName: fmt.Sprint("acct ", i)}, nil)
	}
	var all telegent.AccountList
	c.mustGet(telegent.PathDistributorAccounts, &all)
	const total = 6 // with the preloaded legacy account
	if all.TotalAccounts != total || len(all.Results) != total {
		t.Fatalf("unpaged: total %d, %d results, want %d", all.TotalAccounts, len(all.Results), total)
	}
	tests := []struct {
		query     string
		wantNames []string
	}{
		{"?PageNumber=1&TotalPerPage=2", []string{"Legacy Base", "acct 0"}},
		{"?PageNumber=3&TotalPerPage=2", []string{"acct 3", "acct 4"}},
		{"?pagenumber=2&totalperpage=4", []string{"acct 3", "acct 4"}},
		{"?PageNumber=9&TotalPerPage=2", nil},
		{"?PageNumber=9223372036854775807&TotalPerPage=9223372036854775807", nil},
		{"?PageNumber=2&TotalPerPage=9223372036854775807", nil},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			var l telegent.AccountList
			c.mustGet(telegent.PathDistributorAccounts+tt.query, &l)
			var names []string
			for _, a := range l.Results {
				names = append(names, a.AccountName)
			}
			if fmt.Sprint(names) != fmt.Sprint(tt.wantNames) || l.TotalAccounts != total {
				t.Errorf("got %v of %d, want %v of %d", names, l.TotalAccounts, tt.wantNames, total)
			}
		})
	}
	if status, _ := c.get(telegent.PathDistributorAccounts+"?PageNumber=0", nil); status != http.StatusBadRequest {
		t.Errorf("PageNumber=0: %d, want 400", status)
	}
}

func TestInventoryFilters(t *testing.T) {
	t.Parallel()
	_, c := newSandbox(t, Options{Seed: 1, Profile: ProfileExtended}) // which filters on AccountId
	f := c.fixture()
	c.provision(f)
	c.provision(f)
	tests := []struct {
		query string
		want  int
	}{
		{"?SubscriberId=" + f.subscriber, 2},
		{"?AccountId=" + legacyAccountID, legacyNumbers},
		{"?PhoneNumber=%2B13855550105", 1},
		{"?PhoneNumber=+13855550105", 1}, // an unescaped + arrives as a space
		{"?Status=active&AccountId=" + f.account, 2},
		{"?Status=Porting", 0},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			l := c.inventory(tt.query)
			if l.TotalNumbers != tt.want || len(l.Results) != tt.want {
				t.Errorf("total %d, %d results, want %d", l.TotalNumbers, len(l.Results), tt.want)
			}
		})
	}
}

func TestRouteListsAndDetails(t *testing.T) {
	t.Parallel()
	_, c := newSandbox(t, Options{Seed: 1, Profile: ProfileExtended}) // which lists voice routes and filters routes by account
	f := c.fixture()
	var mr telegent.MessageRoute
	c.mustGet(telegent.PathMessageRoutes+"?MessageRouteId="+f.messageRoute, &mr)
	if mr.MessageRouteId != f.messageRoute || !mr.MessageRouteEnabled {
		t.Errorf("details = %+v, want %s, enabled by default", mr, f.messageRoute)
	}
	var ml telegent.MessageRouteList
	c.mustGet(telegent.PathAccountMessageRoutes+"?AccountId="+f.account, &ml)
	if ml.TotalRoutes != 1 || ml.Results[0].AccountID != f.account {
		t.Errorf("account routes = %+v, want the one route with AccountID %s", ml, f.account)
	}
	var vl telegent.VoiceRouteList
	c.mustGet(telegent.PathVoiceRoutes, &vl)
	if vl.TotalRoutes != 1 || vl.Results[0].CallRouteId != f.voiceRoute {
		t.Errorf("voice routes = %+v, want %s", vl, f.voiceRoute)
	}
}

func TestDataUsage(t *testing.T) {
	t.Parallel()
	s, c := newSandbox(t, Options{Seed: 1})
	f := c.fixture()
	data := c.provision(f)
	req := f.provision()
	req.DataEnabled, req.ProductType = false, "Sms-Only"
	var smsOnly telegent.ProvisionResponse
	c.mustPost(telegent.PathNumbersProvision, req, &smsOnly)

	usage := telegent.DataUsageRequest{ValueUnit: "MB", LimitValue: 20, NotifyValue: intp(10), ThrottleValue: intp(15), ThrottleSpeed: "1-mbps",
		PhoneNumbers: []telegent.PhoneNumberRef{{Number: data.PhoneNumberAssigned}, {Number: smsOnly.PhoneNumberAssigned}}}
	status, eb := c.post(telegent.PathDataUsage, usage, nil)
	if status != http.StatusBadRequest || !strings.Contains(eb.Message, smsOnly.PhoneNumberAssigned) {
		t.Errorf("with a number that is not data-enabled: %d %q, want 400 naming it", status, eb.Message)
	}
	if n := len(s.State().DataUsage); n != 0 {
		t.Errorf("after a refused request %d numbers have limits, want none", n)
	}
	usage.PhoneNumbers = usage.PhoneNumbers[:1]
	var resp telegent.DataUsageResponse
	c.mustPost(telegent.PathDataUsage, usage, &resp)
	if resp.Status != "Complete" || resp.LimitValue != 20 {
		t.Errorf("answer = %+v, want Complete with LimitValue 20", resp)
	}
	c.mustPost(telegent.PathDataUsage, usage, nil) // setting the same limits again changes nothing
	du := s.State().DataUsage
	if len(du) != 1 || du[0].PhoneNumbers[0].Number != data.PhoneNumberAssigned || *du[0].ThrottleValue != 15 {
		t.Errorf("state data usage = %+v, want one record for %s", du, data.PhoneNumberAssigned)
	}
}

func TestSubscriptions(t *testing.T) {
	t.Parallel()
	s, c := newSandbox(t, Options{Seed: 1})
	f := c.fixture()
	p := c.provision(f)
	req := telegent.SubscriptionCreateRequest{SubscriberId: f.subscriber, PackageId: packages[1].PackageId, Type: "mvno", TNID: p.PhoneNumberId}
	var sub telegent.Subscription
	c.mustPost(telegent.PathSubscriptions, req, &sub)
	if !strings.HasPrefix(sub.SubscriptionId, "SUB-") || !sub.Active {
		t.Errorf("subscription = %+v, want an active SUB-", sub)
	}
	if status, _ := c.post(telegent.PathSubscriptions, req, nil); status != http.StatusBadRequest {
		t.Errorf("second subscription on the TNID: %d, want 400", status)
	}
	req.TNID = ""
	c.mustPost(telegent.PathSubscriptions, req, nil) // without a number there is nothing to collide with
	var l telegent.SubscriptionList
	c.mustGet(telegent.PathDistributorSubscript+"?Filter=All", &l)
	if l.TotalSubscriptions != 2 || len(s.State().Subscriptions) != 2 {
		t.Errorf("subscriptions listed %d, in state %d, want 2", l.TotalSubscriptions, len(s.State().Subscriptions))
	}
	c.mustGet(telegent.PathDistributorSubscript+"?Filter=inactive", &l)
	if l.TotalSubscriptions != 0 {
		t.Errorf("inactive subscriptions = %d, want 0", l.TotalSubscriptions)
	}
	var pl telegent.PackageList
	c.mustGet(telegent.PathAccountPackages+"?Filter=Active", &pl)
	if pl.TotalPackages != 5 || pl.Results[2].PackageName != "Unlimited Premium" || pl.Results[2].Price != 69.99 {
		t.Errorf("packages = %+v, want the documented catalog", pl)
	}
}

func TestGuardianAndMessageFilters(t *testing.T) {
	t.Parallel()
	s, c := newSandbox(t, Options{Seed: 1})
	f := c.fixture()
	g := telegent.GuardianFeatures{SubscriberId: f.subscriber, EnableIntelligentGuardianMessages: true}
	c.mustPost(telegent.PathGuardianFeatures, g, nil)
	c.mustPost(telegent.PathGuardianFeatures, g, nil)
	if got := s.State().GuardianFeatures; len(got) != 1 || got[0] != g {
		t.Errorf("guardian state = %+v, want exactly %+v", got, g)
	}

	req := telegent.MessageFilterRequest{SubscriberId: f.subscriber, Phone: "+18015551234", FilterMode: "teenager"}
	var mf telegent.MessageFilter
	c.mustPost(telegent.PathMessageFilter, req, &mf)
	if !strings.HasPrefix(mf.FilterId, "MFID-") || mf.FilterMode != "TEENAGER" || !mf.ApplyToInbound || mf.AllowedContacts == nil {
		t.Errorf("filter = %+v, want an MFID- in TEENAGER mode with defaults", mf)
	}
	if status, _ := c.post(telegent.PathMessageFilter, req, nil); status != http.StatusBadRequest {
		t.Errorf("second filter on the same phone: %d, want 400", status)
	}
	var got []telegent.MessageFilter
	c.mustGet(telegent.PathMessageFilter+"?SubscriberId="+f.subscriber+"&Phone=%2B18015551234", &got)
	if len(got) != 1 || got[0].FilterId != mf.FilterId {
		t.Errorf("filters = %+v, want [%s]", got, mf.FilterId)
	}
	c.mustGet(telegent.PathMessageFilter+"?Phone=%2B18015550000", &got)
	if len(got) != 0 {
		t.Errorf("filters on another phone = %d, want 0", len(got))
	}
}

func TestPickNumberNeverReusesANumber(t *testing.T) {
	st, err := newStore(time.Second, 1, 2)
	if err != nil {
		t.Fatal(err)
	}
	st.reindex()
	first, err := st.pickNumber("801")
	if err != nil {
		t.Fatal(err)
	}
	st.addNumber(&telegent.Number{PhoneNumber: first, Status: statusActive})
	st.pcg.Seed(1, 2) // replay the same draws: the first one is now taken
	second, err := st.pickNumber("801")
	if err != nil || second == first {
		t.Errorf("second pick = %s (%v), want a number other than %s", second, err, first)
	}
}

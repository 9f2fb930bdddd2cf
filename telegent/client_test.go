package telegent_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"telegent-bulk/telegent"
	"telegent-bulk/telegent/sandbox"
)

// recorder collects the attempts a client reports.
type recorder struct {
	mu       sync.Mutex
	attempts []telegent.Attempt
}

func (r *recorder) observe(a telegent.Attempt) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.attempts = append(r.attempts, a)
}

// count returns how many attempts went to path with the given status
// (any status when status is -1).
func (r *recorder) count(path string, status int) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, a := range r.attempts {
		if a.Path == path && (status < 0 || a.Status == status) {
			n++
		}
	}
	return n
}

// start runs a sandbox over httptest and returns it with a client that
// backs off for milliseconds rather than seconds.
func start(t *testing.T, opts sandbox.Options, tweak ...func(*telegent.Config)) (*sandbox.Server, *telegent.Client, *recorder) {
	t.Helper()
	srv, err := sandbox.New(opts)
	if err != nil {
		t.Fatalf("sandbox.New: %v", err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		hs.Close()
		_ = srv.Close()
	})
	rec := &recorder{}
	cfg := telegent.Config{
		BaseURL:       hs.URL,
		AccountKey:    sandbox.AccountKey,
		AccountSecret: sandbox.AccountSecret,
		BaseBackoff:   time.Millisecond,
		MaxBackoff:    10 * time.Millisecond,
		Timeout:       10 * time.Second,
		Observer:      rec.observe,
	}
	for _, fn := range tweak {
		fn(&cfg)
	}
	c, err := telegent.New(cfg)
	if err != nil {
		t.Fatalf("telegent.New: %v", err)
	}
	return srv, c, rec
}

// must returns a call's value, failing the test on its error:
// must(c.CreateAccount(ctx, r))(t).
func must[T any](v T, err error) func(testing.TB) T {
	return func(tb testing.TB) T {
		tb.Helper()
		if err != nil {
			tb.Fatalf("unexpected error: %v", err)
		}
		return v
	}
}

// requests returns how many requests the sandbox answered for "METHOD path"
// with the given status ("" for any).
func requests(srv *sandbox.Server, key, status string) int {
	n := 0
	for st, c := range srv.Stats().Requests[key] {
		if status == "" || st == status {
			n += c
		}
	}
	return n
}

func TestEveryEndpoint(t *testing.T) {
	t.Parallel()
	srv, c, _ := start(t, sandbox.Options{Seed: 7, Profile: sandbox.ProfileExtended}) // which serves the account and voice route lists
	ctx := t.Context()

	acct := must(c.CreateAccount(ctx, telegent.AccountCreateRequest{AccountName: "Acme Mobile", AccountAdmin: "ops@acme.example"}))(t)
	sub := must(c.CreateSubscriber(ctx, telegent.SubscriberCreateRequest{
		Name: "Ann Smith", Email: "ann@acme.example", Role: "Subscriber", Password: "pw-never-shown", AccountId: acct.AccountId,
	}))(t)
	mr := must(c.CreateMessageRoute(ctx, telegent.MessageRouteCreateRequest{
		RouteName: "Main SMS", MessageUrl: "https://hooks.acme.example/sms", MessageUrlMethod: "POST", AccountId: acct.AccountId,
	}))(t)
	vr := must(c.CreateVoiceRoute(ctx, telegent.VoiceRouteCreateRequest{
		RouteName: "Main trunk", RouteType: "Trunk", TrunkIp1: "203.0.113.7", TrunkPort1: "5060", TrunkTransport1: "UDP", AccountId: acct.AccountId,
	}))(t)
	avail := must(c.Availability(ctx, telegent.AvailabilityRequest{NumberType: "mobile", MessageEnabled: true, AreaCode: "801"}))(t)
	if avail.ResultsTotal <= 0 {
		t.Errorf("availability: ResultsTotal = %d, want some numbers", avail.ResultsTotal)
	}
	prov := must(c.Provision(ctx, telegent.ProvisionRequest{
		NumberType: "mvno", MessageType: "p2p", MessageEnabled: true, VoiceEnabled: true, DataEnabled: true,
		ProductType: "Sms+Data+Voice", MessageRouteId: mr.MessageRouteId, VoiceRouteId: vr.CallRouteId,
		AssignedSubscriberId: sub.SubscriberId, AccountId: acct.AccountId,
	}))(t)
	if prov.OrderStatus != telegent.OrderComplete || prov.PhoneNumberId == "" {
		t.Errorf("provision = %+v, want a Complete order with a PhoneNumberId", prov)
	}
	num := must(c.UpdateNumber(ctx, telegent.NumberUpdateRequest{PhoneNumberId: prov.PhoneNumberId, ICCID: "8901240397190195850"}))(t)
	if num.ICCID != "8901240397190195850" {
		t.Errorf("updated number ICCID = %q, want the new SIM", num.ICCID)
	}
	inv := must(c.Inventory(ctx, telegent.InventoryFilter{SubscriberId: sub.SubscriberId}))(t)
	if len(inv) != 1 || inv[0].PhoneNumber != prov.PhoneNumberAssigned {
		t.Errorf("inventory for the subscriber = %+v, want only %s", inv, prov.PhoneNumberAssigned)
	}
	order := must(c.Order(ctx, prov.OrderId))(t)
	if order.OrderStatus != telegent.OrderComplete {
		t.Errorf("order status = %q, want %q", order.OrderStatus, telegent.OrderComplete)
	}

	elig := must(c.PortInEligibility(ctx, telegent.EligibilityRequest{PhoneNumber: "+18015559901", TargetClassification: "Mobile"}))(t)
	if elig.Eligible {
		t.Errorf("eligibility of a 9901 test number = %+v, want not eligible", elig)
	}
	pin := must(c.PortIn(ctx, telegent.PortInRequest{
		PortInNumber: "+18015550142", CurrentCarrierName: "Old Carrier", CurrentAccountNumber: "4651234567",
		CurrentAccountPassword: "0550",
		CurrentBillingAddress:  telegent.Address{Street1: "2701 N Thanksgiving Way", City: "Lehi", State: "UT", Zip: "84043"},
	}))(t)
	if !telegent.PortOpen(pin.Status) {
		t.Errorf("port-in status = %q, want an open order", pin.Status)
	}
	upd := must(c.UpdatePortIn(ctx, telegent.PortInUpdateRequest{
		OrderId: pin.OrderId, SubscriberName: "Ann Smith", PortInDate: "2026-07-01", ICCID: "8901240397190195868",
	}))(t)
	if upd.OrderId != pin.OrderId || upd.Status != "Updated" {
		t.Errorf("port-in update = %+v, want Updated on %s", upd, pin.OrderId)
	}
	// The update reached the order and the number being ported.
	mid := srv.State()
	if !slices.ContainsFunc(mid.Orders, func(o telegent.OrderDetails) bool {
		return o.OrderId == pin.OrderId && o.PortInDate == "2026-07-01" && telegent.PortOpen(o.OrderStatus)
	}) {
		t.Errorf("state orders %+v lack %s, open, with the updated PortInDate", mid.Orders, pin.OrderId)
	}
	if !slices.ContainsFunc(mid.Numbers, func(n telegent.Number) bool {
		return n.PhoneNumber == "+18015550142" && n.OrderId == pin.OrderId && n.ICCID == "8901240397190195868"
	}) {
		t.Errorf("state lacks the porting number +18015550142 with the updated ICCID")
	}
	cancelled := must(c.CancelPortIn(ctx, pin.OrderId))(t)
	if cancelled.Status != telegent.PortCancelled {
		t.Errorf("cancel = %+v, want Cancelled", cancelled)
	}
	pout := must(c.PortOut(ctx, telegent.PortOutRequest{PortOutNumber: "+13855550100", PortOutPIN: "482913"}))(t)
	if pout.OrderId == "" {
		t.Errorf("port-out = %+v, want an order", pout)
	}

	notify, throttle := 1024, 1536
	du := must(c.SetDataUsage(ctx, telegent.DataUsageRequest{
		ValueUnit: "MB", LimitValue: 2048, NotifyValue: &notify, ThrottleValue: &throttle, ThrottleSpeed: "1-mbps",
		PhoneNumbers: []telegent.PhoneNumberRef{{Number: prov.PhoneNumberAssigned}},
	}))(t)
	if du.LimitValue != 2048 {
		t.Errorf("data usage = %+v, want LimitValue 2048", du)
	}
	pkgs := must(c.Packages(ctx))(t)
	if len(pkgs) != 5 {
		t.Fatalf("packages = %d, want the 5 of the preloaded catalog", len(pkgs))
	}
	subn := must(c.CreateSubscription(ctx, telegent.SubscriptionCreateRequest{
		SubscriberId: sub.SubscriberId, PackageId: pkgs[0].PackageId, Type: "mvno", TNID: prov.PhoneNumberId,
	}))(t)
	subs := must(c.ListSubscriptions(ctx))(t)
	if !slices.ContainsFunc(subs, func(s telegent.Subscription) bool { return s.SubscriptionId == subn.SubscriptionId }) {
		t.Errorf("subscription list %+v lacks %s", subs, subn.SubscriptionId)
	}
	g := must(c.SetGuardianFeatures(ctx, telegent.GuardianFeatures{
		SubscriberId: sub.SubscriberId, EnableIntelligentGuardianCalls: true, EnableIntelligentGuardianMessages: true,
	}))(t)
	if !g.EnableIntelligentGuardianMessages {
		t.Errorf("guardian features = %+v, want messages on", g)
	}
	mf := must(c.CreateMessageFilter(ctx, telegent.MessageFilterRequest{
		SubscriberId: sub.SubscriberId, Phone: prov.PhoneNumberAssigned, FilterMode: "TEENAGER",
	}))(t)
	filters := must(c.ListMessageFilters(ctx, sub.SubscriberId, ""))(t)
	if len(filters) != 1 || filters[0].FilterId != mf.FilterId {
		t.Errorf("filters = %+v, want only %s", filters, mf.FilterId)
	}

	accounts := must(c.ListAccounts(ctx))(t)
	subscribers := must(c.ListSubscribers(ctx))(t)
	mroutes := must(c.ListMessageRoutes(ctx, acct.AccountId))(t)
	vroutes := must(c.ListVoiceRoutes(ctx))(t)

	st := srv.State()
	// Every list answers exactly what the state holds.
	ids := func(n int, id func(int) string) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = id(i)
		}
		slices.Sort(out)
		return out
	}
	lists := []struct {
		name      string
		got, want []string
	}{
		{"accounts",
			ids(len(accounts), func(i int) string { return accounts[i].AccountId }),
			ids(len(st.Accounts), func(i int) string { return st.Accounts[i].AccountId })},
		{"subscribers",
			ids(len(subscribers), func(i int) string { return subscribers[i].SubscriberId + " " + subscribers[i].Email }),
			ids(len(st.Subscribers), func(i int) string { return st.Subscribers[i].SubscriberId + " " + st.Subscribers[i].Email })},
		{"message routes",
			ids(len(mroutes), func(i int) string { return mroutes[i].MessageRouteId }),
			[]string{mr.MessageRouteId}},
		{"voice routes",
			ids(len(vroutes), func(i int) string { return vroutes[i].CallRouteId }),
			ids(len(st.VoiceRoutes), func(i int) string { return st.VoiceRoutes[i].CallRouteId })},
		{"subscriptions",
			ids(len(subs), func(i int) string { return subs[i].SubscriptionId }),
			ids(len(st.Subscriptions), func(i int) string { return st.Subscriptions[i].SubscriptionId })},
	}
	for _, l := range lists {
		if !slices.Equal(l.got, l.want) {
			t.Errorf("listed %s = %v, state holds %v", l.name, l.got, l.want)
		}
	}

	// Every create and setting is in the state with what was sent.
	has := func(what string, ok bool) {
		t.Helper()
		if !ok {
			t.Errorf("state lacks %s", what)
		}
	}
	has("the account", slices.ContainsFunc(st.Accounts, func(a telegent.Account) bool {
		return a.AccountId == acct.AccountId && a.AccountName == "Acme Mobile" && a.TotalSubscribers == 1
	}))
	has("the subscriber", slices.ContainsFunc(st.Subscribers, func(s telegent.Subscriber) bool {
		return s.SubscriberId == sub.SubscriberId && s.Email == "ann@acme.example" && s.Name == "Ann Smith" &&
			s.Account != nil && s.Account.AccountId == acct.AccountId
	}))
	has("the message route", slices.ContainsFunc(st.MessageRoutes, func(r telegent.MessageRoute) bool {
		return r.MessageRouteId == mr.MessageRouteId && r.AccountId == acct.AccountId && r.MessageUrl == "https://hooks.acme.example/sms"
	}))
	has("the voice route", slices.ContainsFunc(st.VoiceRoutes, func(r telegent.VoiceRoute) bool {
		return r.CallRouteId == vr.CallRouteId && r.AccountId == acct.AccountId && r.RouteName == "Main trunk" &&
			r.RouteType == "Trunk" && r.TrunkIp1 == "203.0.113.7" && r.TrunkPort1 == "5060" && r.TrunkTransport1 == "UDP"
	}))
	has("the data usage limits", slices.ContainsFunc(st.DataUsage, func(d telegent.DataUsageResponse) bool {
		return len(d.PhoneNumbers) == 1 && d.PhoneNumbers[0].Number == prov.PhoneNumberAssigned &&
			d.ValueUnit == "MB" && d.LimitValue == 2048 && d.ThrottleSpeed == "1-mbps" &&
			d.NotifyValue != nil && *d.NotifyValue == 1024 && d.ThrottleValue != nil && *d.ThrottleValue == 1536
	}))
	has("the subscription", len(st.Subscriptions) == 1 && st.Subscriptions[0] == telegent.Subscription{
		SubscriptionId: subn.SubscriptionId, SubscriberId: sub.SubscriberId, TNID: prov.PhoneNumberId,
		ICCID: st.Subscriptions[0].ICCID, PackageId: pkgs[0].PackageId, Type: "mvno", Active: true,
	})
	has("the guardian features", len(st.GuardianFeatures) == 1 && st.GuardianFeatures[0] == telegent.GuardianFeatures{
		SubscriberId: sub.SubscriberId, EnableIntelligentGuardianCalls: true, EnableIntelligentGuardianMessages: true,
	})
	has("the message filter", len(st.MessageFilters) == 1 && st.MessageFilters[0].FilterId == mf.FilterId &&
		st.MessageFilters[0].SubscriberId == sub.SubscriberId && st.MessageFilters[0].Phone == prov.PhoneNumberAssigned &&
		st.MessageFilters[0].FilterMode == "TEENAGER")
	has("the port-out order", slices.ContainsFunc(st.Orders, func(o telegent.OrderDetails) bool {
		return o.OrderId == pout.OrderId && o.OrderType == "portout" &&
			len(o.PhoneNumbersOrdered) == 1 && o.PhoneNumbersOrdered[0].Number == "+13855550100"
	}))
	if !slices.ContainsFunc(st.Numbers, func(n telegent.Number) bool {
		return n.PhoneNumberId == prov.PhoneNumberId && n.SubscriberId == sub.SubscriberId && n.ICCID == "8901240397190195850"
	}) {
		t.Errorf("state lacks number %s bound to %s with its SIM", prov.PhoneNumberId, sub.SubscriberId)
	}
	orders := map[string]string{}
	for _, o := range st.Orders {
		orders[o.OrderId] = o.OrderStatus
	}
	if orders[pin.OrderId] != telegent.PortCancelled || orders[pout.OrderId] == "" || orders[prov.OrderId] != telegent.OrderComplete {
		t.Errorf("orders in state = %v, want %s Cancelled, %s present, %s Complete", orders, pin.OrderId, pout.OrderId, prov.OrderId)
	}
}

func TestFailedRowsAreClassified(t *testing.T) {
	t.Parallel()
	_, c, _ := start(t, sandbox.Options{Seed: 3, Profile: sandbox.ProfileExtended}) // whose conflicts are 409
	ctx := t.Context()
	acct := must(c.CreateAccount(ctx, telegent.AccountCreateRequest{AccountName: "A"}))(t)
	req := telegent.SubscriberCreateRequest{Name: "B", Email: "dup@acme.example", Role: "Subscriber", Password: "pw", AccountId: acct.AccountId}
	must(c.CreateSubscriber(ctx, req))(t)

	tests := []struct {
		name   string
		call   func() error
		status int
	}{
		{"duplicate email", func() error {
			req.Email = "DUP@acme.example"
			_, err := c.CreateSubscriber(ctx, req)
			return err
		}, 409},
		{"missing field", func() error {
			_, err := c.CreateAccount(ctx, telegent.AccountCreateRequest{})
			return err
		}, 400},
		{"unknown order", func() error {
			_, err := c.Order(ctx, "JNUOID-00000000-0000-4000-8000-000000000000")
			return err
		}, 404},
		{"port-out of an unknown number", func() error {
			_, err := c.PortOut(ctx, telegent.PortOutRequest{PortOutNumber: "+18005550199", PortOutPIN: "1234"})
			return err
		}, 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			var ae *telegent.Error
			if !errors.As(err, &ae) || ae.Status != tt.status || ae.Message == "" {
				t.Fatalf("err = %v, want a %d *Error with the API's message", err, tt.status)
			}
			if got := telegent.Classify(err); got != telegent.ClassFailRow {
				t.Errorf("class = %v, want fail-row", got)
			}
		})
	}
}

func TestTokenScopeAndExpiry(t *testing.T) {
	t.Parallel()
	srv, c, rec := start(t, sandbox.Options{Seed: 11})
	ctx := t.Context()
	for range 3 {
		must(c.Packages(ctx))(t)
		must(c.ListSubscriptions(ctx))(t)
	}
	if got := requests(srv, "POST "+telegent.PathToken, "200"); got != 2 {
		t.Errorf("tokens issued for two endpoints = %d, want 2", got)
	}

	srv.Advance(6 * time.Minute) // past the 5m TTL: the sandbox now refuses the cached tokens
	must(c.Packages(ctx))(t)
	if got := requests(srv, "GET "+telegent.PathAccountPackages, "401"); got != 1 {
		t.Errorf("401s on packages after the TTL = %d, want exactly 1", got)
	}
	if got := requests(srv, "POST "+telegent.PathToken, "200"); got != 3 {
		t.Errorf("tokens issued = %d, want 3 (one re-authentication)", got)
	}
	if got := rec.count(telegent.PathAccountPackages, 200); got != 4 {
		t.Errorf("successful packages attempts = %d, want 4", got)
	}

	// The renewed token is good for the following calls.
	must(c.Packages(ctx))(t)
	if got := requests(srv, "POST "+telegent.PathToken, ""); got != 3 {
		t.Errorf("tokens requested = %d, want still 3", got)
	}
}

func TestManyWorkersFetchOneToken(t *testing.T) {
	t.Parallel()
	srv, c, _ := start(t, sandbox.Options{Seed: 5, Latency: 20 * time.Millisecond})
	ctx := t.Context()
	const workers = 50
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for range workers {
		wg.Go(func() {
			_, err := c.Packages(ctx)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("Packages: %v", err)
		}
	}
	if got := requests(srv, "POST "+telegent.PathToken, ""); got != 1 {
		t.Errorf("token requests from %d concurrent workers = %d, want 1", workers, got)
	}
	if got := requests(srv, "GET "+telegent.PathAccountPackages, "200"); got != workers {
		t.Errorf("answered calls = %d, want %d", got, workers)
	}
}

func TestThrottledCallWaitsRetryAfter(t *testing.T) {
	t.Parallel()
	// Two requests a second. Without honouring Retry-After (1s) the client
	// would spend its 3 attempts within milliseconds, all refused.
	lim := telegent.NewLimiter(1000, 1)
	srv, c, rec := start(t, sandbox.Options{Seed: 9, RPS: 2}, func(cfg *telegent.Config) {
		cfg.MaxAttempts = 3
		cfg.Limiter = lim
	})
	ctx := t.Context()
	const calls = 4
	for i := range calls {
		if _, err := c.Packages(ctx); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	throttled := rec.count(telegent.PathAccountPackages, 429) + rec.count(telegent.PathToken, 429)
	if throttled == 0 {
		t.Fatal("no attempt was throttled; the test proves nothing")
	}
	if throttled > calls {
		t.Errorf("throttled attempts = %d, want at most one per call (%d): the retry must wait", throttled, calls)
	}
	if got, want := rec.count(telegent.PathAccountPackages, 200), calls; got != want {
		t.Errorf("answered attempts = %d, want %d", got, want)
	}
	if got := requests(srv, "GET "+telegent.PathAccountPackages, "429"); got != rec.count(telegent.PathAccountPackages, 429) {
		t.Errorf("sandbox counted %d 429s, client observed %d", got, rec.count(telegent.PathAccountPackages, 429))
	}
	if lim.Rate() >= 1000 {
		t.Errorf("limiter rate = %v after a 429, want it cut", lim.Rate())
	}
	if got := c.Rate(); got != lim.Rate() {
		t.Errorf("client rate = %v, want its limiter's %v", got, lim.Rate())
	}
}

func TestInjectedFailuresAreRetried(t *testing.T) {
	t.Parallel()
	srv, c, _ := start(t, sandbox.Options{Seed: 21}, func(cfg *telegent.Config) { cfg.MaxAttempts = 10 })
	ctx := t.Context()
	acct := must(c.CreateAccount(ctx, telegent.AccountCreateRequest{AccountName: "Faulty"}))(t)
	srv.SetFaults(0.3, 0)

	const workers = 12
	var wg sync.WaitGroup
	type outcome struct {
		email string
		err   error
	}
	out := make(chan outcome, 2*workers)
	for i := range workers {
		wg.Go(func() {
			_, err := c.Packages(ctx)
			out <- outcome{err: err}
			email := "user" + string(rune('a'+i)) + "@faulty.example"
			_, err = c.CreateSubscriber(ctx, telegent.SubscriberCreateRequest{
				Name: "U", Email: email, Role: "Subscriber", Password: "pw", AccountId: acct.AccountId,
			})
			out <- outcome{email: email, err: err}
		})
	}
	wg.Wait()
	close(out)
	srv.SetFaults(0, 0)

	created := map[string]bool{}
	for o := range out {
		switch {
		case o.err == nil && o.email != "":
			created[o.email] = true
		case o.err == nil:
		case o.email != "" && telegent.Classify(o.err) == telegent.ClassUnknown:
			// A 504 on a create: never re-sent. Injected failures come
			// before any change, so nothing was created.
		default:
			t.Errorf("call failed: %v (class %v)", o.err, telegent.Classify(o.err))
		}
	}
	stats := srv.Stats().Requests
	faults := 0
	for _, key := range []string{"GET " + telegent.PathAccountPackages, "POST " + telegent.PathSubscriberCreate, "POST " + telegent.PathToken} {
		for _, code := range []string{"500", "503", "504"} {
			faults += stats[key][code]
		}
	}
	if faults == 0 {
		t.Fatal("no failure was injected; the test proves nothing")
	}
	inState := 0
	for _, s := range srv.State().Subscribers {
		if s.Account != nil && s.Account.AccountId == acct.AccountId {
			inState++
			if !created[s.Email] {
				t.Errorf("subscriber %s exists but its create did not succeed", s.Email)
			}
		}
	}
	if inState != len(created) {
		t.Errorf("subscribers in state = %d, successful creates = %d: a create was repeated or lost", inState, len(created))
	}
}

func TestLostAnswerSurfacesAsUnknown(t *testing.T) {
	t.Parallel()
	srv, c, rec := start(t, sandbox.Options{Seed: 13})
	ctx := t.Context()
	acct := must(c.CreateAccount(ctx, telegent.AccountCreateRequest{AccountName: "Lossy"}))(t)
	mr := must(c.CreateMessageRoute(ctx, telegent.MessageRouteCreateRequest{
		RouteName: "r", MessageUrl: "https://hooks.lossy.example", MessageUrlMethod: "POST", AccountId: acct.AccountId,
	}))(t)
	before := len(srv.State().Numbers)
	srv.SetFaults(0, 1) // every change is committed, every answer lost
	defer srv.SetFaults(0, 0)

	tests := []struct {
		name  string
		path  string
		call  func() error
		check func(sandbox.State) bool
	}{
		{"subscriber", telegent.PathSubscriberCreate, func() error {
			_, err := c.CreateSubscriber(ctx, telegent.SubscriberCreateRequest{
				Name: "L", Email: "lost@lossy.example", Role: "Subscriber", Password: "pw", AccountId: acct.AccountId,
			})
			return err
		}, func(st sandbox.State) bool {
			return slices.ContainsFunc(st.Subscribers, func(s telegent.Subscriber) bool { return s.Email == "lost@lossy.example" })
		}},
		{"provision", telegent.PathNumbersProvision, func() error {
			_, err := c.Provision(ctx, telegent.ProvisionRequest{
				NumberType: "mvno", MessageType: "p2p", MessageEnabled: true, ProductType: "Sms-Only",
				MessageRouteId: mr.MessageRouteId, AccountId: acct.AccountId,
			})
			return err
		}, func(st sandbox.State) bool { return len(st.Numbers) == before+1 }},
		{"port-in", telegent.PathPortIn, func() error {
			_, err := c.PortIn(ctx, telegent.PortInRequest{
				PortInNumber: "+18015550177", CurrentCarrierName: "Old", CurrentAccountNumber: "1", CurrentAccountPassword: "0550",
				CurrentBillingAddress: telegent.Address{Street1: "1 Main St", City: "Lehi", State: "UT", Zip: "84043"},
			})
			return err
		}, func(st sandbox.State) bool {
			return slices.ContainsFunc(st.Numbers, func(n telegent.Number) bool { return n.PhoneNumber == "+18015550177" })
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if !errors.Is(err, telegent.ErrOutcomeUnknown) || telegent.Classify(err) != telegent.ClassUnknown {
				t.Fatalf("err = %v, want outcome unknown", err)
			}
			if !tt.check(srv.State()) {
				t.Errorf("the change is not in the sandbox state, but it was committed")
			}
			if got := rec.count(tt.path, -1); got != 1 {
				t.Errorf("attempts = %d, want 1: a create whose answer was lost is never re-sent", got)
			}
		})
	}
}

func TestCancelledCallReturnsContextError(t *testing.T) {
	t.Parallel()
	_, c, _ := start(t, sandbox.Options{Seed: 17, Latency: time.Hour})
	ctx, cancel := context.WithCancel(t.Context())
	errc := make(chan error, 1)
	go func() {
		_, err := c.Packages(ctx)
		errc <- err
	}()
	cancel()
	if err := <-errc; err != context.Canceled {
		t.Errorf("err = %v, want context.Canceled as is", err)
	}
}

func TestDeadlineAfterCreateSentIsUnknown(t *testing.T) {
	t.Parallel()
	// 600ms of latency, jittered ±50%, is never under 300ms: the caller's
	// 250ms deadline always passes while the sandbox holds the request.
	srv, c, rec := start(t, sandbox.Options{Seed: 19, Latency: 600 * time.Millisecond})
	ctx := t.Context()
	acct := must(c.CreateAccount(ctx, telegent.AccountCreateRequest{AccountName: "Impatient"}))(t)
	// Fetch the create's token with time to spare, so that the short
	// deadline below falls on the create itself.
	must(c.CreateSubscriber(ctx, telegent.SubscriberCreateRequest{
		Name: "First", Email: "first@impatient.example", Role: "Subscriber", Password: "pw", AccountId: acct.AccountId,
	}))(t)

	short, cancel := context.WithTimeout(ctx, 250*time.Millisecond)
	defer cancel()
	_, err := c.CreateSubscriber(short, telegent.SubscriberCreateRequest{
		Name: "Late", Email: "late@impatient.example", Role: "Subscriber", Password: "pw", AccountId: acct.AccountId,
	})
	if !errors.Is(err, telegent.ErrOutcomeUnknown) || telegent.Classify(err) != telegent.ClassUnknown {
		t.Fatalf("err = %v (class %v), want outcome unknown", err, telegent.Classify(err))
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want it to wrap context.DeadlineExceeded too", err)
	}
	if got := rec.count(telegent.PathSubscriberCreate, -1); got != 2 {
		t.Errorf("create attempts = %d, want 2: the late one is never re-sent", got)
	}
	// The sandbox applies the create once its (cut short) latency is over.
	has := func() bool {
		return slices.ContainsFunc(srv.State().Subscribers, func(s telegent.Subscriber) bool { return s.Email == "late@impatient.example" })
	}
	for end := time.Now().Add(5 * time.Second); !has() && time.Now().Before(end); {
		time.Sleep(20 * time.Millisecond)
	}
	if !has() {
		t.Errorf("the subscriber is not in the sandbox state: the create was applied, yet reported unknown")
	}
}

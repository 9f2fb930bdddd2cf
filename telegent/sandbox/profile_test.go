package sandbox

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"telegent-bulk/telegent"
)

// keysAt returns the sorted keys of the JSON object at path in data: path
// is a list of object keys and array indexes ("Results", "0").
func keysAt(t *testing.T, data []byte, path ...string) []string {
	t.Helper()
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatalf("decode %s: %v", data, err)
	}
	for _, p := range path {
		switch x := v.(type) {
		case map[string]any:
			v = x[p]
		case []any:
			i, err := strconv.Atoi(p)
			if err != nil || i >= len(x) {
				t.Fatalf("%s: no element %s in %s", strings.Join(path, "."), p, data)
			}
			v = x[i]
		}
	}
	obj, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("%s of %s is not an object", strings.Join(path, "."), data)
	}
	var keys []string
	for k := range obj {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func sorted(keys ...string) []string {
	out := slices.Clone(keys)
	slices.Sort(out)
	return out
}

// rawDo sends an authenticated request and returns the raw answer.
func (c *client) rawDo(method, target string, body any) (int, []byte) {
	c.t.Helper()
	path, _, _ := strings.Cut(target, "?")
	return c.raw(method, target, c.token(path), body)
}

// Documented key sets, from the Best Practices reference (seed 002), the
// port-in OpenAPI page (seed 001) and the API reference pages the fact
// sheet summarises.
var (
	docOrderKeys  = sorted("OrderDate", "OrderId", "OrderStatus", "OrderType", "PhoneNumbersOrdered")
	docNumberKeys = sorted("PhoneNumber", "PhoneNumberId", "NumberType", "MessageType", "MessageEnabled", "VoiceEnabled",
		"DataEnabled", "ProductType", "MessageRouteId", "VoiceRouteId", "SubscriberId", "ICCID", "Status")
	docMessageRouteKeys = sorted("MessageRouteId", "AccountId", "RouteName", "MessageUrl", "MessageUrlMethod", "MessageRouteEnabled",
		"MessageAuthenticationType", "MessageUsername", "CallbackMessageUrl", "CallbackMessageUrlMethod",
		"CallbackMessageAuthenticationType", "CallbackMessageUsername", "InboundBypass", "OutboundBypass", "IntelligentRouteEnabled")
	docFilterKeys = sorted("FilterId", "SubscriberId", "Phone", "FilterMode", "AllowedContacts", "BlockedContacts",
		"ApplyToInbound", "ApplyToOutbound", "BlockLinks", "BlockMedia", "BlockUnknownNumbers")
)

// TestDocumentedAnswersHoldOnlyDocumentedKeys sends every endpoint the
// example request of the vendor's documents and checks that the answer
// holds exactly the keys the documents show for it.
func TestDocumentedAnswersHoldOnlyDocumentedKeys(t *testing.T) {
	t.Parallel()
	s, c := newSandbox(t, Options{Seed: 1, PortStep: step, TokenTTL: 1000 * time.Hour})
	f := c.fixture()
	iccid := "8901240397190195850"
	var prov telegent.ProvisionResponse
	req := f.provision()
	req.ICCID, req.VoiceEnabled, req.VoiceRouteId, req.ProductType = iccid, true, f.voiceRoute, "sms+data+voice"
	c.mustPost(telegent.PathNumbersProvision, req, &prov)
	var port telegent.PortInResponse
	portReq := portInRequest("+18015559911")
	portReq.ICCID = "8901240397190195868"
	c.mustPost(telegent.PathPortIn, portReq, &port)
	s.Advance(2 * step) // rejected: the order details carry OrderStatusMessage

	yes := true
	tests := []struct {
		name, method, target string
		body                 any
		at                   []string
		want                 []string
	}{
		{"token", "POST", telegent.PathToken, telegent.TokenRequest{AccountKey: AccountKey, AccountSecret: AccountSecret, ApiEndpoint: c.base + telegent.PathAccountCreate}, nil,
			sorted("token", "successful", "tokenExpiry")},
		{"account create", "POST", telegent.PathAccountCreate, telegent.AccountCreateRequest{AccountName: "Acme MVNO", AccountAdmin: "ops@acme.example.com",
			BillingAddress: &telegent.Address{Street1: "100 Main St", City: "Lehi", State: "Utah", Zip: "84043", Country: "USA"}}, nil,
			sorted("AccountId", "AccountName", "TotalSubscribers", "BillingAddress", "MailingAddress")},
		{"subscriber create", "POST", telegent.PathSubscriberCreate, telegent.SubscriberCreateRequest{Name: "Jane Doe", Email: "jane@example.com",
			PhoneNumbers: []string{"+18015551234"}, Role: "Subscriber", Password: "pw", AccountId: f.account}, nil,
			sorted("SubscriberId", "Name", "Email", "PhoneNumbers", "Role", "Account")},
		{"subscriber list", "GET", telegent.PathDistributorSubs + "?PageNumber=1&TotalPerPage=5", nil, nil,
			sorted("TotalSubscribers", "PageNumber", "TotalPerPage", "Results")},
		{"message route create", "POST", telegent.PathMessageRoutes, telegent.MessageRouteCreateRequest{RouteName: "Main SMS Webhook",
			MessageUrl: "https://yourapi.example.com/inbound-sms", MessageUrlMethod: "POST", MessageRouteEnabled: &yes,
			MessageAuthenticationType: "Basic", MessageUsername: "admin", MessagePasswordToken: "secret-1",
			CallbackMessageUrl: "https://yourapi.example.com/sms-status", CallbackMessageUrlMethod: "POST",
			CallbackMessageAuthenticationType: "Basic", CallbackMessageUsername: "admin", CallbackMessagePasswordToken: "secret-2",
			InboundBypass: new(bool), OutboundBypass: new(bool), IntelligentRouteEnabled: &yes, AccountId: f.account}, nil,
			docMessageRouteKeys},
		{"message route details", "GET", telegent.PathMessageRoutes + "?MessageRouteId=" + f.messageRoute, nil, nil,
			sorted("MessageRouteId", "AccountId", "RouteName", "MessageUrl", "MessageUrlMethod", "MessageRouteEnabled", "InboundBypass", "OutboundBypass", "IntelligentRouteEnabled")},
		{"message route list", "GET", telegent.PathAccountMessageRoutes, nil, nil, sorted("AccountID", "TotalRoutes", "Results")},
		{"message route list item", "GET", telegent.PathAccountMessageRoutes, nil, []string{"Results", "0"},
			sorted("MessageRouteId", "AccountID", "RouteName", "MessageUrl", "MessageUrlMethod", "MessageRouteEnabled", "InboundBypass", "OutboundBypass", "IntelligentRouteEnabled")},
		{"voice route create", "POST", telegent.PathVoiceRoutes, `{"RouteName":"Main SIP Trunk","RouteType":"Trunk","TrunkIp1":"20.87.87.87","TrunkPort1":"5061",
			"TrunkTransport1":"UDP","TrunkUri1":"https://pstn.yourcarrier.com","TrunkEnabled1":true,"Trunk1Priortiy":10,"Trunk1Weight":10,
			"IntelligentRouteEnabled":true,"RouteEnabled":true,"AccountId":"` + f.account + `"}`, nil,
			sorted("CallRouteId", "AccountId", "RouteName", "RouteType", "TrunkIp1", "TrunkPort1", "TrunkTransport1", "TrunkUri1",
				"TrunkEnabled1", "Trunk1Priortiy", "Trunk1Weight", "IntelligentRouteEnabled", "RouteEnabled", "IpWhiteList")},
		{"availability", "POST", telegent.PathNumbersAvailability, telegent.AvailabilityRequest{NumberType: "mobile", MessageType: "p2p", MessageEnabled: true, VoiceEnabled: true, PageNumber: 1, AreaCode: "201"}, nil,
			sorted("RequestId", "RequestDate", "NumberType", "VoiceEnabled", "MessageEnabled", "AreaCode", "PageNumber", "ResultsTotal", "AvailableNumberAreas")},
		{"provision", "POST", telegent.PathNumbersProvision, func() telegent.ProvisionRequest { r := req; r.ICCID = "8901240397190195876"; return r }(), nil,
			sorted("OrderDate", "OrderId", "OrderStatus", "PhoneNumberAssigned", "PhoneNumberId", "QRCode", "ZipCode", "ICCID", "ErrorMessage", "SubscriberId")},
		{"provision order", "GET", telegent.PathNumbersOrder + "?OrderId=" + prov.OrderId, nil, nil, docOrderKeys},
		{"rejected port order", "GET", telegent.PathNumbersOrder + "?OrderId=" + port.OrderId, nil, nil, sorted(append(docOrderKeys, "OrderStatusMessage")...)},
		{"inventory", "GET", telegent.PathNumbersInventory + "?SubscriberId=" + f.subscriber, nil, nil, sorted("TotalNumbers", "PageNumber", "TotalPerPage", "Results")},
		{"inventory record", "GET", telegent.PathNumbersInventory + "?SubscriberId=" + f.subscriber, nil, []string{"Results", "0"}, docNumberKeys},
		{"number update", "POST", telegent.PathNumbersUpdate, telegent.NumberUpdateRequest{PhoneNumberId: prov.PhoneNumberId, DataEnabled: &yes}, nil, docNumberKeys},
		{"eligibility", "POST", telegent.PathPortInEligibility, telegent.EligibilityRequest{PhoneNumber: "+13136398786", TargetClassification: "mvno"}, nil,
			sorted("PhoneNumber", "Eligible", "CurrentCarrier", "NumberType", "Message")},
		{"port-in", "POST", telegent.PathPortIn, func() telegent.PortInRequest {
			r := portInRequest("+15555551234")
			r.ICCID = "8901240397190195884"
			return r
		}(), nil,
			sorted("OrderId", "OrderDate", "Status", "PhoneNumber", "ICCID")},
		{"port-in update", "POST", telegent.PathPortInUpdate, telegent.PortInUpdateRequest{OrderId: port.OrderId, CurrentAccountNumber: "7617", PortInDate: "04/23/2026"}, nil,
			sorted("OrderId", "Status", "Message")},
		{"port-in cancel", "POST", telegent.PathPortInCancel, telegent.PortInCancelRequest{OrderId: port.OrderId}, nil, sorted("OrderId", "Status")},
		{"port-out", "POST", telegent.PathPortOut, telegent.PortOutRequest{PortOutNumber: "+13855550100", PortOutPIN: "1234"}, nil,
			sorted("OrderId", "OrderDate", "Status", "PhoneNumber")},
		{"data usage", "POST", telegent.PathDataUsage, telegent.DataUsageRequest{ValueUnit: "MB", NotifyValue: intp(8), ThrottleValue: intp(10), ThrottleSpeed: "1-mbps", LimitValue: 15,
			PhoneNumbers: []telegent.PhoneNumberRef{{Number: prov.PhoneNumberAssigned}}}, nil,
			sorted("Status", "StatusMessage", "ValueUnit", "NotifyValue", "ThrottleValue", "ThrottleSpeed", "LimitValue", "PhoneNumbers")},
		{"packages", "GET", telegent.PathAccountPackages + "?Filter=Active", nil, nil, sorted("TotalPackages", "Filter", "Results")},
		{"package", "GET", telegent.PathAccountPackages + "?Filter=Active", nil, []string{"Results", "0"},
			sorted("PackageId", "PackageName", "Description", "Type", "Price", "Monthly", "Active")},
		{"subscription create", "POST", telegent.PathSubscriptions, telegent.SubscriptionCreateRequest{SubscriberId: f.subscriber, TNID: prov.PhoneNumberId, ICCID: iccid, PackageId: packages[1].PackageId, Type: "Mvno"}, nil,
			sorted("SubscriptionId", "SubscriberId", "TNID", "ICCID", "PackageId", "Type", "Active")},
		{"subscription list", "GET", telegent.PathDistributorSubscript + "?Filter=Active&PageNumber=1&TotalPerPage=10", nil, nil,
			sorted("DistributorId", "TotalSubscriptions", "Filter", "Results")},
		{"guardian features", "POST", telegent.PathGuardianFeatures, telegent.GuardianFeatures{SubscriberId: f.subscriber, EnableIntelligentGuardianCalls: true}, nil,
			sorted("SubscriberId", "EnableIntelligentGuardianCalls", "EnableIntelligentGuardianMessages")},
		{"message filter", "POST", telegent.PathMessageFilter, telegent.MessageFilterRequest{SubscriberId: f.subscriber, Phone: "+18015551234", FilterMode: "ACTIVE",
			AllowedContacts: []string{"+18015550001"}, BlockedContacts: []string{"+18015559999"}, ApplyToInbound: &yes, ApplyToOutbound: &yes, BlockLinks: &yes, BlockMedia: &yes}, nil,
			docFilterKeys},
		{"message filter list", "GET", telegent.PathMessageFilter + "?SubscriberId=" + f.subscriber, nil, []string{"0"}, docFilterKeys},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var status int
			var data []byte
			if tt.target == telegent.PathToken {
				status, data = c.raw(tt.method, tt.target, "", tt.body)
			} else {
				status, data = c.rawDo(tt.method, tt.target, tt.body)
			}
			if status != http.StatusOK {
				t.Fatalf("status %d: %s", status, data)
			}
			if got := keysAt(t, data, tt.at...); !slices.Equal(got, tt.want) {
				t.Errorf("keys = %v\nwant   %v\nin %s", got, tt.want, data)
			}
		})
	}
}

// TestExtendedFieldsPerProfile checks the fields only the extended profile
// shows: on order details and inventory records, and the token's
// apiEndpoint.
func TestExtendedFieldsPerProfile(t *testing.T) {
	t.Parallel()
	orderExtras := []string{"PhoneNumberId", "OrderStatusCode", "PortInDate", "CompletedDate", "DeclinedAttempts", "LastDeclinedAt"}
	numberExtras := []string{"OrderId", "OrderType", "CreatedAt", "AccountId"}
	for _, p := range profiles {
		t.Run(p.String(), func(t *testing.T) {
			s, c := newProfileSandbox(t, p)
			f := c.fixture()
			c.provision(f)
			// 9911: rejected once, fixed by a new account number, then completed.
			id := c.portIn(portInRequest("+18015559911")).OrderId
			s.Advance(2 * step)
			_, rejected := c.rawDo(http.MethodGet, telegent.PathNumbersOrder+"?OrderId="+id, nil)
			c.mustPost(telegent.PathPortInUpdate, telegent.PortInUpdateRequest{OrderId: id, CurrentAccountNumber: "99887766", PortInDate: "2026-06-01"}, nil)
			s.Advance(3 * step)
			_, completed := c.rawDo(http.MethodGet, telegent.PathNumbersOrder+"?OrderId="+id, nil)
			_, inv := c.rawDo(http.MethodGet, telegent.PathNumbersInventory+"?SubscriberId="+f.subscriber, nil)
			_, tok := c.raw(http.MethodPost, telegent.PathToken, "", telegent.TokenRequest{AccountKey: AccountKey, AccountSecret: AccountSecret, ApiEndpoint: c.base + telegent.PathNumbersOrder})
			orderKeys := append(keysAt(t, rejected), keysAt(t, completed)...)
			numberKeys, tokenKeys := keysAt(t, inv, "Results", "0"), keysAt(t, tok)
			if p == ProfileDocumented {
				if got, want := keysAt(t, rejected), sorted(append(docOrderKeys, "OrderStatusMessage")...); !slices.Equal(got, want) {
					t.Errorf("rejected order keys = %v, want %v: %s", got, want, rejected)
				}
				if got := keysAt(t, completed); !slices.Equal(got, docOrderKeys) {
					t.Errorf("completed order keys = %v, want %v: %s", got, docOrderKeys, completed)
				}
				for _, k := range numberKeys {
					if !slices.Contains(docNumberKeys, k) {
						t.Errorf("inventory record holds %s: %s", k, inv)
					}
				}
				if slices.Contains(tokenKeys, "apiEndpoint") {
					t.Errorf("token answer %s holds apiEndpoint", tok)
				}
				return
			}
			for _, k := range orderExtras {
				if !slices.Contains(orderKeys, k) {
					t.Errorf("extended order lacks %s: %s then %s", k, rejected, completed)
				}
			}
			for _, k := range numberExtras {
				if !slices.Contains(numberKeys, k) {
					t.Errorf("extended inventory record lacks %s: %s", k, inv)
				}
			}
			if !slices.Contains(tokenKeys, "apiEndpoint") {
				t.Errorf("extended token answer %s lacks apiEndpoint", tok)
			}
		})
	}
}

func TestUndocumentedListsPerProfile(t *testing.T) {
	t.Parallel()
	for _, p := range profiles {
		t.Run(p.String(), func(t *testing.T) {
			_, c := newSandbox(t, Options{Seed: 1, Profile: p})
			f := c.fixture()
			want := http.StatusNotFound
			if p == ProfileExtended {
				want = http.StatusOK
			}
			for _, target := range []string{telegent.PathDistributorAccounts, telegent.PathVoiceRoutes, telegent.PathVoiceRoutes + "?PageNumber=1"} {
				status, eb := c.get(target, nil)
				if status != want {
					t.Errorf("GET %s: %d (%s), want %d", target, status, eb.Message, want)
				}
				if status == http.StatusNotFound && !strings.Contains(eb.Message, "extended") {
					t.Errorf("GET %s: 404 %q, want a message saying the extended profile serves it", target, eb.Message)
				}
			}
			// A voice route's details are served under both.
			c.mustGet(telegent.PathVoiceRoutes+"?CallRouteId="+f.voiceRoute, nil)
		})
	}
}

// TestConflictsPerProfile provokes every conflict the sandbox knows: 400
// with a clear message under the documented profile, 409 under the
// extended one. The documented profile's stats hold no 409 at all.
func TestConflictsPerProfile(t *testing.T) {
	t.Parallel()
	for _, p := range profiles {
		t.Run(p.String(), func(t *testing.T) {
			s, c := newProfileSandbox(t, p)
			f := c.fixture()
			sub := telegent.SubscriberCreateRequest{Name: "Cy", Email: "cy@example.com", PhoneNumbers: []string{}, Role: "Manager", Password: "x", AccountId: f.account}
			c.mustPost(telegent.PathSubscriberCreate, sub, nil)
			withICCID := f.provision()
			withICCID.ICCID = "8901240397190195850"
			var prov telegent.ProvisionResponse
			c.mustPost(telegent.PathNumbersProvision, withICCID, &prov)
			subscription := telegent.SubscriptionCreateRequest{SubscriberId: f.subscriber, PackageId: packages[0].PackageId, Type: "mvno", TNID: prov.PhoneNumberId}
			c.mustPost(telegent.PathSubscriptions, subscription, nil)
			filter := telegent.MessageFilterRequest{SubscriberId: f.subscriber, Phone: prov.PhoneNumberAssigned}
			c.mustPost(telegent.PathMessageFilter, filter, nil)
			done := c.portIn(portInRequest("+18015550445")).OrderId
			final := c.portIn(portInRequest("+18015559919")).OrderId
			cancelled := c.portIn(portInRequest("+18015550446")).OrderId
			c.mustPost(telegent.PathPortInCancel, telegent.PortInCancelRequest{OrderId: cancelled}, nil)
			s.Advance(3 * step) // done is Completed, final Rejected for good
			open := c.portIn(portInRequest("+18015550444")).OrderId

			tests := []struct {
				name, path string
				body       any
				want       string // in the message
			}{
				{"duplicate email", telegent.PathSubscriberCreate, sub, "Email already exists"},
				{"ICCID on another number", telegent.PathNumbersProvision, withICCID, "ICCID is already assigned"},
				{"second subscription on a number", telegent.PathSubscriptions, subscription, "already has an active subscription"},
				{"second filter on a phone", telegent.PathMessageFilter, filter, "already exists"},
				{"port-in with an open order", telegent.PathPortIn, portInRequest("+18015550444"), "already has an open port-in order"},
				{"port-in of an active number", telegent.PathPortIn, portInRequest("+18015550445"), "already active"},
				{"port-in of a preloaded number", telegent.PathPortIn, portInRequest("+13855550100"), "already active"},
				{"port-in of 9902", telegent.PathPortIn, portInRequest("+18015559902"), "already active"},
				{"cancel of a completed order", telegent.PathPortInCancel, telegent.PortInCancelRequest{OrderId: done}, "Completed and cannot be cancelled"},
				{"update of a completed order", telegent.PathPortInUpdate, telegent.PortInUpdateRequest{OrderId: done, SubscriberName: "X"}, "can no longer be updated"},
				{"update of a cancelled order", telegent.PathPortInUpdate, telegent.PortInUpdateRequest{OrderId: cancelled, SubscriberName: "X"}, "can no longer be updated"},
				{"update of a final rejection", telegent.PathPortInUpdate, telegent.PortInUpdateRequest{OrderId: final, SubscriberName: "X"}, "rejected for good"},
			}
			for _, tt := range tests {
				status, eb := c.post(tt.path, tt.body, nil)
				if status != c.conflict() || !strings.Contains(eb.Message, tt.want) {
					t.Errorf("%s: %d %q, want %d with %q", tt.name, status, eb.Message, c.conflict(), tt.want)
				}
			}
			c.mustPost(telegent.PathPortInUpdate, telegent.PortInUpdateRequest{OrderId: open, SubscriberName: "Jane Q Doe"}, nil)
			if p != ProfileDocumented {
				return
			}
			for key, byCode := range s.Stats().Requests {
				if byCode["409"] > 0 {
					t.Errorf("%s answered 409 %d times under the documented profile", key, byCode["409"])
				}
			}
		})
	}
}

// TestTokenBoundToTheWholeURL: a token is refused (403) on another host,
// port or scheme than its ApiEndpoint's, as on another path; a default port
// and the case of the host make no difference.
func TestTokenBoundToTheWholeURL(t *testing.T) {
	t.Parallel()
	s, c := newSandbox(t, Options{Seed: 1})
	second := httptest.NewServer(s) // the same sandbox on a second listener: another port
	defer second.Close()
	host := strings.TrimPrefix(c.base, "http://")
	tokenFor := func(endpoint string) string {
		var tr telegent.TokenResponse
		status, data := c.raw(http.MethodPost, telegent.PathToken, "", telegent.TokenRequest{AccountKey: AccountKey, AccountSecret: AccountSecret, ApiEndpoint: endpoint})
		if status != http.StatusOK || json.Unmarshal(data, &tr) != nil {
			t.Fatalf("token for %s: %d %s", endpoint, status, data)
		}
		return tr.Token
	}
	own := tokenFor(c.base + telegent.PathAccountPackages)
	tests := []struct {
		name, token, base, host string
		want                    int
	}{
		{"own URL", own, c.base, "", 200},
		{"another port (a second listener)", own, second.URL, "", 403},
		{"the second listener's own token", tokenFor(second.URL + telegent.PathAccountPackages), second.URL, "", 200},
		{"another host (Host header)", own, c.base, "api.telegent.com", 403},
		{"another host, same port", own, c.base, "localhost:" + host[strings.LastIndexByte(host, ':')+1:], 403},
		{"another scheme", tokenFor("https://" + host + telegent.PathAccountPackages), c.base, "", 403},
		{"the vendor's host", tokenFor("https://api.telegent.com" + telegent.PathAccountPackages), c.base, "", 403},
		{"host in capitals", tokenFor("http://API.Example.com" + telegent.PathAccountPackages), c.base, "api.example.com", 200},
		{"default port spelled out", tokenFor("http://api.example.com:80" + telegent.PathAccountPackages), c.base, "api.example.com", 200},
		{"default port left out", tokenFor("http://api.example.com" + telegent.PathAccountPackages), c.base, "api.example.com:80", 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodGet, tt.base+telegent.PathAccountPackages, nil)
			if err != nil {
				t.Fatal(err)
			}
			if tt.host != "" {
				req.Host = tt.host
			}
			req.Header.Set("Authorization", "Bearer "+tt.token)
			resp, err := c.hc.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Errorf("status %d, want %d", resp.StatusCode, tt.want)
			}
		})
	}
}

func mustNew(t *testing.T, opts Options) *Server {
	t.Helper()
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestAccountIdRequiredWithManyAccounts: with the preloaded account alone,
// route creates and provision without AccountId land on it; once there
// are two accounts, they need AccountId (400 naming it).
func TestAccountIdRequiredWithManyAccounts(t *testing.T) {
	t.Parallel()
	for _, p := range profiles {
		t.Run(p.String(), func(t *testing.T) {
			_, c := newSandbox(t, Options{Seed: 1, Profile: p})
			mroute := telegent.MessageRouteCreateRequest{RouteName: "r", MessageUrl: "https://h.example.com", MessageUrlMethod: "POST"}
			vroute := telegent.VoiceRouteCreateRequest{RouteName: "v", RouteType: "Trunk", TrunkIp1: "192.0.2.1"}
			var mr telegent.MessageRoute
			c.mustPost(telegent.PathMessageRoutes, mroute, &mr)
			var vr telegent.VoiceRoute
			c.mustPost(telegent.PathVoiceRoutes, vroute, &vr)
			if mr.AccountId != legacyAccountID || vr.AccountId != legacyAccountID {
				t.Errorf("with one account: routes on %q and %q, want %s", mr.AccountId, vr.AccountId, legacyAccountID)
			}
			prov := telegent.ProvisionRequest{NumberType: "mvno", MessageType: "p2p", MessageEnabled: true, ProductType: "Sms-Only",
				MessageRouteId: mr.MessageRouteId, AssignedSubscriberId: legacySubscriberID}
			c.mustPost(telegent.PathNumbersProvision, prov, nil)

			var a telegent.Account
			c.mustPost(telegent.PathAccountCreate, telegent.AccountCreateRequest{AccountName: "Second"}, &a)
			for _, rq := range []struct {
				path string
				body any
			}{{telegent.PathMessageRoutes, mroute}, {telegent.PathVoiceRoutes, vroute}, {telegent.PathNumbersProvision, prov}} {
				status, eb := c.post(rq.path, rq.body, nil)
				if status != http.StatusBadRequest || !strings.Contains(eb.Message, "AccountId is required") {
					t.Errorf("POST %s without AccountId, two accounts: %d %q, want 400 AccountId is required", rq.path, status, eb.Message)
				}
			}
			mroute.AccountId, vroute.AccountId, prov.AccountId = a.AccountId, a.AccountId, legacyAccountID
			c.mustPost(telegent.PathMessageRoutes, mroute, nil)
			c.mustPost(telegent.PathVoiceRoutes, vroute, nil)
			c.mustPost(telegent.PathNumbersProvision, prov, nil)
			status, eb := c.post(telegent.PathSubscriberCreate, telegent.SubscriberCreateRequest{Name: "N", Email: "n@example.com", PhoneNumbers: []string{}, Role: "Subscriber", Password: "x"}, nil)
			if status != http.StatusBadRequest || !strings.Contains(eb.Message, "AccountId is required") {
				t.Errorf("subscriber without AccountId: %d %q, want 400", status, eb.Message)
			}
		})
	}
}

func TestEnumsAsDocumented(t *testing.T) {
	t.Parallel()
	_, c := newSandbox(t, Options{Seed: 1, PortStep: step})
	f := c.fixture()
	num := c.provision(f)
	submit := func(classification string) (int, string) {
		r := portInRequest("+18015550" + strconv.Itoa(300+len(classification)))
		r.TargetPortinClassification = classification
		status, eb := c.post(telegent.PathPortIn, r, nil)
		return status, eb.Message
	}
	for _, bad := range []string{"Mobile", "Landline", "voip"} {
		if status, msg := submit(bad); status != http.StatusBadRequest || !strings.Contains(msg, "TargetPortinClassification must be one of mvno, iot") {
			t.Errorf("submit with TargetPortinClassification %s: %d %q, want 400", bad, status, msg)
		}
	}
	if status, msg := submit("iot"); status != http.StatusOK {
		t.Errorf("submit with iot: %d %q, want 200", status, msg)
	}
	for _, good := range []string{"mvno", "iot", "Mobile", "Landline"} {
		c.mustPost(telegent.PathPortInEligibility, telegent.EligibilityRequest{PhoneNumber: "+18015550999", TargetClassification: good}, nil)
	}
	if status, _ := c.post(telegent.PathPortInEligibility, telegent.EligibilityRequest{PhoneNumber: "+18015550999", TargetClassification: "voip"}, nil); status != http.StatusBadRequest {
		t.Errorf("eligibility with voip: %d, want 400", status)
	}
	for _, pt := range []string{"Sms+Data+Voice", "sms+data+voice", "data-only"} {
		req := f.provision()
		req.ProductType = pt
		c.mustPost(telegent.PathNumbersProvision, req, nil)
	}
	usage := telegent.DataUsageRequest{ValueUnit: "GB", LimitValue: 20, PhoneNumbers: []telegent.PhoneNumberRef{{Number: num.PhoneNumberAssigned}}}
	if status, eb := c.post(telegent.PathDataUsage, usage, nil); status != http.StatusBadRequest || !strings.Contains(eb.Message, "ValueUnit must be one of MB") {
		t.Errorf("ValueUnit GB: %d %q, want 400 (the reference gives MB only)", status, eb.Message)
	}
}

// TestPortInDateFormats: an update takes the Best Practices example's
// MM/DD/YYYY and the API reference's YYYY-MM-DD, and keeps the date as the
// latter; a submit ignores PortInDate (no field of its schema).
func TestPortInDateFormats(t *testing.T) {
	t.Parallel()
	_, c := newPortSandbox(t) // whose orders show PortInDate
	id := c.portIn(portInRequest("+18015550131")).OrderId
	for in, want := range map[string]string{"04/23/2026": "2026-04-23", "2026-06-01": "2026-06-01"} {
		c.mustPost(telegent.PathPortInUpdate, telegent.PortInUpdateRequest{OrderId: id, PortInDate: in}, nil)
		if got := c.order(id).PortInDate; got != want {
			t.Errorf("after an update with %s: PortInDate %q, want %q", in, got, want)
		}
	}
	for _, bad := range []string{"4/23/2026", "23.04.2026", "2026-13-01", "tomorrow"} {
		if status, _ := c.post(telegent.PathPortInUpdate, telegent.PortInUpdateRequest{OrderId: id, PortInDate: bad}, nil); status != http.StatusBadRequest {
			t.Errorf("update with PortInDate %q: %d, want 400", bad, status)
		}
	}

	// A submit that carries a PortInDate anyway: the field is not read.
	s, d := newProfileSandbox(t, ProfileDocumented)
	body := map[string]any{}
	raw, _ := json.Marshal(portInRequest("+18015550132"))
	if err := json.Unmarshal(raw, &body); err != nil {
		t.Fatal(err)
	}
	body["PortInDate"] = "not a date"
	var answer telegent.PortInResponse
	d.mustPost(telegent.PathPortIn, body, &answer)
	id = answer.OrderId
	for _, o := range s.State().Orders {
		if o.OrderId == id && o.PortInDate != "" {
			t.Errorf("documented submit kept PortInDate %q", o.PortInDate)
		}
	}
}

// TestPortInErrorAndUnknownStatus: 9920 goes Submitted -> Error with a
// message, for good; 9921 goes Submitted -> On Hold and stays there until
// cancelled.
func TestPortInErrorAndUnknownStatus(t *testing.T) {
	t.Parallel()
	for _, p := range profiles {
		t.Run(p.String(), func(t *testing.T) {
			s, c := newProfileSandbox(t, p)
			failed := c.portIn(portInRequest("+18015559920")).OrderId
			held := c.portIn(portInRequest("+18015559921")).OrderId
			for _, id := range []string{failed, held} {
				if o := c.order(id); o.OrderStatus != "Submitted" {
					t.Fatalf("order %s = %s, want Submitted", id, o.OrderStatus)
				}
			}
			s.Advance(step)
			o := c.order(failed)
			if o.OrderStatus != "Error" || !strings.HasPrefix(o.OrderStatusMessage, "Port request failed: ") {
				t.Errorf("9920 after a step: %s %q, want Error with a message", o.OrderStatus, o.OrderStatusMessage)
			}
			o = c.order(held)
			if o.OrderStatus != "On Hold" || o.OrderStatusMessage == "" {
				t.Errorf("9921 after a step: %s %q, want On Hold with a message", o.OrderStatus, o.OrderStatusMessage)
			}
			s.Advance(20 * step)
			if o := c.order(held); o.OrderStatus != "On Hold" {
				t.Errorf("9921 later: %s, want still On Hold", o.OrderStatus)
			}
			if o := c.order(failed); o.OrderStatus != "Error" {
				t.Errorf("9920 later: %s, want still Error", o.OrderStatus)
			}
			if status, _ := c.post(telegent.PathPortInUpdate, telegent.PortInUpdateRequest{OrderId: failed, CurrentAccountNumber: "1"}, nil); status != c.conflict() {
				t.Errorf("update of an Error order: %d, want %d", status, c.conflict())
			}
			if status, _ := c.post(telegent.PathPortInCancel, telegent.PortInCancelRequest{OrderId: failed}, nil); status != c.conflict() {
				t.Errorf("cancel of an Error order: %d, want %d", status, c.conflict())
			}
			again := c.portIn(portInRequest("+18015559920")) // Error frees the number for a new order
			if again.OrderId == failed {
				t.Errorf("a new port-in reused order %s", failed)
			}
			c.mustPost(telegent.PathPortInUpdate, telegent.PortInUpdateRequest{OrderId: held, SubscriberName: "Jane Q Doe"}, nil)
			if o := c.order(held); o.OrderStatus != "On Hold" {
				t.Errorf("9921 after an update: %s, want still On Hold", o.OrderStatus)
			}
			var cancel telegent.PortInCancelResponse
			c.mustPost(telegent.PathPortInCancel, telegent.PortInCancelRequest{OrderId: held}, &cancel)
			if cancel.Status != "Cancelled" || c.order(held).OrderStatus != "Cancelled" {
				t.Errorf("cancel of an On Hold order: %+v, order %s, want Cancelled", cancel, c.order(held).OrderStatus)
			}
		})
	}
}

// TestRejectionMessagesNameTheDetail: every rejection's message opens with
// its decline family, each family names one detail, and no message names
// another family's detail.
func TestRejectionMessagesNameTheDetail(t *testing.T) {
	families := map[portField]string{
		fixAccountNumber: "Account number required or invalid: ",
		fixName:          "Name required or invalid: ",
		fixAddress:       "Address required or invalid: ",
		fixZip:           "Postal code required or invalid: ",
		neverFixed:       "Number not active: ",
	}
	pinFamilies := []string{"Account PIN required or invalid: ", "Port protected: ", "Billing PIN required or invalid: "}
	for last4, pt := range portTests {
		want, ok := families[pt.fixedBy]
		switch {
		case pt.fixedBy == fixPassword:
			if !slices.ContainsFunc(pinFamilies, func(f string) bool { return strings.HasPrefix(pt.message, f) }) || !strings.Contains(pt.message, "PIN") {
				t.Errorf("%s: %q, want a PIN family naming the PIN", last4, pt.message)
			}
		case !ok || !strings.HasPrefix(pt.message, want):
			t.Errorf("%s: %q, want it to open with %q", last4, pt.message, want)
		}
		lower := strings.ToLower(pt.message)
		if pt.fixedBy != fixAccountNumber && strings.Contains(lower, "account number") {
			t.Errorf("%s: %q names the account number, which does not fix it", last4, pt.message)
		}
		if pt.fixedBy != fixPassword && strings.Contains(pt.message, "PIN") {
			t.Errorf("%s: %q names the PIN, which does not fix it", last4, pt.message)
		}
		if pt.fixedBy != fixAddress && strings.Contains(lower, "address") {
			t.Errorf("%s: %q names the address, which does not fix it", last4, pt.message)
		}
	}
}

// TestEligibilityReservesTheNumber: a number eligibility was asked about is
// never handed out by provision, even after a restart on the data file.
// Two sandboxes with the same seed draw the same numbers: the first shows
// which number provision would hand out, the second is asked about it
// first.
func TestEligibilityReservesTheNumber(t *testing.T) {
	t.Parallel()
	_, probe := newSandbox(t, Options{Seed: 11})
	f := probe.fixture()
	next := probe.provision(f).PhoneNumberAssigned

	file := filepath.Join(t.TempDir(), "sandbox.db")
	s1 := mustNew(t, Options{Seed: 11, DataFile: file})
	c1 := serve(t, s1)
	g := c1.fixture()
	if g != f {
		t.Fatalf("fixtures differ (%+v, %+v): the seeds no longer replay", f, g)
	}
	c1.mustPost(telegent.PathPortInEligibility, telegent.EligibilityRequest{PhoneNumber: next, TargetClassification: "mvno"}, nil)
	state := c1.stateJSON() // before any provision: the generator's position
	if err := s1.Close(); err != nil {
		t.Fatal(err)
	}

	s2 := mustNew(t, Options{Seed: 11, DataFile: file, Profile: ProfileExtended})
	c2 := serve(t, s2)
	if got := c2.stateJSON(); string(got) != string(state) {
		t.Fatalf("state changed on reopening")
	}
	if got := c2.provision(g).PhoneNumberAssigned; got == next {
		t.Errorf("provision handed out %s, which eligibility was asked about", got)
	}
	c2.portIn(portInRequest(next)) // the port-in of the same manifest finds it free
}

// TestProvisionQRCode: a provision that pairs a SIM answers a QR code URL;
// one without does not.
func TestProvisionQRCode(t *testing.T) {
	t.Parallel()
	_, c := newSandbox(t, Options{Seed: 1})
	f := c.fixture()
	if p := c.provision(f); p.QRCode != "" {
		t.Errorf("provision without ICCID: QRCode %q, want none", p.QRCode)
	}
	req := f.provision()
	req.ICCID = "8901240397190195850"
	var p telegent.ProvisionResponse
	c.mustPost(telegent.PathNumbersProvision, req, &p)
	if !strings.HasPrefix(p.QRCode, "https://") || !strings.Contains(p.QRCode, "LPA:1$") {
		t.Errorf("provision with ICCID: QRCode %q, want an LPA QR image URL", p.QRCode)
	}
}

func TestParseProfile(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]Profile{"documented": ProfileDocumented, "Extended": ProfileExtended} {
		if got, err := ParseProfile(in); err != nil || got != want {
			t.Errorf("ParseProfile(%q) = %v, %v, want %v", in, got, err, want)
		}
	}
	if _, err := ParseProfile("strict"); err == nil {
		t.Error("ParseProfile(strict) succeeded")
	}
	if s, err := New(Options{Profile: Profile(7)}); err == nil {
		s.Close()
		t.Error("New with an unknown profile succeeded")
	}
}

// TestDataFileFromBeforeReservations: a data file written before the
// reservations existed (no bucket for them) opens, and takes them from then
// on.
func TestDataFileFromBeforeReservations(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "sandbox.db")
	s := mustNew(t, Options{Seed: 3, DataFile: file})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := bolt.Open(file, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error { return tx.DeleteBucket([]byte("reserved_numbers")) })
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}

	s = mustNew(t, Options{Seed: 3, DataFile: file})
	c := serve(t, s)
	c.mustPost(telegent.PathPortInEligibility, telegent.EligibilityRequest{PhoneNumber: "+18015550123", TargetClassification: "mvno"}, nil)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = mustNew(t, Options{Seed: 3, DataFile: file})
	defer s.Close()
	if _, ok := s.st.reserved.get("+18015550123"); !ok {
		t.Error("the reservation made after the upgrade is not in the file")
	}
}

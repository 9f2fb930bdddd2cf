package sandbox

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"telegent-bulk/telegent"
)

// client speaks raw HTTP and JSON to a sandbox, fetching a token for each
// endpoint the way the API wants: one per ApiEndpoint.
type client struct {
	t       testing.TB
	profile Profile
	base    string
	hc      *http.Client
	tokens  map[string]string
	n       int // fixtures made, for unique emails
}

func newSandbox(t testing.TB, opts Options) (*Server, *client) {
	t.Helper()
	s, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return s, serve(t, s)
}

// serve serves s over loopback HTTP until the test ends, then closes it.
func serve(t testing.TB, s *Server) *client {
	ts := httptest.NewServer(s)
	t.Cleanup(func() {
		ts.Close()
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return &client{t: t, profile: s.profile, base: ts.URL, hc: ts.Client(), tokens: map[string]string{}}
}

// token returns a token scoped to path (without query) on the sandbox's
// own URL: a token is bound to scheme, host and path.
func (c *client) token(path string) string {
	c.t.Helper()
	if tok, ok := c.tokens[path]; ok {
		return tok
	}
	var resp telegent.TokenResponse
	status, data := c.raw(http.MethodPost, telegent.PathToken, "", telegent.TokenRequest{
		AccountKey: AccountKey, AccountSecret: AccountSecret, ApiEndpoint: c.base + path,
	})
	if status != http.StatusOK {
		c.t.Fatalf("token for %s: status %d: %s", path, status, data)
	}
	if err := json.Unmarshal(data, &resp); err != nil || resp.Token == "" || !resp.Successful {
		c.t.Fatalf("token for %s: bad answer %s (%v)", path, data, err)
	}
	c.tokens[path] = resp.Token
	return resp.Token
}

// raw sends one request with the given bearer token ("" for none). A body
// that is a string is sent as it is; anything else is encoded as JSON.
func (c *client) raw(method, target, token string, body any) (int, []byte) {
	c.t.Helper()
	status, data, err := c.try(method, target, token, body)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, target, err)
	}
	return status, data
}

func (c *client) try(method, target, token string, body any) (int, []byte, error) {
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			return 0, nil, err
		}
		r = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, c.base+target, r)
	if err != nil {
		return 0, nil, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if r != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	return resp.StatusCode, data, err
}

// do sends an authenticated request and decodes a 200 answer into out.
func (c *client) do(method, target string, body, out any) (int, telegent.ErrorBody) {
	c.t.Helper()
	path, _, _ := strings.Cut(target, "?")
	status, data := c.raw(method, target, c.token(path), body)
	if status == http.StatusOK {
		if out != nil {
			if err := json.Unmarshal(data, out); err != nil {
				c.t.Fatalf("%s %s: decode %s: %v", method, target, data, err)
			}
		}
		return status, telegent.ErrorBody{}
	}
	var eb telegent.ErrorBody
	if err := json.Unmarshal(data, &eb); err != nil {
		c.t.Fatalf("%s %s: status %d with a body that is not an ErrorBody: %s", method, target, status, data)
	}
	if eb.StatusCode != status {
		c.t.Errorf("%s %s: ErrorBody.StatusCode = %d, HTTP status %d", method, target, eb.StatusCode, status)
	}
	return status, eb
}

func (c *client) post(path string, body, out any) (int, telegent.ErrorBody) {
	c.t.Helper()
	return c.do(http.MethodPost, path, body, out)
}

func (c *client) get(target string, out any) (int, telegent.ErrorBody) {
	c.t.Helper()
	return c.do(http.MethodGet, target, nil, out)
}

// mustPost fails the test unless the POST answers 200.
func (c *client) mustPost(path string, body, out any) {
	c.t.Helper()
	if status, eb := c.post(path, body, out); status != http.StatusOK {
		c.t.Fatalf("POST %s: status %d: %s", path, status, eb.Message)
	}
}

func (c *client) mustGet(target string, out any) {
	c.t.Helper()
	if status, eb := c.get(target, out); status != http.StatusOK {
		c.t.Fatalf("GET %s: status %d: %s", target, status, eb.Message)
	}
}

// fixture is one of each parent resource a number needs.
type fixture struct {
	account, subscriber, messageRoute, voiceRoute string
}

func (c *client) fixture() fixture {
	c.t.Helper()
	c.n++
	var a telegent.Account
	c.mustPost(telegent.PathAccountCreate, telegent.AccountCreateRequest{AccountName: "Acme"}, &a)
	var s telegent.Subscriber
	c.mustPost(telegent.PathSubscriberCreate, telegent.SubscriberCreateRequest{
		Name: "Ann", Email: fmt.Sprintf("ann%d@example.com", c.n), PhoneNumbers: []string{},
		Role: "Subscriber", Password: "pw-not-logged", AccountId: a.AccountId,
	}, &s)
	var mr telegent.MessageRoute
	c.mustPost(telegent.PathMessageRoutes, telegent.MessageRouteCreateRequest{
		RouteName: "hook", MessageUrl: "https://hooks.example.com/in", MessageUrlMethod: "POST", AccountId: a.AccountId,
	}, &mr)
	var vr telegent.VoiceRoute
	c.mustPost(telegent.PathVoiceRoutes, telegent.VoiceRouteCreateRequest{
		RouteName: "sbc", RouteType: "Trunk", TrunkIp1: "192.0.2.10", TrunkPort1: "5060", TrunkTransport1: "UDP", AccountId: a.AccountId,
	}, &vr)
	return fixture{a.AccountId, s.SubscriberId, mr.MessageRouteId, vr.CallRouteId}
}

func (f fixture) provision() telegent.ProvisionRequest {
	return telegent.ProvisionRequest{
		NumberType: "mvno", MessageType: "p2p", MessageEnabled: true, DataEnabled: true,
		ProductType: "Sms+Data", MessageRouteId: f.messageRoute, AssignedSubscriberId: f.subscriber, AccountId: f.account,
	}
}

func (c *client) provision(f fixture) telegent.ProvisionResponse {
	c.t.Helper()
	var resp telegent.ProvisionResponse
	c.mustPost(telegent.PathNumbersProvision, f.provision(), &resp)
	return resp
}

func portInRequest(number string) telegent.PortInRequest {
	return telegent.PortInRequest{
		PortInNumber:           number,
		CurrentCarrierName:     "Verizon",
		CurrentAccountNumber:   "46512222",
		CurrentAccountPassword: "0550",
		CurrentBillingAddress:  telegent.Address{Street1: "2701 N Thanksgiving Way", City: "Lehi", State: "UT", Zip: "84043"},
		SubscriberName:         "Jane Doe",
	}
}

func (c *client) order(id string) telegent.OrderDetails {
	c.t.Helper()
	var o telegent.OrderDetails
	c.mustGet(telegent.PathNumbersOrder+"?OrderId="+id, &o)
	return o
}

func (c *client) inventory(query string) telegent.NumberList {
	c.t.Helper()
	var l telegent.NumberList
	c.mustGet(telegent.PathNumbersInventory+query, &l)
	return l
}

// conflict is the status a conflict is answered with: 409 under the
// extended profile, 400 under the documented one (the vendor's error table
// has no 409).
func (c *client) conflict() int {
	if c.profile == ProfileExtended {
		return http.StatusConflict
	}
	return http.StatusBadRequest
}

// stateJSON returns GET /_sandbox/state, as bytes.
func (c *client) stateJSON() []byte {
	c.t.Helper()
	status, data := c.raw(http.MethodGet, "/_sandbox/state", "", nil)
	if status != http.StatusOK {
		c.t.Fatalf("GET /_sandbox/state: status %d", status)
	}
	return data
}

func intp(n int) *int { return &n }

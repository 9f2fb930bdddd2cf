package sandbox

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"telegent-bulk/telegent"
)

func TestStatsShape(t *testing.T) {
	t.Parallel()
	_, c := newSandbox(t, Options{Seed: 1})
	var a telegent.Account
	c.mustPost(telegent.PathAccountCreate, telegent.AccountCreateRequest{AccountName: "A"}, &a)
	sub := telegent.SubscriberCreateRequest{Name: "D", Email: "d@example.com", PhoneNumbers: []string{}, Role: "Subscriber", Password: "x", AccountId: a.AccountId}
	c.mustPost(telegent.PathSubscriberCreate, sub, nil)
	c.post(telegent.PathSubscriberCreate, sub, nil) // 400: no 409 under the documented profile
	c.raw(http.MethodPost, "/v1.0/OAuth2/tokens", "", telegent.TokenRequest{AccountKey: "k", AccountSecret: "s"})
	c.stateJSON()
	c.raw(http.MethodPost, "/_sandbox/advance?by=1s", "", nil)

	status, data := c.raw(http.MethodGet, "/_sandbox/stats", "", nil)
	if status != http.StatusOK {
		t.Fatalf("GET /_sandbox/stats: %d", status)
	}
	var got map[string]map[string]map[string]int
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatalf("stats %s: %v", data, err)
	}
	want := map[string]map[string]map[string]int{"requests": {
		"POST /v1.0/oauth2/tokens":      {"200": 2, "401": 1}, // the OpenAPI spelling counts as the documented path
		"POST /v1.0/account/create":     {"200": 1},
		"POST /v1.0/subscribers/create": {"200": 1, "400": 1},
		"GET /_sandbox/state":           {"200": 1},
		"POST /_sandbox/advance":        {"200": 1},
	}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("stats = %s\nwant %v", data, want)
	}
}

func TestStatsStaySmallForUnknownPaths(t *testing.T) {
	t.Parallel()
	s, c := newSandbox(t, Options{Seed: 1})
	for i := range 50 {
		c.raw(http.MethodGet, fmt.Sprintf("/v1.0/nothing/%d?x=%d", i, i), "", nil)
		c.raw(http.MethodPost, fmt.Sprintf("/elsewhere/%d", i), "", "{}")
		c.raw(fmt.Sprintf("BREW%d", i), fmt.Sprintf("/pot/%d", i), "", nil)
	}
	c.raw(http.MethodGet, "/_sandbox/nothing", "", nil)
	c.raw(http.MethodPut, "/V1.0/Account/Create", "", "{}")     // a served path, a method it does not take
	c.raw(http.MethodPost, "/v1.0/ACCOUNT/create", "bad", "{}") // a served path in another case
	want := map[string]map[string]int{
		"GET (unknown path)":        {"404": 51},
		"POST (unknown path)":       {"404": 50},
		"OTHER (unknown path)":      {"404": 50},
		"PUT /v1.0/account/create":  {"405": 1},
		"POST /v1.0/account/create": {"401": 1},
	}
	if got := s.Stats().Requests; !reflect.DeepEqual(got, want) {
		t.Errorf("stats = %v\nwant %v", got, want)
	}
}

func TestStateIsSortedAndComplete(t *testing.T) {
	t.Parallel()
	s, c := newSandbox(t, Options{Seed: 1})
	for range 3 {
		c.fixture()
	}
	st := s.State()
	if len(st.Accounts) != 4 || len(st.Subscribers) != 4 || len(st.MessageRoutes) != 3 || len(st.VoiceRoutes) != 3 {
		t.Errorf("state counts: %d accounts, %d subscribers, %d+%d routes", len(st.Accounts), len(st.Subscribers), len(st.MessageRoutes), len(st.VoiceRoutes))
	}
	for i := 1; i < len(st.Accounts); i++ {
		if st.Accounts[i-1].AccountId >= st.Accounts[i].AccountId {
			t.Errorf("accounts not sorted by ID at %d", i)
		}
	}
	if len(st.Numbers) != legacyNumbers || st.Numbers[0].PhoneNumber != "+13855550100" || len(st.Packages) != 5 {
		t.Errorf("preloaded state: %d numbers from %s, %d packages", len(st.Numbers), st.Numbers[0].PhoneNumber, len(st.Packages))
	}
	var legacy *telegent.Account
	for i := range st.Accounts {
		if st.Accounts[i].AccountId == legacyAccountID {
			legacy = &st.Accounts[i]
		}
	}
	if legacy == nil || legacy.TotalSubscribers != 1 {
		t.Errorf("legacy account = %+v, want it with 1 subscriber", legacy)
	}
	var decoded State
	if err := json.Unmarshal(c.stateJSON(), &decoded); err != nil || !reflect.DeepEqual(decoded, st) {
		t.Errorf("GET /_sandbox/state differs from State() (%v)", err)
	}
}

// syncBuffer collects log lines from concurrent handlers.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (b *syncBuffer) logf(format string, args ...any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	fmt.Fprintf(&b.b, format+"\n", args...)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func TestSecretsNeverLeave(t *testing.T) {
	t.Parallel()
	secrets := []string{"Sup3r-Secret-Pass", "route-token-XYZ", "callback-token-QRS", "voice-token-LMN", "31415926", "27182818", "16180339", "12ab-secret-pin"}
	var logs syncBuffer
	file := filepath.Join(t.TempDir(), "sandbox.db")
	s, err := New(Options{Seed: 1, DataFile: file, Logf: logs.logf, PortStep: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	c := serve(t, s)
	var answers []string
	send := func(path string, body any) {
		status, data := c.raw(http.MethodPost, path, c.token(path), body)
		answers = append(answers, fmt.Sprintf("%d %s", status, data))
	}
	f := c.fixture()
	send(telegent.PathSubscriberCreate, telegent.SubscriberCreateRequest{Name: "S", Email: "s@example.com", PhoneNumbers: []string{}, Role: "Subscriber", Password: secrets[0], AccountId: f.account})
	send(telegent.PathSubscriberCreate, telegent.SubscriberCreateRequest{Name: "S", Email: "s@example.com", PhoneNumbers: []string{}, Role: "Subscriber", Password: secrets[0], AccountId: f.account})
	send(telegent.PathMessageRoutes, telegent.MessageRouteCreateRequest{RouteName: "r", MessageUrl: "https://h.example.com", MessageUrlMethod: "POST",
		MessageAuthenticationType: "Bearer", MessagePasswordToken: secrets[1], CallbackMessagePasswordToken: secrets[2]})
	send(telegent.PathVoiceRoutes, telegent.VoiceRouteCreateRequest{RouteName: "v", RouteType: "URL", VoiceUrl: "https://v.example.com", VoicePasswordToken: secrets[3]})
	portin := portInRequest("+18015559912")
	portin.CurrentAccountPassword = secrets[4]
	send(telegent.PathPortIn, portin)
	send(telegent.PathPortOut, telegent.PortOutRequest{PortOutNumber: "+13855550101", PortOutPIN: secrets[5]})
	send(telegent.PathPortOut, telegent.PortOutRequest{PortOutNumber: "+13855550102", PortOutPIN: secrets[7]})
	var resp telegent.PortInResponse
	json.Unmarshal([]byte(strings.SplitN(answers[4], " ", 2)[1]), &resp)
	send(telegent.PathPortInUpdate, telegent.PortInUpdateRequest{OrderId: resp.OrderId, CurrentAccountPassword: secrets[6]})

	state := string(c.stateJSON())
	stats, _ := json.Marshal(s.Stats())
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	disk, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	places := map[string]string{"answers": strings.Join(answers, "\n"), "state": state, "stats": string(stats), "log": logs.String(), "data file": string(disk)}
	for where, text := range places {
		for _, secret := range secrets {
			if strings.Contains(text, secret) {
				t.Errorf("the %s holds the secret %q", where, secret)
			}
		}
	}
	if !strings.Contains(logs.String(), "POST /v1.0/numbers/portout 400") {
		t.Errorf("log = %q, want a line per request", logs.String())
	}
}

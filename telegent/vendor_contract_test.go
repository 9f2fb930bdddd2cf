package telegent_test

// Contract tests against the vendor's own documents (testdata/vendor), not
// against the sandbox: the wire types must read every documented answer
// without losing a field the runner needs, and every body the client
// builds must be one the documents show.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"telegent-bulk/telegent"
	"telegent-bulk/telegent/vendorspec"
)

const vendorDir = "../testdata/vendor"

// vendorFile is one entry of testdata/vendor/endpoints.json.
type vendorFile struct {
	File     string `json:"file"`
	Endpoint string `json:"endpoint"`
	Kind     string `json:"kind"`
	Status   int    `json:"status"`
	Seed     string `json:"seed"`
	Section  string `json:"section"`
}

func (f vendorFile) read(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(vendorDir, filepath.FromSlash(f.File)))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func vendorIndex(t testing.TB) []vendorFile {
	t.Helper()
	var doc struct {
		Files []vendorFile `json:"files"`
	}
	b, err := os.ReadFile(filepath.Join(vendorDir, "endpoints.json"))
	if err == nil {
		err = json.Unmarshal(b, &doc)
	}
	if err != nil {
		t.Fatal(err)
	}
	return doc.Files
}

func vendorSpec(t testing.TB) *vendorspec.Spec {
	t.Helper()
	s, err := vendorspec.Load(vendorDir)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// answerType gives, per endpoint, the wire type an answer is read into and
// the fields of it the runner needs. A path names a nested field
// (Account.AccountId) or a whole value (PhoneNumbersOrdered).
var answerType = map[string]struct {
	decode func() any
	needed []string
}{
	"POST /v1.0/oauth2/tokens":                 {func() any { return new(telegent.TokenResponse) }, []string{"token", "tokenExpiry", "successful"}},
	"POST /v1.0/account/create":                {func() any { return new(telegent.Account) }, []string{"AccountId", "AccountName"}},
	"POST /v1.0/subscribers/create":            {func() any { return new(telegent.Subscriber) }, []string{"SubscriberId", "Email", "Account.AccountId"}},
	"POST /v1.0/message/routes":                {func() any { return new(telegent.MessageRoute) }, []string{"MessageRouteId", "AccountId", "RouteName"}},
	"POST /v1.0/voice/routes":                  {func() any { return new(telegent.VoiceRoute) }, []string{"CallRouteId", "AccountId", "RouteName"}},
	"POST /v1.0/numbers/availability":          {func() any { return new(telegent.AvailabilityResponse) }, []string{"ResultsTotal", "AvailableNumberAreas"}},
	"POST /v1.0/numbers/provision":             {func() any { return new(telegent.ProvisionResponse) }, []string{"OrderId", "OrderDate", "OrderStatus", "PhoneNumberId", "PhoneNumberAssigned", "QRCode", "ICCID", "SubscriberId"}},
	"POST /v1.0/numbers/portin/eligibility":    {func() any { return new(telegent.EligibilityResponse) }, []string{"PhoneNumber", "Eligible", "CurrentCarrier", "Message"}},
	"POST /v1.0/numbers/portin":                {func() any { return new(telegent.PortInResponse) }, []string{"OrderId", "OrderDate", "Status", "PhoneNumber"}},
	"POST /v1.0/numbers/portin/update":         {func() any { return new(telegent.PortInUpdateResponse) }, []string{"OrderId", "Status", "Message"}},
	"POST /v1.0/numbers/portin/cancel":         {func() any { return new(telegent.PortInCancelResponse) }, []string{"OrderId", "Status"}},
	"GET /v1.0/numbers/order":                  {func() any { return new(telegent.OrderDetails) }, []string{"OrderId", "OrderDate", "OrderStatus", "OrderType", "PhoneNumbersOrdered"}},
	"POST /v1.0/numbers/portout":               {func() any { return new(telegent.PortOutResponse) }, []string{"OrderId", "OrderDate", "Status", "PhoneNumber"}},
	"POST /v1.0/numbers/data-usage":            {func() any { return new(telegent.DataUsageResponse) }, []string{"Status", "LimitValue", "PhoneNumbers"}},
	"POST /v1.0/subscriptions":                 {func() any { return new(telegent.Subscription) }, []string{"SubscriptionId", "SubscriberId", "TNID", "PackageId", "Active"}},
	"POST /v1.0/subscribers/guardian-features": {func() any { return new(telegent.GuardianFeatures) }, []string{"SubscriberId", "EnableIntelligentGuardianCalls", "EnableIntelligentGuardianMessages"}},
	"POST /v1.0/subscribers/message-filter":    {func() any { return new(telegent.MessageFilter) }, []string{"FilterId", "SubscriberId", "Phone"}},
}

// errorNeeded is what the client reads of an error answer.
var errorNeeded = []string{"StatusCode", "Message"}

// Every documented answer decodes into our wire type, and each field the
// runner needs comes out with the value the document shows.
func TestVendorAnswersDecode(t *testing.T) {
	seen := map[string]map[string]bool{} // endpoint → needed field → shown by some example
	for _, f := range vendorIndex(t) {
		if f.Kind != "response" {
			continue
		}
		at, ok := answerType[f.Endpoint]
		if !ok {
			t.Errorf("%s: no wire type for %s in answerType", f.File, f.Endpoint)
			continue
		}
		decode, needed := at.decode, at.needed
		if f.Status != http.StatusOK {
			decode, needed = func() any { return new(telegent.ErrorBody) }, errorNeeded
		}
		raw := f.read(t)
		v := decode()
		if err := json.Unmarshal(raw, v); err != nil {
			t.Errorf("%s (%s %s): %T cannot read the vendor's answer: %v", f.File, f.Seed, f.Section, v, err)
			continue
		}
		want, got := generic(t, raw), reencode(t, v)
		if seen[f.Endpoint] == nil {
			seen[f.Endpoint] = map[string]bool{}
		}
		for _, p := range needed {
			w, shown := lookup(want, p)
			if !shown {
				continue
			}
			if f.Status == http.StatusOK {
				seen[f.Endpoint][p] = true
			}
			if g, ok := lookup(got, p); !ok || !reflect.DeepEqual(g, w) {
				t.Errorf("%s (%s %s): %s is %s in the document, %s after decoding into %T", f.File, f.Seed, f.Section, p, show(p, w, true), show(p, g, ok), v)
			}
		}
		if lost := lostFields("", want, got); len(lost) > 0 {
			t.Logf("%s: documented but not kept by %T: %s", f.File, v, strings.Join(lost, ", "))
		}
	}
	// A needed field no example shows is not checked at all: say so.
	for ep, at := range answerType {
		for _, p := range at.needed {
			if !seen[ep][p] {
				t.Errorf("%s: no documented answer shows %s: the needed list and testdata/vendor disagree", ep, p)
			}
		}
	}
}

// generic decodes JSON into maps, slices and json.Numbers.
func generic(t testing.TB, b []byte) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

func reencode(t testing.TB, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return generic(t, b)
}

// lookup follows a dotted path through objects.
func lookup(v any, path string) (any, bool) {
	for _, k := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = m[k]; !ok {
			return nil, false
		}
	}
	return v, true
}

// show writes a value for a message; a token's is never shown.
func show(field string, v any, ok bool) string {
	switch {
	case !ok:
		return "missing"
	case field == "token":
		return "a token (not shown)"
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// lostFields lists the fields of want (an object) that got does not hold.
func lostFields(prefix string, want, got any) []string {
	wm, ok := want.(map[string]any)
	if !ok {
		return nil
	}
	gm, _ := got.(map[string]any)
	var out []string
	for k, w := range wm {
		g, ok := gm[k]
		if !ok {
			out = append(out, prefix+k)
			continue
		}
		out = append(out, lostFields(prefix+k+".", w, g)...)
	}
	slices.Sort(out)
	return out
}

// recorded is one request the contract server received.
type recorded struct {
	method, path, query string
	body                []byte
}

// contractServer answers every call with the vendor's example answer for
// its endpoint (an empty list where the documents show none), and records
// every request.
type contractServer struct {
	mu       sync.Mutex
	requests []recorded
	answers  map[string][]byte
}

func newContractServer(t *testing.T) (*contractServer, *httptest.Server) {
	cs := &contractServer{answers: map[string][]byte{}}
	for _, f := range vendorIndex(t) {
		if f.Kind == "response" && f.Status == http.StatusOK && cs.answers[f.Endpoint] == nil {
			cs.answers[f.Endpoint] = f.read(t)
		}
	}
	hs := httptest.NewServer(cs)
	t.Cleanup(hs.Close)
	return cs, hs
}

func (cs *contractServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	cs.mu.Lock()
	cs.requests = append(cs.requests, recorded{r.Method, r.URL.Path, r.URL.RawQuery, body})
	answer := cs.answers[r.Method+" "+r.URL.Path]
	cs.mu.Unlock()
	switch {
	case answer != nil:
	case r.Method == http.MethodGet && r.URL.Path == telegent.PathMessageFilter:
		answer = []byte(`[]`)
	default:
		answer = []byte(`{}`) // an empty list page, or an update's answer
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(answer)
}

func (cs *contractServer) recorded() []recorded {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	return slices.Clone(cs.requests)
}

func contractClient(t *testing.T, url string) *telegent.Client {
	t.Helper()
	c, err := telegent.New(telegent.Config{
		BaseURL: url, AccountKey: "DID-contract-key", AccountSecret: "contract-secret",
		MaxAttempts: 1, BaseBackoff: time.Millisecond, MaxBackoff: time.Millisecond, Timeout: 10 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// filler builds request values: the vendor's own request example for the
// endpoint first, then every field still empty set to a value the
// documents allow (an enum's value, a date in a documented format) or a
// placeholder, so that every field a wire type can send is sent.
type filler struct {
	t        *testing.T
	spec     *vendorspec.Spec
	examples map[string][]byte
}

func newFiller(t *testing.T, spec *vendorspec.Spec) *filler {
	f := &filler{t: t, spec: spec, examples: map[string][]byte{}}
	for _, v := range vendorIndex(t) {
		if v.Kind == "request" && f.examples[v.Endpoint] == nil {
			f.examples[v.Endpoint] = v.read(t)
		}
	}
	return f
}

func fill[T any](f *filler, endpoint string) T {
	f.t.Helper()
	var v T
	if ex := f.examples[endpoint]; ex != nil {
		if err := json.Unmarshal(ex, &v); err != nil {
			f.t.Fatalf("%s: the vendor's request example does not fit %T: %v", endpoint, v, err)
		}
	}
	method, path, _ := strings.Cut(endpoint, " ")
	f.zeros(reflect.ValueOf(&v).Elem(), "", method, path)
	return v
}

// zeros fills every empty field of v; field is v's path in the notation
// of testdata/vendor/fields.json.
func (f *filler) zeros(v reflect.Value, field, method, path string) {
	switch v.Kind() {
	case reflect.Struct:
		for i := range v.NumField() {
			sf := v.Type().Field(i)
			name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
			if !sf.IsExported() || name == "-" {
				continue
			}
			if name == "" {
				name = sf.Name
			}
			p := name
			if field != "" {
				p = field + "." + name
			}
			f.zeros(v.Field(i), p, method, path)
		}
	case reflect.Pointer:
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		f.zeros(v.Elem(), field, method, path)
	case reflect.Slice:
		if v.Len() == 0 {
			v.Set(reflect.Append(v, reflect.New(v.Type().Elem()).Elem()))
		}
		for i := range v.Len() {
			f.zeros(v.Index(i), field+"[]", method, path)
		}
	case reflect.String:
		if v.String() == "" {
			s, ok := f.spec.ValidValue(method, path, field)
			if !ok {
				s = "contract-" + strings.ReplaceAll(field, "[]", "")
			}
			v.SetString(s)
		}
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int64, reflect.Int32:
		if v.Int() == 0 {
			v.SetInt(7)
		}
	case reflect.Float64:
		if v.Float() == 0 {
			v.SetFloat(12.5)
		}
	}
}

// clientCall drives one client method against its endpoint.
type clientCall struct {
	method   string // the client method
	endpoint string
	call     func(ctx context.Context, c *telegent.Client, f *filler) error
}

func clientCalls() []clientCall {
	return []clientCall{
		{"CreateAccount", "POST /v1.0/account/create", func(ctx context.Context, c *telegent.Client, f *filler) error {
			_, err := c.CreateAccount(ctx, fill[telegent.AccountCreateRequest](f, "POST /v1.0/account/create"))
			return err
		}},
		{"ListAccounts", "GET " + telegent.PathDistributorAccounts, func(ctx context.Context, c *telegent.Client, _ *filler) error {
			_, err := c.ListAccounts(ctx)
			return err
		}},
		{"CreateSubscriber", "POST /v1.0/subscribers/create", func(ctx context.Context, c *telegent.Client, f *filler) error {
			_, err := c.CreateSubscriber(ctx, fill[telegent.SubscriberCreateRequest](f, "POST /v1.0/subscribers/create"))
			return err
		}},
		{"ListSubscribers", "GET " + telegent.PathDistributorSubs, func(ctx context.Context, c *telegent.Client, _ *filler) error {
			_, err := c.ListSubscribers(ctx)
			return err
		}},
		{"CreateMessageRoute", "POST /v1.0/message/routes", func(ctx context.Context, c *telegent.Client, f *filler) error {
			_, err := c.CreateMessageRoute(ctx, fill[telegent.MessageRouteCreateRequest](f, "POST /v1.0/message/routes"))
			return err
		}},
		{"ListMessageRoutes", "GET " + telegent.PathAccountMessageRoutes, func(ctx context.Context, c *telegent.Client, _ *filler) error {
			_, err := c.ListMessageRoutes(ctx, "AID-ceb82085-2725-45a1-bd5e-526ed19799d7")
			return err
		}},
		{"CreateVoiceRoute", "POST /v1.0/voice/routes", func(ctx context.Context, c *telegent.Client, f *filler) error {
			_, err := c.CreateVoiceRoute(ctx, fill[telegent.VoiceRouteCreateRequest](f, "POST /v1.0/voice/routes"))
			return err
		}},
		{"ListVoiceRoutes", "GET " + telegent.PathVoiceRoutes, func(ctx context.Context, c *telegent.Client, _ *filler) error {
			_, err := c.ListVoiceRoutes(ctx)
			return err
		}},
		{"Availability", "POST /v1.0/numbers/availability", func(ctx context.Context, c *telegent.Client, f *filler) error {
			_, err := c.Availability(ctx, fill[telegent.AvailabilityRequest](f, "POST /v1.0/numbers/availability"))
			return err
		}},
		{"Provision", "POST /v1.0/numbers/provision", func(ctx context.Context, c *telegent.Client, f *filler) error {
			_, err := c.Provision(ctx, fill[telegent.ProvisionRequest](f, "POST /v1.0/numbers/provision"))
			return err
		}},
		{"UpdateNumber", "POST " + telegent.PathNumbersUpdate, func(ctx context.Context, c *telegent.Client, f *filler) error {
			_, err := c.UpdateNumber(ctx, fill[telegent.NumberUpdateRequest](f, "POST "+telegent.PathNumbersUpdate))
			return err
		}},
		{"Inventory", "GET " + telegent.PathNumbersInventory, func(ctx context.Context, c *telegent.Client, f *filler) error {
			_, err := c.Inventory(ctx, fill[telegent.InventoryFilter](f, "GET "+telegent.PathNumbersInventory))
			return err
		}},
		{"Order", "GET /v1.0/numbers/order", func(ctx context.Context, c *telegent.Client, _ *filler) error {
			_, err := c.Order(ctx, "JNUOID-19b3d376-2440-477f-a3dc-c91a36989316")
			return err
		}},
		{"PortInEligibility", "POST /v1.0/numbers/portin/eligibility", func(ctx context.Context, c *telegent.Client, f *filler) error {
			_, err := c.PortInEligibility(ctx, fill[telegent.EligibilityRequest](f, "POST /v1.0/numbers/portin/eligibility"))
			return err
		}},
		{"PortIn", "POST /v1.0/numbers/portin", func(ctx context.Context, c *telegent.Client, f *filler) error {
			_, err := c.PortIn(ctx, fill[telegent.PortInRequest](f, "POST /v1.0/numbers/portin"))
			return err
		}},
		{"UpdatePortIn", "POST /v1.0/numbers/portin/update", func(ctx context.Context, c *telegent.Client, f *filler) error {
			_, err := c.UpdatePortIn(ctx, fill[telegent.PortInUpdateRequest](f, "POST /v1.0/numbers/portin/update"))
			return err
		}},
		{"CancelPortIn", "POST /v1.0/numbers/portin/cancel", func(ctx context.Context, c *telegent.Client, _ *filler) error {
			_, err := c.CancelPortIn(ctx, "JNUOID-6e3eb213-baf1-47bb-9db0-5d7d09d4b7b4")
			return err
		}},
		{"PortOut", "POST /v1.0/numbers/portout", func(ctx context.Context, c *telegent.Client, f *filler) error {
			_, err := c.PortOut(ctx, fill[telegent.PortOutRequest](f, "POST /v1.0/numbers/portout"))
			return err
		}},
		{"SetDataUsage", "POST /v1.0/numbers/data-usage", func(ctx context.Context, c *telegent.Client, f *filler) error {
			_, err := c.SetDataUsage(ctx, fill[telegent.DataUsageRequest](f, "POST /v1.0/numbers/data-usage"))
			return err
		}},
		{"CheckToken", "POST " + telegent.PathToken, func(ctx context.Context, c *telegent.Client, _ *filler) error {
			_, err := c.CheckToken(ctx, telegent.PathAccountPackages)
			return err
		}},
		{"Packages", "GET " + telegent.PathAccountPackages, func(ctx context.Context, c *telegent.Client, _ *filler) error {
			_, err := c.Packages(ctx)
			return err
		}},
		{"CreateSubscription", "POST /v1.0/subscriptions", func(ctx context.Context, c *telegent.Client, f *filler) error {
			_, err := c.CreateSubscription(ctx, fill[telegent.SubscriptionCreateRequest](f, "POST /v1.0/subscriptions"))
			return err
		}},
		{"ListSubscriptions", "GET " + telegent.PathDistributorSubscript, func(ctx context.Context, c *telegent.Client, _ *filler) error {
			_, err := c.ListSubscriptions(ctx)
			return err
		}},
		{"SetGuardianFeatures", "POST /v1.0/subscribers/guardian-features", func(ctx context.Context, c *telegent.Client, f *filler) error {
			_, err := c.SetGuardianFeatures(ctx, fill[telegent.GuardianFeatures](f, "POST /v1.0/subscribers/guardian-features"))
			return err
		}},
		{"CreateMessageFilter", "POST /v1.0/subscribers/message-filter", func(ctx context.Context, c *telegent.Client, f *filler) error {
			_, err := c.CreateMessageFilter(ctx, fill[telegent.MessageFilterRequest](f, "POST /v1.0/subscribers/message-filter"))
			return err
		}},
		{"ListMessageFilters", "GET " + telegent.PathMessageFilter, func(ctx context.Context, c *telegent.Client, _ *filler) error {
			_, err := c.ListMessageFilters(ctx, "TSUID-90c644ff-7f70-4587-a27e-d1d45bde7528", "+18015551234")
			return err
		}},
	}
}

// undocumentedBodies are the endpoints the client sends a body to that no
// vendor document shows a body for (see the package doc).
var undocumentedBodies = []string{"POST " + telegent.PathNumbersUpdate}

// allowedProblems are departures a filled-in wire type shows that the
// client never sends, with the reason.
var allowedProblems = map[string]string{
	"POST /v1.0/numbers/portin CurrentBillingAddress.Country": "Address is shared with account create; the runner " +
		"builds port-in addresses without Country (the jobs contract test checks what it sends)",
	"POST /v1.0/numbers/portin/update CurrentBillingAddress.Country": "as for the submit",
}

// Every request body the client builds, with every field of its wire type
// set, is one the vendor's documents show: no undocumented field, no
// object where they show a value, documented enums and date formats.
func TestClientRequestsMatchVendorDocs(t *testing.T) {
	t.Parallel()
	spec := vendorSpec(t)
	cs, hs := newContractServer(t)
	c := contractClient(t, hs.URL)
	f := newFiller(t, spec)
	ctx := t.Context()

	driven := map[string]bool{}
	for _, cc := range clientCalls() {
		driven[cc.method] = true
		if err := cc.call(ctx, c, f); err != nil {
			t.Errorf("%s: %v", cc.method, err)
		}
	}
	// Every method of the client that calls the API is driven here (Rate
	// only reads the limiter).
	ct := reflect.TypeFor[*telegent.Client]()
	for i := range ct.NumMethod() {
		if m := ct.Method(i).Name; !driven[m] && m != "Rate" {
			t.Errorf("client method %s is not driven by this test: add it to clientCalls", m)
		}
	}

	hit, allowed := checkRecorded(t, spec, cs.recorded())
	for _, cc := range clientCalls() {
		if !hit[cc.endpoint] {
			t.Errorf("%s sent nothing to %s", cc.method, cc.endpoint)
		}
	}
	// Every documented endpoint was called, and the undocumented list is
	// not stale.
	for _, ep := range spec.Endpoints() {
		if !hit[ep] {
			t.Errorf("no client call reached %s, which the documents show", ep)
		}
	}
	for _, ep := range undocumentedBodies {
		if !hit[ep] {
			t.Errorf("%s is listed as undocumented but the client never called it", ep)
		}
	}
	for k := range allowedProblems {
		if !allowed[k] {
			t.Errorf("allowedProblems: %s no longer happens: remove it", k)
		}
	}
}

// checkRecorded checks every recorded request against the documents and
// returns the endpoints called and the allowed problems that occurred.
func checkRecorded(t *testing.T, spec *vendorspec.Spec, reqs []recorded) (hit, allowed map[string]bool) {
	t.Helper()
	hit, allowed = map[string]bool{}, map[string]bool{}
	for _, r := range reqs {
		ep := r.method + " " + r.path
		hit[ep] = true
		path := r.path
		if r.query != "" {
			path += "?" + r.query
		}
		err := spec.CheckRequest(r.method, path, r.body)
		var ve *vendorspec.Error
		switch {
		case err == nil:
		case errors.Is(err, vendorspec.ErrUndocumented):
			if !slices.Contains(undocumentedBodies, ep) {
				t.Errorf("%s: the client sends a body no vendor document shows: %v", ep, err)
			}
		case errors.As(err, &ve):
			for _, p := range ve.Problems {
				if _, ok := allowedProblems[ep+" "+p.Field]; ok && strings.HasPrefix(p.Reason, "not a documented field") {
					allowed[ep+" "+p.Field] = true
					continue
				}
				t.Errorf("%s: %s: %s", ep, p.Field, p.Reason)
			}
		default:
			t.Errorf("%s: %v", ep, err)
		}
	}
	return hit, allowed
}

// The client reads the vendor's error answers (seed 001) into its Error:
// the status and the vendor's own message.
func TestClientReadsVendorErrorAnswers(t *testing.T) {
	t.Parallel()
	var token []byte
	var errs []vendorFile
	for _, f := range vendorIndex(t) {
		switch {
		case f.Kind == "response" && f.Endpoint == "POST "+telegent.PathToken && token == nil:
			token = f.read(t)
		case f.Kind == "response" && f.Status >= 400:
			errs = append(errs, f)
		}
	}
	if len(errs) == 0 {
		t.Fatal("no documented error answer")
	}
	for _, f := range errs {
		var want telegent.ErrorBody
		if err := json.Unmarshal(f.read(t), &want); err != nil {
			t.Fatal(err)
		}
		hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			if r.URL.Path == telegent.PathToken {
				_, _ = w.Write(token)
				return
			}
			w.WriteHeader(f.Status)
			_, _ = w.Write(f.read(t))
		}))
		c := contractClient(t, hs.URL)
		_, err := c.PortIn(t.Context(), fill[telegent.PortInRequest](newFiller(t, vendorSpec(t)), "POST /v1.0/numbers/portin"))
		hs.Close()
		var te *telegent.Error
		if !errors.As(err, &te) || te.Status != f.Status || te.Message != want.Message {
			t.Errorf("%s: client error %v, want status %d with the vendor's message %q", f.File, err, f.Status, want.Message)
		}
	}
}

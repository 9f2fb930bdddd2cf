package vendorspec

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

const dir = "../../testdata/vendor"

func load(t *testing.T) *Spec {
	t.Helper()
	s, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// indexEntry is one line of testdata/vendor/endpoints.json.
type indexEntry struct {
	File     string `json:"file"`
	Endpoint string `json:"endpoint"`
	Kind     string `json:"kind"`
	Status   int    `json:"status"`
	Seed     string `json:"seed"`
	Section  string `json:"section"`
}

func index(t *testing.T) []indexEntry {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "endpoints.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Files []indexEntry `json:"files"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Files
}

// The index names every file of the folder once, each with its endpoint,
// kind, document and section; every endpoint it names is in fields.json.
func TestIndexCoversEveryFile(t *testing.T) {
	s := load(t)
	listed := map[string]bool{}
	for _, e := range index(t) {
		if e.Endpoint == "" || e.Seed == "" || e.Section == "" || (e.Kind != "request" && e.Kind != "response" && e.Kind != "openapi") {
			t.Errorf("%s: incomplete index entry %+v", e.File, e)
		}
		if listed[e.File] {
			t.Errorf("%s listed twice", e.File)
		}
		listed[e.File] = true
		if _, ok := s.endpoints[e.Endpoint]; !ok {
			t.Errorf("%s: endpoint %s is not in fields.json", e.File, e.Endpoint)
		}
	}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		if !strings.Contains(rel, "/") {
			return nil // the index, fields.json, README.md
		}
		if !listed[rel] {
			t.Errorf("%s is not in endpoints.json", rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// The vendor's own request examples pass: the field sets are at least as
// wide as what the vendor sends.
func TestVendorRequestExamplesPass(t *testing.T) {
	s := load(t)
	n := 0
	for _, e := range index(t) {
		if e.Kind != "request" {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.File))
		if err != nil {
			t.Fatal(err)
		}
		method, path, _ := strings.Cut(e.Endpoint, " ")
		if err := s.CheckRequest(method, path, b); err != nil {
			t.Errorf("%s: %v", e.File, err)
		}
		n++
	}
	if n < 18 {
		t.Errorf("checked %d request examples, want every one of at least 18", n)
	}
}

// fields.json lists for the port-in exactly the properties of the OpenAPI
// schema, so that the undocumented-field check and kin-openapi agree.
func TestPortInFieldsMatchOpenAPI(t *testing.T) {
	s := load(t)
	ep := s.endpoints["POST /v1.0/numbers/portin"]
	if ep == nil || ep.openapi == nil {
		t.Fatal("port-in has no OpenAPI request body")
	}
	var fromSchema []string
	var walk func(prefix string, sc *openapi3.Schema)
	walk = func(prefix string, sc *openapi3.Schema) {
		for name, p := range sc.Properties {
			if p.Value.Type.Is("object") {
				walk(join(prefix, name), p.Value)
				continue
			}
			fromSchema = append(fromSchema, join(prefix, name))
		}
	}
	walk("", ep.openapi.Content.Get("application/json").Schema.Value)
	var fromFields []string
	var leaves func(prefix string, n *node)
	leaves = func(prefix string, n *node) {
		for name, c := range n.children {
			if c.kind == object {
				leaves(join(prefix, name), c)
				continue
			}
			fromFields = append(fromFields, join(prefix, name))
		}
	}
	leaves("", ep.root)
	slices.Sort(fromSchema)
	slices.Sort(fromFields)
	if !slices.Equal(fromSchema, fromFields) {
		t.Errorf("fields.json port-in fields %v, OpenAPI properties %v", fromFields, fromSchema)
	}
}

func TestCheckRequestFindsProblems(t *testing.T) {
	s := load(t)
	submit := func(edit func(m map[string]any)) string {
		m := map[string]any{
			"PortInNumber": "+15555551234", "CurrentCarrierName": "Verizon", "CurrentAccountNumber": "46512222",
			"CurrentAccountPassword": "0000", "TargetPortinClassification": "mvno",
			"CurrentBillingAddress": map[string]any{"Street1": "2701 N Thanksgiving Way", "City": "Lehi", "State": "UT", "Zip": "84043"},
		}
		edit(m)
		b, _ := json.Marshal(m)
		return string(b)
	}
	route := `{"RouteName":"r","MessageUrl":"https://x.example","MessageUrlMethod":%s}`
	for _, c := range []struct {
		name, method, path, body string
		fields                   []string // the problems' fields; nil: no problem
	}{
		{"submit as documented", "POST", "/v1.0/numbers/portin", submit(func(map[string]any) {}), nil},
		{"submit classification Mobile", "POST", "/v1.0/numbers/portin",
			submit(func(m map[string]any) { m["TargetPortinClassification"] = "Mobile" }), []string{"TargetPortinClassification"}},
		{"submit without PortInNumber", "POST", "/v1.0/numbers/portin",
			submit(func(m map[string]any) { delete(m, "PortInNumber") }), []string{"PortInNumber"}},
		{"submit without a billing city", "POST", "/v1.0/numbers/portin",
			submit(func(m map[string]any) { delete(m["CurrentBillingAddress"].(map[string]any), "City") }), []string{"CurrentBillingAddress.City"}},
		{"submit account number as a number", "POST", "/v1.0/numbers/portin",
			submit(func(m map[string]any) { m["CurrentAccountNumber"] = 46512222 }), []string{"CurrentAccountNumber"}},
		{"submit with PortInDate", "POST", "/v1.0/numbers/portin",
			submit(func(m map[string]any) { m["PortInDate"] = "06/01/2026" }), []string{"PortInDate"}},
		{"submit address as a string", "POST", "/v1.0/numbers/portin",
			submit(func(m map[string]any) { m["CurrentBillingAddress"] = "2701 N Thanksgiving Way, Lehi" }), []string{"CurrentBillingAddress"}},
		{"message route PUT", "POST", "/v1.0/message/routes", strings.Replace(route, "%s", `"PUT"`, 1), []string{"MessageUrlMethod"}},
		{"message route GET", "POST", "/v1.0/message/routes", strings.Replace(route, "%s", `"GET"`, 1), nil},
		{"message route name as an object", "POST", "/v1.0/message/routes",
			`{"RouteName":{"Name":"r"},"MessageUrl":"https://x.example","MessageUrlMethod":"POST"}`, []string{"RouteName"}},
		{"subscriber with an undocumented field", "POST", "/v1.0/subscribers/create",
			`{"Name":"A","Email":"a@x.example","PhoneNumbers":[],"Role":"Subscriber","Password":"p","AccountId":"AID-1","Nickname":"a"}`, []string{"Nickname"}},
		{"subscriber phone numbers as objects", "POST", "/v1.0/subscribers/create",
			`{"Name":"A","Email":"a@x.example","PhoneNumbers":[{"Number":"+18015551234"}],"Role":"Subscriber","Password":"p","AccountId":"AID-1"}`, []string{"PhoneNumbers[]"}},
		{"subscriber without Email", "POST", "/v1.0/subscribers/create",
			`{"Name":"A","PhoneNumbers":[],"Role":"Subscriber","Password":"p","AccountId":"AID-1"}`, []string{"Email"}},
		{"subscriber role in lower case", "POST", "/v1.0/subscribers/create",
			`{"Name":"A","Email":"a@x.example","PhoneNumbers":[],"Role":"manager","Password":"p","AccountId":"AID-1"}`, []string{"Role"}},
		{"data usage numbers as strings", "POST", "/v1.0/numbers/data-usage",
			`{"ValueUnit":"MB","LimitValue":20,"PhoneNumbers":["+12016093801"]}`, []string{"PhoneNumbers[]"}},
		{"data usage with an undocumented nested field", "POST", "/v1.0/numbers/data-usage",
			`{"ValueUnit":"MB","LimitValue":20,"PhoneNumbers":[{"Number":"+12016093801","Iccid":"1"}]}`, []string{"PhoneNumbers[].Iccid"}},
		{"data usage in GB at 2-mbps", "POST", "/v1.0/numbers/data-usage",
			`{"ValueUnit":"GB","LimitValue":20,"ThrottleSpeed":"2-mbps","PhoneNumbers":[{"Number":"+12016093801"}]}`, []string{"ValueUnit", "ThrottleSpeed"}},
		{"data usage limit as a string", "POST", "/v1.0/numbers/data-usage",
			`{"ValueUnit":"MB","LimitValue":"20","PhoneNumbers":[{"Number":"+12016093801"}]}`, []string{"LimitValue"}},
		{"voice route whitelist of strings", "POST", "/v1.0/voice/routes",
			`{"RouteName":"t","RouteType":"Trunk","IpWhitelist":["20.20.10.10"]}`, []string{"IpWhitelist[]"}},
		{"voice route whitelist as documented", "POST", "/v1.0/voice/routes",
			`{"RouteName":"t","RouteType":"Trunk","IpWhitelist":[{"IpAddress":"20.20.10.10"}],"Trunk1Priortiy":10,"TrunkEnabled1":true}`, nil},
		{"voice route priority not an integer", "POST", "/v1.0/voice/routes",
			`{"RouteName":"t","RouteType":"Trunk","Trunk1Priortiy":1.5}`, []string{"Trunk1Priortiy"}},
		{"voice route type SIP", "POST", "/v1.0/voice/routes", `{"RouteName":"t","RouteType":"SIP"}`, []string{"RouteType"}},
		{"provision product type in any case", "POST", "/v1.0/numbers/provision",
			`{"NumberType":"mvno","MessageType":"p2p","MessageEnabled":true,"VoiceEnabled":true,"ProductType":"SMS+DATA+VOICE"}`, nil},
		{"provision unknown product and message type", "POST", "/v1.0/numbers/provision",
			`{"NumberType":"mvno","MessageType":"a2a","MessageEnabled":true,"VoiceEnabled":true,"ProductType":"Voice-Only"}`, []string{"MessageType", "ProductType"}},
		{"provision without ProductType", "POST", "/v1.0/numbers/provision",
			`{"NumberType":"iot","MessageType":"p2p","MessageEnabled":true,"VoiceEnabled":false}`, []string{"ProductType"}},
		{"eligibility Mobile", "POST", "/v1.0/numbers/portin/eligibility", `{"PhoneNumber":"+13136398786","TargetClassification":"Mobile"}`, nil},
		{"eligibility mvno", "POST", "/v1.0/numbers/portin/eligibility", `{"PhoneNumber":"+13136398786","TargetClassification":"mvno"}`, nil},
		{"eligibility Cellular", "POST", "/v1.0/numbers/portin/eligibility", `{"PhoneNumber":"+13136398786","TargetClassification":"Cellular"}`, []string{"TargetClassification"}},
		{"update date MM/DD/YYYY", "POST", "/v1.0/numbers/portin/update", `{"OrderId":"JNUOID-1","PortInDate":"04/23/2026"}`, nil},
		{"update date YYYY-MM-DD", "POST", "/v1.0/numbers/portin/update", `{"OrderId":"JNUOID-1","PortInDate":"2026-06-01"}`, nil},
		{"update date DD/MM/YYYY", "POST", "/v1.0/numbers/portin/update", `{"OrderId":"JNUOID-1","PortInDate":"23/04/2026"}`, []string{"PortInDate"}},
		{"update date with slashes the other way", "POST", "/v1.0/numbers/portin/update", `{"OrderId":"JNUOID-1","PortInDate":"2026/06/01"}`, []string{"PortInDate"}},
		{"filter level as FilterMode", "POST", "/v1.0/subscribers/message-filter", `{"SubscriberId":"TSUID-1","Phone":"+18015551234","FilterMode":"TEENAGER"}`, nil},
		{"order by OrderId", "GET", "/v1.0/numbers/order?OrderId=JNUOID-1", "", nil},
		{"order by phone", "GET", "/v1.0/numbers/order?PhoneNumber=%2B18015551234", "", []string{"?PhoneNumber"}},
		{"order with a body", "GET", "/v1.0/numbers/order", `{"OrderId":"JNUOID-1"}`, []string{""}},
		{"undocumented list, no body", "GET", "/v1.0/distributor/accounts?PageNumber=1", "", nil},
		{"a create without a body", "POST", "/v1.0/subscriptions", "", []string{""}},
		{"a body that is an array", "POST", "/v1.0/subscriptions", `[]`, []string{""}},
		{"two bodies", "POST", "/v1.0/numbers/portin/cancel", `{"OrderId":"a"}{"OrderId":"b"}`, []string{""}},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := s.CheckRequest(c.method, c.path, []byte(c.body))
			if c.fields == nil {
				if err != nil {
					t.Fatalf("CheckRequest: %v, want no problem", err)
				}
				return
			}
			var ve *Error
			if !errors.As(err, &ve) {
				t.Fatalf("CheckRequest = %v, want an *Error naming %v", err, c.fields)
			}
			got := ve.Fields()
			slices.Sort(got)
			want := slices.Clone(c.fields)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("problems on %v, want on %v: %v", got, want, err)
			}
			path, _, _ := strings.Cut(c.path, "?")
			if ve.Endpoint != c.method+" "+path || !strings.HasPrefix(err.Error(), c.method+" "+path+": ") {
				t.Errorf("error %q does not name the endpoint %s %s", err, c.method, path)
			}
			for _, f := range c.fields {
				if !strings.Contains(err.Error(), f+": ") {
					t.Errorf("error %q does not name the field %s", err, f)
				}
			}
		})
	}
}

func TestUndocumentedEndpoint(t *testing.T) {
	s := load(t)
	err := s.CheckRequest("POST", "/v1.0/numbers/update", []byte(`{"PhoneNumberId":"NID-1"}`))
	if !errors.Is(err, ErrUndocumented) || !strings.Contains(err.Error(), "POST /v1.0/numbers/update") {
		t.Errorf("CheckRequest = %v, want ErrUndocumented naming the endpoint", err)
	}
	// Method and path are matched exactly: the OpenAPI block's spelling of
	// the token path is not the guides' one.
	err = s.CheckRequest("POST", "/v1.0/OAuth2/tokens", []byte(`{"AccountKey":"k","AccountSecret":"s"}`))
	if !errors.Is(err, ErrUndocumented) {
		t.Errorf("CheckRequest on /v1.0/OAuth2/tokens = %v, want ErrUndocumented", err)
	}
}

// A wrong secret field is reported by its name and type, never its value.
func TestProblemsNeverQuoteValues(t *testing.T) {
	s := load(t)
	for _, c := range []struct{ path, body, secret string }{
		{"/v1.0/numbers/portin", `{"PortInNumber":"+15555551234","CurrentCarrierName":"V","CurrentAccountNumber":"1",` +
			`"CurrentAccountPassword":987654,"CurrentBillingAddress":{"Street1":"s","City":"c","State":"UT","Zip":"84043"}}`, "987654"},
		{"/v1.0/subscribers/create", `{"Name":"A","Email":"a@x.example","PhoneNumbers":[],"Role":"Subscriber",` +
			`"Password":{"Value":"hunter2-secret"},"AccountId":"AID-1"}`, "hunter2-secret"},
		{"/v1.0/message/routes", `{"RouteName":"r","MessageUrl":"https://x.example","MessageUrlMethod":"POST",` +
			`"MessagePasswordToken":["tok-3141592"]}`, "tok-3141592"},
		{"/v1.0/numbers/portout", `{"PortOutNumber":"+17746996223","PortOutPIN":"1234","PortOutPin2":"55119"}`, "55119"},
	} {
		err := s.CheckRequest("POST", c.path, []byte(c.body))
		if err == nil {
			t.Errorf("%s: no problem found in %s", c.path, c.body)
			continue
		}
		if strings.Contains(err.Error(), c.secret) {
			t.Errorf("%s: the error quotes the value: %v", c.path, err)
		}
	}
}

// Load refuses a fields.json whose parts do not fit together.
func TestLoadRefusesBadSpecs(t *testing.T) {
	t.Parallel()
	for name, fields := range map[string]string{
		"no type":             `{"POST /x":{"source":"s","fields":["A"],"types":{}}}`,
		"unknown type":        `{"POST /x":{"source":"s","fields":["A"],"types":{"A":"text"}}}`,
		"type of no field":    `{"POST /x":{"source":"s","fields":["A"],"types":{"A":"string","B":"string"}}}`,
		"two shapes":          `{"POST /x":{"source":"s","fields":["A","A.B"],"types":{"A":"string","A.B":"string"}}}`,
		"array and not":       `{"POST /x":{"source":"s","fields":["A[].B","A.C"],"types":{"A[].B":"string","A.C":"string"}}}`,
		"required unknown":    `{"POST /x":{"source":"s","fields":["A"],"types":{"A":"string"},"required":["B"]}}`,
		"enum on a bool":      `{"POST /x":{"source":"s","fields":["A"],"types":{"A":"boolean"},"enums":{"A":{"values":["x"],"source":"s"}}}}`,
		"enum without source": `{"POST /x":{"source":"s","fields":["A"],"types":{"A":"string"},"enums":{"A":{"values":["x"]}}}}`,
		"date format":         `{"POST /x":{"source":"s","fields":["A"],"types":{"A":"string"},"dates":{"A":{"formats":["DD.MM.YY"],"source":"s"}}}}`,
		"no source":           `{"POST /x":{"fields":["A"],"types":{"A":"string"}}}`,
		"bad key":             `{"/x":{"source":"s","fields":[],"types":{}}}`,
		"unknown key":         `{"POST /x":{"source":"s","fields":[],"types":{},"field":["A"]}}`,
		"missing openapi":     `{"POST /x":{"source":"s","fields":[],"types":{},"openapi":"nothing.yaml"}}`,
	} {
		d := t.TempDir()
		if err := os.WriteFile(filepath.Join(d, "fields.json"), []byte(fields), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := Load(d); err == nil {
			t.Errorf("%s: Load accepted %s", name, fields)
		}
	}
}

func TestValidValue(t *testing.T) {
	s := load(t)
	for _, c := range []struct{ method, path, field, want string }{
		{"POST", "/v1.0/message/routes", "MessageUrlMethod", "GET"},
		{"POST", "/v1.0/numbers/portin/update", "PortInDate", "06/01/2026"},
		{"post", "/v1.0/numbers/data-usage", "ValueUnit", "MB"},
	} {
		if got, ok := s.ValidValue(c.method, c.path, c.field); !ok || got != c.want {
			t.Errorf("ValidValue(%s %s, %s) = %q, %v; want %q", c.method, c.path, c.field, got, ok, c.want)
		}
	}
	if _, ok := s.ValidValue("POST", "/v1.0/message/routes", "RouteName"); ok {
		t.Error("ValidValue gave a value for a free-text field")
	}
}

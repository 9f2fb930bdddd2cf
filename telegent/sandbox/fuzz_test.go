package sandbox

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"telegent-bulk/telegent"
)

// FuzzCreateBodies sends arbitrary bodies to every POST endpoint: the
// sandbox must answer 200 or a well-formed 4xx ErrorBody, never panic or
// answer 5xx.
func FuzzCreateBodies(f *testing.F) {
	s, err := New(Options{Seed: 1})
	if err != nil {
		f.Fatal(err)
	}
	defer s.Close()
	var paths []string
	for path, methods := range s.routes {
		if _, ok := methods[http.MethodPost]; ok && path != telegent.PathToken {
			paths = append(paths, path)
		}
	}
	slices.Sort(paths) // so that a corpus entry always names the same endpoint
	seeds := []any{
		telegent.AccountCreateRequest{AccountName: "a", BillingAddress: &telegent.Address{Zip: "84043"}},
		telegent.SubscriberCreateRequest{Name: "n", Email: "n@example.com", PhoneNumbers: []string{}, Role: "Manager", Password: "p", AccountId: legacyAccountID},
		telegent.ProvisionRequest{NumberType: "iot", MessageType: "p2p", ProductType: "Data-Only", MessageRouteId: "MRID-x", ICCID: "8901240397190195850F"},
		portInRequest("+18015559911"),
		telegent.PortOutRequest{PortOutNumber: "+13855550100", PortOutPIN: "1234"},
		telegent.DataUsageRequest{ValueUnit: "MB", LimitValue: 20, NotifyValue: intp(5), PhoneNumbers: []telegent.PhoneNumberRef{{Number: "+13855550101"}}},
		telegent.SubscriptionCreateRequest{SubscriberId: legacySubscriberID, PackageId: packages[3].PackageId, Type: "IOT", TNID: "NID-5a1e0000-0000-4000-8000-000000000103"},
		telegent.MessageFilterRequest{SubscriberId: legacySubscriberID, Phone: "+13855550100", FilterMode: "child"},
	}
	for i, seed := range seeds {
		data, _ := json.Marshal(seed)
		f.Add(uint8(i), string(data))
	}
	f.Add(uint8(0), `{"AccountName":`)
	f.Add(uint8(3), `null`)
	f.Add(uint8(5), `{"LimitValue":1e400}`)
	exp := time.Now().Add(1000 * time.Hour)
	f.Fuzz(func(t *testing.T, which uint8, body string) {
		path := paths[int(which)%len(paths)]
		req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+s.signToken(exp, scopeOf("http", req.Host, path)))
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		if rec.Code == http.StatusForbidden || rec.Code == http.StatusUnauthorized {
			t.Fatalf("POST %s: %d: the token does not fit the request", path, rec.Code)
		}
		if rec.Code != http.StatusOK && (rec.Code < 400 || rec.Code > 499) {
			t.Fatalf("POST %s %q: status %d: %s", path, body, rec.Code, rec.Body)
		}
		if rec.Code != http.StatusOK {
			var eb telegent.ErrorBody
			if err := json.Unmarshal(rec.Body.Bytes(), &eb); err != nil || eb.StatusCode != rec.Code || eb.Message == "" {
				t.Fatalf("POST %s %q: %d with body %s, want an ErrorBody", path, body, rec.Code, rec.Body)
			}
		}
	})
}

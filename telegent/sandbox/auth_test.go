package sandbox

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"telegent-bulk/telegent"
)

func TestTokenEndpoint(t *testing.T) {
	t.Parallel()
	_, c := newSandbox(t, Options{Seed: 1})
	good := "https://api.telegent.com" + telegent.PathAccountCreate
	tests := []struct {
		name       string
		path       string
		body       any
		wantStatus int
		wantMsg    string
	}{
		{"valid", telegent.PathToken, telegent.TokenRequest{AccountKey: AccountKey, AccountSecret: AccountSecret, ApiEndpoint: good}, 200, ""},
		{"openapi spelling of the path", "/v1.0/OAuth2/tokens", telegent.TokenRequest{AccountKey: AccountKey, AccountSecret: AccountSecret, ApiEndpoint: good}, 200, ""},
		{"endpoint with query", telegent.PathToken, telegent.TokenRequest{AccountKey: AccountKey, AccountSecret: AccountSecret, ApiEndpoint: "http://127.0.0.1:9/v1.0/numbers/order?OrderId=x"}, 200, ""},
		{"wrong key", telegent.PathToken, telegent.TokenRequest{AccountKey: "DID-other", AccountSecret: AccountSecret, ApiEndpoint: good}, 401, "AccountKey"},
		{"wrong secret", telegent.PathToken, telegent.TokenRequest{AccountKey: AccountKey, AccountSecret: "guess", ApiEndpoint: good}, 401, "AccountSecret"},
		{"no credentials", telegent.PathToken, telegent.TokenRequest{ApiEndpoint: good}, 401, "AccountKey"},
		{"endpoint missing", telegent.PathToken, telegent.TokenRequest{AccountKey: AccountKey, AccountSecret: AccountSecret}, 400, "ApiEndpoint is required"},
		{"endpoint relative", telegent.PathToken, telegent.TokenRequest{AccountKey: AccountKey, AccountSecret: AccountSecret, ApiEndpoint: telegent.PathAccountCreate}, 400, "ApiEndpoint must be"},
		{"endpoint unknown", telegent.PathToken, telegent.TokenRequest{AccountKey: AccountKey, AccountSecret: AccountSecret, ApiEndpoint: "https://api.telegent.com/v1.0/nothing"}, 400, "ApiEndpoint must name"},
		{"endpoint is the token path", telegent.PathToken, telegent.TokenRequest{AccountKey: AccountKey, AccountSecret: AccountSecret, ApiEndpoint: "https://api.telegent.com" + telegent.PathToken}, 400, "ApiEndpoint must name"},
		{"malformed", telegent.PathToken, `{"AccountKey":`, 400, "malformed JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, data := c.raw(http.MethodPost, tt.path, "", tt.body)
			if status != tt.wantStatus {
				t.Fatalf("status = %d (%s), want %d", status, data, tt.wantStatus)
			}
			if strings.Contains(string(data), AccountSecret) {
				t.Errorf("answer %s holds the secret", data)
			}
			if status != http.StatusOK {
				var eb telegent.ErrorBody
				if err := json.Unmarshal(data, &eb); err != nil || !strings.Contains(eb.Message, tt.wantMsg) {
					t.Errorf("error body = %s, want a Message naming %q", data, tt.wantMsg)
				}
				return
			}
			var tr telegent.TokenResponse
			if err := json.Unmarshal(data, &tr); err != nil {
				t.Fatalf("decode %s: %v", data, err)
			}
			if !tr.Successful || tr.Token == "" {
				t.Errorf("answer = %+v, want successful with a token", tr)
			}
			if _, err := time.Parse(tokenExpiryLayout, tr.TokenExpiry); err != nil {
				t.Errorf("tokenExpiry %q is not MM/dd/yyyy hh:mm:ss tt: %v", tr.TokenExpiry, err)
			}
		})
	}
}

func TestTokenScopeAndExpiry(t *testing.T) {
	t.Parallel()
	s, c := newSandbox(t, Options{Seed: 1, TokenTTL: time.Minute})
	accountTok := c.token(telegent.PathAccountCreate)
	listTok := c.token(telegent.PathDistributorAccounts)
	tests := []struct {
		name  string
		tok   string
		path  string
		want  int
		setup func()
	}{
		{"own endpoint", accountTok, telegent.PathAccountCreate, 200, nil},
		{"other endpoint", listTok, telegent.PathAccountCreate, 403, nil},
		{"path case differs", accountTok, "/V1.0/Account/Create", 200, nil},
		{"no token", "", telegent.PathAccountCreate, 401, nil},
		{"unknown token", "not-a-token", telegent.PathAccountCreate, 401, nil},
		{"tampered token", accountTok[:len(accountTok)-2] + "AA", telegent.PathAccountCreate, 401, nil},
		{"still valid before expiry", accountTok, telegent.PathAccountCreate, 200, func() { s.Advance(50 * time.Second) }},
		{"expired after ttl", accountTok, telegent.PathAccountCreate, 401, func() { s.Advance(10 * time.Second) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.setup != nil {
				tt.setup()
			}
			status, data := c.raw(http.MethodPost, tt.path, tt.tok, telegent.AccountCreateRequest{AccountName: "A"})
			if status != tt.want {
				t.Fatalf("status = %d (%s), want %d", status, data, tt.want)
			}
		})
	}
}

func TestMissingBearerScheme(t *testing.T) {
	t.Parallel()
	_, c := newSandbox(t, Options{Seed: 1})
	tok := c.token(telegent.PathDistributorAccounts)
	req, _ := http.NewRequest(http.MethodGet, c.base+telegent.PathDistributorAccounts, nil)
	req.Header.Set("Authorization", "Basic "+tok)
	resp, err := c.hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("Basic scheme: status %d, want 401", resp.StatusCode)
	}
}

func TestRouting(t *testing.T) {
	t.Parallel()
	_, c := newSandbox(t, Options{Seed: 1})
	tests := []struct {
		name, method, path string
		want               int
	}{
		{"unknown api path", http.MethodGet, "/v1.0/numbers/nothing", 404},
		{"outside the api", http.MethodGet, "/", 404},
		{"wrong method", http.MethodGet, telegent.PathAccountCreate, 405},
		{"wrong method on a list", http.MethodPost, telegent.PathNumbersInventory, 405},
		{"sandbox unknown", http.MethodGet, "/_sandbox/nothing", 404},
		{"sandbox wrong method", http.MethodGet, "/_sandbox/advance", 405},
		{"advance without duration", http.MethodPost, "/_sandbox/advance", 400},
		{"advance negative", http.MethodPost, "/_sandbox/advance?by=-1h", 400},
		{"advance", http.MethodPost, "/_sandbox/advance?by=72h", 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, data := c.raw(tt.method, tt.path, "", nil)
			if status != tt.want {
				t.Errorf("status = %d (%s), want %d", status, data, tt.want)
			}
		})
	}
}

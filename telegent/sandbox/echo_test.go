package sandbox

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"telegent-bulk/telegent"
)

// The echo fault answers POSTs 400 with the body quoted as received,
// changes nothing, and leaves GETs alone.
func TestEchoQuotesTheRequest(t *testing.T) {
	t.Parallel()
	s, c := newSandbox(t, Options{Seed: 4})
	f := c.fixture()
	tok := c.token(telegent.PathSubscriberCreate)
	c.token(telegent.PathNumbersInventory)
	before := c.stateJSON()
	s.SetEchoRate(1)

	password := "pä ss\t<&>\"w0rd  x\\" + strings.Repeat("y", 600)
	body, err := json.Marshal(telegent.SubscriberCreateRequest{Name: "Echo", Email: "echo@example.com",
		PhoneNumbers: []string{}, Role: "Subscriber", Password: password, AccountId: f.account})
	if err != nil {
		t.Fatal(err)
	}
	status, data := c.raw(http.MethodPost, telegent.PathSubscriberCreate, tok, string(body))
	var eb telegent.ErrorBody
	if err := json.Unmarshal(data, &eb); err != nil {
		t.Fatalf("answer %s: %v", data, err)
	}
	if status != http.StatusBadRequest || eb.StatusCode != http.StatusBadRequest {
		t.Errorf("status %d (%d), want 400", status, eb.StatusCode)
	}
	if !strings.HasSuffix(eb.Message, string(body)) {
		t.Errorf("Message = %.200q…, want it to end with the request body %.200q…", eb.Message, body)
	}
	if bytes.Contains(data, []byte(password[:12])) {
		t.Errorf("the answer holds the password unescaped: a server escapes what it quotes")
	}

	// The token endpoint quotes the account secret.
	status, data = c.raw(http.MethodPost, telegent.PathToken, "", telegent.TokenRequest{
		AccountKey: AccountKey, AccountSecret: AccountSecret, ApiEndpoint: "https://api.telegent.com" + telegent.PathAccountCreate})
	if status != http.StatusBadRequest || !bytes.Contains(data, []byte(AccountSecret)) {
		t.Errorf("token endpoint: %d %s, want 400 quoting the secret", status, data)
	}

	// GETs are not echoed.
	if got := c.inventory(""); got.TotalNumbers == 0 {
		t.Errorf("inventory under the echo fault: %+v, want the preloaded numbers", got)
	}
	if after := c.stateJSON(); !bytes.Equal(before, after) {
		t.Errorf("echoed requests changed the state")
	}

	s.SetEchoRate(0)
	var sub telegent.Subscriber
	c.mustPost(telegent.PathSubscriberCreate, json.RawMessage(body), &sub)
	if sub.SubscriberId == "" {
		t.Errorf("after SetEchoRate(0) the create did not go through")
	}

	if srv, err := New(Options{EchoRate: 1.5}); err == nil {
		srv.Close()
		t.Errorf("New with EchoRate 1.5 succeeded, want an error")
	}
}

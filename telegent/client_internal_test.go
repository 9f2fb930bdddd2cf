package telegent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

const testSecret = "s3cret-value-never-shown"

// fakeAPI is a minimal server for what the sandbox cannot do on purpose:
// broken bodies, refused connections, echoed secrets.
type fakeAPI struct {
	srv      *httptest.Server
	client   *Client
	tokens   atomic.Int32 // tokens issued
	mu       sync.Mutex
	scopes   []string  // ApiEndpoint of every token request
	attempts []Attempt // every attempt the client observed
}

// newFakeAPI serves tokens itself and hands every other request to h.
func newFakeAPI(t *testing.T, h http.HandlerFunc, tweak ...func(*Config)) *fakeAPI {
	t.Helper()
	f := &fakeAPI{}
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+PathToken, func(w http.ResponseWriter, r *http.Request) {
		var tr TokenRequest
		if err := json.NewDecoder(r.Body).Decode(&tr); err != nil || tr.AccountSecret != testSecret {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		f.mu.Lock()
		f.scopes = append(f.scopes, tr.ApiEndpoint)
		f.mu.Unlock()
		writeJSON(w, 200, TokenResponse{
			Token:       "tok-" + strconv.Itoa(int(f.tokens.Add(1))),
			Successful:  true,
			TokenExpiry: time.Now().UTC().Add(5 * time.Minute).Format(expiryLayout),
		})
	})
	mux.HandleFunc("/", h)
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	cfg := Config{
		BaseURL: f.srv.URL, AccountKey: "key", AccountSecret: testSecret,
		MaxAttempts: 4, BaseBackoff: time.Millisecond, MaxBackoff: 4 * time.Millisecond,
		Timeout: 5 * time.Second,
		Observer: func(a Attempt) {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.attempts = append(f.attempts, a)
		},
	}
	for _, fn := range tweak {
		fn(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	f.client = c
	return f
}

// count returns how many observed attempts went to path.
func (f *fakeAPI) count(path string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, a := range f.attempts {
		if a.Path == path {
			n++
		}
	}
	return n
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, ErrorBody{StatusCode: status, Message: msg})
}

// dropConnection reads the request, then closes the connection unanswered:
// the change was made, the answer is lost.
func dropConnection(t *testing.T, w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		t.Errorf("hijack: %v", err)
		return
	}
	conn.Close()
}

// sequence answers the i-th call (0-based) with steps[i], repeating the last.
func sequence(steps ...func(http.ResponseWriter, *http.Request)) http.HandlerFunc {
	var n atomic.Int32
	return func(w http.ResponseWriter, r *http.Request) {
		i := min(int(n.Add(1))-1, len(steps)-1)
		steps[i](w, r)
	}
}

func status(code int) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, _ *http.Request) { writeError(w, code, http.StatusText(code)) }
}

func ok(v any) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, 200, v) }
}

func TestNewChecksConfig(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		wantErr bool
		base    string
	}{
		{"plain", Config{BaseURL: "https://api.telegent.com", AccountKey: "k", AccountSecret: "s"}, false, "https://api.telegent.com"},
		{"trailing slash", Config{BaseURL: "http://127.0.0.1:8765/", AccountKey: "k", AccountSecret: "s"}, false, "http://127.0.0.1:8765"},
		{"with /v1.0", Config{BaseURL: "https://api.telegent.com/v1.0/", AccountKey: "k", AccountSecret: "s"}, false, "https://api.telegent.com"},
		{"prefix kept", Config{BaseURL: "https://gw.example/telegent", AccountKey: "k", AccountSecret: "s"}, false, "https://gw.example/telegent"},
		{"no scheme", Config{BaseURL: "api.telegent.com", AccountKey: "k", AccountSecret: "s"}, true, ""},
		{"ftp", Config{BaseURL: "ftp://api.telegent.com", AccountKey: "k", AccountSecret: "s"}, true, ""},
		{"query", Config{BaseURL: "https://api.telegent.com?x=1", AccountKey: "k", AccountSecret: "s"}, true, ""},
		{"no key", Config{BaseURL: "https://api.telegent.com", AccountSecret: "s"}, true, ""},
		{"no secret", Config{BaseURL: "https://api.telegent.com", AccountKey: "k"}, true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New(tt.cfg)
			if (err != nil) != tt.wantErr {
				t.Fatalf("New() error = %v, want error %v", err, tt.wantErr)
			}
			if err != nil {
				if strings.Contains(err.Error(), "s3cret") {
					t.Errorf("error %q shows the secret", err)
				}
				return
			}
			if c.base != tt.base {
				t.Errorf("base = %q, want %q", c.base, tt.base)
			}
			if c.maxAttempts != 8 || c.baseBackoff != time.Second || c.maxBackoff != 30*time.Second || c.timeout != 30*time.Second {
				t.Errorf("defaults = %d attempts, %v..%v backoff, %v timeout; want 8, 1s..30s, 30s",
					c.maxAttempts, c.baseBackoff, c.maxBackoff, c.timeout)
			}
		})
	}
}

func TestCredentialsRejected(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		h    http.HandlerFunc
	}{
		{"401", func(w http.ResponseWriter, _ *http.Request) {
			writeError(w, 401, "invalid secret "+testSecret)
		}},
		{"403", func(w http.ResponseWriter, _ *http.Request) { writeError(w, 403, "forbidden") }},
		{"successful false", func(w http.ResponseWriter, _ *http.Request) {
			writeJSON(w, 200, TokenResponse{Successful: false, Error: "bad key or " + testSecret})
		}},
		{"no token", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, 200, TokenResponse{Successful: true}) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				calls.Add(1)
				tt.h(w, r)
			}))
			defer srv.Close()
			c, err := New(Config{BaseURL: srv.URL, AccountKey: "key", AccountSecret: testSecret, BaseBackoff: time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.Packages(context.Background())
			if !errors.Is(err, ErrCredentials) || Classify(err) != ClassAbort {
				t.Fatalf("err = %v (class %v), want ErrCredentials / abort", err, Classify(err))
			}
			if strings.Contains(err.Error(), testSecret) {
				t.Errorf("error %q shows the secret", err)
			}
			if got := calls.Load(); got != 1 {
				t.Errorf("token endpoint called %d times, want 1 (a refusal is not retried)", got)
			}
		})
	}
}

func TestTokenScopePerEndpoint(t *testing.T) {
	t.Parallel()
	f := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case PathAccountPackages:
			writeJSON(w, 200, PackageList{})
		case PathNumbersOrder:
			writeJSON(w, 200, OrderDetails{OrderId: r.URL.Query().Get("OrderId")})
		}
	})
	ctx := context.Background()
	for range 3 {
		if _, err := f.client.Packages(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := f.client.Order(ctx, "JNUOID-1"); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{f.srv.URL + PathAccountPackages, f.srv.URL + PathNumbersOrder}
	f.mu.Lock()
	defer f.mu.Unlock()
	if fmt.Sprint(f.scopes) != fmt.Sprint(want) {
		t.Errorf("token scopes = %v, want %v (one per endpoint, no query)", f.scopes, want)
	}
}

func TestReauthenticatesOn401(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		accept       func(token string) bool
		wantErr      bool
		wantTokens   int32
		wantAttempts int
	}{
		{"stale token replaced", func(tok string) bool { return tok != "tok-1" }, false, 2, 2},
		{"replacement refused too: once only", func(tok string) bool { return tok != "tok-1" && tok != "tok-2" }, true, 2, 2},
		{"always refused", func(string) bool { return false }, true, 2, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request) {
				if !tt.accept(strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")) {
					writeError(w, 401, "token expired")
					return
				}
				writeJSON(w, 200, PackageList{})
			})
			_, err := f.client.Packages(context.Background())
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if err != nil && Classify(err) != ClassRetry {
				t.Errorf("class = %v, want retry (token trouble, not the row)", Classify(err))
			}
			if got := f.tokens.Load(); got != tt.wantTokens {
				t.Errorf("tokens fetched = %d, want %d", got, tt.wantTokens)
			}
			if got := f.count(PathAccountPackages); got != tt.wantAttempts {
				t.Errorf("API attempts = %d, want %d", got, tt.wantAttempts)
			}
		})
	}
}

// A replacement token that served (here a 503 answered it) and then
// expired in turn, as a long run of retries may see, is replaced again:
// the rule is one re-authentication per 401, not per call.
func TestReauthenticatesAgainAfterTheReplacementServed(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	seen := map[string]int{}
	f := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request) {
		tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		mu.Lock()
		seen[tok]++
		n := seen[tok]
		mu.Unlock()
		switch {
		case tok == "tok-1", tok == "tok-2" && n > 1:
			writeError(w, 401, "token expired")
		case tok == "tok-2":
			writeError(w, 503, "busy")
		default:
			writeJSON(w, 200, PackageList{})
		}
	})
	if _, err := f.client.Packages(context.Background()); err != nil {
		t.Fatalf("err = %v, want the third token to serve", err)
	}
	if got := f.tokens.Load(); got != 3 {
		t.Errorf("tokens fetched = %d, want 3", got)
	}
}

func TestCreateRetriedOnlyWhenSurelyNotApplied(t *testing.T) {
	t.Parallel()
	answer := ProvisionResponse{OrderId: "JNUOID-1", OrderStatus: OrderComplete, PhoneNumberId: "NID-1"}
	tests := []struct {
		name         string
		first        func(http.ResponseWriter, *http.Request)
		wantClass    Class
		wantAttempts int
	}{
		{"408 resent", status(408), ClassNone, 2},
		{"429 resent", status(429), ClassNone, 2},
		{"500 resent", status(500), ClassNone, 2},
		{"503 resent", status(503), ClassNone, 2},
		{"502 unknown", status(502), ClassUnknown, 1},
		{"504 unknown", status(504), ClassUnknown, 1},
		{"400 fails", status(400), ClassFailRow, 1},
		{"409 fails", status(409), ClassFailRow, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeAPI(t, sequence(tt.first, ok(answer)))
			got, err := f.client.Provision(context.Background(), ProvisionRequest{NumberType: "mvno"})
			if c := Classify(err); c != tt.wantClass {
				t.Fatalf("err = %v (class %v), want class %v", err, c, tt.wantClass)
			}
			if err == nil && got.PhoneNumberId != "NID-1" {
				t.Errorf("answer = %+v, want PhoneNumberId NID-1", got)
			}
			if n := f.count(PathNumbersProvision); n != tt.wantAttempts {
				t.Errorf("attempts = %d, want %d", n, tt.wantAttempts)
			}
		})
	}
}

func TestIdempotentRetried(t *testing.T) {
	t.Parallel()
	for _, code := range []int{408, 429, 500, 502, 503, 504} {
		t.Run(strconv.Itoa(code), func(t *testing.T) {
			f := newFakeAPI(t, sequence(status(code), status(code), ok(Number{PhoneNumberId: "NID-1"})))
			n, err := f.client.UpdateNumber(context.Background(), NumberUpdateRequest{PhoneNumberId: "NID-1"})
			if err != nil || n.PhoneNumberId != "NID-1" {
				t.Fatalf("UpdateNumber = %+v, %v; want NID-1", n, err)
			}
			if got := f.count(PathNumbersUpdate); got != 3 {
				t.Errorf("attempts = %d, want 3", got)
			}
		})
	}
}

func TestRetriesStopAtMaxAttempts(t *testing.T) {
	t.Parallel()
	f := newFakeAPI(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Retry-After", "0")
		writeError(w, 503, "busy")
	})
	_, err := f.client.Inventory(context.Background(), InventoryFilter{})
	var ae *Error
	if !errors.As(err, &ae) || ae.Status != 503 || Classify(err) != ClassRetry {
		t.Fatalf("err = %v, want a 503 *Error classed retry", err)
	}
	if got := f.count(PathNumbersInventory); got != 4 {
		t.Errorf("attempts = %d, want MaxAttempts (4)", got)
	}
}

func TestRetryAfterReported(t *testing.T) {
	t.Parallel()
	lim := NewLimiter(1000, 1)
	f := newFakeAPI(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Retry-After", "7")
		writeError(w, 429, "slow down")
	}, func(c *Config) { c.MaxAttempts = 1; c.Limiter = lim })
	_, err := f.client.Packages(context.Background())
	var ae *Error
	if !errors.As(err, &ae) || ae.RetryAfter != 7*time.Second {
		t.Fatalf("err = %#v, want RetryAfter 7s", err)
	}
	if Classify(err) != ClassRetry {
		t.Errorf("class = %v, want retry", Classify(err))
	}
	if got := lim.Rate(); got >= 1000 {
		t.Errorf("limiter rate after a 429 = %v, want it cut below 1000", got)
	}
}

func TestLostAnswerOnCreateIsNeverResent(t *testing.T) {
	t.Parallel()
	var applied atomic.Int32
	f := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request) {
		var req SubscriberCreateRequest
		_ = json.NewDecoder(r.Body).Decode(&req)
		applied.Add(1)
		dropConnection(t, w)
	})
	_, err := f.client.CreateSubscriber(context.Background(), SubscriberCreateRequest{Email: "a@b.c", Password: "pw-123456"})
	if !errors.Is(err, ErrOutcomeUnknown) || Classify(err) != ClassUnknown {
		t.Fatalf("err = %v, want outcome unknown", err)
	}
	if got := applied.Load(); got != 1 {
		t.Errorf("request applied %d times, want 1", got)
	}
	if strings.Contains(err.Error(), "pw-123456") {
		t.Errorf("error %q shows the password", err)
	}
}

func TestLostAnswerOnIdempotentIsResent(t *testing.T) {
	t.Parallel()
	f := newFakeAPI(t, sequence(
		func(w http.ResponseWriter, _ *http.Request) { dropConnection(t, w) },
		ok(GuardianFeatures{SubscriberId: "TSUID-1", EnableIntelligentGuardianCalls: true}),
	))
	g, err := f.client.SetGuardianFeatures(context.Background(), GuardianFeatures{SubscriberId: "TSUID-1"})
	if err != nil || !g.EnableIntelligentGuardianCalls {
		t.Fatalf("SetGuardianFeatures = %+v, %v", g, err)
	}
	if got := f.count(PathGuardianFeatures); got != 2 {
		t.Errorf("attempts = %d, want 2", got)
	}
}

func TestAttemptTimeout(t *testing.T) {
	t.Parallel()
	slowFirst := func(next func(http.ResponseWriter, *http.Request)) http.HandlerFunc {
		return sequence(func(_ http.ResponseWriter, r *http.Request) {
			// Read the body, so that the server notices the client hanging up.
			_, _ = io.Copy(io.Discard, r.Body)
			<-r.Context().Done()
		}, next)
	}
	short := func(c *Config) { c.Timeout = 250 * time.Millisecond }

	t.Run("create is unknown", func(t *testing.T) {
		f := newFakeAPI(t, slowFirst(ok(Subscription{SubscriptionId: "SUB-1"})), short)
		_, err := f.client.CreateSubscription(context.Background(), SubscriptionCreateRequest{SubscriberId: "TSUID-1"})
		if Classify(err) != ClassUnknown {
			t.Fatalf("err = %v (class %v), want unknown", err, Classify(err))
		}
		if ne, ok := errors.AsType[net.Error](err); !ok || !ne.Timeout() {
			t.Errorf("err = %v, want it to still wrap the network timeout", err)
		}
		if got := f.count(PathSubscriptions); got != 1 {
			t.Errorf("attempts = %d, want 1", got)
		}
	})
	t.Run("read is retried", func(t *testing.T) {
		f := newFakeAPI(t, slowFirst(ok(OrderDetails{OrderId: "JNUOID-1"})), short)
		o, err := f.client.Order(context.Background(), "JNUOID-1")
		if err != nil || o.OrderId != "JNUOID-1" {
			t.Fatalf("Order = %+v, %v", o, err)
		}
		if got := f.count(PathNumbersOrder); got < 2 {
			t.Errorf("attempts = %d, want the timed-out one sent again", got)
		}
	})
}

func TestRefusedConnectionResendsCreate(t *testing.T) {
	t.Parallel()
	var refuse atomic.Int32 // dials to refuse
	dialer := &net.Dialer{}
	tr := &http.Transport{
		DisableKeepAlives: true,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			if refuse.Add(-1) >= 0 {
				return nil, &net.OpError{Op: "dial", Net: network, Err: syscall.ECONNREFUSED}
			}
			return dialer.DialContext(ctx, network, addr)
		},
	}
	var applied atomic.Int32
	f := newFakeAPI(t, func(w http.ResponseWriter, _ *http.Request) {
		applied.Add(1)
		writeJSON(w, 200, Account{AccountId: "AID-1"})
	}, func(c *Config) { c.HTTPClient = &http.Client{Transport: tr} })
	ctx := context.Background()

	if _, err := f.client.CreateAccount(ctx, AccountCreateRequest{AccountName: "A"}); err != nil {
		t.Fatalf("CreateAccount: %v", err)
	}
	refuse.Store(2) // the token is cached: two dials of the create are refused
	if _, err := f.client.CreateAccount(ctx, AccountCreateRequest{AccountName: "B"}); err != nil {
		t.Fatalf("CreateAccount after refused dials: %v", err)
	}
	refuse.Store(100) // refused for good
	_, err := f.client.CreateAccount(ctx, AccountCreateRequest{AccountName: "C"})
	if Classify(err) != ClassRetry || errors.Is(err, ErrOutcomeUnknown) {
		t.Errorf("err = %v (class %v), want retry, not unknown", err, Classify(err))
	}
	if got := applied.Load(); got != 2 {
		t.Errorf("creates applied = %d, want 2", got)
	}
	if got, want := f.count(PathAccountCreate), 1+3+4; got != want {
		t.Errorf("create attempts = %d, want %d", got, want)
	}
}

func TestDecodeErrors(t *testing.T) {
	t.Parallel()
	garbage := func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"OrderId": 12`))
	}
	f := newFakeAPI(t, garbage)
	_, err := f.client.Order(context.Background(), "JNUOID-1")
	if Classify(err) != ClassFailRow {
		t.Errorf("read with a bad answer: err = %v (class %v), want fail-row", err, Classify(err))
	}
	_, err = f.client.PortIn(context.Background(), PortInRequest{PortInNumber: "+18015550100"})
	if Classify(err) != ClassUnknown {
		t.Errorf("create with a bad answer: err = %v (class %v), want unknown", err, Classify(err))
	}
	if got := f.count(PathPortIn); got != 1 {
		t.Errorf("port-in attempts = %d, want 1", got)
	}
}

func TestSecretsNeverShown(t *testing.T) {
	t.Parallel()
	const pin, pw = "90210555", "correct-horse"
	f := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request) {
		// A careless API that echoes the request, the token and the secret.
		body, _ := io.ReadAll(r.Body)
		tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		writeError(w, 400, fmt.Sprintf("refused %s %s %s", body, tok, testSecret))
	})
	ctx := context.Background()
	var errs []error
	_, err := f.client.PortOut(ctx, PortOutRequest{PortOutNumber: "+13855550100", PortOutPIN: pin})
	errs = append(errs, err)
	_, err = f.client.PortIn(ctx, PortInRequest{CurrentAccountPassword: pw})
	errs = append(errs, err)
	_, err = f.client.UpdatePortIn(ctx, PortInUpdateRequest{OrderId: "JNUOID-1", CurrentAccountPassword: pin})
	errs = append(errs, err)
	_, err = f.client.CreateMessageRoute(ctx, MessageRouteCreateRequest{MessagePasswordToken: pw, CallbackMessagePasswordToken: pin})
	errs = append(errs, err)
	_, err = f.client.CreateVoiceRoute(ctx, VoiceRouteCreateRequest{VoicePasswordToken: pw})
	errs = append(errs, err)
	_, err = f.client.CreateSubscriber(ctx, SubscriberCreateRequest{Password: pw})
	errs = append(errs, err)
	for _, a := range f.attempts {
		errs = append(errs, a.Err)
	}
	for _, err := range errs {
		if err == nil {
			continue
		}
		for _, s := range []string{pin, pw, "tok-", testSecret} {
			if strings.Contains(err.Error(), s) {
				t.Errorf("error %q shows a secret", err)
			}
		}
	}
	if len(errs) < 12 {
		t.Errorf("checked %d errors, want at least 12", len(errs))
	}
}

func TestCallerCancelReturnedAsIs(t *testing.T) {
	t.Parallel()
	started := make(chan struct{})
	f := newFakeAPI(t, func(_ http.ResponseWriter, r *http.Request) {
		close(started)
		<-r.Context().Done()
	})
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		_, err := f.client.Inventory(ctx, InventoryFilter{})
		errc <- err
	}()
	<-started
	cancel()
	if err := <-errc; err != context.Canceled {
		t.Errorf("err = %v, want context.Canceled itself", err)
	}
}

func TestCallerGivesUpAfterCreateWritten(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var applied atomic.Int32
	f := newFakeAPI(t, func(_ http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		applied.Add(1)
		cancel() // the caller gives up once the request has arrived
		<-r.Context().Done()
	})
	_, err := f.client.CreateAccount(ctx, AccountCreateRequest{AccountName: "A"})
	if !errors.Is(err, ErrOutcomeUnknown) || Classify(err) != ClassUnknown {
		t.Fatalf("err = %v (class %v), want outcome unknown", err, Classify(err))
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want it to wrap context.Canceled too", err)
	}
	if got := applied.Load(); got != 1 {
		t.Errorf("requests received = %d, want 1", got)
	}
}

func TestAnswerReadBeforeCallerGaveUpIsKept(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		call func(*Client, context.Context) (string, error)
	}{
		{"create", func(c *Client, ctx context.Context) (string, error) {
			a, err := c.CreateAccount(ctx, AccountCreateRequest{AccountName: "A"})
			if err != nil {
				return "", err
			}
			return a.AccountId, nil
		}},
		{"read", func(c *Client, ctx context.Context) (string, error) {
			o, err := c.Order(ctx, "AID-1")
			if err != nil {
				return "", err
			}
			return o.OrderId, nil
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			// The observer runs right after the answer was read: the caller
			// gives up at that moment, too late to matter.
			f := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, 200, map[string]string{"AccountId": "AID-1", "OrderId": "AID-1"})
			}, func(c *Config) {
				prev := c.Observer
				c.Observer = func(a Attempt) {
					prev(a)
					if a.Path != PathToken && a.Status == 200 {
						cancel()
					}
				}
			})
			id, err := tt.call(f.client, ctx)
			if err != nil || id != "AID-1" {
				t.Errorf("got %q, %v; want the answer that arrived, AID-1", id, err)
			}
		})
	}
}

func TestListPaging(t *testing.T) {
	t.Parallel()
	const total = 2500
	all := make([]Number, total)
	for i := range all {
		all[i] = Number{PhoneNumberId: "NID-" + strconv.Itoa(i)}
	}
	tests := []struct {
		name      string
		page      func(q map[string]string) NumberList
		wantCalls int
		wantN     int
	}{
		{"pages honoured", func(q map[string]string) NumberList {
			n, _ := strconv.Atoi(q["PageNumber"])
			size, _ := strconv.Atoi(q["TotalPerPage"])
			lo, hi := min((n-1)*size, total), min(n*size, total)
			return NumberList{TotalNumbers: total, PageNumber: n, TotalPerPage: size, Results: all[lo:hi]}
		}, 3, total},
		{"paging ignored", func(map[string]string) NumberList {
			return NumberList{TotalNumbers: total, Results: all}
		}, 1, total},
		{"no total, short page", func(map[string]string) NumberList {
			return NumberList{Results: all[:999]}
		}, 1, 999},
		{"empty", func(map[string]string) NumberList { return NumberList{} }, 1, 0},
		{"paging ignored, no total", func(map[string]string) NumberList {
			return NumberList{Results: all[:1000]}
		}, 2, -1},
		{"second page adds nothing new", func(q map[string]string) NumberList {
			page := slices.Clone(all[:1000])
			if q["PageNumber"] != "1" {
				slices.Reverse(page)
			}
			return NumberList{Results: page}
		}, 2, -1},
		{"later page repeats the one before", func(q map[string]string) NumberList {
			n, _ := strconv.Atoi(q["PageNumber"])
			lo := min(n-1, 1) * 1000
			return NumberList{Results: all[lo : lo+1000]}
		}, 3, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var mu sync.Mutex
			var queries []string
			f := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request) {
				q := map[string]string{}
				for k := range r.URL.Query() {
					q[k] = r.URL.Query().Get(k)
				}
				mu.Lock()
				queries = append(queries, r.URL.RawQuery)
				mu.Unlock()
				writeJSON(w, 200, tt.page(q))
			})
			got, err := f.client.Inventory(context.Background(), InventoryFilter{AccountId: "AID-1", Status: "Active"})
			mu.Lock()
			defer mu.Unlock()
			if tt.wantN < 0 {
				if err == nil || !strings.Contains(err.Error(), "ignores PageNumber") {
					t.Errorf("got %d numbers, err %v; want an error saying the server ignores PageNumber", len(got), err)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if tt.wantN >= 0 && len(got) != tt.wantN {
				t.Errorf("got %d numbers, want %d", len(got), tt.wantN)
			}
			if len(queries) != tt.wantCalls {
				t.Errorf("requests = %d (%v), want %d", len(queries), queries, tt.wantCalls)
			}
			if want := "AccountId=AID-1&PageNumber=1&Status=Active&TotalPerPage=1000"; queries[0] != want {
				t.Errorf("first query = %q, want %q", queries[0], want)
			}
		})
	}
}

func TestObserverSeesEveryAttempt(t *testing.T) {
	t.Parallel()
	f := newFakeAPI(t, sequence(status(503), ok(OrderDetails{OrderId: "JNUOID-1"})))
	if _, err := f.client.Order(context.Background(), "JNUOID-1"); err != nil {
		t.Fatal(err)
	}
	want := []struct {
		path   string
		status int
		err    bool
	}{{PathToken, 200, false}, {PathNumbersOrder, 503, true}, {PathNumbersOrder, 200, false}}
	if len(f.attempts) != len(want) {
		t.Fatalf("attempts = %+v, want %d", f.attempts, len(want))
	}
	for i, w := range want {
		a := f.attempts[i]
		if a.Path != w.path || a.Status != w.status || (a.Err != nil) != w.err || a.Duration <= 0 {
			t.Errorf("attempt %d = %+v, want path %s status %d err %v", i, a, w.path, w.status, w.err)
		}
	}
}

func TestRequiredArguments(t *testing.T) {
	c, err := New(Config{BaseURL: "http://127.0.0.1:1", AccountKey: "k", AccountSecret: "s"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	_, err1 := c.Order(ctx, "")
	_, err2 := c.CancelPortIn(ctx, " ")
	_, err3 := c.UpdatePortIn(ctx, PortInUpdateRequest{})
	for i, err := range []error{err1, err2, err3} {
		if Classify(err) != ClassFailRow || !strings.Contains(err.Error(), "OrderId is required") {
			t.Errorf("call %d: err = %v, want fail-row naming OrderId", i, err)
		}
	}
}

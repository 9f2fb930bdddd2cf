package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"telegent-bulk/telegent"
)

// failCodes sends the same requests to a sandbox that fails everything and
// returns the statuses, checking that the state did not change.
func failCodes(t *testing.T, seed int64) []int {
	t.Helper()
	s, c := newSandbox(t, Options{Seed: seed})
	f := c.fixture()
	requests := []struct {
		method, path string
		body         any
	}{
		{"POST", telegent.PathAccountCreate, telegent.AccountCreateRequest{AccountName: "never"}},
		{"POST", telegent.PathNumbersProvision, f.provision()},
		{"POST", telegent.PathPortIn, portInRequest("+18015550100")},
		{"POST", telegent.PathPortOut, telegent.PortOutRequest{PortOutNumber: "+13855550100", PortOutPIN: "1234"}},
		{"GET", telegent.PathDistributorAccounts, nil},
		{"POST", telegent.PathToken, telegent.TokenRequest{AccountKey: AccountKey, AccountSecret: AccountSecret, ApiEndpoint: "https://x" + telegent.PathAccountCreate}},
	}
	for _, r := range requests { // tokens first, while nothing fails
		if r.path != telegent.PathToken {
			c.token(r.path)
		}
	}
	before := c.stateJSON()
	s.SetFaults(1, 0)
	var codes []int
	for range 3 {
		for _, r := range requests {
			status, data := c.raw(r.method, r.path, c.tokens[r.path], r.body)
			var eb telegent.ErrorBody
			if err := json.Unmarshal(data, &eb); err != nil || eb.StatusCode != status {
				t.Errorf("%s %s: body %s is not an ErrorBody of status %d", r.method, r.path, data, status)
			}
			codes = append(codes, status)
		}
	}
	if after := c.stateJSON(); !bytes.Equal(before, after) {
		t.Errorf("state changed although every request failed")
	}
	injected := 0
	for key, byCode := range s.Stats().Requests {
		for code, n := range byCode {
			if code == "500" || code == "503" || code == "504" {
				injected += n
				if key == "GET /_sandbox/state" {
					t.Errorf("faults applied to %s", key)
				}
			}
		}
	}
	if injected != len(codes) {
		t.Errorf("stats count %d injected failures, want %d", injected, len(codes))
	}
	return codes
}

func TestFailRateFailsBeforeAnyChange(t *testing.T) {
	t.Parallel()
	codes := failCodes(t, 42)
	seen := map[int]bool{}
	for _, code := range codes {
		if code != 500 && code != 503 && code != 504 {
			t.Fatalf("status %d, want 500, 503 or 504", code)
		}
		seen[code] = true
	}
	if len(seen) != 3 {
		t.Errorf("codes %v: want all of 500, 503 and 504 over %d failures", codes, len(codes))
	}
	if again := failCodes(t, 42); fmt.Sprint(again) != fmt.Sprint(codes) {
		t.Errorf("same seed gave %v then %v, want the same faults", codes, again)
	}
}

func TestLoseRateCommitsThenLosesTheAnswer(t *testing.T) {
	t.Parallel()
	s, c := newSandbox(t, Options{Seed: 42})
	accountTok := c.token(telegent.PathAccountCreate)
	listTok := c.token(telegent.PathDistributorSubs)
	eligTok := c.token(telegent.PathPortInEligibility)
	before := len(s.State().Accounts)
	s.SetFaults(0, 1)

	const n = 12
	dropped, timedOut := 0, 0
	for i := range n {
		status, data, err := c.try(http.MethodPost, telegent.PathAccountCreate, accountTok, telegent.AccountCreateRequest{AccountName: fmt.Sprint("lost ", i)})
		switch {
		case err != nil:
			dropped++
		case status == http.StatusGatewayTimeout:
			timedOut++
		default:
			t.Fatalf("request %d: status %d (%s), want a dropped connection or 504", i, status, data)
		}
	}
	if dropped == 0 || timedOut == 0 {
		t.Errorf("dropped %d, 504 %d: want both ways of losing an answer", dropped, timedOut)
	}
	if got := len(s.State().Accounts) - before; got != n {
		t.Errorf("accounts committed = %d, want %d: a lost answer still commits", got, n)
	}
	if got := s.Stats().Requests["POST "+telegent.PathAccountCreate]["0"]; got != dropped {
		t.Errorf("stats count %d dropped connections, want %d", got, dropped)
	}

	// Reads and read-only POSTs are never lost.
	if status, _ := c.raw(http.MethodGet, telegent.PathDistributorSubs, listTok, nil); status != http.StatusOK {
		t.Errorf("list under LoseRate=1: %d, want 200", status)
	}
	if status, _ := c.raw(http.MethodPost, telegent.PathPortInEligibility, eligTok, telegent.EligibilityRequest{PhoneNumber: "+18015550100", TargetClassification: "Mobile"}); status != http.StatusOK {
		t.Errorf("eligibility under LoseRate=1: %d, want 200", status)
	}
	// A refused change has nothing to lose.
	if status, _ := c.raw(http.MethodPost, telegent.PathAccountCreate, accountTok, telegent.AccountCreateRequest{}); status != http.StatusBadRequest {
		t.Errorf("bad body under LoseRate=1: %d, want 400", status)
	}
}

// LoseFirst loses the answers to the first changes of each endpoint,
// committed all the same, and no more.
func TestLoseFirst(t *testing.T) {
	t.Parallel()
	s, c := newSandbox(t, Options{Seed: 42, LoseFirst: 2})
	accountTok := c.token(telegent.PathAccountCreate)
	before := len(s.State().Accounts)
	var outcomes []string
	for i := range 4 {
		status, _, err := c.try(http.MethodPost, telegent.PathAccountCreate, accountTok, telegent.AccountCreateRequest{AccountName: fmt.Sprint("first ", i)})
		switch {
		case err != nil:
			outcomes = append(outcomes, "dropped")
		default:
			outcomes = append(outcomes, fmt.Sprint(status))
		}
	}
	if got := strings.Join(outcomes, " "); got != "504 dropped 200 200" {
		t.Errorf("answers = %s, want the first two lost (a 504, then a dropped connection), then 200s", got)
	}
	if got := len(s.State().Accounts) - before; got != 4 {
		t.Errorf("accounts committed = %d, want 4", got)
	}
}

func TestRateLimit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		rps            float64
		wantAllowed    int // of the 5 requests sent in the same instant, the token request included
		wantRetryAfter string
	}{
		{rps: 3, wantAllowed: 1, wantRetryAfter: "1"},   // burst 1
		{rps: 30, wantAllowed: 3, wantRetryAfter: "1"},  // burst 3: a tenth of a second's worth
		{rps: 0.5, wantAllowed: 1, wantRetryAfter: "2"}, // burst 1; the next token in 2s
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.rps), func(t *testing.T) {
			s, err := New(Options{Seed: 1, RPS: tt.rps})
			if err != nil {
				t.Fatal(err)
			}
			frozen := time.Now()
			s.realNow = func() time.Time { return frozen }
			c := serve(t, s)

			statuses := []int{}
			var retryAfter []string
			status, data := c.raw(http.MethodPost, telegent.PathToken, "", telegent.TokenRequest{AccountKey: AccountKey, AccountSecret: AccountSecret, ApiEndpoint: c.base + telegent.PathDistributorSubs})
			statuses = append(statuses, status)
			var tr telegent.TokenResponse
			json.Unmarshal(data, &tr)
			for range 4 {
				req, _ := http.NewRequest(http.MethodGet, c.base+telegent.PathDistributorSubs, nil)
				req.Header.Set("Authorization", "Bearer "+tr.Token)
				resp, err := c.hc.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				statuses = append(statuses, resp.StatusCode)
				if resp.StatusCode == http.StatusTooManyRequests {
					retryAfter = append(retryAfter, resp.Header.Get("Retry-After"))
				}
			}
			allowed := 0
			for _, st := range statuses {
				if st != http.StatusTooManyRequests {
					allowed++
				}
			}
			if allowed != tt.wantAllowed {
				t.Errorf("statuses %v: %d allowed, want %d", statuses, allowed, tt.wantAllowed)
			}
			for _, ra := range retryAfter {
				if ra != tt.wantRetryAfter {
					t.Errorf("Retry-After = %q, want %q", ra, tt.wantRetryAfter)
				}
			}
			if got := s.Stats().Requests["GET "+telegent.PathDistributorSubs]["429"]; got != 5-tt.wantAllowed {
				t.Errorf("stats count %d 429s, want %d", got, 5-tt.wantAllowed)
			}
			if status, _ := c.raw(http.MethodGet, "/_sandbox/stats", "", nil); status != http.StatusOK {
				t.Errorf("/_sandbox/stats while throttled: %d, want 200", status)
			}
			frozen = frozen.Add(time.Duration(float64(time.Second) / tt.rps))
			if status, _ := c.raw(http.MethodGet, telegent.PathDistributorSubs, tr.Token, nil); status != http.StatusOK {
				t.Errorf("after the bucket refilled: %d, want 200", status)
			}
		})
	}
}

func TestLatency(t *testing.T) {
	t.Parallel()
	s, c := newSandbox(t, Options{Seed: 1, Latency: time.Millisecond})
	tok := c.token(telegent.PathDistributorSubs)
	if status, _ := c.raw(http.MethodGet, telegent.PathDistributorSubs, tok, nil); status != http.StatusOK {
		t.Errorf("with latency: %d, want 200", status)
	}
	for range 100 {
		if d := s.faults.jitter(time.Second); d < 500*time.Millisecond || d >= 1500*time.Millisecond {
			t.Fatalf("jitter of 1s = %v, want within ±50%%", d)
		}
	}
	// A client that leaves does not hold a handler for the whole latency:
	// with an hour of it, this returns at once or the test times out.
	slow := &Server{latency: time.Hour}
	slow.faults.init(1, 2, 0, 0, 0)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	slow.delay(ctx)
}

func TestClosedSandboxAnswers503(t *testing.T) {
	t.Parallel()
	s, c := newSandbox(t, Options{Seed: 1})
	tok := c.token(telegent.PathAccountCreate)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if status, _ := c.raw(http.MethodPost, telegent.PathAccountCreate, tok, telegent.AccountCreateRequest{AccountName: "late"}); status != http.StatusServiceUnavailable {
		t.Errorf("create after Close: %d, want 503", status)
	}
	for _, rq := range []struct{ method, path string }{
		{http.MethodGet, "/_sandbox/state"},
		{http.MethodGet, "/_sandbox/stats"},
		{http.MethodPost, "/_sandbox/advance?by=1h"},
		{http.MethodPost, telegent.PathToken},
	} {
		if status, data := c.raw(rq.method, rq.path, "", nil); status != http.StatusServiceUnavailable {
			t.Errorf("%s %s after Close: %d %s, want 503", rq.method, rq.path, status, data)
		}
	}
}

func TestSetBusyRate(t *testing.T) {
	t.Parallel()
	s, c := newSandbox(t, Options{Seed: 1})
	tok := c.token(telegent.PathAccountPackages)
	get := func() int {
		status, _ := c.raw(http.MethodGet, telegent.PathAccountPackages, tok, nil)
		return status
	}
	if got := get(); got != http.StatusOK {
		t.Fatalf("before SetBusyRate: %d, want 200", got)
	}
	s.SetBusyRate(1)
	if got := get(); got != http.StatusTooManyRequests {
		t.Errorf("after SetBusyRate(1): %d, want 429", got)
	}
	s.SetBusyRate(-3) // clamped to 0
	if got := get(); got != http.StatusOK {
		t.Errorf("after SetBusyRate(0): %d, want 200", got)
	}
}

func TestOptionsAreChecked(t *testing.T) {
	t.Parallel()
	tests := []Options{
		{RPS: -1},
		{FailRate: 1.5},
		{LoseRate: -0.1},
		{LoseFirst: -1},
		{Latency: -time.Second},
		{PortStep: -time.Second},
	}
	for _, opts := range tests {
		if s, err := New(opts); err == nil {
			s.Close()
			t.Errorf("New(%+v) succeeded, want an error", opts)
		}
	}
}

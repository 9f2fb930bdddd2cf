package jobs_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"telegent-bulk/checkpoint"
	"telegent-bulk/jobs"
	"telegent-bulk/plan"
	"telegent-bulk/sheets"
	"telegent-bulk/telegent"
	"telegent-bulk/telegent/sandbox"
)

// env is a sandbox on loopback and a work directory for one test.
type env struct {
	tb   testing.TB
	srv  *sandbox.Server
	http *httptest.Server
	dir  string
	// attempts counts HTTP attempts and 429 answers seen by clients.
	attempts, throttled atomic.Int64
}

func newEnv(tb testing.TB, o sandbox.Options) *env {
	tb.Helper()
	if o.Seed == 0 {
		o.Seed = 1
	}
	srv, err := sandbox.New(o)
	if err != nil {
		tb.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	tb.Cleanup(func() { hs.Close(); srv.Close() })
	return &env{tb: tb, srv: srv, http: hs, dir: tb.TempDir()}
}

// client returns a client for the sandbox with fast retries.
func (e *env) client(rps float64) *telegent.Client {
	e.tb.Helper()
	return e.clientAt(e.http.URL, rps)
}

// clientThrough returns a client (no rate limit) whose requests pass
// through front first: front answers a request itself by returning true,
// else the sandbox does.
func (e *env) clientThrough(front func(w http.ResponseWriter, r *http.Request) bool) *telegent.Client {
	e.tb.Helper()
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !front(w, r) {
			e.srv.ServeHTTP(w, r)
		}
	}))
	e.tb.Cleanup(hs.Close)
	return e.clientAt(hs.URL, 0)
}

func (e *env) clientAt(url string, rps float64) *telegent.Client {
	e.tb.Helper()
	var lim *telegent.Limiter
	if rps > 0 {
		lim = telegent.NewLimiter(rps, 1)
	}
	return e.clientWith(url, lim)
}

// clientWith returns a client for url paced by lim (nil: no limit).
func (e *env) clientWith(url string, lim *telegent.Limiter) *telegent.Client {
	e.tb.Helper()
	c, err := telegent.New(telegent.Config{
		BaseURL:       url,
		AccountKey:    sandbox.AccountKey,
		AccountSecret: sandbox.AccountSecret,
		Limiter:       lim,
		BaseBackoff:   2 * time.Millisecond,
		MaxBackoff:    50 * time.Millisecond,
		MaxAttempts:   12,
		Observer: func(a telegent.Attempt) {
			e.attempts.Add(1)
			if a.Status == http.StatusTooManyRequests {
				e.throttled.Add(1)
			}
		},
	})
	if err != nil {
		e.tb.Fatal(err)
	}
	return c
}

// loadPlan reads manifests into a plan and fails on any problem.
func loadPlan(tb testing.TB, paths ...string) *plan.Plan {
	tb.Helper()
	var rs []sheets.Reader
	for _, p := range paths {
		r, err := sheets.Open(p)
		if err != nil {
			tb.Fatal(err)
		}
		rs = append(rs, r...)
	}
	p, problems, err := plan.Build(rs)
	for _, r := range rs {
		r.Close()
	}
	if err != nil {
		tb.Fatal(err)
	}
	if len(problems) > 0 {
		tb.Fatalf("manifest problems: %v", problems)
	}
	return p
}

var macKey = plan.FingerprintKey(sandbox.AccountSecret)

// run executes p once with the checkpoint at state and writes the results
// to results.xlsx in the env's directory.
func (e *env) run(ctx context.Context, p *plan.Plan, state string, c *telegent.Client, o jobs.Options) (jobs.Report, error) {
	e.tb.Helper()
	s, err := checkpoint.Open(state, checkpoint.Options{})
	if err != nil {
		e.tb.Fatal(err)
	}
	defer s.Close()
	if o.MACKey == nil {
		o.MACKey = macKey
	}
	if o.Poll == 0 {
		o.Poll = 20 * time.Millisecond
	}
	r := jobs.New(p, c, s, o)
	rep, runErr := r.Run(ctx)
	w, err := sheets.Create(filepath.Join(e.dir, "results.xlsx"))
	if err != nil {
		e.tb.Fatal(err)
	}
	if err := jobs.WriteResults(p, s, w, jobs.Results{Packages: r.Packages()}); err != nil {
		e.tb.Fatal(err)
	}
	if err := w.Commit(); err != nil {
		e.tb.Fatal(err)
	}
	return rep, runErr
}

func (e *env) state() sandbox.State { return e.srv.State() }

// requests counts every request the sandbox has answered, of any kind.
func (e *env) requests() int {
	n := 0
	for _, byStatus := range e.srv.Stats().Requests {
		for _, k := range byStatus {
			n += k
		}
	}
	return n
}

// creates counts the create requests the sandbox answered, by endpoint.
func (e *env) creates() map[string]int {
	out := map[string]int{}
	for ep, byStatus := range e.srv.Stats().Requests {
		if !isCreate(ep) {
			continue
		}
		for _, n := range byStatus {
			out[ep] += n
		}
	}
	return out
}

func isCreate(ep string) bool {
	switch ep {
	case "POST " + telegent.PathAccountCreate, "POST " + telegent.PathSubscriberCreate, "POST " + telegent.PathMessageRoutes,
		"POST " + telegent.PathVoiceRoutes, "POST " + telegent.PathNumbersProvision, "POST " + telegent.PathPortIn,
		"POST " + telegent.PathPortOut, "POST " + telegent.PathSubscriptions, "POST " + telegent.PathMessageFilter:
		return true
	}
	return false
}

// duplicates counts resources that exist more than once where the manifest
// asked for one: subscribers by e-mail, subscriptions by number, port
// orders by number, numbers by ICCID, routes and accounts by name.
func duplicates(st sandbox.State) map[string]int {
	keys := map[string][]string{}
	for _, a := range st.Accounts {
		keys["accounts"] = append(keys["accounts"], a.AccountName)
	}
	for _, s := range st.Subscribers {
		keys["subscribers"] = append(keys["subscribers"], s.Email)
	}
	for _, s := range st.Subscriptions {
		if s.Active {
			keys["subscriptions"] = append(keys["subscriptions"], s.TNID)
		}
	}
	for _, n := range st.Numbers {
		keys["numbers by ICCID"] = append(keys["numbers by ICCID"], n.ICCID)
	}
	for _, o := range st.Orders {
		if len(o.PhoneNumbersOrdered) == 0 {
			continue
		}
		switch {
		case o.OrderType == "portin" && o.OrderStatus != telegent.PortCancelled:
			keys["port-in orders"] = append(keys["port-in orders"], o.PhoneNumbersOrdered[0].Number)
		case o.OrderType == "portout":
			keys["port-out orders"] = append(keys["port-out orders"], o.PhoneNumbersOrdered[0].Number)
		}
	}
	for _, m := range st.MessageRoutes {
		keys["message routes"] = append(keys["message routes"], m.RouteName)
	}
	for _, v := range st.VoiceRoutes {
		keys["voice routes"] = append(keys["voice routes"], v.RouteName)
	}
	for _, f := range st.MessageFilters {
		keys["message filters"] = append(keys["message filters"], f.SubscriberId+" "+f.Phone)
	}
	d := map[string]int{}
	for kind, ks := range keys {
		seen := map[string]int{}
		for _, k := range ks {
			if seen[k]++; k != "" && seen[k] == 2 {
				d[kind]++
			}
		}
	}
	return d
}

// rowStates reads every step record and returns the state per step key.
func rowStates(tb testing.TB, state string) map[string]checkpoint.Record {
	tb.Helper()
	s, err := checkpoint.Open(state, checkpoint.Options{ReadOnly: true})
	if err != nil {
		tb.Fatal(err)
	}
	defer s.Close()
	out := map[string]checkpoint.Record{}
	if err := s.ForEach(func(r checkpoint.Record) error { out[string(r.Key)] = r; return nil }); err != nil {
		tb.Fatal(err)
	}
	return out
}

func dump(v any) string {
	b, _ := json.MarshalIndent(v, "", "  ")
	return string(b)
}

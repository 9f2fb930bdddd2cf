package jobs_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"telegent-bulk/checkpoint"
	"telegent-bulk/jobs"
	"telegent-bulk/plan"
	"telegent-bulk/samples/samplegen"
	"telegent-bulk/telegent"
	"telegent-bulk/telegent/sandbox"
)

// The sandbox's preloaded account and subscriber (docs/sandbox.md).
const (
	docLegacyAccountID    = "AID-5a1e0000-0000-4000-8000-00000000000a"
	docLegacySubscriberID = "TSUID-5a1e0000-0000-4000-8000-00000000000b"
	docLegacyEmail        = "legacy@sandbox.example"
)

// A run interrupted part-way stops cleanly (no error, nothing left pending
// in the checkpoint), and the same command again finishes the migration
// without sending any create twice. In-flight calls are drained and
// recorded; when the drain bound cuts them off, the creates among them stay
// in-flight and the resumed run reconciles them before sending anything.
func TestInterruptAndResume(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		latency time.Duration
		drain   time.Duration // 0: the default, far longer than any call
	}{
		{name: "drained", latency: 20 * time.Millisecond},
		// Usually cuts off a few creates (which of the calls are out at
		// the interrupt depends on timing, so that is logged, not
		// asserted).
		{name: "drain cut short", latency: 20 * time.Millisecond, drain: time.Millisecond},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			// The extended profile lists accounts and voice routes: a create
			// of either that the interrupt cuts off is settled by a lookup,
			// whereas against the API as documented it needs attention, and
			// which calls are out at the interrupt depends on timing.
			e := newEnv(t, sandbox.Options{Latency: tc.latency, PortStep: 20 * time.Millisecond, Seed: 9,
				Profile: sandbox.ProfileExtended})
			dir := filepath.Join(e.dir, "manifest")
			if _, err := samplegen.WriteSynthetic(dir, 300, "csv"); err != nil {
				t.Fatal(err)
			}
			p := loadPlan(t, dir)
			state := filepath.Join(e.dir, "run.db")
			c := e.client(0)
			before := e.state()

			ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			defer cancel()
			rep, err := e.run(ctx, p, state, c, jobs.Options{Wait: 30 * time.Second, Drain: tc.drain})
			if err != nil {
				t.Fatalf("interrupted run: %v, want no error", err)
			}
			if !rep.Interrupted {
				t.Errorf("Report.Interrupted = false after the context ended")
			}
			if rep.Totals.Done >= rep.Totals.Steps {
				t.Fatalf("the run finished (%+v) before the interrupt: nothing was tested", rep.Totals)
			}
			recs := rowStates(t, state)
			inflight := 0
			for k, r := range recs {
				switch {
				case r.State == checkpoint.Pending:
					t.Errorf("%s left pending after the interrupt", k)
				case r.State == checkpoint.InFlight && tc.drain == 0:
					// Drained: every call that was out came back and was
					// recorded.
					t.Errorf("%s left in-flight although the run drained its calls", k)
				case r.State == checkpoint.InFlight:
					inflight++
				}
			}
			t.Logf("interrupted after %d of %d steps; %d records, %d in-flight", rep.Totals.Done, rep.Totals.Steps, len(recs), inflight)

			rep, err = e.run(context.Background(), p, state, c, jobs.Options{Wait: 30 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			if tot := rep.Totals; rep.Interrupted || tot.Done+tot.Attention+tot.Skipped != tot.Steps {
				t.Fatalf("resumed run: %+v interrupted=%v, want every step done", rep.Totals, rep.Interrupted)
			}
			// A create cut off at the interrupt that no lookup settles (a
			// port-in submit) needs attention, and the steps after it are
			// skipped; which calls are out then depends on timing. Every
			// other step is done.
			after := rowStates(t, state)
			var attention []string
			for k, r := range after {
				if r.State == checkpoint.NeedsAttention && recs[k].State == checkpoint.InFlight {
					attention = append(attention, k)
				}
			}
			for k, r := range after {
				blocked := r.State == checkpoint.Skipped && slices.ContainsFunc(attention, func(a string) bool {
					return strings.Contains(r.ErrMessage, a)
				})
				if r.State != checkpoint.Done && !slices.Contains(attention, k) && !blocked {
					t.Errorf("%s: %s %s, want done", k, r.State, r.ErrMessage)
				}
			}
			if len(attention) > 0 {
				t.Logf("cut off at the interrupt and needing attention: %v", attention)
			}
			st := e.state()
			if d := duplicates(st); len(d) > 0 {
				t.Errorf("duplicates: %v", d)
			}
			// Every create request the sandbox answered made exactly one
			// resource.
			got, want := e.creates(), createdResources(before, st)
			for ep := range endpointUnion(got, want) {
				if got[ep] != want[ep] {
					t.Errorf("%s: %d create requests, %d resources created", ep, got[ep], want[ep])
				}
			}
		})
	}
}

// createdResources counts what exists in after and not in before, by the
// create endpoint that makes it.
func createdResources(before, after sandbox.State) map[string]int {
	orders := map[string]int{}
	for _, o := range after.Orders {
		orders[o.OrderType]++
	}
	for _, o := range before.Orders {
		orders[o.OrderType]--
	}
	out := map[string]int{
		"POST " + telegent.PathAccountCreate:    len(after.Accounts) - len(before.Accounts),
		"POST " + telegent.PathSubscriberCreate: len(after.Subscribers) - len(before.Subscribers),
		"POST " + telegent.PathMessageRoutes:    len(after.MessageRoutes) - len(before.MessageRoutes),
		"POST " + telegent.PathVoiceRoutes:      len(after.VoiceRoutes) - len(before.VoiceRoutes),
		"POST " + telegent.PathNumbersProvision: orders["provision"],
		"POST " + telegent.PathPortIn:           orders["portin"],
		"POST " + telegent.PathPortOut:          orders["portout"],
		"POST " + telegent.PathSubscriptions:    len(after.Subscriptions) - len(before.Subscriptions),
		"POST " + telegent.PathMessageFilter:    len(after.MessageFilters) - len(before.MessageFilters),
	}
	for k, v := range out {
		if v == 0 {
			delete(out, k)
		}
	}
	return out
}

func endpointUnion(a, b map[string]int) map[string]bool {
	out := map[string]bool{}
	for k := range a {
		out[k] = true
	}
	for k := range b {
		out[k] = true
	}
	return out
}

// portInManifest writes a manifest of port-ins for the legacy subscriber
// (one message route, created by the run) into dir.
func portInManifest(tb testing.TB, dir string, numbers ...string) {
	tb.Helper()
	ports := [][]string{{"PortInNumber", "SubscriberId", "AccountId", "MessageRouteRef", "CurrentCarrierName",
		"CurrentAccountNumber", "CurrentAccountPassword", "SubscriberName", "BillingStreet1", "BillingCity",
		"BillingState", "BillingZip"}}
	for _, n := range numbers {
		ports = append(ports, []string{n, docLegacySubscriberID, docLegacyAccountID, "legacy-sms", "Verizon Wireless",
			"555000111", "4321", "Legacy Subscriber", "1 Main St", "Provo", "UT", "84601"})
	}
	writeCSVTables(tb, dir, map[string][][]string{
		"messageroutes.csv": {
			{"RouteRef", "AccountId", "RouteName", "MessageUrl"},
			{"legacy-sms", docLegacyAccountID, "Legacy SMS", "https://sms.legacy.example/in"},
		},
		"portins.csv": ports,
	})
}

// --max-failures stops a run that is clearly going wrong: after 3 failures
// no new step starts. The next run (without the limit) carries on with the
// rows never tried and leaves the failed ones alone.
func TestMaxFailures(t *testing.T) {
	t.Parallel()
	areas := []string{"801", "385", "435", "212", "415", "646", "917", "718", "303", "720",
		"602", "480", "206", "503", "512", "617", "305", "404", "312", "702"}
	var numbers []string
	for _, a := range areas {
		numbers = append(numbers, "+1"+a+"5559901") // not eligible
	}
	e := newEnv(t, sandbox.Options{})
	dir := filepath.Join(e.dir, "manifest")
	portInManifest(t, dir, numbers...)
	p := loadPlan(t, dir)
	state := filepath.Join(e.dir, "run.db")
	c := e.client(0)
	eligibility := func() int {
		n := 0
		for _, count := range e.srv.Stats().Requests["POST "+telegent.PathPortInEligibility] {
			n += count
		}
		return n
	}

	rep, err := e.run(context.Background(), p, state, c, jobs.Options{Concurrency: 2, MaxFailures: 3})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Stopped == "" {
		t.Errorf("Report.Stopped is empty after %d failures with MaxFailures 3", rep.Totals.Failed)
	}
	if rep.Totals.Failed < 3 {
		t.Errorf("failed = %d, want at least 3", rep.Totals.Failed)
	}
	first := eligibility()
	t.Logf("%s; %d of %d numbers checked", rep.Stopped, first, len(numbers))
	if first < 3 || first >= len(numbers) {
		t.Errorf("first run checked %d of %d numbers, want at least 3 and fewer than all", first, len(numbers))
	}

	rep, err = e.run(context.Background(), p, state, c, jobs.Options{Concurrency: 2})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Stopped != "" || rep.Totals.Failed != len(numbers) {
		t.Errorf("second run: stopped %q, %d failed, want every one of %d numbers failed", rep.Stopped, rep.Totals.Failed, len(numbers))
	}
	if got := eligibility(); got != len(numbers) {
		t.Errorf("eligibility asked %d times over both runs, want %d (once per number)", got, len(numbers))
	}
}

// An interrupt during the start-up lookups of a resumed run stops them at
// once: the run reports itself interrupted, and the step whose outcome is
// unknown stays in-flight for the next run to look up, neither sent nor
// judged.
func TestInterruptDuringReconcile(t *testing.T) {
	t.Parallel()
	const email = "pending.lookup@example.com"
	e := newEnv(t, sandbox.Options{})
	reached := make(chan struct{})
	var once sync.Once
	c := e.clientThrough(func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path != telegent.PathDistributorSubs {
			return false
		}
		once.Do(func() { close(reached) })
		<-r.Context().Done() // the lookup hangs until the client gives up
		return true
	})
	dir := filepath.Join(e.dir, "manifest")
	writeCSVTables(t, dir, map[string][][]string{
		"subscribers.csv": {
			{"Email", "Name", "AccountId", "Password"},
			{email, "Pending Lookup", docLegacyAccountID, "Pw-lookup-1"},
		},
	})
	p := loadPlan(t, dir)
	state := filepath.Join(e.dir, "run.db")
	key := plan.MakeKey(plan.Subscribers, email, plan.SubscriberCreate)
	leaveInFlight(t, state, key)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second) // a bound, not a timing
	defer cancel()
	go func() {
		select {
		case <-reached:
			cancel()
		case <-ctx.Done():
		}
	}()
	rep, err := e.run(ctx, p, state, c, jobs.Options{Drain: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Interrupted {
		t.Fatalf("report %+v: want interrupted", rep)
	}
	if rec := rowStates(t, state)[string(key)]; rec.State != checkpoint.InFlight {
		t.Fatalf("subscriber create is %s %q after the interrupted lookup, want still in-flight", rec.State, rec.ErrMessage)
	}
	if got := e.creates()["POST "+telegent.PathSubscriberCreate]; got != 0 {
		t.Fatalf("%d subscriber creates sent, want 0", got)
	}
}

// A failed row stays failed on a plain re-run, costing no request, and is
// sent again with RetryFailed; done rows are not.
func TestRetryFailed(t *testing.T) {
	t.Parallel()
	const missing = "+13855550199" // not in the inventory: 404
	e := newEnv(t, sandbox.Options{})
	dir := filepath.Join(e.dir, "manifest")
	writeCSVTables(t, dir, map[string][][]string{
		"portouts.csv": {{"PortOutNumber", "PortOutPIN"}, {"+13855550100", "2468"}, {missing, "1357"}},
	})
	p := loadPlan(t, dir)
	state := filepath.Join(e.dir, "run.db")
	c := e.client(0)
	key := string(plan.MakeKey(plan.PortOuts, missing, plan.PortOutIssue))
	portOuts := func() int {
		n := 0
		for _, count := range e.srv.Stats().Requests["POST "+telegent.PathPortOut] {
			n += count
		}
		return n
	}

	runs := []struct {
		name         string
		opts         jobs.Options
		wantRequests int // port-out requests so far
		wantAttempts int // of the failed row's step
	}{
		{"first run", jobs.Options{}, 2, 1},
		{"plain re-run", jobs.Options{}, 2, 1},
		{"retry failed", jobs.Options{RetryFailed: true}, 3, 2},
	}
	for _, r := range runs {
		rep, err := e.run(context.Background(), p, state, c, r.opts)
		if err != nil {
			t.Fatalf("%s: %v", r.name, err)
		}
		if got := portOuts(); got != r.wantRequests {
			t.Errorf("%s: %d port-out requests so far, want %d", r.name, got, r.wantRequests)
		}
		rec := rowStates(t, state)[key]
		if rec.State != checkpoint.Failed || rec.ErrStatus != 404 || !strings.Contains(rec.ErrMessage, "404") {
			t.Errorf("%s: %s = %s %d %q, want failed with a 404", r.name, key, rec.State, rec.ErrStatus, rec.ErrMessage)
		}
		if rec.Attempts != r.wantAttempts {
			t.Errorf("%s: attempts = %d, want %d", r.name, rec.Attempts, r.wantAttempts)
		}
		if rep.Totals.Done != 1 || rep.Totals.Failed != 1 {
			t.Errorf("%s: totals = %+v, want 1 done and 1 failed", r.name, rep.Totals)
		}
	}
}

// An idempotent call that never gets an answer (every connection dropped)
// fails its row as retryable: the error says so in words — there is no
// HTTP status to show — and the next run sends it again.
//
// The sandbox's LoseRate drops or 504s at random; to drop every data-usage
// call and nothing else, this test puts a small handler in front of it.
func TestNoAnswerFailsRetryably(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Options{})
	var drop atomic.Bool
	drop.Store(true)
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if drop.Load() && r.URL.Path == telegent.PathDataUsage {
			if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
				conn.Close()
			}
			return
		}
		e.srv.ServeHTTP(w, r)
	}))
	t.Cleanup(hs.Close)
	c, err := telegent.New(telegent.Config{BaseURL: hs.URL, AccountKey: sandbox.AccountKey, AccountSecret: sandbox.AccountSecret,
		BaseBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond, MaxAttempts: 3})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(e.dir, "manifest")
	writeCSVTables(t, dir, map[string][][]string{"numbers.csv": {
		{"LineRef", "SubscriberId", "PhoneNumberId", "PhoneNumber", "DataEnabled", "LimitValue"},
		{"LEG-100", docLegacySubscriberID, "NID-5a1e0000-0000-4000-8000-000000000100", "+13855550100", "yes", "1024"},
	}})
	p := loadPlan(t, dir)
	state := filepath.Join(e.dir, "run.db")
	key := string(plan.MakeKey(plan.Numbers, "LEG-100", plan.DataUsageSet))

	if _, err := e.run(context.Background(), p, state, c, jobs.Options{}); err != nil {
		t.Fatal(err)
	}
	rec := rowStates(t, state)[key]
	if rec.State != checkpoint.Failed || rec.ErrClass != checkpoint.ClassRetry {
		t.Fatalf("%s = %s (class %q), want failed as retryable", key, rec.State, rec.ErrClass.String())
	}
	if strings.HasPrefix(rec.ErrMessage, "0 ") || !strings.Contains(rec.ErrMessage, "re-running retries this row") {
		t.Errorf("error = %q, want no made-up status 0 and the hint that re-running retries this row", rec.ErrMessage)
	}

	drop.Store(false)
	if _, err := e.run(context.Background(), p, state, c, jobs.Options{}); err != nil {
		t.Fatal(err)
	}
	if rec := rowStates(t, state)[key]; rec.State != checkpoint.Done {
		t.Errorf("after a plain re-run: %s = %s %q, want done", key, rec.State, rec.ErrMessage)
	}
}

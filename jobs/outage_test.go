package jobs_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"telegent-bulk/checkpoint"
	"telegent-bulk/jobs"
	"telegent-bulk/plan"
	"telegent-bulk/telegent"
	"telegent-bulk/telegent/sandbox"
)

// checkOnlyDeliberateFailures checks that every step of the sample
// migration in the checkpoint at state is done, but the sample's deliberate
// failures and the port steps they block.
func checkOnlyDeliberateFailures(t *testing.T, state string) {
	t.Helper()
	var failed []string
	for k, r := range rowStates(t, state) {
		switch r.State {
		case checkpoint.Done:
		case checkpoint.Failed:
			failed = append(failed, k)
		case checkpoint.Skipped:
			if !strings.HasPrefix(r.ErrMessage, "blocked by PortIns:") {
				t.Errorf("%s skipped: %s", k, r.ErrMessage)
			}
		default:
			t.Errorf("%s is %s %q, want done", k, r.State, r.ErrMessage)
		}
	}
	sort.Strings(failed)
	want := append([]string(nil), sampleDeliberateFailures...)
	sort.Strings(want)
	if strings.Join(failed, " ") != strings.Join(want, " ") {
		t.Errorf("failed steps = %v, want only the sample's deliberate failures %v", failed, want)
	}
}

// sampleDeliberateFailures are the steps of the sample migration that fail
// whatever happens: 9901 is not eligible; 9911, 9912, 9913 and 9919 are
// rejected.
var sampleDeliberateFailures = []string{"portins/+14155559901/eligibility", "portins/+18015559911/monitor",
	"portins/+13855559912/monitor", "portins/+12125559913/monitor", "portins/+18015559919/monitor"}

// watchedClient returns a client of the sandbox at url, with retries fast
// enough to give up well within the outage window, whose attempts feed w.
func watchedClient(tb testing.TB, url string, w *jobs.OutageWatch) *telegent.Client {
	tb.Helper()
	c, err := telegent.New(telegent.Config{
		BaseURL:       url,
		AccountKey:    sandbox.AccountKey,
		AccountSecret: sandbox.AccountSecret,
		BaseBackoff:   2 * time.Millisecond,
		MaxBackoff:    50 * time.Millisecond,
		MaxAttempts:   12,
		Observer:      w.Observe,
	})
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// The API dies in the middle of the sample migration. The run stops once
// nothing has answered for the window, with an error wrapping ErrOutage;
// no row is failed or skipped for it, although calls gave up many times
// over within the window (their steps were tried again); what a create may
// have sent stays in-flight. A run against the same sandbox once it is
// back finishes everything, with no duplicate.
func TestOutageMidRun(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Options{PortStep: 20 * time.Millisecond, Seed: 12})
	p := loadPlan(t, filepath.Join("..", "samples", "migration.xlsx"))
	state := filepath.Join(e.dir, "run.db")
	o := jobs.Options{Wait: 10 * time.Second}

	var front *httptest.Server
	front = httptest.NewServer(sandbox.DiesAfter(60, e.srv, func() { front.Close() }))
	t.Cleanup(front.Close)
	o.Outage = jobs.NewOutageWatch(2 * time.Second)
	rep, err := e.run(context.Background(), p, state, watchedClient(t, front.URL, o.Outage), o)
	if !errors.Is(err, jobs.ErrOutage) || !strings.Contains(err.Error(), "has not answered since") {
		t.Fatalf("run with the API gone: %v, want an outage", err)
	}
	if rep.Interrupted || !strings.Contains(rep.Stopped, "has not answered since") {
		t.Errorf("report: interrupted %v, stopped %q; want stopped for the outage", rep.Interrupted, rep.Stopped)
	}
	finished := 0
	var resend []plan.StepKey
	for k, r := range rowStates(t, state) {
		switch r.State {
		case checkpoint.Done, checkpoint.Waiting:
			finished++
		case checkpoint.InFlight:
			if strings.HasSuffix(k, "/submit") || strings.HasSuffix(k, "/pin") {
				// No lookup can tell whether a port order was placed: the
				// user checks the portal, which shows none (the requests
				// past the outage were never applied), and says so.
				resend = append(resend, plan.StepKey(k))
			}
		case checkpoint.Pending:
		case checkpoint.Failed:
			if !contains(sampleDeliberateFailures, k) {
				t.Errorf("%s failed: %s", k, r.ErrMessage)
			}
		case checkpoint.Skipped:
			if !strings.HasPrefix(r.ErrMessage, "blocked by PortIns:") {
				t.Errorf("%s skipped: %s", k, r.ErrMessage)
			}
		default:
			t.Errorf("%s: %s %q", k, r.State, r.ErrMessage)
		}
	}
	if finished == 0 || finished >= len(p.Steps)-len(sampleDeliberateFailures) {
		t.Fatalf("%d of %d steps finished before the API went: the test proves nothing", finished, len(p.Steps))
	}

	o.Outage = jobs.NewOutageWatch(2 * time.Second)
	o.Resend = resend
	rep, err = e.run(context.Background(), p, state, watchedClient(t, e.http.URL, o.Outage), o)
	if err != nil {
		t.Fatal(err)
	}
	// A create in flight when the API went that no documented lookup
	// settles (an account, a voice route) needs attention. The user checks
	// the portal, which shows none of them (nothing past the outage was
	// applied), and says so.
	o.Resend = nil
	for k, r := range rowStates(t, state) {
		if r.State == checkpoint.NeedsAttention {
			o.Resend = append(o.Resend, plan.StepKey(k))
		}
	}
	if len(o.Resend) > 0 {
		if _, err := e.run(context.Background(), p, state, watchedClient(t, e.http.URL, o.Outage), o); err != nil {
			t.Fatal(err)
		}
	}
	checkOnlyDeliberateFailures(t, state)
	if d := duplicates(e.state()); len(d) > 0 {
		t.Errorf("duplicates: %v", d)
	}
}

// Any answer is an answer: an API that answers every request 500 fails
// rows (after their retries), it is not an outage.
func TestErrorsAreNotAnOutage(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Options{FailRate: 1, Seed: 13})
	manifest := filepath.Join(e.dir, "manifest")
	writeCSVTables(t, manifest, map[string][][]string{"accounts.csv": {
		{"AccountRef", "AccountName", "BillingStreet1", "BillingCity", "BillingState", "BillingZip"},
		{"a1", "Acme One", "1 Main St", "Provo", "UT", "84601"},
		{"a2", "Acme Two", "1 Main St", "Provo", "UT", "84601"},
	}})
	p := loadPlan(t, manifest)
	o := jobs.Options{Outage: jobs.NewOutageWatch(time.Millisecond)}
	rep, err := e.run(context.Background(), p, filepath.Join(e.dir, "run.db"), watchedClient(t, e.http.URL, o.Outage), o)
	if err != nil {
		t.Fatalf("run against an API answering 500: %v, want the rows failed, not an outage", err)
	}
	if rep.Totals.Failed != 2 || rep.Stopped != "" {
		t.Errorf("totals %+v, stopped %q: want failed rows", rep.Totals, rep.Stopped)
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

package main

import (
	"net"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"telegent-bulk/checkpoint"
	"telegent-bulk/telegent/sandbox"
)

// The sample's steps that fail whatever happens: 9901 is not eligible;
// 9911, 9912, 9913 and 9919 are rejected.
var sampleFailures = map[string]bool{"portins/+14155559901/eligibility": true, "portins/+18015559911/monitor": true,
	"portins/+13855559912/monitor": true, "portins/+12125559913/monitor": true, "portins/+18015559919/monitor": true}

// runBounded runs the CLI and fails the test if it has not ended within
// a bound far above what the command needs (a bound, not a timing).
func runBounded(t *testing.T, args ...string) cliResult {
	t.Helper()
	done := make(chan cliResult, 1)
	go func() { done <- runCLIProc(t, args...) }()
	select {
	case res := <-done:
		return res
	case <-time.After(3 * time.Minute):
		t.Fatalf("telegent-bulk %s has not ended after 3 minutes", strings.Join(args, " "))
		return cliResult{}
	}
}

// outageRows checks the checkpoint after a run an outage stopped: no step
// failed or was skipped but for the sample's own failures, none needs
// attention. It returns how many steps are done or waiting.
func outageRows(t *testing.T, state string) (finished int) {
	t.Helper()
	s, err := checkpoint.Open(state, checkpoint.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	err = s.ForEach(func(r checkpoint.Record) error {
		k := string(r.Key)
		switch r.State {
		case checkpoint.Done, checkpoint.Waiting:
			finished++
		case checkpoint.Pending, checkpoint.InFlight:
		case checkpoint.Failed:
			if !sampleFailures[k] {
				t.Errorf("%s failed: %s", k, r.ErrMessage)
			}
		case checkpoint.Skipped:
			if !strings.HasPrefix(r.ErrMessage, "blocked by PortIns:") {
				t.Errorf("%s skipped: %s", k, r.ErrMessage)
			}
		default:
			t.Errorf("%s: %s %q", k, r.State, r.ErrMessage)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return finished
}

// Nothing listens at the API's address: the run says so and exits 3
// without waiting for the outage window (an hour here), fails no row, and
// writes the results.
func TestDeadAPI(t *testing.T) {
	noRealAPI(t)
	t.Setenv("TELEGENT_ACCOUNT_KEY", sandbox.AccountKey)
	t.Setenv("TELEGENT_ACCOUNT_SECRET", sandbox.AccountSecret)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + ln.Addr().String()
	ln.Close()
	dir := t.TempDir()
	state, out := filepath.Join(dir, "run.db"), filepath.Join(dir, "results.xlsx")
	res := runBounded(t, "run", sampleMigration, "--api", dead, "--state", state, "--out", out, "--outage-after", "1h", "--quiet")
	if res.code != exitFatal {
		t.Errorf("exit %d, want %d\n%s", res.code, exitFatal, res.stderr)
	}
	for _, want := range []string{"the API has not answered since", "nothing was lost; re-run to resume"} {
		if !strings.Contains(res.stderr, want) {
			t.Errorf("stderr does not say %q:\n%s", want, res.stderr)
		}
	}
	if n := outageRows(t, state); n != 0 {
		t.Errorf("%d steps done against a dead API", n)
	}
	checkWorkbook(t, out)
}

// The API dies in the middle of the sample migration: the run stops once
// nothing has answered for --outage-after, exits 3, and fails no row. The
// same command against the API back up (on the same data) finishes every
// step, with no duplicate.
func TestAPIStopsMidRun(t *testing.T) {
	noRealAPI(t)
	t.Setenv("TELEGENT_ACCOUNT_KEY", sandbox.AccountKey)
	t.Setenv("TELEGENT_ACCOUNT_SECRET", sandbox.AccountSecret)
	dir := t.TempDir()
	data := filepath.Join(dir, "api.db")
	state, out := filepath.Join(dir, "run.db"), filepath.Join(dir, "results.xlsx")
	args := func(url string) []string {
		return []string{"run", sampleMigration, "--api", url, "--state", state, "--out", out, "--rps", "200",
			"--poll", "50ms", "--wait", "10s", "--outage-after", "2s", "--quiet"}
	}

	srv, err := sandbox.New(sandbox.Options{DataFile: data, PortStep: 100 * time.Millisecond, Seed: 21})
	if err != nil {
		t.Fatal(err)
	}
	const answered = 74 // then the API answers no more (the run's checks take 22 of them first: a token for each of the 21 endpoints the sample calls, the package list; the run's own calls then need no token first)
	var hs *httptest.Server
	hs = httptest.NewServer(sandbox.DiesAfter(answered, srv, func() { hs.Close() }))
	res := runBounded(t, args(hs.URL)...)
	hs.Close()
	srv.Close()
	if res.code != exitFatal || !strings.Contains(res.stderr, "the API has not answered since") {
		t.Fatalf("run with the API gone: exit %d, want %d saying so\n%s", res.code, exitFatal, res.stderr)
	}
	if n := outageRows(t, state); n == 0 {
		t.Errorf("no step done before the API went: the test proves nothing")
	}
	checkWorkbook(t, out)

	srv, err = sandbox.New(sandbox.Options{DataFile: data, PortStep: 100 * time.Millisecond, Seed: 21})
	if err != nil {
		t.Fatal(err)
	}
	back := httptest.NewServer(srv)
	res = runBounded(t, args(back.URL)...)
	// A port order whose submit was in flight when the API went cannot be
	// looked up: the run says so and sends nothing. The user checks the
	// portal (here, the sandbox's orders), which shows none for those
	// numbers (the requests past the outage were never applied), and says
	// so with --resend.
	if resend := unplacedPorts(t, state, srv.State()); len(resend) > 0 {
		more := args(back.URL)
		for _, k := range resend {
			more = append(more, "--resend", k)
		}
		res = runBounded(t, more...)
	}
	back.Close()
	st := srv.State()
	srv.Close()
	if res.code != exitRowsFailed {
		t.Errorf("run with the API back: exit %d, want %d (the sample's bad port-ins fail)\n%s", res.code, exitRowsFailed, res.stderr)
	}
	s, err := checkpoint.Open(state, checkpoint.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	failed := 0
	s.ForEach(func(r checkpoint.Record) error {
		switch {
		case r.State == checkpoint.Failed && sampleFailures[string(r.Key)]:
			failed++
		case r.State == checkpoint.Done:
		case r.State == checkpoint.Skipped && strings.HasPrefix(r.ErrMessage, "blocked by PortIns:"):
		default:
			t.Errorf("after the API came back: %s is %s %q", r.Key, r.State, r.ErrMessage)
		}
		return nil
	})
	if failed != len(sampleFailures) {
		t.Errorf("%d of the sample's %d deliberate failures failed", failed, len(sampleFailures))
	}
	if d := sandboxDuplicates(st); len(d) > 0 {
		t.Errorf("duplicates: %v", d)
	}
}

// unplacedPorts returns the port submits and PINs of the checkpoint at
// state that need attention and for whose number the sandbox holds no
// order: those the user, having checked, re-sends.
func unplacedPorts(t *testing.T, state string, st sandbox.State) []string {
	t.Helper()
	ordered := map[string]bool{}
	for _, o := range st.Orders {
		for _, n := range o.PhoneNumbersOrdered {
			ordered[o.OrderType+" "+n.Number] = true
		}
	}
	s, err := checkpoint.Open(state, checkpoint.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var keys []string
	err = s.ForEach(func(r checkpoint.Record) error {
		k := string(r.Key)
		if r.State != checkpoint.NeedsAttention {
			return nil
		}
		parts := strings.Split(k, "/")
		switch {
		case len(parts) == 3 && parts[0] == "portins" && parts[2] == "submit" && !ordered["portin "+parts[1]]:
			keys = append(keys, k)
		case len(parts) == 3 && parts[0] == "portouts" && parts[2] == "pin" && !ordered["portout "+parts[1]]:
			keys = append(keys, k)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

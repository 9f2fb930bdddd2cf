package jobs_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"telegent-bulk/checkpoint"
	"telegent-bulk/jobs"
	"telegent-bulk/sheets"
	"telegent-bulk/telegent/sandbox"
)

// Each run's results have a Changes tab: the port-ins that the run saw
// scheduled, rejected or completed, with the subscriber's e-mail and the
// number, and nothing a run before it saw.
func TestChangesTab(t *testing.T) {
	t.Parallel()
	const step = time.Hour
	const ok, rejected = "+18015551301", "+18015559911" // 9911: ACCOUNT_NUMBER_MISMATCH
	e := newEnv(t, sandbox.Options{PortStep: step})
	dir := filepath.Join(e.dir, "manifest")
	writeCSVTables(t, dir, map[string][][]string{
		"subscribers.csv": {{"Email", "Name", "AccountId", "Password"},
			{"jane@example.com", "Jane Doe", docLegacyAccountID, "Pw-changes-1"}},
		"messageroutes.csv": {{"RouteRef", "AccountId", "RouteName", "MessageUrl"},
			{"sms", docLegacyAccountID, "Legacy SMS", "https://sms.legacy.example/in"}},
		"portins.csv": {
			{"PortInNumber", "SubscriberEmail", "MessageRouteRef", "CurrentCarrierName", "CurrentAccountNumber",
				"CurrentAccountPassword", "BillingStreet1", "BillingCity", "BillingState", "BillingZip"},
			{ok, "jane@example.com", "sms", "Verizon Wireless", "555000111", "4321", "1 Main St", "Provo", "UT", "84601"},
			{rejected, "jane@example.com", "sms", "Verizon Wireless", "555000111", "4321", "1 Main St", "Provo", "UT", "84601"},
		},
	})
	p := loadPlan(t, dir)
	state := filepath.Join(e.dir, "run.db")
	c := e.client(0)
	run := func() [][]string {
		t.Helper()
		s, err := checkpoint.Open(state, checkpoint.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if err := s.BeginRun(checkpoint.Run{ToolVersion: "test"}); err != nil {
			t.Fatal(err)
		}
		r := jobs.New(p, c, s, jobs.Options{MACKey: macKey, Poll: 24 * time.Hour})
		if _, err := r.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(e.dir, "results.xlsx")
		w, err := sheets.Create(out)
		if err != nil {
			t.Fatal(err)
		}
		if err := jobs.WriteResults(p, s, w, jobs.Results{}); err != nil {
			t.Fatal(err)
		}
		if err := w.Commit(); err != nil {
			t.Fatal(err)
		}
		f, err := excelize.OpenFile(out)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		rows, err := f.GetRows("Changes")
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range rows[1:] {
			got = append(got, strings.Join(r[:9], "|"))
		}
		return [][]string{got}
	}
	if got := run()[0]; len(got) != 0 {
		t.Errorf("run 1 (submits): changes %q, want none", got)
	}
	e.srv.Advance(2 * step) // ok Scheduled, rejected Rejected
	got := run()[0]
	want := []string{
		"2|port-in scheduled|portins.csv|2|" + ok + "|jane@example.com|Jane Doe|",
		"2|port-in rejected|portins.csv|3|" + rejected + "|jane@example.com|Jane Doe|",
	}
	checkChanges(t, 2, got, want, []string{"Scheduled", "Rejected"})
	e.srv.Advance(step) // ok Completed
	got = run()[0]
	checkChanges(t, 3, got, []string{"3|port-in completed|portins.csv|2|" + ok + "|jane@example.com|Jane Doe|"}, []string{"Completed"})
	if got := run()[0]; len(got) != 0 {
		t.Errorf("run 4 (nothing new): changes %q, want none", got)
	}
}

// checkChanges compares the Changes rows of a run with the rows wanted
// (their first seven columns, then the OrderId present) and their statuses.
func checkChanges(t *testing.T, run int, got, want, statuses []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("run %d: changes %q, want %d rows", run, got, len(want))
	}
	for i := range want {
		cols := strings.Split(got[i], "|")
		if !strings.HasPrefix(got[i], want[i]) || !strings.HasPrefix(cols[7], "JNUOID-") || cols[8] != statuses[i] {
			t.Errorf("run %d: change %q, want %q…JNUOID-…|%s", run, got[i], want[i], statuses[i])
		}
	}
}

package jobs_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"telegent-bulk/jobs"
	"telegent-bulk/plan"
	"telegent-bulk/sheets"
	"telegent-bulk/telegent/sandbox"
)

// A wireline port-in is validated against its 5 to 10 business day window
// before anything is sent (a weekend date, a missing one: cell errors
// naming the window); a date in the window reaches the order with its
// first poll, written as the wire writes it.
func TestWirelinePortInDateAgainstSandbox(t *testing.T) {
	t.Parallel()
	const number = "+18015550391"
	today := func() time.Time { return time.Date(2026, 6, 3, 10, 0, 0, 0, time.UTC) } // a Wednesday
	e := newEnv(t, sandbox.Options{PortStep: time.Hour})
	dir := filepath.Join(e.dir, "manifest")
	build := func(date string) (*plan.Plan, plan.Problems) {
		t.Helper()
		writeCSVTables(t, dir, map[string][][]string{"portins.csv": {
			{"PortInNumber", "SubscriberId", "AccountId", "MessageRouteId", "CurrentCarrierName", "CurrentAccountNumber",
				"CurrentAccountPassword", "BillingStreet1", "BillingCity", "BillingState", "BillingZip", "TargetClassification", "PortInDate"},
			{number, docLegacySubscriberID, docLegacyAccountID, "MRID-5a1e0000-0000-4000-8000-0000000000ff", "Old Telco",
				"555000111", "4321", "1 Main St", "Provo", "UT", "84601", "Landline", date},
		}})
		rs, err := sheets.Open(filepath.Join(dir, "portins.csv"))
		if err != nil {
			t.Fatal(err)
		}
		defer func() {
			for _, r := range rs {
				r.Close()
			}
		}()
		p, problems, _, err := plan.CheckWith(rs, plan.Options{Today: today})
		if err != nil {
			t.Fatal(err)
		}
		return p, problems
	}
	for date, want := range map[string]string{
		"":           "portins.csv:2:PortInDate: empty, but a wireline",
		"2026-06-06": "portins.csv:2:PortInDate: 2026-06-06 is a Saturday; a wireline's PortInDate must be a business day 5 to 10 business days from today (2026-06-03): 2026-06-10 to 2026-06-17",
		"2026-06-05": "portins.csv:2:PortInDate: 2026-06-05 is outside the wireline window",
	} {
		if _, problems := build(date); len(problems) != 1 || !strings.HasPrefix(problems[0].String(), want) {
			t.Errorf("PortInDate %q: problems %v, want one starting %q", date, problems, want)
		}
	}
	p, problems := build("2026-06-12")
	if len(problems) > 0 {
		t.Fatalf("a date in the window: problems %v", problems)
	}
	if _, err := e.run(context.Background(), p, filepath.Join(e.dir, "run.db"), e.client(0), jobs.Options{Poll: time.Hour}); err != nil {
		t.Fatal(err)
	}
	var dates []string
	for _, o := range e.state().Orders {
		if len(o.PhoneNumbersOrdered) > 0 && o.PhoneNumbersOrdered[0].Number == number {
			dates = append(dates, o.PortInDate)
		}
	}
	if len(dates) != 1 || dates[0] != "2026-06-12" {
		t.Errorf("the wireline's order has PortInDates %q, want one order given 2026-06-12", dates)
	}
}

package jobs_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"telegent-bulk/checkpoint"
	"telegent-bulk/jobs"
	"telegent-bulk/plan"
	"telegent-bulk/telegent/sandbox"
)

// A port order whose row gives a PortInDate gets it with the order's first
// poll, in the run that sent the order, even when the submit is the last
// work of a run that does not wait for open orders (--wait 0).
func TestPortInDateWithFirstPoll(t *testing.T) {
	t.Parallel()
	const number = "+18015550191"
	e := newEnv(t, sandbox.Options{PortStep: time.Hour})
	dir := filepath.Join(e.dir, "manifest")
	writeCSVTables(t, dir, map[string][][]string{
		"portins.csv": {
			// The message route matters only to the bind, which this run
			// does not reach: the order stays open.
			{"PortInNumber", "SubscriberId", "AccountId", "MessageRouteId", "CurrentCarrierName", "CurrentAccountNumber",
				"CurrentAccountPassword", "SubscriberName", "BillingStreet1", "BillingCity", "BillingState", "BillingZip", "PortInDate"},
			{number, docLegacySubscriberID, docLegacyAccountID, "MRID-5a1e0000-0000-4000-8000-0000000000ff", "Verizon Wireless",
				"555000111", "4321", "Legacy Subscriber", "1 Main St", "Provo", "UT", "84601", "2026-06-03"},
		},
	})
	p := loadPlan(t, dir)
	state := filepath.Join(e.dir, "run.db")
	if _, err := e.run(context.Background(), p, state, e.client(0), jobs.Options{Poll: time.Hour}); err != nil {
		t.Fatal(err)
	}
	mon := rowStates(t, state)[string(plan.MakeKey(plan.PortIns, number, plan.PortInMonitor))]
	if mon.State != checkpoint.Waiting || mon.Attempts != 1 {
		t.Errorf("monitor %s after %d polls, want waiting after 1 (the poll that gives the date)", mon.State, mon.Attempts)
	}
	var dates []string
	for _, o := range e.state().Orders {
		if len(o.PhoneNumbersOrdered) > 0 && o.PhoneNumbersOrdered[0].Number == number {
			dates = append(dates, o.PortInDate)
		}
	}
	if len(dates) != 1 || dates[0] == "" {
		t.Errorf("orders of %s have PortInDates %q, want one order with its date", number, dates)
	}
}

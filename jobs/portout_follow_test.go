package jobs_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"telegent-bulk/checkpoint"
	"telegent-bulk/jobs"
	"telegent-bulk/plan"
	"telegent-bulk/telegent"
	"telegent-bulk/telegent/sandbox"
)

// The order a port-out PIN opens is followed until it completes (seed 002
// §8.3: the line stays in service until then), by the documented order
// lookup; the results show PortOutStatus and when it completed, and a
// later run has nothing left to ask.
func TestPortOutFollowedToCompletion(t *testing.T) {
	t.Parallel()
	const number = "+13855550107"
	e := newEnv(t, sandbox.Options{PortStep: time.Hour})
	dir := filepath.Join(e.dir, "manifest")
	writeCSVTables(t, dir, map[string][][]string{"portouts.csv": {{"PortOutNumber", "PortOutPIN"}, {number, "4711"}}})
	state := filepath.Join(e.dir, "run.db")
	c := e.client(0)
	run := func() map[string]int {
		t.Helper()
		before := e.srv.Stats().Requests
		if _, err := e.run(context.Background(), loadPlan(t, dir), state, c, jobs.Options{Poll: time.Hour}); err != nil {
			t.Fatal(err)
		}
		calls := map[string]int{}
		for ep, byStatus := range e.srv.Stats().Requests {
			for st, n := range byStatus {
				if d := n - before[ep][st]; st != "401" && d > 0 {
					calls[ep] += d
				}
			}
		}
		return calls
	}
	run()
	key := string(plan.MakeKey(plan.PortOuts, number, plan.PortOutMonitor))
	if mon := rowStates(t, state)[key]; mon.State != checkpoint.Waiting || mon.Data["PortOutStatus"] != telegent.PortPending {
		t.Fatalf("after the PIN: monitor %s %q, want waiting on Pending", mon.State, mon.Data["PortOutStatus"])
	}
	if got := portOutResults(t, e, number); got["PortOutStatus"] != telegent.PortPending || got["Status"] != "waiting" {
		t.Errorf("results after the PIN: %v, want waiting with PortOutStatus Pending", got)
	}
	e.srv.Advance(3 * time.Hour) // the gaining carrier completes the port-out
	if calls := run(); calls["GET "+telegent.PathNumbersOrder] != 1 || calls["POST "+telegent.PathPortOut] != 0 {
		t.Errorf("second run: calls %v, want one order lookup and no PIN", calls)
	}
	mon := rowStates(t, state)[key]
	if mon.State != checkpoint.Done || mon.Data["PortOutStatus"] != telegent.PortCompleted {
		t.Fatalf("monitor %s %q %q, want done, Completed", mon.State, mon.Data["PortOutStatus"], mon.ErrMessage)
	}
	got := portOutResults(t, e, number)
	if got["PortOutStatus"] != telegent.PortCompleted || got["PortOutCompletedAt"] == "" || got["Status"] != "done" {
		t.Errorf("results: %v, want done with PortOutStatus Completed and its time", got)
	}
	if calls := run(); len(calls) != 0 {
		t.Errorf("a run after completion asked %v, want nothing of the order", calls)
	}
}

// portOutResults returns number's row of the PortOuts sheet of the last
// results workbook, by column.
func portOutResults(t *testing.T, e *env, number string) map[string]string {
	t.Helper()
	f, err := excelize.OpenFile(filepath.Join(e.dir, "results.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows("portouts.csv")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows[1:] {
		if len(r) > 0 && r[0] == number {
			out := map[string]string{}
			for c, h := range rows[0] {
				if c < len(r) {
					out[h] = r[c]
				}
			}
			return out
		}
	}
	t.Fatalf("results: no PortOuts row for %s", number)
	return nil
}

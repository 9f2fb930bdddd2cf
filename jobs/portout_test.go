package jobs_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"telegent-bulk/jobs"
	"telegent-bulk/telegent"
	"telegent-bulk/telegent/sandbox"
)

// Port-out PINs are issued once, whatever happens across three runs of
// the same manifest. A lost answer is settled where the inventory shows
// the number's latest order (the extended profile); against the API as
// documented it needs attention, and no run issues the PIN again.
func TestPortOutOnce(t *testing.T) {
	numbers := []string{"+13855550100", "+13855550101", "+13855550102", "+13855550103", "+13855550104"}
	tests := []struct {
		name     string
		loseRun1 bool // the answer to every create of the first run is lost
		editPINs bool // the PINs change before the second run
		profile  sandbox.Profile
	}{
		{name: "answers kept"},
		{name: "answers lost on the first run", loseRun1: true, profile: sandbox.ProfileExtended},
		{name: "answers lost on the first run, documented", loseRun1: true},
		{name: "PINs edited after issue", editPINs: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, sandbox.Options{Seed: 5, Profile: tt.profile})
			unsettled := tt.loseRun1 && tt.profile == sandbox.ProfileDocumented
			dir := filepath.Join(e.dir, "manifest")
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			state := filepath.Join(e.dir, "run.db")
			for run := 1; run <= 3; run++ {
				var rows [][]string
				for i, n := range numbers {
					pin := 4000 + i
					if tt.editPINs && run > 1 {
						pin += 500
					}
					rows = append(rows, []string{n, strconv.Itoa(pin)})
				}
				campWriteCSV(t, filepath.Join(dir, "portouts.csv"), []string{"PortOutNumber", "PortOutPIN"}, rows)
				if tt.loseRun1 {
					if run == 1 {
						e.srv.SetFaults(0, 1)
					} else {
						e.srv.SetFaults(0, 0)
					}
				}
				if unsettled && run == 3 {
					// The person asks Telegent for the orders and fills
					// their IDs in.
					rows = nil
					for _, o := range e.state().Orders {
						if o.OrderType == "portout" {
							rows = append(rows, []string{o.PhoneNumbersOrdered[0].Number, "", o.OrderId})
						}
					}
					campWriteCSV(t, filepath.Join(dir, "portouts.csv"), []string{"PortOutNumber", "PortOutPIN", "OrderId"}, rows)
				}
				rep, err := e.run(context.Background(), loadPlan(t, dir), state, e.client(0), jobs.Options{})
				if err != nil {
					t.Fatalf("run %d: %v", run, err)
				}
				switch {
				case unsettled && run < 3:
					if rep.Totals.Attention != len(numbers) {
						t.Errorf("run %d: totals %+v, want %d needing attention", run, rep.Totals, len(numbers))
					}
				case unsettled:
					// The rows name their orders: there is nothing to do.
				case rep.Totals.Done != len(numbers):
					t.Errorf("run %d: totals %+v, want %d done", run, rep.Totals, len(numbers))
				}
				perNumber := map[string]int{}
				for _, o := range e.state().Orders {
					if o.OrderType == "portout" && len(o.PhoneNumbersOrdered) > 0 {
						perNumber[o.PhoneNumbersOrdered[0].Number]++
					}
				}
				for _, n := range numbers {
					if perNumber[n] != 1 {
						t.Errorf("run %d: %s has %d port-out orders, want 1", run, n, perNumber[n])
					}
				}
			}
			if tt.loseRun1 {
				lost := e.srv.Stats().Requests["POST "+telegent.PathPortOut]
				if lost["0"]+lost["504"] != len(numbers) {
					t.Errorf("the sandbox lost %d port-out answers, want %d: %v", lost["0"]+lost["504"], len(numbers), lost)
				}
			}
			res := campReadTab(t, filepath.Join(e.dir, "results.xlsx"), "portouts", "PortOutNumber")
			for _, n := range numbers {
				row := res[n]
				if unsettled {
					row["PortOutPIN"] = "***" // the row of an issued PIN gives none
				}
				// The PIN is issued; its order is followed (waiting) until
				// the gaining carrier completes the port-out.
				if row["Status"] != "waiting" || row["PortOutStatus"] != telegent.PortPending || row["OrderId"] == "" || row["PortOutPIN"] != "***" {
					t.Errorf("%s results: Status %q PortOutStatus %q OrderId %q PortOutPIN masked %v, want waiting, Pending, an ID, masked",
						n, row["Status"], row["PortOutStatus"], row["OrderId"], row["PortOutPIN"] == "***")
				}
			}
		})
	}
}

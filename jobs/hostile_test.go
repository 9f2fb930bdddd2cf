package jobs_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"telegent-bulk/checkpoint"
	"telegent-bulk/jobs"
	"telegent-bulk/samples/samplegen"
	"telegent-bulk/telegent/sandbox"
)

// Against a hostile API (5% 429, 3% 5xx, 1% of creates applied with the
// answer lost, tokens living 20 s of a clock that jumps) a synthetic
// migration ends with every row done and nothing created twice.
func TestHostileMigration(t *testing.T) {
	e := newEnv(t, sandbox.Options{
		BusyRate: 0.05, FailRate: 0.03, LoseRate: 0.01,
		TokenTTL: 20 * time.Second, PortStep: 20 * time.Millisecond, Seed: 7,
	})
	dir := filepath.Join(e.dir, "manifest")
	shape, err := samplegen.WriteSynthetic(dir, 400, "csv")
	if err != nil {
		t.Fatal(err)
	}
	p := loadPlan(t, dir)
	before := e.state()

	// Tokens expire while the run goes on: the clock jumps 25 s every
	// 2 s until the run ends.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		tick := time.NewTicker(2 * time.Second)
		defer tick.Stop()
		for i := 0; i < 60; i++ {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				e.srv.Advance(25 * time.Second)
			}
		}
	}()
	state := filepath.Join(e.dir, "run.db")
	rep, err := e.run(context.Background(), p, state, e.client(0), jobs.Options{Concurrency: 16, Wait: 30 * time.Second})
	cancel()
	if err != nil {
		t.Fatal(err)
	}
	if rep.Totals.Done != rep.Totals.Steps {
		for k, r := range rowStates(t, state) {
			if r.State == checkpoint.Failed {
				t.Logf("%s: %s %s", k, r.State, r.ErrMessage)
			}
		}
		t.Fatalf("totals = %+v, want every step done", rep.Totals)
	}
	for k, r := range rowStates(t, state) {
		if r.State != checkpoint.Done {
			t.Errorf("%s: %s %s", k, r.State, r.ErrMessage)
		}
	}
	st := e.state()
	if d := duplicates(st); len(d) > 0 {
		t.Fatalf("duplicates: %v", d)
	}
	if got := len(st.Subscribers) - len(before.Subscribers); got != shape.Subscribers {
		t.Errorf("subscribers = %d, want %d", got, shape.Subscribers)
	}
	if got := len(st.Accounts) - len(before.Accounts); got != shape.Accounts {
		t.Errorf("accounts = %d, want %d", got, shape.Accounts)
	}
	provisioned := 0
	for _, n := range st.Numbers {
		if n.OrderType == "provision" {
			provisioned++
		}
	}
	if provisioned != shape.Numbers {
		t.Errorf("provisioned numbers = %d, want %d", provisioned, shape.Numbers)
	}
	stats := e.srv.Stats().Requests
	var throttled, failed, lost int
	for _, byStatus := range stats {
		throttled += byStatus["429"]
		failed += byStatus["500"] + byStatus["503"]
		lost += byStatus["0"] + byStatus["504"]
	}
	if throttled == 0 || failed == 0 || lost == 0 {
		t.Errorf("the sandbox was not hostile: %d throttled, %d failed, %d lost", throttled, failed, lost)
	}
	t.Logf("%d steps; sandbox answered %d×429, %d×5xx, %d lost", rep.Totals.Steps, throttled, failed, lost)
}

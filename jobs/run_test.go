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

// The sample migration runs to the end: every row is done except the
// sample's deliberately bad port-ins, the sandbox holds exactly one of each
// resource, and a second run sends no create at all.
func TestSampleMigration(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Options{PortStep: 30 * time.Millisecond})
	p := loadPlan(t, filepath.Join("..", "samples", "migration.xlsx"))
	state := filepath.Join(e.dir, "run.db")
	c := e.client(0)
	before := e.state()

	rep, err := e.run(context.Background(), p, state, c, jobs.Options{Wait: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	// 9901 is not eligible; 9911, 9912, 9913 and 9919 are rejected.
	if rep.Totals.Failed != 5 || rep.Totals.Attention != 0 || rep.Totals.Waiting != 0 {
		t.Fatalf("totals = %+v, want 5 failed, nothing waiting or needing attention", rep.Totals)
	}
	st := e.state()
	if d := duplicates(st); len(d) > 0 {
		t.Fatalf("duplicates: %v", d)
	}
	rows := map[plan.Kind]int{}
	for i := range p.Rows {
		rows[p.Rows[i].Kind]++
	}
	if got, want := len(st.Accounts)-len(before.Accounts), rows[plan.Accounts]; got != want {
		t.Errorf("accounts created = %d, want %d", got, want)
	}
	if got, want := len(st.Subscribers)-len(before.Subscribers), rows[plan.Subscribers]; got != want {
		t.Errorf("subscribers created = %d, want %d", got, want)
	}
	if got, want := len(st.MessageRoutes), rows[plan.MessageRoutes]; got != want {
		t.Errorf("message routes = %d, want %d", got, want)
	}
	provisioned := 0
	for _, n := range st.Numbers {
		if n.OrderType == "provision" {
			provisioned++
		}
	}
	if provisioned != rows[plan.Numbers] {
		t.Errorf("provisioned numbers = %d, want %d", provisioned, rows[plan.Numbers])
	}
	recs := rowStates(t, state)
	done := map[plan.Action]int{}
	for i := range p.Steps {
		if recs[string(p.Key(plan.StepID(i)))].State == checkpoint.Done {
			done[p.Steps[i].Action]++
		}
	}
	for k, r := range recs {
		if r.State == checkpoint.InFlight || r.State == checkpoint.Pending {
			t.Errorf("%s left %s", k, r.State)
		}
	}
	// Every other resource: exactly one per step done, none for a step
	// that is not.
	for _, c := range []struct {
		what      string
		got, want int
	}{
		{"voice routes", len(st.VoiceRoutes) - len(before.VoiceRoutes), rows[plan.VoiceRoutes]},
		{"active subscriptions", countActive(st) - countActive(before), done[plan.SubscriptionCreate]},
		{"message filters", len(st.MessageFilters) - len(before.MessageFilters), done[plan.MessageFilterCreate]},
		{"guardian settings", len(st.GuardianFeatures) - len(before.GuardianFeatures), done[plan.GuardianSet]},
		{"data-usage settings", len(st.DataUsage) - len(before.DataUsage), done[plan.DataUsageSet]},
		{"port-in orders", countOrders(st, "portin") - countOrders(before, "portin"), done[plan.PortInSubmit]},
		{"port-out PIN orders", countOrders(st, "portout") - countOrders(before, "portout"), rows[plan.PortOuts]},
		// 8 port rows: 1 not eligible, 4 rejected, 3 complete.
		{"port-in orders (the sample's)", done[plan.PortInSubmit], 7},
		{"ported numbers bound", done[plan.NumberBind], 3},
	} {
		if c.got != c.want {
			t.Errorf("%s = %d, want %d", c.what, c.got, c.want)
		}
	}

	// Resume with nothing to do: zero creates, nothing changes.
	createsBefore := e.creates()
	rep2, err := e.run(context.Background(), p, state, c, jobs.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := e.creates(); dump(got) != dump(createsBefore) {
		t.Errorf("second run sent creates: before %v, after %v", createsBefore, got)
	}
	if rep2.Totals.Done != rep.Totals.Done || rep2.Totals.Failed != rep.Totals.Failed {
		t.Errorf("second run totals %+v, first %+v", rep2.Totals, rep.Totals)
	}
}

func countActive(st sandbox.State) int {
	n := 0
	for _, s := range st.Subscriptions {
		if s.Active {
			n++
		}
	}
	return n
}

func countOrders(st sandbox.State, typ string) int {
	n := 0
	for _, o := range st.Orders {
		if o.OrderType == typ {
			n++
		}
	}
	return n
}

package jobs_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"telegent-bulk/checkpoint"
	"telegent-bulk/jobs"
	"telegent-bulk/plan"
	"telegent-bulk/samples/samplegen"
	"telegent-bulk/telegent"
	"telegent-bulk/telegent/sandbox"
)

// Against a hostile API (5% 429, 3% 5xx, 1% of creates applied with the
// answer lost, and the first answer of every kind of create lost, port-in
// submits and port-out PINs included; tokens living 20 s of a clock that
// jumps) a synthetic
// migration creates nothing twice, in both of the sandbox's profiles. The
// lost creates no lookup at hand settles need attention (against the API as
// documented: accounts, voice routes, port-in submits, port-out PINs; with
// the extended profile's extras, only a port order whose number the
// inventory does not show, as after a 504 that came before any change); a
// run made as is sends none of them, and once they are settled as the
// results say (the ID filled in, or --resend), every row ends done.
func TestHostileMigration(t *testing.T) {
	for _, profile := range []sandbox.Profile{sandbox.ProfileDocumented, sandbox.ProfileExtended} {
		t.Run(profile.String(), func(t *testing.T) {
			t.Parallel()
			hostileMigration(t, profile)
		})
	}
}

func hostileMigration(t *testing.T, profile sandbox.Profile) {
	e := newEnv(t, sandbox.Options{
		BusyRate: 0.05, FailRate: 0.03, LoseRate: 0.01, LoseFirst: 1, Profile: profile,
		TokenTTL: 20 * time.Second, PortStep: 20 * time.Millisecond, Seed: 7,
	})
	dir := filepath.Join(e.dir, "manifest")
	shape, err := samplegen.WriteSynthetic(dir, 400, "csv")
	if err != nil {
		t.Fatal(err)
	}
	p := loadPlan(t, dir)
	before := e.state()

	// Tokens expire while the runs go on: the clock jumps 25 s every 2 s
	// until the test ends.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		tick := time.NewTicker(2 * time.Second)
		defer tick.Stop()
		for i := 0; i < 120; i++ {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				e.srv.Advance(25 * time.Second)
			}
		}
	}()
	state := filepath.Join(e.dir, "run.db")
	opts := jobs.Options{Concurrency: 16, Wait: 30 * time.Second}
	for round, reruns := 0, 0; ; round++ {
		if _, err := e.run(context.Background(), p, state, e.client(0), opts); err != nil {
			t.Fatal(err)
		}
		opts.Resend = nil // it says what was checked before that run, not after it
		attention, transient := hostileAttention(t, p, state)
		if transient > 0 {
			// The API's hostility failed a call for good in this run (a
			// fresh token refused at once on a clock that jumps): the row
			// failed transiently, and the same command again retries it.
			if reruns++; reruns > 5 {
				t.Fatalf("%d steps still failed transiently after %d runs", transient, reruns)
			}
			round--
			continue
		}
		if len(attention) == 0 {
			break
		}
		if round == 3 {
			t.Fatalf("still %d steps need attention after 3 rounds of settling", len(attention))
		}
		// A run as is sends nothing that needs attention.
		was := e.creates()
		if _, err := e.run(context.Background(), p, state, e.client(0), opts); err != nil {
			t.Fatal(err)
		}
		if got := e.creates(); dump(got) != dump(was) {
			t.Fatalf("a run re-sent creates that needed attention: %v, before %v", got, was)
		}
		resend, err := samplegen.Settle(dir, attention, before, e.state())
		if err != nil {
			t.Fatal(err)
		}
		p = loadPlan(t, dir)
		for _, k := range resend {
			opts.Resend = append(opts.Resend, plan.StepKey(k))
		}
		t.Logf("round %d: settled %d steps that needed attention (%d re-sent)", round, len(attention), len(resend))
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
	orders := map[string]int{}
	for _, o := range st.Orders {
		orders[o.OrderType]++
	}
	if orders["provision"] != shape.Numbers || orders["portin"] != shape.PortIns || orders["portout"] != shape.PortOuts {
		t.Errorf("orders %v, want %d provisions, %d port-ins, %d port-outs", orders, shape.Numbers, shape.PortIns, shape.PortOuts)
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
	for _, path := range []string{telegent.PathAccountCreate, telegent.PathSubscriberCreate, telegent.PathMessageRoutes,
		telegent.PathVoiceRoutes, telegent.PathNumbersProvision, telegent.PathPortIn, telegent.PathPortOut,
		telegent.PathSubscriptions, telegent.PathMessageFilter} {
		if n := stats["POST "+path]["0"] + stats["POST "+path]["504"]; n == 0 && len(stats["POST "+path]) > 0 {
			t.Errorf("no answer of %s was lost", path)
		}
	}
	t.Logf("%s profile: sandbox answered %d×429, %d×5xx, %d lost", profile, throttled, failed, lost)
}

// hostileAttention returns the steps that need attention, as the results
// show them, and how many failed transiently (a re-run retries them). It
// fails the test on any step that failed for another reason.
func hostileAttention(t *testing.T, p *plan.Plan, state string) (attention []samplegen.Attention, transient int) {
	t.Helper()
	rows := map[string]*plan.Row{}
	for i := range p.Steps {
		rows[string(p.Key(plan.StepID(i)))] = &p.Rows[p.Steps[i].Row]
	}
	for k, r := range rowStates(t, state) {
		switch r.State {
		case checkpoint.NeedsAttention:
			row := rows[k]
			if row == nil {
				t.Fatalf("%s needs attention but is no step of the plan: %s", k, r.ErrMessage)
			}
			a := samplegen.Attention{Key: k}
			switch row.Kind {
			case plan.Accounts:
				a.Name = row.Get("AccountName")
			case plan.MessageRoutes, plan.VoiceRoutes:
				a.Name = row.Get("RouteName")
			}
			attention = append(attention, a)
		case checkpoint.Failed:
			if r.ErrClass != checkpoint.ClassRetry {
				t.Fatalf("%s failed: %s", k, r.ErrMessage)
			}
			transient++
		}
	}
	return attention, transient
}

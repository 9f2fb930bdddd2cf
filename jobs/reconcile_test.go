package jobs_test

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"telegent-bulk/checkpoint"
	"telegent-bulk/jobs"
	"telegent-bulk/plan"
	"telegent-bulk/telegent"
	"telegent-bulk/telegent/sandbox"
)

// The sample migration against an API that loses 30% of the answers to
// changes it made, and whose answers carry what the extended profile adds
// to the documents (an account list, a voice route list, each number's
// latest order): every lost create is found again by lookup, so every row
// ends done (but the sample's deliberate port failures) and nothing exists
// twice. Against the API as documented, TestHostileMigration settles what
// needs attention.
//
// Which requests lose their answer depends on the order the workers send
// them in, so one run may by chance lose none of, say, the 12 subscription
// creates (0.7^12, about 1%). The test runs fresh sandboxes with other
// seeds, at most three, until the subscriber, provision and subscription
// endpoints have each lost answers; every run is checked in full.
func TestLostAnswerEveryCreateKind(t *testing.T) {
	t.Parallel()
	mustLose := []string{"POST " + telegent.PathSubscriberCreate, "POST " + telegent.PathNumbersProvision,
		"POST " + telegent.PathSubscriptions}
	p := loadPlan(t, filepath.Join("..", "samples", "migration.xlsx"))
	lost := map[string]int{}
	for _, seed := range []int64{31, 32, 33} {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			e := newEnv(t, sandbox.Options{LoseRate: 0.3, PortStep: 20 * time.Millisecond, Seed: seed, Profile: sandbox.ProfileExtended})
			state := filepath.Join(e.dir, "run.db")
			rep, err := e.run(context.Background(), p, state, e.client(0), jobs.Options{Wait: 10 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			checkOnlyDeliberateFailures(t, state)
			if rep.Totals.Failed != len(sampleDeliberateFailures) || rep.Totals.Attention != 0 || rep.Totals.Waiting != 0 {
				t.Errorf("totals = %+v, want %d failed, nothing waiting or needing attention", rep.Totals, len(sampleDeliberateFailures))
			}
			if d := duplicates(e.state()); len(d) > 0 {
				t.Errorf("duplicates: %v", d)
			}
			for ep, byStatus := range e.srv.Stats().Requests {
				if isCreate(ep) {
					lost[ep] += byStatus["0"] + byStatus["504"]
				}
			}
		})
		if lostOnEvery(lost, mustLose) {
			break
		}
	}
	t.Logf("lost answers per create endpoint: %v", lost)
	for _, ep := range mustLose {
		if lost[ep] == 0 {
			t.Errorf("%s never lost an answer: its reconciliation did not run", ep)
		}
	}
}

func lostOnEvery(lost map[string]int, eps []string) bool {
	for _, ep := range eps {
		if lost[ep] == 0 {
			return false
		}
	}
	return true
}

// The process died after a port-in submit was written in-flight: either
// the order was opened (the answer never got recorded) or the request never
// left. Resume looks the number up before anything is re-sent: it adopts
// the open order in the first case and submits once in the second when
// the number's inventory record shows its latest order (an earlier
// campaign's cancelled one, not this step's). A number the inventory does
// not show cannot be settled (no lookup of orders by number is
// documented): the submit needs attention and is sent only once the user
// says it was not placed (--resend). Either way the number has exactly one
// live order.
func TestKillBetweenSubmitAndRecord(t *testing.T) {
	t.Parallel()
	const number = "+18015550181"
	cases := []struct {
		name      string
		orderSent bool // the sandbox holds the order the dead run opened
		// stale: the number already had a port-in order before this
		// run, cancelled since (an earlier campaign's); it is not the
		// dead run's order.
		stale bool
	}{
		{name: "order opened, answer never recorded", orderSent: true},
		{name: "died before the request left", orderSent: false},
		{name: "died before the request left, older cancelled order", orderSent: false, stale: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			// Where the inventory shows each number's latest order.
			e := newEnv(t, sandbox.Options{PortStep: 20 * time.Millisecond, Profile: sandbox.ProfileExtended})
			dir := filepath.Join(e.dir, "manifest")
			portInManifest(t, dir, number)
			p := loadPlan(t, dir)
			c := e.client(0)

			submit := func() string {
				t.Helper()
				o, err := c.PortIn(context.Background(), telegent.PortInRequest{
					PortInNumber: number, CurrentCarrierName: "Verizon Wireless", CurrentAccountNumber: "555000111",
					CurrentAccountPassword: "4321", SubscriberName: "Legacy Subscriber",
					CurrentBillingAddress: telegent.Address{Street1: "1 Main St", City: "Provo", State: "UT", Zip: "84601"},
				})
				if err != nil {
					t.Fatal(err)
				}
				return o.OrderId
			}
			var opened, old string
			if tc.stale {
				old = submit()
				if _, err := c.CancelPortIn(context.Background(), old); err != nil {
					t.Fatal(err)
				}
			}
			// The dead run wrote its submit in-flight, then (maybe) sent it.
			now := time.Now().UTC()
			if tc.orderSent {
				opened = submit()
			}
			// The dead run's checkpoint: eligibility done, submit in-flight.
			state := filepath.Join(e.dir, "run.db")
			s, err := checkpoint.Open(state, checkpoint.Options{})
			if err != nil {
				t.Fatal(err)
			}
			for _, rec := range []checkpoint.Record{
				{Key: checkpoint.Key(plan.MakeKey(plan.PortIns, number, plan.PortInEligibility)), State: checkpoint.Done,
					Attempts: 1, Data: map[string]string{"Eligible": "yes"}, StartedAt: now, UpdatedAt: now},
				{Key: checkpoint.Key(plan.MakeKey(plan.PortIns, number, plan.PortInSubmit)), State: checkpoint.InFlight,
					Attempts: 1, StartedAt: now, UpdatedAt: now},
			} {
				if err := s.PutSync(rec); err != nil {
					t.Fatal(err)
				}
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			submitsBefore := e.creates()["POST "+telegent.PathPortIn]

			opts := jobs.Options{Wait: 10 * time.Second}
			rep, err := e.run(context.Background(), p, state, c, opts)
			if err != nil {
				t.Fatal(err)
			}
			if !tc.orderSent && !tc.stale {
				key := plan.MakeKey(plan.PortIns, number, plan.PortInSubmit)
				if sub := rowStates(t, state)[string(key)]; sub.State != checkpoint.NeedsAttention ||
					!strings.Contains(sub.ErrMessage, "--resend "+string(key)) {
					t.Fatalf("submit = %s %q, want needs attention saying how to resend", sub.State, sub.ErrMessage)
				}
				if sent := e.creates()["POST "+telegent.PathPortIn] - submitsBefore; sent != 0 {
					t.Fatalf("an unsettled submit was sent %d times, want 0", sent)
				}
				// Run again as is: still not sent. Then the user says
				// it was never placed.
				if _, err := e.run(context.Background(), p, state, c, opts); err != nil {
					t.Fatal(err)
				}
				if sent := e.creates()["POST "+telegent.PathPortIn] - submitsBefore; sent != 0 {
					t.Fatalf("a second run sent an unsettled submit %d times, want 0", sent)
				}
				opts.Resend = []plan.StepKey{key}
				if rep, err = e.run(context.Background(), p, state, c, opts); err != nil {
					t.Fatal(err)
				}
			}
			if rep.Totals.Done != rep.Totals.Steps {
				t.Errorf("totals = %+v, want every step done", rep.Totals)
			}
			recs := rowStates(t, state)
			sub := recs[string(plan.MakeKey(plan.PortIns, number, plan.PortInSubmit))]
			if sub.State != checkpoint.Done || sub.IDs["OrderId"] == "" {
				t.Fatalf("submit = %s %v %q, want done with an OrderId", sub.State, sub.IDs, sub.ErrMessage)
			}
			if tc.orderSent && sub.IDs["OrderId"] != opened {
				t.Errorf("submit adopted OrderId %s, want the open order %s", sub.IDs["OrderId"], opened)
			}
			if tc.stale && sub.IDs["OrderId"] == old {
				t.Errorf("submit adopted the earlier, cancelled order %s: the number's port was never submitted", old)
			}
			sent := e.creates()["POST "+telegent.PathPortIn] - submitsBefore
			if want := map[bool]int{true: 0, false: 1}[tc.orderSent]; sent != want {
				t.Errorf("resume sent %d port-in submits, want %d", sent, want)
			}
			var orders []string
			for _, o := range e.state().Orders {
				if o.OrderType == "portin" && o.PhoneNumbersOrdered[0].Number == number && o.OrderId != old {
					orders = append(orders, o.OrderId+" "+o.OrderStatus)
				}
			}
			if len(orders) != 1 {
				t.Errorf("orders for %s (the earlier cancelled one aside): %v, want exactly one", number, orders)
			}
			if mon := recs[string(plan.MakeKey(plan.PortIns, number, plan.PortInMonitor))]; mon.IDs["OrderId"] != sub.IDs["OrderId"] {
				t.Errorf("monitor followed order %q, submit holds %q", mon.IDs["OrderId"], sub.IDs["OrderId"])
			}
		})
	}
}

// The preloaded legacy@sandbox.example belongs to the Legacy Base account.
// A manifest subscriber with that e-mail in another account fails with the
// API's message and the account that has it; one in the legacy account
// itself is the same subscriber, adopted without a second create. The API
// answers 400 as documented, or 409 as an older page shows: the same.
func TestSubscriberEmailConflict(t *testing.T) {
	cases := []struct {
		name       string
		tables     map[string][][]string
		wantState  checkpoint.State
		wantInMsg  []string
		wantSubsID string
	}{
		{
			name: "another account",
			tables: map[string][][]string{
				"accounts.csv": {
					{"AccountRef", "AccountName", "BillingStreet1", "BillingCity", "BillingState", "BillingZip"},
					{"acme", "Acme Mobile", "1 Main St", "Provo", "UT", "84601"},
				},
				"subscribers.csv": {
					{"Email", "Name", "AccountRef", "Password"},
					{docLegacyEmail, "Legacy Again", "acme", "Pw-conflict-1"},
				},
			},
			wantState: checkpoint.Failed,
			wantInMsg: []string{"Email already exists", docLegacyAccountID},
		},
		{
			name: "its own account",
			tables: map[string][][]string{
				"subscribers.csv": {
					{"Email", "Name", "AccountId", "Password"},
					{docLegacyEmail, "Legacy Subscriber", docLegacyAccountID, "Pw-conflict-2"},
				},
			},
			wantState:  checkpoint.Done,
			wantSubsID: docLegacySubscriberID,
		},
	}
	for _, tc := range cases {
		for _, profile := range []sandbox.Profile{sandbox.ProfileDocumented, sandbox.ProfileExtended} {
			t.Run(tc.name+", "+profile.String(), func(t *testing.T) {
				t.Parallel()
				e := newEnv(t, sandbox.Options{Profile: profile})
				dir := filepath.Join(e.dir, "manifest")
				writeCSVTables(t, dir, tc.tables)
				p := loadPlan(t, dir)
				state := filepath.Join(e.dir, "run.db")
				before := e.state()
				if _, err := e.run(context.Background(), p, state, e.client(0), jobs.Options{}); err != nil {
					t.Fatal(err)
				}
				rec := rowStates(t, state)[string(plan.MakeKey(plan.Subscribers, docLegacyEmail, plan.SubscriberCreate))]
				if rec.State != tc.wantState {
					t.Fatalf("subscriber create: %s %q, want %s", rec.State, rec.ErrMessage, tc.wantState)
				}
				for _, s := range tc.wantInMsg {
					if !strings.Contains(rec.ErrMessage, s) {
						t.Errorf("error %q does not say %q", rec.ErrMessage, s)
					}
				}
				if got := rec.IDs["SubscriberId"]; got != tc.wantSubsID {
					t.Errorf("SubscriberId = %q, want %q", got, tc.wantSubsID)
				}
				if got := e.creates()["POST "+telegent.PathSubscriberCreate]; got != 1 {
					t.Errorf("subscriber creates sent = %d, want 1", got)
				}
				after := e.state()
				if len(after.Subscribers) != len(before.Subscribers) {
					t.Errorf("subscribers: %d before, %d after, want no new one", len(before.Subscribers), len(after.Subscribers))
				}
			})
		}
	}
}

// E-mails are unique across the whole platform, so a create may be
// answered 409 for an address that the distributor's own subscriber list
// does not show (someone else's customer). The row fails at once with a
// message saying so, and no run sends the create again.
func TestSubscriberEmailTakenElsewhere(t *testing.T) {
	t.Parallel()
	const taken = "taken@elsewhere.example"
	e := newEnv(t, sandbox.Options{})
	var creates atomic.Int64
	c := e.clientThrough(func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path != telegent.PathSubscriberCreate {
			return false
		}
		creates.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusConflict)
		fmt.Fprint(w, `{"StatusCode":409,"Message":"Email already exists"}`)
		return true
	})
	dir := filepath.Join(e.dir, "manifest")
	writeCSVTables(t, dir, map[string][][]string{
		"subscribers.csv": {
			{"Email", "Name", "AccountId", "Password"},
			{taken, "Someone Else", docLegacyAccountID, "Pw-taken-1"},
		},
	})
	p := loadPlan(t, dir)
	state := filepath.Join(e.dir, "run.db")
	key := string(plan.MakeKey(plan.Subscribers, taken, plan.SubscriberCreate))
	for run := 1; run <= 2; run++ {
		if _, err := e.run(context.Background(), p, state, c, jobs.Options{}); err != nil {
			t.Fatal(err)
		}
		rec := rowStates(t, state)[key]
		if rec.State != checkpoint.Failed {
			t.Fatalf("run %d: subscriber create is %s %q, want failed", run, rec.State, rec.ErrMessage)
		}
		for _, s := range []string{"409", taken, "use another e-mail"} {
			if !strings.Contains(rec.ErrMessage, s) {
				t.Errorf("run %d: error %q does not say %q", run, rec.ErrMessage, s)
			}
		}
		if got := creates.Load(); got != 1 {
			t.Fatalf("run %d: %d subscriber creates sent in all, want 1", run, got)
		}
	}
}

// A new line for a subscriber who already has numbers: when the provision's
// outcome is unknown, the lookup must find the number this run bought, not
// one of the subscriber's existing lines (the legacy subscriber has 20
// active mvno numbers in area 385). The run notes the subscriber's numbers
// before it sends the provision, so a lost answer is settled without
// creation times (which the documents do not show). A record without that
// note (left by a run that died before sending) is settled by creation
// times where the inventory has them (the extended profile); against the
// API as documented it needs attention until --resend.
func TestProvisionReconcileForExistingSubscriber(t *testing.T) {
	const line = "LEG-NEW-1"
	cases := []struct {
		name    string
		lose    bool // the provision is sent and its answer lost
		dead    bool // a dead run left it in-flight; the request never left
		profile sandbox.Profile
	}{
		{name: "answer lost", lose: true},
		{name: "answer lost, extended", lose: true, profile: sandbox.ProfileExtended},
		{name: "died before the request left", dead: true},
		{name: "died before the request left, extended", dead: true, profile: sandbox.ProfileExtended},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, sandbox.Options{Profile: tc.profile})
			c := e.client(0)
			route, err := c.CreateMessageRoute(context.Background(), telegent.MessageRouteCreateRequest{
				RouteName: "Legacy SMS", MessageUrl: "https://sms.legacy.example/in", MessageUrlMethod: "POST",
				AccountId: docLegacyAccountID,
			})
			if err != nil {
				t.Fatal(err)
			}
			dir := filepath.Join(e.dir, "manifest")
			writeCSVTables(t, dir, map[string][][]string{"numbers.csv": {
				{"LineRef", "SubscriberId", "AccountId", "MessageRouteId", "NumberType", "MessageType", "ProductType", "AreaCode"},
				{line, docLegacySubscriberID, docLegacyAccountID, route.MessageRouteId, "mvno", "p2p", "Sms+Data", "385"},
			}})
			p := loadPlan(t, dir)
			state := filepath.Join(e.dir, "run.db")
			key := plan.MakeKey(plan.Numbers, line, plan.NumberProvision)
			if tc.dead {
				leaveInFlight(t, state, key)
			}
			before := e.state()
			if tc.lose {
				e.srv.SetFaults(0, 1)
			}
			rep, err := e.run(context.Background(), p, state, c, jobs.Options{})
			e.srv.SetFaults(0, 0)
			if err != nil {
				t.Fatal(err)
			}
			if tc.dead && tc.profile == sandbox.ProfileDocumented {
				if rec := rowStates(t, state)[string(key)]; rec.State != checkpoint.NeedsAttention {
					t.Fatalf("provision: %s %q, want needs attention", rec.State, rec.ErrMessage)
				}
				if rep, err = e.run(context.Background(), p, state, c, jobs.Options{Resend: []plan.StepKey{key}}); err != nil {
					t.Fatal(err)
				}
			}
			existed := map[string]bool{}
			for _, n := range before.Numbers {
				existed[n.PhoneNumberId] = true
			}
			var bought []string
			for _, n := range e.state().Numbers {
				if n.PhoneNumberId != "" && !existed[n.PhoneNumberId] {
					bought = append(bought, n.PhoneNumberId)
				}
			}
			if len(bought) != 1 {
				t.Fatalf("numbers provisioned: %v, want exactly one", bought)
			}
			rec := rowStates(t, state)[string(key)]
			if rec.State != checkpoint.Done || rep.Totals.Done != rep.Totals.Steps {
				t.Fatalf("provision: %s %q (totals %+v), want done", rec.State, rec.ErrMessage, rep.Totals)
			}
			if got := rec.IDs["PhoneNumberId"]; got != bought[0] {
				t.Errorf("provision adopted %s %s, want the number it bought, %s", got, rec.IDs["PhoneNumber"], bought[0])
			}
		})
	}
}

// A port-out PIN whose outcome is unknown is looked up through the number's
// latest order, where the inventory shows it (the extended profile; against
// the API as documented the step needs attention: TestPortOutOnce). Only an
// order the step itself may have opened is adopted: with its answer lost,
// the new order; when the request never left, none (an order issued
// before, by an earlier campaign, is not this row's PIN), and the PIN is
// issued once.
func TestPortOutPINReconcile(t *testing.T) {
	t.Parallel()
	const number = "+13855550100"
	cases := []struct {
		name string
		lose bool // the request is sent and its answer lost
		dead bool // a dead run left it in-flight; the request never left
	}{
		{name: "answer lost", lose: true},
		{name: "died before the request left, earlier PIN order", dead: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, sandbox.Options{Profile: sandbox.ProfileExtended})
			c := e.client(0)
			earlier, err := c.PortOut(context.Background(), telegent.PortOutRequest{PortOutNumber: number, PortOutPIN: "1111"})
			if err != nil {
				t.Fatal(err)
			}
			dir := filepath.Join(e.dir, "manifest")
			writeCSVTables(t, dir, map[string][][]string{"portouts.csv": {{"PortOutNumber", "PortOutPIN"}, {number, "2468"}}})
			p := loadPlan(t, dir)
			state := filepath.Join(e.dir, "run.db")
			key := plan.MakeKey(plan.PortOuts, number, plan.PortOutIssue)
			if tc.dead {
				leaveInFlight(t, state, key)
			}
			if tc.lose {
				e.srv.SetFaults(0, 1)
			}
			_, err = e.run(context.Background(), p, state, c, jobs.Options{})
			e.srv.SetFaults(0, 0)
			if err != nil {
				t.Fatal(err)
			}
			var orders []string
			for _, o := range e.state().Orders {
				if o.OrderType == "portout" && o.OrderId != earlier.OrderId {
					orders = append(orders, o.OrderId)
				}
			}
			if len(orders) != 1 {
				t.Fatalf("port-out orders besides the earlier one: %v, want exactly one", orders)
			}
			rec := rowStates(t, state)[string(key)]
			if rec.State != checkpoint.Done || rec.IDs["OrderId"] != orders[0] {
				t.Errorf("pin step: %s OrderId %q %q, want done with the new order %s (the earlier one is %s)",
					rec.State, rec.IDs["OrderId"], rec.ErrMessage, orders[0], earlier.OrderId)
			}
		})
	}
}

// leaveInFlight writes the checkpoint a run leaves when it dies after
// marking a create in-flight and before sending it.
func leaveInFlight(t *testing.T, state string, key plan.StepKey) {
	t.Helper()
	s, err := checkpoint.Open(state, checkpoint.Options{})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	if err := s.PutSync(checkpoint.Record{Key: checkpoint.Key(key), State: checkpoint.InFlight, Attempts: 1,
		StartedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

// --resend (and a row's Action=reissue or resubmit) covers the lost answer
// the user checked, not the answer to the request it makes the run send:
// when that one is lost too, the step needs attention again and is not
// sent a third time, in this run or the next.
func TestResendCoversOneLostAnswer(t *testing.T) {
	t.Parallel()
	const number = "+13855550100"
	e := newEnv(t, sandbox.Options{})
	dir := filepath.Join(e.dir, "manifest")
	writeCSVTables(t, dir, map[string][][]string{"portouts.csv": {{"PortOutNumber", "PortOutPIN"}, {number, "2468"}}})
	p := loadPlan(t, dir)
	state := filepath.Join(e.dir, "run.db")
	key := plan.MakeKey(plan.PortOuts, number, plan.PortOutIssue)
	pins := func() int { return e.creates()["POST "+telegent.PathPortOut] }

	e.srv.SetFaults(0, 1) // every answer to a change is lost
	for run, opts := range []jobs.Options{{}, {Resend: []plan.StepKey{key}}, {Resend: []plan.StepKey{key}}} {
		if _, err := e.run(context.Background(), p, state, e.client(0), opts); err != nil {
			t.Fatal(err)
		}
		if rec := rowStates(t, state)[string(key)]; rec.State != checkpoint.NeedsAttention {
			t.Fatalf("run %d: %s %q, want needs attention", run+1, rec.State, rec.ErrMessage)
		}
		// Run 1 sends the PIN; run 2 sends it once more on the user's
		// word; run 3 was given the same word, which covers an answer
		// lost before run 2, not the one lost in it: still one more.
		if want := []int{1, 2, 3}[run]; pins() != want {
			t.Fatalf("after run %d: %d PINs sent, want %d", run+1, pins(), want)
		}
	}
}

// A row's Action=reissue stays in the manifest: it covers one lost answer,
// once; a later lost answer needs the user's word again.
func TestReissueActionCoversOneLostAnswer(t *testing.T) {
	t.Parallel()
	const number = "+13855550101"
	e := newEnv(t, sandbox.Options{})
	dir := filepath.Join(e.dir, "manifest")
	state := filepath.Join(e.dir, "run.db")
	key := plan.MakeKey(plan.PortOuts, number, plan.PortOutIssue)
	e.srv.SetFaults(0, 1)
	for run, action := range []string{"", "reissue", "reissue"} {
		writeCSVTables(t, dir, map[string][][]string{"portouts.csv": {{"PortOutNumber", "PortOutPIN", "Action"}, {number, "2468", action}}})
		if _, err := e.run(context.Background(), loadPlan(t, dir), state, e.client(0), jobs.Options{}); err != nil {
			t.Fatal(err)
		}
		if rec := rowStates(t, state)[string(key)]; rec.State != checkpoint.NeedsAttention {
			t.Fatalf("run %d: %s %q, want needs attention", run+1, rec.State, rec.ErrMessage)
		}
		if want := []int{1, 2, 2}[run]; e.creates()["POST "+telegent.PathPortOut] != want {
			t.Fatalf("after run %d: %d PINs sent, want %d", run+1, e.creates()["POST "+telegent.PathPortOut], want)
		}
	}
}

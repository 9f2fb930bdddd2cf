package jobs_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"telegent-bulk/checkpoint"
	"telegent-bulk/jobs"
	"telegent-bulk/plan"
	"telegent-bulk/telegent"
	"telegent-bulk/telegent/sandbox"
)

// lifeRow is one port-in row of the lifecycle tests.
type lifeRow struct {
	number, action, pin, account, pkg string
	orderID                           string // the row's OrderId column
}

// lifecycle runs one port-in manifest again and again against one sandbox
// and one checkpoint, the way a porting team does over a campaign.
type lifecycle struct {
	t     *testing.T
	e     *env
	c     *telegent.Client
	state string
	step  time.Duration // the sandbox's port step
}

// newLifecycle starts a sandbox with the documented profile, or the one
// given.
func newLifecycle(t *testing.T, profile ...sandbox.Profile) *lifecycle {
	const step = time.Hour // orders move only when the test advances the clock
	o := sandbox.Options{PortStep: step}
	if len(profile) > 0 {
		o.Profile = profile[0]
	}
	e := newEnv(t, o)
	return &lifecycle{t: t, e: e, c: e.client(0), state: filepath.Join(e.dir, "run.db"), step: step}
}

// run writes the rows as the manifest and runs it once; it returns the
// calls the run made, by "METHOD path".
func (l *lifecycle) run(rows ...lifeRow) map[string]int {
	l.t.Helper()
	return l.runWith(jobs.Options{}, rows...)
}

// runWith is run with options o.
func (l *lifecycle) runWith(o jobs.Options, rows ...lifeRow) map[string]int {
	l.t.Helper()
	p := l.plan(rows...)
	before := l.e.srv.Stats().Requests
	if _, err := l.e.run(context.Background(), p, l.state, l.c, o); err != nil {
		l.t.Fatal(err)
	}
	calls := map[string]int{}
	for ep, byStatus := range l.e.srv.Stats().Requests {
		for st, n := range byStatus {
			if st == "401" {
				continue // a token the virtual clock expired: the client tries again
			}
			if d := n - before[ep][st]; d > 0 {
				calls[ep] += d
			}
		}
	}
	return calls
}

// plan writes the rows as the manifest and returns its plan.
func (l *lifecycle) plan(rows ...lifeRow) *plan.Plan {
	l.t.Helper()
	header := []string{"PortInNumber", "Action", "SubscriberId", "AccountId", "MessageRouteRef", "CurrentCarrierName",
		"CurrentAccountNumber", "CurrentAccountPassword", "SubscriberName", "BillingStreet1", "BillingCity",
		"BillingState", "BillingZip", "Package", "OrderId"}
	ports := [][]string{header}
	for _, r := range rows {
		pin, account := r.pin, r.account
		if pin == "" {
			pin = "4321"
		}
		if account == "" {
			account = "555000111"
		}
		ports = append(ports, []string{r.number, r.action, docLegacySubscriberID, docLegacyAccountID, "legacy-sms",
			"Verizon Wireless", account, pin, "Legacy Subscriber", "1 Main St", "Provo", "UT", "84601", r.pkg, r.orderID})
	}
	dir := filepath.Join(l.e.dir, "manifest")
	writeCSVTables(l.t, dir, map[string][][]string{
		"messageroutes.csv": {
			{"RouteRef", "AccountId", "RouteName", "MessageUrl"},
			{"legacy-sms", docLegacyAccountID, "Legacy SMS", "https://sms.legacy.example/in"},
		},
		"portins.csv": ports,
	})
	return loadPlan(l.t, dir)
}

// orders returns the port-in orders of number in the sandbox, oldest first.
func (l *lifecycle) orders(number string) []telegent.OrderDetails {
	return campOrders(l.e.state())[number]
}

func (l *lifecycle) record(number string, a plan.Action) checkpoint.Record {
	return rowStates(l.t, l.state)[string(plan.MakeKey(plan.PortIns, number, a))]
}

// resultsRow returns the PortIns row of number in the last results
// workbook, by column.
func (l *lifecycle) resultsRow(number string) map[string]string {
	l.t.Helper()
	f, err := excelize.OpenFile(filepath.Join(l.e.dir, "results.xlsx"))
	if err != nil {
		l.t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows("portins.csv")
	if err != nil {
		l.t.Fatal(err)
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
	l.t.Fatalf("results: no PortIns row for %s", number)
	return nil
}

// loseSubmitAnswer rewrites number's submit record as a run leaves it that
// died after sending the submit: in-flight, without the OrderId (and with
// the order fence it noted before sending).
func (l *lifecycle) loseSubmitAnswer(number string) {
	l.t.Helper()
	s, err := checkpoint.Open(l.state, checkpoint.Options{})
	if err != nil {
		l.t.Fatal(err)
	}
	defer s.Close()
	sub, _, _ := s.Get(checkpoint.Key(plan.MakeKey(plan.PortIns, number, plan.PortInSubmit)))
	sub.State = checkpoint.InFlight
	delete(sub.IDs, "OrderId")
	if _, fenced := sub.Data["OrderBefore"]; !fenced {
		l.t.Fatalf("%s: the submit record has no order fence", number)
	}
	if err := s.PutSync(sub); err != nil {
		l.t.Fatal(err)
	}
}

// Cancel is final for the order it cancelled, and only for that one: a
// number cancelled, resubmitted and cancelled again ends with both of its
// orders cancelled. Cancelling what is already cancelled sends nothing,
// and a cancel writes no record for steps the row never had.
func TestCancelAfterResubmit(t *testing.T) {
	t.Parallel()
	const n = "+18015551204" // completes normally, if let
	l := newLifecycle(t)
	l.run(lifeRow{number: n})
	if o := l.orders(n); len(o) != 1 || !telegent.PortOpen(o[0].OrderStatus) {
		t.Fatalf("after the submit: orders %v, want one open", campStatuses(o))
	}
	if calls := l.run(lifeRow{number: n, action: "cancel"}); calls["POST "+telegent.PathPortInCancel] != 1 {
		t.Fatalf("cancel run: calls %v, want one cancel", calls)
	}
	if calls := l.run(lifeRow{number: n, action: "submit"}); len(calls) != 0 {
		t.Errorf("Action=submit after a cancel: calls %v, want none (cancel is final until resubmit)", calls)
	}
	calls := l.run(lifeRow{number: n, action: "resubmit"})
	if calls["POST "+telegent.PathPortInEligibility] != 1 || calls["POST "+telegent.PathPortIn] != 1 {
		t.Fatalf("resubmit run: calls %v, want one eligibility check and one submit", calls)
	}
	second := l.record(n, plan.PortInSubmit).IDs["OrderId"]
	if calls := l.run(lifeRow{number: n, action: "cancel"}); calls["POST "+telegent.PathPortInCancel] != 1 {
		t.Fatalf("second cancel run: calls %v, want one cancel (of the resubmitted order)", calls)
	}
	orders := l.orders(n)
	if len(orders) != 2 || campCount(orders, telegent.PortCancelled) != 2 {
		t.Fatalf("orders after cancel, resubmit, cancel: %v, want two, both cancelled", campStatuses(orders))
	}
	row := l.resultsRow(n)
	if row["Status"] != "cancelled" || row["OrderId"] != second || row["PortStatus"] != telegent.PortCancelled {
		t.Errorf("results row: Status %q OrderId %q PortStatus %q, want cancelled %s Cancelled",
			row["Status"], row["OrderId"], row["PortStatus"], second)
	}
	if calls := l.run(lifeRow{number: n, action: "cancel"}); len(calls) != 0 {
		t.Errorf("cancelling a cancelled order again: calls %v, want none", calls)
	}
	for _, a := range []plan.Action{plan.DataUsageSet, plan.MessageFilterCreate, plan.SubscriptionCreate} {
		if rec, ok := rowStates(t, l.state)[string(plan.MakeKey(plan.PortIns, n, a))]; ok {
			t.Errorf("%s: a record (%s) for a step the row never had", rec.Key, rec.State)
		}
	}
}

// A completed port cannot be cancelled: the cancel row fails and says so,
// and its results row still shows the completed order, the number and the
// subscription (finance must still see it).
func TestCancelCompletedOrder(t *testing.T) {
	t.Parallel()
	const n = "+18015551205"
	l := newLifecycle(t)
	row := lifeRow{number: n, pkg: "Starter 1GB"}
	l.run(row)
	l.e.srv.Advance(4 * l.step)
	l.run(row)
	if st := l.record(n, plan.SubscriptionCreate); st.State != checkpoint.Done {
		t.Fatalf("the completed port's subscription is %s %q, want done", st.State, st.ErrMessage)
	}
	row.action = "cancel"
	calls := l.run(row)
	if calls["POST "+telegent.PathPortInCancel] != 1 {
		t.Fatalf("calls %v, want one cancel attempt", calls)
	}
	rec := l.record(n, plan.PortInCancel)
	if rec.State != checkpoint.Failed || !strings.Contains(rec.ErrMessage, "completed port cannot be cancelled") {
		t.Errorf("cancel of a completed order: %s %q, want failed saying a completed port cannot be cancelled", rec.State, rec.ErrMessage)
	}
	res := l.resultsRow(n)
	for _, col := range []string{"OrderId", "PhoneNumberId", "SubscriptionId"} {
		if res[col] == "" {
			t.Errorf("results row of the failed cancel has no %s: %v", col, res)
		}
	}
	if res["PortStatus"] != telegent.PortCompleted || res["Status"] != "failed" {
		t.Errorf("results row: Status %q PortStatus %q, want failed and Completed", res["Status"], res["PortStatus"])
	}
	if o := l.orders(n); len(o) != 1 || o[0].OrderStatus != telegent.PortCompleted {
		t.Errorf("orders: %v, want the one, completed", campStatuses(o))
	}
}

// A row that the team fixed while its order was still open is updated at
// once, on the open order (seed 002: "correct details" while the request
// is open), so the carrier never rejects it; a row rejected and fixed only
// afterwards is updated by the next run, and its bind, skipped while the
// row was rejected, shows waiting again.
func TestRejectedRowFixes(t *testing.T) {
	t.Parallel()
	const early, late = "+13855559912", "+18015559911" // PIN_INVALID, ACCOUNT_NUMBER_MISMATCH
	l := newLifecycle(t)
	rows := []lifeRow{{number: early, pin: "1111"}, {number: late}}
	l.run(rows...)
	rows[0].pin = "2468" // fixed while the order is still open
	if calls := l.run(rows...); calls["POST "+telegent.PathPortInUpdate] != 1 {
		t.Fatalf("the run after the fix while open sent %d updates, want 1", calls["POST "+telegent.PathPortInUpdate])
	}
	l.e.srv.Advance(2 * l.step) // the late one rejected now; the early one was fixed in time
	calls := l.run(rows...)
	if got := calls["POST "+telegent.PathPortInUpdate]; got != 0 {
		t.Fatalf("the run that saw the rejection sent %d updates, want 0 (the open order has the fix already)", got)
	}
	if rec := l.record(early, plan.PortInMonitor); rec.State != checkpoint.Waiting {
		t.Errorf("%s after its update: monitor %s %q, want waiting", early, rec.State, rec.ErrMessage)
	}
	if rec := l.record(late, plan.NumberBind); rec.State != checkpoint.Skipped {
		t.Fatalf("%s rejected and not fixed: bind %s, want skipped", late, rec.State)
	}
	if calls := l.run(rows...); calls["POST "+telegent.PathPortInUpdate] != 0 || calls["POST "+telegent.PathPortIn] != 0 {
		t.Errorf("an unchanged rejected row was sent again: %v", calls)
	}

	rows[1].account = "555000999" // the column the rejection names
	calls = l.run(rows...)
	if calls["POST "+telegent.PathPortInUpdate] != 1 || calls["POST "+telegent.PathPortIn] != 0 {
		t.Fatalf("run after fixing %s: calls %v, want one update and no submit", late, calls)
	}
	if rec := l.record(late, plan.NumberBind); rec.State != checkpoint.Pending || rec.ErrMessage != "" {
		t.Errorf("%s bind after the fix: %s %q, want pending with no error", late, rec.State, rec.ErrMessage)
	}
	if res := l.resultsRow(late); res["Status"] != "waiting" {
		t.Errorf("%s results row: Status %q (%s), want waiting", late, res["Status"], res["Error"])
	}
	l.e.srv.Advance(4 * l.step)
	l.run(rows...)
	for n, declined := range map[string]string{early: "", late: "1"} {
		if o := l.orders(n); len(o) != 1 || o[0].OrderStatus != telegent.PortCompleted {
			t.Errorf("%s orders: %v, want exactly one, completed", n, campStatuses(o))
		}
		if res := l.resultsRow(n); res["Status"] != "done" || res["DeclinedAttempts"] != declined {
			t.Errorf("%s results: Status %q DeclinedAttempts %q, want done and %q", n, res["Status"], res["DeclinedAttempts"], declined)
		}
	}
}

// The answer to the submit of a number that is rejected for good was lost
// after the order was opened, and the order has been rejected since. Where
// the inventory shows the number's latest order (the extended profile),
// the resumed run finds that order and never opens a second one. Against
// the API as documented nothing can tell: the submit needs attention and
// is not sent again; the OrderId filled into the row settles it.
func TestLostSubmitOfRejectedOrder(t *testing.T) {
	for _, profile := range []sandbox.Profile{sandbox.ProfileExtended, sandbox.ProfileDocumented} {
		t.Run(profile.String(), func(t *testing.T) {
			t.Parallel()
			const n = "+18015559919" // rejected for good
			l := newLifecycle(t, profile)
			l.run(lifeRow{number: n})
			l.e.srv.Advance(2 * l.step)
			l.run(lifeRow{number: n})
			if o := l.orders(n); len(o) != 1 || o[0].OrderStatus != telegent.PortRejected {
				t.Fatalf("orders: %v, want one, rejected", campStatuses(o))
			}
			opened := l.orders(n)[0].OrderId
			l.loseSubmitAnswer(n)
			for range 2 {
				calls := l.run(lifeRow{number: n})
				if calls["POST "+telegent.PathPortIn] != 0 {
					t.Errorf("resume sent %d submits for a number whose lost submit opened an order", calls["POST "+telegent.PathPortIn])
				}
			}
			if profile == sandbox.ProfileDocumented {
				if rec := l.record(n, plan.PortInSubmit); rec.State != checkpoint.NeedsAttention {
					t.Fatalf("submit: %s %v, want needs attention", rec.State, rec.IDs)
				}
				l.run(lifeRow{number: n, orderID: opened})
			}
			if o := l.orders(n); len(o) != 1 {
				t.Errorf("orders: %v, want exactly one", campStatuses(o))
			}
			if rec := l.record(n, plan.PortInSubmit); rec.State != checkpoint.Done || rec.IDs["OrderId"] != opened {
				t.Errorf("submit: %s %v, want done with the rejected order's ID", rec.State, rec.IDs)
			}
		})
	}
}

// A row is set to Action=cancel while its submit's outcome is unknown (the
// run that sent it died): the cancel looks the order up first and cancels
// it; nothing is submitted. Against the API as documented the order cannot
// be looked up: the cancel needs attention until the row names the order.
func TestCancelWhileSubmitUnknown(t *testing.T) {
	for _, profile := range []sandbox.Profile{sandbox.ProfileExtended, sandbox.ProfileDocumented} {
		t.Run(profile.String(), func(t *testing.T) {
			t.Parallel()
			const n = "+18015551206"
			l := newLifecycle(t, profile)
			l.run(lifeRow{number: n})
			opened := l.record(n, plan.PortInSubmit).IDs["OrderId"]
			l.loseSubmitAnswer(n)
			calls := l.run(lifeRow{number: n, action: "cancel"})
			if profile == sandbox.ProfileDocumented {
				if calls["POST "+telegent.PathPortInCancel] != 0 || calls["POST "+telegent.PathPortIn] != 0 {
					t.Fatalf("calls %v, want no cancel (which order?) and no submit", calls)
				}
				if rec := l.record(n, plan.PortInCancel); rec.State != checkpoint.NeedsAttention ||
					!strings.Contains(rec.ErrMessage, "OrderId") {
					t.Fatalf("cancel: %s %q, want needs attention asking for the OrderId", rec.State, rec.ErrMessage)
				}
				calls = l.run(lifeRow{number: n, action: "cancel", orderID: opened})
			}
			if calls["POST "+telegent.PathPortInCancel] != 1 || calls["POST "+telegent.PathPortIn] != 0 {
				t.Fatalf("calls %v, want one cancel and no submit", calls)
			}
			if o := l.orders(n); len(o) != 1 || o[0].OrderId != opened || o[0].OrderStatus != telegent.PortCancelled {
				t.Errorf("orders: %v, want the one opened, cancelled", campStatuses(o))
			}
			if profile == sandbox.ProfileExtended {
				if rec := l.record(n, plan.PortInSubmit); rec.State != checkpoint.Done || rec.IDs["OrderId"] != opened {
					t.Errorf("submit: %s %v, want done with %s", rec.State, rec.IDs, opened)
				}
			}
		})
	}
}

// While a run lasts, it keeps a progress file for status: counts per kind
// and state, and the open port orders with their status; the file goes
// when the run ends.
func TestLiveProgress(t *testing.T) {
	t.Parallel()
	const n = "+18015551208"
	l := newLifecycle(t)
	dir := filepath.Join(l.e.dir, "manifest")
	l.run(lifeRow{number: n}) // writes the manifest; the order stays open
	live := jobs.LivePath(l.state)
	seen := make(chan jobs.Live, 1)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute) // a bound, not a timing
	defer cancel()
	go func() {
		for ctx.Err() == nil {
			if p, err := jobs.ReadLive(live); err == nil && p.WaitingTotal > 0 {
				seen <- p
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
	}()
	_, err := l.e.run(ctx, loadPlan(t, dir), l.state, l.c, jobs.Options{LiveFile: live, Poll: 500 * time.Millisecond, Wait: 3 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case p := <-seen:
		if len(p.Waiting) != 1 || p.Waiting[0].Number != n || p.Waiting[0].OrderId == "" || !telegent.PortOpen(p.Waiting[0].PortStatus) {
			t.Errorf("open orders in the progress file: %+v, want %s with its order and an open status", p.Waiting, n)
		}
		if got := p.Counts["portins"][checkpoint.Waiting]; got != 1 {
			t.Errorf("progress counts %v, want one port-in step waiting", p.Counts)
		}
	default:
		t.Fatal("the progress file never showed the open order")
	}
	if _, err := os.Stat(live); !os.IsNotExist(err) {
		t.Errorf("the progress file is still there after the run: %v", err)
	}
}

// plan --state decides as the run does, and says why: after a row's
// rejection is fixed, its submit and monitor run (an update on the same
// order), a row that was not eligible is kept and what follows it is
// blocked; the run then sends exactly what the preview said.
func TestPreviewDecidesAsTheRun(t *testing.T) {
	const rejected, notEligible = "+18015559911", "+18015559901" // ACCOUNT_NUMBER_MISMATCH; not portable
	l := newLifecycle(t)
	rows := []lifeRow{{number: rejected}, {number: notEligible}}
	l.run(rows...)
	l.e.srv.Advance(2 * l.step)
	l.run(rows...) // the rejection is seen
	rows[0].account = "555000999"
	p := l.plan(rows...)

	s, err := checkpoint.Open(l.state, checkpoint.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	lines, err := jobs.PreviewPlan(p, s, jobs.Options{MACKey: macKey})
	s.Close()
	if err != nil {
		t.Fatal(err)
	}
	type count struct{ run, done, kept, blocked int }
	got := map[plan.Action]count{}
	why := map[plan.StepKey]string{}
	for _, ln := range lines {
		if ln.Kind != plan.PortIns {
			continue
		}
		got[ln.Action] = count{ln.Run, ln.Done, ln.Kept, ln.Blocked}
		for k, i := range ln.Example {
			why[p.Key(i)] = ln.Why[k]
		}
	}
	want := map[plan.Action]count{
		plan.PortInEligibility: {done: 1, kept: 1},
		plan.PortInSubmit:      {run: 1, blocked: 1},
		plan.PortInMonitor:     {run: 1, blocked: 1},
		plan.NumberBind:        {run: 1, blocked: 1},
	}
	for a, w := range want {
		if got[a] != w {
			t.Errorf("preview of %s: %+v, want %+v", a.Slug(), got[a], w)
		}
	}
	for _, a := range []plan.Action{plan.PortInSubmit, plan.PortInMonitor} {
		k := plan.MakeKey(plan.PortIns, rejected, a)
		if !strings.Contains(why[k], "portin/update") {
			t.Errorf("preview says %s runs because %q, want the update of its rejected order", k, why[k])
		}
	}

	calls := l.run(rows...)
	if calls["POST "+telegent.PathPortInUpdate] != 1 || calls["POST "+telegent.PathPortIn] != 0 ||
		calls["POST "+telegent.PathPortInEligibility] != 0 {
		t.Errorf("the run after the preview made %v, want one update, no submit, no eligibility check", calls)
	}
}

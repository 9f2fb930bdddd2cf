package jobs_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"telegent-bulk/checkpoint"
	"telegent-bulk/jobs"
	"telegent-bulk/sheets"
	"telegent-bulk/telegent"
	"telegent-bulk/telegent/sandbox"
)

// A porting campaign: a PortIns manifest mixing every outcome of
// docs/sandbox.md, run over several invocations with the sandbox's port
// clock advanced between them, as a porting team runs it over days.

// campKind is what the sandbox does with a campaign row's number.
type campKind int

const (
	campCompletes   campKind = iota // any other last four digits
	campNotEligible                 // 9901, 9902
	campFixable                     // 9911..9915: rejected until the matching update
	campHopeless                    // 9919: rejected for good
)

// campMix is the campaign's test numbers: last four digits, outcome, how
// many rows, and the column whose edit fixes the rejection (and that the
// Error column must name).
var campMix = []struct {
	last4  string
	kind   campKind
	n      int
	fixCol string
}{
	{"9901", campNotEligible, 3, ""},
	{"9902", campNotEligible, 3, ""},
	{"9911", campFixable, 4, "CurrentAccountNumber"},
	{"9912", campFixable, 4, "CurrentAccountPassword"},
	{"9913", campFixable, 4, "SubscriberName"},
	{"9914", campFixable, 4, "CurrentAccountPassword"},
	{"9915", campFixable, 4, "BillingZip"},
	{"9919", campHopeless, 4, "Action=cancel"},
}

// campPort is one PortIns row as the test writes it. Secret values stay in
// here and never reach a log line.
type campPort struct {
	number string // E.164
	last4  string
	kind   campKind
	fixCol string
	action string // "", "cancel", "submit", "resubmit"
	email  string
	acct   string // CurrentAccountNumber
	pin    string // CurrentAccountPassword (secret)
	name   string // SubscriberName
	street string
	zip    string
	pkg    string // a package name or ID
	pkgID  string // the package ID it resolves to
}

// campaignManifest is the whole manifest: two accounts, their subscribers,
// one message route and the port-ins.
type campaignManifest struct {
	dir   string
	subs  int
	ports []campPort
}

// campAreas and campExchange spread the numbers over area codes and
// exchanges so that the last four digits stay meaningful.
var campAreas = []string{"801", "385", "415", "212"}

var campExchanges = func() []string {
	var ex []string
	for e := 220; e <= 999; e++ {
		if e%100 != 11 && e != 555 { // N11 codes and 555 are not real exchanges
			ex = append(ex, strconv.Itoa(e))
		}
	}
	return ex
}()

func campExchange(i int) string { return campExchanges[i%len(campExchanges)] }

const (
	campStarterID = "PID-5a1e0000-0000-4000-8000-000000000001" // Starter 1GB
	campFamilyID  = "PID-5a1e0000-0000-4000-8000-000000000002" // Family 10GB
)

// newCampaign returns a manifest with completes ports that complete plus
// every test number of campMix, in one interleaved PortIns sheet.
func newCampaign(tb testing.TB, dir string, completes int) *campaignManifest {
	tb.Helper()
	c := &campaignManifest{dir: dir, subs: 20}
	var kinds []int // -1 for a completing row, else an index into campMix
	for range completes {
		kinds = append(kinds, -1)
	}
	// Spread the test numbers through the sheet rather than at its end.
	at := 0
	for mi, m := range campMix {
		for range m.n {
			at = (at + 7) % (len(kinds) + 1)
			kinds = append(kinds[:at], append([]int{mi}, kinds[at:]...)...)
		}
	}
	for i, k := range kinds {
		p := campPort{
			email:  campEmail(i % c.subs),
			acct:   strconv.Itoa(400000000 + i*7919),
			pin:    fmt.Sprintf("%04d", (i*37)%10000),
			name:   campName(i % c.subs),
			street: strconv.Itoa(100+i) + " Main St",
			zip:    "84111",
			pkg:    "Starter 1GB",
			pkgID:  campStarterID,
		}
		if i%2 == 1 {
			p.pkg, p.pkgID = campFamilyID, campFamilyID
		}
		if k < 0 {
			p.kind, p.last4 = campCompletes, fmt.Sprintf("%04d", 1000+i)
		} else {
			p.kind, p.last4, p.fixCol = campMix[k].kind, campMix[k].last4, campMix[k].fixCol
		}
		p.number = "+1" + campAreas[i%len(campAreas)] + campExchange(i) + p.last4
		c.ports = append(c.ports, p)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.Fatal(err)
	}
	c.write(tb)
	return c
}

func campEmail(s int) string { return fmt.Sprintf("porter.%02d@campaign.example", s) }

func campName(s int) string { return fmt.Sprintf("Porter Number%02d", s) }

// write (re)writes the manifest's CSV files.
func (c *campaignManifest) write(tb testing.TB) {
	tb.Helper()
	campWriteCSV(tb, filepath.Join(c.dir, "accounts.csv"),
		[]string{"AccountRef", "AccountName", "BillingStreet1", "BillingCity", "BillingState", "BillingZip"},
		[][]string{
			{"camp-a", "Campaign Alpha", "1 Alpha Way", "Salt Lake City", "UT", "84111"},
			{"camp-b", "Campaign Beta", "2 Beta Way", "Provo", "UT", "84601"},
		})
	var subs [][]string
	for s := range c.subs {
		subs = append(subs, []string{campEmail(s), campName(s), []string{"camp-a", "camp-b"}[s%2], "Pw-" + strconv.Itoa(1000+s)})
	}
	campWriteCSV(tb, filepath.Join(c.dir, "subscribers.csv"), []string{"Email", "Name", "AccountRef", "Password"}, subs)
	campWriteCSV(tb, filepath.Join(c.dir, "messageroutes.csv"),
		[]string{"RouteRef", "RouteName", "MessageUrl", "AccountRef"},
		[][]string{{"camp-sms", "Campaign SMS", "https://sms.campaign.example/in", "camp-a"}})
	var rows [][]string
	for _, p := range c.ports {
		rows = append(rows, []string{p.number, p.action, p.email, "camp-sms", "Verizon Wireless", p.acct, p.pin,
			p.name, p.street, "Salt Lake City", "UT", p.zip, p.pkg})
	}
	campWriteCSV(tb, filepath.Join(c.dir, "portins.csv"),
		[]string{"PortInNumber", "Action", "SubscriberEmail", "MessageRouteRef", "CurrentCarrierName",
			"CurrentAccountNumber", "CurrentAccountPassword", "SubscriberName", "BillingStreet1", "BillingCity",
			"BillingState", "BillingZip", "Package"}, rows)
}

func campWriteCSV(tb testing.TB, path string, header []string, rows [][]string) {
	tb.Helper()
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	w := csv.NewWriter(f)
	if err := w.Write(header); err != nil {
		tb.Fatal(err)
	}
	if err := w.WriteAll(rows); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
}

// fix edits a rejected row the way the porting team would: the column the
// rejection names gets the losing carrier's value.
func (p *campPort) fix() {
	switch p.last4 {
	case "9911":
		p.acct += "1"
	case "9912", "9914":
		p.pin = fmt.Sprintf("%04d", (campAtoi(p.pin)+1111)%10000)
	case "9913":
		p.name += " Jr"
	case "9915":
		p.zip = "84112"
	}
}

func campAtoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		panic(err)
	}
	return n
}

// count returns how many ports satisfy keep.
func (c *campaignManifest) count(keep func(p *campPort) bool) int {
	n := 0
	for i := range c.ports {
		if keep(&c.ports[i]) {
			n++
		}
	}
	return n
}

// invoke writes the manifest and runs it once, as one CLI invocation would:
// a new client, Wait 0 (open orders are left waiting for the next one).
func (c *campaignManifest) invoke(tb testing.TB, e *env, state string, o jobs.Options) jobs.Report {
	tb.Helper()
	c.write(tb)
	p := loadPlan(tb, c.dir)
	rep, err := e.run(context.Background(), p, state, e.client(0), o)
	if err != nil {
		tb.Fatalf("run: %v", err)
	}
	return rep
}

// campCalls counts the requests the sandbox answered on one endpoint,
// every status included.
func campCalls(e *env, method, path string) int {
	n := 0
	for _, c := range e.srv.Stats().Requests[method+" "+path] {
		n += c
	}
	return n
}

// campOrders returns the port-in orders per number.
func campOrders(st sandbox.State) map[string][]telegent.OrderDetails {
	out := map[string][]telegent.OrderDetails{}
	for _, o := range st.Orders {
		if o.OrderType == "portin" && len(o.PhoneNumbersOrdered) > 0 {
			n := o.PhoneNumbersOrdered[0].Number
			out[n] = append(out[n], o)
		}
	}
	return out
}

// campReadTab reads one tab of a results workbook (the first whose name
// starts with prefix, ignoring case) into rows keyed by keyCol.
func campReadTab(tb testing.TB, path, prefix, keyCol string) map[string]map[string]string {
	tb.Helper()
	rs, err := sheets.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer func() {
		for _, r := range rs {
			r.Close()
		}
	}()
	for _, r := range rs {
		t := r.Table()
		if !strings.HasPrefix(strings.ToLower(t.Name), strings.ToLower(prefix)) {
			continue
		}
		out := map[string]map[string]string{}
		for r.Next() {
			row := map[string]string{}
			for i, h := range t.Header {
				row[h] = r.Row().Cells[i]
			}
			out[row[keyCol]] = row
		}
		if err := r.Err(); err != nil {
			tb.Fatal(err)
		}
		return out
	}
	tb.Fatalf("%s has no tab %s…", path, prefix)
	return nil
}

// campKey returns the step key of a port-in row's step.
func campKey(number, step string) string { return "portins/" + number + "/" + step }

func TestPortCampaign(t *testing.T) {
	t.Parallel()
	const step = time.Hour // sandbox time per port stage: only Advance moves orders
	e := newEnv(t, sandbox.Options{PortStep: step, TokenTTL: 10000 * time.Hour, Seed: 11})
	c := newCampaign(t, filepath.Join(e.dir, "manifest"), 200)
	state := filepath.Join(e.dir, "run.db")
	results := filepath.Join(e.dir, "results.xlsx")
	// Each invocation polls every open order once, when it starts (or right
	// after the submit), then stops: Wait 0, and the next poll an hour away.
	opts := jobs.Options{Concurrency: 8, Wait: 0, Poll: time.Hour}

	total := len(c.ports)
	eligible := c.count(func(p *campPort) bool { return p.kind != campNotEligible })
	fixable := c.count(func(p *campPort) bool { return p.kind == campFixable })
	hopeless := c.count(func(p *campPort) bool { return p.kind == campHopeless })
	if total < 200 {
		t.Fatalf("campaign has %d ports, want at least 200", total)
	}
	// must runs one phase's checks; a later phase makes no sense after it
	// failed.
	must := func(name string, check func(t *testing.T)) {
		t.Helper()
		if !t.Run(name, check) {
			t.FailNow()
		}
	}

	// Invocation 1: eligibility for every row, a submit for every eligible
	// one; the orders are open, so the rows are left waiting.
	c.invoke(t, e, state, opts)
	must("1 every eligible row submitted once", func(t *testing.T) {
		if got := campCalls(e, "POST", telegent.PathPortInEligibility); got != total {
			t.Errorf("eligibility checks = %d, want %d", got, total)
		}
		if got := campCalls(e, "POST", telegent.PathPortIn); got != eligible {
			t.Fatalf("port-in submits = %d, want %d (one per eligible row)", got, eligible)
		}
		orders := campOrders(e.state())
		recs := rowStates(t, state)
		for _, p := range c.ports {
			if p.kind == campNotEligible {
				if len(orders[p.number]) != 0 {
					t.Errorf("%s (not eligible) has %d orders, want none", p.number, len(orders[p.number]))
				}
				if r := recs[campKey(p.number, "eligibility")]; r.State != checkpoint.Failed {
					t.Errorf("%s eligibility: got %s, want failed", p.number, r.State)
				}
				continue
			}
			if got := len(orders[p.number]); got != 1 {
				t.Errorf("%s: %d orders, want 1", p.number, got)
				continue
			}
			// Not polled yet (a poll just after the submit would say nothing
			// new): the submit's own answer, Pending, stands.
			if r := recs[campKey(p.number, "monitor")]; r.State != checkpoint.Waiting || !telegent.PortOpen(r.Data["PortStatus"]) {
				t.Errorf("%s monitor: got %s/%q, want waiting with an open status", p.number, r.State, r.Data["PortStatus"])
			}
		}
	})

	// Two stages later: the completing orders are Scheduled, the test
	// numbers' orders Rejected. Invocation 2 notices.
	e.srv.Advance(2 * step)
	c.invoke(t, e, state, opts)
	must("2 rejections reported with the column to fix", func(t *testing.T) {
		if got := campCalls(e, "POST", telegent.PathPortIn); got != eligible {
			t.Errorf("port-in submits = %d, want still %d", got, eligible)
		}
		recs := rowStates(t, state)
		res := campReadTab(t, results, "portins", "PortInNumber")
		for _, p := range c.ports {
			m := recs[campKey(p.number, "monitor")]
			row := res[p.number]
			switch p.kind {
			case campCompletes:
				if m.State != checkpoint.Waiting || m.Data["PortStatus"] != telegent.PortScheduled {
					t.Errorf("%s monitor: got %s/%q, want waiting/Scheduled", p.number, m.State, m.Data["PortStatus"])
				}
			case campFixable, campHopeless:
				if m.State != checkpoint.Failed {
					t.Errorf("%s monitor: got %s, want failed (rejected)", p.number, m.State)
				}
				if row["Status"] != "failed" || row["PortStatus"] != telegent.PortRejected || row["DeclinedAttempts"] != "1" ||
					row["LastDeclinedAt"] == "" {
					t.Errorf("%s results: Status %q PortStatus %q DeclinedAttempts %q LastDeclinedAt %q, want failed, Rejected, 1, a time",
						p.number, row["Status"], row["PortStatus"], row["DeclinedAttempts"], row["LastDeclinedAt"])
				}
				if !strings.Contains(row["Error"], p.fixCol) {
					t.Errorf("%s results: Error %q does not name %s", p.number, row["Error"], p.fixCol)
				}
			case campNotEligible:
				if row["Status"] != "failed" || row["Eligible"] != "no" {
					t.Errorf("%s results: Status %q Eligible %q, want failed, no", p.number, row["Status"], row["Eligible"])
				}
			}
		}
	})

	// The team fixes every fixable row and cancels some open orders.
	var cancelled []int
	nth := 0
	for i := range c.ports {
		p := &c.ports[i]
		switch p.kind {
		case campFixable:
			p.fix()
		case campCompletes:
			if nth++; nth%17 == 0 {
				p.action = "cancel"
				cancelled = append(cancelled, i)
			}
		}
	}
	cancels := len(cancelled)

	// Invocation 3: portin/update on the same orders, never a second
	// submit; the cancels; the hopeless rows, unchanged, stay failed.
	c.invoke(t, e, state, opts)
	must("3 fixed rows updated, not resubmitted; cancels honoured", func(t *testing.T) {
		if got := campCalls(e, "POST", telegent.PathPortInUpdate); got != fixable {
			t.Errorf("portin/update calls = %d, want %d (one per fixed row)", got, fixable)
		}
		if got := campCalls(e, "POST", telegent.PathPortIn); got != eligible {
			t.Errorf("port-in submits = %d, want still %d", got, eligible)
		}
		if got := campCalls(e, "POST", telegent.PathPortInCancel); got != cancels {
			t.Errorf("cancels = %d, want %d", got, cancels)
		}
		orders := campOrders(e.state())
		recs := rowStates(t, state)
		res := campReadTab(t, results, "portins", "PortInNumber")
		for _, p := range c.ports {
			switch {
			case p.action == "cancel":
				if o := orders[p.number]; len(o) != 1 || o[0].OrderStatus != telegent.PortCancelled {
					t.Errorf("%s: orders %s, want one Cancelled", p.number, campStatuses(o))
				}
				if r := recs[campKey(p.number, "cancel")]; r.State != checkpoint.Cancelled {
					t.Errorf("%s cancel step: got %s, want cancelled", p.number, r.State)
				}
				if got := res[p.number]["Status"]; got != "cancelled" {
					t.Errorf("%s results: Status %q, want cancelled", p.number, got)
				}
			case p.kind == campFixable:
				if o := orders[p.number]; len(o) != 1 || o[0].OrderStatus != telegent.PortSubmitted {
					t.Errorf("%s (fixed): orders %s, want one back to Submitted", p.number, campStatuses(o))
				}
			case p.kind == campHopeless:
				if o := orders[p.number]; len(o) != 1 || o[0].OrderStatus != telegent.PortRejected {
					t.Errorf("%s (9919): orders %s, want one Rejected", p.number, campStatuses(o))
				}
				if got := res[p.number]["Status"]; got != "failed" {
					t.Errorf("%s (9919) results: Status %q, want failed", p.number, got)
				}
			}
		}
	})
	// The checkpoint alone (telegent-bulk status) lists as open exactly
	// the orders that are open: not the cancelled ones.
	t.Run("3 status lists only open orders", func(t *testing.T) {
		waiting := campWaitingPorts(t, state)
		for _, p := range c.ports {
			open := p.action != "cancel" && (p.kind == campCompletes || p.kind == campFixable)
			if got := waiting[p.number]; got != open {
				t.Errorf("%s (Action %q): listed as a waiting port %v, want %v", p.number, p.action, got, open)
			}
		}
	})

	// Three stages later every open order has completed. The team gives
	// up on the hopeless rows. Invocation 4 binds and subscribes.
	e.srv.Advance(3*step + step/2)
	for i := range c.ports {
		if c.ports[i].kind == campHopeless {
			c.ports[i].action = "cancel"
		}
	}
	c.invoke(t, e, state, opts)
	completable := c.count(func(p *campPort) bool {
		return p.action != "cancel" && (p.kind == campCompletes || p.kind == campFixable)
	})
	must("4 completed ports bound and subscribed; 9919 cancelled", func(t *testing.T) {
		if got := campCalls(e, "POST", telegent.PathPortInUpdate); got != fixable {
			t.Errorf("portin/update calls = %d, want still %d", got, fixable)
		}
		if got := campCalls(e, "POST", telegent.PathPortInCancel); got != cancels+hopeless {
			t.Errorf("cancels = %d, want %d", got, cancels+hopeless)
		}
		if got := campCalls(e, "POST", telegent.PathSubscriptions); got != completable {
			t.Errorf("subscription creates = %d, want %d", got, completable)
		}
		campCheckCompleted(t, e, c, results, func(p *campPort) bool {
			return p.action != "cancel" && (p.kind == campCompletes || p.kind == campFixable)
		})
		res := campReadTab(t, results, "portins", "PortInNumber")
		orders := campOrders(e.state())
		for _, p := range c.ports {
			if p.kind != campHopeless {
				continue
			}
			if o := orders[p.number]; len(o) != 1 || o[0].OrderStatus != telegent.PortCancelled {
				t.Errorf("%s (9919, Action=cancel): orders %s, want one Cancelled", p.number, campStatuses(o))
			}
			if got := res[p.number]["Status"]; got != "cancelled" {
				t.Errorf("%s (9919, Action=cancel) results: Status %q, want cancelled", p.number, got)
			}
		}
	})

	// The team sets the cancelled rows back to submit: cancel is final,
	// nothing is sent for them. One row asks for a fresh port with
	// Action=resubmit: eligibility again and a second order.
	resub := cancelled[0]
	var backToSubmit []int
	for i := range c.ports {
		if c.ports[i].action != "cancel" {
			continue
		}
		if i == resub {
			c.ports[i].action = "resubmit"
			continue
		}
		c.ports[i].action = "submit"
		backToSubmit = append(backToSubmit, i)
	}
	c.invoke(t, e, state, opts)
	must("5 cancel is final; resubmit opens one fresh order", func(t *testing.T) {
		if got := campCalls(e, "POST", telegent.PathPortIn); got != eligible+1 {
			t.Errorf("port-in submits = %d, want %d (one fresh submit for the resubmitted row)", got, eligible+1)
		}
		if got := campCalls(e, "POST", telegent.PathPortInEligibility); got != total+1 {
			t.Errorf("eligibility checks = %d, want %d (the resubmitted row checked again)", got, total+1)
		}
		orders := campOrders(e.state())
		for _, i := range backToSubmit {
			p := c.ports[i]
			if o := orders[p.number]; len(o) != 1 || o[0].OrderStatus != telegent.PortCancelled {
				t.Errorf("%s (cancelled, Action back to submit): orders %s, want still one Cancelled", p.number, campStatuses(o))
			}
		}
		rp := c.ports[resub]
		if o := orders[rp.number]; len(o) != 2 || campCount(o, telegent.PortCancelled) != 1 || campCount(o, telegent.PortSubmitted) != 1 {
			t.Errorf("%s (resubmit): orders %s, want the old one Cancelled and a new one Submitted", rp.number, campStatuses(o))
		}
	})
	t.Run("5 results show cancelled rows cancelled", func(t *testing.T) {
		res := campReadTab(t, results, "portins", "PortInNumber")
		for _, i := range backToSubmit {
			p := c.ports[i]
			if got := res[p.number]["Status"]; got != "cancelled" {
				t.Errorf("%s (cancelled, Action back to submit) results: Status %q, want cancelled", p.number, got)
			}
		}
	})

	// The fresh order completes; invocation 6 binds and subscribes it.
	e.srv.Advance(3*step + step/2)
	c.invoke(t, e, state, opts)
	t.Run("6 one live order per number, every port completed or cancelled", func(t *testing.T) {
		campCheckCompleted(t, e, c, results, func(p *campPort) bool {
			return p.action != "submit" && (p.kind == campCompletes || p.kind == campFixable)
		})
		st := e.state()
		if d := duplicates(st); len(d) > 0 {
			t.Errorf("duplicates: %v", d)
		}
		orders := campOrders(st)
		for i, p := range c.ports {
			o := orders[p.number]
			live := len(o) - campCount(o, telegent.PortCancelled)
			switch {
			case p.kind == campNotEligible:
				if len(o) != 0 {
					t.Errorf("%s (not eligible): orders %s, want none", p.number, campStatuses(o))
				}
			case i == resub:
				if len(o) != 2 || live != 1 {
					t.Errorf("%s (resubmitted): orders %s, want one Cancelled and one live", p.number, campStatuses(o))
				}
			case p.action == "submit": // cancelled earlier
				if len(o) != 1 || live != 0 {
					t.Errorf("%s (cancelled): orders %s, want one Cancelled", p.number, campStatuses(o))
				}
			default:
				if len(o) != 1 || live != 1 {
					t.Errorf("%s: orders %s, want exactly one live order", p.number, campStatuses(o))
				}
			}
		}
		for _, tc := range []struct {
			path string
			want int
		}{
			{telegent.PathPortIn, eligible + 1},
			{telegent.PathPortInUpdate, fixable},
			{telegent.PathPortInCancel, cancels + hopeless},
			{telegent.PathSubscriptions, completable + 1},
		} {
			if got := campCalls(e, "POST", tc.path); got != tc.want {
				t.Errorf("POST %s: %d calls, want %d", tc.path, got, tc.want)
			}
		}
	})

	// Invocation 7, nothing changed: nothing is created.
	before := e.creates()
	c.invoke(t, e, state, opts)
	t.Run("7 nothing to do, nothing created", func(t *testing.T) {
		if got := e.creates(); dump(got) != dump(before) {
			t.Errorf("a run with nothing to do sent creates: before %v, after %v", before, got)
		}
	})
}

// --wait bounds how long a run keeps following open orders once all else
// is done, even when the orders are so many, or the API so slow, that one
// round of polls takes longer than --poll.
func TestPortWaitBoundsPolling(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		poll  time.Duration
		ports int
	}{
		{"a round of polls is shorter than --poll", time.Hour, 12},
		{"a round of polls is longer than --poll", 5 * time.Millisecond, 12},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			// 20 ms per call, 2 workers: one round over 12 open orders
			// takes about 120 ms.
			e := newEnv(t, sandbox.Options{PortStep: time.Hour, Latency: 20 * time.Millisecond, Seed: 3})
			c := &campaignManifest{dir: filepath.Join(e.dir, "manifest"), subs: 4}
			if err := os.MkdirAll(c.dir, 0o755); err != nil {
				t.Fatal(err)
			}
			for i := range tt.ports { // numbers that complete, 3 stages away
				p := campPort{email: campEmail(i % c.subs), acct: strconv.Itoa(500000000 + i), pin: "2468",
					name: campName(i % c.subs), street: "1 Main St", zip: "84111", pkg: "Starter 1GB"}
				p.number = "+1" + campAreas[i%len(campAreas)] + campExchange(i) + fmt.Sprintf("%04d", 2000+i)
				c.ports = append(c.ports, p)
			}
			c.write(t)
			p := loadPlan(t, c.dir)
			// The bound only keeps a broken run from hanging the test: a
			// run that honours --wait ends long before it.
			ctx, cancel := context.WithTimeout(context.Background(), 8*time.Second)
			defer cancel()
			rep, err := e.run(ctx, p, filepath.Join(e.dir, "run.db"), e.client(0), jobs.Options{
				Concurrency: 2, Poll: tt.poll, Wait: 200 * time.Millisecond, Drain: time.Second,
			})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Interrupted {
				t.Errorf("the run was still polling when the test gave up (8 s, --wait 200ms): totals %+v", rep.Totals)
			} else if rep.Totals.Waiting != tt.ports {
				t.Errorf("waiting = %d, want %d (every order open)", rep.Totals.Waiting, tt.ports)
			}
		})
	}
}

// campCheckCompleted checks every port that keep selects: its order
// Completed, its number bound, an active subscription on its TNID with the
// row's package, and its results row done with the port's figures; fixed
// rows keep their DeclinedAttempts.
func campCheckCompleted(t *testing.T, e *env, c *campaignManifest, results string, keep func(p *campPort) bool) {
	t.Helper()
	st := e.state()
	orders := campOrders(st)
	subs := map[string][]telegent.Subscription{}
	for _, s := range st.Subscriptions {
		if s.Active {
			subs[s.TNID] = append(subs[s.TNID], s)
		}
	}
	res := campReadTab(t, results, "portins", "PortInNumber")
	for i := range c.ports {
		p := &c.ports[i]
		if !keep(p) {
			continue
		}
		var done *telegent.OrderDetails
		for k := range orders[p.number] {
			if orders[p.number][k].OrderStatus == telegent.PortCompleted {
				done = &orders[p.number][k]
			}
		}
		if done == nil {
			t.Errorf("%s: orders %s, want one Completed", p.number, campStatuses(orders[p.number]))
			continue
		}
		if s := subs[done.PhoneNumberId]; len(s) != 1 || s[0].PackageId != p.pkgID {
			t.Errorf("%s: %d active subscriptions on %s, want 1 on package %s", p.number, len(s), done.PhoneNumberId, p.pkgID)
		}
		row := res[p.number]
		if row["Status"] != "done" || row["PortStatus"] != telegent.PortCompleted || row["PhoneNumberId"] != done.PhoneNumberId ||
			row["SubscriptionId"] == "" || row["PortCompletedAt"] == "" {
			t.Errorf("%s results: Status %q PortStatus %q PhoneNumberId %q SubscriptionId %q PortCompletedAt %q, "+
				"want done, Completed, %s, an ID, a time", p.number, row["Status"], row["PortStatus"], row["PhoneNumberId"],
				row["SubscriptionId"], row["PortCompletedAt"], done.PhoneNumberId)
		}
		if p.kind == campFixable && (row["DeclinedAttempts"] != "1" || row["LastDeclinedAt"] == "") {
			t.Errorf("%s (fixed) results: DeclinedAttempts %q LastDeclinedAt %q, want 1 and a time, kept after completion",
				p.number, row["DeclinedAttempts"], row["LastDeclinedAt"])
		}
	}
}

// campWaitingPorts returns the numbers that jobs.Status, reading the
// checkpoint alone, reports as open port orders.
func campWaitingPorts(tb testing.TB, state string) map[string]bool {
	tb.Helper()
	s, err := checkpoint.Open(state, checkpoint.Options{ReadOnly: true})
	if err != nil {
		tb.Fatal(err)
	}
	defer s.Close()
	_, waiting, err := jobs.Status(s)
	if err != nil {
		tb.Fatal(err)
	}
	out := map[string]bool{}
	for _, w := range waiting {
		out[w.Number] = true
	}
	return out
}

func campCount(list []telegent.OrderDetails, status string) int {
	n := 0
	for _, o := range list {
		if o.OrderStatus == status {
			n++
		}
	}
	return n
}

func campStatuses(list []telegent.OrderDetails) string {
	var s []string
	for _, o := range list {
		s = append(s, o.OrderStatus)
	}
	return "[" + strings.Join(s, ", ") + "]"
}

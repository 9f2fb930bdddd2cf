package jobs_test

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"telegent-bulk/checkpoint"
	"telegent-bulk/jobs"
	"telegent-bulk/plan"
	"telegent-bulk/telegent"
	"telegent-bulk/telegent/sandbox"
)

// BenchmarkPortCampaignBudget measures the polling budget on a campaign of
// 10,000 port-ins under a 20 req/s limit, in simulated time: the runner's
// own scheduling code (cadence per status, budget slots, the walk) runs on
// a clock that jumps to the next timer whenever the walk waits on nothing
// else, and the sandbox's clock jumps with it, so that a day and more of
// polling takes seconds. Every call is a real HTTP call to the sandbox.
// The sandbox completes each order 3 port steps (18h) after its submit.
//
// Figures: polls per order per day of being open (polls/order/day), all
// port calls per order per day (calls/order/day), the time from an order's
// completion to the runner seeing it (notice p50 and p95, minutes), the
// most polls in any one simulated second (peak-polls/s) and in any 10
// seconds (peak-polls/s-10s, per second), the average over the polling
// (avg-polls/s), and what the budget leaves the rest of the migration at
// worst (migration-req/s: the limit less the 10-second peak poll rate).
// BenchmarkPortCampaignMixed measures the migration's throughput itself.
func BenchmarkPortCampaignBudget(b *testing.B) {
	const (
		orders   = 10000
		rps      = 20.0
		share    = 0.2
		portStep = 6 * time.Hour
	)
	for range b.N {
		f := benchBudget(b, orders, rps, share, portStep)
		b.ReportMetric(f.pollsPerDay, "polls/order/day")
		b.ReportMetric(f.callsPerDay, "calls/order/day")
		b.ReportMetric(f.noticeP50.Minutes(), "notice-p50-min")
		b.ReportMetric(f.noticeP95.Minutes(), "notice-p95-min")
		b.ReportMetric(f.peak, "peak-polls/s")
		b.ReportMetric(f.peak10, "peak-polls/s-10s")
		b.ReportMetric(f.avg, "avg-polls/s")
		b.ReportMetric(rps-f.peak10, "migration-req/s")
		b.ReportMetric(f.completed, "completed")
		b.ReportMetric(f.simHours, "sim-h")
	}
}

type budgetFigures struct {
	pollsPerDay, callsPerDay float64
	noticeP50, noticeP95     time.Duration
	peak, peak10, avg        float64
	completed, simHours      float64
}

// simClock is a walk clock that moves only when the walk waits on nothing
// but timers (Idle), to the earliest timer, and moves the sandbox's clock
// by as much.
type simClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []simTimer
	srv    *sandbox.Server
}

type simTimer struct {
	at time.Time
	ch chan time.Time
}

func (c *simClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *simClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	if d <= 0 {
		ch <- c.now
		return ch
	}
	c.timers = append(c.timers, simTimer{c.now.Add(d), ch})
	return ch
}

// Idle jumps to the earliest timer. (A timer the walk set for now fires
// at once, in After; Idle is called only when nothing is in flight, so a
// jump skips no work, at worst a handful of milliseconds of a slot.)
func (c *simClock) Idle() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.timers) == 0 {
		return
	}
	next := c.timers[0].at
	for _, t := range c.timers[1:] {
		if t.at.Before(next) {
			next = t.at
		}
	}
	c.srv.Advance(next.Sub(c.now))
	c.now = next
	kept := c.timers[:0]
	for _, t := range c.timers {
		if t.at.After(next) {
			kept = append(kept, t)
			continue
		}
		t.ch <- t.at
	}
	c.timers = kept
}

func benchBudget(b *testing.B, orders int, rps, share float64, portStep time.Duration) budgetFigures {
	b.Helper()
	e := newEnv(b, sandbox.Options{PortStep: portStep, Seed: 13})
	clock := &simClock{now: e.srv.Now(), srv: e.srv}
	var mu sync.Mutex
	var pollAt []time.Time
	c, err := telegent.New(telegent.Config{
		BaseURL: e.http.URL, AccountKey: sandbox.AccountKey, AccountSecret: sandbox.AccountSecret,
		BaseBackoff: 2 * time.Millisecond, MaxBackoff: 50 * time.Millisecond, MaxAttempts: 12,
		Observer: func(a telegent.Attempt) {
			if a.Method == http.MethodGet && a.Path == telegent.PathNumbersOrder && a.Status == http.StatusOK {
				mu.Lock()
				pollAt = append(pollAt, clock.Now())
				mu.Unlock()
			}
		},
	})
	if err != nil {
		b.Fatal(err)
	}
	dir := filepath.Join(e.dir, "manifest")
	ports := [][]string{{"PortInNumber", "SubscriberId", "AccountId", "MessageRouteRef", "CurrentCarrierName",
		"CurrentAccountNumber", "CurrentAccountPassword", "SubscriberName", "BillingStreet1", "BillingCity", "BillingState", "BillingZip"}}
	for i := range orders {
		// Last four digits below 9000: none is a sandbox test number.
		n := fmt.Sprintf("+1801%03d%04d", 600+i/9000, i%9000)
		ports = append(ports, []string{n, docLegacySubscriberID, docLegacyAccountID, "sms", "Verizon Wireless",
			"555000111", "4321", "Legacy Subscriber", "1 Main St", "Provo", "UT", "84601"})
	}
	writeCSVTables(b, dir, map[string][][]string{
		"messageroutes.csv": {{"RouteRef", "AccountId", "RouteName", "MessageUrl"},
			{"sms", docLegacyAccountID, "Legacy SMS", "https://sms.legacy.example/in"}},
		"portins.csv": ports,
	})
	p := loadPlan(b, dir)
	state := filepath.Join(e.dir, "run.db")
	s, err := checkpoint.Open(state, checkpoint.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	start := clock.Now()
	b.StartTimer()
	r := jobs.New(p, c, s, jobs.Options{MACKey: macKey, RPS: rps, PollShare: share, Clock: clock,
		Wait: 4 * 24 * time.Hour, Concurrency: 16})
	if _, err := r.Run(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	end := clock.Now()

	// When each order completed (the sandbox's clock) and when the runner
	// saw it (the simulated clock; the two differ by the real time the
	// bench took, a minute at most, against hours of cadence).
	completedAt := map[string]time.Time{}
	for _, o := range e.state().Orders {
		if o.OrderStatus == telegent.PortCompleted && len(o.PhoneNumbersOrdered) > 0 {
			t, err := time.Parse("2006-01-02T15:04:05.0000000-07:00", o.CompletedDate)
			if err == nil {
				completedAt[o.PhoneNumbersOrdered[0].Number] = t
			}
		}
	}
	var notice []time.Duration
	var openDays float64
	if err := s.ForEach(func(rec checkpoint.Record) error {
		_, number, a, err := plan.ParseStepKey(string(rec.Key))
		if err != nil || a != plan.PortInMonitor {
			return nil
		}
		seen, err1 := time.Parse(time.RFC3339, rec.Data["StatusChangedAt"])
		done, ok := completedAt[number]
		if err1 == nil && ok && rec.Data["PortStatus"] == telegent.PortCompleted {
			notice = append(notice, seen.Sub(done))
			openDays += seen.Sub(start).Hours() / 24
		} else {
			openDays += end.Sub(start).Hours() / 24
		}
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	slices.Sort(notice)
	var f budgetFigures
	if len(notice) > 0 {
		f.noticeP50 = notice[len(notice)/2]
		f.noticeP95 = notice[len(notice)*95/100]
	}
	f.completed = float64(len(notice))
	f.simHours = end.Sub(start).Hours()
	calls := 0
	for ep, byStatus := range e.srv.Stats().Requests {
		if !isPortCall(ep) {
			continue
		}
		for st, n := range byStatus {
			if st != "401" {
				calls += n
			}
		}
	}
	perSecond, perTen := map[int64]int{}, map[int64]int{}
	for _, t := range pollAt {
		perSecond[t.Unix()]++
		perTen[t.Unix()/10]++
	}
	for _, n := range perSecond {
		f.peak = max(f.peak, float64(n))
	}
	for _, n := range perTen {
		f.peak10 = max(f.peak10, float64(n)/10)
	}
	if len(pollAt) > 1 {
		slices.SortFunc(pollAt, func(a, b time.Time) int { return a.Compare(b) })
		f.avg = float64(len(pollAt)) / max(pollAt[len(pollAt)-1].Sub(pollAt[0]).Seconds(), 1)
	}
	f.pollsPerDay = float64(len(pollAt)) / openDays
	f.callsPerDay = float64(calls) / openDays
	b.Logf("%d orders, %d completed, %d polls over %.1f simulated hours (%.0f order-days open); %d port calls",
		orders, len(notice), len(pollAt), f.simHours, openDays, calls)
	return f
}

func isPortCall(ep string) bool {
	return strings.Contains(ep, "/portin") || strings.HasSuffix(ep, telegent.PathNumbersOrder)
}

// BenchmarkPortCampaignMixed measures, in real time, what the polling
// budget leaves the rest of a migration: 1,000 port orders are open (from
// an earlier run) and every one of them wants a poll about every second,
// while the run provisions 150 new numbers, all under one client limit of
// 20 req/s. With the budget (share 0.2) polls are spread over the slots of
// 4 polls a second and the provisions take the rest; with a share of 1
// the polls may take the whole limit.
func BenchmarkPortCampaignMixed(b *testing.B) {
	for _, share := range []float64{0.2, 1} {
		b.Run(fmt.Sprintf("share=%g", share), func(b *testing.B) {
			for range b.N {
				prov, polls, other := benchMixed(b, 1000, 150, 20, share)
				b.ReportMetric(prov, "provisions/s")
				b.ReportMetric(polls, "polls/s")
				b.ReportMetric(other, "migration-req/s")
			}
		})
	}
}

func benchMixed(b *testing.B, orders, lines int, rps, share float64) (provPerSec, pollsPerSec, otherPerSec float64) {
	b.Helper()
	e := newEnv(b, sandbox.Options{PortStep: 1000 * time.Hour, Seed: 17})
	dir := filepath.Join(e.dir, "manifest")
	ports := [][]string{{"PortInNumber", "SubscriberId", "AccountId", "MessageRouteRef", "CurrentCarrierName",
		"CurrentAccountNumber", "CurrentAccountPassword", "SubscriberName", "BillingStreet1", "BillingCity", "BillingState", "BillingZip"}}
	for i := range orders {
		ports = append(ports, []string{fmt.Sprintf("+1801700%04d", i), docLegacySubscriberID, docLegacyAccountID, "sms",
			"Verizon Wireless", "555000111", "4321", "Legacy Subscriber", "1 Main St", "Provo", "UT", "84601"})
	}
	tables := map[string][][]string{
		"messageroutes.csv": {{"RouteRef", "AccountId", "RouteName", "MessageUrl"},
			{"sms", docLegacyAccountID, "Legacy SMS", "https://sms.legacy.example/in"}},
		"portins.csv": ports,
	}
	writeCSVTables(b, dir, tables)
	state := filepath.Join(e.dir, "run.db")
	// The orders open, fast: no limit.
	if _, err := e.run(context.Background(), loadPlan(b, dir), state, e.client(0), jobs.Options{Poll: 1000 * time.Hour}); err != nil {
		b.Fatal(err)
	}
	nums := [][]string{{"LineRef", "SubscriberId", "AccountId", "MessageRouteRef", "NumberType", "MessageType", "AreaCode", "ProductType"}}
	for i := range lines {
		nums = append(nums, []string{fmt.Sprintf("L%d", i), docLegacySubscriberID, docLegacyAccountID, "sms", "mvno", "p2p", "801", "Sms-Only"})
	}
	tables["numbers.csv"] = nums
	writeCSVTables(b, dir, tables)
	p := loadPlan(b, dir)

	var mu sync.Mutex
	var end time.Time
	var polls, all int
	var provDone []time.Time
	start := time.Now()
	c, err := telegent.New(telegent.Config{
		BaseURL: e.http.URL, AccountKey: sandbox.AccountKey, AccountSecret: sandbox.AccountSecret,
		Limiter: telegent.NewLimiter(rps, 1), BaseBackoff: 2 * time.Millisecond, MaxBackoff: 50 * time.Millisecond, MaxAttempts: 12,
		Observer: func(a telegent.Attempt) {
			mu.Lock()
			defer mu.Unlock()
			if !end.IsZero() {
				return
			}
			all++
			if a.Method == http.MethodGet && a.Path == telegent.PathNumbersOrder {
				polls++
			}
		},
	})
	if err != nil {
		b.Fatal(err)
	}
	s, err := checkpoint.Open(state, checkpoint.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	o := jobs.Options{MACKey: macKey, RPS: rps, PollShare: share, Poll: 2 * time.Second, Wait: time.Minute,
		OnEvent: func(ev jobs.Event) {
			if strings.HasSuffix(string(ev.Key), "/provision") && ev.State == checkpoint.Done {
				mu.Lock()
				provDone = append(provDone, time.Now())
				mu.Unlock()
			}
		}}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	o.OnEvent = func(f func(jobs.Event)) func(jobs.Event) {
		return func(ev jobs.Event) {
			f(ev)
			mu.Lock()
			done := len(provDone) == lines && end.IsZero()
			if done {
				end = time.Now()
			}
			mu.Unlock()
			if done {
				cancel() // the provisions are done: the figures are taken
			}
		}
	}(o.OnEvent)
	b.StartTimer()
	if _, err := jobs.New(p, c, s, o).Run(ctx); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	mu.Lock()
	defer mu.Unlock()
	if end.IsZero() {
		b.Fatalf("%d of %d provisions done", len(provDone), lines)
	}
	secs := end.Sub(start).Seconds()
	b.Logf("share %g: %d provisions in %.1fs, %d requests, %d of them polls", share, lines, secs, all, polls)
	return float64(lines) / secs, float64(polls) / secs, float64(all-polls) / secs
}

package jobs_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"telegent-bulk/checkpoint"
	"telegent-bulk/jobs"
	"telegent-bulk/plan"
	"telegent-bulk/samples/samplegen"
	"telegent-bulk/telegent"
	"telegent-bulk/telegent/sandbox"
)

// Benchmarks of whole runs against the sandbox on loopback. They measure;
// the figures go to the README (make bench-run, make bench-ports).

// benchFSType returns the type of the file system holding path ("ext4",
// "tmpfs", ...) from /proc/self/mounts, or "" where that is not available.
func benchFSType(path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		return ""
	}
	if p, err := filepath.EvalSymlinks(abs); err == nil {
		abs = p
	}
	f, err := os.Open("/proc/self/mounts")
	if err != nil {
		return ""
	}
	defer f.Close()
	best, typ := "", ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 3 {
			continue
		}
		mnt := strings.ReplaceAll(fields[1], `\040`, " ")
		if (abs == mnt || strings.HasPrefix(abs, strings.TrimSuffix(mnt, "/")+"/")) && len(mnt) >= len(best) {
			best, typ = mnt, fields[2]
		}
	}
	return typ
}

func benchInMemory(typ string) bool { return typ == "tmpfs" || typ == "ramfs" }

// benchStateDir returns a fresh directory for the checkpoint: on a real
// disk for "disk" (the temp dir, or the user's cache dir when the temp dir
// is a tmpfs), on /dev/shm for "tmpfs" (skipped when there is none).
func benchStateDir(b *testing.B, where string) string {
	b.Helper()
	var candidates []string
	switch where {
	case "disk":
		candidates = append(candidates, os.TempDir())
		if d, err := os.UserCacheDir(); err == nil {
			candidates = append(candidates, d)
		}
		if d, err := os.UserHomeDir(); err == nil {
			candidates = append(candidates, d)
		}
	case "tmpfs":
		candidates = []string{"/dev/shm"}
	}
	for _, c := range candidates {
		typ := benchFSType(c)
		if typ == "" && where == "tmpfs" {
			continue
		}
		if benchInMemory(typ) != (where == "tmpfs") {
			continue
		}
		if err := os.MkdirAll(c, 0o755); err != nil {
			continue
		}
		dir, err := os.MkdirTemp(c, "telegent-bulk-bench-")
		if err != nil {
			continue
		}
		b.Cleanup(func() { os.RemoveAll(dir) })
		b.Logf("state=%s: checkpoint in %s (%s)", where, dir, typ)
		return dir
	}
	b.Skipf("no %s directory found for the checkpoint", where)
	return ""
}

// benchMigrationRows is the size of the rate-limit benchmark's manifest.
const benchMigrationRows = 5000

// BenchmarkMigration runs a 5,000-row synthetic migration against a sandbox
// limited to rps requests/s with 50 ms of latency, the client limited to
// the same rate (burst 1), and reports how much of the limit the run uses
// and how often it is refused. rps=200 is the rate-limit figure; rps=500
// runs the checkpoint at the 500 steps/s of its target. state=disk and
// state=tmpfs put the checkpoint on a real disk and in memory: their wall
// times differ by what the checkpoint costs the run (disk-overhead-%).
func BenchmarkMigration(b *testing.B) {
	const latency = 50 * time.Millisecond
	dir := filepath.Join(b.TempDir(), "manifest")
	shape, err := samplegen.WriteSynthetic(dir, benchMigrationRows, "csv")
	if err != nil {
		b.Fatal(err)
	}
	p := loadPlan(b, dir)
	b.Logf("%d rows (%d numbers, %d port-ins), %d steps", shape.Total(), shape.Numbers, shape.PortIns, len(p.Steps))

	for _, rps := range []float64{200, 500} {
		// Enough workers to keep rps calls of 50±25 ms in flight.
		concurrency := int(rps*latency.Seconds()*1.6 + 0.5)
		wall := map[string]float64{} // mean wall seconds per state location
		b.Run(fmt.Sprintf("rps=%.0f", rps), func(b *testing.B) {
			for _, where := range []string{"disk", "tmpfs"} {
				b.Run("state="+where, func(b *testing.B) {
					stateDir := benchStateDir(b, where)
					var sumWall, sumCalls, sumThrottled, sumSteps float64
					for i := range b.N {
						b.StopTimer()
						e := newEnv(b, sandbox.Options{RPS: rps, Latency: latency, PortStep: time.Millisecond, Seed: int64(i + 1)})
						c := e.client(rps)
						state := filepath.Join(stateDir, fmt.Sprintf("run-%d.db", i))
						b.StartTimer()
						rep, err := e.run(context.Background(), p, state, c, jobs.Options{
							Concurrency: concurrency, Poll: 100 * time.Millisecond, Wait: time.Minute,
						})
						b.StopTimer()
						if err != nil {
							b.Fatal(err)
						}
						if rep.Totals.Done != rep.Totals.Steps {
							b.Fatalf("totals %+v: want every step done", rep.Totals)
						}
						sumWall += rep.Elapsed.Seconds()
						sumCalls += float64(e.attempts.Load())
						sumThrottled += float64(e.throttled.Load())
						sumSteps += float64(rep.Totals.Done)
						os.Remove(state)
					}
					w := sumWall / float64(b.N)
					wall[where] = w
					callsPerSec := sumCalls / sumWall
					b.ReportMetric(callsPerSec, "calls/s")
					b.ReportMetric(100*callsPerSec/rps, "util-%")
					b.ReportMetric(100*sumThrottled/max(sumCalls, 1), "429-%")
					b.ReportMetric(sumSteps/sumWall, "steps/s")
					b.ReportMetric(w, "wall-s")
					if d, ok := wall["disk"]; ok && where == "tmpfs" {
						// What the on-disk checkpoint adds to the run, as a
						// share of its wall time.
						b.ReportMetric(100*(d-w)/d, "disk-overhead-%")
					}
				})
			}
		})
	}
}

// BenchmarkPortCampaign runs the campaign of TestPortCampaign on a port
// clock that moves in real time, at several poll cadences relative to the
// port step: invocation 1 submits everything and follows it until every
// order completed or was rejected; the team fixes the fixable rows and
// cancels the hopeless ones; invocation 2 updates, cancels and follows
// again. It reports the wall time, the API calls, the calls per port
// against the floor (eligibility + submit + one poll per outcome to notice,
// Rejected or Completed + bind + subscription, plus the update or cancel
// where the row needs one) and
// how long the runner takes to notice a completed port (notice-ms), and
// how long invocation 1 takes to send its last submit (submit-s): polls of
// the orders already open share the rate limit with the submits to come.
func BenchmarkPortCampaign(b *testing.B) {
	const (
		portStep = 2 * time.Second
		rps      = 200
		latency  = 50 * time.Millisecond
	)
	for _, f := range []struct {
		name string
		mul  float64 // poll = mul × portStep
	}{
		{"poll=0.25step", 0.25},
		{"poll=0.5step", 0.5},
		{"poll=1step", 1},
		{"poll=2step", 2},
	} {
		b.Run(f.name, func(b *testing.B) {
			poll := time.Duration(f.mul * float64(portStep))
			var m benchCampaignFigures
			for i := range b.N {
				b.StopTimer()
				m.add(benchCampaign(b, portStep, poll, rps, latency, int64(i+1)))
			}
			m.report(b)
		})
	}
}

// benchCampaignFigures are one campaign's figures, or their sums.
type benchCampaignFigures struct {
	runs                           int
	wall                           float64 // seconds, both invocations
	calls, portCalls, floor, polls float64
	ports, submitted               float64
	notice, noticeMax              float64 // seconds from completion to the runner seeing it
	submitPhase                    float64 // seconds from the start of invocation 1 to its last submit
	noticed                        float64
	throttled                      float64
}

func (m *benchCampaignFigures) add(o benchCampaignFigures) {
	m.runs++
	m.wall += o.wall
	m.calls += o.calls
	m.portCalls += o.portCalls
	m.floor += o.floor
	m.polls += o.polls
	m.ports += o.ports
	m.submitted += o.submitted
	m.notice += o.notice
	m.noticed += o.noticed
	m.noticeMax = max(m.noticeMax, o.noticeMax)
	m.throttled += o.throttled
	m.submitPhase += o.submitPhase
}

func (m *benchCampaignFigures) report(b *testing.B) {
	n := float64(max(m.runs, 1))
	b.ReportMetric(m.wall/n, "wall-s")
	b.ReportMetric(m.submitPhase/n, "submit-s")
	b.ReportMetric(m.calls/n, "calls")
	b.ReportMetric(m.portCalls/m.ports, "calls/port")
	b.ReportMetric(m.floor/m.ports, "floor/port")
	b.ReportMetric(100*(m.portCalls-m.floor)/m.floor, "over-floor-%")
	b.ReportMetric(m.polls/m.submitted, "polls/port")
	b.ReportMetric(1000*m.notice/max(m.noticed, 1), "notice-ms")
	b.ReportMetric(1000*m.noticeMax, "notice-max-ms")
	b.ReportMetric(100*m.throttled/max(m.calls, 1), "429-%")
}

// benchPortEndpoints are the calls a port-in row makes. The inventory
// lookup is the fence before a submit (no answer is lost here, so nothing
// else looks the inventory up): it is above the floor.
var benchPortEndpoints = []string{
	"POST " + telegent.PathPortInEligibility, "GET " + telegent.PathNumbersInventory, "POST " + telegent.PathPortIn,
	"POST " + telegent.PathPortInUpdate, "POST " + telegent.PathPortInCancel, "GET " + telegent.PathNumbersOrder,
	"POST " + telegent.PathNumbersUpdate, "POST " + telegent.PathSubscriptions,
}

// benchCampaign runs the campaign once in a fresh sandbox and returns its
// figures.
func benchCampaign(b *testing.B, portStep, poll time.Duration, rps float64, latency time.Duration, seed int64) benchCampaignFigures {
	b.Helper()
	e := newEnv(b, sandbox.Options{RPS: rps, Latency: latency, PortStep: portStep, Seed: seed})
	c := newCampaign(b, filepath.Join(e.dir, "manifest"), 200)
	state := filepath.Join(e.dir, "run.db")

	noticed := map[string]time.Time{} // number -> when its monitor step was done
	var lastSubmit time.Time
	opts := jobs.Options{
		Concurrency: 16, Poll: poll, Wait: 20 * portStep,
		OnEvent: func(ev jobs.Event) {
			k := string(ev.Key)
			if ev.State != checkpoint.Done || !strings.HasPrefix(k, "portins/") {
				return
			}
			switch {
			case strings.HasSuffix(k, "/monitor"):
				noticed[strings.TrimSuffix(strings.TrimPrefix(k, "portins/"), "/monitor")] = time.Now()
			case strings.HasSuffix(k, "/submit"):
				lastSubmit = time.Now()
			}
		},
	}
	var fig benchCampaignFigures
	for inv := 1; inv <= 2; inv++ {
		if inv == 2 {
			for i := range c.ports {
				switch c.ports[i].kind {
				case campFixable:
					c.ports[i].fix()
				case campHopeless:
					c.ports[i].action = "cancel"
				}
			}
		}
		c.write(b)
		p := loadPlan(b, c.dir)
		start := time.Now()
		b.StartTimer()
		rep, err := e.run(context.Background(), p, state, e.client(rps), opts)
		b.StopTimer()
		if err != nil {
			b.Fatal(err)
		}
		fig.wall += rep.Elapsed.Seconds()
		if inv == 1 {
			// Polls share the rate limit with the submits still to send.
			fig.submitPhase = lastSubmit.Sub(start).Seconds()
		}
	}

	st := e.state()
	orders := campOrders(st)
	for _, p := range c.ports {
		fig.ports++
		switch p.kind {
		case campNotEligible:
			fig.floor++ // eligibility
			continue
		case campCompletes:
			fig.floor += 5 // eligibility, submit, a poll that sees Completed, bind, subscription
		case campFixable:
			fig.floor += 7 // as above, plus the poll that sees Rejected and the update
		case campHopeless:
			fig.floor += 4 // eligibility, submit, the poll that sees Rejected, cancel
		}
		fig.submitted++
		o := orders[p.number]
		if len(o) != 1 {
			b.Fatalf("%s: %d orders, want 1", p.number, len(o))
		}
		if p.kind == campHopeless {
			if o[0].OrderStatus != telegent.PortCancelled {
				b.Fatalf("%s: order %s, want Cancelled", p.number, o[0].OrderStatus)
			}
			continue
		}
		if o[0].OrderStatus != telegent.PortCompleted {
			b.Fatalf("%s: order %s, want Completed", p.number, o[0].OrderStatus)
		}
		done, err := time.Parse("2006-01-02T15:04:05.9999999-07:00", o[0].CompletedDate)
		seen, ok := noticed[p.number]
		if err != nil || !ok {
			b.Fatalf("%s: completed %q (%v), noticed %v", p.number, o[0].CompletedDate, err, ok)
		}
		lag := seen.Sub(done).Seconds()
		fig.notice += lag
		fig.noticed++
		fig.noticeMax = max(fig.noticeMax, lag)
	}
	requests := e.srv.Stats().Requests
	for _, ep := range benchPortEndpoints {
		for _, n := range requests[ep] {
			fig.portCalls += float64(n)
		}
	}
	for _, n := range requests["GET "+telegent.PathNumbersOrder] {
		fig.polls += float64(n)
	}
	fig.calls = float64(e.attempts.Load())
	fig.throttled = float64(e.throttled.Load())
	return fig
}

// BenchmarkFirstSubscription runs a 2,000-line synthetic migration holding
// 100 port-ins against a sandbox with 100 ms of latency and reports how
// soon the first account and the first subscription are created, and the
// first subscription's time as a multiple of its dependency depth (the
// steps on its longest chain of dependencies, itself included) times the
// latency: 1 is the floor, a run that starts nothing but that chain. The
// client is limited to a fixed rate with the CLI's default workers for it
// (rate × 0.25 s, at least 4): rps=20 is the CLI's --rps default, rps=200
// a high fixed rate. share= is Options.PortShare. The run is interrupted
// once the first subscription is done.
func BenchmarkFirstSubscription(b *testing.B) {
	const latency = 100 * time.Millisecond
	dir := filepath.Join(b.TempDir(), "manifest")
	shape, err := samplegen.WriteSynthetic(dir, 2000, "csv")
	if err != nil {
		b.Fatal(err)
	}
	p := loadPlan(b, dir)
	b.Logf("%d rows (%d port-ins), %d steps", shape.Total(), shape.PortIns, len(p.Steps))
	depth := make(map[string]int, len(p.Steps)) // step key -> steps on its longest dependency chain
	depths := make([]int, len(p.Steps))
	for i := range p.Steps { // dependencies come first
		d := 0
		for _, dep := range p.Deps(plan.StepID(i)) {
			d = max(d, depths[dep])
		}
		depths[i] = d + 1
		depth[string(p.Key(plan.StepID(i)))] = d + 1
	}
	type config struct {
		rps     float64 // 0: --rps auto, the CLI's default (up to --max-rps 2,000, 250 workers)
		workers int     // 0: the CLI's default for rps
		share   float64
	}
	configs := []config{{rps: 0, workers: 250, share: 0.5}}
	for _, rps := range []float64{20, 200} {
		for _, share := range []float64{0.25, 0.5, 0.75} {
			configs = append(configs, config{rps: rps, share: share})
		}
	}
	// As many workers as the rate keeps busy at this latency: no call
	// waits in the client's limiter behind others started earlier.
	configs = append(configs, config{rps: 200, workers: 20, share: 0.5})
	for _, cf := range configs {
		rps, share, workers := cf.rps, cf.share, cf.workers
		name := fmt.Sprintf("rps=%.0f/share=%.2f", rps, share)
		if rps == 0 {
			name = "defaults/rps=auto"
		}
		if workers == 0 {
			workers = max(4, int(rps*0.25+0.5))
		} else if rps > 0 {
			name += fmt.Sprintf("/workers=%d", workers)
		}
		b.Run(name, func(b *testing.B) {
			var firstAccount, firstSub, ratio, checks float64
			for i := range b.N {
				b.StopTimer()
				e := newEnv(b, sandbox.Options{Latency: latency, PortStep: 2 * time.Second, Seed: int64(i + 1)})
				ctx, cancel := context.WithCancel(context.Background())
				var acct, sub time.Duration
				var subDepth int
				start := time.Now()
				opts := jobs.Options{
					Concurrency: workers, PortShare: share, Poll: time.Second, Drain: time.Second,
					OnEvent: func(ev jobs.Event) {
						if ev.State != checkpoint.Done {
							return
						}
						k := string(ev.Key)
						switch {
						case acct == 0 && strings.HasPrefix(k, "accounts/"):
							acct = time.Since(start)
						case sub == 0 && strings.HasSuffix(k, "/subscription"):
							sub, subDepth = time.Since(start), depth[k]
							cancel()
						}
					},
				}
				b.StartTimer()
				c := e.client(rps)
				if rps == 0 {
					// As the CLI runs: its checks take a token for every
					// endpoint the plan calls before the run starts.
					c = e.clientWith(e.http.URL, telegent.NewAutoLimiter(2000, 1))
					t0 := time.Now()
					jobs.Preflight(ctx, p, c, e.http.URL, 5*time.Second)
					checks += time.Since(t0).Seconds()
					start = time.Now()
				}
				_, err := e.run(ctx, p, filepath.Join(e.dir, "run.db"), c, opts)
				b.StopTimer()
				cancel()
				if err != nil {
					b.Fatal(err)
				}
				if sub == 0 {
					b.Fatal("no subscription was created")
				}
				firstAccount += acct.Seconds()
				firstSub += sub.Seconds()
				ratio += sub.Seconds() / (float64(subDepth) * latency.Seconds())
			}
			n := float64(b.N)
			b.ReportMetric(1000*firstAccount/n, "first-account-ms")
			b.ReportMetric(1000*firstSub/n, "first-subscription-ms")
			b.ReportMetric(ratio/n, "×depth×latency")
			if rps == 0 {
				b.ReportMetric(1000*checks/n, "checks-before-ms")
			}
		})
	}
}

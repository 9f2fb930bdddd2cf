package telegent_test

import (
	"flag"
	"fmt"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"telegent-bulk/telegent"
	"telegent-bulk/telegent/sandbox"
)

// rateLimitSeconds is how many seconds' worth of calls (at the sandbox's
// limit) each BenchmarkRateLimit case makes.
var rateLimitSeconds = flag.Int("ratelimit.seconds", 30, "seconds of calls per BenchmarkRateLimit case")

// warmUp is the start of a run left out of the rate measured: the time an
// automatic limiter takes to find the server's rate.
const warmUp = 10 * time.Second

// BenchmarkRateLimit drives a sandbox limited to N requests a second (a
// token bucket with a tenth of a second's burst, 2 ms latency) from 32
// workers sharing one client, for -ratelimit.seconds (30) seconds' worth of
// calls, and reports:
//
//   - req/s and util%: the rate of answered calls after the first 10 s,
//     and its share of N;
//   - all-util%: the same over the whole run;
//   - 429%: the share of all attempts the sandbox refused.
//
// The cases:
//
//   - auto: the client's default, --rps auto (a limiter from 20 a second up
//     to 2,000), against N = 50, 200 and 1,000;
//   - fixed: the client given the sandbox's rate, N = 200 and 1,000;
//   - busy: --rps auto against N = 50 with 5% of requests refused at random
//     (the sandbox's BusyRate);
//   - stall: --rps auto against N = 200 and 1,000, with the sandbox stalled
//     for 0.2 s (Server.Stall) 15 s into the run; recovery-s is the time
//     from the stall's start to the end of the first whole second after it
//     with at least 97% of N answered.
//
// Run with:
//
//	go test -run '^$' -bench RateLimit -benchtime 1x ./telegent/
func BenchmarkRateLimit(b *testing.B) {
	for _, tc := range []struct {
		kind string
		n    int
	}{
		{"auto", 50}, {"auto", 200}, {"auto", 1000},
		{"fixed", 200}, {"fixed", 1000},
		{"busy", 50},
		{"stall", 200}, {"stall", 1000},
	} {
		b.Run(fmt.Sprintf("%s/limit=%d", tc.kind, tc.n), func(b *testing.B) {
			benchRateLimit(b, tc.kind, tc.n)
		})
	}
}

func benchRateLimit(b *testing.B, kind string, n int) {
	const workers = 32
	opts := sandbox.Options{RPS: float64(n), Latency: 2 * time.Millisecond, Seed: 1}
	if kind == "busy" {
		opts.BusyRate = 0.05
	}
	srv, err := sandbox.New(opts)
	if err != nil {
		b.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	defer func() {
		hs.Close()
		_ = srv.Close()
	}()
	lim := telegent.NewAutoLimiter(2000, 1)
	if kind == "fixed" {
		lim = telegent.NewLimiter(float64(n), 1)
	}
	var attempts, throttled atomic.Int64
	c, err := telegent.New(telegent.Config{
		BaseURL:       hs.URL,
		AccountKey:    sandbox.AccountKey,
		AccountSecret: sandbox.AccountSecret,
		Limiter:       lim,
		Observer: func(a telegent.Attempt) {
			attempts.Add(1)
			if a.Status == 429 {
				throttled.Add(1)
			}
		},
	})
	if err != nil {
		b.Fatal(err)
	}
	ctx := b.Context()
	calls := *rateLimitSeconds * n
	stallAt := 15 * time.Second

	var failed atomic.Int64
	var mu sync.Mutex
	var answered []time.Duration // since start
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		if kind == "stall" {
			t := time.AfterFunc(stallAt, func() { srv.Stall(200 * time.Millisecond) })
			defer t.Stop()
		}
		var left atomic.Int64
		left.Store(int64(calls))
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				for left.Add(-1) >= 0 {
					if _, err := c.Packages(ctx); err != nil {
						failed.Add(1)
						continue
					}
					at := time.Since(start)
					mu.Lock()
					answered = append(answered, at)
					mu.Unlock()
				}
			})
		}
		wg.Wait()
	}
	elapsed := time.Since(start)
	b.StopTimer()

	if f := failed.Load(); f > 0 {
		b.Errorf("%d calls failed", f)
	}
	after := 0
	for _, at := range answered {
		if at >= warmUp {
			after++
		}
	}
	achieved := float64(after) / (elapsed - warmUp).Seconds()
	b.ReportMetric(achieved, "req/s")
	b.ReportMetric(100*achieved/float64(n), "util%")
	b.ReportMetric(100*float64(len(answered))/elapsed.Seconds()/float64(n), "all-util%")
	b.ReportMetric(100*float64(throttled.Load())/float64(max(1, attempts.Load())), "429%")
	if kind == "stall" {
		b.ReportMetric(recovery(answered, stallAt, stallAt+200*time.Millisecond, elapsed, float64(n)).Seconds(), "recovery-s")
	}
}

// recovery returns how long after from the first whole second starting at
// or after after ends with at least 97% of n calls answered in it (-1 s:
// never).
func recovery(answered []time.Duration, from, after, end time.Duration, n float64) time.Duration {
	for stop := after + time.Second; stop <= end; stop += 10 * time.Millisecond {
		count := 0
		for _, at := range answered {
			if at >= stop-time.Second && at < stop {
				count++
			}
		}
		if float64(count) >= 0.97*n {
			return stop - from
		}
	}
	return -time.Second
}

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

// BenchmarkRateLimit drives a sandbox limited to N requests a second (a
// token bucket with a tenth of a second's burst) with a client limited to
// the same N (burst 1) from 32 workers, for -ratelimit.seconds (30) seconds'
// worth of calls, and reports the rate achieved, its share of N and the
// share of attempts the sandbox refused with 429. The over=2x cases give the
// client twice the sandbox's rate, to show the limiter finding the server's
// rate when it was configured too high.
//
//	go test -run '^$' -bench RateLimit -benchtime 1x ./telegent/
func BenchmarkRateLimit(b *testing.B) {
	for _, tc := range []struct {
		n    int
		over float64
	}{{50, 1}, {200, 1}, {50, 2}, {200, 2}} {
		name := fmt.Sprintf("rps=%d", tc.n)
		if tc.over != 1 {
			name += fmt.Sprintf("/over=%gx", tc.over)
		}
		b.Run(name, func(b *testing.B) {
			benchRateLimit(b, tc.n, tc.over)
		})
	}
}

func benchRateLimit(b *testing.B, n int, over float64) {
	const workers = 32
	srv, err := sandbox.New(sandbox.Options{RPS: float64(n), Latency: 2 * time.Millisecond, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	defer func() {
		hs.Close()
		_ = srv.Close()
	}()

	var attempts, throttled atomic.Int64
	c, err := telegent.New(telegent.Config{
		BaseURL:       hs.URL,
		AccountKey:    sandbox.AccountKey,
		AccountSecret: sandbox.AccountSecret,
		Limiter:       telegent.NewLimiter(over*float64(n), 1),
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

	var failed atomic.Int64
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		var left atomic.Int64
		left.Store(int64(calls))
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				for left.Add(-1) >= 0 {
					if _, err := c.Packages(ctx); err != nil {
						failed.Add(1)
					}
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
	achieved := float64(calls*b.N) / elapsed.Seconds()
	b.ReportMetric(achieved, "req/s")
	b.ReportMetric(100*achieved/float64(n), "util%")
	b.ReportMetric(100*float64(throttled.Load())/float64(max(1, attempts.Load())), "429%")
}

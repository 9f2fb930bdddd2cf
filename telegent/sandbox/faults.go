package sandbox

import (
	"context"
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// faults draws the sandbox's hostility: injected failures, lost responses
// and latency jitter. It has its own generator and lock so that a fault
// decision never waits for the state lock, and so that, for a fixed seed,
// the sequence of decisions is reproducible.
type faults struct {
	mu       sync.Mutex
	rnd      *rand.Rand
	failRate float64
	loseRate float64
	busyRate float64

	loseFirst int            // the first answers of each path to lose, whatever loseRate says
	lostFirst map[string]int // how many of them were lost, by path
}

func (f *faults) init(seed1, seed2 uint64, failRate, loseRate, busyRate float64) {
	f.rnd = rand.New(rand.NewPCG(seed1, seed2))
	f.failRate, f.loseRate, f.busyRate = failRate, loseRate, busyRate
}

// busy tells whether to answer 429 regardless of the rate limit.
func (f *faults) busy() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.busyRate > 0 && f.rnd.Float64() < f.busyRate
}

func (f *faults) set(failRate, loseRate float64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failRate, f.loseRate = failRate, loseRate
}

func (f *faults) setBusy(busyRate float64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.busyRate = busyRate
}

var failureCodes = [...]int{http.StatusInternalServerError, http.StatusServiceUnavailable, http.StatusGatewayTimeout}

// failure returns the status of an injected failure, or 0 for none.
func (f *faults) failure() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failRate == 0 || f.rnd.Float64() >= f.failRate {
		return 0
	}
	return failureCodes[f.rnd.IntN(len(failureCodes))]
}

type loss int

const (
	keep loss = iota
	dropConnection
	gatewayTimeout
)

// loss decides whether the answer to a committed change of path is lost,
// and how.
func (f *faults) loss(path string) loss {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.lostFirst[path] < f.loseFirst {
		if f.lostFirst == nil {
			f.lostFirst = map[string]int{}
		}
		f.lostFirst[path]++
		return loss(1 + f.lostFirst[path]%2) // one way, then the other
	}
	if f.loseRate == 0 || f.rnd.Float64() >= f.loseRate {
		return keep
	}
	if f.rnd.IntN(2) == 0 {
		return dropConnection
	}
	return gatewayTimeout
}

// jitter returns mean scaled by a uniform factor in [0.5, 1.5).
func (f *faults) jitter(mean time.Duration) time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return time.Duration(float64(mean) * (0.5 + f.rnd.Float64()))
}

// throttle takes a token from the rate limiter. When none is left it
// returns a 429 with Retry-After (whole seconds, at least 1) and false.
func (s *Server) throttle() (reply, bool) {
	if s.faults.busy() {
		return errorReply(&apiError{status: http.StatusTooManyRequests, msg: "too many requests: rate limit exceeded"}).
			with("Retry-After", "1"), false
	}
	if s.limiter == nil {
		return reply{}, true
	}
	now := s.realNow()
	if s.limiter.AllowN(now, 1) {
		return reply{}, true
	}
	missing := 1 - s.limiter.TokensAt(now)
	wait := math.Max(1, math.Ceil(missing/float64(s.limiter.Limit())))
	return errorReply(&apiError{status: http.StatusTooManyRequests, msg: "too many requests: rate limit exceeded"}).
		with("Retry-After", strconv.Itoa(int(wait))), false
}

// delay sleeps for the jittered latency, or until the client goes away.
func (s *Server) delay(ctx context.Context) {
	if s.latency <= 0 {
		return
	}
	t := time.NewTimer(s.faults.jitter(s.latency))
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// lostReply loses the answer to a committed change: a dropped connection,
// or a 504.
func lostReply(how loss) reply {
	if how == dropConnection {
		return reply{drop: true}
	}
	return errorReply(errGatewayTimeout)
}

var errGatewayTimeout = &apiError{status: http.StatusGatewayTimeout, msg: "gateway timeout: an upstream service did not respond in time"}

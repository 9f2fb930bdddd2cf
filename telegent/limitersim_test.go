package telegent

import (
	"container/heap"
	"math/rand/v2"
	"time"

	"golang.org/x/time/rate"
)

// The simulation drives a Limiter in virtual time against a server that
// refuses with 429 past n requests a second (a token bucket with a burst of
// a tenth of a second's worth), the way the sandbox does, with a pool of
// workers that each make calls one after another, as the client does: a
// refused call waits its Retry-After (one second) before it is sent again.
// Attempts queue for the limiter in order, and only the first in line
// books a turn, as Wait does. The server may also refuse a share of
// requests whatever the rate (busy), and stall: hold every request that
// reaches it for a while, then let them all reach its bucket at once.

type simConfig struct {
	n       float64 // the server's limit
	clientN float64 // the rate given to a fixed limiter; 0: automatic, with ceiling auto
	auto    float64
	workers int
	calls   int           // calls to make (each answered once)
	latency time.Duration // mean server time of an answered call (jittered ±50%)
	jitter  time.Duration // mean network delay between the send and the server (exponential)
	busy    float64       // share of requests refused whatever the rate
	stallAt time.Duration // when the server stalls (0: never) ...
	stall   time.Duration // ... and for how long
	seed    uint64
}

type simResult struct {
	elapsed   time.Duration
	attempts  int
	throttled int
	answered  []time.Duration // when each call was answered, since the start
}

func (r simResult) rate(calls int) float64 { return float64(calls) / r.elapsed.Seconds() }

// rateAfter is the rate of answered calls from skip to the last answer.
func (r simResult) rateAfter(skip time.Duration) float64 {
	n := 0
	for _, at := range r.answered {
		if at >= skip {
			n++
		}
	}
	return float64(n) / (r.elapsed - skip).Seconds()
}

// recovery returns how long after from the first whole second that starts
// at or after after ends with at least share of n calls answered in it
// (-1: never).
func (r simResult) recovery(from, after time.Duration, n, share float64) time.Duration {
	for end := after + time.Second; end <= r.elapsed; end += 10 * time.Millisecond {
		count := 0
		for _, at := range r.answered {
			if at >= end-time.Second && at < end {
				count++
			}
		}
		if float64(count) >= share*n {
			return end - from
		}
	}
	return -1
}

type simEvent struct {
	at     time.Time
	seq    int
	worker int
	kind   int // see simulate
	ok     bool
	sent   time.Time
	gen    <-chan struct{}
	res    *rate.Reservation
	dead   bool
}

type simQueue []*simEvent

func (q simQueue) Len() int { return len(q) }
func (q simQueue) Less(i, j int) bool {
	if q[i].at.Equal(q[j].at) {
		return q[i].seq < q[j].seq
	}
	return q[i].at.Before(q[j].at)
}
func (q simQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *simQueue) Push(x any)   { *q = append(*q, x.(*simEvent)) }
func (q *simQueue) Pop() (x any) { x, *q = (*q)[len(*q)-1], (*q)[:len(*q)-1]; return x }
func closedChan(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// The kinds of simulation events.
const (
	simAsk    = iota // a worker wants to send an attempt
	simTurn          // the turn of the attempt first in line comes (or a pause ends)
	simArrive        // the attempt reaches the server
	simAnswer        // its answer reaches the client
)

type sim struct {
	cfg      simConfig
	rnd      *rand.Rand
	t0, now  time.Time
	l        *Limiter
	q        simQueue
	seq      int
	line     []int     // workers waiting for the limiter, in order
	head     *simEvent // the pending turn of line[0]
	tokens   float64
	last     time.Time
	left     int
	retrying map[int]bool
	res      simResult
}

func (s *sim) push(e *simEvent) { s.seq++; e.seq = s.seq; heap.Push(&s.q, e) }

// allow takes a token from the server's bucket.
func (s *sim) allow(at time.Time) bool {
	burst := max(1, s.cfg.n/10)
	s.tokens = min(burst, s.tokens+at.Sub(s.last).Seconds()*s.cfg.n)
	s.last = at
	if s.tokens >= 1 {
		s.tokens--
		return true
	}
	return false
}

// book books a turn for the worker first in line, if any and none is booked.
func (s *sim) book() {
	if s.head != nil || len(s.line) == 0 {
		return
	}
	wait, res, gen := s.l.book(s.now)
	e := &simEvent{at: s.now.Add(max(0, wait)), worker: s.line[0], kind: simTurn, gen: gen, res: res}
	s.head = e
	s.push(e)
}

func simulate(cfg simConfig) simResult {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := &sim{cfg: cfg, rnd: rand.New(rand.NewPCG(cfg.seed, cfg.seed^0x9e37)), t0: t0, now: t0,
		last: t0, left: cfg.calls, retrying: map[int]bool{}}
	s.tokens = max(1, cfg.n/10)
	if cfg.clientN > 0 {
		s.l = NewLimiter(cfg.clientN, 1)
	} else {
		s.l = NewAutoLimiter(cfg.auto, 1)
	}
	s.l.now = func() time.Time { return s.now }
	for w := range cfg.workers {
		s.push(&simEvent{at: t0, worker: w, kind: simAsk})
	}
	for s.q.Len() > 0 {
		e := heap.Pop(&s.q).(*simEvent)
		s.now = e.at
		s.step(e)
	}
	return s.res
}

func (s *sim) step(e *simEvent) {
	switch e.kind {
	case simAsk:
		if !s.retrying[e.worker] {
			if s.left <= 0 {
				return
			}
			s.left--
		}
		s.line = append(s.line, e.worker)
		s.book()
	case simTurn:
		if e.dead {
			return
		}
		s.head = nil
		if e.res == nil { // a pause ended
			s.book()
			return
		}
		s.line = s.line[1:]
		arrive := s.now
		if s.cfg.jitter > 0 {
			arrive = arrive.Add(time.Duration(s.rnd.ExpFloat64() * float64(s.cfg.jitter)))
		}
		s.res.attempts++
		s.push(&simEvent{at: arrive, worker: e.worker, kind: simArrive, sent: s.now})
		s.book()
	case simArrive:
		s.arrive(e)
	case simAnswer:
		s.answer(e)
	}
}

// arrive serves an attempt that reaches the server.
func (s *sim) arrive(e *simEvent) {
	if s.cfg.stall > 0 {
		start := s.t0.Add(s.cfg.stallAt)
		if end := start.Add(s.cfg.stall); !s.now.Before(start) && s.now.Before(end) {
			e.at = end // held until the server resumes
			s.push(e)
			return
		}
	}
	ok := s.rnd.Float64() >= s.cfg.busy && s.allow(s.now)
	at := s.now.Add(200 * time.Microsecond)
	if ok {
		at = s.now.Add(time.Duration(float64(s.cfg.latency) * (0.5 + s.rnd.Float64())))
	}
	s.push(&simEvent{at: at, worker: e.worker, kind: simAnswer, ok: ok, sent: e.sent})
}

// answer hands an answer to the client.
func (s *sim) answer(e *simEvent) {
	if e.ok {
		s.l.succeeded(e.sent)
		s.res.elapsed = s.now.Sub(s.t0)
		s.res.answered = append(s.res.answered, s.res.elapsed)
		s.retrying[e.worker] = false
		s.push(&simEvent{at: s.now, worker: e.worker, kind: simAsk})
	} else {
		s.res.throttled++
		s.l.throttled(e.sent, time.Second)
		s.retrying[e.worker] = true
		s.push(&simEvent{at: s.now.Add(time.Second), worker: e.worker, kind: simAsk})
	}
	// The attempt first in line books again if the schedule changed.
	if h := s.head; h != nil && closedChan(h.gen) {
		h.dead = true
		s.head = nil
		s.l.cancel(h.res)
		s.book()
	}
}

package telegent

import (
	"container/heap"
	"math/rand/v2"
	"time"
)

// The simulation drives a Limiter in virtual time against a server that
// refuses with 429 past n requests a second (a token bucket with a burst of
// a tenth of a second's worth), the way the sandbox does, with a pool of
// workers that each make calls one after another, as the client does: a
// refused call waits its Retry-After (one second) before it is sent again.

type simConfig struct {
	n       float64 // the server's limit
	clientN float64 // the rate given to the limiter
	workers int
	calls   int           // calls to make (each answered once)
	latency time.Duration // mean server time of an answered call (jittered ±50%)
	jitter  time.Duration // mean network delay between the send and the server (exponential)
	seed    uint64
}

type simResult struct {
	elapsed   time.Duration
	attempts  int
	throttled int
}

func (r simResult) rate(calls int) float64 { return float64(calls) / r.elapsed.Seconds() }

type simEvent struct {
	at     time.Time
	seq    int
	worker int
	kind   int // 0: ask the limiter, 1: slot reached (the attempt leaves), 3: it reaches the server, 2: its answer arrives
	ok     bool
	sent   time.Time
	gen    chan struct{}
	dead   bool
	retry  bool // asking again for the same call
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
func closedChan(c chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

func simulate(cfg simConfig) simResult {
	rnd := rand.New(rand.NewPCG(cfg.seed, cfg.seed^0x9e37))
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	now := t0
	l := NewLimiter(cfg.clientN, 1)
	l.now = func() time.Time { return now }

	// The server's token bucket.
	burst := max(1, cfg.n/10)
	tokens, last := burst, t0
	allow := func(at time.Time) bool {
		tokens = min(burst, tokens+at.Sub(last).Seconds()*cfg.n)
		last = at
		if tokens >= 1 {
			tokens--
			return true
		}
		return false
	}

	var q simQueue
	waiting := map[int]*simEvent{}
	seq := 0
	push := func(e *simEvent) { seq++; e.seq = seq; heap.Push(&q, e) }
	for w := range cfg.workers {
		push(&simEvent{at: t0, worker: w, kind: 0})
	}
	left := cfg.calls
	var res simResult
	for q.Len() > 0 {
		e := heap.Pop(&q).(*simEvent)
		now = e.at
		switch e.kind {
		case 0: // a worker starts a call, or asks again for a refused one
			if !e.retry {
				if left <= 0 {
					continue
				}
				left--
			}
			l.mu.Lock()
			start := l.slot(now)
			l.take(start)
			gen := l.changed
			l.mu.Unlock()
			se := &simEvent{at: start, worker: e.worker, kind: 1, gen: gen}
			waiting[e.worker] = se
			push(se)
		case 1: // the slot is reached
			if e.dead {
				continue
			}
			delete(waiting, e.worker)
			// The attempt leaves now (what the limiter knows as its send
			// time) and reaches the server after the network's jitter.
			arrive := now
			if cfg.jitter > 0 {
				arrive = arrive.Add(time.Duration(rnd.ExpFloat64() * float64(cfg.jitter)))
			}
			res.attempts++
			push(&simEvent{at: arrive, worker: e.worker, kind: 3, sent: now})
		case 3: // the attempt reaches the server, in arrival order
			ok := allow(now)
			at := now.Add(200 * time.Microsecond)
			if ok {
				at = now.Add(time.Duration(float64(cfg.latency) * (0.5 + rnd.Float64())))
			}
			push(&simEvent{at: at, worker: e.worker, kind: 2, ok: ok, sent: e.sent})
		case 2:
			if e.ok {
				l.succeeded(e.sent)
				res.elapsed = now.Sub(t0)
				push(&simEvent{at: now, worker: e.worker, kind: 0})
			} else {
				res.throttled++
				l.throttled(e.sent, time.Second)
				push(&simEvent{at: now.Add(time.Second), worker: e.worker, kind: 0, retry: true})
				// Waiting workers whose schedule changed take a new turn now.
				for w, se := range waiting {
					if closedChan(se.gen) {
						se.dead = true
						delete(waiting, w)
						push(&simEvent{at: now, worker: w, kind: 0, retry: true})
					}
				}
			}
		}
	}
	return res
}

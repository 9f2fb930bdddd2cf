package sandbox

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// stall holds the API's requests and answers while the sandbox is stalled
// (see Server.Stall).
type stall struct {
	mu      sync.Mutex
	until   time.Time
	changed chan struct{} // closed (and replaced) when until changes
	held    atomic.Int64  // requests waiting (for tests)
}

func (st *stall) set(until time.Time) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.until = until
	if st.changed != nil {
		close(st.changed)
	}
	st.changed = make(chan struct{})
}

// wait returns when no stall is in force, or when ctx is done.
func (st *stall) wait(ctx context.Context) {
	for {
		st.mu.Lock()
		until, changed := st.until, st.changed
		st.mu.Unlock()
		d := time.Until(until)
		if d <= 0 {
			return
		}
		st.held.Add(1)
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-changed:
			t.Stop()
		case <-ctx.Done():
			t.Stop()
		}
		st.held.Add(-1)
		if ctx.Err() != nil {
			return
		}
	}
}

// Stall makes the sandbox answer nothing for d, as a server process that is
// paused (SIGSTOP) for d behind a load balancer or a plain listener: the
// connections are accepted and the requests wait, unread; the answers
// being worked on are not written. When the stall ends, every request that
// arrived meanwhile reaches the rate limit (Options.RPS) at the same
// moment, so that past the limit's burst they are refused with 429, and
// the answers held are written. Stall(0) ends a stall at once. Only /v1.0/
// requests are held; /_sandbox/ stays live.
func (s *Server) Stall(d time.Duration) {
	s.stall.set(time.Now().Add(max(0, d)))
}

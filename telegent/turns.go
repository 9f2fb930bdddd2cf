package telegent

import (
	"container/heap"
	"context"
	"sync"
)

// priorityKey is the context key of an attempt's priority.
type priorityKey struct{}

// WithPriority returns a context whose calls wait for the Limiter in the
// order of prio: while attempts queue for their turn, the one with the
// lowest prio goes first (equal priorities in the order they asked). A
// caller that runs many steps at once gives each step's calls the rank of
// the work it serves, so that the work that finishes something (the next
// step of the first lines) is not queued behind work started later. A
// context without one has priority 0.
func WithPriority(ctx context.Context, prio int64) context.Context {
	return context.WithValue(ctx, priorityKey{}, prio)
}

// priorityOf returns the priority WithPriority gave ctx.
func priorityOf(ctx context.Context) int64 {
	p, _ := ctx.Value(priorityKey{}).(int64)
	return p
}

// turns hands the turn to start an attempt to one waiter at a time, the
// waiter of lowest priority first.
type turns struct {
	mu      sync.Mutex
	held    bool
	seq     uint64
	waiting waiters
}

// waiter is an attempt waiting for its turn.
type waiter struct {
	prio  int64
	seq   uint64
	ready chan struct{} // closed when the turn is handed to it
	index int           // in the heap; -1 once handed the turn
}

// acquire waits for the turn, or until ctx is done.
func (t *turns) acquire(ctx context.Context) error {
	t.mu.Lock()
	if !t.held && len(t.waiting) == 0 {
		t.held = true
		t.mu.Unlock()
		return nil
	}
	t.seq++
	w := &waiter{prio: priorityOf(ctx), seq: t.seq, ready: make(chan struct{})}
	heap.Push(&t.waiting, w)
	t.mu.Unlock()
	select {
	case <-w.ready:
		return nil
	case <-ctx.Done():
	}
	t.mu.Lock()
	if w.index >= 0 {
		heap.Remove(&t.waiting, w.index)
		t.mu.Unlock()
		return ctx.Err()
	}
	t.mu.Unlock()
	t.release() // handed the turn as ctx ended: pass it on
	return ctx.Err()
}

// release hands the turn to the next waiter, if any.
func (t *turns) release() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.waiting) == 0 {
		t.held = false
		return
	}
	w := heap.Pop(&t.waiting).(*waiter)
	close(w.ready)
}

// waiters is a heap of waiters, the lowest priority (then the earliest)
// on top.
type waiters []*waiter

func (h waiters) Len() int { return len(h) }
func (h waiters) Less(i, j int) bool {
	if h[i].prio != h[j].prio {
		return h[i].prio < h[j].prio
	}
	return h[i].seq < h[j].seq
}
func (h waiters) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}
func (h *waiters) Push(x any) {
	w := x.(*waiter)
	w.index = len(*h)
	*h = append(*h, w)
}
func (h *waiters) Pop() any {
	old := *h
	w := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	w.index = -1
	return w
}

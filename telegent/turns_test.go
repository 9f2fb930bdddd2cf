package telegent

import (
	"context"
	"runtime"
	"testing"
)

// TestTurnsByPriority: while one attempt holds the turn, waiters get it
// lowest priority first, equal priorities in the order they asked; a
// waiter whose context ends leaves the line without taking a turn.
func TestTurnsByPriority(t *testing.T) {
	var q turns
	if err := q.acquire(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := make(chan int64, 8)
	queued := func() int {
		q.mu.Lock()
		defer q.mu.Unlock()
		return len(q.waiting)
	}
	gone, leave := context.WithCancel(context.Background())
	prios := []int64{5, 1, 3, 1, 9}
	for i, p := range prios {
		ctx := WithPriority(context.Background(), p)
		if i == 2 {
			ctx = WithPriority(gone, p)
		}
		go func() {
			if q.acquire(ctx) != nil {
				return
			}
			got <- p
			q.release()
		}()
		waitUntil(t, func() bool { return queued() == i+1 })
	}
	leave()
	waitUntil(t, func() bool { return queued() == len(prios)-1 })
	q.release()
	var order []int64
	for range len(prios) - 1 {
		order = append(order, <-got)
	}
	want := []int64{1, 1, 5, 9}
	for i := range want {
		if order[i] != want[i] {
			t.Fatalf("turns taken in order %v, want %v", order, want)
		}
	}
}

// waitUntil yields until cond holds, a bounded number of times.
func waitUntil(t *testing.T, cond func() bool) {
	t.Helper()
	for range 10_000_000 {
		if cond() {
			return
		}
		runtime.Gosched()
	}
	t.Fatal("the waiters never queued")
}

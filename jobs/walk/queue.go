package walk

import "time"

// heap is a binary min-heap of entries ordered by their before method.
// Typed: container/heap would box every entry.
type heap[E interface{ before(E) bool }] []E

func (h *heap[E]) push(e E) {
	*h = append(*h, e)
	s := *h
	for k := len(s) - 1; k > 0; {
		p := (k - 1) / 2
		if !s[k].before(s[p]) {
			break
		}
		s[k], s[p] = s[p], s[k]
		k = p
	}
}

// pop removes and returns the first entry; the heap must not be empty.
func (h *heap[E]) pop() E {
	s := *h
	top := s[0]
	last := len(s) - 1
	s[0] = s[last]
	s = s[:last]
	for k := 0; ; {
		c := 2*k + 1
		if c >= len(s) {
			break
		}
		if c+1 < len(s) && s[c+1].before(s[c]) {
			c++
		}
		if !s[c].before(s[k]) {
			break
		}
		s[k], s[c] = s[c], s[k]
		k = c
	}
	*h = s
	return top
}

// readyEntry is a ready node: higher priority first, then lower ID.
type readyEntry struct {
	prio int64
	id   int32
}

//lint:ignore U1000 used through heap's type constraint, which staticcheck does not follow
func (e readyEntry) before(f readyEntry) bool {
	return e.prio > f.prio || (e.prio == f.prio && e.id < f.id)
}

// timerEntry is a deferred node: earlier due time first, then the order
// nodes were deferred in.
type timerEntry struct {
	due time.Time
	seq uint64
	id  int32
}

//lint:ignore U1000 used through heap's type constraint, which staticcheck does not follow
func (e timerEntry) before(f timerEntry) bool {
	return e.due.Before(f.due) || (e.due.Equal(f.due) && e.seq < f.seq)
}

// systemClock is the Clock of the system.
type systemClock struct{}

func (systemClock) Now() time.Time                         { return time.Now() }
func (systemClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

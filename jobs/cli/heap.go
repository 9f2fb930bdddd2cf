package cli

import (
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"sync/atomic"
)

// HeapHeadroom is the garbage the command lets pile up above what is live
// before the collector runs: a bound on what Go's default (a heap twice
// what is live) costs once what is live is large.
const HeapHeadroom = 256 << 20

// BoundHeap keeps the heap of the process within headroom of what is live
// (and within twice what is live, as Go does by default, while that is
// less). A big migration keeps its plan in memory for the whole run: at a
// million lines that is several hundred megabytes live, and Go's default
// would let the heap grow to twice that before collecting. After every
// collection, BoundHeap sets the runtime's soft memory limit to the live
// heap plus headroom (plus the runtime's own memory), so a collection
// starts once that much garbage has piled up. As the limit follows what
// is live, it never makes the collector run without pause: the cost is
// a collection every headroom bytes allocated rather than every live heap.
//
// It does nothing when the user set GOGC or GOMEMLIMIT: theirs is the
// choice then. The returned stop removes the limit.
func BoundHeap(headroom uint64) (stop func()) {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return func() {}
	}
	b := &heapBound{headroom: headroom, samples: []metrics.Sample{
		{Name: "/gc/heap/live:bytes"},
		{Name: "/memory/classes/total:bytes"},
		{Name: "/memory/classes/heap/objects:bytes"},
		{Name: "/memory/classes/heap/unused:bytes"},
		{Name: "/memory/classes/heap/free:bytes"},
		{Name: "/memory/classes/heap/released:bytes"},
	}}
	b.arm()
	return func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		b.stopped.Store(true)
		debug.SetMemoryLimit(math.MaxInt64)
	}
}

// heapBound is BoundHeap's state.
type heapBound struct {
	headroom uint64
	stopped  atomic.Bool
	mu       sync.Mutex // taken by adjust and stop: no limit is set after stop
	samples  []metrics.Sample
}

// sentinel is allocated to be collected: its cleanup marks the end of a
// collection. It holds a pointer and is larger than the tiny allocator's
// blocks, so it is never kept alive by a neighbour.
type sentinel struct {
	_ *byte
	_ [3]uint64
}

// arm has adjust run once the next collection is over.
func (b *heapBound) arm() {
	runtime.AddCleanup(new(sentinel), func(b *heapBound) {
		if b.adjust() {
			b.arm()
		}
	}, b)
}

// adjust sets the memory limit from what the last collection left live;
// it reports false once stopped.
func (b *heapBound) adjust() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.stopped.Load() {
		return false
	}
	metrics.Read(b.samples)
	v := make([]uint64, len(b.samples))
	for i, s := range b.samples {
		if s.Value.Kind() == metrics.KindUint64 {
			v[i] = s.Value.Uint64()
		}
	}
	live, total := v[0], v[1]
	heap := v[2] + v[3] + v[4] + v[5]
	var other uint64 // stacks, the runtime's own structures
	if total > heap {
		other = total - heap
	}
	limit := live + b.headroom + other
	if limit > math.MaxInt64 {
		limit = math.MaxInt64
	}
	debug.SetMemoryLimit(int64(limit))
	return true
}

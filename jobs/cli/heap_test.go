package cli

import (
	"math"
	"runtime"
	"runtime/debug"
	"testing"
)

// After a collection the memory limit is the live heap plus the headroom
// (and the runtime's own memory), and stop removes it. Not parallel: the
// limit is the process's.
func TestBoundHeapFollowsLiveHeap(t *testing.T) {
	t.Setenv("GOGC", "")
	t.Setenv("GOMEMLIMIT", "")
	before := debug.SetMemoryLimit(-1)
	defer debug.SetMemoryLimit(before)

	const headroom = 32 << 20
	live := make([][]byte, 64) // 64 MiB live, twice the headroom
	for i := range live {
		live[i] = make([]byte, 1<<20)
	}
	stop := BoundHeap(headroom)
	limit := int64(math.MaxInt64)
	for i := 0; i < 100 && limit == math.MaxInt64; i++ { // the cleanup runs on its own goroutine
		runtime.GC()
		runtime.Gosched()
		limit = debug.SetMemoryLimit(-1)
	}
	runtime.KeepAlive(live)
	if limit < 64<<20+headroom || limit > 64<<20+headroom+64<<20 {
		t.Errorf("limit %d MiB, want 64 MiB live + 32 MiB headroom + the runtime's own", limit>>20)
	}
	stop()
	if got := debug.SetMemoryLimit(-1); got != math.MaxInt64 {
		t.Errorf("after stop the limit is %d, want none", got)
	}
}

// A user's GOGC or GOMEMLIMIT is theirs: BoundHeap leaves it.
func TestBoundHeapLeavesUsersSetting(t *testing.T) {
	t.Setenv("GOMEMLIMIT", "")
	t.Setenv("GOGC", "50")
	before := debug.SetMemoryLimit(-1)
	stop := BoundHeap(1 << 20)
	for range 3 {
		runtime.GC()
		runtime.Gosched()
	}
	if got := debug.SetMemoryLimit(-1); got != before {
		t.Errorf("limit %d with GOGC set, want it left at %d", got, before)
	}
	stop()
}

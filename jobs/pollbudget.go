package jobs

import (
	"sync"
	"time"

	"telegent-bulk/checkpoint"
	"telegent-bulk/plan"
)

// portRun is what a run keeps for its port orders: its number among the
// checkpoint's runs, and the poll schedule.
type portRun struct {
	seqOnce sync.Once
	seq     int
}

// pollAfter returns how long monitor m, whose record is rec, waits before
// its next poll.
func (r *Runner) pollAfter(m plan.StepID, rec checkpoint.Record) time.Duration {
	return jitter(r.o.Poll)
}

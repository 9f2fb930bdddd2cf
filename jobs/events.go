package jobs

import (
	"telegent-bulk/checkpoint"
	"telegent-bulk/plan"
)

// Event reports one step outcome and the run's totals after it. Events are
// delivered from a single goroutine, in order.
type Event struct {
	Key     plan.StepKey
	Sheet   string
	Row     int
	State   checkpoint.State
	Message string // error or note; never a secret
	Totals  Totals
}

// Totals counts steps by what happened to them so far.
type Totals struct {
	Steps     int // steps in the plan
	Done      int // done before or during this run
	Failed    int
	Skipped   int
	Waiting   int // port orders still open
	Attention int
	Cancelled int
	Requests  int // steps executed by this run (not counting reused results)
}

// Finished returns how many steps reached a state this run will not change.
func (t Totals) Finished() int {
	return t.Done + t.Failed + t.Skipped + t.Attention + t.Cancelled
}

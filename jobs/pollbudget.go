package jobs

import "sync"

// portRun is what a run keeps for its port orders: its number among the
// checkpoint's runs, and the poll schedule.
type portRun struct {
	seqOnce sync.Once
	seq     int
}

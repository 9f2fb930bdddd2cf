package jobs

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"telegent-bulk/checkpoint"
	"telegent-bulk/plan"
)

// Live is a running run's progress. The runner rewrites it every second in
// a small file beside the checkpoint (LivePath), because the run holds the
// checkpoint's lock for as long as it lasts: `status` reads this instead.
// It holds counts, order IDs and port statuses only, never a row's values.
type Live struct {
	PID          int
	StartedAt    time.Time
	UpdatedAt    time.Time
	Counts       StepCounts // steps per kind and state, the never-run ones as pending
	Waiting      []WaitingPort
	WaitingTotal int // open port orders; Waiting lists at most liveWaitingMax of them
	Totals       Totals
}

const liveWaitingMax = 1000

// LivePath returns where a run on the checkpoint at state writes its Live
// progress.
func LivePath(state string) string { return state + ".live" }

// ReadLive reads the progress a running run writes. It returns an error
// wrapping fs.ErrNotExist when no run is writing one.
func ReadLive(path string) (Live, error) {
	var l Live
	b, err := os.ReadFile(path)
	if err != nil {
		return l, err
	}
	if err := json.Unmarshal(b, &l); err != nil {
		return l, fmt.Errorf("%s: %w", path, err)
	}
	return l, nil
}

// live returns the run's progress now: counts kept as steps move, and the
// open orders.
func (r *Runner) live(start time.Time) Live {
	l := Live{PID: os.Getpid(), StartedAt: start, UpdatedAt: time.Now(), Counts: StepCounts{}, Totals: r.totals,
		WaitingTotal: r.totals.Waiting}
	for k, byState := range r.byKind {
		for st, n := range byState {
			if n == 0 {
				continue
			}
			slug := plan.Kind(k).Slug()
			if l.Counts[slug] == nil {
				l.Counts[slug] = map[checkpoint.State]int{}
			}
			l.Counts[slug][checkpoint.State(st)] = n
		}
	}
	for i := range r.steps {
		if len(l.Waiting) >= liveWaitingMax {
			break
		}
		if r.steps[i].shown == checkpoint.Waiting && r.p.Steps[i].Action == plan.PortInMonitor {
			rec := r.record(plan.StepID(i))
			l.Waiting = append(l.Waiting, WaitingPort{Number: r.p.Rows[r.p.Steps[i].Row].Key, OrderId: rec.IDs[colOrderID],
				PortStatus: rec.Data[colPortStatus]})
		}
	}
	return l
}

// writeLive replaces the Live file, if the run has one. Progress is a
// courtesy: failing to write it never stops the run.
func (r *Runner) writeLive(start time.Time) {
	if r.o.LiveFile == "" {
		return
	}
	b, err := json.Marshal(r.live(start))
	if err == nil {
		tmp := r.o.LiveFile + ".tmp"
		if err = os.WriteFile(tmp, b, 0o600); err == nil {
			err = os.Rename(tmp, r.o.LiveFile)
		}
	}
	if err != nil && !r.liveFailed {
		r.liveFailed = true
		r.log.Warn("could not write the progress file for status", "error", err)
	}
}

// removeLive removes the Live file at the end of the run: from then on
// status reads the checkpoint itself.
func (r *Runner) removeLive() {
	if r.o.LiveFile == "" {
		return
	}
	if err := os.Remove(r.o.LiveFile); err != nil && !errors.Is(err, os.ErrNotExist) {
		r.log.Warn("could not remove the progress file", "error", err)
	}
}

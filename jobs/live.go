package jobs

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
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
	Problem      string // why the run could not write its progress file (this is its fallback), "" if it could
}

const liveWaitingMax = 1000

// LivePath returns where a run on the checkpoint at state writes its Live
// progress.
func LivePath(state string) string { return state + ".live" }

// LiveFallbackPath returns where a run on the checkpoint at state writes its
// Live progress, saying why, when it cannot write LivePath (a folder it may
// not write, a name taken): a file in the user's cache folder named after
// the checkpoint. It returns "" when there is no cache folder.
func LiveFallbackPath(state string) string {
	dir, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	abs, err := filepath.Abs(LivePath(state))
	if err != nil {
		return ""
	}
	sum := sha256.Sum256([]byte(abs))
	return filepath.Join(dir, "telegent-bulk", "progress", hex.EncodeToString(sum[:12])+".json")
}

// ReadLive reads the progress a running run writes: the newest of the
// files at paths (LivePath and LiveFallbackPath). It returns the first
// path's error, wrapping fs.ErrNotExist when no run is writing one, when
// none can be read.
func ReadLive(paths ...string) (Live, error) {
	var best Live
	var first error
	found := false
	for i, path := range paths {
		l, err := readLive(path)
		switch {
		case err != nil:
			if i == 0 {
				first = err
			}
		case !found || l.UpdatedAt.After(best.UpdatedAt):
			best, found = l, true
		}
	}
	if !found {
		if first == nil {
			first = fmt.Errorf("read progress: %w", fs.ErrNotExist)
		}
		return Live{}, first
	}
	return best, nil
}

func readLive(path string) (Live, error) {
	var l Live
	if path == "" {
		return l, fs.ErrNotExist
	}
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
// courtesy: failing to write it never stops the run. When the file cannot
// be written, the progress goes to the fallback file (if any) with the
// reason, for status to show.
func (r *Runner) writeLive(start time.Time) {
	if r.o.LiveFile == "" {
		return
	}
	l := r.live(start)
	err := writeOwnerOnly(r.o.LiveFile, l)
	if err == nil {
		return
	}
	l.Problem = fmt.Sprintf("the running process cannot write its progress file %s: %v", r.o.LiveFile, cause(err))
	ferr := errors.New("no fallback")
	if r.o.LiveFallback != "" {
		if ferr = os.MkdirAll(filepath.Dir(r.o.LiveFallback), 0o700); ferr == nil {
			ferr = writeOwnerOnly(r.o.LiveFallback, l)
		}
	}
	if !r.liveFailed {
		r.liveFailed = true
		if ferr == nil {
			r.log.Warn("could not write the progress file for status; writing it elsewhere", "file", r.o.LiveFile,
				"error", err, "instead", r.o.LiveFallback)
		} else {
			r.log.Warn("could not write the progress file for status", "file", r.o.LiveFile, "error", err,
				"fallback", r.o.LiveFallback, "fallback-error", ferr)
		}
	}
}

// writeOwnerOnly replaces path with v as JSON, through a temporary file
// only its owner can read (a stale one left by a killed run is not
// reused).
func writeOwnerOnly(path string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}

// cause returns what the system said about a file operation, without the
// operation and paths around it ("permission denied").
func cause(err error) error {
	var pe *fs.PathError
	var le *os.LinkError
	switch {
	case errors.As(err, &pe):
		return pe.Err
	case errors.As(err, &le):
		return le.Err
	}
	return err
}

// removeLive removes the Live file (and its fallback) at the end of the
// run: from then on status reads the checkpoint itself. Only files are
// removed: a folder in the progress file's place is not the run's.
func (r *Runner) removeLive() {
	for _, path := range []string{r.o.LiveFile, r.o.LiveFallback} {
		if fi, err := os.Lstat(path); path == "" || err != nil || !fi.Mode().IsRegular() {
			continue
		}
		if err := os.Remove(path); err != nil {
			r.log.Warn("could not remove the progress file", "file", path, "error", err)
		}
	}
}

package jobs

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"telegent-bulk/checkpoint"
	"telegent-bulk/jobs/cli"
)

// What the status command shows a person: the runs a checkpoint has seen,
// its steps per kind and state, the port orders still open.

// WriteLive shows the progress a run in progress writes beside its
// state file.
func WriteLive(stdout io.Writer, live Live, fallback string) {
	if live.Problem != "" {
		fmt.Fprintf(stdout, "%s (its progress is read from %s)\n", live.Problem, fallback)
	}
	fmt.Fprintf(stdout, "a run is in progress (pid %d, started %s); as of %s:\n\n", live.PID,
		live.StartedAt.Local().Format(time.DateTime), live.UpdatedAt.Local().Format(time.TimeOnly))
	WriteCounts(stdout, live.Counts, live.Waiting, live.WaitingTotal)
}

// WriteRuns shows the runs a state file has seen; nothing before the
// first.
func WriteRuns(stdout io.Writer, m checkpoint.Meta) {
	if m.Runs == 0 {
		return
	}
	runs := fmt.Sprintf("%d runs since %s, the last", m.Runs, m.CreatedAt.Local().Format(time.DateTime))
	if m.Runs == 1 {
		runs = "1 run,"
	}
	fmt.Fprintf(stdout, "%s started %s (telegent-bulk %s, %s)\n\n", runs, m.StartedAt.Local().Format(time.DateTime),
		m.ToolVersion, strings.Join(m.Manifest, " "))
}

// WriteBackupStatus shows, for a state file that cannot be read, the counts of
// its backup, if that is sound.
func WriteBackupStatus(stdout io.Writer, state string) {
	bak := checkpoint.BackupPath(state)
	s, err := checkpoint.Open(bak, checkpoint.Options{ReadOnly: true})
	if err != nil {
		return
	}
	defer s.Close()
	counts, waiting, err := Status(s)
	if err != nil {
		return
	}
	taken, _ := s.Restored()
	fmt.Fprintf(stdout, "%s cannot be read (see below). FROM ITS BACKUP %s, taken %s:\n\n", state, bak, taken.Local().Format(time.DateTime))
	WriteCounts(stdout, counts, waiting, len(waiting))
}

// WriteCounts prints steps per kind and state, and the open port orders
// (total of them, waiting listing some or all).
func WriteCounts(stdout io.Writer, counts StepCounts, waiting []WaitingPort, total int) {
	WriteCountsColour(stdout, counts, waiting, total, false)
}

// WriteCountsColour is WriteCounts that, if colour, shows a count above
// zero in its state's colour (see cli.Paint).
func WriteCountsColour(stdout io.Writer, counts StepCounts, waiting []WaitingPort, total int, colour bool) {
	states := []checkpoint.State{checkpoint.Done, checkpoint.Failed, checkpoint.Skipped, checkpoint.Waiting,
		checkpoint.NeedsAttention, checkpoint.InFlight, checkpoint.Cancelled, checkpoint.Pending}
	fmt.Fprintf(stdout, "%-14s", "KIND")
	for _, s := range states {
		fmt.Fprintf(stdout, " %9s", strings.ReplaceAll(s.String(), "needs attention", "attention"))
	}
	fmt.Fprintln(stdout)
	kinds := make([]string, 0, len(counts))
	for k := range counts {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		fmt.Fprintf(stdout, "%-14s", k)
		for _, s := range states {
			n := fmt.Sprintf(" %9d", counts[k][s])
			if counts[k][s] > 0 {
				n = cli.Paint(s.String(), n, colour)
			}
			fmt.Fprint(stdout, n)
		}
		fmt.Fprintln(stdout)
	}
	if total > 0 {
		fmt.Fprintf(stdout, "\n%d port orders still open:\n", total)
		for _, w := range waiting {
			fmt.Fprintf(stdout, "  %s  %s  %s\n", w.Number, w.OrderId, w.PortStatus)
		}
		if total > len(waiting) {
			fmt.Fprintf(stdout, "  … and %d more\n", total-len(waiting))
		}
	}
}

package main

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"telegent-bulk/checkpoint"
	"telegent-bulk/jobs"
	"telegent-bulk/plan"
)

// writePreview prints what a run would do, per kind and action, with
// examples of the steps it would send.
func writePreview(w io.Writer, p *plan.Plan, lines []jobs.Preview) {
	fmt.Fprintf(w, "%-14s %-13s %8s %8s %8s %8s %8s\n", "KIND", "ACTION", "RUN", "DONE", "CHECK", "KEPT", "BLOCKED")
	var run, done, check, kept, blocked int
	for _, l := range lines {
		fmt.Fprintf(w, "%-14s %-13s %8d %8d %8d %8d %8d\n", l.Kind, l.Action.Slug(), l.Run, l.Done, l.Check, l.Kept+l.Other, l.Blocked)
		run, done, check, kept, blocked = run+l.Run, done+l.Done, check+l.Check, kept+l.Kept+l.Other, blocked+l.Blocked
	}
	fmt.Fprintf(w, "%-28s %8d %8d %8d %8d %8d\n", "total", run, done, check, kept, blocked)
	fmt.Fprintln(w)
	for _, l := range lines {
		for _, i := range l.Example {
			row := &p.Rows[p.Steps[i].Row]
			fmt.Fprintf(w, "  + %-44s %s:%d\n", p.Key(i), p.Tables[row.Table].Sheet, row.Num)
		}
	}
	fmt.Fprintf(w, "\nRUN: steps a run would send (port orders: polled) · DONE: already done · CHECK: outcome unknown, looked up before anything is re-sent · KEPT: failed/needs attention/cancelled, kept until the row changes or --retry-failed · BLOCKED: need a kept step\n")
}

// printSummary ends a run: its totals, why it stopped early, where the
// results are.
func printSummary(w io.Writer, rep jobs.Report, out string) {
	t := rep.Totals
	fmt.Fprintf(w, "steps: %d done, %d failed, %d skipped, %d waiting, %d need attention, %d cancelled (of %d)\n",
		t.Done, t.Failed, t.Skipped, t.Waiting, t.Attention, t.Cancelled, t.Steps)
	fmt.Fprintf(w, "this run made %d step calls (port polls included) in %s\n", t.Requests, rep.Elapsed.Round(time.Millisecond))
	if rep.Stopped != "" {
		fmt.Fprintln(w, rep.Stopped)
	}
	fmt.Fprintf(w, "results: %s\n", out)
}

// printLive shows the progress a run in progress writes beside its
// state file.
func printLive(stdout io.Writer, live jobs.Live, fallback string) {
	if live.Problem != "" {
		fmt.Fprintf(stdout, "%s (its progress is read from %s)\n", live.Problem, fallback)
	}
	fmt.Fprintf(stdout, "a run is in progress (pid %d, started %s); as of %s:\n\n", live.PID,
		live.StartedAt.Local().Format(time.DateTime), live.UpdatedAt.Local().Format(time.TimeOnly))
	printCounts(stdout, live.Counts, live.Waiting, live.WaitingTotal)
}

// printRuns shows the runs a state file has seen; nothing before the
// first.
func printRuns(stdout io.Writer, m checkpoint.Meta) {
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

// backupStatus shows, for a state file that cannot be read, the counts of
// its backup, if that is sound.
func backupStatus(stdout io.Writer, state string) {
	bak := checkpoint.BackupPath(state)
	s, err := checkpoint.Open(bak, checkpoint.Options{ReadOnly: true})
	if err != nil {
		return
	}
	defer s.Close()
	counts, waiting, err := jobs.Status(s)
	if err != nil {
		return
	}
	taken, _ := s.Restored()
	fmt.Fprintf(stdout, "%s cannot be read (see below). FROM ITS BACKUP %s, taken %s:\n\n", state, bak, taken.Local().Format(time.DateTime))
	printCounts(stdout, counts, waiting, len(waiting))
}

// printCounts prints steps per kind and state, and the open port orders
// (total of them, waiting listing some or all).
func printCounts(stdout io.Writer, counts jobs.StepCounts, waiting []jobs.WaitingPort, total int) {
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
			fmt.Fprintf(stdout, " %9d", counts[k][s])
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

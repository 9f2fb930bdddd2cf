package jobs

import (
	"fmt"
	"io"

	"telegent-bulk/plan"
)

// WritePreview prints what a run would do, per kind and action, with
// the steps it would send: every one when steps is given (plan --all),
// else examples of each kind and action, and how many more there are.
func WritePreview(w io.Writer, p *plan.Plan, lines []Preview, steps []StepPreview) {
	fmt.Fprintf(w, "%-14s %-13s %8s %8s %8s %8s %8s\n", "KIND", "ACTION", "RUN", "DONE", "CHECK", "KEPT", "BLOCKED")
	var run, done, check, kept, blocked int
	for _, l := range lines {
		fmt.Fprintf(w, "%-14s %-13s %8d %8d %8d %8d %8d\n", l.Kind, l.Action.Slug(), l.Run, l.Done, l.Check, l.Kept+l.Other, l.Blocked)
		run, done, check, kept, blocked = run+l.Run, done+l.Done, check+l.Check, kept+l.Kept+l.Other, blocked+l.Blocked
	}
	fmt.Fprintf(w, "%-28s %8d %8d %8d %8d %8d\n", "total", run, done, check, kept, blocked)
	fmt.Fprintln(w)
	step := func(i plan.StepID) {
		row := &p.Rows[p.Steps[i].Row]
		fmt.Fprintf(w, "  + %-44s %s:%d\n", p.Key(i), p.Tables[row.Table].Sheet, row.Num)
	}
	shown := 0
	if steps != nil {
		for _, sp := range steps {
			if sp.Decision == "run" {
				step(sp.Step)
				shown++
			}
		}
	} else {
		for _, l := range lines {
			for _, i := range l.Example {
				step(i)
				shown++
			}
		}
	}
	if more := run - shown; more > 0 {
		fmt.Fprintf(w, "  … and %d more (--all shows every step)\n", more)
	}
	fmt.Fprintf(w, "\nRUN: steps a run would send (port orders: polled) · DONE: already done · CHECK: outcome unknown, looked up before anything is re-sent · KEPT: failed/needs attention/cancelled, kept until the row changes or --retry-failed · BLOCKED: need a kept step\n")
}

package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"telegent-bulk/checkpoint"
	"telegent-bulk/jobs"
	"telegent-bulk/jobs/cli"
)

// status opens with the runs the state file has seen: nothing before the
// first, "1 run," after it, then how many since when.
func TestPrintRuns(t *testing.T) {
	t.Parallel()
	created := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	last := created.Add(26 * time.Hour)
	m := checkpoint.Meta{ToolVersion: "0.1.0", Manifest: []string{"a.xlsx", "ports"}, CreatedAt: created, StartedAt: last}
	for _, c := range []struct {
		runs int
		want string
	}{
		{0, ""},
		{1, "1 run, started " + last.Local().Format(time.DateTime) + " (telegent-bulk 0.1.0, a.xlsx ports)\n\n"},
		{3, "3 runs since " + created.Local().Format(time.DateTime) + ", the last started " +
			last.Local().Format(time.DateTime) + " (telegent-bulk 0.1.0, a.xlsx ports)\n\n"},
	} {
		m.Runs = c.runs
		var b bytes.Buffer
		jobs.WriteRuns(&b, m)
		if b.String() != c.want {
			t.Errorf("%d runs: got %q, want %q", c.runs, b.String(), c.want)
		}
	}
}

// The counts list kinds in order and every state in a fixed order, then
// the open port orders, saying how many are not listed.
func TestPrintCounts(t *testing.T) {
	t.Parallel()
	counts := jobs.StepCounts{
		"subscribers": {checkpoint.Done: 3, checkpoint.Failed: 1},
		"accounts":    {checkpoint.Done: 2},
		"portins":     {checkpoint.Waiting: 3, checkpoint.NeedsAttention: 1},
	}
	waiting := []jobs.WaitingPort{{Number: "+18015551207", OrderId: "JNUOID-1", PortStatus: "Submitted"}}
	var b bytes.Buffer
	jobs.WriteCounts(&b, counts, waiting, 3)
	lines := strings.Split(strings.TrimRight(b.String(), "\n"), "\n")
	want := []string{
		"KIND                done    failed   skipped   waiting attention in-flight cancelled   pending",
		"accounts               2         0         0         0         0         0         0         0",
		"portins                0         0         0         3         1         0         0         0",
		"subscribers            3         1         0         0         0         0         0         0",
		"",
		"3 port orders still open:",
		"  +18015551207  JNUOID-1  Submitted",
		"  … and 2 more",
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("got:\n%s\nwant:\n%s", b.String(), strings.Join(want, "\n"))
	}
}

// The summary ends a run with its rows and its steps told apart, why it
// stopped early, the files written and what to do next.
func TestPrintSummary(t *testing.T) {
	t.Parallel()
	rep := jobs.Report{
		Totals:  jobs.Totals{Steps: 96, Done: 81, Failed: 5, Skipped: 10, Requests: 115},
		Stopped: "stopped after 2 failures (--max-failures 2)",
		Elapsed: 7997 * time.Millisecond,
	}
	o := runOptions{state: "run.db", api: apiOptions{sandbox: true}}
	f := jobs.Failures{Counts: jobs.RowCounts{Rows: 42, Done: 38, Failed: 1, Skipped: 3}, Files: []string{"results-failures.xlsx"}}
	var b bytes.Buffer
	cli.WriteSummary(&b, summaryOf(rep, f, []string{"out.xlsx"}, o.nextCommand(rep, f.Counts, f.Files), false))
	want := "42 rows: 38 done, 1 failed, 3 skipped — 96 steps, 115 calls in 8.0 s\n" +
		"stopped after 2 failures (--max-failures 2)\n" +
		"results: out.xlsx\n" +
		"failures: results-failures.xlsx (only the rows to fix, with their Error)\n" +
		"next: run the same command again to resume; fix the rows in results-failures.xlsx (the Error column says why), " +
		"then run: telegent-bulk run results-failures.xlsx --sandbox --state run.db\n"
	if b.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", b.String(), want)
	}
}

// On a terminal the status table shows counts above zero in the colour of
// their state; piped, it has no colour (TestColour).
func TestCountsColour(t *testing.T) {
	t.Parallel()
	counts := jobs.StepCounts{"accounts": {checkpoint.Done: 3, checkpoint.Failed: 1}}
	var b bytes.Buffer
	jobs.WriteCountsColour(&b, counts, nil, 0, true)
	if !strings.Contains(b.String(), "\x1b[31m         1\x1b[0m") || !strings.Contains(b.String(), "\x1b[32m         3\x1b[0m") {
		t.Errorf("no colour:\n%q", b.String())
	}
	b.Reset()
	jobs.WriteCounts(&b, counts, nil, 0)
	if strings.Contains(b.String(), "\x1b[") {
		t.Errorf("colour without asking:\n%q", b.String())
	}
}

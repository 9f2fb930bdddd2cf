package main

import (
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"telegent-bulk/jobs"
	"telegent-bulk/jobs/cli"
	"telegent-bulk/telegent/sandbox"
)

// oneDash finds a flag spelt -flag at the start of a help line.
var oneDash = regexp.MustCompile(`\n\s+-[a-z]`)

// Every command answers --help and help COMMAND with exit 0 and its help
// on stdout: the usage line with its arguments, what it does, its flags
// spelt --flag, and examples.
func TestHelpEveryCommand(t *testing.T) {
	t.Parallel()
	for _, c := range cli.Commands {
		for _, args := range [][]string{{c.Name, "--help"}, {c.Name, "-h"}, {"help", c.Name}} {
			res := runCLI(t, args...)
			what := strings.Join(args, " ")
			if res.code != exitOK || res.stderr != "" {
				t.Errorf("%s: exit %d, stderr %q; want 0 and nothing", what, res.code, res.stderr)
				continue
			}
			if !strings.HasPrefix(res.stdout, "usage: telegent-bulk "+c.Name) {
				t.Errorf("%s: help does not start with its usage line:\n%s", what, res.stdout)
			}
			if !strings.Contains(res.stdout, "\nexamples:\n  ") || !strings.Contains(res.stdout, c.Examples[0]) {
				t.Errorf("%s: no examples:\n%s", what, res.stdout)
			}
			if oneDash.MatchString(res.stdout) || strings.Contains(res.stdout, "Usage of") {
				t.Errorf("%s: flags spelt with one dash, or the flag package's own usage:\n%s", what, res.stdout)
			}
		}
	}
	res := runCLI(t, "run", "--help")
	for _, flag := range []string{"--state FILE", "--api URL", "--sandbox", "--out FILE", "--rps"} {
		if !strings.Contains(res.stdout, "\n  "+flag) {
			t.Errorf("run --help does not list %s:\n%s", flag, res.stdout)
		}
	}
}

// The top-level help lists every command, version included, and plan
// --sandbox; with no command at all it goes to stderr with exit 2.
func TestHelpOverview(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"help"}, {"--help"}, {"-h"}} {
		res := runCLI(t, args...)
		if res.code != exitOK {
			t.Errorf("%v: exit %d", args, res.code)
		}
		for _, c := range cli.Commands {
			if !strings.Contains(res.stdout, "\n  "+c.Name+" ") {
				t.Errorf("%v: command %s not listed:\n%s", args, c.Name, res.stdout)
			}
		}
		if !strings.Contains(res.stdout, "plan --sandbox") {
			t.Errorf("%v: plan --sandbox not mentioned:\n%s", args, res.stdout)
		}
	}
	if res := runCLI(t); res.code != exitUsage || !strings.Contains(res.stderr, "version") {
		t.Errorf("no command: exit %d, stderr:\n%s", res.code, res.stderr)
	}
}

// An unknown flag, a missing argument or a bad value: one line saying
// what is wrong, then the usage line, exit 2, nothing on stdout.
func TestUsageErrors(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"validate", sampleMigration, "--bogus"}, "telegent-bulk: unknown flag --bogus"},
		{[]string{"validate"}, "telegent-bulk: no manifest given"},
		{[]string{"run", "--state", "x.db", "--sandbox"}, "telegent-bulk: no manifest given"},
		{[]string{"status"}, "telegent-bulk: status needs --state FILE"},
		{[]string{"status", "--state"}, "telegent-bulk: flag --state needs a value"},
		{[]string{"run", sampleMigration, "--state", "x.db", "--rps", "fast"}, "for flag --rps"},
		{[]string{"completion"}, "telegent-bulk: completion takes 1 argument(s), but was given 0"},
		{[]string{"completion", "tcsh"}, `unknown shell "tcsh"`},
		{[]string{"help", "frobnicate"}, `no command "frobnicate"`},
		{[]string{"version", "extra"}, "version takes no arguments"},
	} {
		res := runCLI(t, c.args...)
		lines := strings.Split(strings.TrimSpace(res.stderr), "\n")
		name := c.args[0]
		if res.code != exitUsage || res.stdout != "" || len(lines) != 2 || !strings.Contains(lines[0], c.want) ||
			lines[1] != cli.UsageLine(name) {
			t.Errorf("%v: exit %d, stdout %q, stderr:\n%s\nwant exit 2 with %q then %q", c.args, res.code, res.stdout,
				res.stderr, c.want, cli.UsageLine(name))
		}
	}
}

// Flags that contradict each other or are malformed are usage errors
// (exit 2) found before any file is created.
func TestConflictingFlags(t *testing.T) {
	t.Parallel()
	creds := map[string]string{"TELEGENT_ACCOUNT_KEY": sandbox.AccountKey, "TELEGENT_ACCOUNT_SECRET": sandbox.AccountSecret}
	for _, c := range []struct {
		name string
		args []string // DIR is replaced by an empty folder
		want string
	}{
		{"--api with --sandbox", []string{"run", sampleMigration, "--api", "http://127.0.0.1:9", "--sandbox", "--state", "DIR/run.db"},
			"--api and --sandbox contradict each other"},
		{"--api without a scheme", []string{"run", sampleMigration, "--api", "127.0.0.1:8765", "--state", "DIR/run.db"},
			"--api 127.0.0.1:8765: no http:// or https:// in front"},
		{"--api of another scheme", []string{"run", sampleMigration, "--api", "ftp://example.com", "--state", "DIR/run.db"},
			"no http:// or https:// in front"},
		{"--api with a query", []string{"run", sampleMigration, "--api", "https://example.com/?k=v", "--state", "DIR/run.db"},
			"takes no query"},
		{"--allow-http with --sandbox", []string{"run", sampleMigration, "--sandbox", "--allow-http", "--state", "DIR/run.db"},
			"--allow-http is for --api"},
		{"a sandbox flag without --sandbox", []string{"run", sampleMigration, "--api", "http://127.0.0.1:9", "--sandbox-latency", "1s",
			"--state", "DIR/run.db"}, "--sandbox-latency is for --sandbox runs"},
		{"no --state", []string{"run", sampleMigration, "--sandbox"}, "run needs --state FILE"},
		{"a bad --log-format", []string{"run", sampleMigration, "--sandbox", "--state", "DIR/run.db", "--log-format", "xml"},
			"--log-format xml: want text or json"},
		{"--poll negative", []string{"run", sampleMigration, "--sandbox", "--state", "DIR/run.db", "--poll", "-1m"}, "--poll -1m0s"},
		{"--poll-share 0", []string{"run", sampleMigration, "--sandbox", "--state", "DIR/run.db", "--poll-share", "0"}, "--poll-share 0"},
		{"--poll-share above 1", []string{"run", sampleMigration, "--sandbox", "--state", "DIR/run.db", "--poll-share", "1.5"}, "--poll-share 1.5"},
		{"--unknown-status-after 0", []string{"run", sampleMigration, "--sandbox", "--state", "DIR/run.db", "--unknown-status-after", "0s"}, "--unknown-status-after 0s"},
		{"--burst 0", []string{"run", sampleMigration, "--sandbox", "--state", "DIR/run.db", "--burst", "0"}, "--burst 0"},
		{"--max-failures -1", []string{"run", sampleMigration, "--sandbox", "--state", "DIR/run.db", "--max-failures", "-1"},
			"--max-failures -1"},
		{"--out is --state", []string{"run", sampleMigration, "--sandbox", "--state", "DIR/run.db", "--out", "DIR/run.db"},
			"--out and --state name the same file"},
		{"plan --out without --check-eligibility", []string{"plan", sampleMigration, "--out", "DIR/e.xlsx"},
			"--out is for --check-eligibility"},
		{"plan --api with --sandbox", []string{"plan", sampleMigration, "--sandbox", "--api", "http://127.0.0.1:9"},
			"--api and --sandbox contradict each other"},
		{"a bad --format", []string{"validate", sampleMigration, "--format", "yaml"}, "--format yaml: want text or json"},
		{"status with a manifest", []string{"status", "--state", "DIR/run.db", sampleMigration}, "status takes no arguments"},
		{"check --api with --sandbox", []string{"check", sampleMigration, "--sandbox", "--api", "http://127.0.0.1:9"},
			"--api and --sandbox contradict each other"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			args := make([]string, len(c.args))
			for i, a := range c.args {
				args[i] = strings.ReplaceAll(a, "DIR", dir)
			}
			res := runCLIEnv(t, cliEnv(creds), args...)
			if res.code != exitUsage || !strings.Contains(res.stderr, c.want) || !strings.Contains(res.stderr, "\nusage: telegent-bulk ") {
				t.Errorf("exit %d, stderr:\n%s\nwant exit 2 saying %q, then the usage line", res.code, res.stderr, c.want)
			}
			if entries, _ := os.ReadDir(dir); len(entries) > 0 {
				t.Errorf("files created before the usage error: %v", entries)
			}
		})
	}
}

// migrationWithout copies the sample's CSV manifest without the files
// named, with edit applied to the content of each file left.
func migrationWithout(t *testing.T, edit func(name, content string) string, without ...string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "manifest")
	copyDir(t, sampleCSVDir, dir)
	for _, w := range without {
		if err := os.Remove(filepath.Join(dir, w)); err != nil {
			t.Fatal(err)
		}
	}
	if edit == nil {
		return dir
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		path := filepath.Join(dir, e.Name())
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(edit(e.Name(), string(b))), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// check against a sandbox over HTTP: every check passes with its
// credentials; wrong credentials and a package that does not exist each
// fail their line, saying what to do, with exit 1.
func TestCheckCommand(t *testing.T) {
	t.Parallel()
	srv, err := sandbox.New(sandbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	hs := httptest.NewServer(srv)
	defer hs.Close()
	good := map[string]string{"TELEGENT_ACCOUNT_KEY": sandbox.AccountKey, "TELEGENT_ACCOUNT_SECRET": sandbox.AccountSecret}
	bad := map[string]string{"TELEGENT_ACCOUNT_KEY": sandbox.AccountKey, "TELEGENT_ACCOUNT_SECRET": "not-the-secret"}
	unknownPkg := migrationWithout(t, func(name, s string) string {
		if name == "numbers.csv" {
			return strings.Replace(s, ",Family 10GB,", ",Family 100GB,", 1)
		}
		return s
	})

	res := runCLIEnv(t, cliEnv(good), "check", sampleMigration, "--api", hs.URL)
	if res.code != exitOK {
		t.Errorf("check with good credentials: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	for _, name := range []string{"api", "credentials", "tokens", "packages", "clock"} {
		if !strings.Contains(res.stdout, "ok   "+name+" ") {
			t.Errorf("check: no passing %s line:\n%s", name, res.stdout)
		}
	}

	res = runCLIEnv(t, cliEnv(bad), "check", sampleMigration, "--api", hs.URL)
	if res.code != exitRowsFailed || !strings.Contains(res.stdout, "FAIL credentials") ||
		!strings.Contains(res.stdout, "check TELEGENT_ACCOUNT_KEY and TELEGENT_ACCOUNT_SECRET") {
		t.Errorf("check with a wrong secret: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	if strings.Contains(res.stdout+res.stderr, "not-the-secret") {
		t.Errorf("check shows the secret")
	}

	res = runCLIEnv(t, cliEnv(good), "check", unknownPkg, "--api", hs.URL, "--format", "json")
	var doc jobs.CheckDoc
	if err := json.Unmarshal([]byte(res.stdout), &doc); err != nil {
		t.Fatalf("check --format json: %v\n%s", err, res.stdout)
	}
	var pkg jobs.Check
	for _, c := range doc.Checks {
		if c.Name == "packages" {
			pkg = c
		}
	}
	if res.code != exitRowsFailed || doc.OK || pkg.OK || !strings.Contains(pkg.Detail, `"Family 100GB" (numbers.csv:2)`) ||
		!strings.Contains(pkg.Fix, "Family 10GB") {
		t.Errorf("check with an unknown package: exit %d, %+v", res.code, doc)
	}

	// The first seconds of a run check the same: wrong credentials stop
	// it before anything is sent.
	dir := t.TempDir()
	res = runCLIEnv(t, cliEnv(bad), "run", sampleMigration, "--api", hs.URL, "--state", filepath.Join(dir, "run.db"),
		"--out", filepath.Join(dir, "r.xlsx"))
	if res.code != exitFatal || !strings.Contains(res.stderr, "FAIL credentials") {
		t.Errorf("run with a wrong secret: exit %d\n%s", res.code, res.stderr)
	}
	if n := srv.State().Accounts; len(n) > len(freshSandboxState(t).Accounts) {
		t.Errorf("a run with a wrong secret created accounts")
	}
}

// validate, plan and status write one JSON document that decodes back,
// with every problem, every step and every count.
func TestJSONOutput(t *testing.T) {
	t.Parallel()
	res := runCLI(t, "validate", sampleBadRows, "--format", "json")
	var vd jobs.ValidateDoc
	if err := json.Unmarshal([]byte(res.stdout), &vd); err != nil || res.code != exitRowsFailed {
		t.Fatalf("validate --format json: exit %d, %v\n%s", res.code, err, res.stdout)
	}
	if vd.Valid || vd.ProblemCount == 0 || len(vd.Problems) != vd.ProblemCount || vd.Problems[0].Sheet == "" || vd.Version != 1 {
		t.Errorf("validate: %d problems listed of %d, valid %v", len(vd.Problems), vd.ProblemCount, vd.Valid)
	}
	res = runCLI(t, "validate", sampleMigration, "--format", "json")
	if err := json.Unmarshal([]byte(res.stdout), &vd); err != nil || !vd.Valid || vd.Rows != 42 || vd.Steps != validSteps(t) {
		t.Errorf("validate of the sample: %+v, %v", vd, err)
	}

	res = runCLI(t, "plan", sampleMigration, "--format", "json")
	var pd jobs.PlanDoc
	if err := json.Unmarshal([]byte(res.stdout), &pd); err != nil || res.code != exitOK {
		t.Fatalf("plan --format json: exit %d, %v\n%s", res.code, err, res.stdout)
	}
	steps := validSteps(t)
	if len(pd.Steps) != steps || pd.Totals.Run != steps || pd.Steps[0].Key == "" || pd.Steps[0].Decision != "run" {
		t.Errorf("plan: %d steps listed, %d to run; want %d", len(pd.Steps), pd.Totals.Run, steps)
	}

	dir := t.TempDir()
	state := filepath.Join(dir, "run.db")
	runCLI(t, sandboxRunArgs(sampleMigration, state, filepath.Join(dir, "r.xlsx"), "--quiet")...)
	res = runCLI(t, "status", "--state", state, "--format", "json")
	var sd jobs.StatusDoc
	if err := json.Unmarshal([]byte(res.stdout), &sd); err != nil || res.code != exitOK {
		t.Fatalf("status --format json: exit %d, %v\n%s", res.code, err, res.stdout)
	}
	total := 0
	for _, n := range sd.Totals {
		total += n
	}
	if total != steps || sd.Totals["failed"] != 5 || sd.Counts["portins"]["needs_attention"] != 0 || sd.Runs != 1 {
		t.Errorf("status: totals %v of %d steps, runs %d", sd.Totals, steps, sd.Runs)
	}
}

// plan without --all lists examples and says how many more steps it
// would send; with --all it lists every one.
func TestPlanAll(t *testing.T) {
	t.Parallel()
	steps := validSteps(t)
	res := runCLI(t, "plan", sampleMigration)
	listed := strings.Count(res.stdout, "\n  + ")
	if listed >= steps || !strings.Contains(res.stdout, "… and "+itoa(steps-listed)+" more (--all shows every step)") {
		t.Errorf("plan lists %d of %d steps without saying so:\n%s", listed, steps, res.stdout)
	}
	res = runCLI(t, "plan", sampleMigration, "--all")
	if n := strings.Count(res.stdout, "\n  + "); n != steps || strings.Contains(res.stdout, "more (--all") {
		t.Errorf("plan --all lists %d of %d steps", n, steps)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// A manifest as people save it: LibreOffice's per-sheet CSV export
// (migration-Accounts.csv), a copy (Subscribers (1).csv), a stray notes.csv
// and a workbook with an Instructions tab are read, the stray files
// skipped with a warning.
func TestManifestsAsSaved(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	names := map[string]string{"accounts.csv": "migration-Accounts.csv", "subscribers.csv": "Subscribers (1).csv",
		"messageroutes.csv": "migration-MessageRoutes.csv", "voiceroutes.csv": "migration-VoiceRoutes.csv",
		"numbers.csv": "migration-Numbers.csv", "portins.csv": "migration-PortIns.csv", "portouts.csv": "migration-PortOuts.csv"}
	for from, to := range names {
		b, err := os.ReadFile(filepath.Join(sampleCSVDir, from))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, to), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "notes.csv"), []byte("note\ncall Dana first\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "Subscirbers-old.csv"), []byte("Email\nx@example.com\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	steps := validSteps(t)
	res := runCLI(t, "validate", dir)
	if res.code != exitOK || !strings.HasSuffix(res.stdout, "valid: 42 rows, "+itoa(steps)+" steps\n") ||
		!strings.Contains(res.stdout, "notes.csv: not a manifest table, so it is not read") ||
		!strings.Contains(res.stdout, "did you mean Subscribers?") {
		t.Errorf("validate of a LibreOffice export: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}

	f, err := excelize.OpenFile(sampleMigration)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.NewSheet("Instructions"); err != nil {
		t.Fatal(err)
	}
	f.SetCellValue("Instructions", "A1", "Fill in one tab per kind; see docs/manifest.md")
	book := filepath.Join(dir, "with-instructions.xlsx")
	if err := f.SaveAs(book); err != nil {
		t.Fatal(err)
	}
	res = runCLI(t, "validate", book)
	if res.code != exitOK || !strings.Contains(res.stdout, "Instructions: not a manifest table") {
		t.Errorf("validate of a workbook with an Instructions tab: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
}

// A run writes, beside the results, a failures workbook of the rows that
// failed (here a package misspelt), with the rows they refer to; fixed
// and fed back as it is, with the same state, every row ends done and
// nothing exists twice.
func TestFailuresFileFedBack(t *testing.T) {
	t.Parallel()
	manifest := migrationWithout(t, func(name, s string) string {
		if name == "numbers.csv" {
			return strings.Replace(s, ",Family 10GB,", ",Family 10 GB,", 1)
		}
		return s
	}, "portins.csv", "portouts.csv")
	dir := t.TempDir()
	state, out := filepath.Join(dir, "run.db"), filepath.Join(dir, "results.xlsx")
	res := runCLI(t, sandboxRunArgs(manifest, state, out)...)
	failures := filepath.Join(dir, "results-failures.xlsx")
	if res.code != exitRowsFailed || !strings.Contains(res.stdout, "failures: "+failures) ||
		!strings.Contains(res.stdout, "then run: telegent-bulk run "+failures+" --sandbox --state "+state) {
		t.Fatalf("first run: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	if !strings.Contains(res.stdout, " rows: ") || !strings.Contains(res.stdout, "1 failed — ") {
		t.Errorf("the summary does not count rows apart from steps:\n%s", res.stdout)
	}

	f, err := excelize.OpenFile(failures)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := f.GetRows("numbers.csv")
	if err != nil {
		t.Fatalf("failures: %v (tabs %v)", err, f.GetSheetList())
	}
	pkg, status := slices.Index(rows[0], "Package"), slices.Index(rows[0], "Status")
	var fixed int
	for i, r := range rows[1:] {
		if r[status] == "done" {
			continue
		}
		if r[pkg] != "Family 10 GB" || r[status] != "failed" || !slices.Contains(rows[0], "Error") {
			t.Errorf("failures row %d: %v", i+2, r)
		}
		cell, _ := excelize.CoordinatesToCellName(pkg+1, i+2)
		f.SetCellValue("numbers.csv", cell, "Family 10GB")
		fixed++
	}
	if fixed != 1 {
		t.Errorf("failures: %d failed Numbers rows, want 1", fixed)
	}
	for _, tab := range f.GetSheetList() {
		if tab == "Summary" || tab == "Errors" {
			t.Errorf("the failures workbook has a %s tab", tab)
		}
	}
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}
	f.Close()

	res = runCLI(t, sandboxRunArgs(failures, state, filepath.Join(dir, "fixed.xlsx"))...)
	if res.code != exitOK || !strings.Contains(res.stdout, "next: nothing: every row is done") {
		t.Fatalf("the fixed failures fed back: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "fixed-failures.xlsx")); err == nil {
		t.Errorf("a failures workbook was written with no failed row")
	}
	status1 := runCLI(t, "status", "--state", state, "--format", "json")
	var sd jobs.StatusDoc
	if err := json.Unmarshal([]byte(status1.stdout), &sd); err != nil {
		t.Fatal(err)
	}
	for st, n := range sd.Totals {
		if st != "done" && n != 0 {
			t.Errorf("after the fix: %d steps %s", n, st)
		}
	}
	if d := sandboxDuplicates(embeddedState(t, sandboxFileOf(state))); len(d) > 0 {
		t.Errorf("duplicates: %v", d)
	}
}

// --out j.csv writes one file per tab, and the summary names those files;
// the failures come as CSV files too, which read back as a manifest.
func TestCSVOutNamesItsFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	res := runCLI(t, sandboxRunArgs(sampleMigration, filepath.Join(dir, "run.db"), filepath.Join(dir, "j.csv"))...)
	if res.code != exitRowsFailed {
		t.Fatalf("exit %d\n%s", res.code, res.stderr)
	}
	var results, failures []string
	for _, l := range strings.Split(res.stdout, "\n") {
		if s, ok := strings.CutPrefix(l, "results: "); ok {
			results = strings.Split(s, ", ")
		}
		if s, ok := strings.CutPrefix(l, "failures: "); ok {
			failures = strings.Split(strings.TrimSuffix(s, " (only the rows to fix, with their Error)"), ", ")
		}
	}
	if !slices.Contains(results, filepath.Join(dir, "j-Summary.csv")) || slices.Contains(results, filepath.Join(dir, "j.csv")) {
		t.Errorf("results named %v", results)
	}
	for _, f := range append(slices.Clone(results), failures...) {
		if _, err := os.Stat(f); err != nil {
			t.Errorf("the summary names %s: %v", f, err)
		}
	}
	if len(failures) == 0 || !strings.Contains(failures[0], "j-failures-") {
		t.Fatalf("failures named %v", failures)
	}
	if res := runCLI(t, append([]string{"validate"}, failures...)...); res.code != exitOK {
		t.Errorf("the failures CSV files do not read back: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	if res := runCLI(t, append([]string{"validate"}, results...)...); res.code != exitOK {
		t.Errorf("the results CSV files do not read back: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
}

// completion prints a script for each shell that names every command
// and the flags of run.
func TestCompletion(t *testing.T) {
	t.Parallel()
	for _, sh := range []string{"bash", "zsh", "fish"} {
		res := runCLI(t, "completion", sh)
		if res.code != exitOK {
			t.Errorf("completion %s: exit %d %s", sh, res.code, res.stderr)
		}
		for _, want := range []string{"validate", "check", "status", "version", "state", "retry-failed", "format"} {
			if !strings.Contains(res.stdout, want) {
				t.Errorf("completion %s does not name %s", sh, want)
			}
		}
	}
}

// Colour only on a terminal, and never with NO_COLOR set or when piped.
func TestColour(t *testing.T) {
	t.Parallel()
	env := func(k string) string { return map[string]string{"NO_COLOR": "1"}[k] }
	none := func(string) string { return "" }
	if !cli.ColourOn(true, none) || cli.ColourOn(true, env) || cli.ColourOn(false, none) {
		t.Errorf("ColourOn: terminal %v, NO_COLOR %v, piped %v", cli.ColourOn(true, none), cli.ColourOn(true, env), cli.ColourOn(false, none))
	}
	if colourOn(&strings.Builder{}, cliEnv(nil)) {
		t.Errorf("colour on a pipe")
	}
	if got := cli.Paint("failed", "1 failed", true); got != "\x1b[31m1 failed\x1b[0m" || cli.Paint("failed", "x", false) != "x" {
		t.Errorf("Paint: %q", got)
	}
	res := runCLI(t, "run", "--help")
	if strings.Contains(res.stdout, "\x1b[") {
		t.Errorf("colour in piped output")
	}
}

// A run's checks tell what failed in its first seconds: as a line with
// what to do, or with --log-format json as one JSON object like every
// other line on stderr; the run goes on, and the rows concerned fail.
func TestRunTellsFailedChecks(t *testing.T) {
	t.Parallel()
	manifest := migrationWithout(t, func(name, s string) string {
		if name == "numbers.csv" {
			return strings.Replace(s, ",Family 10GB,", ",Family 100GB,", 1)
		}
		return s
	}, "portins.csv", "portouts.csv")
	dir := t.TempDir()
	res := runCLI(t, sandboxRunArgs(manifest, filepath.Join(dir, "a.db"), filepath.Join(dir, "a.xlsx"))...)
	if res.code != exitRowsFailed || !strings.Contains(res.stderr, "FAIL packages") || !strings.Contains(res.stderr, "fix the Package column") {
		t.Errorf("run with an unknown package: exit %d\n%s", res.code, res.stderr)
	}
	res = runCLI(t, sandboxRunArgs(manifest, filepath.Join(dir, "b.db"), filepath.Join(dir, "b.xlsx"), "--log-format", "json")...)
	var found bool
	for _, l := range strings.Split(strings.TrimSpace(res.stderr), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Errorf("stderr line is not JSON: %q", l)
			continue
		}
		found = found || (m["msg"] == "check" && m["name"] == "packages")
	}
	if !found {
		t.Errorf("no JSON line for the failed check:\n%s", res.stderr)
	}
}

package main

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"telegent-bulk/checkpoint"
	"telegent-bulk/telegent/sandbox"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden files under testdata/")

// The committed samples the CLI tests run (the test's directory is the
// repository root).
var (
	sampleBadRows   = filepath.Join("samples", "bad-rows.xlsx")
	sampleMigration = filepath.Join("samples", "migration.xlsx")
	sampleCSVDir    = filepath.Join("samples", "migration")
)

// cliResult is what one realMain call produced.
type cliResult struct {
	code           int
	stdout, stderr string
}

// testRoot is a folder the package's tests share for as long as the test
// binary runs: the config folder of the in-process runs (cliEnv) and the
// binary the process tests build (builtCLI) are in it.
var testRoot string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "telegent-bulk-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	testRoot = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// runCLI calls realMain with args in the tests' environment (cliEnv(nil))
// and captures both streams.
func runCLI(tb testing.TB, args ...string) cliResult {
	tb.Helper()
	return runCLIEnv(tb, cliEnv(nil), args...)
}

// runCLIEnv calls realMain with args in env and captures both streams.
func runCLIEnv(tb testing.TB, env environ, args ...string) cliResult {
	tb.Helper()
	var out, errOut bytes.Buffer
	code := realMain(args, env, &out, &errOut)
	return cliResult{code: code, stdout: out.String(), stderr: errOut.String()}
}

// noRealAPI empties the process's API and credential variables, for the
// tests that run the command in the process's own environment
// (runCLIProc), setting what they need with t.Setenv: they cannot run in
// parallel.
func noRealAPI(t *testing.T) {
	t.Helper()
	t.Setenv("XDG_CONFIG_HOME", t.TempDir()) // the sandbox's fingerprint key goes there
	t.Setenv("TELEGENT_API_URL", "")
	t.Setenv("TELEGENT_ACCOUNT_KEY", "")
	t.Setenv("TELEGENT_ACCOUNT_SECRET", "")
}

// runCLIProc calls realMain with args in the process's environment.
func runCLIProc(tb testing.TB, args ...string) cliResult {
	tb.Helper()
	return runCLIEnv(tb, environ{}, args...)
}

// cliEnv is the environment of an in-process run: vars alone, whatever the
// process's environment holds, so that no test reaches an API configured
// there (runs go to the embedded sandbox or nowhere), and a config folder
// of the test binary's own, where the sandbox's fingerprint key goes (one
// for every run, as for one user).
func cliEnv(vars map[string]string) environ {
	if vars == nil {
		vars = map[string]string{}
	}
	return environ{vars: vars, configDir: filepath.Join(testRoot, "config")}
}

// sandboxRunArgs is the run command of the tests against the embedded
// sandbox, fast enough for the sample's port orders to settle.
func sandboxRunArgs(manifest, state, out string, extra ...string) []string {
	args := []string{"run", manifest, "--sandbox", "--state", state, "--out", out,
		"--rps", "200", "--poll", "50ms", "--wait", "10s", "--sandbox-port-step", "100ms"}
	return append(args, extra...)
}

// validSteps runs validate on the sample migration and returns the number
// of steps it reports ("valid: 42 rows, 96 steps").
func validSteps(t *testing.T) int {
	t.Helper()
	res := runCLI(t, "validate", sampleMigration)
	var rows, steps int
	last := lastLine(res.stdout)
	if _, err := fmt.Sscanf(last, "valid: %d rows, %d steps", &rows, &steps); err != nil || res.code != 0 {
		t.Fatalf("validate %s: exit %d, last line %q (%v)", sampleMigration, res.code, last, err)
	}
	return steps
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}

func TestValidateGolden(t *testing.T) {
	t.Parallel()
	golden := filepath.Join("testdata", "validate-bad-rows.golden")
	res := runCLI(t, "validate", sampleBadRows)
	if res.code != exitRowsFailed {
		t.Errorf("validate %s: exit %d, want %d; stderr:\n%s", sampleBadRows, res.code, exitRowsFailed, res.stderr)
	}
	if *updateGolden {
		if err := os.WriteFile(golden, []byte(res.stdout), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("rewrote %s", golden)
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -run TestValidateGolden -update . to create it)", err)
	}
	if res.stdout != string(want) {
		t.Errorf("validate %s: stdout differs from %s (go test -update rewrites it)\ngot:\n%s\nwant:\n%s",
			sampleBadRows, golden, res.stdout, want)
	}

	// The workbook and the CSV folder are the same manifest: both valid,
	// with the same counts.
	var valid []string
	for _, path := range []string{sampleMigration, sampleCSVDir} {
		t.Run(filepath.Base(path), func(t *testing.T) {
			res := runCLI(t, "validate", path)
			if res.code != exitOK {
				t.Fatalf("validate %s: exit %d, want 0; stdout:\n%s\nstderr:\n%s", path, res.code, res.stdout, res.stderr)
			}
			last := lastLine(res.stdout)
			if !strings.HasPrefix(last, "valid: ") {
				t.Fatalf("validate %s: last line %q, want \"valid: …\"", path, last)
			}
			valid = append(valid, last)
		})
	}
	if len(valid) == 2 && valid[0] != valid[1] {
		t.Errorf("the workbook says %q, the CSV folder %q: want the same counts", valid[0], valid[1])
	}
}

// holdStateEnv names the checkpoint that TestHoldStateHelperProcess holds.
const holdStateEnv = "TELEGENT_TEST_HOLD_STATE"

// TestHoldStateHelperProcess is not a test: run as a child process with
// holdStateEnv set, it opens that checkpoint (taking its lock), says
// "held" on stdout and keeps it until its stdin closes (at most 2 minutes).
func TestHoldStateHelperProcess(t *testing.T) {
	path := os.Getenv(holdStateEnv)
	if path == "" {
		t.Skip("helper process of TestExitCodes (holds a checkpoint's lock)")
	}
	s, err := checkpoint.Open(path, checkpoint.Options{})
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	fmt.Println("held")
	closed := make(chan struct{})
	go func() {
		io.Copy(io.Discard, os.Stdin)
		close(closed)
	}()
	select {
	case <-closed:
	case <-time.After(2 * time.Minute):
	}
	if err := s.Close(); err != nil {
		t.Error(err)
	}
}

// holdState starts a child process that holds the checkpoint at path until
// the test ends.
func holdState(t *testing.T, path string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHoldStateHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), holdStateEnv+"="+path)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waited := make(chan error, 1)
	t.Cleanup(func() {
		stdin.Close()
		select {
		case err := <-waited:
			if err != nil {
				t.Errorf("lock holder: %v; stderr:\n%s", err, stderr.String())
			}
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
			t.Errorf("lock holder did not exit when its stdin closed")
		}
	})
	first := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		first <- strings.TrimSpace(line)
		io.Copy(io.Discard, stdout)
		waited <- cmd.Wait()
	}()
	select {
	case line := <-first:
		if line != "held" {
			t.Fatalf("lock holder said %q, want \"held\"; stderr:\n%s", line, stderr.String())
		}
	case <-time.After(time.Minute):
		cmd.Process.Kill()
		t.Fatal("lock holder did not take the lock within a minute")
	}
}

// stateRecords returns how many step records the checkpoint at path holds;
// a missing file holds none.
func stateRecords(t *testing.T, path string) int {
	t.Helper()
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return 0
	}
	s, err := checkpoint.Open(path, checkpoint.Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	defer s.Close()
	n := 0
	if err := s.ForEach(func(checkpoint.Record) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	return n
}

// sandboxFileOf is where run --sandbox keeps the sandbox beside a state file.
func sandboxFileOf(state string) string {
	ext := filepath.Ext(state)
	return strings.TrimSuffix(state, ext) + ".sandbox" + ext
}

// embeddedState reads the state an embedded sandbox left in its data file
// (the run that used it must have ended).
func embeddedState(t *testing.T, dataFile string) sandbox.State {
	t.Helper()
	srv, err := sandbox.New(sandbox.Options{DataFile: dataFile})
	if err != nil {
		t.Fatalf("open sandbox data %s: %v", dataFile, err)
	}
	defer srv.Close()
	return srv.State()
}

// freshSandboxState is the preloaded state every sandbox starts from.
func freshSandboxState(t *testing.T) sandbox.State {
	t.Helper()
	srv, err := sandbox.New(sandbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	return srv.State()
}

// resourceCounts counts what a sandbox holds, per resource.
func resourceCounts(st sandbox.State) map[string]int {
	return map[string]int{
		"accounts": len(st.Accounts), "subscribers": len(st.Subscribers), "message routes": len(st.MessageRoutes),
		"voice routes": len(st.VoiceRoutes), "numbers": len(st.Numbers), "orders": len(st.Orders),
		"subscriptions": len(st.Subscriptions), "message filters": len(st.MessageFilters),
	}
}

// wrongSecret is the account secret of the rejected-credentials case: it
// must never appear in the output.
const wrongSecret = "wrong-account-secret-8f3Kq"

func TestExitCodes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		args     func(t *testing.T, dir string) []string // may prepare what the command meets
		vars     map[string]string                       // the environment, when not empty
		wantCode int
		wantErr  []string // substrings of stderr
		check    func(t *testing.T, dir string)
	}{
		{
			name:     "no command",
			args:     func(*testing.T, string) []string { return nil },
			wantCode: exitUsage,
			wantErr:  []string{"usage:", "no command given"},
		},
		{
			name:     "unknown command",
			args:     func(*testing.T, string) []string { return []string{"frobnicate"} },
			wantCode: exitUsage,
			wantErr:  []string{"usage: telegent-bulk COMMAND", `unknown command "frobnicate": want one of validate, check, plan, run, status, sandbox, completion, version, help`},
		},
		{
			name:     "run without --state",
			args:     func(*testing.T, string) []string { return []string{"run", sampleMigration, "--sandbox"} },
			wantCode: exitUsage,
			wantErr:  []string{"run needs --state"},
		},
		{
			name: "run without an API",
			args: func(_ *testing.T, dir string) []string {
				return []string{"run", sampleMigration, "--state", filepath.Join(dir, "run.db")}
			},
			wantCode: exitUsage,
			wantErr:  []string{"no API to run against", "--api", "--sandbox"},
		},
		{
			name: "run a missing manifest",
			args: func(_ *testing.T, dir string) []string {
				return []string{"run", filepath.Join(dir, "nowhere.xlsx"), "--sandbox", "--state", filepath.Join(dir, "run.db")}
			},
			wantCode: exitUsage,
			wantErr:  []string{"nowhere.xlsx"},
		},
		{
			name: "validate a missing manifest",
			args: func(_ *testing.T, dir string) []string {
				return []string{"validate", filepath.Join(dir, "nowhere.csv")}
			},
			wantCode: exitUsage,
			wantErr:  []string{"nowhere.csv"},
		},
		{
			name: "run a manifest with problems",
			args: func(_ *testing.T, dir string) []string {
				return []string{"run", sampleBadRows, "--sandbox", "--state", filepath.Join(dir, "run.db")}
			},
			wantCode: exitUsage,
			wantErr:  []string{"Accounts:4:AccountName", "the manifest has 36 problems; nothing was sent"},
			check: func(t *testing.T, dir string) {
				state := filepath.Join(dir, "run.db")
				if n := stateRecords(t, state); n != 0 {
					t.Errorf("the checkpoint holds %d step records, want none", n)
				}
				data := sandboxFileOf(state)
				if _, err := os.Stat(data); errors.Is(err, fs.ErrNotExist) {
					return // no sandbox was even started
				}
				got, want := resourceCounts(embeddedState(t, data)), resourceCounts(freshSandboxState(t))
				if fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("the sandbox holds %v, want only its preload %v", got, want)
				}
			},
		},
		{
			name: "bad --log-format",
			args: func(_ *testing.T, dir string) []string {
				return sandboxRunArgs(sampleMigration, filepath.Join(dir, "run.db"), filepath.Join(dir, "r.xlsx"), "--log-format", "xml")
			},
			wantCode: exitUsage,
			wantErr:  []string{"--log-format xml: want text or json"},
		},
		{
			name:     "status without --state",
			args:     func(*testing.T, string) []string { return []string{"status"} },
			wantCode: exitUsage,
			wantErr:  []string{"status needs --state"},
		},
		{
			name: "status of a missing state file",
			args: func(_ *testing.T, dir string) []string {
				return []string{"status", "--state", filepath.Join(dir, "missing.db")}
			},
			wantCode: exitUsage,
			wantErr:  []string{"no state file", "missing.db"},
		},
		{
			name:     "status of a file that is not a state file",
			args:     func(*testing.T, string) []string { return []string{"status", "--state", sampleMigration} },
			wantCode: exitFatal,
			wantErr:  []string{"is not a telegent-bulk state file"},
		},
		{
			name: "run with rejected credentials",
			args: func(t *testing.T, dir string) []string {
				srv, err := sandbox.New(sandbox.Options{Seed: 1})
				if err != nil {
					t.Fatal(err)
				}
				hs := httptest.NewServer(srv)
				t.Cleanup(func() { hs.Close(); srv.Close() })
				return []string{"run", sampleMigration, "--api", hs.URL, "--state", filepath.Join(dir, "run.db"),
					"--out", filepath.Join(dir, "r.xlsx"), "--quiet"}
			},
			vars:     map[string]string{"TELEGENT_ACCOUNT_KEY": "not-the-sandbox-key", "TELEGENT_ACCOUNT_SECRET": wrongSecret},
			wantCode: exitFatal,
			wantErr:  []string{"credentials rejected"},
			check: func(t *testing.T, dir string) {
				if n := stateRecords(t, filepath.Join(dir, "run.db")); n != 0 {
					t.Errorf("the checkpoint holds %d step records after the credentials were rejected, want none", n)
				}
			},
		},
		{
			name: "run on a state file another process holds",
			args: func(t *testing.T, dir string) []string {
				holdState(t, filepath.Join(dir, "held.db"))
				return sandboxRunArgs(sampleMigration, filepath.Join(dir, "held.db"), filepath.Join(dir, "r.xlsx"), "--quiet")
			},
			wantCode: exitFatal,
			wantErr:  []string{"another run is using", "held.db"},
			check: func(t *testing.T, dir string) {
				if _, err := os.Stat(filepath.Join(dir, "r.xlsx")); !errors.Is(err, fs.ErrNotExist) {
					t.Errorf("results written although the run could not start: stat: %v", err)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			res := runCLIEnv(t, cliEnv(tt.vars), tt.args(t, dir)...)
			if res.code != tt.wantCode {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", res.code, tt.wantCode, res.stdout, res.stderr)
			}
			for _, want := range tt.wantErr {
				if !strings.Contains(res.stderr, want) {
					t.Errorf("stderr does not say %q; got:\n%s", want, res.stderr)
				}
			}
			if strings.Contains(res.stdout+res.stderr, wrongSecret) {
				t.Errorf("the output shows the account secret")
			}
			if tt.check != nil {
				tt.check(t, dir)
			}
		})
	}
}

// statusCounts parses the status table into counts per kind and state.
func statusCounts(t *testing.T, out string) map[string]map[string]int {
	t.Helper()
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	for len(lines) > 1 && !strings.HasPrefix(lines[0], "KIND") {
		lines = lines[1:] // what the checkpoint says of its runs
	}
	header := strings.Fields(lines[0])
	if len(header) < 2 || header[0] != "KIND" {
		t.Fatalf("status: header %q, want KIND and the states", lines[0])
	}
	counts := map[string]map[string]int{}
	for _, l := range lines[1:] {
		f := strings.Fields(l)
		if len(f) == 0 {
			break // the open port orders follow
		}
		if len(f) != len(header) {
			t.Fatalf("status: line %q has %d fields, want %d", l, len(f), len(header))
		}
		counts[f[0]] = map[string]int{}
		for i, s := range header[1:] {
			n, err := strconv.Atoi(f[i+1])
			if err != nil {
				t.Fatalf("status: line %q: %v", l, err)
			}
			counts[f[0]][s] = n
		}
	}
	return counts
}

// sandboxDuplicates lists the resources that exist more than once where a
// manifest row asks for one.
func sandboxDuplicates(st sandbox.State) map[string][]string {
	keys := map[string][]string{}
	add := func(kind, k string) {
		if k != "" {
			keys[kind] = append(keys[kind], k)
		}
	}
	for _, a := range st.Accounts {
		add("accounts by name", a.AccountName)
	}
	for _, s := range st.Subscribers {
		add("subscribers by e-mail", strings.ToLower(s.Email))
	}
	for _, m := range st.MessageRoutes {
		add("message routes by name", m.RouteName)
	}
	for _, v := range st.VoiceRoutes {
		add("voice routes by name", v.RouteName)
	}
	for _, s := range st.Subscriptions {
		if s.Active {
			add("active subscriptions by TNID", s.TNID)
		}
	}
	for _, n := range st.Numbers {
		add("numbers by ICCID", n.ICCID)
		add("numbers by phone number", n.PhoneNumber)
	}
	for _, o := range st.Orders {
		if o.OrderType == "portin" && o.OrderStatus != "Cancelled" && len(o.PhoneNumbersOrdered) > 0 {
			add("open or completed port-in orders by number", o.PhoneNumbersOrdered[0].Number)
		}
		if o.OrderType == "portout" && len(o.PhoneNumbersOrdered) > 0 {
			add("port-out PINs by number", o.PhoneNumbersOrdered[0].Number)
		}
	}
	for _, f := range st.MessageFilters {
		add("message filters by subscriber and number", f.SubscriberId+" "+f.Phone)
	}
	dups := map[string][]string{}
	for kind, ks := range keys {
		seen := map[string]int{}
		for _, k := range ks {
			if seen[k]++; seen[k] == 2 {
				dups[kind] = append(dups[kind], k)
			}
		}
	}
	return dups
}

// The sample migration against the embedded sandbox: exit 1 (the sample's
// port-ins fail on purpose), a results workbook, and a second run of the
// same command that changes nothing.
func TestRunSandbox(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	state, out := filepath.Join(dir, "run.db"), filepath.Join(dir, "results.xlsx")
	args := sandboxRunArgs(sampleMigration, state, out, "--quiet")
	preload := resourceCounts(freshSandboxState(t))

	first := runCLI(t, args...)
	if first.code != exitRowsFailed {
		t.Fatalf("first run: exit %d, want %d (the sample's bad port-ins fail)\nstderr:\n%s", first.code, exitRowsFailed, first.stderr)
	}
	if first.stdout != "" {
		t.Errorf("first run with --quiet printed %q on stdout, want nothing", first.stdout)
	}
	checkWorkbook(t, out)
	status1 := runCLI(t, "status", "--state", state)
	if status1.code != exitOK {
		t.Fatalf("status: exit %d\n%s", status1.code, status1.stderr)
	}
	counts1 := statusCounts(t, status1.stdout)
	var done, failed int
	for kind, byState := range counts1 {
		done, failed = done+byState["done"], failed+byState["failed"]
		for _, s := range []string{"in-flight", "pending", "waiting"} {
			if byState[s] != 0 {
				t.Errorf("status after the first run: %s has %d %s steps, want 0", kind, byState[s], s)
			}
		}
	}
	// 9901 is not eligible; 9911, 9912, 9913 and 9919 are rejected.
	if failed != 5 || done == 0 {
		t.Errorf("status after the first run: %d done, %d failed; want some done and 5 failed\n%s", done, failed, status1.stdout)
	}
	sb1 := embeddedState(t, sandboxFileOf(state))
	if d := sandboxDuplicates(sb1); len(d) > 0 {
		t.Errorf("duplicates after the first run: %v", d)
	}
	if got := resourceCounts(sb1); got["accounts"] <= preload["accounts"] || got["numbers"] <= preload["numbers"] {
		t.Errorf("the sandbox holds %v after the first run, its preload %v: want accounts and numbers created", got, preload)
	}

	second := runCLI(t, args...)
	if second.code != exitRowsFailed {
		t.Fatalf("second run: exit %d, want %d\nstderr:\n%s", second.code, exitRowsFailed, second.stderr)
	}
	status2 := runCLI(t, "status", "--state", state)
	if !strings.HasPrefix(status2.stdout, "2 runs since ") {
		t.Errorf("status after the second run does not count it:\n%s", status2.stdout)
	}
	if a, b := statusCounts(t, status1.stdout), statusCounts(t, status2.stdout); fmt.Sprint(a) != fmt.Sprint(b) {
		t.Errorf("status changed with the second run:\nfirst:\n%s\nsecond:\n%s", status1.stdout, status2.stdout)
	}
	sb2 := embeddedState(t, sandboxFileOf(state))
	if got, want := resourceCounts(sb2), resourceCounts(sb1); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("the second run changed the sandbox: %v, after the first run %v", got, want)
	}
	if d := sandboxDuplicates(sb2); len(d) > 0 {
		t.Errorf("duplicates after the second run: %v", d)
	}
	checkWorkbook(t, out)
}

// checkWorkbook opens a results workbook and checks it has the manifest's
// tabs with a Status column, and the Summary and Errors tabs.
func checkWorkbook(t *testing.T, path string) {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatalf("results workbook: %v", err)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	for _, want := range []string{"Accounts", "Subscribers", "Numbers", "PortIns", "Summary", "Errors"} {
		if !slices.Contains(sheets, want) {
			t.Errorf("%s: tabs %v, want %s", path, sheets, want)
		}
	}
	rows, err := f.GetRows("Accounts")
	if err != nil || len(rows) < 2 {
		t.Fatalf("%s: Accounts: %d rows, %v", path, len(rows), err)
	}
	if !slices.Contains(rows[0], "Status") || !slices.Contains(rows[0], "AccountId") {
		t.Errorf("%s: Accounts header %v, want Status and AccountId", path, rows[0])
	}
}

// --out FILE.csv writes one CSV file per tab beside FILE.
func TestRunCSVOut(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	res := runCLI(t, sandboxRunArgs(sampleMigration, filepath.Join(dir, "run.db"), filepath.Join(dir, "results.csv"), "--quiet")...)
	if res.code != exitRowsFailed {
		t.Fatalf("exit %d, want %d\nstderr:\n%s", res.code, exitRowsFailed, res.stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "results.csv")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("results.csv exists (stat: %v); want one file per tab instead", err)
	}
	tabs := []struct {
		tab, firstColumn string
		rows             int // data rows, -1: any
	}{
		{"Accounts", "AccountRef", 3},
		{"Subscribers", "Email", 15},
		{"MessageRoutes", "RouteRef", 2},
		{"VoiceRoutes", "RouteRef", 1},
		{"Numbers", "LineRef", 11},
		{"PortIns", "PortInNumber", 8},
		{"PortOuts", "PortOutNumber", 2},
		{"Summary", "Kind", -1},
		{"Errors", "Sheet", -1},
	}
	for _, tt := range tabs {
		t.Run(tt.tab, func(t *testing.T) {
			path := filepath.Join(dir, "results-"+tt.tab+".csv")
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte("\ufeff"))))
			r.FieldsPerRecord = -1 // Summary stacks blocks of different widths
			recs, err := r.ReadAll()
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			if len(recs) == 0 || recs[0][0] != tt.firstColumn {
				t.Fatalf("%s: header %v, want it to start with %s", path, recs[:min(1, len(recs))], tt.firstColumn)
			}
			if tt.rows >= 0 {
				if got := len(recs) - 1; got != tt.rows {
					t.Errorf("%s: %d data rows, want %d", path, got, tt.rows)
				}
				if !slices.Contains(recs[0], "Status") {
					t.Errorf("%s: header %v has no Status", path, recs[0])
				}
			}
		})
	}
}

// manifestSecrets returns the long secret values of the sample's CSV
// folder (short PINs could appear by chance in a timestamp).
func manifestSecrets(t *testing.T) []string {
	t.Helper()
	secretCols := map[string]bool{"Password": true, "CurrentAccountPassword": true, "PortOutPIN": true,
		"MessagePasswordToken": true, "CallbackMessagePasswordToken": true, "VoicePasswordToken": true}
	files, err := filepath.Glob(filepath.Join(sampleCSVDir, "*.csv"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no CSV files in %s: %v", sampleCSVDir, err)
	}
	var secrets []string
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte("\ufeff")))).ReadAll()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for c, h := range recs[0] {
			if !secretCols[h] {
				continue
			}
			for _, r := range recs[1:] {
				if c < len(r) && len(r[c]) >= 8 {
					secrets = append(secrets, r[c])
				}
			}
		}
	}
	if len(secrets) == 0 {
		t.Fatal("the sample has no long secret to look for")
	}
	return secrets
}

// --log-format json: one JSON object per line on stderr, one at least per
// step, each naming its key, sheet, row and state; no secret anywhere.
func TestRunJSONLog(t *testing.T) {
	t.Parallel()
	steps := validSteps(t)
	dir := t.TempDir()
	res := runCLI(t, sandboxRunArgs(sampleMigration, filepath.Join(dir, "run.db"), filepath.Join(dir, "results.xlsx"),
		"--log-format", "json", "--quiet")...)
	if res.code != exitRowsFailed {
		t.Fatalf("exit %d, want %d\nstderr:\n%s", res.code, exitRowsFailed, res.stderr)
	}
	keys := map[string]bool{}
	states := map[string]int{}
	lines := strings.Split(strings.TrimRight(res.stderr, "\n"), "\n")
	for n, line := range lines {
		var obj map[string]any
		if err := json.Unmarshal([]byte(line), &obj); err != nil {
			t.Fatalf("stderr line %d is not a JSON object: %q (%v)", n+1, line, err)
		}
		key, _ := obj["key"].(string)
		sheet, _ := obj["sheet"].(string)
		row, _ := obj["row"].(float64)
		state, _ := obj["state"].(string)
		if key == "" || sheet == "" || row < 2 || state == "" {
			t.Errorf("stderr line %d: key %q, sheet %q, row %v, state %q: want all four", n+1, key, sheet, obj["row"], state)
			continue
		}
		keys[key] = true
		states[state]++
	}
	if len(keys) != steps {
		t.Errorf("the log names %d distinct steps, want every one of the %d", len(keys), steps)
	}
	if states["done"] == 0 || states["failed"] != 5 {
		t.Errorf("logged states %v, want some done and 5 failed", states)
	}
	for _, s := range manifestSecrets(t) {
		if strings.Contains(res.stderr, s) {
			t.Errorf("the JSON log shows a secret from the manifest (%d characters)", len(s))
		}
	}
}

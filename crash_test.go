package main

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"telegent-bulk/checkpoint"
	"telegent-bulk/jobs"
	"telegent-bulk/plan"
	"telegent-bulk/samples/samplegen"
	"telegent-bulk/sheets"
	"telegent-bulk/telegent/sandbox"
)

// Crash test settings: CRASH_KILLS kills (default 10), CRASH_SEED for the
// kill delays (default crashDefaultSeed).
const (
	crashDefaultKills = 10
	crashDefaultSeed  = 20260601
	crashRows         = 300
	crashMinDelay     = 30 * time.Millisecond
	crashMaxDelay     = 600 * time.Millisecond
	crashFinalRuns    = 3               // runs without a kill at the end, at most
	crashFinalBound   = 3 * time.Minute // for those runs together
)

// TestCrashResume kills a real run with SIGKILL at random moments, again
// and again, against a separate sandbox process that also loses answers,
// then lets one run finish: nothing may be created twice and no row may be
// lost. Creates whose outcome no lookup settles need attention; a run made
// as is sends none of them, and once they are settled as the results say
// (the ID filled in, or --resend), every step must end done. Rounds take
// the sandbox's documented and extended profiles in turn.
//
// A round is one sandbox process, one checkpoint and one results workbook.
// Once a run has finished the whole manifest by itself, the round is
// checked and, if kills remain to be made, the test starts over with a
// fresh sandbox and checkpoint, so that every kill lands on a run that
// still has work (a kill of a resume with nothing left to do proves little).
func TestCrashResume(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds the binary and runs it many times; skipped with -short")
	}
	kills := crashDefaultKills
	if v := os.Getenv("CRASH_KILLS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			t.Fatalf("CRASH_KILLS=%q: want a whole number", v)
		}
		kills = n
	}
	seed := uint64(crashDefaultSeed)
	if v := os.Getenv("CRASH_SEED"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("CRASH_SEED=%q: want a whole number", v)
		}
		seed = n
	}
	t.Logf("%d kills, seed %d (CRASH_KILLS, CRASH_SEED)", kills, seed)

	dir := t.TempDir()
	bin := builtCLI(t)
	manifest := filepath.Join(dir, "manifest")
	shape, err := samplegen.WriteSynthetic(manifest, crashRows, "csv")
	if err != nil {
		t.Fatal(err)
	}
	p := crashPlan(t, manifest)

	c := &crashCampaign{
		t: t, bin: bin, manifest: manifest, shape: shape, plan: p,
		rng:      rand.New(rand.NewPCG(seed, seed^0x5eed)),
		maxRuns:  4*kills + 20,
		deadline: time.Now().Add(time.Duration(kills)*2*time.Second + 2*time.Minute),
	}
	if d, ok := t.Deadline(); ok && d.Add(-crashFinalBound-30*time.Second).Before(c.deadline) {
		c.deadline = d.Add(-crashFinalBound - 30*time.Second)
	}
	for round := 1; ; round++ {
		landedBefore := c.landed
		if !c.round(round, filepath.Join(dir, fmt.Sprintf("round-%d", round)), kills) {
			break // the round failed: its errors say why
		}
		if c.landed >= kills || c.landed == landedBefore || c.runs >= c.maxRuns || time.Now().After(c.deadline) {
			break
		}
	}
	t.Logf("%d kills landed, each on a run with steps left, in %d rounds and %d runs (%d finished by themselves)",
		c.landed, c.rounds, c.runs, c.finished)
	if c.landed < kills && !t.Failed() {
		t.Errorf("only %d of %d kills landed in %d runs", c.landed, kills, c.runs)
	}
}

// crashCampaign is the state of TestCrashResume across its rounds.
type crashCampaign struct {
	t        *testing.T
	bin      string
	manifest string
	shape    samplegen.Shape
	plan     *plan.Plan
	rng      *rand.Rand
	maxRuns  int
	deadline time.Time

	rounds, runs, landed, finished int
}

// round runs one round in dir until the manifest is done, making kills
// until the campaign has made `kills` of them, then checks the outcome.
// It reports whether the round passed.
func (c *crashCampaign) round(n int, dir string, kills int) bool {
	t := c.t
	c.rounds++
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	// The API as documented (odd rounds) or with the extended profile's
	// extras (even rounds), losing the answer to 1% of creates and to the
	// first create of every kind (port-in submits and PINs too): every lost
	// create that the lookups at hand cannot settle must end needing
	// attention, never sent twice.
	profile := sandbox.ProfileDocumented
	if n%2 == 0 {
		profile = sandbox.ProfileExtended
	}
	url, stop := startSandboxProcess(t, c.bin, filepath.Join(dir, "sandbox.db"), "--lose-rate", "0.01",
		"--lose-first", "1", "--profile", profile.String())
	defer stop()
	before := fetchSandboxState(t, url)
	// The round's own copy of the manifest: settling what needs attention
	// edits it, as a person would.
	manifest := filepath.Join(dir, "manifest")
	copyDir(t, c.manifest, manifest)
	state, results := filepath.Join(dir, "run.db"), filepath.Join(dir, "results.xlsx")
	cr := &crashRunner{
		bin: c.bin,
		args: []string{"run", manifest, "--api", url, "--state", state, "--out", results,
			"--rps", "400", "--concurrency", "16", "--poll", "50ms", "--wait", "20s", "--quiet"},
		env: append(os.Environ(), "TELEGENT_API_URL=", "TELEGENT_ACCOUNT_KEY="+sandbox.AccountKey,
			"TELEGENT_ACCOUNT_SECRET="+sandbox.AccountSecret, "XDG_CONFIG_HOME="+dir),
	}

	// Kill phase: until the kills are made or a run ends by itself (it
	// finished the manifest: the round starts over after its checks).
	var history strings.Builder // k: killed, f: finished by itself, F: final
	landed := 0
	for c.landed < kills && c.runs < c.maxRuns && time.Now().Before(c.deadline) &&
		stepsLeft(t, state, len(c.plan.Steps)) > 0 {
		delay := crashMinDelay + time.Duration(c.rng.Int64N(int64(crashMaxDelay-crashMinDelay)+1))
		r := cr.run(t, delay)
		c.runs++
		if r.killed {
			c.landed++
			landed++
			history.WriteByte('k')
			continue
		}
		c.finished++
		history.WriteByte('f')
		if r.code != exitOK && r.code != exitRowsFailed {
			t.Fatalf("round %d: run %d finished by itself with exit %d; stderr:\n%s", n, c.runs, r.code, r.stderr)
		}
		break
	}

	// Final phase: run without a kill until a run ends with nothing open;
	// what lookups could not settle needs attention, and is never sent
	// again until the person settles it.
	finalDeadline := time.Now().Add(crashFinalBound)
	var final crashResult
	for settled := 0; ; {
		final = c.finalRuns(cr, n, state, finalDeadline, &history)
		cr.extra = nil // --resend says what was checked before that run, not after it
		attention := crashAttention(t, state)
		if len(attention) == 0 || final.code == exitOK {
			break
		}
		if settled++; settled > crashFinalRuns {
			t.Fatalf("round %d: still %d steps need attention after %d rounds of settling", n, len(attention), crashFinalRuns)
		}
		// Run again as is: nothing that needs attention may be sent.
		was := fetchSandboxState(t, url)
		c.finalRuns(cr, n, state, finalDeadline, &history)
		if d := createdSince(was, fetchSandboxState(t, url)); d != "" {
			t.Fatalf("round %d: a run re-sent creates that needed attention: %s", n, d)
		}
		// The person asks the platform and either fills the ID in or
		// says the create was never applied (--resend).
		resend := settleAttention(t, attention, manifest, c.plan, before, fetchSandboxState(t, url))
		cr.extra = nil
		for _, k := range resend {
			cr.extra = append(cr.extra, "--resend", k)
		}
		t.Logf("round %d: settled %d steps that needed attention (%d re-sent)", n, len(attention), len(resend))
	}
	cr.extra = nil
	t.Logf("round %d (%s profile): %d kills; runs %s (k killed, f finished by itself, F final); the last exited %d after %s",
		n, profile, landed, history.String(), final.code, final.elapsed.Round(time.Millisecond))
	if final.code != exitOK {
		t.Errorf("round %d: final run: exit %d, want 0 (a valid manifest, every lost create settled); stderr:\n%s",
			n, final.code, final.stderr)
	}
	after := fetchSandboxState(t, url)
	checkCrashSandbox(t, before, after, c.shape, c.plan)
	checkCrashResults(t, results, c.manifest)
	checkCrashCheckpoint(t, state, c.plan)
	return !t.Failed()
}

// finalRuns runs without a kill until a run ends with no port order open
// (or with rows failed or needing attention).
func (c *crashCampaign) finalRuns(cr *crashRunner, n int, state string, deadline time.Time, history *strings.Builder) crashResult {
	t := c.t
	for f := 1; ; f++ {
		if time.Now().After(deadline) || f > crashFinalRuns {
			t.Fatalf("round %d: no run finished with every step settled within %d runs and %s", n, crashFinalRuns, crashFinalBound)
		}
		final := cr.run(t, time.Until(deadline))
		c.runs++
		history.WriteByte('F')
		if final.killed {
			t.Fatalf("round %d: the final run did not end within %s", n, crashFinalBound)
		}
		if final.code != exitOK && final.code != exitRowsFailed {
			t.Fatalf("round %d: final run: exit %d, want 0 or 1; stderr:\n%s", n, final.code, final.stderr)
		}
		if final.code == exitRowsFailed || stepsWaiting(t, state) == 0 {
			return final
		}
	}
}

// crashAttention returns the steps that need attention, and fails the
// test on a failed one (the manifest is valid, the sandbox loses answers
// but refuses nothing).
func crashAttention(t *testing.T, state string) map[string]checkpoint.Record {
	t.Helper()
	s, err := checkpoint.Open(state, checkpoint.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	out := map[string]checkpoint.Record{}
	err = s.ForEach(func(r checkpoint.Record) error {
		switch r.State {
		case checkpoint.NeedsAttention:
			out[string(r.Key)] = r
		case checkpoint.Failed:
			t.Errorf("step failed: %s: %s", r.Key, r.ErrMessage)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// createdSince describes what after holds that was holds not: "" when
// nothing was created.
func createdSince(was, after sandbox.State) string {
	var d []string
	for _, c := range []struct {
		what       string
		was, after int
	}{
		{"accounts", len(was.Accounts), len(after.Accounts)},
		{"subscribers", len(was.Subscribers), len(after.Subscribers)},
		{"message routes", len(was.MessageRoutes), len(after.MessageRoutes)},
		{"voice routes", len(was.VoiceRoutes), len(after.VoiceRoutes)},
		{"numbers", len(was.Numbers), len(after.Numbers)},
		{"orders", len(was.Orders), len(after.Orders)},
		{"subscriptions", len(was.Subscriptions), len(after.Subscriptions)},
		{"message filters", len(was.MessageFilters), len(after.MessageFilters)},
	} {
		if c.after != c.was {
			d = append(d, fmt.Sprintf("%s %d → %d", c.what, c.was, c.after))
		}
	}
	return strings.Join(d, ", ")
}

// settleAttention does what the results tell a person to do about
// creates that need attention (samplegen.Settle) on the round's manifest
// copy, and returns the keys to resend.
func settleAttention(t *testing.T, attention map[string]checkpoint.Record, manifest string, p *plan.Plan,
	before, now sandbox.State) []string {
	t.Helper()
	rows := map[string]*plan.Row{}
	for i := range p.Steps {
		rows[string(p.Key(plan.StepID(i)))] = &p.Rows[p.Steps[i].Row]
	}
	var items []samplegen.Attention
	for key := range attention {
		row := rows[key]
		if row == nil {
			t.Fatalf("needs attention but is no step of the plan: %s", key)
		}
		name := ""
		switch row.Kind {
		case plan.Accounts:
			name = row.Get("AccountName")
		case plan.MessageRoutes, plan.VoiceRoutes:
			name = row.Get("RouteName")
		}
		items = append(items, samplegen.Attention{Key: key, Name: name})
	}
	resend, err := samplegen.Settle(manifest, items, before, now)
	if err != nil {
		t.Fatal(err)
	}
	return resend
}

// cliBuild is the command as builtCLI built it, once per test binary.
var cliBuild struct {
	once sync.Once
	bin  string
	err  error
}

// builtCLI returns the command built into the tests' shared folder, building
// it on the first call.
func builtCLI(t *testing.T) string {
	t.Helper()
	cliBuild.once.Do(func() {
		cliBuild.bin, cliBuild.err = buildCLI(t, filepath.Join(testRoot, "bin"))
	})
	if cliBuild.err != nil {
		t.Fatal(cliBuild.err)
	}
	return cliBuild.bin
}

// buildCLI builds the command into dir, with -race when the test itself
// was built with it (so the build reuses the test's compiled packages).
func buildCLI(t *testing.T, dir string) (string, error) {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("the go command is needed to build the binary: %w", err)
	}
	bin := filepath.Join(dir, "telegent-bulk")
	args := []string{"build", "-o", bin}
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, s := range info.Settings {
			if s.Key == "-race" && s.Value == "true" {
				args = append(args, "-race")
			}
		}
	}
	args = append(args, ".")
	start := time.Now()
	cmd := exec.Command(goTool, args...)
	cmd.Dir = "." // the repository root: this test's package directory
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go %s: %w\n%s", strings.Join(args, " "), err, out)
	}
	t.Logf("go %s: %s", strings.Join(args[:len(args)-1], " "), time.Since(start).Round(time.Millisecond))
	return bin, nil
}

var sandboxListening = regexp.MustCompile(`^sandbox listening on (http://127\.0\.0\.1:[0-9]+) `)

// startSandboxProcess starts `telegent-bulk sandbox` on a free loopback
// port and returns its URL and a function that stops it (SIGTERM, then
// SIGKILL after 10 s); the test's cleanup stops it too if need be.
func startSandboxProcess(t *testing.T, bin, data string, extra ...string) (url string, stop func()) {
	t.Helper()
	args := append([]string{"sandbox", "--addr", "127.0.0.1:0", "--data", data, "--port-step", "50ms", "--seed", "3"}, extra...)
	cmd := exec.Command(bin, args...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	first := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		first <- line
		io.Copy(io.Discard, stdout)
		exited <- cmd.Wait()
	}()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cmd.Process.Signal(syscall.SIGTERM)
			select {
			case err := <-exited:
				if err != nil {
					t.Errorf("sandbox process: %v; stderr:\n%s", err, stderr.String())
				}
			case <-time.After(10 * time.Second):
				cmd.Process.Kill()
				<-exited
				t.Errorf("the sandbox process did not stop within 10 s of SIGTERM")
			}
		})
	}
	t.Cleanup(stop)
	select {
	case line := <-first:
		// The line also shows the sandbox credentials: never logged.
		m := sandboxListening.FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("the sandbox process did not announce its URL (%d bytes on its first line); stderr:\n%s",
				len(line), stderr.String())
		}
		return m[1], stop
	case <-time.After(30 * time.Second):
		t.Fatal("the sandbox process said nothing within 30 s")
	}
	return "", stop
}

// fetchSandboxState reads every resource through GET /_sandbox/state.
func fetchSandboxState(t *testing.T, url string) sandbox.State {
	t.Helper()
	client := &http.Client{Timeout: 30 * time.Second}
	resp, err := client.Get(url + "/_sandbox/state")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /_sandbox/state: %s", resp.Status)
	}
	var st sandbox.State
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		t.Fatalf("GET /_sandbox/state: %v", err)
	}
	return st
}

// TestInterruptExitCode interrupts a real run with SIGINT (Ctrl-C) in the
// middle of a migration: the run stops taking steps, lets the calls in
// flight finish, writes the results and exits 130 with nothing left
// in-flight; the same command then finishes the migration, creating
// nothing twice.
func TestInterruptExitCode(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds the binary; skipped with -short")
	}
	dir := t.TempDir()
	bin := builtCLI(t)
	manifest := filepath.Join(dir, "manifest")
	shape, err := samplegen.WriteSynthetic(manifest, 60, "csv")
	if err != nil {
		t.Fatal(err)
	}
	p := crashPlan(t, manifest)
	url, stop := startSandboxProcess(t, bin, filepath.Join(dir, "sandbox.db"), "--latency", "100ms")
	defer stop()
	before := fetchSandboxState(t, url)
	state, results := filepath.Join(dir, "run.db"), filepath.Join(dir, "results.xlsx")
	cr := &crashRunner{
		bin: bin,
		args: []string{"run", manifest, "--api", url, "--state", state, "--out", results,
			"--rps", "20", "--concurrency", "4", "--poll", "50ms", "--wait", "20s"},
		env: append(os.Environ(), "TELEGENT_API_URL=", "TELEGENT_ACCOUNT_KEY="+sandbox.AccountKey,
			"TELEGENT_ACCOUNT_SECRET="+sandbox.AccountSecret, "XDG_CONFIG_HOME="+dir),
	}

	cmd := exec.Command(cr.bin, cr.args...)
	cmd.Env = cr.env
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = io.Discard, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	// Interrupt once the run has done a few steps, as its progress file
	// (what status shows during a run) tells.
	bound := time.After(2 * time.Minute)
	for progressed := false; !progressed; {
		select {
		case err := <-exited:
			t.Fatalf("the run ended before it was interrupted (%v); stderr:\n%s", err, stderr.String())
		case <-bound:
			cmd.Process.Kill()
			t.Fatalf("the run showed no progress within 2 minutes; stderr:\n%s", stderr.String())
		case <-time.After(20 * time.Millisecond):
			l, err := jobs.ReadLive(jobs.LivePath(state))
			progressed = err == nil && l.Totals.Done >= 5
		}
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	select {
	case <-exited:
	case <-time.After(time.Minute):
		cmd.Process.Kill()
		t.Fatalf("the run did not end within a minute of SIGINT; stderr:\n%s", stderr.String())
	}
	if code := cmd.ProcessState.ExitCode(); code != exitInterrupted {
		t.Fatalf("exit %d after SIGINT, want %d; stderr:\n%s", code, exitInterrupted, stderr.String())
	}
	if !strings.Contains(stderr.String(), "re-run the same command to resume") {
		t.Errorf("stderr does not say how to resume:\n%s", stderr.String())
	}
	if _, err := os.Stat(jobs.LivePath(state)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the progress file is still there after the run: %v", err)
	}
	counts, _ := crashStateCounts(t, state)
	if counts[checkpoint.InFlight] != 0 {
		t.Errorf("%d steps left in-flight: the calls in flight should have been let finish", counts[checkpoint.InFlight])
	}
	if left := stepsLeft(t, state, len(p.Steps)); left == 0 {
		t.Fatalf("the interrupt came after the last step: nothing was left to resume")
	}
	if _, err := os.Stat(results); err != nil {
		t.Errorf("no results workbook after the interrupt: %v", err)
	}

	if r := cr.run(t, 2*time.Minute); r.killed || r.code != exitOK {
		t.Fatalf("resumed run: killed %v, exit %d; stderr:\n%s", r.killed, r.code, r.stderr)
	}
	checkCrashSandbox(t, before, fetchSandboxState(t, url), shape, p)
	checkCrashResults(t, results, manifest)
	checkCrashCheckpoint(t, state, p)
}

// crashPlan builds the plan of a manifest (to know every step key).
func crashPlan(t *testing.T, manifest string) *plan.Plan {
	t.Helper()
	rs, err := sheets.Open(manifest)
	if err != nil {
		t.Fatal(err)
	}
	p, problems, err := plan.Build(rs)
	for _, r := range rs {
		r.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) > 0 {
		t.Fatalf("the synthetic manifest has %d problems, first: %v", len(problems), problems[0])
	}
	return p
}

// crashRunner starts the run command of the crash test.
type crashRunner struct {
	bin   string
	args  []string
	extra []string // more arguments for the next runs (--resend)
	env   []string
}

type crashResult struct {
	killed  bool // SIGKILL ended it
	code    int  // exit code when it ended by itself
	elapsed time.Duration
	stderr  string
}

// run starts the command and sends SIGKILL after delay unless it ends by
// itself first.
func (c *crashRunner) run(t *testing.T, delay time.Duration) crashResult {
	t.Helper()
	cmd := exec.Command(c.bin, append(slices.Clone(c.args), c.extra...)...)
	cmd.Env = c.env
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = io.Discard, &stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	timer := time.NewTimer(delay)
	defer timer.Stop()
	var err error
	select {
	case err = <-exited:
	case <-timer.C:
		cmd.Process.Signal(syscall.SIGKILL)
		err = <-exited
	}
	res := crashResult{elapsed: time.Since(start), stderr: stderr.String()}
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		t.Fatalf("run: %v", err)
	}
	ws, _ := cmd.ProcessState.Sys().(syscall.WaitStatus)
	if ws.Signaled() {
		if ws.Signal() != syscall.SIGKILL {
			t.Fatalf("run ended by signal %v; stderr:\n%s", ws.Signal(), res.stderr)
		}
		res.killed = true
		return res
	}
	res.code = cmd.ProcessState.ExitCode()
	return res
}

// crashStateCounts reads the checkpoint's records per state; a checkpoint
// not written yet (missing, or killed before its first write) has none.
func crashStateCounts(t *testing.T, state string) (map[checkpoint.State]int, bool) {
	t.Helper()
	if fi, err := os.Stat(state); errors.Is(err, fs.ErrNotExist) || err == nil && fi.Size() == 0 {
		return nil, false
	}
	s, err := checkpoint.Open(state, checkpoint.Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("between runs the checkpoint does not open: %v", err)
	}
	defer s.Close()
	counts, err := s.Count()
	if err != nil {
		t.Fatal(err)
	}
	return counts, true
}

// stepsLeft returns how many of the plan's steps are not done yet.
func stepsLeft(t *testing.T, state string, steps int) int {
	t.Helper()
	counts, ok := crashStateCounts(t, state)
	if !ok {
		return steps
	}
	return steps - counts[checkpoint.Done]
}

// stepsWaiting returns how many port orders the checkpoint has open.
func stepsWaiting(t *testing.T, state string) int {
	t.Helper()
	counts, _ := crashStateCounts(t, state)
	return counts[checkpoint.Waiting]
}

// checkCrashSandbox: nothing twice, and exactly what the manifest asked for.
func checkCrashSandbox(t *testing.T, before, after sandbox.State, shape samplegen.Shape, p *plan.Plan) {
	t.Helper()
	if d := sandboxDuplicates(after); len(d) > 0 {
		t.Errorf("duplicates in the sandbox: %v", d)
	}
	var provisioned, ported, subscriptions, portOuts int
	for _, o := range after.Orders {
		if o.OrderType == "portout" {
			portOuts++
		}
	}
	for _, n := range after.Numbers {
		switch {
		case n.OrderType == "provision":
			provisioned++
		case n.OrderType == "portin" && n.Status == "Active":
			ported++
		}
	}
	for _, s := range after.Subscriptions {
		if s.Active {
			subscriptions++
		}
	}
	wantSubscriptions := 0
	for i := range p.Steps {
		if p.Steps[i].Action == plan.SubscriptionCreate {
			wantSubscriptions++
		}
	}
	for _, c := range []struct {
		what      string
		got, want int
	}{
		{"accounts created", len(after.Accounts) - len(before.Accounts), shape.Accounts},
		{"subscribers created", len(after.Subscribers) - len(before.Subscribers), shape.Subscribers},
		{"message routes created", len(after.MessageRoutes) - len(before.MessageRoutes), shape.MessageRoutes},
		{"voice routes created", len(after.VoiceRoutes) - len(before.VoiceRoutes), shape.VoiceRoutes},
		{"numbers provisioned", provisioned, shape.Numbers},
		{"numbers ported in and active", ported, shape.PortIns},
		{"port-out PINs issued", portOuts, shape.PortOuts},
		{"active subscriptions", subscriptions, wantSubscriptions},
	} {
		if c.got != c.want {
			t.Errorf("%s = %d, want %d", c.what, c.got, c.want)
		}
	}
}

// checkCrashResults: every manifest row is in the results workbook, done.
func checkCrashResults(t *testing.T, results, manifest string) {
	t.Helper()
	f, err := excelize.OpenFile(results)
	if err != nil {
		t.Fatalf("results workbook: %v", err)
	}
	defer f.Close()
	files, err := filepath.Glob(filepath.Join(manifest, "*.csv"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no CSV files in %s: %v", manifest, err)
	}
	for _, name := range files {
		want := csvKeys(t, name)
		sheet := filepath.Base(name) // a CSV file's tab is named after the file
		rows, err := f.GetRows(sheet)
		if err != nil {
			t.Errorf("results workbook: tab %s: %v (tabs: %v)", sheet, err, f.GetSheetList())
			continue
		}
		if len(rows) == 0 {
			t.Errorf("results workbook: tab %s is empty", sheet)
			continue
		}
		status := -1
		for c, h := range rows[0] {
			if h == "Status" {
				status = c
			}
		}
		if status < 0 {
			t.Errorf("results workbook: tab %s has no Status column: %v", sheet, rows[0])
			continue
		}
		got := map[string]bool{}
		notDone := map[string]int{}
		for _, r := range rows[1:] {
			if len(r) == 0 {
				continue
			}
			got[r[0]] = true
			st := ""
			if status < len(r) {
				st = r[status]
			}
			if st != "done" {
				notDone[st]++
			}
		}
		if len(rows)-1 != len(want) {
			t.Errorf("results %s: %d rows, the manifest has %d", sheet, len(rows)-1, len(want))
		}
		var lost []string
		for _, k := range want {
			if !got[k] {
				lost = append(lost, k)
			}
		}
		if len(lost) > 0 {
			t.Errorf("results %s: %d manifest rows missing, first %q", sheet, len(lost), lost[0])
		}
		if len(notDone) > 0 {
			t.Errorf("results %s: rows not done, by status: %v", sheet, notDone)
		}
	}
}

// csvKeys returns the first column of a manifest CSV file's data rows (the
// natural key of every synthetic table).
func csvKeys(t *testing.T, name string) []string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte("\ufeff")))).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	var keys []string
	for _, r := range recs[min(1, len(recs)):] {
		keys = append(keys, r[0])
	}
	return keys
}

// checkCrashCheckpoint: every step of the plan has a record, and each
// record is done (nothing in-flight, pending or waiting is left).
func checkCrashCheckpoint(t *testing.T, state string, p *plan.Plan) {
	t.Helper()
	s, err := checkpoint.Open(state, checkpoint.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	recs := map[string]checkpoint.State{}
	byState := map[string]int{}
	var notDone []string
	err = s.ForEach(func(r checkpoint.Record) error {
		recs[string(r.Key)] = r.State
		byState[r.State.String()]++
		if r.State != checkpoint.Done {
			notDone = append(notDone, fmt.Sprintf("%s: %s %s", r.Key, r.State, r.ErrMessage))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("checkpoint: %d records for %d steps, by state %v", len(recs), len(p.Steps), byState)
	var missing []string
	for i := range p.Steps {
		k := string(p.Key(plan.StepID(i)))
		if _, ok := recs[k]; !ok {
			missing = append(missing, k)
		}
		delete(recs, k)
	}
	if len(missing) > 0 {
		t.Errorf("%d steps have no record, first %s", len(missing), missing[0])
	}
	if len(recs) > 0 {
		t.Errorf("%d records belong to no step of the plan", len(recs))
	}
	sort.Strings(notDone)
	for i, l := range notDone {
		if i == 10 {
			t.Errorf("… and %d more", len(notDone)-10)
			break
		}
		t.Errorf("step not done: %s", l)
	}
}

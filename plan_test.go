package main

// Tests of the plan command: what a run would do, the eligibility sheet,
// and how secret columns are fingerprinted for comparison.

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"telegent-bulk/checkpoint"
	"telegent-bulk/plan"
	"telegent-bulk/telegent/sandbox"
)

// planLine is one line of the plan table.
type planLine struct {
	kind, action                    string
	run, done, check, kept, blocked int
}

// planTable parses the table plan prints: the lines by "Kind action" and
// the total line.
func planTable(t *testing.T, out string) (map[string]planLine, planLine) {
	t.Helper()
	lines := strings.Split(out, "\n")
	if f := strings.Fields(lines[0]); len(f) != 7 || f[0] != "KIND" || f[2] != "RUN" || f[3] != "DONE" || f[6] != "BLOCKED" {
		t.Fatalf("plan: header %q, want KIND ACTION RUN DONE CHECK KEPT BLOCKED", lines[0])
	}
	table := map[string]planLine{}
	atoi := func(s, line string) int {
		n, err := strconv.Atoi(s)
		if err != nil {
			t.Fatalf("plan: line %q: %v", line, err)
		}
		return n
	}
	for _, l := range lines[1:] {
		f := strings.Fields(l)
		switch {
		case len(f) == 6 && f[0] == "total":
			return table, planLine{kind: "total", run: atoi(f[1], l), done: atoi(f[2], l), check: atoi(f[3], l),
				kept: atoi(f[4], l), blocked: atoi(f[5], l)}
		case len(f) == 7:
			table[f[0]+" "+f[1]] = planLine{kind: f[0], action: f[1], run: atoi(f[2], l), done: atoi(f[3], l),
				check: atoi(f[4], l), kept: atoi(f[5], l), blocked: atoi(f[6], l)}
		default:
			t.Fatalf("plan: unexpected line %q", l)
		}
	}
	t.Fatalf("plan: no total line in\n%s", out)
	return nil, planLine{}
}

// copyDir copies the files of folder src into a new folder dst.
func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	if err := os.MkdirAll(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// plan shows what a run would send; after a run, the created things are
// DONE and nothing of them would run again.
func TestPlan(t *testing.T) {
	t.Parallel()
	steps := validSteps(t)
	before := runCLI(t, "plan", sampleMigration)
	if before.code != exitOK {
		t.Fatalf("plan: exit %d\n%s", before.code, before.stderr)
	}
	lines, total := planTable(t, before.stdout)
	if total.run != steps || total.done != 0 || total.check != 0 || total.kept != 0 {
		t.Errorf("plan before any run: total %+v, want RUN %d and nothing else", total, steps)
	}
	for k, l := range lines {
		if l.run == 0 || l.done != 0 {
			t.Errorf("plan before any run: %s RUN %d DONE %d, want RUN > 0, DONE 0", k, l.run, l.done)
		}
	}
	if !strings.Contains(before.stdout, "+ accounts/hollis/create") {
		t.Errorf("plan does not show the first rows it would run:\n%s", before.stdout)
	}

	dir := t.TempDir()
	state := filepath.Join(dir, "run.db")
	if res := runCLI(t, sandboxRunArgs(sampleMigration, state, filepath.Join(dir, "results.xlsx"), "--quiet")...); res.code != exitRowsFailed {
		t.Fatalf("run: exit %d, want %d\n%s", res.code, exitRowsFailed, res.stderr)
	}
	after := runCLI(t, "plan", sampleMigration, "--state", state)
	if after.code != exitOK {
		t.Fatalf("plan --state: exit %d\n%s", after.code, after.stderr)
	}
	afterLines, afterTotal := planTable(t, after.stdout)
	created := []string{"Accounts create", "Subscribers create", "Subscribers guardian", "MessageRoutes create",
		"VoiceRoutes create", "Numbers provision", "Numbers subscription", "Numbers datausage", "Numbers filter", "PortOuts pin"}
	for _, k := range created {
		b, a := lines[k], afterLines[k]
		if b.run == 0 {
			t.Errorf("plan before the run has no %q line", k)
			continue
		}
		if a.run != 0 || a.done != b.run {
			t.Errorf("plan after the run: %s RUN %d DONE %d, want RUN 0 DONE %d", k, a.run, a.done, b.run)
		}
	}
	if afterTotal.check != 0 || afterTotal.run != 0 {
		t.Errorf("plan after a completed run: RUN %d CHECK %d, want 0 and 0 (failed rows kept, what needs them blocked)",
			afterTotal.run, afterTotal.check)
	}
	if afterTotal.kept == 0 || afterTotal.blocked == 0 {
		t.Errorf("plan after the run: KEPT %d BLOCKED %d, want both > 0 (the sample's rejected ports)", afterTotal.kept, afterTotal.blocked)
	}
	if sum := afterTotal.run + afterTotal.done + afterTotal.check + afterTotal.kept + afterTotal.blocked; sum != steps {
		t.Errorf("plan after the run accounts for %d steps, want %d", sum, steps)
	}

	// The same rows as CSV, with only the PIN of the port rejected for its
	// PIN (…9912) changed: the plan shows that port's update, which it can
	// only see through the keyed fingerprint of the secret column.
	csvDir := filepath.Join(dir, "csv")
	copyDir(t, filepath.Join("samples", "migration"), csvDir)
	same := runCLI(t, "plan", csvDir, "--state", state, "--sandbox")
	if _, tot := planTable(t, same.stdout); tot.run != 0 {
		t.Errorf("plan of the same rows as CSV: RUN %d, want 0\n%s", tot.run, same.stdout)
	}
	portins := filepath.Join(csvDir, "portins.csv")
	b, err := os.ReadFile(portins)
	if err != nil {
		t.Fatal(err)
	}
	const row9912, fixed9912 = "T-Mobile,960117702,1111,Wei Zhang", "T-Mobile,960117702,86420975,Wei Zhang"
	if !strings.Contains(string(b), row9912) {
		t.Fatalf("%s: no row %q to change", portins, row9912)
	}
	if err := os.WriteFile(portins, []byte(strings.Replace(string(b), row9912, fixed9912, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	pin := runCLI(t, "plan", csvDir, "--state", state, "--sandbox")
	pinLines, _ := planTable(t, pin.stdout)
	if l := pinLines["PortIns submit"]; l.run != 1 {
		t.Errorf("plan after a PIN-only fix: PortIns submit RUN %d, want 1 (the update)\n%s", l.run, pin.stdout)
	}
	if strings.Contains(pin.stdout+pin.stderr, "86420975") {
		t.Errorf("plan shows the new PIN")
	}
	status := runCLI(t, "status", "--state", state)
	done := 0
	for _, byState := range statusCounts(t, status.stdout) {
		done += byState["done"]
	}
	if afterTotal.done != done {
		t.Errorf("plan says %d steps DONE, status says %d done", afterTotal.done, done)
	}
}

// plan --check-eligibility needs only the numbers: a port list without
// PINs or account numbers (and a broken sheet beside it) is checked, and
// the sheet it writes says per row whether the number can be ported.
func TestCheckEligibility(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	manifest := filepath.Join(dir, "manifest")
	if err := os.MkdirAll(manifest, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string]string{
		"portins.csv":     "PortInNumber\n(801) 555-1207\n(415) 555-9901\n",
		"subscribers.csv": "Email,Name\nnot-an-email,\n",
	} {
		if err := os.WriteFile(filepath.Join(manifest, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(dir, "eligibility.xlsx")
	res := runCLI(t, "plan", manifest, "--check-eligibility", "--sandbox", "--out", out)
	if res.code != exitRowsFailed {
		t.Fatalf("exit %d, want %d (one number not eligible)\nstdout:\n%s\nstderr:\n%s", res.code, exitRowsFailed, res.stdout, res.stderr)
	}
	if !strings.Contains(res.stdout, "1 eligible, 1 not eligible, 0 not checked") {
		t.Errorf("stdout %q does not count one eligible and one not", res.stdout)
	}
	f, err := excelize.OpenFile(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows("portins.csv")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	col := slices.Index(rows[0], "Eligible")
	for _, r := range rows[1:] {
		if col >= 0 && col < len(r) {
			got[r[0]] = r[col]
		}
	}
	if want := map[string]string{"+18015551207": "yes", "+14155559901": "no"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Eligible column %v, want %v (header %v)", got, want, rows[0])
	}
}

// Against the sandbox, whose API secret is public, the secret columns'
// fingerprint is keyed by a random key kept in the user's config folder,
// not by one derived from the public secret (with which anyone holding the
// checkpoint could try every PIN); the same key serves every later run.
func TestSandboxFingerprintKey(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	state := filepath.Join(dir, "run.db")
	if res := runCLI(t, sandboxRunArgs(sampleMigration, state, filepath.Join(dir, "results.xlsx"), "--quiet")...); res.code != exitRowsFailed {
		t.Fatalf("run: exit %d\n%s", res.code, res.stderr)
	}
	keyFile := filepath.Join(cliEnv(nil).configDir, "telegent-bulk", "sandbox-fingerprint.key")
	st, err := os.Stat(keyFile)
	if err != nil {
		t.Fatalf("no key in the config folder: %v", err)
	}
	if st.Mode().Perm()&0o077 != 0 {
		t.Errorf("%s is readable by others: %v", keyFile, st.Mode())
	}
	s, err := checkpoint.Open(state, checkpoint.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	publicKey := plan.FingerprintKey(sandbox.AccountSecret)
	p := crashPlan(t, sampleMigration)
	checked := 0
	for i := range p.Steps {
		rec, ok, err := s.Get(checkpoint.Key(p.Key(plan.StepID(i))))
		if err != nil || !ok || rec.SecretMAC == "" {
			continue
		}
		checked++
		if _, public := p.Rows[p.Steps[i].Row].Fingerprint(publicKey); rec.SecretMAC == public {
			t.Fatalf("%s: the secret columns are keyed by the sandbox's public secret", rec.Key)
		}
	}
	if checked == 0 {
		t.Fatal("no record has a secret fingerprint: nothing was checked")
	}
	before, _ := os.ReadFile(keyFile)
	runCLI(t, sandboxRunArgs(sampleMigration, state, filepath.Join(dir, "results.xlsx"), "--quiet")...)
	if after, _ := os.ReadFile(keyFile); string(after) != string(before) {
		t.Errorf("the key changed between runs")
	}
}

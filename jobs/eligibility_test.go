package jobs_test

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"telegent-bulk/checkpoint"
	"telegent-bulk/jobs"
	"telegent-bulk/plan"
	"telegent-bulk/sheets"
	"telegent-bulk/telegent"
	"telegent-bulk/telegent/sandbox"
)

// eligibilityCase is a plan, a sandbox to check its numbers against, and
// a checkpoint.
type eligibilityCase struct {
	srv   *sandbox.Server
	p     *plan.Plan
	c     *telegent.Client
	store *checkpoint.Store
	dir   string
}

// portList is a port list of two numbers, one portable and one not: only
// the numbers, as the eligibility plan needs no PINs or accounts.
const portList = "PortInNumber\n(801) 555-1207\n(415) 555-9901\n"

// newEligibilityCase builds a plan with build from the manifest at path,
// or from portList when path is "".
func newEligibilityCase(t *testing.T, path string, build func([]sheets.Reader) (*plan.Plan, plan.Problems, plan.Problems, error)) *eligibilityCase {
	t.Helper()
	srv, err := sandbox.New(sandbox.Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(func() { hs.Close(); srv.Close() })
	c, err := telegent.New(telegent.Config{BaseURL: hs.URL, AccountKey: sandbox.AccountKey, AccountSecret: sandbox.AccountSecret})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if path == "" {
		path = filepath.Join(dir, "portins.csv")
		if err := os.WriteFile(path, []byte(portList), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	rs, err := sheets.OpenAll(path)
	if err != nil {
		t.Fatal(err)
	}
	p, problems, _, err := build(rs)
	for _, r := range rs {
		r.Close()
	}
	if err != nil || len(problems) > 0 {
		t.Fatalf("plan of %s: %v %v", path, err, problems)
	}
	store, err := checkpoint.Open(filepath.Join(dir, "eligibility.db"), checkpoint.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	return &eligibilityCase{srv: srv, p: p, c: c, store: store, dir: dir}
}

// CheckEligibility sends the eligibility checks and nothing else, and
// writes a sheet that says per number whether it can be ported.
func TestCheckEligibility(t *testing.T) {
	t.Parallel()
	e := newEligibilityCase(t, "", plan.CheckEligibility)
	out := filepath.Join(e.dir, "eligibility.xlsx")
	rep, err := jobs.CheckEligibility(context.Background(), e.p, e.c, e.store, out,
		jobs.Options{Concurrency: 2, MACKey: plan.FingerprintKey("test")})
	if err != nil {
		t.Fatalf("CheckEligibility: %v", err)
	}
	if rep.Eligible != 1 || rep.NotEligible != 1 || rep.Unchecked != 0 {
		t.Errorf("got %d eligible, %d not, %d unchecked; want 1, 1, 0", rep.Eligible, rep.NotEligible, rep.Unchecked)
	}
	if rep.Sheet != out || rep.Interrupted {
		t.Errorf("sheet %q, interrupted %v; want %q, false", rep.Sheet, rep.Interrupted, out)
	}
	onlyChecks(t, e.srv)
	if got := eligibleColumn(t, out); got["+18015551207"] != "yes" || got["+14155559901"] != "no" || len(got) != 2 {
		t.Errorf("the sheet's Eligible column by number: %v, want +18015551207 yes and +14155559901 no", got)
	}
}

// Given the plan of a whole migration, CheckEligibility still sends the
// eligibility checks only.
func TestCheckEligibilityFullPlan(t *testing.T) {
	t.Parallel()
	e := newEligibilityCase(t, filepath.Join("..", "samples", "migration.xlsx"), plan.Check)
	checks := 0
	for i := range e.p.Steps {
		if e.p.Steps[i].Action == plan.PortInEligibility {
			checks++
		}
	}
	if checks == 0 || checks == len(e.p.Steps) {
		t.Fatalf("the sample has %d eligibility steps of %d: nothing to tell apart", checks, len(e.p.Steps))
	}
	rep, err := jobs.CheckEligibility(context.Background(), e.p, e.c, e.store, filepath.Join(e.dir, "eligibility.csv"),
		jobs.Options{Concurrency: 4, MACKey: plan.FingerprintKey("test")})
	if err != nil {
		t.Fatalf("CheckEligibility: %v", err)
	}
	if n := rep.Eligible + rep.NotEligible + rep.Unchecked; n != checks {
		t.Errorf("%d rows counted, want %d", n, checks)
	}
	onlyChecks(t, e.srv)
}

// onlyChecks fails t if srv was sent anything but token requests and
// eligibility checks.
func onlyChecks(t *testing.T, srv *sandbox.Server) {
	t.Helper()
	for ep := range srv.Stats().Requests {
		if method, path, _ := strings.Cut(ep, " "); method != "GET" &&
			path != telegent.PathToken && path != telegent.PathPortInEligibility {
			t.Errorf("CheckEligibility sent %s", ep)
		}
	}
}

// When the sheet cannot be written the error says so, Sheet is empty, and
// the checks made are in the checkpoint all the same.
func TestCheckEligibilitySheetUnwritable(t *testing.T) {
	t.Parallel()
	e := newEligibilityCase(t, "", plan.CheckEligibility)
	out := filepath.Join(e.dir, "no-such-folder", "eligibility.xlsx")
	rep, err := jobs.CheckEligibility(context.Background(), e.p, e.c, e.store, out, jobs.Options{})
	if err == nil {
		t.Fatalf("no error writing %s", out)
	}
	if rep.Sheet != "" {
		t.Errorf("Sheet %q, want empty when the sheet was not written", rep.Sheet)
	}
	if yes, no, _, err := jobs.Eligibility(e.p, e.store); err != nil || yes != 1 || no != 1 {
		t.Errorf("the checkpoint records %d eligible and %d not (%v), want 1 and 1", yes, no, err)
	}
}

// eligibleColumn reads the port-in tab of the sheet at path: Eligible by
// number.
func eligibleColumn(t *testing.T, path string) map[string]string {
	t.Helper()
	rs, err := sheets.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, r := range rs {
		defer r.Close()
		num, col := slices.Index(r.Table().Header, "PortInNumber"), slices.Index(r.Table().Header, "Eligible")
		if num < 0 || col < 0 {
			continue
		}
		for r.Next() {
			got[r.Row().Cells[num]] = r.Row().Cells[col]
		}
		if err := r.Err(); err != nil {
			t.Fatal(err)
		}
	}
	return got
}

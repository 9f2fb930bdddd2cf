package jobs

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"telegent-bulk/checkpoint"
	"telegent-bulk/plan"
	"telegent-bulk/telegent"
	"telegent-bulk/telegent/sandbox"
)

// countedReads reads through to a real checkpoint and counts the reads of
// each key.
type countedReads struct {
	*checkpoint.Store
	mu    sync.Mutex
	reads map[checkpoint.Key]int
}

func (c *countedReads) Get(key checkpoint.Key) (checkpoint.Record, bool, error) {
	c.mu.Lock()
	c.reads[key]++
	c.mu.Unlock()
	return c.Store.Get(key)
}

// The ID a parent's create obtained is read from its record once, not
// again for each of its children's requests; the number a provision
// obtained is not read back at all; and a step that runs for the first
// time reads no record.
func TestParentRecordReadOnce(t *testing.T) {
	t.Parallel()
	srv, err := sandbox.New(sandbox.Options{Seed: 1, PortStep: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	defer func() { hs.Close(); srv.Close() }()
	c, err := telegent.New(telegent.Config{BaseURL: hs.URL, AccountKey: sandbox.AccountKey, AccountSecret: sandbox.AccountSecret,
		BaseBackoff: time.Millisecond, MaxBackoff: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, f := range []string{"accounts.csv", "subscribers.csv", "messageroutes.csv", "voiceroutes.csv", "numbers.csv"} {
		paths = append(paths, filepath.Join("..", "samples", "migration", f))
	}
	p := samplePlan(t, paths...)
	s, err := checkpoint.Open(filepath.Join(t.TempDir(), "run.db"), checkpoint.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	r := New(p, c, s, Options{MACKey: plan.FingerprintKey(sandbox.AccountSecret), Concurrency: 1})
	counted := &countedReads{Store: s, reads: map[checkpoint.Key]int{}}
	r.recs = counted
	rep, err := r.Run(context.Background())
	if err != nil || rep.Totals.Done != rep.Totals.Steps {
		t.Fatalf("run: %v, totals %+v", err, rep.Totals)
	}
	children := map[checkpoint.Key]int{} // parent create -> steps that depend on it
	for i := range p.Steps {
		for _, d := range p.Deps(plan.StepID(i)) {
			children[checkpoint.Key(p.Key(d))]++
		}
	}
	checked := 0
	for key, n := range children {
		if !strings.HasSuffix(string(key), "/create") || n < 3 {
			continue
		}
		checked++
		if got := counted.reads[key]; got > 2 {
			t.Errorf("%s, a parent of %d steps, was read %d times", key, n, got)
		}
	}
	if checked == 0 {
		t.Fatal("no parent with 3 children or more: the test proves nothing")
	}
	// Nor is the number a provision obtained read back from its record by
	// the line's subscription and data usage steps.
	provisions := 0
	for key := range children {
		if !strings.HasSuffix(string(key), "/provision") {
			continue
		}
		provisions++
		if got := counted.reads[key]; got > 0 {
			t.Errorf("%s, a provision done in this run, was read %d times", key, got)
		}
	}
	if provisions == 0 {
		t.Fatal("no provision with a later step: the test proves nothing")
	}
	// A step of a fresh checkpoint has no record to read before it runs.
	for i := range p.Steps {
		key := checkpoint.Key(p.Key(plan.StepID(i)))
		if children[key] == 0 && counted.reads[key] > 0 {
			t.Errorf("%s, which nothing depends on, was read %d times", key, counted.reads[key])
		}
	}
	// Once the run is over its per-step state is let go, for the results
	// to be written in the memory it took.
	if r.w != nil || r.steps != nil || r.rank != nil || r.ids.m != nil || r.ids.buf != nil {
		t.Errorf("after the run the runner still holds its walk (%v), %d steps, %d ranks, %d parent IDs",
			r.w != nil, len(r.steps), len(r.rank), len(r.ids.m))
	}
}

package jobs

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"telegent-bulk/checkpoint"
	"telegent-bulk/plan"
	"telegent-bulk/sheets"
)

// damagedAt reads through to a real checkpoint, but a record whose key it
// names cannot be read, as when the file is damaged during a run.
type damagedAt struct {
	*checkpoint.Store
	key checkpoint.Key
}

func (d damagedAt) Get(key checkpoint.Key) (checkpoint.Record, bool, error) {
	if key == d.key {
		return checkpoint.Record{}, false, checkpoint.ErrDamaged
	}
	return d.Store.Get(key)
}

// A step whose record cannot be read when it is about to run stops the
// run: it is never taken for a step that was never sent.
func TestUnreadableRecordStopsTheStep(t *testing.T) {
	t.Parallel()
	p := samplePlan(t, filepath.Join("..", "samples", "migration", "accounts.csv"))
	s, err := checkpoint.Open(filepath.Join(t.TempDir(), "run.db"), checkpoint.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	r := New(p, nil, s, Options{})
	const step = plan.StepID(0)
	r.recs = damagedAt{Store: s, key: checkpoint.Key(p.Key(step))}
	out := r.exec(context.Background(), step)
	if !errors.Is(out.fatal, ErrAborted) || !errors.Is(out.fatal, checkpoint.ErrDamaged) {
		t.Fatalf("exec with an unreadable record: fatal %v, state %s; want the run aborted for the damage", out.fatal, out.state)
	}
}

// samplePlan builds the plan of the manifest files at paths, which must
// have no problem.
func samplePlan(t *testing.T, paths ...string) *plan.Plan {
	t.Helper()
	var rs []sheets.Reader
	for _, path := range paths {
		r, err := sheets.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		rs = append(rs, r...)
	}
	p, problems, err := plan.Build(rs)
	for _, r := range rs {
		r.Close()
	}
	if err != nil || len(problems) > 0 {
		t.Fatalf("plan: %v %v", err, problems)
	}
	return p
}

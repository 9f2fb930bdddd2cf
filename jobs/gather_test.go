package jobs

import (
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"telegent-bulk/checkpoint"
	"telegent-bulk/plan"
)

// The outcomes read a chunk of rows at a time, with the chunks' buffers
// used again, are those read a row at a time; the failures kept from
// them stay as they were read once their chunk is read again.
func TestChunksReusedKeepNothingStale(t *testing.T) {
	// Not parallel: it sets resultsChunk, which parallel tests only read
	// once every sequential test has finished.
	defer func(n int) { resultsChunk = n }(resultsChunk)
	resultsChunk = 3

	p := samplePlan(t, filepath.Join("..", "samples", "migration.xlsx"))
	s, err := checkpoint.Open(filepath.Join(t.TempDir(), "run.db"), checkpoint.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for i := range p.Steps {
		if err := s.Put(testRecord(p, plan.StepID(i))); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}

	fails := newFailureSet()
	tables := make([]int32, len(p.Tables))
	for ti := range tables {
		tables[ti] = int32(ti)
	}
	cols := resultColumns()
	read := 0
	err = eachChunk(p, s, tables, cols, func(c *rowChunk) error {
		for k, ri := range c.rows {
			want, err := gather(p, s, ri, cols[p.Rows[ri].Kind])
			if err != nil {
				return err
			}
			if d := diffResults(&c.res[k], &want); d != "" {
				t.Errorf("row %d read in a chunk: %s", ri, d)
			}
			fails.add(ri, &c.res[k])
			read++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if read != len(p.Rows) {
		t.Fatalf("%d rows read, want %d", read, len(p.Rows))
	}
	if len(fails.keep) == 0 {
		t.Fatal("no failed row kept")
	}
	for ri, got := range fails.keep {
		want, err := gather(p, s, ri, cols[p.Rows[ri].Kind])
		if err != nil {
			t.Fatal(err)
		}
		if d := diffResults(&got, &want); d != "" {
			t.Errorf("failed row %d, kept: %s", ri, d)
		}
	}
}

// testRecord is a record of step i: done with an ID in each of its
// action's results columns, or, for every fifth step, failed.
func testRecord(p *plan.Plan, i plan.StepID) checkpoint.Record {
	rec := checkpoint.Record{Key: checkpoint.Key(p.Key(i)), State: checkpoint.Done, Attempts: 1,
		IDs: map[string]string{}}
	for _, c := range actions[p.Steps[i].Action].results {
		rec.IDs[c] = c + "-" + strconv.Itoa(int(i))
	}
	if i%5 == 0 {
		rec.State, rec.ErrMessage = checkpoint.Failed, "refused "+strconv.Itoa(int(i))
	}
	return rec
}

// diffResults describes how got differs from want, or is "".
func diffResults(got, want *rowResult) string {
	var d []string
	if got.status != want.status || got.err != want.err || got.errStep != want.errStep ||
		got.attempts != want.attempts || got.updated != want.updated {
		d = append(d, "status, error, attempts or time differ")
	}
	if !slices.Equal(got.vals, want.vals) {
		d = append(d, "values "+strings.Join(got.vals, ",")+" want "+strings.Join(want.vals, ","))
	}
	return strings.Join(d, "; ")
}

// appendKey makes the keys plan.MakeKey makes, escapes included.
func TestAppendKeyIsMakeKey(t *testing.T) {
	t.Parallel()
	for _, key := range []string{"acme", "+15551230001", "a/b", "50%", "%2F/x"} {
		got := string(appendKey([]byte("prefix"), plan.PortIns, key, plan.PortInMonitor))
		if want := "prefix" + string(plan.MakeKey(plan.PortIns, key, plan.PortInMonitor)); got != want {
			t.Errorf("key %q: %q, want %q", key, got, want)
		}
	}
}

package jobs

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"telegent-bulk/checkpoint"
	"telegent-bulk/plan"
	"telegent-bulk/sheets"
)

// RowCounts counts the manifest's rows by the status the results give
// them (a row's worst step's): rows, not steps.
type RowCounts struct {
	Rows      int `json:"rows"`
	Done      int `json:"done"`
	Failed    int `json:"failed"`
	Skipped   int `json:"skipped"`
	Attention int `json:"needs_attention"`
	Waiting   int `json:"waiting"`
	Cancelled int `json:"cancelled"`
	Pending   int `json:"pending"`
}

func (c *RowCounts) add(status string) {
	c.Rows++
	switch status {
	case "done":
		c.Done++
	case "failed":
		c.Failed++
	case "skipped":
		c.Skipped++
	case "needs attention":
		c.Attention++
	case "waiting":
		c.Waiting++
	case "cancelled":
		c.Cancelled++
	default:
		c.Pending++
	}
}

// Failures is what WriteFailuresFile found and wrote.
type Failures struct {
	Counts  RowCounts
	Rows    int      // rows that failed, were skipped or need attention
	Parents int      // done rows written beside them, so that their references resolve
	Files   []string // the files written; none when no row failed
}

// FailuresPath is the failures file beside the results file out:
// results.xlsx gives results-failures.xlsx, migration-results.xlsx
// migration-failures.xlsx, j.csv j-failures.csv (whose tabs are written
// as j-failures-<Sheet>.csv).
func FailuresPath(out string) string {
	ext := filepath.Ext(out)
	stem := strings.TrimSuffix(out, ext)
	if s := strings.TrimSuffix(stem, "-results"); s != stem && filepath.Base(s) != "" {
		stem = s
	}
	return stem + "-failures" + ext
}

// WriteFailuresFile writes, to out, the rows that failed, were skipped or
// need attention, in the tabs and columns of the manifest they came from
// (secrets masked, as in the results) with their Status, IDs and Error:
// a manifest the user fixes and gives, as it is, to the next run with the
// same checkpoint. A row it holds that refers to a row that is done (a
// subscriber's account, a line's subscriber) has that row beside it,
// carrying its platform ID, so that the reference resolves: nothing is
// created for it again. With no such row it writes nothing, and removes a
// failures workbook an earlier run left at out. It also counts every row
// by status. WriteResultsAndFailures writes it with the results, reading
// the checkpoint once for both.
func WriteFailuresFile(p *plan.Plan, s *checkpoint.Store, out string) (Failures, error) {
	_ = s.Flush()
	fails := newFailureSet()
	tables := make([]int32, len(p.Tables))
	for ti := range tables {
		tables[ti] = int32(ti)
	}
	err := eachChunk(p, s, tables, resultColumns(), func(c *rowChunk) error {
		for k, ri := range c.rows {
			fails.add(ri, &c.res[k])
		}
		return nil
	})
	if err != nil {
		return Failures{}, fmt.Errorf("failures: %w", err)
	}
	return fails.write(p, s, out)
}

// WriteResultsAndFailures writes the results of a run to out, as
// WriteResultsFiles does, and then its failures file to FailuresPath(out),
// as WriteFailuresFile does, from one reading of the checkpoint. When the
// results cannot be written, the failures file is not written either.
func WriteResultsAndFailures(p *plan.Plan, s *checkpoint.Store, out string, o Results) ([]string, Failures, error) {
	fails := newFailureSet()
	files, err := writeResultsFiles(p, s, out, o, fails)
	if err != nil {
		return nil, Failures{}, err
	}
	f, err := fails.write(p, s, FailuresPath(out))
	return files, f, err
}

// failureSet gathers, from the outcome of every row, what the failures
// file needs: the rows by status, and the outcomes of the rows to write.
type failureSet struct {
	counts RowCounts
	keep   map[plan.RowID]rowResult
}

func newFailureSet() *failureSet {
	return &failureSet{keep: map[plan.RowID]rowResult{}}
}

// add counts row ri, whose outcome is res, and keeps the outcome of a row
// to write.
func (fs *failureSet) add(ri plan.RowID, res *rowResult) {
	fs.counts.add(res.status)
	switch res.status {
	case "failed", "skipped", "needs attention":
		fs.keep[ri] = res.detach()
	}
}

// write writes the failures file to out (see WriteFailuresFile).
func (fs *failureSet) write(p *plan.Plan, s *checkpoint.Store, out string) (Failures, error) {
	f := Failures{Counts: fs.counts, Rows: len(fs.keep)}
	if f.Rows == 0 {
		return f, removeStale(out)
	}
	cols := resultColumns()
	parents, err := addParents(p, s, fs.keep, cols)
	if err != nil {
		return f, err
	}
	f.Parents = parents
	w, err := sheets.Create(out)
	if err != nil {
		return f, err
	}
	if err := writeFailures(p, w, fs.keep, cols); err != nil {
		w.Abort()
		return f, fmt.Errorf("failures: %w", err)
	}
	if err := w.Commit(); err != nil {
		return f, err
	}
	f.Files = sheets.Files(w, out)
	return f, nil
}

// parentKinds are the kinds a row may refer to.
var parentKinds = []plan.Kind{plan.Accounts, plan.Subscribers, plan.MessageRoutes, plan.VoiceRoutes}

// addParents adds to keep the rows its rows refer to, and theirs in turn,
// and returns how many it added.
func addParents(p *plan.Plan, s *checkpoint.Store, keep map[plan.RowID]rowResult,
	cols [plan.NumKinds][]string) (int, error) {
	todo := make([]plan.RowID, 0, len(keep))
	for ri := range keep {
		todo = append(todo, ri)
	}
	added := 0
	for len(todo) > 0 {
		ri := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		for _, k := range parentKinds {
			parent, _ := p.Parent(ri, k)
			if parent < 0 {
				continue
			}
			if _, ok := keep[parent]; ok {
				continue
			}
			res, err := gather(p, s, parent, cols[k])
			if err != nil {
				return added, fmt.Errorf("failures: %w", err)
			}
			keep[parent] = res
			todo = append(todo, parent)
			added++
		}
	}
	return added, nil
}

// writeFailures writes the tabs of the failures file: every input table
// that has a row in keep, its rows in input order.
func writeFailures(p *plan.Plan, w sheets.Writer, keep map[plan.RowID]rowResult, cols [plan.NumKinds][]string) error {
	has := make([]bool, len(p.Tables))
	for ri := range keep {
		has[p.Rows[ri].Table] = true
	}
	for ti := range p.Tables {
		if !has[ti] {
			continue
		}
		t := &p.Tables[ti]
		tab := newResultsTab(t, false, cols[t.Kind])
		n := len(tab.header) - 2 // without Attempts and UpdatedAt
		if err := w.Sheet(t.Sheet, tab.header[:n]); err != nil {
			return err
		}
		for ri := range p.Rows {
			res, ok := keep[plan.RowID(ri)]
			if !ok || p.Rows[ri].Table != int32(ti) {
				continue
			}
			if err := w.Row(tab.cells(&p.Rows[ri], &res)[:n]); err != nil {
				return err
			}
		}
	}
	return nil
}

// removeStale removes the failures workbook an earlier run left at out,
// now that no row failed (with a .csv out, the earlier files are left).
func removeStale(out string) error {
	if !strings.EqualFold(filepath.Ext(out), ".xlsx") {
		return nil
	}
	if err := os.Remove(out); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("failures: %w", err)
	}
	return nil
}

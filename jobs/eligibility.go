package jobs

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"

	"telegent-bulk/checkpoint"
	"telegent-bulk/plan"
	"telegent-bulk/sheets"
	"telegent-bulk/telegent"
)

// EligibilityReport is what CheckEligibility did and found.
type EligibilityReport struct {
	Report // the run of the checks

	// Eligible, NotEligible and Unchecked count the port-in rows as
	// Eligibility does.
	Eligible, NotEligible, Unchecked int

	// Sheet is the eligibility sheet written; "" when it could not be
	// written, or its rows counted, and the error says why.
	Sheet string
}

// CheckEligibility runs only the port-in eligibility checks of p (o.Only is
// set to them) against c, recording them in s as any run does, then writes
// the eligibility sheet to out (.xlsx, or .csv for one file per tab: the
// port-in rows, with whether each number can be ported and from which
// carrier) and counts the rows. The sheet is written even when the run
// ended in an error. The error is the run's (see Runner.Run), joined with
// any error writing the sheet or counting.
func CheckEligibility(ctx context.Context, p *plan.Plan, c *telegent.Client, s *checkpoint.Store, out string, o Options) (EligibilityReport, error) {
	o.Only = []plan.Action{plan.PortInEligibility}
	rep, runErr := New(p, c, s, o).Run(ctx)
	er := EligibilityReport{Report: rep}
	if err := WriteResultsFile(p, s, out, Results{Eligibility: true}); err != nil {
		return er, errors.Join(runErr, err)
	}
	yes, no, unchecked, err := Eligibility(p, s)
	if err != nil {
		return er, errors.Join(runErr, err)
	}
	er.Eligible, er.NotEligible, er.Unchecked, er.Sheet = yes, no, unchecked, out
	return er, runErr
}

// WriteResultsFile writes the results (see WriteResults) to the file out:
// an .xlsx workbook, or one .csv file per tab beside out (see
// sheets.Create). It commits what s has queued first, and writes even when
// that fails (the run then reports it): the store still answers from what
// it holds.
func WriteResultsFile(p *plan.Plan, s *checkpoint.Store, out string, o Results) error {
	_, err := WriteResultsFiles(p, s, out, o)
	return err
}

// WriteResultsFiles is WriteResultsFile that returns the files it wrote:
// out, or with a .csv out one file per tab (see sheets.Files).
func WriteResultsFiles(p *plan.Plan, s *checkpoint.Store, out string, o Results) ([]string, error) {
	return writeResultsFiles(p, s, out, o, nil)
}

// writeResultsFiles is WriteResultsFiles that also gives every row's
// outcome to fails (when not nil).
func writeResultsFiles(p *plan.Plan, s *checkpoint.Store, out string, o Results, fails *failureSet) ([]string, error) {
	_ = s.Flush()
	if o.TempDir == "" {
		o.TempDir = filepath.Dir(out)
	}
	w, err := sheets.Create(out)
	if err != nil {
		return nil, err
	}
	if err := writeResults(p, s, w, o, fails); err != nil {
		w.Abort()
		return nil, fmt.Errorf("results: %w", err)
	}
	if err := w.Commit(); err != nil {
		return nil, err
	}
	return sheets.Files(w, out), nil
}

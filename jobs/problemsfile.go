package jobs

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"telegent-bulk/plan"
)

// ProblemsFile is the CSV file of validate --problems: every problem of
// the manifest, one a line, with the columns sheet, row, column and
// message, in the order they were found (each table's rows in order, then
// the problems found across rows and tables). It is written to a
// temporary file beside its destination, readable by its owner only, and
// renamed into place by commit, so that the destination holds a whole
// list or none.
type ProblemsFile struct {
	path string
	f    *os.File
	buf  *bufio.Writer
	cw   *csv.Writer
	done bool
}

// CreateProblemsFile starts the file at path.
func CreateProblemsFile(path string) (*ProblemsFile, error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", path, err)
	}
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, fmt.Errorf("create %s: %w", path, err)
	}
	buf := bufio.NewWriterSize(f, 1<<20)
	pf := &ProblemsFile{path: path, f: f, buf: buf, cw: csv.NewWriter(buf)}
	if err := pf.cw.Write([]string{"sheet", "row", "column", "message"}); err != nil {
		pf.Abort()
		return nil, fmt.Errorf("write %s: %w", path, err)
	}
	return pf, nil
}

// Add writes one problem.
func (pf *ProblemsFile) Add(p plan.Problem) error {
	row := ""
	if p.Row > 0 {
		row = strconv.Itoa(p.Row)
	}
	if err := pf.cw.Write([]string{Defuse(p.Sheet), row, Defuse(p.Column), Defuse(p.Message)}); err != nil {
		return fmt.Errorf("write %s: %w", pf.path, err)
	}
	return nil
}

// Defuse keeps a spreadsheet that opens the file from running a cell as a
// formula: a value starting with = + - @ (or a tab or carriage return)
// gets a leading apostrophe.
func Defuse(v string) string {
	if v != "" && strings.IndexByte("=+-@\t\r", v[0]) >= 0 {
		return "'" + v
	}
	return v
}

// Commit finishes the file and moves it into place.
func (pf *ProblemsFile) Commit() error {
	pf.cw.Flush()
	err := pf.cw.Error()
	if err == nil {
		err = pf.buf.Flush()
	}
	if err == nil {
		err = pf.f.Sync()
	}
	if cerr := pf.f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(pf.f.Name(), pf.path)
	}
	if err != nil {
		pf.Abort()
		return fmt.Errorf("write %s: %w", pf.path, err)
	}
	pf.done = true
	if d, err := os.Open(filepath.Dir(pf.path)); err == nil {
		_ = d.Sync() // the rename itself succeeded
		_ = d.Close()
	}
	return nil
}

// Abort removes the temporary file unless Commit moved it into place.
func (pf *ProblemsFile) Abort() {
	if pf.done {
		return
	}
	pf.done = true
	_ = pf.f.Close()
	_ = os.Remove(pf.f.Name())
}

// Package samplegen writes the project's example manifests: the migration
// sample (as a workbook and as a folder of CSV files), the workbook of bad
// rows, and synthetic manifests of any size for benchmarks.
//
// It knows the manifest's tab and column names (docs/manifest.md) and the
// sandbox's catalog and test numbers (docs/sandbox.md), because the samples
// are written to exercise them. It does not validate anything and must not
// import the plan package: whether a manifest is valid is plan's decision,
// and the samples' tests ask plan for it.
//
// Every output is deterministic: the same input writes the same bytes.
package samplegen

import (
	"fmt"
	"strings"
)

// Table is one tab of a workbook, or one CSV file of a manifest folder.
type Table struct {
	Name   string // tab name; the CSV file is strings.ToLower(Name) + ".csv"
	Header []string
	Rows   [][]any // each cell a string, or (XLSX only) a float64 or a GeneralNumber
}

// GeneralNumber is a number typed into a cell formatted General: Excel
// stores it as a number and shows it as one (550 for a PIN typed 0550). A
// float64 cell is a number shown in scientific notation (8.90E+18).
type GeneralNumber float64

// Sink receives a manifest table after table and row after row.
type Sink interface {
	// Table starts a new table (ending the previous one) with its header.
	Table(name string, header []string) error
	// Row appends a row to the current table. A cell is a string, or a
	// float64 written as a numeric cell where the format has them.
	Row(cells []any) error
	// Close finishes the output and puts it in place.
	Close() error
	// Abort gives up: it releases temporary files and leaves whatever
	// was written so far. It is safe after Close.
	Abort()
}

// Write sends tables to sink and closes it, or aborts it on error.
func Write(sink Sink, tables []Table) (err error) {
	defer func() {
		if err != nil {
			sink.Abort()
		}
	}()
	for _, t := range tables {
		if err := sink.Table(t.Name, t.Header); err != nil {
			return err
		}
		for i, r := range t.Rows {
			if len(r) > len(t.Header) {
				return fmt.Errorf("write %s: row %d has %d cells for %d columns", t.Name, i+2, len(r), len(t.Header))
			}
			if err := sink.Row(r); err != nil {
				return err
			}
		}
	}
	return sink.Close()
}

// CSVName returns the file name of a table in a manifest folder.
func CSVName(table string) string { return strings.ToLower(table) + ".csv" }

// record builds one row from a header and a column→value map, so that the
// sample data reads as named cells rather than long positional lists. It
// panics on a column the header does not have: that is a typo in this
// package, not an input error.
func record(header []string, cells map[string]any) []any {
	row := make([]any, len(header))
	for i := range row {
		row[i] = ""
	}
	for col, v := range cells {
		i := indexOf(header, col)
		if i < 0 {
			panic("samplegen: no column " + col)
		}
		row[i] = v
	}
	return row
}

func indexOf(header []string, col string) int {
	for i, h := range header {
		if h == col {
			return i
		}
	}
	return -1
}

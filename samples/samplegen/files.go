package samplegen

import (
	"fmt"
	"os"
	"path/filepath"
)

// The committed samples, relative to the samples folder.
const (
	MigrationXLSX = "migration.xlsx" // the migration manifest as a workbook
	MigrationDir  = "migration"      // the same manifest as a folder of CSV files
	BadRowsXLSX   = "bad-rows.xlsx"  // one problem per row, explained in Notes
	// MigrationFixedXLSX is the migration after the team fixed the rows
	// the first run reported: re-run on the same state, it updates the
	// rejected port orders and cancels the hopeless one.
	MigrationFixedXLSX = "migration-fixed.xlsx"
)

// SyntheticXLSX is the workbook's name inside a synthetic XLSX manifest's
// folder.
const SyntheticXLSX = "manifest.xlsx"

// WriteSamples writes every committed sample into dir.
func WriteSamples(dir string) error {
	if err := writeXLSX(filepath.Join(dir, MigrationXLSX), Migration()); err != nil {
		return err
	}
	csv, err := NewCSVSink(filepath.Join(dir, MigrationDir))
	if err != nil {
		return err
	}
	if err := Write(csv, Migration()); err != nil {
		return err
	}
	if err := writeXLSX(filepath.Join(dir, MigrationFixedXLSX), MigrationFixed()); err != nil {
		return err
	}
	return writeXLSX(filepath.Join(dir, BadRowsXLSX), BadRows())
}

func writeXLSX(path string, tables []Table) error {
	sink, err := NewXLSXSink(path)
	if err != nil {
		return err
	}
	if err := Write(sink, tables); err != nil {
		return fmt.Errorf("write %s: %w", filepath.Base(path), err)
	}
	return nil
}

// WriteSynthetic writes an n-row synthetic manifest into dir, which it
// creates: CSV files for format "csv", or the workbook SyntheticXLSX for
// format "xlsx" (inline strings, as excelize streams them) or
// "xlsx-shared" (a shared strings table, as Excel saves a workbook).
func WriteSynthetic(dir string, n int, format string) (Shape, error) {
	if _, err := ShapeOf(n); err != nil {
		return Shape{}, err
	}
	var sink Sink
	switch format {
	case "csv":
		s, err := NewCSVSink(dir)
		if err != nil {
			return Shape{}, err
		}
		sink = s
	case "xlsx", "xlsx-shared":
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return Shape{}, fmt.Errorf("synthetic manifest: %w", err)
		}
		path := filepath.Join(dir, SyntheticXLSX)
		var err error
		if format == "xlsx" {
			sink, err = NewXLSXSink(path)
		} else {
			sink, err = NewExcelSink(path)
		}
		if err != nil {
			return Shape{}, err
		}
	default:
		return Shape{}, fmt.Errorf("synthetic manifest: format %q: want csv, xlsx or xlsx-shared", format)
	}
	return Synthetic(sink, n)
}

package samplegen

import (
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
)

// ReadXLSX reads a small workbook back as Tables, as the generator wrote
// it: text cells as strings, numeric cells as float64, every row padded to
// the header's width. The tests use it to compare workbooks by content,
// which stays stable when a new toolchain compresses the same content into
// different bytes.
func ReadXLSX(path string) ([]Table, error) {
	f, err := excelize.OpenFile(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	defer f.Close()
	var tables []Table
	for _, sheet := range f.GetSheetList() {
		rows, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
		if err != nil {
			return nil, fmt.Errorf("read %s: %s: %w", path, sheet, err)
		}
		t := Table{Name: sheet}
		if len(rows) > 0 {
			t.Header = rows[0]
		}
		for r, row := range rows[min(1, len(rows)):] {
			cells := make([]any, max(len(row), len(t.Header)))
			for c := range cells {
				cells[c] = ""
				if c >= len(row) {
					continue
				}
				cells[c] = row[c]
				ref, err := excelize.CoordinatesToCellName(c+1, r+2)
				if err != nil {
					return nil, fmt.Errorf("read %s: %s: %w", path, sheet, err)
				}
				typ, err := f.GetCellType(sheet, ref)
				if err != nil {
					return nil, fmt.Errorf("read %s: %s!%s: %w", path, sheet, ref, err)
				}
				if typ == excelize.CellTypeNumber || typ == excelize.CellTypeUnset && isNumber(row[c]) {
					v, err := strconv.ParseFloat(row[c], 64)
					if err != nil {
						return nil, fmt.Errorf("read %s: %s!%s: %w", path, sheet, ref, err)
					}
					cells[c] = v
				}
			}
			t.Rows = append(t.Rows, cells)
		}
		tables = append(tables, t)
	}
	return tables, nil
}

// isNumber reports whether an untyped cell's raw value is a number: a cell
// without a t attribute is numeric in the file format.
func isNumber(s string) bool {
	_, err := strconv.ParseFloat(s, 64)
	return s != "" && err == nil
}

// ReadCSV reads every CSV file of a manifest folder back as Tables, in file
// name order. A table's Name is the file name without ".csv" (lower case,
// as CSVName writes it).
func ReadCSV(dir string) ([]Table, error) {
	names, err := filepath.Glob(filepath.Join(dir, "*.csv"))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", dir, err)
	}
	slices.Sort(names)
	var tables []Table
	for _, name := range names {
		t, err := readCSVFile(name)
		if err != nil {
			return nil, err
		}
		tables = append(tables, t)
	}
	return tables, nil
}

func readCSVFile(path string) (Table, error) {
	f, err := os.Open(path)
	if err != nil {
		return Table{}, fmt.Errorf("read %s: %w", path, err)
	}
	defer f.Close()
	records, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return Table{}, fmt.Errorf("read %s: %w", path, err)
	}
	t := Table{Name: strings.TrimSuffix(filepath.Base(path), ".csv")}
	if len(records) > 0 {
		t.Header = records[0]
	}
	for _, rec := range records[min(1, len(records)):] {
		cells := make([]any, len(rec))
		for i, v := range rec {
			cells[i] = v
		}
		t.Rows = append(t.Rows, cells)
	}
	return t, nil
}

package samplegen

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"os"
)

// SetCSVCells edits a manifest CSV file as a person would in a
// spreadsheet: for each row whose first cell (its natural key) is in
// values, it sets column to that value, adding the column at the end when
// the file has none. It fails when a key is not in the file.
func SetCSVCells(path, column string, values map[string]string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("edit %s: %w", path, err)
	}
	bom := bytes.HasPrefix(b, []byte("\ufeff"))
	recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte("\ufeff")))).ReadAll()
	if err != nil || len(recs) == 0 {
		return fmt.Errorf("edit %s: no header: %v", path, err)
	}
	col := -1
	for c, h := range recs[0] {
		if h == column {
			col = c
		}
	}
	if col < 0 {
		col = len(recs[0])
		recs[0] = append(recs[0], column)
	}
	left := len(values)
	for i := 1; i < len(recs); i++ {
		for len(recs[i]) < len(recs[0]) {
			recs[i] = append(recs[i], "")
		}
		if v, ok := values[recs[i][0]]; ok {
			recs[i][col] = v
			left--
		}
	}
	if left > 0 {
		return fmt.Errorf("edit %s: %d of the keys are not in the file", path, left)
	}
	var out bytes.Buffer
	if bom {
		out.WriteString("\ufeff")
	}
	w := csv.NewWriter(&out)
	if err := w.WriteAll(recs); err != nil {
		return fmt.Errorf("edit %s: %w", path, err)
	}
	if err := os.WriteFile(path, out.Bytes(), 0o600); err != nil {
		return fmt.Errorf("edit %s: %w", path, err)
	}
	return nil
}

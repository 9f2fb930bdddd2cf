package sheets

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"path/filepath"
	"strings"
)

// utf8BOM starts every CSV file written, so that Excel reads it as UTF-8
// (its own "CSV UTF-8" format does the same); Open strips it.
const utf8BOM = "\uFEFF"

// csvWriter writes one CSV file per sheet, <dir>/<stem>-<Sheet>.csv.
type csvWriter struct {
	path      string // as given to Create, for errors
	dir, stem string
	names     *uniqueNames

	done   []*tempFile // finished sheets, waiting for Commit
	cur    *tempFile
	buf    *bufio.Writer
	cw     *csv.Writer
	record []string // reused for every row

	err       error // sticky: the first error
	closed    bool  // committed or aborted
	committed bool  // every file moved into place
}

func newCSVWriter(path string) *csvWriter {
	return &csvWriter{
		path:  path,
		dir:   filepath.Dir(path),
		stem:  strings.TrimSuffix(filepath.Base(path), filepath.Ext(path)),
		names: newUniqueNames(64, truncateRunes),
	}
}

// fail records the first error.
func (w *csvWriter) fail(err error) error {
	if w.err == nil {
		w.err = err
	}
	return w.err
}

func (w *csvWriter) Sheet(name string, header []string) error {
	if w.closed {
		return fmt.Errorf("write %s: %w", w.path, errCommitted)
	}
	if w.err != nil {
		return w.err
	}
	if err := w.endSheet(); err != nil {
		return err
	}
	// A table read from portins.csv is written as <stem>-portins.csv.
	if ext := filepath.Ext(name); strings.EqualFold(ext, ".csv") {
		name = strings.TrimSuffix(name, ext)
	}
	file := w.stem + "-" + w.names.take(fileNamePart(name)) + ".csv"
	t, err := createTemp(filepath.Join(w.dir, file))
	if err != nil {
		return w.fail(err)
	}
	w.cur = t
	w.buf = bufio.NewWriterSize(t.f, 64<<10)
	w.cw = csv.NewWriter(w.buf)
	if _, err := w.buf.WriteString(utf8BOM); err != nil {
		return w.fail(fmt.Errorf("write %s: %w", t.dest, err))
	}
	if len(header) == 0 {
		return nil
	}
	w.record = w.record[:0]
	for _, h := range header {
		w.record = append(w.record, defuse(h))
	}
	return w.write()
}

func (w *csvWriter) Row(cells []Cell) error {
	if w.closed {
		return fmt.Errorf("write %s: %w", w.path, errCommitted)
	}
	if w.err != nil {
		return w.err
	}
	if w.cur == nil {
		return w.fail(fmt.Errorf("write %s: %w", w.path, errNoSheet))
	}
	w.record = w.record[:0]
	for _, c := range cells {
		v := c.Value
		if !c.Exact && c.Num == Text {
			v = defuse(v)
		}
		w.record = append(w.record, v)
	}
	return w.write()
}

// write writes w.record to the current file.
func (w *csvWriter) write() error {
	if err := w.cw.Write(w.record); err != nil {
		return w.fail(fmt.Errorf("write %s: %w", w.cur.dest, err))
	}
	return nil
}

// defuse guards against formula injection: a spreadsheet opening the file
// would run a cell that starts with = + - @ (or a tab or carriage return
// before one), so such a cell gets a leading apostrophe, which makes it
// text.
func defuse(v string) string {
	if v != "" && strings.IndexByte("=+-@\t\r", v[0]) >= 0 {
		return "'" + v
	}
	return v
}

// endSheet flushes the current file and sets it aside for Commit.
func (w *csvWriter) endSheet() error {
	if w.cur == nil {
		return nil
	}
	t := w.cur
	w.cur = nil
	w.done = append(w.done, t)
	w.cw.Flush()
	err := w.cw.Error()
	if err == nil {
		err = w.buf.Flush()
	}
	if err != nil {
		return w.fail(fmt.Errorf("write %s: %w", t.dest, err))
	}
	return nil
}

// Commit finishes every file, then renames them into place in the order
// their sheets were started. Each file appears whole or not at all; if a
// rename fails, the files renamed before it stay.
func (w *csvWriter) Commit() error {
	if w.closed {
		return fmt.Errorf("write %s: %w", w.path, errCommitted)
	}
	err := w.err
	if err == nil {
		err = w.endSheet()
	}
	for _, t := range w.done {
		if err != nil {
			break
		}
		err = t.finish()
	}
	for _, t := range w.done {
		if err != nil {
			break
		}
		err = t.rename()
	}
	w.closed = true
	if err != nil {
		w.removeTemps()
		return err
	}
	w.committed = true
	return nil
}

func (w *csvWriter) Abort() {
	if w.closed {
		return
	}
	w.closed = true
	w.removeTemps()
}

// removeTemps deletes every temporary file not yet renamed.
func (w *csvWriter) removeTemps() {
	if w.cur != nil {
		w.cur.remove()
		w.cur = nil
	}
	for _, t := range w.done {
		t.remove()
	}
}

// Files returns the files the writer wrote, one per sheet, in order: their
// paths once Commit succeeded, nil before.
func (w *csvWriter) Files() []string {
	if !w.committed {
		return nil
	}
	out := make([]string, 0, len(w.done))
	for _, t := range w.done {
		out = append(out, t.dest)
	}
	return out
}

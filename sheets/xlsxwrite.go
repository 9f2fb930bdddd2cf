package sheets

import (
	"archive/zip"
	"compress/flate"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

// How the workbook is written.
//
// Each sheet goes through an excelize StreamWriter, which keeps 16 MiB of
// sheet XML in memory and spills the rest to a temporary file (created in
// the destination directory, not in a possibly memory-backed /tmp). Every
// value is passed as a Go string, which the StreamWriter writes as an
// inline string cell: never a number, never a formula, whatever the text.
// An empty value is written as no cell at all.
//
// One kind of text cannot be written faithfully: the StreamWriter's
// escaping drops a literal sequence _xD800_ to _xDFFF_ (what would be the
// escape of a UTF-16 surrogate) from a value. No real manifest holds such
// text; it is noted here because it is the one way a value is altered.
//
// File.Write would assemble the whole compressed workbook in a
// bytes.Buffer before copying it out (about 300 MB for a million rows), so
// the writer installs its own zip writer with File.SetZipWriter, pointed at
// the temporary output file: the archive is streamed to disk and the
// buffer excelize passes stays empty. Compression uses flate.BestSpeed,
// which is several times faster than the default level on sheet XML for a
// file about half again as large.

// sizeRows is how many rows of each sheet are held back to size its
// columns before anything is written.
const sizeRows = 100

// Column widths, in characters.
const (
	minColWidth = 8
	maxColWidth = 60
)

type xlsxWriter struct {
	out    *tempFile
	file   *excelize.File
	bold   int // style ID of the header row
	money  int // style ID of Money cells without a Unit
	styles cellStyles
	names  *uniqueNames

	sheets  int
	sw      *excelize.StreamWriter
	header  []string
	pending [][]Cell // the first rows of the sheet, until sized
	sized   bool     // header and pending rows written
	next    int      // number of the next row to write
	values  []any    // reused for every row
	page    pageState

	err    error // sticky: the first error
	closed bool  // committed or aborted
}

func newXLSXWriter(path string) (*xlsxWriter, error) {
	out, err := createTemp(path)
	if err != nil {
		return nil, err
	}
	f := excelize.NewFile(excelize.Options{TmpDir: filepath.Dir(path)})
	f.SetZipWriter(func(io.Writer) excelize.ZipWriter {
		zw := zip.NewWriter(out.f)
		zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
			return flate.NewWriter(w, flate.BestSpeed)
		})
		return zw
	})
	bold, err := f.NewStyle(&excelize.Style{Font: &headerFont,
		Border:    []excelize.Border{{Type: "bottom", Color: "808080", Style: 1}},
		Alignment: &excelize.Alignment{Vertical: "top"}})
	var money int
	if err == nil {
		money, err = f.NewStyle(&excelize.Style{NumFmt: 4}) // #,##0.00
	}
	var styles cellStyles
	if err == nil {
		styles, err = newCellStyles(f)
	}
	if err != nil {
		_ = f.Close()
		out.remove()
		return nil, fmt.Errorf("create %s: %w", path, err)
	}
	return &xlsxWriter{
		out:    out,
		file:   f,
		bold:   bold,
		money:  money,
		styles: styles,
		names:  newUniqueNames(maxSheetName, truncateUTF16),
	}, nil
}

// fail records the first error, wrapped with the destination.
func (w *xlsxWriter) fail(err error) error {
	if w.err == nil {
		w.err = fmt.Errorf("write %s: %w", w.out.dest, err)
	}
	return w.err
}

func (w *xlsxWriter) Sheet(name string, header []string) error {
	if w.closed {
		return fmt.Errorf("write %s: %w", w.out.dest, errCommitted)
	}
	if w.err != nil {
		return w.err
	}
	if err := w.endSheet(); err != nil {
		return err
	}
	name = w.names.take(SheetName(name))
	if w.sheets == 0 {
		if err := w.file.SetSheetName(w.file.GetSheetName(0), name); err != nil {
			return w.fail(fmt.Errorf("sheet %q: %w", name, err))
		}
	} else if _, err := w.file.NewSheet(name); err != nil {
		return w.fail(fmt.Errorf("sheet %q: %w", name, err))
	}
	w.sheets++
	if err := w.setUpPages(name, len(header) > 0); err != nil {
		return w.fail(fmt.Errorf("sheet %q: %w", name, err))
	}
	sw, err := w.file.NewStreamWriter(name)
	if err != nil {
		return w.fail(fmt.Errorf("sheet %q: %w", name, err))
	}
	if len(header) > 0 {
		err := sw.SetPanes(&excelize.Panes{
			Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft",
			Selection: []excelize.Selection{{SQRef: "A2", ActiveCell: "A2", Pane: "bottomLeft"}},
		})
		if err != nil {
			return w.fail(fmt.Errorf("sheet %q: %w", name, err))
		}
	}
	w.sw, w.header, w.pending, w.sized, w.next = sw, append([]string(nil), header...), nil, false, 1
	w.page = pageState{}
	return nil
}

func (w *xlsxWriter) Row(cells []Cell) error {
	if w.closed {
		return fmt.Errorf("write %s: %w", w.out.dest, errCommitted)
	}
	if w.err != nil {
		return w.err
	}
	if w.sw == nil {
		return w.fail(errNoSheet)
	}
	if !w.sized {
		w.pending = append(w.pending, append([]Cell(nil), cells...))
		if len(w.pending) < sizeRows {
			return nil
		}
		return w.size()
	}
	w.values = w.values[:0]
	for _, c := range cells {
		w.values = append(w.values, w.cellValue(c))
	}
	return w.writeRow()
}

// cellValue is what the StreamWriter is given for a cell: the string, nil
// (no cell at all) for an empty one, or a number for a Num cell whose
// value reads as one (else its text).
func (w *xlsxWriter) cellValue(c Cell) any {
	switch {
	case c.Value == "":
		return nil
	case c.Num == Integer:
		if n, err := strconv.ParseInt(c.Value, 10, 64); err == nil {
			return n
		}
	case c.Num == Money:
		if f, err := strconv.ParseFloat(c.Value, 64); err == nil {
			return excelize.Cell{StyleID: w.moneyStyle(c.Unit), Value: f}
		}
	case c.Num == Decimal:
		if f, err := strconv.ParseFloat(c.Value, 64); err == nil {
			return excelize.Cell{StyleID: w.styles.decimal, Value: f}
		}
	}
	return c.Value
}

// writeRow writes w.values as the next row.
func (w *xlsxWriter) writeRow() error {
	w.page.row(w.next, w.values)
	if err := w.sw.SetRow("A"+strconv.Itoa(w.next), w.values); err != nil {
		return w.fail(fmt.Errorf("sheet %q: row %d: %w", w.sw.Sheet, w.next, err))
	}
	w.next++
	return nil
}

// size sets the column widths from the header and the rows held back,
// then writes them.
func (w *xlsxWriter) size() error {
	w.sized = true
	widths := make([]int, len(w.header))
	measure := func(i int, v string) {
		if i >= len(widths) {
			widths = append(widths, make([]int, i+1-len(widths))...)
		}
		first, _, _ := strings.Cut(v, "\n")
		widths[i] = max(widths[i], utf8.RuneCountInString(first))
	}
	for i, h := range w.header {
		measure(i, h+"  ") // bold, and room for a filter button
	}
	for _, row := range w.pending {
		for i, c := range row {
			measure(i, c.Value)
		}
	}
	for i, n := range widths {
		width := float64(min(max(n+2, minColWidth), maxColWidth))
		if err := w.sw.SetColWidth(i+1, i+1, width); err != nil {
			return w.fail(fmt.Errorf("sheet %q: %w", w.sw.Sheet, err))
		}
		if n+2 <= maxColWidth && !w.page.wrap[i] {
			continue
		}
		if err := w.sw.SetColStyle(i+1, i+1, w.styles.wrap); err != nil {
			return w.fail(fmt.Errorf("sheet %q: %w", w.sw.Sheet, err))
		}
	}
	if len(w.header) > 0 {
		w.values = w.values[:0]
		for _, h := range w.header {
			if h == "" {
				w.values = append(w.values, nil)
				continue
			}
			w.values = append(w.values, excelize.Cell{StyleID: w.bold, Value: h})
		}
		if err := w.writeRow(); err != nil {
			return err
		}
	}
	for _, row := range w.pending {
		w.values = w.values[:0]
		for _, c := range row {
			w.values = append(w.values, w.cellValue(c))
		}
		if err := w.writeRow(); err != nil {
			return err
		}
	}
	w.pending = nil
	return nil
}

// endSheet writes what is held back of the current sheet and ends it.
func (w *xlsxWriter) endSheet() error {
	if w.sw == nil {
		return nil
	}
	if !w.sized {
		if err := w.size(); err != nil {
			return err
		}
	}
	if err := w.filter(); err != nil {
		return w.fail(fmt.Errorf("sheet %q: %w", w.sw.Sheet, err))
	}
	if err := w.sw.Flush(); err != nil {
		return w.fail(fmt.Errorf("sheet %q: %w", w.sw.Sheet, err))
	}
	w.sw = nil
	return nil
}

func (w *xlsxWriter) Commit() error {
	if w.closed {
		return fmt.Errorf("write %s: %w", w.out.dest, errCommitted)
	}
	err := w.err
	if err == nil {
		err = w.endSheet()
	}
	if err == nil {
		// The zip writer installed in newXLSXWriter writes to w.out;
		// what excelize would copy to this io.Writer is empty.
		if werr := w.file.Write(io.Discard); werr != nil {
			err = w.fail(werr)
		}
	}
	if cerr := w.file.Close(); err == nil && cerr != nil {
		err = w.fail(cerr)
	}
	if err == nil {
		err = w.checkWritten()
	}
	if err == nil {
		err = w.out.finish()
	}
	if err == nil {
		err = w.out.rename()
	}
	w.closed = true
	if err != nil {
		w.out.remove()
		return err
	}
	return nil
}

// checkWritten guards the SetZipWriter arrangement: if a future excelize
// stopped using the installed zip writer, the output would be empty.
func (w *xlsxWriter) checkWritten() error {
	fi, err := w.out.f.Stat()
	if err != nil {
		return w.fail(err)
	}
	if fi.Size() == 0 {
		return w.fail(errors.New("the workbook came out empty"))
	}
	return nil
}

func (w *xlsxWriter) Abort() {
	if w.closed {
		return
	}
	w.closed = true
	_ = w.file.Close()
	w.out.remove()
}

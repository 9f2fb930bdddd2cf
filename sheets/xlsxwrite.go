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
// excelize builds the workbook around the rows: the sheets with their
// column widths, panes, page setup, autofilter and charts, the styles, the
// defined names and the relationships, all small and in memory. The rows
// themselves never go through it: each sheet's rows are encoded by this
// writer, as inline string cells (never a formula, whatever the text) or,
// for a Num cell, as numbers, into a temporary file created in the
// destination directory (not in a possibly memory-backed /tmp). An empty
// value is written as no cell at all.
//
// File.Write would assemble the whole compressed workbook in a
// bytes.Buffer before copying it out, so the writer installs its own zip
// writer with File.SetZipWriter (see splicer), pointed at the temporary
// output file: excelize writes each part through it, and the part of a
// sheet, which excelize writes with an empty sheetData, gets the sheet's
// rows spliced in from their file. The rows are compressed as they are
// written, so their file holds them compressed, and the part is put
// together from compressed pieces (see zippart.go). The archive is
// streamed to disk, and the buffer excelize passes stays empty.
// Compression uses flate.BestSpeed, which is several times faster than the
// default level on sheet XML for a file about half again as large.

// sizeRows is how many rows of each sheet are held back to size its
// columns before anything is written.
const sizeRows = 100

// Column widths, in characters.
const (
	minColWidth = 8
	maxColWidth = 60
)

type xlsxWriter struct {
	out       *tempFile
	file      *excelize.File
	zip       *splicer
	rowsFlate *flate.Writer // compresses the rows of the sheet being written
	bold      int           // style ID of the header row
	money     int           // style ID of Money cells without a Unit
	styles    cellStyles
	names     *uniqueNames

	sheets  int
	sheet   string     // the current sheet's name ("" before the first)
	rows    *sheetRows // the current sheet's rows
	header  []string
	pending [][]Cell // the first rows of the sheet, until sized
	sized   bool     // header and pending rows written
	next    int      // number of the next row to write
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
	rowsFlate, err := flate.NewWriter(io.Discard, flate.BestSpeed)
	if err != nil {
		_ = f.Close()
		out.remove()
		return nil, fmt.Errorf("create %s: %w", path, err)
	}
	// The rows' compressor also compresses the start and end of the
	// sheets' parts when the workbook is written, after the last rows.
	zw := &splicer{rows: map[string]*sheetRows{}, fw: rowsFlate}
	f.SetZipWriter(func(io.Writer) excelize.ZipWriter {
		zw.zw = zip.NewWriter(out.f)
		var fw *flate.Writer // one for every part: the parts are written one after the other
		zw.zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
			if fw != nil {
				fw.Reset(w)
				return fw, nil
			}
			f, err := flate.NewWriter(w, flate.BestSpeed)
			if err != nil {
				return nil, err
			}
			fw = f
			return fw, nil
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
		out:       out,
		file:      f,
		zip:       zw,
		rowsFlate: rowsFlate,
		bold:      bold,
		money:     money,
		styles:    styles,
		names:     newUniqueNames(maxSheetName, truncateUTF16),
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
	if len(header) > 0 {
		err := w.file.SetPanes(name, &excelize.Panes{
			Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft",
			Selection: []excelize.Selection{{SQRef: "A2", ActiveCell: "A2", Pane: "bottomLeft"}},
		})
		if err != nil {
			return w.fail(fmt.Errorf("sheet %q: %w", name, err))
		}
	}
	// excelize names the part of the n-th sheet of a new file sheet<n>.xml;
	// Commit checks that every sheet's rows were spliced into its part.
	rows, err := newSheetRows(w.out.dest, w.rowsFlate)
	if err != nil {
		return w.fail(fmt.Errorf("sheet %q: %w", name, err))
	}
	w.zip.rows["xl/worksheets/sheet"+strconv.Itoa(w.sheets)+".xml"] = rows
	w.sheet, w.rows, w.header, w.pending, w.sized, w.next = name, rows, append([]string(nil), header...), nil, false, 1
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
	if w.rows == nil {
		return w.fail(errNoSheet)
	}
	if !w.sized {
		w.pending = append(w.pending, append([]Cell(nil), cells...))
		if len(w.pending) < sizeRows {
			return nil
		}
		return w.size()
	}
	return w.writeRow(cells, 0)
}

// writeRow writes cells as the next row; style, if not 0, is the style of
// its text cells (the header's).
func (w *xlsxWriter) writeRow(cells []Cell, style int) error {
	w.page.row(w.next, cells)
	if err := w.rows.row(w.next, cells, style, w); err != nil {
		return w.fail(fmt.Errorf("sheet %q: row %d: %w", w.sheet, w.next, err))
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
	w.page.wrapped = make([]bool, len(widths))
	w.page.widths = make([]float64, len(widths))
	// Last column first: excelize puts each column it is given before
	// those it has, and a worksheet lists its columns in ascending order.
	for i := len(widths) - 1; i >= 0; i-- {
		n := widths[i]
		width := float64(min(max(n+2, minColWidth), maxColWidth))
		w.page.widths[i] = width
		col := ColumnLetter(i)
		if err := w.file.SetColWidth(w.sheet, col, col, width); err != nil {
			return w.fail(fmt.Errorf("sheet %q: %w", w.sheet, err))
		}
		if n+2 <= maxColWidth && !w.page.wrap[i] {
			continue
		}
		w.page.wrapped[i] = true
		if err := w.file.SetColStyle(w.sheet, col, w.styles.wrap); err != nil {
			return w.fail(fmt.Errorf("sheet %q: %w", w.sheet, err))
		}
	}
	if len(w.header) > 0 {
		head := make([]Cell, len(w.header))
		for i, h := range w.header {
			head[i] = Cell{Value: h}
		}
		if err := w.writeRow(head, w.bold); err != nil {
			return err
		}
	}
	for _, row := range w.pending {
		if err := w.writeRow(row, 0); err != nil {
			return err
		}
	}
	w.pending = nil
	return nil
}

// endSheet writes what is held back of the current sheet and ends it.
func (w *xlsxWriter) endSheet() error {
	if w.rows == nil {
		return nil
	}
	if !w.sized {
		if err := w.size(); err != nil {
			return err
		}
	}
	if err := w.filter(); err != nil {
		return w.fail(fmt.Errorf("sheet %q: %w", w.sheet, err))
	}
	if err := w.rows.end(); err != nil {
		return w.fail(fmt.Errorf("sheet %q: %w", w.sheet, err))
	}
	w.rows = nil
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
	if err == nil {
		if zerr := w.zip.check(); zerr != nil {
			err = w.fail(zerr)
		}
	}
	if cerr := w.file.Close(); err == nil && cerr != nil {
		err = w.fail(cerr)
	}
	w.zip.remove()
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
	w.zip.remove()
	w.out.remove()
}

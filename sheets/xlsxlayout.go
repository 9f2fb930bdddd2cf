package sheets

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
)

// How an XLSX sheet is laid out for screen and paper: through excelize's
// in-memory model of the sheet, which holds no rows (see xlsxWriter), so
// that the page setup, print titles, panes, autofilter and charts cost the
// same whatever the number of rows.

// headerFont is the header row's font, named so that a spreadsheet that
// lacks a default does not fall back on a serif face.
var headerFont = excelize.Font{Bold: true, Family: "Calibri", Size: 11}

// axisFont is the font of a chart's axis labels: dark enough to print.
var axisFont = excelize.Font{Family: "Calibri", Size: 9, Color: "404040"}

// Chart sizes, in pixels, and the rows one takes up (at 20 px a row, with a
// row of space below). Charts go two side by side.
const (
	chartWidth  = 640
	chartHeight = 300
	chartRows   = chartHeight/20 + 2
	chartGap    = 20
)

// cellStyles are the style IDs of the cells a writer styles.
type cellStyles struct {
	decimal int            // Decimal cells: 0.0
	wrap    int            // wrapped text, aligned to the top
	money   map[string]int // Money cells by Unit
}

func newCellStyles(f *excelize.File) (cellStyles, error) {
	var st cellStyles
	var err error
	if st.decimal, err = f.NewStyle(&excelize.Style{NumFmt: 0, CustomNumFmt: ptr("0.0")}); err != nil {
		return st, err
	}
	st.wrap, err = f.NewStyle(&excelize.Style{Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}})
	st.money = map[string]int{}
	return st, err
}

func ptr[T any](v T) *T { return &v }

// moneyStyle returns the style of a Money cell in unit: a currency format
// that names the unit, such as "USD #,##0.00".
func (w *xlsxWriter) moneyStyle(unit string) int {
	if unit == "" {
		return w.money
	}
	if id, ok := w.styles.money[unit]; ok {
		return id
	}
	id := w.money
	if validUnit(unit) {
		if n, err := w.file.NewStyle(&excelize.Style{CustomNumFmt: ptr(`[$` + unit + `] #,##0.00`)}); err == nil {
			id = n
		}
	}
	w.styles.money[unit] = id
	return id
}

// validUnit tells whether unit can go into a number format as it is: a
// currency code is letters only.
func validUnit(unit string) bool {
	if len(unit) == 0 || len(unit) > 8 {
		return false
	}
	for i := 0; i < len(unit); i++ {
		if c := unit[i] | 0x20; c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}

// pageState is what the writer learns of the current sheet for its
// layout: the columns to wrap, where its first table ends, where its next
// chart goes.
type pageState struct {
	wrap      map[int]bool // columns asked to wrap
	wrapped   []bool       // columns that wrap, once sized
	tableEnd  int          // last row of the first table
	tableDone bool         // an empty row ended the first table
	lastCol   int          // widest row of the first table, in cells
	charts    int          // charts so far
	widths    []float64    // column widths, in characters
}

// row notes row number n, whose cells are about to be written.
func (p *pageState) row(n int, cells []Cell) {
	if p.tableDone {
		return
	}
	width := 0
	for i, c := range cells {
		if c.Value != "" {
			width = i + 1
		}
	}
	if width == 0 {
		p.tableDone = true
		return
	}
	p.tableEnd, p.lastCol = n, max(p.lastCol, width)
}

// setUpPages sets sheet name up for print: landscape A4, one page wide and
// as many pages down as it takes, page numbers in the footer and, when it
// has one, the header row repeated on every page.
func (w *xlsxWriter) setUpPages(name string, header bool) error {
	err := w.file.SetSheetProps(name, &excelize.SheetPropsOptions{FitToPage: ptr(true)})
	if err == nil {
		err = w.file.SetPageLayout(name, &excelize.PageLayoutOptions{
			Size: ptr(9), Orientation: ptr("landscape"), FitToWidth: ptr(1), FitToHeight: ptr(0),
		})
	}
	if err == nil {
		err = w.file.SetPageMargins(name, &excelize.PageLayoutMarginsOptions{
			Left: ptr(0.25), Right: ptr(0.25), Top: ptr(0.5), Bottom: ptr(0.6), Header: ptr(0.2), Footer: ptr(0.25),
		})
	}
	if err == nil {
		err = w.file.SetHeaderFooter(name, &excelize.HeaderFooterOptions{OddFooter: "&L&A&RPage &P of &N"})
	}
	if err == nil && header {
		err = w.file.SetDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Titles", RefersTo: quoteSheet(name) + "!$1:$1", Scope: name})
	}
	return err
}

// filter puts an autofilter on the current sheet's first table.
func (w *xlsxWriter) filter() error {
	cols := max(len(w.header), w.page.lastCol)
	if len(w.header) == 0 || cols == 0 {
		return nil
	}
	last := max(w.page.tableEnd, 1)
	if err := w.file.AutoFilter(w.sheet, "A1:"+ColumnLetter(cols-1)+strconv.Itoa(last), nil); err != nil {
		return err
	}
	// AutoFilter replaces the sheet properties: fit to page again.
	return w.file.SetSheetProps(w.sheet, &excelize.SheetPropsOptions{FitToPage: ptr(true)})
}

// Wrap implements Layout.
func (w *xlsxWriter) Wrap(cols ...int) {
	if w.page.wrap == nil {
		w.page.wrap = map[int]bool{}
	}
	for _, c := range cols {
		w.page.wrap[c] = true
	}
}

// Chart implements Layout.
func (w *xlsxWriter) Chart(c Chart) error {
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
		if err := w.size(); err != nil {
			return err
		}
	}
	if c.FirstRow < 1 || c.LastRow < c.FirstRow || len(c.SeriesCols) == 0 {
		return w.fail(fmt.Errorf("sheet %q: chart %q: no data", w.sheet, c.Title))
	}
	sheet := quoteSheet(w.sheet)
	ref := func(col, from, to int) string {
		l := "$" + ColumnLetter(col) + "$"
		if from == to {
			return sheet + "!" + l + strconv.Itoa(from)
		}
		return sheet + "!" + l + strconv.Itoa(from) + ":" + l + strconv.Itoa(to)
	}
	ch := &excelize.Chart{
		Title:     excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: c.Title}}},
		Dimension: excelize.ChartDimension{Width: chartWidth, Height: chartHeight},
		Legend:    excelize.ChartLegend{Position: "right"},
		Format:    excelize.GraphicOptions{PrintObject: ptr(true), Locked: ptr(false)},
		PlotArea:  excelize.ChartPlotArea{ShowVal: c.Kind == Pie},
		XAxis:     excelize.ChartAxis{Font: axisFont},
		YAxis:     excelize.ChartAxis{Font: axisFont, MajorGridLines: true},
	}
	switch c.Kind {
	case StackedBars:
		ch.Type = excelize.BarStacked
	case Pie:
		ch.Type, c.SeriesCols = excelize.Pie, c.SeriesCols[:1]
	default:
		ch.Type = excelize.ColStacked
	}
	for _, col := range c.SeriesCols {
		ch.Series = append(ch.Series, excelize.ChartSeries{
			Name:       ref(col, c.HeaderRow, c.HeaderRow),
			Categories: ref(c.CategoryCol, c.FirstRow, c.LastRow),
			Values:     ref(col, c.FirstRow, c.LastRow),
		})
	}
	col := 0
	if w.page.charts%2 == 1 {
		col = w.page.columnAt(chartWidth + chartGap)
	}
	at := ColumnLetter(col) + strconv.Itoa(w.next+1+w.page.charts/2*chartRows)
	if err := w.file.AddChart(w.sheet, at, ch); err != nil {
		return w.fail(fmt.Errorf("sheet %q: chart %q: %w", w.sheet, c.Title, err))
	}
	w.page.charts++
	return nil
}

// columnAt returns the first column that starts at least px pixels from the
// sheet's left edge (a column of width w characters is 7w+5 pixels wide;
// past the sized columns, 8.43 characters).
func (p *pageState) columnAt(px int) int {
	x := 0.0
	for c := 0; ; c++ {
		if x >= float64(px) {
			return c
		}
		width := 8.43
		if c < len(p.widths) {
			width = p.widths[c]
		}
		x += 7*width + 5
	}
}

// quoteSheet returns a sheet name as a formula refers to it.
func quoteSheet(name string) string {
	return "'" + strings.ReplaceAll(name, "'", "''") + "'"
}

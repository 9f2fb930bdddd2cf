package plan

import (
	"bufio"
	"fmt"
	"io"
	"sort"
	"strconv"
)

// String formats a problem as "sheet:row:column: message", leaving out the
// parts that are empty (a problem about a whole sheet has no row).
func (p Problem) String() string {
	loc := p.Sheet
	if p.Row > 0 {
		loc = join(loc, strconv.Itoa(p.Row))
	}
	loc = join(loc, p.Column)
	if loc == "" {
		return p.Message
	}
	return loc + ": " + p.Message
}

func join(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + ":" + b
}

// sort orders problems by table, row and column; problems Build did not
// make (tab 0) keep their place after the others.
func (ps Problems) sort() {
	sort.SliceStable(ps, func(i, j int) bool {
		a, b := &ps[i], &ps[j]
		if a.tab != b.tab {
			return a.tab != 0 && (b.tab == 0 || a.tab < b.tab)
		}
		if a.Row != b.Row {
			return a.Row < b.Row
		}
		return a.col < b.col
	})
}

// WriteReport writes the problems grouped by sheet, in the order of the
// input (sheets, then rows, then columns), a header line per sheet, then a
// one-line summary such as "3 problems in 2 sheets".
func (ps Problems) WriteReport(w io.Writer) error { return ps.report(w, "problem") }

// WriteWarnings is WriteReport for warnings: "1 warning in 1 sheet".
func (ps Problems) WriteWarnings(w io.Writer) error { return ps.report(w, "warning") }

func (ps Problems) report(w io.Writer, noun string) error {
	sorted := make(Problems, len(ps))
	copy(sorted, ps)
	// Group by sheet in order of first appearance; within a sheet, Build's
	// order (row, then column) is kept, or made when Build did not sort.
	first := make(map[string]int)
	for i, p := range sorted {
		if _, ok := first[p.Sheet]; !ok {
			first[p.Sheet] = i
		}
	}
	sort.SliceStable(sorted, func(i, j int) bool {
		a, b := &sorted[i], &sorted[j]
		if a.Sheet != b.Sheet {
			return first[a.Sheet] < first[b.Sheet]
		}
		if a.Row != b.Row {
			return a.Row < b.Row
		}
		return a.col < b.col
	})
	bw := bufio.NewWriter(w)
	sheets := 0
	for i, p := range sorted {
		if i == 0 || p.Sheet != sorted[i-1].Sheet {
			sheets++
			n := 1
			for n < len(sorted)-i && sorted[i+n].Sheet == p.Sheet {
				n++
			}
			name := p.Sheet
			if name == "" {
				name = "(manifest)"
			}
			fmt.Fprintf(bw, "%s: %s\n", name, count(n, noun))
		}
		fmt.Fprintf(bw, "  %s\n", p)
	}
	fmt.Fprintf(bw, "%s in %s\n", count(len(sorted), noun), count(sheets, "sheet"))
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}

// count returns "1 problem", "3 problems".
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

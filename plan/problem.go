package plan

import (
	"bufio"
	"fmt"
	"io"
	"sort"
	"strconv"
)

// String formats a problem as "sheet:row:column: message", leaving out the
// parts that are empty (a problem about a whole sheet has no row). An
// entry that counts problems not listed (Problem.More) reads
// "… and 99,980 more like this in Subscribers column Email, up to row 100006".
func (p Problem) String() string {
	if p.More > 0 {
		return p.summary()
	}
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

// summary is the text of an entry that counts problems not listed.
func (p Problem) summary() string {
	like := "like this"
	if p.other {
		like = "of other kinds"
	}
	if p.Row == 0 {
		return fmt.Sprintf("… and %s more %s in the header of %s", thousands(p.More), like, p.Sheet)
	}
	where := p.Sheet
	if p.Column != "" {
		where += " column " + p.Column
	}
	return fmt.Sprintf("… and %s more %s in %s, up to row %d", thousands(p.More), like, where, p.upTo)
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

// Count returns the number of problems, those only counted included.
func (ps Problems) Count() int {
	n := 0
	for _, p := range ps {
		n += max(1, p.More)
	}
	return n
}

// Unlisted returns the number of problems only counted, not listed one by
// one.
func (ps Problems) Unlisted() int {
	n := 0
	for _, p := range ps {
		n += p.More
	}
	return n
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
			n := max(1, p.More)
			for j := i + 1; j < len(sorted) && sorted[j].Sheet == p.Sheet; j++ {
				n += max(1, sorted[j].More)
			}
			name := p.Sheet
			if name == "" {
				name = "(manifest)"
			}
			fmt.Fprintf(bw, "%s: %s\n", name, count(n, noun))
		}
		fmt.Fprintf(bw, "  %s\n", p)
	}
	fmt.Fprintf(bw, "%s in %s\n", count(sorted.Count(), noun), count(sheets, "sheet"))
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}

// count returns "1 problem", "3 problems", "1,000,000 problems".
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return thousands(n) + " " + noun + "s"
}

// thousands formats n with commas: 99980 → "99,980".
func thousands(n int) string {
	s := strconv.Itoa(n)
	start := 0
	if n < 0 {
		start = 1
	}
	for i := len(s) - 3; i > start; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// How many problems of a kind are listed one by one.
//
// A manifest of a million rows may have a million problems of one kind (a
// column of e-mail addresses pasted one cell off). Listing them helps
// nobody and would take memory in proportion, so a build keeps the first
// keepPerKind of each kind, in input order, and counts the others: a kind
// is a sheet, a column, and a message but for the values it quotes and
// the numbers in it (see shape). A column lists at most kindsPerColumn
// kinds; problems of further kinds count together as one more. What stays
// in memory is so bounded by the columns, not by the rows; every problem
// still reaches Options.Problems.
const (
	keepPerKind    = 5
	kindsPerColumn = 20
)

// otherKinds is the shape of the kind that gathers a column's problems
// past its first kindsPerColumn kinds (no message hashes to 0 but by
// chance).
const otherKinds = 0

// kinds counts the problems of each kind.
type kinds struct {
	byKey     map[kindKey]*kindCount
	perColumn map[columnKey]int
	order     []kindKey // in the order first seen
}

type columnKey struct {
	tab, col      int32
	sheet, column string
}

type kindKey struct {
	columnKey
	shape uint64
}

type kindCount struct {
	n       int     // problems of the kind
	listed  Problem // the last one listed
	lastRow int     // the row of the last one counted
}

// count counts p and reports whether it is among the first of its kind.
func (k *kinds) count(p Problem) bool {
	if k.byKey == nil {
		k.byKey, k.perColumn = make(map[kindKey]*kindCount), make(map[columnKey]int)
	}
	ck := columnKey{p.tab, p.col, p.Sheet, p.Column}
	if p.Row == 0 {
		// About the header: one per column at most (an unknown column,
		// two columns of one meaning), so counted by sheet.
		ck = columnKey{tab: p.tab, col: -1, sheet: p.Sheet}
	}
	key := kindKey{ck, shape(p.Message)}
	c := k.byKey[key]
	if c == nil {
		if k.perColumn[ck] >= kindsPerColumn {
			key.shape = otherKinds
			c = k.byKey[key]
		}
		if c == nil {
			c = &kindCount{}
			k.byKey[key] = c
			k.perColumn[ck]++
			k.order = append(k.order, key)
		}
	}
	c.n++
	c.lastRow = p.Row
	if c.n > keepPerKind {
		return false
	}
	c.listed = p
	return true
}

// shape is a hash of a message without what varies between problems of
// one kind: the values it quotes (as quote writes them) are left out and
// each run of digits (a row, a count) is one mark. Two messages of one
// shape say the same thing about different values. (Two shapes that hash
// alike would count as one kind: that changes what is listed, never what
// is counted.)
func shape(msg string) uint64 {
	const offset, prime = 14695981039346656037, 1099511628211
	h := uint64(offset)
	add := func(c byte) { h = (h ^ uint64(c)) * prime }
	for i := 0; i < len(msg); i++ {
		switch c := msg[i]; {
		case c == '"':
			for i++; i < len(msg) && msg[i] != '"'; i++ {
				if msg[i] == '\\' {
					i++
				}
			}
			add('"')
			add('"')
		case c >= '0' && c <= '9':
			for i+1 < len(msg) && msg[i+1] >= '0' && msg[i+1] <= '9' {
				i++
			}
			add('#')
		default:
			add(c)
		}
	}
	return h
}

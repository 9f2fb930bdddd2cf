package plan

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"telegent-bulk/sheets"
)

// Build reads every table, validates and normalises every cell, resolves
// references across sheets and builds the step DAG. It returns every problem
// at once; the plan is nil when there are problems. err is for usage errors
// (an unknown tab or file kind, an unreadable file) and I/O failures.
//
// Build reads each Reader to its end but does not close it. A plan without
// problems carries its warnings in Plan.Warnings; Check also returns the
// warnings of a manifest that has problems.
func Build(tables []sheets.Reader) (p *Plan, problems Problems, err error) {
	p, problems, _, err = Check(tables)
	return p, problems, err
}

// Check is Build for the validate command: it returns the warnings (an
// unknown column, a value that will be ignored) beside the problems, even
// when there are problems and so no plan. Warnings alone do not make a
// manifest invalid.
func Check(tables []sheets.Reader) (p *Plan, problems, warnings Problems, err error) {
	return CheckWith(tables, Options{})
}

// Options are what CheckWith may be told beside the tables.
type Options struct {
	// Problems, when set, is given every problem as it is found, also
	// those the returned Problems only count (see Problem.More): first
	// those of each table in input order, then those found across rows
	// and tables. An error from it ends the build with that error.
	Problems func(Problem) error
	// Today is the day a wireline's PortInDate is counted from (see
	// portInDateRules); nil: the system clock's day, in UTC.
	Today func() time.Time
}

// CheckWith is Check with options.
func CheckWith(tables []sheets.Reader, o Options) (p *Plan, problems, warnings Problems, err error) {
	return newBuilder(false, o).build(tables)
}

// CheckEligibility builds the plan of telegent-bulk plan --check-eligibility:
// the eligibility checks of the port-ins, before their carrier details are
// collected. It reads only the PortIns tables (any other table, even one
// that matches no kind, is left unread) and of them only the columns
// eligibility needs: PortInNumber, TargetClassification (and
// TargetPortinClassification), and Action, OrderId and PhoneNumberId,
// which tell whether the row is checked at all. Problems in other columns
// or tables do not exist for it.
//
// The plan's steps are the eligibility steps the full plan would have,
// with the same keys (portins/<number>/eligibility), so that one
// checkpoint serves both; its rows are every PortIns row (a cancel, a row
// whose order exists or whose port completed have no step). Row.Get of any
// other column returns "". err is for a manifest without a PortIns table
// and for read errors.
func CheckEligibility(tables []sheets.Reader) (p *Plan, problems, warnings Problems, err error) {
	return newBuilder(true, Options{}).build(tables)
}

func newBuilder(eligibility bool, o Options) *builder {
	today := time.Now
	if o.Today != nil {
		today = o.Today
	}
	return &builder{p: &Plan{}, seen: make(map[Problem]bool), elig: eligibility, sink: o.Problems, today: day(today())}
}

func (b *builder) build(tables []sheets.Reader) (p *Plan, problems, warnings Problems, err error) {
	maps, err := b.tables(tables)
	if err != nil {
		return nil, nil, nil, err
	}
	for _, m := range maps {
		if m != nil {
			m.today = b.today
		}
	}
	if err := b.read(tables, maps); err != nil {
		return nil, nil, nil, err
	}
	b.resolve()
	if b.sinkErr != nil {
		return nil, nil, nil, b.sinkErr
	}
	b.probs = b.summarise(b.probs, &b.probKinds)
	b.warns = b.summarise(b.warns, &b.warnKinds)
	b.probs.sort()
	b.warns.sort()
	if len(b.probs) > 0 {
		return nil, b.probs, b.warns, nil
	}
	b.keys = [NumKinds]map[string]int32{} // free the indexes before the steps take their memory
	b.steps()
	b.p.Warnings = b.warns
	return b.p, nil, b.warns, nil
}

// builder holds the plan being built and what was found on the way.
type builder struct {
	p     *Plan
	probs Problems
	warns Problems
	seen  map[Problem]bool // sheet-level findings already reported
	elig  bool             // building the eligibility plan (see CheckEligibility)

	// Findings about rows, counted by kind.
	probKinds, warnKinds kinds
	sink                 func(Problem) error // Options.Problems
	sinkErr              error
	today                time.Time // Options.Today's day

	byKind [NumKinds][]int32 // rows of each kind, in input order
	keys   [NumKinds]map[string]int32
}

// tables matches every table to its kind and its header to the schema. It
// fails, naming them, when some tables match no kind, and when a file is
// given twice.
func (b *builder) tables(readers []sheets.Reader) ([]*tableMap, error) {
	all := make([]sheets.Table, len(readers))
	for i, rd := range readers {
		all[i] = rd.Table()
	}
	if err := givenTwice(all); err != nil {
		return nil, err
	}
	maps := make([]*tableMap, len(readers))
	kinds := make([]Kind, len(readers))
	var use []int // the tables read
	var unknown []string
	var skipped []Problem
	for i, t := range all {
		k, ignored, ok := KindOf(t.Name)
		switch {
		case b.elig && (!ok || k != PortIns):
			continue
		case ignored:
			continue
		case !ok:
			unknown = append(unknown, quote(sheetName(t)))
			skipped = append(skipped, skippedTable(t))
			continue
		}
		kinds[i] = k
		use = append(use, i)
	}
	if len(use) == 0 && len(unknown) > 0 {
		return nil, fmt.Errorf("build: %s: not a manifest table (want a tab or file name that starts with one of %s)",
			strings.Join(unknown, ", "), acceptedTables)
	}
	b.addWarnings(skipped)
	if b.elig && len(use) == 0 {
		return nil, errors.New("check eligibility: no PortIns table (want a tab or file name that starts with PortIn or Ports)")
	}
	used := make([]sheets.Table, len(use))
	for n, i := range use {
		used[n] = all[i]
	}
	names := sheetNames(used)
	fields := allFields
	if b.elig {
		fields = eligibilityFields
	}
	for n, i := range use {
		m, info, probs, warns := newTableMap(kinds[i], int32(len(b.p.Tables)), all[i], names[n], fields)
		if all[i].Charset == sheets.Windows1252 {
			warns = append(warns, m.problem(0, "", -1, "the file is not UTF-8 text, so it was read as Windows-1252 "+
				"(as Excel's plain \"CSV\" is written on Western Windows); if letters such as é or ñ look wrong, "+
				"save the file as \"CSV UTF-8\" instead"))
		}
		maps[i] = m
		b.p.Tables = append(b.p.Tables, info)
		b.addProblems(probs)
		b.addWarnings(warns)
	}
	return maps, nil
}

// skippedTable is the warning for a table that names no kind: it is not
// read (an Instructions tab, a notes.csv beside the manifest's files).
func skippedTable(t sheets.Table) Problem {
	msg := "not a manifest table, so it is not read (want a tab or file name that starts with one of " + acceptedTables +
		", or names one as a separate word)"
	if k, ok := SuggestKind(t.Name); ok {
		msg = "not a manifest table, so it is not read: did you mean " + k.String() + "?"
	}
	return Problem{Sheet: sheetName(t), Message: msg}
}

// givenTwice fails, naming it, when a file is among the tables twice (the
// same path, or a CSV file given by itself and through its folder): its
// rows would all repeat their own keys.
func givenTwice(tables []sheets.Table) error {
	type tab struct{ path, name string }
	seen := make(map[tab]bool, len(tables))
	for _, t := range tables {
		k := tab{filepath.Clean(t.Path), t.Name}
		if seen[k] {
			return fmt.Errorf("build: %s is given twice; give each manifest file once", t.Path)
		}
		seen[k] = true
	}
	return nil
}

// sheetNames returns the name each table goes by in problems and results:
// its sheetName, and where tables of different files have the same one,
// the part of the path that tells them apart, as in "portins.csv (week1/)"
// or "Accounts (old.xlsx)". The name itself comes first, so that a results
// workbook's tab still starts with its kind.
func sheetNames(tables []sheets.Table) []string {
	names := make([]string, len(tables))
	groups := make(map[string][]int)
	for i, t := range tables {
		names[i] = sheetName(t)
		k := strings.ToLower(names[i])
		groups[k] = append(groups[k], i)
	}
	for _, g := range groups {
		if len(g) < 2 {
			continue
		}
		where := make([][]string, len(g)) // path elements that locate each table, innermost last
		deepest := 0
		for n, i := range g {
			p := filepath.Clean(tables[i].Path)
			if strings.EqualFold(filepath.Ext(p), ".csv") {
				p = filepath.Dir(p)
			}
			where[n] = strings.Split(filepath.ToSlash(p), "/")
			deepest = max(deepest, len(where[n]))
		}
		for depth := 1; depth <= deepest; depth++ {
			suffixes := make(map[string]bool, len(g))
			for n := range where {
				suffixes[tail(where[n], depth)] = true
			}
			if len(suffixes) == len(g) || depth == deepest {
				for n, i := range g {
					s := tail(where[n], depth)
					if strings.EqualFold(filepath.Ext(tables[i].Path), ".csv") {
						s += "/"
					}
					names[i] += " (" + s + ")"
				}
				break
			}
		}
	}
	return names
}

// tail joins the last n elements of a path.
func tail(elems []string, n int) string {
	return strings.Join(elems[max(0, len(elems)-n):], "/")
}

// addProblems keeps the first problems of each kind and one of each
// sheet-level one, counts the others, and hands every one to the sink.
func (b *builder) addProblems(ps []Problem) { b.probs = b.keep(b.probs, ps, &b.probKinds, true) }

func (b *builder) addWarnings(ps []Problem) { b.warns = b.keep(b.warns, ps, &b.warnKinds, false) }

// keep appends ps to list, in order: a sheet-level finding once, and the
// first keepPerKind of each kind (see kinds); the others are only
// counted. Problems arrive in input order, so the rows
// listed are the first ones. With sink set, every problem kept or counted
// goes to b.sink.
func (b *builder) keep(list Problems, ps []Problem, k *kinds, sink bool) Problems {
	for _, p := range ps {
		if p.Row == 0 {
			if b.seen[p] {
				continue
			}
			b.seen[p] = true
		}
		if !k.count(p) {
			if sink {
				b.emit(p)
			}
			continue
		}
		if sink {
			b.emit(p)
		}
		list = append(list, p)
	}
	return list
}

// emit hands p to the sink, remembering the first error.
func (b *builder) emit(p Problem) {
	if b.sink == nil || b.sinkErr != nil {
		return
	}
	if err := b.sink(p); err != nil {
		b.sinkErr = fmt.Errorf("build: %w", err)
	}
}

// summarise appends, for each kind with problems not listed, one entry
// after the last one listed that counts the others (Problem.More).
func (b *builder) summarise(list Problems, k *kinds) Problems {
	for _, key := range k.order {
		c := k.byKey[key]
		if more := c.n - keepPerKind; more > 0 {
			p := c.listed
			p.More, p.Message, p.upTo = more, "", c.lastRow
			p.other = key.shape == otherKinds
			list = append(list, p)
		}
	}
	*k = kinds{}
	return list
}

// rowProblem reports a problem with field fi of row i found across rows.
func (b *builder) rowProblem(i int32, fi int, msg string) {
	r := &b.p.Rows[i]
	b.addProblems([]Problem{r.tab.problem(int(r.Num), r.tab.colName(fi), r.tab.colOrder(fi), msg)})
}

// Where returns "sheet:row" of a row, as problems and results name it.
func (p *Plan) Where(row RowID) string {
	r := &p.Rows[row]
	return fmt.Sprintf("%s:%d", p.Tables[r.Table].Sheet, r.Num)
}

// Counts returns the number of rows of each kind and of steps of each
// action.
func (p *Plan) Counts() (rows [NumKinds]int, steps [NumActions]int) {
	for i := range p.Rows {
		rows[p.Rows[i].Kind]++
	}
	for i := range p.Steps {
		steps[p.Steps[i].Action]++
	}
	return rows, steps
}

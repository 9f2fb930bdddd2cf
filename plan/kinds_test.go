package plan

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// badEmails is a Subscribers table of n rows whose Email is not an e-mail
// address, each a different value: n problems of one kind.
func badEmails(n int) manifest {
	rows := make([]string, n)
	for i := range rows {
		rows[i] = fmt.Sprintf("user%d@|User %d|acme|pw||", i, i)
	}
	return base().with("Subscribers", "", rows...)
}

// A million problems of one kind are listed five times and counted, every
// one reaches Options.Problems in input order, and what Build keeps does
// not grow with them.
func TestProblemsOfOneKindCounted(t *testing.T) {
	const n = 5 * batchSize
	var got []Problem
	sink := func(p Problem) error { got = append(got, p); return nil }
	_, problems, _, err := CheckWith(badEmails(n).readers(), Options{Problems: sink})
	if err != nil {
		t.Fatal(err)
	}
	if problems.Count() != n || problems.Unlisted() != n-keepPerKind || len(problems) != keepPerKind+1 {
		t.Fatalf("Count %d, Unlisted %d, len %d; want %d, %d, %d",
			problems.Count(), problems.Unlisted(), len(problems), n, n-keepPerKind, keepPerKind+1)
	}
	last := problems[len(problems)-1]
	want := fmt.Sprintf("… and %s more like this in Subscribers column Email, up to row %d", thousands(n-keepPerKind), n+4)
	if last.String() != want || last.Row != 5+keepPerKind-1 {
		t.Errorf("last entry %q at row %d, want %q at row %d", last, last.Row, want, 5+keepPerKind-1)
	}
	if len(got) != n {
		t.Fatalf("the sink got %d problems, want %d", len(got), n)
	}
	for i, p := range got {
		if p.Row != i+5 || p.More != 0 || !strings.Contains(p.Message, fmt.Sprintf(`"user%d@"`, i)) {
			t.Fatalf("sink problem %d: %s", i, p)
		}
	}
}

// A column lists at most kindsPerColumn kinds; problems of further kinds
// are counted together.
func TestKindsPerColumn(t *testing.T) {
	var k kinds
	listed := 0
	for i := range 3 * kindsPerColumn {
		for range keepPerKind + 2 {
			// An unquoted value makes a kind of its own.
			p := Problem{Sheet: "S", Row: 2 + i, Column: "C", Message: "value v" + strings.Repeat("x", i) + " is wrong", tab: 1, col: 3}
			if k.count(p) {
				listed++
			}
		}
	}
	if len(k.byKey) != kindsPerColumn+1 {
		t.Errorf("%d kinds kept, want %d", len(k.byKey), kindsPerColumn+1)
	}
	if want := (kindsPerColumn + 1) * keepPerKind; listed != want {
		t.Errorf("%d listed, want %d", listed, want)
	}
	ps := (&builder{}).summarise(nil, &k)
	var other Problem
	for _, p := range ps {
		if p.other {
			other = p
		}
	}
	want := fmt.Sprintf("… and %d more of other kinds in S column C, up to row %d",
		2*kindsPerColumn*(keepPerKind+2)-keepPerKind, 1+3*kindsPerColumn)
	if other.String() != want {
		t.Errorf("summary %q, want %q", other, want)
	}
}

func TestShape(t *testing.T) {
	for _, tt := range []struct{ a, b string }{
		{`"x@" is not an e-mail address (want name@example.com)`, `"y\"z@" is not an e-mail address (want name@example.com)`},
		{`"a" is also the Email of Subscribers:4 (want each Email once)`, `"b" is also the Email of Subscribers:12345 (want each Email once)`},
		{"900 is not below ThrottleValue 800", "1 is not below ThrottleValue 0"},
	} {
		if shape(tt.a) != shape(tt.b) {
			t.Errorf("shape(%q) = %x, differs from shape(%q) = %x", tt.a, shape(tt.a), tt.b, shape(tt.b))
		}
	}
	if shape(`"x" is not a role`) == shape(`"x" is not a state`) {
		t.Error("messages that say different things have one shape")
	}
}

// An error from Options.Problems ends the build with it.
func TestProblemsSinkError(t *testing.T) {
	errFull := errors.New("disk full")
	calls := 0
	_, _, _, err := CheckWith(badEmails(10).readers(), Options{Problems: func(Problem) error { calls++; return errFull }})
	if !errors.Is(err, errFull) || calls != 1 {
		t.Errorf("got %v after %d calls, want %v after 1", err, calls, errFull)
	}
}

// The rows a manifest keeps in memory are bounded: a table of a wide
// header costs its width on every row, however short the rows.
func TestRowBytesBounded(t *testing.T) {
	old := maxRowBytes
	defer func() { maxRowBytes = old }()
	maxRowBytes = 4 << 10
	wide := hSubscribers + strings.Repeat("|Note", 100)
	rows := make([]string, 10)
	for i := range rows {
		rows[i] = fmt.Sprintf("u%d@example.com|U|acme|pw||", i)
	}
	_, _, _, err := Check(base().without("Subscribers").with("Subscribers", wide, rows...).readers())
	want := "build: read Subscribers: row 3: the manifest's rows take more than 4,096 bytes in memory"
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("got %v, want %q…", err, want)
	}
}

func TestWriteReportCounts(t *testing.T) {
	_, problems, _, err := Check(badEmails(3 * batchSize).readers())
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := problems.WriteReport(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"Subscribers: 3,072 problems\n",
		"  Subscribers:9:Email: \"user4@\" is not an e-mail address",
		"  … and 3,067 more like this in Subscribers column Email, up to row 3076\n",
		"3,072 problems in 1 sheet\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	if n := strings.Count(out, "\n"); n != 1+keepPerKind+1+1 {
		t.Errorf("report has %d lines, want %d:\n%s", n, keepPerKind+3, out)
	}
}

// Findings about a header, one per column, are counted by sheet: a header
// of thousands of unknown columns lists five.
func TestHeaderFindingsCounted(t *testing.T) {
	header := hSubscribers
	for i := range 3000 {
		header += fmt.Sprintf("|Extra %d", i)
	}
	_, _, warnings, err := Check(base().without("Subscribers").with("Subscribers", header, "jane@example.com|Jane|acme|pw||").readers())
	if err != nil {
		t.Fatal(err)
	}
	got := lines(warnings)
	if len(got) != keepPerKind+1 || warnings.Count() != 3000 {
		t.Fatalf("%d warnings listed, %d counted; want %d listed, 3000 counted:\n%s", len(got), warnings.Count(), keepPerKind, strings.Join(got, "\n"))
	}
	if want := "… and 2,995 more like this in the header of Subscribers"; got[keepPerKind] != want {
		t.Errorf("summary %q, want %q", got[keepPerKind], want)
	}
}

package sheets

import (
	"fmt"
	"strings"
	"testing"
)

func TestCustomFormat(t *testing.T) {
	tests := []struct {
		code string
		want numFormat
	}{
		{"General", numFormat{}},
		{"0", numFormat{zeroPad: 1}},
		{"00000", numFormat{zeroPad: 5}},
		{"00000-0000", numFormat{}},
		{"#,##0.00", numFormat{}},
		{"0%", numFormat{}},
		{`"$"#,##0.00;[Red]\-"$"#,##0.00`, numFormat{}},
		{"[$€-407] #,##0.00", numFormat{}},
		{`0 "kg and days"`, numFormat{}},
		{"@", numFormat{}},
		{"0.00E+00", numFormat{kind: numScientific}},
		{"##0.0e-0", numFormat{kind: numScientific}},
		{"yyyy-mm-dd", numFormat{kind: numDate}},
		{"dd/mm/yyyy", numFormat{kind: numDate}},
		{"mmm-yy", numFormat{kind: numDate}},
		{"mmmm", numFormat{kind: numDate}},
		{"[$-409]mmmm d, yyyy;@", numFormat{kind: numDate}},
		{`d\-mmm`, numFormat{kind: numDate}},
		{"yyyy-mm-dd hh:mm:ss", numFormat{kind: numDateTime}},
		{"m/d/yy h:mm AM/PM", numFormat{kind: numDateTime}},
		{"h:mm", numFormat{kind: numTime}},
		{"mm:ss", numFormat{kind: numTime}},
		{"h:mm AM/PM", numFormat{kind: numTime}},
		{"[h]:mm:ss", numFormat{kind: numTime}},
		{"[Red][<=100]0;[Blue]0", numFormat{zeroPad: 1}},
		{`"unterminated`, numFormat{}},
		{"", numFormat{}},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			if got := customFormat(tt.code); got != tt.want {
				t.Errorf("customFormat(%q) = %+v, want %+v", tt.code, got, tt.want)
			}
		})
	}
}

func TestBuiltinFormat(t *testing.T) {
	tests := []struct {
		id   int
		want numKind
	}{
		{0, numPlain}, {1, numPlain}, {3, numPlain}, {9, numPlain}, {49, numPlain},
		{11, numScientific}, {48, numScientific},
		{14, numDate}, {15, numDate}, {17, numDate}, {31, numDate}, {57, numDate},
		{22, numDateTime},
		{18, numTime}, {20, numTime}, {21, numTime}, {45, numTime}, {46, numTime}, {47, numTime},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.id), func(t *testing.T) {
			if got := builtinFormat(tt.id).kind; got != tt.want {
				t.Errorf("builtinFormat(%d).kind = %d, want %d", tt.id, got, tt.want)
			}
		})
	}
}

func TestNumberText(t *testing.T) {
	date := numFormat{kind: numDate}
	tests := []struct {
		v        string
		nf       numFormat
		date1904 bool
		want     string
		problem  string
	}{
		{v: "8015551234", want: "8015551234"},
		{v: "8015551234.0", want: "8015551234"},
		{v: "8.015551234E+09", want: "8015551234"},
		{v: "8.0155512340e9", want: "8015551234"},
		{v: "-0", want: "0"},
		{v: "0E+00", want: "0"},
		{v: "999999999999999", want: "999999999999999"},
		{v: "1000000000000000", want: "1000000000000000", problem: MsgDigitsLost},
		{v: "8.9012403971900006E+18", want: "8.9012403971900006E+18", problem: MsgDigitsLost},
		{v: "-8901240397190002080", want: "-8901240397190002080", problem: MsgDigitsLost},
		{v: "1.8E+10", want: "1.8E+10", problem: MsgDigitsLost},
		{v: "18000000000", nf: numFormat{kind: numScientific}, want: "18000000000", problem: MsgDigitsLost},
		{v: "0.0015", nf: numFormat{kind: numScientific}, want: "0.0015"},
		{v: "39.990000000000002", want: "39.99"},
		{v: "1E-4", want: "0.0001"},
		{v: "123", nf: numFormat{zeroPad: 5}, want: "00123"},
		{v: "-123", nf: numFormat{zeroPad: 5}, want: "-123"},
		{v: "123456", nf: numFormat{zeroPad: 5}, want: "123456"},
		{v: "46174", nf: date, want: "2026-06-01"},
		{v: "46174.75", nf: date, want: "2026-06-01"},
		{v: "46174.75", nf: numFormat{kind: numDateTime}, want: "2026-06-01 18:00:00"},
		{v: "0.25", nf: numFormat{kind: numTime}, want: "06:00:00"},
		{v: "44712", nf: date, date1904: true, want: "2026-06-01"},
		{v: "-1", nf: date, want: "-1"},
		{v: "99999999", nf: date, want: "99999999"},
		{v: "not a number", want: "not a number"},
		{v: "NaN", want: "NaN"},
		{v: "1e999", want: "1e999"},
		{v: " 42 ", want: "42"},
	}
	for _, tt := range tests {
		t.Run(tt.v, func(t *testing.T) {
			got, problem := numberText(tt.v, tt.nf, tt.date1904)
			if got != tt.want || problem != tt.problem {
				t.Errorf("numberText(%q, %+v) = %q, %q; want %q, %q", tt.v, tt.nf, got, problem, tt.want, tt.problem)
			}
		})
	}
}

func TestScientific(t *testing.T) {
	tests := []struct {
		in    string
		shown int
		ok    bool
	}{
		{"8.9012E+18", 5, true},
		{"1.8016E+10", 5, true},
		{"1E10", 1, true},
		{"8,9012E+18", 5, true},
		{"-1.5e-3", 2, true},
		{"8.015551234E+09", 10, true},
		{"1.80E+10", 2, true},
		{"0.0E+00", 0, true},
		{"+0012.300e1", 3, true},
		{"8901240397190002080", 0, false},
		{"E10", 0, false},
		{".5E3", 0, false},
		{"1.5", 0, false},
		{"1.5E", 0, false},
		{"1.5E+", 0, false},
		{"12E3x", 0, false},
		{" 1E3", 0, false},
	}
	for _, tt := range tests {
		if shown, ok := Scientific(tt.in); shown != tt.shown || ok != tt.ok {
			t.Errorf("Scientific(%q) = %d, %v; want %d, %v", tt.in, shown, ok, tt.shown, tt.ok)
		}
	}
}

func TestIsoDateText(t *testing.T) {
	tests := []struct{ v, want string }{
		{"2026-06-01T00:00:00Z", "2026-06-01"},
		{"2026-06-01T00:00:00", "2026-06-01"},
		{"2026-06-01", "2026-06-01"},
		{"2026-06-01T08:30:05.5", "2026-06-01 08:30:05"},
		{"June 1", "June 1"},
	}
	for _, tt := range tests {
		t.Run(tt.v, func(t *testing.T) {
			if got := isoDateText(tt.v); got != tt.want {
				t.Errorf("isoDateText(%q) = %q, want %q", tt.v, got, tt.want)
			}
		})
	}
}

func TestProblemMessagesQuoteNoValue(t *testing.T) {
	// Messages are constants: they cannot carry a cell's value (which may
	// be a secret such as a PIN) except for the error code of an error cell.
	for _, m := range []string{MsgDigitsLost, msgNoResult} {
		if strings.ContainsAny(m, "%") {
			t.Errorf("message %q looks like a format string", m)
		}
	}
	if got := errorProblem("1234"); strings.Contains(got, "1234") {
		t.Errorf("errorProblem(1234) = %q quotes a value that is not an error code", got)
	}
	if got := errorProblem("#DIV/0!"); !strings.Contains(got, "#DIV/0!") {
		t.Errorf("errorProblem(#DIV/0!) = %q, want it to name the error", got)
	}
}

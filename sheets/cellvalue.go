package sheets

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
)

// How an XLSX cell becomes text.
//
// A workbook stores numbers as binary floating point and keeps only 15
// significant digits of what was typed. Phone numbers, ICCIDs and IDs typed
// into a cell that was not formatted as Text therefore arrive as numbers,
// and long ones arrive damaged. The rules below return what the user meant
// where that is certain and report a CellProblem where it is not:
//
//   - a whole number below 10^15 is returned as its plain digits, whatever
//     its display format (no grouping, no exponent); a format made only of
//     zeros ("00000", Excel's ZIP code format) pads it to that width;
//   - a whole number of 10^15 or more cannot have kept every digit typed;
//   - a whole number shown in scientific notation (the cell is formatted
//     0.00E+00, which Excel applies by itself when 1.8E+10 is typed or
//     imported), or stored as, say, 1.8E+10 with fewer digits than the
//     number has, probably lost digits before it reached the workbook;
//   - a fraction is returned with at most 15 significant digits, as Excel
//     shows it (39.99, not 39.990000000000002);
//   - a date-formatted number is returned as YYYY-MM-DD (a date-time as
//     YYYY-MM-DD HH:MM:SS, a time as HH:MM:SS).
//
// Other cells: text is returned as is (a text "8.9012E+18" is the caller's
// to judge); a boolean as TRUE or FALSE; a formula as its saved result,
// and as a problem when no result was saved (files written by programs
// that do not calculate); an error value such as #N/A as a problem.
//
// Problem messages never quote the cell's value: the package does not know
// which columns hold secrets.

// The problems of both kinds of damaged number are MsgDigitsLost.
const msgNoResult = "the cell holds a formula whose result was never saved; " +
	"open and save the file in Excel, or paste the values instead of the formula"

// maxExactInt is the smallest whole number that may have lost digits:
// anything with more than 15 digits.
const maxExactInt = 1e15

// maxDateSerial is 9999-12-31, the last day a workbook can show.
const maxDateSerial = 2958465

// numKind is what a number format does to a number, as far as reading it
// back as text is concerned.
type numKind int

const (
	numPlain numKind = iota
	numDate
	numDateTime
	numTime
	numScientific
)

// numFormat is the classified number format of a cell style.
type numFormat struct {
	kind    numKind
	zeroPad int // width of a format made only of zeros, such as "00000"
}

// builtinFormat classifies a built-in number format ID (ECMA-376 §18.8.30,
// with the locale-dependent IDs 27–81 as the East Asian and Thai editions
// of Excel define them).
func builtinFormat(id int) numFormat {
	switch {
	case id == 11 || id == 48:
		return numFormat{kind: numScientific}
	case id >= 14 && id <= 17, id >= 27 && id <= 31, id == 36,
		id >= 50 && id <= 54, id == 57, id == 58, id >= 71 && id <= 74, id == 81:
		return numFormat{kind: numDate}
	case id == 22 || id == 77:
		return numFormat{kind: numDateTime}
	case id >= 18 && id <= 21, id >= 32 && id <= 35, id >= 45 && id <= 47,
		id == 55, id == 56, id >= 75 && id <= 76, id >= 78 && id <= 80:
		return numFormat{kind: numTime}
	}
	return numFormat{}
}

// customFormat classifies a custom number format code such as
// "dd/mm/yyyy", "0.00E+00", "#,##0" or "00000". Only the first section (the
// one for positive numbers) is considered. Quoted text, escaped characters,
// spacing (_x) and fill (*x) directives and bracketed colours, conditions
// and locales are ignored; bracketed elapsed-time units ([h], [mm]) count.
func customFormat(code string) numFormat {
	section, elapsed, scientific := formatSection(strings.ToLower(code))
	if strings.Trim(section, "0") == "" && section != "" {
		return numFormat{zeroPad: len(section)}
	}
	if scientific {
		return numFormat{kind: numScientific}
	}
	return numFormat{kind: dateTimeKind(section, elapsed)}
}

// formatSection returns the first section of a lower-cased format code
// with its decorations removed (see customFormat), and reports whether it
// shows elapsed time ([h], [mm], [ss]) and whether it has an exponent.
func formatSection(code string) (section string, elapsed, scientific bool) {
	var plain strings.Builder
scan:
	for i := 0; i < len(code); i++ {
		c := code[i]
		switch c {
		case ';':
			break scan
		case '"':
			end := strings.IndexByte(code[i+1:], '"')
			if end < 0 {
				break scan
			}
			i += end + 1
		case '\\', '_', '*':
			i++
		case '[':
			end := strings.IndexByte(code[i+1:], ']')
			if end < 0 {
				break scan
			}
			if inner := code[i+1 : i+1+end]; inner != "" && strings.Trim(inner, "hms") == "" {
				elapsed = true
			}
			i += end + 1
		case 'e':
			if i+1 < len(code) && (code[i+1] == '+' || code[i+1] == '-') {
				scientific = true
			}
			plain.WriteByte(c)
		default:
			plain.WriteByte(c)
		}
	}
	return plain.String(), elapsed, scientific
}

// dateTimeKind classifies a format section stripped of its decorations by
// the date and time parts it shows; hour is true when it shows elapsed
// hours. An m is a month unless hours or seconds go with it.
func dateTimeKind(section string, hour bool) numKind {
	section = strings.ReplaceAll(section, "general", "")
	if strings.Contains(section, "am/pm") || strings.Contains(section, "a/p") {
		hour = true
		section = strings.ReplaceAll(strings.ReplaceAll(section, "am/pm", ""), "a/p", "")
	}
	year := strings.ContainsRune(section, 'y')
	day := strings.ContainsRune(section, 'd')
	month := strings.ContainsRune(section, 'm')
	hour = hour || strings.ContainsRune(section, 'h')
	sec := strings.ContainsRune(section, 's')
	isDate := year || day || (month && !hour && !sec)
	isTime := hour || sec
	switch {
	case isDate && isTime:
		return numDateTime
	case isDate:
		return numDate
	case isTime:
		return numTime
	}
	return numPlain
}

// numberText turns the stored text v of a number cell into the text the
// reader returns, and a problem message when the number cannot be trusted
// (then the text is v itself).
func numberText(v string, nf numFormat, date1904 bool) (text, problem string) {
	x, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || math.IsInf(x, 0) || math.IsNaN(x) {
		return v, ""
	}
	switch nf.kind {
	case numDate, numDateTime, numTime:
		if s, ok := serialText(x, nf.kind, date1904); ok {
			return s, ""
		}
	}
	if x != math.Trunc(x) {
		// Round to the 15 significant digits a workbook shows.
		r, _ := strconv.ParseFloat(strconv.FormatFloat(x, 'g', 15, 64), 64)
		return strconv.FormatFloat(r, 'f', -1, 64), ""
	}
	if math.Abs(x) >= maxExactInt {
		return v, MsgDigitsLost
	}
	digits := strconv.FormatFloat(x, 'f', -1, 64)
	if x == 0 {
		digits = "0" // not "-0"
	}
	if nf.kind == numScientific || (x != 0 && exponentHidesDigits(v, digits)) {
		return v, MsgDigitsLost
	}
	if x > 0 && len(digits) < nf.zeroPad {
		digits = strings.Repeat("0", nf.zeroPad-len(digits)) + digits
	}
	return digits, ""
}

// exponentHidesDigits reports whether v, the stored form of the whole
// number whose digits are given, is written in scientific notation with
// fewer significant digits than the number has ("1.8E+10" for 18000000000),
// so the zeros may stand for digits that were lost.
func exponentHidesDigits(v, digits string) bool {
	shown, ok := Scientific(strings.TrimSpace(v))
	return ok && shown < len(strings.TrimLeft(digits, "-"))
}

// Scientific reports whether s is a number written in scientific notation
// (8.9012E+18, 1.8016E+10, 1E10, -1.5e-3, or 8,9012E+18 with a decimal
// comma), as a spreadsheet shows a number too long for its cell and as it
// stays in a CSV file exported from such a sheet. shown is the number of
// significant digits the mantissa holds (5 for 8.9012E+18): a whole number
// with more digits than that lost the rest.
func Scientific(s string) (shown int, ok bool) {
	i := skipSign(s, 0)
	var m mantissa
	if i = m.read(s, i); m.digits == 0 {
		return 0, false
	}
	if i < len(s) && (s[i] == '.' || s[i] == ',') {
		i = m.read(s, i+1)
	}
	if !isExponent(s[i:]) {
		return 0, false
	}
	if m.first == 0 {
		return 0, true // zero
	}
	return m.last - m.first + 1, true
}

// mantissa counts the digits of a number's mantissa, and where its
// significant ones start and end.
type mantissa struct {
	digits      int
	first, last int // 1-based positions of the first and last digit that is not 0; 0 for none
}

// read counts the digits of s from i on and returns the index after them.
func (m *mantissa) read(s string, i int) int {
	for ; i < len(s) && isDigit(s[i]); i++ {
		m.digits++
		if s[i] != '0' {
			if m.first == 0 {
				m.first = m.digits
			}
			m.last = m.digits
		}
	}
	return i
}

// isExponent reports whether e is the exponent of a number in scientific
// notation: e or E, an optional sign, and at least one digit.
func isExponent(e string) bool {
	if e == "" || (e[0] != 'e' && e[0] != 'E') {
		return false
	}
	i := skipSign(e, 1)
	if i == len(e) {
		return false
	}
	for ; i < len(e); i++ {
		if !isDigit(e[i]) {
			return false
		}
	}
	return true
}

// skipSign returns the index after the + or - at s[i], or i when there is
// none.
func skipSign(s string, i int) int {
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		return i + 1
	}
	return i
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// serialText formats a date serial number; ok is false when x is not a
// date a workbook could show.
func serialText(x float64, kind numKind, date1904 bool) (string, bool) {
	if x < 0 || x > maxDateSerial {
		return "", false
	}
	t, err := excelize.ExcelDateToTime(x, date1904)
	if err != nil {
		return "", false
	}
	t = t.Round(time.Second)
	switch kind {
	case numDateTime:
		return t.Format(time.DateTime), true
	case numTime:
		return t.Format(time.TimeOnly), true
	}
	return t.Format(time.DateOnly), true
}

// isoDateText formats the value of a cell stored as an ISO 8601 date
// (t="d"), returning v unchanged when it does not parse.
func isoDateText(v string) string {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", time.DateOnly} {
		t, err := time.Parse(layout, v)
		if err != nil {
			continue
		}
		if t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && t.Nanosecond() == 0 {
			return t.Format(time.DateOnly)
		}
		return t.Format(time.DateTime)
	}
	return v
}

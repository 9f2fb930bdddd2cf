package plan

import (
	"net/mail"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/nyaruka/phonenumbers"

	"telegent-bulk/sheets"
)

// A normaliser turns a trimmed, non-empty cell into its normalised value,
// or returns a message saying what is wrong and what a valid value looks
// like. Messages quote the value; a secret column's value is never quoted.

// digitsLost is the message for a value of f that Excel stored as a number
// and so may have lost digits (a text 8.9012E+18, or a number cell the
// reader flagged): the one wording of sheets.MsgDigitsLost, then what a
// valid value looks like. v is quoted before it unless it is "" or f is
// secret.
func digitsLost(f *field, v string) string {
	msg := sheets.MsgDigitsLost + " (want " + f.example() + ")"
	if v == "" || f.secret {
		return msg
	}
	return quote(v) + ": " + msg
}

// digitTypes are the value types Excel turns into numbers when typed into
// a General cell: a value of theirs in scientific notation lost digits.
var digitTypes = [...]bool{tDigits: true, tPhone: true, tPhoneList: true, tZip: true, tICCID: true,
	tAreaCode: true, tPIN: true}

// normalise checks and normalises v (trimmed, non-empty) as a value of f.
func normalise(f *field, v string) (string, string) {
	if int(f.typ) < len(digitTypes) && digitTypes[f.typ] && isExcelFloat(v) {
		return "", digitsLost(f, v)
	}
	if int(f.typ) >= len(normalisers) || normalisers[f.typ] == nil {
		panic("plan: unknown value type")
	}
	return normalisers[f.typ](f, v)
}

// A normaliser checks and normalises a value of field f (see normalise).
type normaliser func(f *field, v string) (string, string)

// normalisers holds the normaliser of each value type.
var normalisers = [...]normaliser{
	tText:      asWritten,
	tDigits:    asWritten,
	tPhone:     byValue(normPhone),
	tPhoneList: normPhoneList,
	tBool:      byValue(normBool),
	tState:     byValue(normState),
	tZip:       byValue(normZip),
	tCountry:   func(_ *field, v string) (string, string) { return normCountry(v), "" },
	tICCID:     byValue(normICCID),
	tEmail:     byValue(normEmail),
	tDate:      byValue(normDate),
	tInt:       byValue(normInt),
	tURL:       byValue(normURL),
	tIP:        byValue(normIP),
	tIPList:    func(_ *field, v string) (string, string) { return normList(v, normIP) },
	tPort:      byValue(normPort),
	tAreaCode:  byValue(normAreaCode),
	tPIN:       byValue(normPIN),
	tEnum:      func(f *field, v string) (string, string) { return normEnum(f.enum, v) },
}

// asWritten accepts any value as it is.
func asWritten(_ *field, v string) (string, string) { return v, "" }

// byValue makes a normaliser of one that needs only the value.
func byValue(norm func(v string) (string, string)) normaliser {
	return func(_ *field, v string) (string, string) { return norm(v) }
}

// quote quotes a value for a message, shortening a long one.
func quote(v string) string {
	const max = 60
	if len(v) > max {
		cut := max
		for cut > 0 && v[cut]&0xC0 == 0x80 { // do not split a UTF-8 sequence
			cut--
		}
		v = v[:cut] + "…"
	}
	return strconv.Quote(v)
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func allDigits(v string) bool {
	for i := 0; i < len(v); i++ {
		if !isDigit(v[i]) {
			return false
		}
	}
	return v != ""
}

// normPhone returns v in E.164. North American numbers written in the usual
// ways take a fast path that only asks the metadata whether the number is
// valid; anything else goes through the full parser with region US.
func normPhone(v string) (string, string) {
	bad := quote(v) + " is not a valid phone number (want " + wantPhone + ")"
	if nat, ok := nanpDigits(v); ok {
		if !validNANP(nat) {
			return "", bad
		}
		return "+1" + nat, ""
	}
	n, err := phonenumbers.Parse(v, "US")
	if err != nil || n.GetExtension() != "" || !phonenumbers.IsValidNumber(n) {
		return "", bad
	}
	return phonenumbers.Format(n, phonenumbers.E164), ""
}

// nanpDigits recognises a North American number written with the usual
// punctuation: an optional "+1" or "1" and ten digits, separated by
// spaces, dashes, dots, slashes or parentheses. It returns the ten-digit
// national number.
func nanpDigits(v string) (string, bool) {
	var d [16]byte
	n, plus := 0, false
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case isDigit(c):
			if n == len(d) {
				return "", false
			}
			d[n] = c
			n++
		case c == '+' && n == 0 && !plus:
			plus = true
		case c == ' ' || c == '-' || c == '.' || c == '(' || c == ')' || c == '/':
		default:
			return "", false
		}
	}
	switch {
	case n == 11 && d[0] == '1':
		return string(d[1:11]), true
	case n == 10 && !plus:
		return string(d[:10]), true
	}
	return "", false
}

// validNANP asks the phone metadata whether the ten-digit national number
// is valid in the United States or another country of the +1 plan.
func validNANP(nat string) bool {
	if nat[0] < '2' || nat[3] < '2' { // area code and exchange start with 2–9
		return false
	}
	nn, err := strconv.ParseUint(nat, 10, 64)
	if err != nil {
		return false
	}
	cc := int32(1)
	n := &phonenumbers.PhoneNumber{CountryCode: &cc, NationalNumber: &nn}
	return phonenumbers.IsValidNumberForRegion(n, "US") || phonenumbers.IsValidNumber(n)
}

// normPhoneList normalises phones separated by ";", "," or newlines and
// joins them with ";", dropping repeats. f is the list's field.
func normPhoneList(f *field, v string) (string, string) {
	return normList(v, func(p string) (string, string) {
		if isExcelFloat(p) {
			return "", digitsLost(f, p)
		}
		return normPhone(p)
	})
}

// normList normalises each item of a list separated by ; , or line breaks
// with one, dropping empty items and repeats, and joins them with ;.
func normList(v string, item func(string) (string, string)) (string, string) {
	parts := strings.FieldsFunc(v, func(r rune) bool { return r == ';' || r == ',' || r == '\n' || r == '\r' })
	out := make([]string, 0, len(parts))
next:
	for _, p := range parts {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		e, msg := item(p)
		if msg != "" {
			return "", msg
		}
		for _, o := range out {
			if o == e {
				continue next
			}
		}
		out = append(out, e)
	}
	return strings.Join(out, ";"), ""
}

func normBool(v string) (string, string) {
	switch strings.ToLower(v) {
	case "true", "yes", "y", "1", "x":
		return "true", ""
	case "false", "no", "n", "0":
		return "false", ""
	}
	return "", quote(v) + " is not a yes/no value (want true or false, yes or no, y or n, 1 or 0, or x for yes)"
}

func normState(v string) (string, string) {
	if code, ok := usStates[fold(v)]; ok {
		return code, ""
	}
	return "", quote(v) + " is not a US state (want a two-letter code like UT or a name like Utah)"
}

// normZip accepts 84043, 84043-1234 and 840431234.
func normZip(v string) (string, string) {
	switch {
	case len(v) == 5 && allDigits(v):
		return v, ""
	case len(v) == 10 && v[5] == '-' && allDigits(v[:5]) && allDigits(v[6:]):
		return v, ""
	case len(v) == 9 && allDigits(v):
		return v[:5] + "-" + v[5:], ""
	case (len(v) == 3 || len(v) == 4) && allDigits(v):
		fixed := strings.Repeat("0", 5-len(v)) + v
		return "", quote(v) + " looks like " + fixed + " lost its leading zero in Excel; format the column as Text and write " + fixed
	case (len(v) == 7 || len(v) == 8) && allDigits(v):
		fixed := strings.Repeat("0", 9-len(v)) + v
		fixed = fixed[:5] + "-" + fixed[5:]
		return "", quote(v) + " looks like " + fixed + " lost its leading zero in Excel; format the column as Text and write " + fixed
	}
	return "", quote(v) + " is not a ZIP code (want 5 digits like 84043, or ZIP+4 like 84043-1234)"
}

// normCountry spells the United States USA (the API's example) and leaves
// any other country as written.
func normCountry(v string) string {
	switch fold(v) {
	case "us", "usa", "unitedstates", "unitedstatesofamerica":
		return "USA"
	}
	return v
}

// normICCID accepts 19 or 20 digits (spaces and dashes between groups are
// dropped) with an optional trailing F, the filler some SIM vendors print
// after a 19-digit ICCID. The Luhn check covers every digit, the F
// excluded: the last digit is the check digit.
func normICCID(v string) (string, string) {
	var b strings.Builder
	b.Grow(21)
	f := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case f:
			return "", quote(v) + " is not an ICCID: F may only end it (want " + wantICCID + ")"
		case isDigit(c):
			b.WriteByte(c)
		case c == ' ' || c == '-':
		case (c == 'F' || c == 'f') && b.Len() > 0:
			f = true
		default:
			return "", quote(v) + " is not an ICCID: it may hold only digits (want " + wantICCID + ")"
		}
	}
	d := b.String()
	if len(d) < 19 || len(d) > 20 {
		return "", quote(v) + " is not an ICCID: it has " + count(len(d), "digit") + " (want " + wantICCID + ")"
	}
	if !luhn(d) {
		if roundedICCID(d) {
			return "", quote(v) + " is not an ICCID: the check digit is wrong, and every digit after the 15th is 0, " +
				"as Excel leaves a long number it stored as a number; format the column as Text and re-enter the value (want " + wantICCID + ")"
		}
		return "", quote(v) + " is not an ICCID: the check digit is wrong, so a digit is mistyped (want " + wantICCID + ")"
	}
	if f {
		d += "F"
	}
	return d, ""
}

// roundedICCID reports whether every digit of the ICCID d (digits only)
// after the 15th is 0: what is left of one that Excel stored as a number,
// which keeps 15 significant digits, and then wrote out in full (to a CSV
// file, say).
func roundedICCID(d string) bool {
	return len(d) > 15 && strings.Trim(d[15:], "0") == ""
}

// luhn reports whether the digit string d ends in a valid Luhn check digit.
func luhn(d string) bool {
	sum, double := 0, false
	for i := len(d) - 1; i >= 0; i-- {
		c := int(d[i] - '0')
		if double {
			c *= 2
			if c > 9 {
				c -= 9
			}
		}
		sum += c
		double = !double
	}
	return sum%10 == 0
}

// normEmail accepts a bare address (no display name) whose domain is a
// host name on the Internet (see validDomain), lower-cased.
func normEmail(v string) (string, string) {
	bad := quote(v) + " is not an e-mail address (want " + wantEmail + ")"
	at := strings.LastIndexByte(v, '@')
	if at < 0 || !validDomain(v[at+1:]) {
		return "", bad
	}
	if !plainEmail(v) {
		a, err := mail.ParseAddress(v)
		if err != nil || a.Name != "" || a.Address != v {
			return "", bad
		}
	}
	return strings.ToLower(v), ""
}

// validDomain reports whether dom is a host name mail can be sent to: two
// or more labels of letters, digits and hyphens, none starting or ending
// with a hyphen, each 1–63 characters, 253 in all; the last (the top-level
// domain) of letters only and at least 2 of them, or an internationalised
// one in its xn-- form.
func validDomain(dom string) bool {
	if len(dom) > 253 {
		return false
	}
	labels := strings.Split(dom, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if len(l) == 0 || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for i := 0; i < len(l); i++ {
			if c := l[i] | 0x20; !('a' <= c && c <= 'z') && !isDigit(l[i]) && l[i] != '-' {
				return false
			}
		}
	}
	tld := strings.ToLower(labels[len(labels)-1])
	if strings.HasPrefix(tld, "xn--") {
		return len(tld) > 4
	}
	for i := 0; i < len(tld); i++ {
		if tld[i] < 'a' || tld[i] > 'z' {
			return false
		}
	}
	return len(tld) >= 2
}

// plainEmail reports whether v is an address of the common shape
// (letters, digits and . _ + - before the @; letters, digits and - in two
// or more dot-separated labels after it), all of which net/mail accepts.
// It spares most cells the full parser.
func plainEmail(v string) bool {
	at := strings.IndexByte(v, '@')
	if at <= 0 || at == len(v)-1 {
		return false
	}
	dots := 0
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '-' || (i < at && (c == '_' || c == '+')):
		case c == '.':
			if !dotInside(v, i) {
				return false
			}
			if i > at {
				dots++
			}
		case i == at:
		default:
			return false
		}
	}
	return dots > 0
}

// dotInside reports whether the dot at v[i] stands between two characters
// that are neither a dot nor the @, as a dot of a plain address must.
func dotInside(v string, i int) bool {
	if i == 0 || i == len(v)-1 {
		return false
	}
	return !dotOrAt(v[i-1]) && !dotOrAt(v[i+1])
}

func dotOrAt(c byte) bool { return c == '.' || c == '@' }

// normDate accepts 2026-06-01 and 06/01/2026 (or 6/1/2026).
func normDate(v string) (string, string) {
	for _, layout := range [...]string{"2006-01-02", "1/2/2006"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.Format("2006-01-02"), ""
		}
	}
	if len(v) == 5 && allDigits(v) {
		return "", quote(v) + " looks like a date Excel stored as a day count; format the column as Text and write the date like 2026-06-01"
	}
	return "", quote(v) + " is not a date (want 2026-06-01 or 06/01/2026)"
}

// normInt accepts a whole number ≥ 0 (a spreadsheet's "20.0" too).
func normInt(v string) (string, string) {
	s := v
	if dot := strings.IndexByte(s, '.'); dot > 0 && strings.Trim(s[dot+1:], "0") == "" {
		s = s[:dot]
	}
	if allDigits(s) && len(s) <= 9 {
		n, _ := strconv.Atoi(s)
		return strconv.Itoa(n), ""
	}
	return "", quote(v) + " is not a whole number (want 0 or more, like 20)"
}

func normURL(v string) (string, string) {
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || strings.ContainsAny(v, " \t") {
		return "", quote(v) + " is not a web address (want https://example.com/path)"
	}
	return v, ""
}

func normIP(v string) (string, string) {
	a, err := netip.ParseAddr(v)
	if err != nil || a.Zone() != "" {
		return "", quote(v) + " is not an IP address (want IPv4 like 203.0.113.10 or IPv6 like 2001:db8::10)"
	}
	return a.String(), ""
}

func normPort(v string) (string, string) {
	if allDigits(v) && len(v) <= 5 {
		if n, _ := strconv.Atoi(v); n >= 1 && n <= 65535 {
			return strconv.Itoa(n), ""
		}
	}
	return "", quote(v) + " is not a port (want a number from 1 to 65535, like 5060)"
}

func normAreaCode(v string) (string, string) {
	if len(v) == 3 && allDigits(v) && v[0] >= '2' {
		return v, ""
	}
	return "", quote(v) + " is not an area code (want 3 digits like 801)"
}

// normPIN checks a port-out PIN. It is secret: messages never show it.
func normPIN(v string) (string, string) {
	if !allDigits(v) || len(v) < 4 || len(v) > 10 {
		// A short PIN read from a number cell lost its zeros (see rowCheck.check);
		// a text one, even from a CSV file, is as the user typed it.
		return "", "the value is not a PIN (want 4 to 10 digits like 0550; it is not shown because it is secret)"
	}
	return v, ""
}

// article returns "an" before a vowel, else "a".
func article(word string) string {
	if word != "" && strings.ContainsRune("aeiouAEIOU", rune(word[0])) {
		return "an"
	}
	return "a"
}

func normEnum(e *enum, v string) (string, string) {
	if s, ok := e.index[fold(v)]; ok {
		return s, ""
	}
	return "", quote(v) + " is not " + article(e.name) + " " + e.name + " (want " + e.list() + ")"
}

// isExcelFloat reports whether v is a number in scientific notation
// (8.9012E+18): what a spreadsheet shows for a long digit string it stored
// as a number, and what a CSV exported from it keeps.
func isExcelFloat(v string) bool {
	_, ok := sheets.Scientific(v)
	return ok
}

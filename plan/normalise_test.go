package plan

import (
	"net/mail"
	"strings"
	"testing"
)

type normCase struct {
	in, want, msg string // msg is the exact message, "" when valid
}

func runNorm(t *testing.T, f *field, cases []normCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			got, msg := normalise(f, c.in)
			if got != c.want || msg != c.msg {
				t.Errorf("normalise(%q) = %q, %q; want %q, %q", c.in, got, msg, c.want, c.msg)
			}
		})
	}
}

// lost is the message for a value Excel stored as a number, in a column
// whose valid values look like want.
func lost(want string) string {
	return "Excel stored this as a number, which keeps at most 15 digits (long ones show like 8.9012E+18), " +
		"so digits may have been lost; format the column as Text and re-enter the value (want " + want + ")"
}

const badPhone = " is not a valid phone number (want (801) 555-1234 or E.164 like +18015551234)"

func TestNormPhone(t *testing.T) {
	runNorm(t, &field{typ: tPhone}, []normCase{
		{"(801) 555-1234", "+18015551234", ""},
		{"801.555.1234", "+18015551234", ""},
		{"18015551234", "+18015551234", ""},
		{"+1 801 555 1234", "+18015551234", ""},
		{"1-801-555-1234", "+18015551234", ""},
		{"+18015551234", "+18015551234", ""},
		{"801/555-1234", "+18015551234", ""},
		{"+1 (416) 555-0123", "+14165550123", ""},    // Canada: another +1 country
		{"+44 20 7183 8750", "+442071838750", ""},    // international, full parser
		{"011 44 20 7183 8750", "+442071838750", ""}, // dialled from the US
		{"555-1234", "", `"555-1234"` + badPhone},
		{"801555123", "", `"801555123"` + badPhone},
		{"(123) 555-1234", "", `"(123) 555-1234"` + badPhone},
		{"+1 801 155 1234", "", `"+1 801 155 1234"` + badPhone},
		{"+1 555 555 1234", "", `"+1 555 555 1234"` + badPhone},
		{"801-555-1234 ext 12", "", `"801-555-1234 ext 12"` + badPhone},
		{"phone", "", `"phone"` + badPhone},
		{"+", "", `"+"` + badPhone},
		{"1.8016E+10", "", `"1.8016E+10": ` + lost(wantPhone)},
		{"1.80155512E10", "", `"1.80155512E10": ` + lost(wantPhone)},
	})
}

func TestNormPhoneList(t *testing.T) {
	runNorm(t, &field{typ: tPhoneList}, []normCase{
		{"(801) 555-1234", "+18015551234", ""},
		{"801.555.1234; 385-555-0100", "+18015551234;+13855550100", ""},
		{"801.555.1234,385-555-0100\n+1 801 555 1234", "+18015551234;+13855550100", ""},
		{"801.555.1234;;", "+18015551234", ""},
		{"801.555.1234; 555", "", `"555"` + badPhone},
		{"801.555.1234; 8.0155E+09", "", `"8.0155E+09": ` + lost(wantPhone)},
	})
}

func TestNormBool(t *testing.T) {
	const want = " is not a yes/no value (want true or false, yes or no, y or n, 1 or 0, or x for yes)"
	var cases []normCase
	for _, s := range []string{"true", "TRUE", "Yes", "y", "1", "x", "X"} {
		cases = append(cases, normCase{s, "true", ""})
	}
	for _, s := range []string{"false", "False", "NO", "n", "0"} {
		cases = append(cases, normCase{s, "false", ""})
	}
	cases = append(cases, normCase{"maybe", "", `"maybe"` + want}, normCase{"2", "", `"2"` + want})
	runNorm(t, &field{typ: tBool}, cases)
}

func TestNormState(t *testing.T) {
	const want = " is not a US state (want a two-letter code like UT or a name like Utah)"
	runNorm(t, &field{typ: tState}, []normCase{
		{"Utah", "UT", ""},
		{"UT", "UT", ""},
		{"ut", "UT", ""},
		{"new york", "NY", ""},
		{"New-Hampshire", "NH", ""},
		{"District of Columbia", "DC", ""},
		{"Washington, D.C.", "DC", ""},
		{"Puerto Rico", "PR", ""},
		{"guam", "GU", ""},
		{"U.S. Virgin Islands", "VI", ""},
		{"AA", "AA", ""},
		{"ae", "AE", ""},
		{"AP", "AP", ""},
		{"Armed Forces Pacific", "AP", ""},
		{"Utha", "", `"Utha"` + want},
		{"XX", "", `"XX"` + want},
	})
	if len(usStates) < 2*(50+1+6) {
		t.Errorf("usStates has %d entries, want every state, DC and the territories by code and name", len(usStates))
	}
}

func TestNormZip(t *testing.T) {
	runNorm(t, &field{typ: tZip}, []normCase{
		{"84043", "84043", ""},
		{"84043-1234", "84043-1234", ""},
		{"840431234", "84043-1234", ""},
		{"8404", "", `"8404" looks like 08404 lost its leading zero in Excel; format the column as Text and write 08404`},
		{"21391234", "", `"21391234" looks like 02139-1234 lost its leading zero in Excel; format the column as Text and write 02139-1234`},
		{"501", "", `"501" looks like 00501 lost its leading zero in Excel; format the column as Text and write 00501`},
		{"8404x", "", `"8404x" is not a ZIP code (want 5 digits like 84043, or ZIP+4 like 84043-1234)`},
		{"840431", "", `"840431" is not a ZIP code (want 5 digits like 84043, or ZIP+4 like 84043-1234)`},
		{"8.4043E+4", "", `"8.4043E+4": ` + lost("5 digits like 84043")},
	})
}

func TestNormCountry(t *testing.T) {
	runNorm(t, &field{typ: tCountry}, []normCase{
		{"USA", "USA", ""},
		{"us", "USA", ""},
		{"United States", "USA", ""},
		{"Canada", "Canada", ""},
	})
}

func TestNormICCID(t *testing.T) {
	const want = " (want 19 or 20 digits like 8901240397190002080)"
	runNorm(t, &field{typ: tICCID}, []normCase{
		{"8901240397190002080", "8901240397190002080", ""},
		{"89014103211118510720", "89014103211118510720", ""},
		{"8901240397190557414F", "8901240397190557414F", ""},
		{"8901240397190557414f", "8901240397190557414F", ""},
		{"8901 2403 9719 0002 080", "8901240397190002080", ""},
		{"8901240397190002081", "", `"8901240397190002081" is not an ICCID: the check digit is wrong, so a digit is mistyped` + want},
		{"890124039719000208", "", `"890124039719000208" is not an ICCID: it has 18 digits` + want},
		{"1", "", `"1" is not an ICCID: it has 1 digit` + want},
		{"890124039719000208012", "", `"890124039719000208012" is not an ICCID: it has 21 digits` + want},
		{"8901240397190002080FF", "", `"8901240397190002080FF" is not an ICCID: F may only end it` + want},
		{"89012403971900020A0", "", `"89012403971900020A0" is not an ICCID: it may hold only digits` + want},
		{"F8901240397190002080", "", `"F8901240397190002080" is not an ICCID: it may hold only digits` + want},
		{"8.9012E+18", "", `"8.9012E+18": ` + lost(wantICCID)},
		{"8901240397190000000", "", `"8901240397190000000" is not an ICCID: the check digit is wrong, and every digit after the 15th is 0, ` +
			"as Excel leaves a long number it stored as a number; format the column as Text and re-enter the value" + want},
		{"8901240397190010000", "8901240397190010000", ""}, // valid by itself; see TestCSVRoundedICCID
	})
}

func TestNormEmail(t *testing.T) {
	const want = " is not an e-mail address (want name@example.com)"
	runNorm(t, &field{typ: tEmail}, []normCase{
		{"jane@example.com", "jane@example.com", ""},
		{"Jane.Doe@Example.COM", "jane.doe@example.com", ""},
		{"jane+tag@mail.example.co.uk", "jane+tag@mail.example.co.uk", ""},
		{"jane@", "", `"jane@"` + want},
		{"jane", "", `"jane"` + want},
		{"jane@localhost", "", `"jane@localhost"` + want},
		{"Jane <jane@example.com>", "", `"Jane <jane@example.com>"` + want},
		{"jane@example..com", "", `"jane@example..com"` + want},
		{"jane@.example.com", "", `"jane@.example.com"` + want},
		{"j@[192.0.2.1]", "", `"j@[192.0.2.1]"` + want},
		{"a@b@example.com", "", `"a@b@example.com"` + want},
		{".jane@example.com", "", `".jane@example.com"` + want},
		{"jane.@example.com", "", `"jane.@example.com"` + want},
		{"jane@example.com.", "", `"jane@example.com."` + want},
		{"O'Neil@example.com", "o'neil@example.com", ""}, // net/mail's atext
		{"a@-example.com", "", `"a@-example.com"` + want},
		{"a@example-.com", "", `"a@example-.com"` + want},
		{"a@example.c", "", `"a@example.c"` + want},
		{"a@ex_ample.com", "", `"a@ex_ample.com"` + want},
		{"a@example.c0m", "", `"a@example.c0m"` + want},
		{"a@example.123", "", `"a@example.123"` + want},
		{"a@exa mple.com", "", `"a@exa mple.com"` + want},
		{"a@" + strings.Repeat("x", 64) + ".com", "", `"a@` + strings.Repeat("x", 58) + `…"` + want},
		{"a@xn--80ak6aa92e.xn--p1ai", "a@xn--80ak6aa92e.xn--p1ai", ""},
		{"a@my-host.example.io", "a@my-host.example.io", ""},
	})
}

// The fast path accepts only what net/mail accepts, and the same way.
func FuzzEmail(f *testing.F) {
	for _, s := range []string{"jane@example.com", "Jane.Doe@Example.COM", "a_b+c-d@x-y.example.org", "a@b",
		".a@b.c", "a.@b.c", "a@.b.c", "a@b..c", "a@b.c.", "a..b@c.d", "@b.c", "a@", "a@b@c.d", "a@b-.c", "a@-example.com", "a@ex_ample.com", "a@example.c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if e, msg := normEmail(s); msg == "" && !validDomain(e[strings.LastIndexByte(e, '@')+1:]) {
			t.Errorf("normEmail(%q) = %q, whose domain is not a valid host name", s, e)
		}
		if !plainEmail(s) {
			return
		}
		a, err := mail.ParseAddress(s)
		if err != nil || a.Name != "" || a.Address != s {
			t.Errorf("plainEmail(%q) is true, but net/mail parses it as %v, %v", s, a, err)
		}
	})
}

func TestNormDate(t *testing.T) {
	const want = " is not a date (want 2026-06-01 or 06/01/2026)"
	runNorm(t, &field{typ: tDate}, []normCase{
		{"2026-06-01", "2026-06-01", ""},
		{"06/01/2026", "2026-06-01", ""},
		{"6/1/2026", "2026-06-01", ""},
		{"2026-02-30", "", `"2026-02-30"` + want},
		{"13/01/2026", "", `"13/01/2026"` + want},
		{"June 1", "", `"June 1"` + want},
		{"46174", "", `"46174" looks like a date Excel stored as a day count; format the column as Text and write the date like 2026-06-01`},
	})
}

func TestNormInt(t *testing.T) {
	const want = " is not a whole number (want 0 or more, like 20)"
	runNorm(t, &field{typ: tInt}, []normCase{
		{"20", "20", ""},
		{"0", "0", ""},
		{"007", "7", ""},
		{"20.0", "20", ""},
		{"-5", "", `"-5"` + want},
		{"2.5", "", `"2.5"` + want},
		{"ten", "", `"ten"` + want},
		{"1234567890", "", `"1234567890"` + want},
	})
}

func TestNormURL(t *testing.T) {
	const want = " is not a web address (want https://example.com/path)"
	runNorm(t, &field{typ: tURL}, []normCase{
		{"https://hooks.example.com/sms", "https://hooks.example.com/sms", ""},
		{"http://203.0.113.10:8080/in?x=1", "http://203.0.113.10:8080/in?x=1", ""},
		{"ftp://example.com", "", `"ftp://example.com"` + want},
		{"hooks.example.com/sms", "", `"hooks.example.com/sms"` + want},
		{"https://", "", `"https://"` + want},
		{"https://exa mple.com", "", `"https://exa mple.com"` + want},
	})
}

func TestNormIPPort(t *testing.T) {
	runNorm(t, &field{typ: tIP}, []normCase{
		{"203.0.113.10", "203.0.113.10", ""},
		{"2001:DB8:0:0::10", "2001:db8::10", ""},
		{"203.0.113", "", `"203.0.113" is not an IP address (want IPv4 like 203.0.113.10 or IPv6 like 2001:db8::10)`},
		{"fe80::1%eth0", "", `"fe80::1%eth0" is not an IP address (want IPv4 like 203.0.113.10 or IPv6 like 2001:db8::10)`},
	})
	const want = " is not a port (want a number from 1 to 65535, like 5060)"
	runNorm(t, &field{typ: tPort}, []normCase{
		{"5060", "5060", ""},
		{"1", "1", ""},
		{"65535", "65535", ""},
		{"0", "", `"0"` + want},
		{"65536", "", `"65536"` + want},
		{"sip", "", `"sip"` + want},
	})
}

func TestNormAreaCode(t *testing.T) {
	const want = " is not an area code (want 3 digits like 801)"
	runNorm(t, &field{typ: tAreaCode}, []normCase{
		{"801", "801", ""},
		{"80", "", `"80"` + want},
		{"123", "", `"123"` + want},
		{"8o1", "", `"8o1"` + want},
	})
}

func TestNormPIN(t *testing.T) {
	const notPIN = "the value is not a PIN (want 4 to 10 digits like 0550; it is not shown because it is secret)"
	runNorm(t, &field{typ: tPIN, secret: true}, []normCase{
		{"0550", "0550", ""},
		{"1234567890", "1234567890", ""},
		{"550", "", notPIN}, // as typed: Excel is not to blame for a text cell (see TestNumberCells)
		{"12345678901", "", notPIN},
		{"12a4", "", notPIN},
		{"1.2345E+11", "", lost("4 to 10 digits")},
	})
}

func TestNormDigits(t *testing.T) {
	runNorm(t, &field{typ: tDigits}, []normCase{
		{"4651234567", "4651234567", ""},
		{"ACCT-77", "ACCT-77", ""},
		{"4.65123E+9", "", `"4.65123E+9": ` + lost("a value")},
	})
}

func TestNormEnum(t *testing.T) {
	runNorm(t, &field{typ: tEnum, enum: enumRole}, []normCase{
		{"subscriber", "Subscriber", ""},
		{"MANAGER", "Manager", ""},
		{"account admin", "Account Admin", ""},
		{"Account_Admin", "Account Admin", ""},
		{"Admin", "", `"Admin" is not a role (want Subscriber, Manager or Account Admin)`},
	})
	runNorm(t, &field{typ: tEnum, enum: enumProductType}, []normCase{
		{"sms+data", "Sms+Data", ""},
		{"SMS Only", "Sms-Only", ""},
		{"Voice", "", `"Voice" is not a product type (want Sms-Only, Data-Only, Sms+Data or Sms+Data+Voice)`},
	})
	runNorm(t, &field{typ: tEnum, enum: enumThrottleSpeed}, []normCase{
		{"1 Mbps", "1-mbps", ""},
		{"64-KBPS", "64-kbps", ""},
		{"2-mbps", "", `"2-mbps" is not a throttle speed (want 64-kbps, 128-kbps, 256-kbps, 512-kbps, 1-mbps, 5-mbps, 20-mbps, 50-mbps or 100-mbps)`},
	})
	runNorm(t, &field{typ: tEnum, enum: enumValueUnit}, []normCase{
		{"mb", "MB", ""},
		{"GB", "", `"GB" is not a data unit (want MB)`},
	})
	runNorm(t, &field{typ: tEnum, enum: enumAuth}, []normCase{
		{"Weird", "", `"Weird" is not an authentication type (want None, Basic or Bearer)`},
	})
}

func TestQuoteShortens(t *testing.T) {
	got := quote(strings.Repeat("é", 100))
	if !strings.HasSuffix(got, `…"`) || len(got) > 70 {
		t.Errorf("quote of a long value = %q, want it cut to about 60 bytes with …", got)
	}
}

// Every value a normaliser accepts must normalise to itself again.
func checkIdempotent(t *testing.T, f *field, in string) {
	got, msg := normalise(f, in)
	if msg != "" {
		if got != "" {
			t.Errorf("normalise(%q) = %q with message %q, want no value with a message", in, got, msg)
		}
		return
	}
	again, msg := normalise(f, got)
	if msg != "" || again != got {
		t.Errorf("normalise(%q) = %q, which normalises to %q, %q; want itself", in, got, again, msg)
	}
}

func FuzzPhone(f *testing.F) {
	for _, s := range []string{"(801) 555-1234", "801.555.1234", "18015551234", "+1 801 555 1234",
		"+44 20 7183 8750", "011 44 20 7183 8750", "555-1234", "1.8016E+10", "+", "", "1-800-FLOWERS",
		"+1 (416) 555-0123", "801-555-1234 ext 12", "tel:+1-801-555-1234", "٨٠١٥٥٥١٢٣٤"} {
		f.Add(s)
	}
	fl := &field{typ: tPhone}
	f.Fuzz(func(t *testing.T, s string) {
		s = strings.TrimSpace(s)
		if s == "" {
			return
		}
		checkIdempotent(t, fl, s)
		if e, msg := normalise(fl, s); msg == "" && (!strings.HasPrefix(e, "+") || !allDigits(e[1:])) {
			t.Errorf("normalise(%q) = %q, want E.164", s, e)
		}
	})
}

func FuzzICCID(f *testing.F) {
	for _, s := range []string{"8901240397190002080", "89014103211118510720", "8901240397190557414F",
		"8901 2403 9719 0002 080", "8901240397190002081", "8.9012E+18", "F", "", "ffff"} {
		f.Add(s)
	}
	fl := &field{typ: tICCID}
	f.Fuzz(func(t *testing.T, s string) {
		s = strings.TrimSpace(s)
		if s == "" {
			return
		}
		checkIdempotent(t, fl, s)
		if d, msg := normalise(fl, s); msg == "" {
			d = strings.TrimSuffix(d, "F")
			if len(d) < 19 || len(d) > 20 || !allDigits(d) || !luhn(d) {
				t.Errorf("normalise(%q) = %q, want 19–20 digits passing Luhn", s, d)
			}
		}
	})
}

func BenchmarkNormPhone(b *testing.B) {
	in := []string{"(801) 555-1234", "801.555.1234", "18015551234", "+1 385 555 0100"}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, msg := normPhone(in[i%len(in)]); msg != "" {
			b.Fatal(msg)
		}
	}
}

func BenchmarkNormPhoneFullParser(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, msg := normPhone("+44 20 7183 8750"); msg != "" {
			b.Fatal(msg)
		}
	}
}

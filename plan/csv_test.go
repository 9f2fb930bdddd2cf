package plan

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"telegent-bulk/sheets"
)

// openCSV writes files into a temporary folder and opens them with the
// real reader.
func openCSV(t *testing.T, files map[string]string) []sheets.Reader {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	rs, err := sheets.Open(dir)
	if err != nil {
		t.Fatalf("sheets.Open: %v", err)
	}
	t.Cleanup(func() {
		for _, r := range rs {
			r.Close()
		}
	})
	return rs
}

func TestCSVThroughSheets(t *testing.T) {
	t.Parallel()
	files := map[string]string{
		"accounts.csv": "AccountRef,AccountName,BillingStreet1,BillingCity,BillingState,BillingZip\n" +
			"acme,Acme Corp,1 Main St,Lehi,Utah,84043\n",
		"subscribers-week1.csv": "E-mail,Name,AccountRef,Password,Phone\n" +
			"jane@example.com,Jane Doe,acme,pw-1,\"(801) 555-1234, 385.555.0100\"\n" +
			"jane@,Jane Two,acme,pw-2,\n",
	}
	_, problems, err := Build(openCSV(t, files))
	if err != nil {
		t.Fatal(err)
	}
	got := lines(problems)
	want := []string{`subscribers-week1.csv:3:E-mail: "jane@" is not an e-mail address (want name@example.com)`}
	if !slices.Equal(got, want) {
		t.Errorf("problems = %q, want %q", got, want)
	}

	files["subscribers-week1.csv"] = files["subscribers-week1.csv"][:len(files["subscribers-week1.csv"])-len("jane@,Jane Two,acme,pw-2,\n")]
	p := mustBuildReaders(t, openCSV(t, files))
	r := &p.Rows[rowByKey(t, p, Subscribers, "jane@example.com")]
	if got, want := r.List("PhoneNumbers"), []string{"+18015551234", "+13855550100"}; !slices.Equal(got, want) {
		t.Errorf("PhoneNumbers = %q, want %q", got, want)
	}
	if got := p.Where(rowByKey(t, p, Accounts, "acme")); got != "accounts.csv:2" {
		t.Errorf("Where(acme) = %q, want accounts.csv:2", got)
	}
	if got := p.Key(p.RowStep(rowByKey(t, p, Subscribers, "jane@example.com"), SubscriberCreate)); got != "subscribers/jane@example.com/create" {
		t.Errorf("Key = %q, want subscribers/jane@example.com/create", got)
	}
}

// A CSV file that is not UTF-8 is read as Windows-1252, with a warning
// naming the file; Excel's sep= line is not a row.
func TestCSVWindows1252AndSepLine(t *testing.T) {
	t.Parallel()
	files := map[string]string{
		"accounts.csv": "sep=;\r\nAccountRef;AccountName;BillingStreet1;BillingCity;BillingState;BillingZip\r\n" +
			"acme;Caf\xe9 Ni\xf1o;1 Main St;Lehi;AE;09012\r\n",
	}
	p, problems, warnings, err := Check(openCSV(t, files))
	if err != nil || len(problems) > 0 {
		t.Fatalf("Check: %v %v", err, problems)
	}
	want := `accounts.csv: the file is not UTF-8 text, so it was read as Windows-1252 (as Excel's plain "CSV" is written on Western Windows); if letters such as é or ñ look wrong, save the file as "CSV UTF-8" instead`
	if len(warnings) != 1 || warnings[0].String() != want {
		t.Errorf("warnings = %q, want [%q]", warnings, want)
	}
	r := &p.Rows[0]
	if r.Num != 2 || r.Get("AccountName") != "Café Niño" || r.Get("BillingState") != "AE" {
		t.Errorf("row %d: AccountName %q, BillingState %q; want row 2, Café Niño, AE", r.Num, r.Get("AccountName"), r.Get("BillingState"))
	}
}

// Values in a column without a title, inside the header or beyond its last
// title, are not used: a warning names the column and the first row with a
// value. A row whose only values are there is no manifest row.
func TestCSVUntitledColumns(t *testing.T) {
	t.Parallel()
	files := map[string]string{
		"accounts.csv": "AccountRef,,AccountName,BillingStreet1,BillingCity,BillingState,BillingZip\n" +
			"acme,,Acme Corp,1 Main St,Lehi,UT,84043\n" +
			"beta,x,Beta LLC,2 Main St,Lehi,UT,84043,,note\n" +
			",,,,,,,,,total: 2\n" +
			"gamma,,Gamma Inc,3 Main St,Lehi,UT,84043,,later\n",
	}
	p, problems, warnings, err := Check(openCSV(t, files))
	if err != nil || len(problems) > 0 {
		t.Fatalf("Check: %v %v", err, problems)
	}
	got := lines(warnings)
	const why = " has no title, so its values are not used (this is the first row with one; want a column title from docs/manifest.md)"
	want := []string{
		"accounts.csv:3: column B" + why,
		"accounts.csv:3: column I" + why,
		"accounts.csv:4: column J" + why,
	}
	if !slices.Equal(got, want) {
		t.Errorf("warnings:\n got  %q\n want %q", got, want)
	}
	if len(p.Rows) != 3 || p.Rows[2].Num != 5 {
		t.Errorf("%d rows, the last row %d; want 3 rows, the last row 5 (row 4 has values only beyond the header)", len(p.Rows), p.Rows[len(p.Rows)-1].Num)
	}
}

// An ICCID in a CSV file whose digits after the 15th are all 0 is probably
// what Excel left of a number it rounded; when its check digit passes
// anyway, that draws a warning (in a workbook, Excel's own number cells
// are caught by the reader instead).
func TestCSVRoundedICCID(t *testing.T) {
	t.Parallel()
	files := map[string]string{
		"numbers.csv": "LineRef,SubscriberId,MessageRouteId,NumberType,MessageType,ProductType,ICCID\n" +
			"L1,TSUID-1,MRID-1,mvno,p2p,Sms+Data,8901240397190010000\n" +
			"L2,TSUID-1,MRID-1,mvno,p2p,Sms+Data,8901240397190002080\n" +
			"L3,TSUID-1,MRID-1,mvno,p2p,Sms+Data,89012403971900700000F\n",
	}
	_, problems, warnings, err := Check(openCSV(t, files))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range append(problems, warnings...) {
		got = append(got, p.String())
	}
	want := []string{"numbers.csv:2:ICCID: " + msgRoundedICCID, "numbers.csv:4:ICCID: " + msgRoundedICCID}
	if !slices.Equal(got, want) {
		t.Errorf("problems and warnings:\n got  %q\n want %q", got, want)
	}
	if !strings.Contains(msgRoundedICCID, "Excel") || !strings.Contains(msgRoundedICCID, "15") {
		t.Errorf("the warning %q does not name the rounding", msgRoundedICCID)
	}
}

// The same file given twice is a usage error naming it; tables of the same
// name from different files are told apart by their folders.
func TestSameNamedTables(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	const head = "PortInNumber,SubscriberId,MessageRouteId,CurrentCarrierName,CurrentAccountNumber,CurrentAccountPassword,BillingStreet1,BillingCity,BillingState,BillingZip\n"
	for _, week := range []string{"week1", "week2"} {
		if err := os.MkdirAll(filepath.Join(dir, week), 0o755); err != nil {
			t.Fatal(err)
		}
		body := head + "801-555-4001,TSUID-1,MRID-1,Old Co,1,0550,1 Main,Lehi,UT,84043\n"
		if err := os.WriteFile(filepath.Join(dir, week, "portins.csv"), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	open := func(paths ...string) []sheets.Reader {
		var rs []sheets.Reader
		for _, p := range paths {
			r, err := sheets.Open(p)
			if err != nil {
				t.Fatal(err)
			}
			rs = append(rs, r...)
		}
		t.Cleanup(func() {
			for _, r := range rs {
				r.Close()
			}
		})
		return rs
	}
	week1, week2 := filepath.Join(dir, "week1"), filepath.Join(dir, "week2")

	_, problems, err := Build(open(week1, week2))
	if err != nil {
		t.Fatal(err)
	}
	want := `portins.csv (week2/):2:PortInNumber: "+18015554001" is also the PortInNumber of portins.csv (week1/):2 (want each PortInNumber once per manifest)`
	if len(problems) != 1 || problems[0].String() != want {
		t.Errorf("problems = %q, want [%q]", problems, want)
	}

	for _, paths := range [][]string{
		{week1, week1},
		{week1, filepath.Join(week1, "portins.csv")},
		{filepath.Join(week1, "portins.csv"), filepath.Join(week1, ".", "portins.csv")},
	} {
		_, _, err := Build(open(paths...))
		if err == nil || !strings.Contains(err.Error(), filepath.Join(week1, "portins.csv")) || !strings.Contains(err.Error(), "given twice") {
			t.Errorf("Build(%q) error = %v, want one naming %s as given twice", paths, err, filepath.Join(week1, "portins.csv"))
		}
	}
}

func TestSheetNames(t *testing.T) {
	tables := []sheets.Table{
		{Name: "Accounts", Path: "old/book.xlsx"},
		{Name: "Accounts", Path: "new/book.xlsx"},
		{Name: "accounts", Path: "accounts.csv"},
		{Name: "Subscribers", Path: "a.xlsx"},
		{Name: "Subscribers", Path: "b.xlsx"},
		{Name: "Numbers", Path: "b.xlsx"},
		{Name: "portins", Path: "x/2026/portins.csv"},
		{Name: "portins", Path: "y/2026/portins.csv"},
	}
	want := []string{"Accounts (old/book.xlsx)", "Accounts (new/book.xlsx)", "accounts.csv", "Subscribers (a.xlsx)",
		"Subscribers (b.xlsx)", "Numbers", "portins.csv (x/2026/)", "portins.csv (y/2026/)"}
	if got := sheetNames(tables); !slices.Equal(got, want) {
		t.Errorf("sheetNames = %q, want %q", got, want)
	}
	for _, n := range want {
		if k, _, ok := KindOf(n); !ok || k.String() == "" {
			t.Errorf("KindOf(%q) finds no kind: a results workbook's tab of that name could not be fed back", n)
		}
	}
}

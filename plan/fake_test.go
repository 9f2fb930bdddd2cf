package plan

import (
	"errors"
	"strings"
	"testing"

	"telegent-bulk/sheets"
)

// fakeTable is an in-memory sheets.Reader.
type fakeTable struct {
	t    sheets.Table
	rows []sheets.Row
	i    int
	err  error // reported once the rows are read
}

func (f *fakeTable) Table() sheets.Table { return f.t }
func (f *fakeTable) Next() bool {
	if f.i >= len(f.rows) {
		return false
	}
	f.i++
	return true
}
func (f *fakeTable) Row() sheets.Row { return f.rows[f.i-1] }
func (f *fakeTable) Err() error {
	if f.i >= len(f.rows) {
		return f.err
	}
	return nil
}
func (f *fakeTable) Close() error { return nil }

// sheet is a table written compactly: cells separated by "|", data rows
// numbered from 2 (the header is row 1).
type sheet struct {
	name   string
	header string
	rows   []string
}

// reader returns the sheet as a tab of manifest.xlsx.
func (s sheet) reader() *fakeTable {
	header := strings.Split(s.header, "|")
	f := &fakeTable{t: sheets.Table{Name: s.name, Path: "manifest.xlsx", Header: header, HeaderRow: 1}}
	for i, line := range s.rows {
		cells := strings.Split(line, "|")
		for len(cells) < len(header) {
			cells = append(cells, "")
		}
		f.rows = append(f.rows, sheets.Row{Num: i + 2, Cells: cells[:len(header)]})
	}
	return f
}

type manifest []sheet

func (m manifest) readers() []sheets.Reader {
	rs := make([]sheets.Reader, len(m))
	for i, s := range m {
		rs[i] = s.reader()
	}
	return rs
}

// with returns a copy of m with rows appended to the sheet named name
// (added at the end, with header, when m has no such sheet).
func (m manifest) with(name, header string, rows ...string) manifest {
	out := make(manifest, len(m))
	copy(out, m)
	for i := range out {
		if out[i].name == name {
			if header != "" && header != out[i].header {
				panic("with: header differs from the sheet's")
			}
			out[i].rows = append(append([]string(nil), out[i].rows...), rows...)
			return out
		}
	}
	return append(out, sheet{name, header, rows})
}

// without returns a copy of m without the sheet named name.
func (m manifest) without(name string) manifest {
	var out manifest
	for _, s := range m {
		if s.name != name {
			out = append(out, s)
		}
	}
	return out
}

// Column lists of the base manifest, for tests that add rows.
const (
	hAccounts    = "AccountRef|AccountName|BillingStreet1|BillingCity|BillingState|BillingZip"
	hSubscribers = "Email|Name|AccountRef|Password|FilterLevel|SubscriberId"
	hMRoutes     = "RouteRef|RouteName|MessageUrl|AccountRef"
	hVRoutes     = "RouteRef|RouteName|RouteType|TrunkIp1|AccountRef"
	hNumbers     = "LineRef|SubscriberEmail|MessageRouteRef|VoiceRouteRef|NumberType|MessageType|ProductType|Package|LimitValue|ICCID|AccountRef"
	hPortIns     = "PortInNumber|Action|SubscriberEmail|MessageRouteRef|CurrentCarrierName|CurrentAccountNumber|CurrentAccountPassword|BillingStreet1|BillingCity|BillingState|BillingZip|Package|LineRef|ICCID"
	hPortOuts    = "PortOutNumber|PortOutPIN"
)

// base is a valid manifest with one or more rows of every kind.
func base() manifest {
	return manifest{
		{"Accounts", hAccounts, []string{
			"acme|Acme Corp|1 Main St|Lehi|Utah|84043",
			"beta|Beta LLC|2 Center St|Provo|UT|84601",
		}},
		{"Subscribers", hSubscribers, []string{
			"jane@example.com|Jane Doe|acme|pw-jane||",
			"kid@example.com|Kid Doe|ACME|pw-kid|child|",
			"bob@example.com|Bob Roe|beta|pw-bob||",
		}},
		{"MessageRoutes", hMRoutes, []string{
			"sms|Main SMS|https://hooks.example.com/sms|acme",
		}},
		{"VoiceRoutes", hVRoutes, []string{
			"sip|Main SIP|trunk|203.0.113.10|acme",
		}},
		{"Numbers", hNumbers, []string{
			"L1|jane@example.com|sms||mvno|p2p|Sms+Data|Starter 1GB|20|8901240397190002080|",
			"L2|kid@example.com|SMS|sip|mvno|a2p|Sms+Data+Voice||||acme",
			"L3|jane@example.com|sms||iot|p2p|Data-Only||||",
		}},
		{"PortIns", hPortIns, []string{
			"(801) 555-1234||jane@example.com|sms|Old Co|4651234567|0550|1 Main St|Lehi|UT|84043|Starter 1GB|P1|",
			"801.555.9999|cancel||||||||||||",
		}},
		{"PortOuts", hPortOuts, []string{
			"+13855550100|1234",
		}},
	}
}

// mustBuild builds m and fails the test on problems or errors.
func mustBuild(t *testing.T, m manifest) *Plan {
	t.Helper()
	return mustBuildReaders(t, m.readers())
}

func mustBuildReaders(t *testing.T, rs []sheets.Reader) *Plan {
	t.Helper()
	p, problems, err := Build(rs)
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	if len(problems) > 0 {
		for _, pr := range problems {
			t.Errorf("problem: %s", pr)
		}
		t.FailNow()
	}
	return p
}

// problemsOf builds m, which must have problems, and returns them as
// strings.
func problemsOf(t *testing.T, m manifest) []string {
	t.Helper()
	p, problems, err := Build(m.readers())
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	if p != nil || len(problems) == 0 {
		t.Fatalf("Build returned a plan and no problems, want problems")
	}
	return lines(problems)
}

// lines returns problems (or warnings) as the strings validate prints.
func lines(ps Problems) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.String()
	}
	return out
}

// wantList checks that got holds exactly want, in order.
func wantList(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s:\n  got  %s\n  want %s", what, strings.Join(got, "\n       "), strings.Join(want, "\n       "))
	}
}

// wantProblems checks that m has exactly the problems want.
func wantProblems(t *testing.T, m manifest, want ...string) {
	t.Helper()
	wantList(t, "problems", problemsOf(t, m), want...)
}

var errDisk = errors.New("disk on fire")

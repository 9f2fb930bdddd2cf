package plan

import (
	"errors"
	"strings"
	"testing"
)

func TestProblemString(t *testing.T) {
	for _, tt := range []struct {
		p    Problem
		want string
	}{
		{Problem{Sheet: "Subscribers", Row: 7, Column: "Email", Message: "bad"}, "Subscribers:7:Email: bad"},
		{Problem{Sheet: "Subscribers", Row: 7, Message: "bad"}, "Subscribers:7: bad"},
		{Problem{Sheet: "Subscribers", Column: "Email", Message: "bad"}, "Subscribers:Email: bad"},
		{Problem{Sheet: "subs.csv", Message: "bad"}, "subs.csv: bad"},
		{Problem{Message: "bad"}, "bad"},
	} {
		if got := tt.p.String(); got != tt.want {
			t.Errorf("%+v.String() = %q, want %q", tt.p, got, tt.want)
		}
	}
}

// Problems come back in input order: sheets as given, then rows, then
// columns left to right (a column the table lacks after its columns);
// sheet-level ones first in their sheet.
func TestProblemOrder(t *testing.T) {
	m := manifest{
		{"Subscribers", "Password|Email|Name|AccountId", []string{
			"pw|b@|B|AID-1",
			"|c@example.com||AID-1",
		}},
		{"Accounts", "AccountRef|AccountId", []string{"|AID-1"}},
		{"Numbers", "LineRef|NumberType", []string{"L1|x"}},
	}
	got := problemsOf(t, m)
	want := []string{
		`Subscribers:2:Email: "b@" is not an e-mail address (want name@example.com)`,
		"Subscribers:3:Password: empty, but a new subscriber needs one (want the subscriber's initial password; or give SubscriberId for an existing subscriber)",
		"Subscribers:3:Name: empty, but a new subscriber needs one (want the subscriber's full name, like Jane Doe; or give SubscriberId for an existing subscriber)",
		"Accounts:2:AccountRef: empty, but every Accounts row needs one as its key (want the partner's own name for the account, like acme-corp)",
		`Numbers:2:NumberType: "x" is not a number type (want mvno, iot or voip)`,
		"Numbers:2:SubscriberEmail: no SubscriberEmail or SubscriberId column, but every line belongs to a subscriber (want SubscriberEmail: the e-mail of a Subscribers row, like name@example.com; or SubscriberId: an existing subscriber's ID, like TSUID-…)",
		"Numbers:2:MessageRouteRef: no MessageRouteRef or MessageRouteId column, but a new number needs a message route (want MessageRouteRef: the RouteRef of a MessageRoutes row; or MessageRouteId: an existing message route's ID, like MRID-…)",
		"Numbers:2:MessageType: no such column, but a new number needs one (want a2p or p2p; or give PhoneNumberId for an existing number)",
		"Numbers:2:ProductType: no such column, but a new number needs one (want Sms-Only, Data-Only, Sms+Data or Sms+Data+Voice; or give PhoneNumberId for an existing number)",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("problems:\n got  %s\n want %s", strings.Join(got, "\n      "), strings.Join(want, "\n      "))
	}
}

func TestWriteReport(t *testing.T) {
	ps := Problems{
		{Sheet: "Numbers", Row: 3, Column: "ICCID", Message: "bad ICCID"},
		{Sheet: "Subscribers", Row: 7, Column: "Email", Message: "bad e-mail"},
		{Sheet: "Numbers", Row: 2, Column: "LineRef", Message: "empty"},
	}
	var b strings.Builder
	if err := ps.WriteReport(&b); err != nil {
		t.Fatal(err)
	}
	want := `Numbers: 2 problems
  Numbers:2:LineRef: empty
  Numbers:3:ICCID: bad ICCID
Subscribers: 1 problem
  Subscribers:7:Email: bad e-mail
3 problems in 2 sheets
`
	if b.String() != want {
		t.Errorf("WriteReport:\n%s\nwant:\n%s", b.String(), want)
	}
	if ps[0].Row != 3 {
		t.Error("WriteReport reordered the caller's slice")
	}

	b.Reset()
	if err := (Problems{{Sheet: "users", Column: "Colour", Message: "unknown column"}}).WriteWarnings(&b); err != nil {
		t.Fatal(err)
	}
	if want := "users: 1 warning\n  users:Colour: unknown column\n1 warning in 1 sheet\n"; b.String() != want {
		t.Errorf("WriteWarnings = %q, want %q", b.String(), want)
	}

	b.Reset()
	if err := Problems(nil).WriteReport(&b); err != nil || b.String() != "0 problems in 0 sheets\n" {
		t.Errorf("WriteReport of none = %q, %v; want the summary line", b.String(), err)
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errDisk }

func TestWriteReportError(t *testing.T) {
	err := Problems{{Sheet: "s", Message: "m"}}.WriteReport(failWriter{})
	if !errors.Is(err, errDisk) {
		t.Errorf("WriteReport to a failing writer = %v, want it to wrap the write error", err)
	}
}

// A report of Build's problems keeps Build's order within each sheet.
func TestWriteReportOfBuild(t *testing.T) {
	_, ps, err := Build(base().
		with("Numbers", "", "L1|jane@example.com|sms||mvno|p2p|Sms-Only||||").
		with("Accounts", "", "|x|1 St|Lehi|UT|84043").readers())
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := ps.WriteReport(&b); err != nil {
		t.Fatal(err)
	}
	want := `Accounts: 1 problem
  Accounts:4:AccountRef: empty, but every Accounts row needs one as its key (want the partner's own name for the account, like acme-corp)
Numbers: 1 problem
  Numbers:5:LineRef: "L1" is also the LineRef of Numbers:2 (want each LineRef once per manifest)
2 problems in 2 sheets
`
	if b.String() != want {
		t.Errorf("WriteReport:\n%s\nwant:\n%s", b.String(), want)
	}
}

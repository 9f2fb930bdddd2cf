package plan

import (
	"slices"
	"testing"
	"time"
)

// A wireline port (TargetClassification Landline) needs a PortInDate on a
// business day 5 to 10 business days ahead, counted from the plan's
// Today; the problem names the cell and the window. A mobile port's date
// is not held to the window; a row naming its order is not checked.
func TestWirelinePortInDate(t *testing.T) {
	today := time.Date(2026, 6, 3, 15, 0, 0, 0, time.UTC) // a Wednesday
	const window = "a business day 5 to 10 business days from today (2026-06-03): 2026-06-10 to 2026-06-17"
	const h = "PortInNumber|SubscriberEmail|MessageRouteRef|CurrentCarrierName|CurrentAccountNumber|CurrentAccountPassword|" +
		"BillingStreet1|BillingCity|BillingState|BillingZip|TargetClassification|PortInDate|OrderId"
	row := func(n, class, date, order string) string {
		return n + "|jane@example.com|sms|Old Co|1|0550|1 Main St|Lehi|UT|84043|" + class + "|" + date + "|" + order
	}
	m := base().with("PortIns-wireline", h,
		row("+18015550301", "Landline", "", ""),                                                      // 2: missing
		row("+18015550302", "Landline", "2026-06-02", ""),                                            // 3: past
		row("+18015550303", "Landline", "2026-06-13", ""),                                            // 4: a Saturday
		row("+18015550304", "Landline", "2026-06-09", ""),                                            // 5: 4 business days: too soon
		row("+18015550305", "Landline", "2026-06-18", ""),                                            // 6: 11 business days: too late
		row("+18015550306", "Landline", "2026-06-10", ""),                                            // 7: first day of the window
		row("+18015550307", "Landline", "06/17/2026", ""),                                            // 8: last day of the window
		row("+18015550308", "mvno", "2026-06-04", ""),                                                // 9: mobile: no window
		row("+18015550309", "Landline", "2026-05-01", "JNUOID-5a1e0000-0000-4000-8000-000000000001"), // 10: its order exists
	)
	_, problems, _, err := CheckWith(m.readers(), Options{Today: func() time.Time { return today }})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range problems {
		got = append(got, p.String())
	}
	want := []string{
		"PortIns-wireline:2:PortInDate: empty, but a wireline (TargetClassification Landline) needs a PortInDate, " + window + " (want 2026-06-01)",
		"PortIns-wireline:3:PortInDate: 2026-06-02 is in the past; a wireline's PortInDate must be " + window,
		"PortIns-wireline:4:PortInDate: 2026-06-13 is a Saturday; a wireline's PortInDate must be " + window,
		"PortIns-wireline:5:PortInDate: 2026-06-09 is outside the wireline window; want " + window,
		"PortIns-wireline:6:PortInDate: 2026-06-18 is outside the wireline window; want " + window,
	}
	if !slices.Equal(got, want) {
		t.Errorf("problems:\n%s\nwant:\n%s", dumpLines(got), dumpLines(want))
	}
}

func dumpLines(ss []string) string {
	out := ""
	for _, s := range ss {
		out += "  " + s + "\n"
	}
	return out
}

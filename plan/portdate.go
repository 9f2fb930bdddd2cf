package plan

import (
	"fmt"
	"time"
)

// Seed 002 §8.2: "PortInDate is required for wirelines (5–10 business day
// windows) and conditional otherwise". A wireline port (a PortIns row whose
// TargetClassification is Landline) must give a PortInDate on a business
// day (Monday to Friday; the documents name no holidays) from 5 to 10
// business days after today. A row that names its existing order or its
// completed port (OrderId, PhoneNumberId) is not checked: its order has its
// date, and pushing it out is an update the API judges.

// Wireline port-in dates: how many business days ahead they may be.
const (
	WirelineMinDays = 5
	WirelineMaxDays = 10
)

// day returns t's calendar day at midnight UTC (t read in its own zone).
func day(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// isWeekend reports whether day d is a Saturday or a Sunday.
func isWeekend(d time.Time) bool {
	return d.Weekday() == time.Saturday || d.Weekday() == time.Sunday
}

// addBusinessDays returns the day n business days after day d.
func addBusinessDays(d time.Time, n int) time.Time {
	for n > 0 {
		d = d.AddDate(0, 0, 1)
		if !isWeekend(d) {
			n--
		}
	}
	return d
}

// WirelineWindow returns the first and last days a wireline port-in
// submitted on today may ask for.
func WirelineWindow(today time.Time) (first, last time.Time) {
	today = day(today)
	return addBusinessDays(today, WirelineMinDays), addBusinessDays(today, WirelineMaxDays)
}

// portInDateRules applies the wireline PortInDate rules to a PortIns row.
func (c *rowCheck) portInDateRules() {
	if c.m.part || c.exists() || c.r.get(piClass) != "Landline" {
		return
	}
	first, last := WirelineWindow(c.m.today)
	window := fmt.Sprintf("a business day %d to %d business days from today (%s): %s to %s", WirelineMinDays,
		WirelineMaxDays, c.m.today.Format(dateLayout), first.Format(dateLayout), last.Format(dateLayout))
	c.require(piDate, "a wireline (TargetClassification Landline) needs a PortInDate, "+window)
	v := c.val(piDate)
	if v == "" {
		return
	}
	d, err := time.Parse(dateLayout, v)
	if err != nil {
		return // reported as not a date
	}
	switch {
	case d.Before(c.m.today):
		c.problem(piDate, fmt.Sprintf("%s is in the past; a wireline's PortInDate must be %s", v, window))
	case isWeekend(d):
		c.problem(piDate, fmt.Sprintf("%s is a %s; a wireline's PortInDate must be %s", v, d.Weekday(), window))
	case d.Before(first) || d.After(last):
		c.problem(piDate, fmt.Sprintf("%s is outside the wireline window; want %s", v, window))
	}
}

// dateLayout is how a normalised date reads.
const dateLayout = "2006-01-02"

package jobs

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"telegent-bulk/checkpoint"
	"telegent-bulk/plan"
	"telegent-bulk/sheets"
	"telegent-bulk/telegent"
)

// Results describes what to write.
type Results struct {
	Packages    []telegent.Package // for the finance summary (price per package)
	Eligibility bool               // only port rows, with the eligibility columns
}

// idColumns are the IDs each kind shows, after Status, in this order.
var idColumns = [plan.NumKinds][]string{
	plan.Accounts:      {"AccountId"},
	plan.Subscribers:   {"SubscriberId", "AccountId"},
	plan.MessageRoutes: {"MessageRouteId"},
	plan.VoiceRoutes:   {"CallRouteId"},
	plan.Numbers:       {"PhoneNumberId", "PhoneNumber", "SubscriberId", "OrderId", "SubscriptionId"},
	plan.PortIns: {"OrderId", "PortStatus", "Eligible", "CurrentCarrier", "DeclinedAttempts", "LastDeclinedAt",
		"PortCompletedAt", "PhoneNumberId", "SubscriberId", "SubscriptionId"},
	plan.PortOuts: {"OrderId", "PortStatus"},
}

var eligibilityColumns = []string{"Eligible", "CurrentCarrier", "Message"}

// exactColumns hold values the tool normalised itself (E.164 numbers,
// ICCIDs): written normalised and exact, never prefixed in CSV.
var exactColumns = map[string]bool{"PortInNumber": true, "PortOutNumber": true, "PhoneNumber": true,
	"PhoneNumbers": true, "ICCID": true}

// rowResult is the outcome of one manifest row, gathered from its steps.
type rowResult struct {
	status    string
	ids       map[string]string
	err       string
	errStep   plan.StepKey
	attempts  int
	updatedAt time.Time
}

// WriteResults writes the results workbook: every input tab with every input
// column (secrets masked), then the row's status, IDs and error; a Summary
// tab and an Errors tab. It reads outcomes from the checkpoint only, so it
// can be written after any run, including one that was killed.
func WriteResults(p *plan.Plan, s *checkpoint.Store, w sheets.Writer, o Results) error {
	rowSteps := stepsByRow(p)
	results := make([]rowResult, len(p.Rows))
	for ri := range p.Rows {
		res, err := gather(p, s, int32(ri), rowSteps[ri])
		if err != nil {
			return err
		}
		results[ri] = res
	}
	for ti, t := range p.Tables {
		if o.Eligibility && t.Kind != plan.PortIns {
			continue
		}
		if err := writeTable(p, int32(ti), t, results, w, o); err != nil {
			return err
		}
	}
	if o.Eligibility {
		return nil
	}
	if err := writeSummary(p, results, w, o.Packages); err != nil {
		return err
	}
	return writeErrors(p, results, w)
}

// stepsByRow lists the steps of every row.
func stepsByRow(p *plan.Plan) [][]int32 {
	out := make([][]int32, len(p.Rows))
	for i := range p.Steps {
		ri := p.Steps[i].Row
		out[ri] = append(out[ri], int32(i))
	}
	return out
}

// statusRank orders row statuses: the worst step decides the row.
var statusRank = map[string]int{"done": 0, "pending": 1, "cancelled": 2, "waiting": 3, "skipped": 4,
	"needs attention": 5, "failed": 6}

func gather(p *plan.Plan, s *checkpoint.Store, ri int32, steps []int32) (rowResult, error) {
	res := rowResult{status: "done", ids: map[string]string{}}
	row := &p.Rows[ri]
	for _, col := range idColumns[row.Kind] {
		if v := ownValue(row, col); v != "" {
			res.ids[col] = v
		}
	}
	for _, i := range steps {
		rec, ok, err := s.Get(checkpoint.Key(p.Key(i)))
		if err != nil {
			return res, err
		}
		st := "pending"
		if ok {
			st = rec.State.String()
			if rec.State == checkpoint.InFlight {
				st = "needs attention"
				if rec.ErrMessage == "" {
					rec.ErrMessage = "the outcome of this create is not known yet: the next run looks it up before anything is re-sent"
				}
			}
			for k, v := range rec.IDs {
				if v != "" {
					res.ids[k] = v
				}
			}
			for k, v := range rec.Data {
				if v != "" {
					res.ids[k] = v
				}
			}
			res.attempts += rec.Attempts
			if rec.UpdatedAt.After(res.updatedAt) {
				res.updatedAt = rec.UpdatedAt
			}
		}
		if statusRank[st] > statusRank[res.status] {
			res.status = st
			if ok && rec.ErrMessage != "" {
				res.err, res.errStep = rec.ErrMessage, p.Key(i)
			}
		}
	}
	if res.status != "failed" && res.status != "needs attention" && res.status != "skipped" && res.status != "cancelled" {
		res.err = ""
	}
	return res, nil
}

// ownValue returns a column the row itself carries, if its kind has it.
func ownValue(row *plan.Row, col string) (v string) {
	defer func() {
		if recover() != nil {
			v = ""
		}
	}()
	return row.Get(col)
}

func writeTable(p *plan.Plan, ti int32, t plan.TableInfo, results []rowResult, w sheets.Writer, o Results) error {
	out := idColumns[t.Kind]
	if o.Eligibility {
		out = eligibilityColumns
	}
	// Drop input columns that the results add again (a results workbook
	// fed back in), keep every other input column in input order.
	added := map[string]bool{"status": true, "error": true, "attempts": true, "updatedat": true}
	for _, c := range out {
		added[strings.ToLower(c)] = true
	}
	var keep []int
	header := []string{}
	for c, h := range t.Header {
		if added[strings.ToLower(strings.ReplaceAll(h, " ", ""))] {
			continue
		}
		keep = append(keep, c)
		header = append(header, h)
	}
	header = append(header, "Status")
	header = append(header, out...)
	header = append(header, "Error", "Attempts", "UpdatedAt")
	if err := w.Sheet(t.Sheet, header); err != nil {
		return err
	}
	for ri := range p.Rows {
		row := &p.Rows[ri]
		if row.Table != ti {
			continue
		}
		res := results[ri]
		cells := make([]sheets.Cell, 0, len(header))
		for _, c := range keep {
			v := ""
			if c < len(row.Cells) {
				v = row.Cells[c]
			}
			cell := sheets.Cell{Value: v}
			switch {
			case t.Secret[c] && v != "":
				cell = sheets.Cell{Value: "***", Exact: true}
			case exactColumns[t.Canon[c]] && v != "":
				if n := ownValue(row, t.Canon[c]); n != "" {
					cell = sheets.Cell{Value: n, Exact: true}
				}
			}
			cells = append(cells, cell)
		}
		status := res.status
		if o.Eligibility {
			switch res.ids["Eligible"] {
			case "yes":
				status = "eligible"
			case "no":
				status = "not eligible"
			default:
				status = "not checked"
			}
		}
		cells = append(cells, sheets.Cell{Value: status, Exact: true})
		for _, c := range out {
			cells = append(cells, sheets.Cell{Value: res.ids[c], Exact: true})
		}
		updated := ""
		if !res.updatedAt.IsZero() {
			updated = res.updatedAt.UTC().Format(time.RFC3339)
		}
		errText := res.err
		if errText != "" && res.errStep != "" {
			errText = fmt.Sprintf("%s: %s", res.errStep, errText)
		}
		cells = append(cells, sheets.Cell{Value: errText}, sheets.Cell{Value: itoaZero(res.attempts), Exact: true},
			sheets.Cell{Value: updated, Exact: true})
		if err := w.Row(cells); err != nil {
			return err
		}
	}
	return nil
}

func itoaZero(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

var summaryStatuses = []string{"done", "failed", "skipped", "waiting", "needs attention", "cancelled", "pending"}

func writeSummary(p *plan.Plan, results []rowResult, w sheets.Writer, pkgs []telegent.Package) error {
	header := append([]string{"Kind"}, summaryStatuses...)
	header = append(header, "total")
	if err := w.Sheet("Summary", header); err != nil {
		return err
	}
	var counts [plan.NumKinds]map[string]int
	for ri := range p.Rows {
		k := p.Rows[ri].Kind
		if counts[k] == nil {
			counts[k] = map[string]int{}
		}
		counts[k][results[ri].status]++
	}
	for k := range plan.NumKinds {
		if counts[k] == nil {
			continue
		}
		cells := []sheets.Cell{{Value: plan.Kind(k).String(), Exact: true}}
		total := 0
		for _, st := range summaryStatuses {
			cells = append(cells, sheets.Cell{Value: strconv.Itoa(counts[k][st]), Exact: true})
			total += counts[k][st]
		}
		cells = append(cells, sheets.Cell{Value: strconv.Itoa(total), Exact: true})
		if err := w.Row(cells); err != nil {
			return err
		}
	}
	if err := writeFinance(p, results, w, pkgs); err != nil {
		return err
	}
	return writeCampaign(p, results, w)
}

// writeFinance adds subscriptions per package with price and monthly total.
func writeFinance(p *plan.Plan, results []rowResult, w sheets.Writer, pkgs []telegent.Package) error {
	type line struct {
		name  string
		n     int
		price float64
	}
	byPkg := map[string]*line{}
	for ri := range p.Rows {
		res := results[ri]
		id := res.ids["PackageId"]
		if res.ids["SubscriptionId"] == "" || id == "" {
			continue
		}
		l := byPkg[id]
		if l == nil {
			price, _ := strconv.ParseFloat(res.ids["Price"], 64)
			l = &line{name: res.ids["PackageName"], price: price}
			byPkg[id] = l
		}
		l.n++
	}
	for _, pk := range pkgs {
		if l := byPkg[pk.PackageId]; l != nil {
			l.name, l.price = pk.PackageName, pk.Price
		}
	}
	if len(byPkg) == 0 {
		return nil
	}
	rows := [][]string{{}, {"Package", "PackageId", "Subscriptions", "Price", "Monthly total"}}
	ids := make([]string, 0, len(byPkg))
	for id := range byPkg {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var n int
	var total float64
	for _, id := range ids {
		l := byPkg[id]
		sum := float64(l.n) * l.price
		rows = append(rows, []string{l.name, id, strconv.Itoa(l.n), money(l.price), money(sum)})
		n += l.n
		total += sum
	}
	rows = append(rows, []string{"Total", "", strconv.Itoa(n), "", money(total)})
	return writeRows(w, rows)
}

// writeCampaign adds the porting block: orders per port status and the
// median days from submit to completion.
func writeCampaign(p *plan.Plan, results []rowResult, w sheets.Writer) error {
	status := map[string]int{}
	var days []float64
	ports := 0
	for ri := range p.Rows {
		if p.Rows[ri].Kind != plan.PortIns {
			continue
		}
		ports++
		res := results[ri]
		st := res.ids["PortStatus"]
		if st == "" {
			st = "not submitted"
		}
		status[st]++
		sub, err1 := time.Parse(time.RFC3339, res.ids["SubmittedAt"])
		done, err2 := parseTime(res.ids["PortCompletedAt"])
		if err1 == nil && err2 == nil && done.After(sub) {
			days = append(days, done.Sub(sub).Hours()/24)
		}
	}
	if ports == 0 {
		return nil
	}
	rows := [][]string{{}, {"Port status", "Port-ins"}}
	names := make([]string, 0, len(status))
	for st := range status {
		names = append(names, st)
	}
	sort.Strings(names)
	for _, st := range names {
		rows = append(rows, []string{st, strconv.Itoa(status[st])})
	}
	if len(days) > 0 {
		sort.Float64s(days)
		med := days[len(days)/2]
		if len(days)%2 == 0 {
			med = (days[len(days)/2-1] + days[len(days)/2]) / 2
		}
		rows = append(rows, []string{"Median days to complete", strconv.FormatFloat(med, 'f', 1, 64)})
	}
	return writeRows(w, rows)
}

func parseTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.9999999-07:00", "2006-01-02T15:04:05.9999999"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("not a time: %q", s)
}

func writeErrors(p *plan.Plan, results []rowResult, w sheets.Writer) error {
	if err := w.Sheet("Errors", []string{"Sheet", "Row", "Key", "Status", "Step", "Error"}); err != nil {
		return err
	}
	for ri := range p.Rows {
		res := results[ri]
		if res.err == "" {
			continue
		}
		row := &p.Rows[ri]
		err := w.Row([]sheets.Cell{
			{Value: p.Tables[row.Table].Sheet, Exact: true},
			{Value: strconv.Itoa(int(row.Num)), Exact: true},
			{Value: row.Key, Exact: true},
			{Value: res.status, Exact: true},
			{Value: string(res.errStep), Exact: true},
			{Value: res.err},
		})
		if err != nil {
			return err
		}
	}
	return nil
}

func writeRows(w sheets.Writer, rows [][]string) error {
	for _, r := range rows {
		cells := make([]sheets.Cell, len(r))
		for i, v := range r {
			cells[i] = sheets.Cell{Value: v, Exact: true}
		}
		if err := w.Row(cells); err != nil {
			return err
		}
	}
	return nil
}

func money(f float64) string { return strconv.FormatFloat(f, 'f', 2, 64) }

func sortedKeys(m map[string]string) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

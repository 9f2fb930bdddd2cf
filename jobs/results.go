package jobs

import (
	"fmt"
	"math"
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
	Stopped     string             // why the run stopped early (Report.Stopped), shown in Summary
}

var eligibilityColumns = []string{colEligible, colCurrentCarrier, colMessage}

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
	agg := newTally()
	cols := resultColumns()
	for ti, t := range p.Tables {
		if o.Eligibility && t.Kind != plan.PortIns {
			continue
		}
		if err := writeTable(p, s, int32(ti), t, rowSteps, agg, w, o, cols[t.Kind]); err != nil {
			return err
		}
	}
	if o.Eligibility {
		return nil
	}
	if err := agg.writeSummary(w, o.Packages, o.Stopped); err != nil {
		return err
	}
	return agg.writeErrors(p, w)
}

// tally accumulates what the Summary and Errors tabs need while the rows
// stream past, so that memory does not grow with the number of rows.
type tally struct {
	status   [plan.NumKinds]map[string]int
	packages map[string]*pkgLine
	ports    map[string]int // port-in rows per port status
	portRows int
	days     []float64 // days from submit to completion, per completed port
	errors   []errorLine
}

type pkgLine struct {
	name  string
	n     int
	price float64
}

type errorLine struct {
	row         plan.RowID
	status, err string
	step        plan.StepKey
}

func newTally() *tally {
	return &tally{packages: map[string]*pkgLine{}, ports: map[string]int{}}
}

func (t *tally) add(p *plan.Plan, ri plan.RowID, res rowResult) {
	k := p.Rows[ri].Kind
	if t.status[k] == nil {
		t.status[k] = map[string]int{}
	}
	t.status[k][res.status]++
	if res.err != "" {
		t.errors = append(t.errors, errorLine{row: ri, status: res.status, err: res.err, step: res.errStep})
	}
	if id := res.ids[colPackageID]; id != "" && res.ids[colSubscriptionID] != "" {
		l := t.packages[id]
		if l == nil {
			price, _ := strconv.ParseFloat(res.ids[colPrice], 64)
			l = &pkgLine{name: res.ids[colPackageName], price: price}
			t.packages[id] = l
		}
		l.n++
	}
	if k != plan.PortIns {
		return
	}
	t.portRows++
	st := res.ids[colPortStatus]
	if st == "" {
		st = "not submitted"
	}
	t.ports[st]++
	from := res.ids[colSubmittedAt]
	if res.ids[noteCompletedSeen] != "" {
		from = res.ids[noteSentAt] // both by this machine's clock
	}
	sub, err1 := time.Parse(time.RFC3339, from)
	done, err2 := parseTime(res.ids[colPortCompletedAt])
	if err1 == nil && err2 == nil && !done.Before(sub) {
		t.days = append(t.days, done.Sub(sub).Hours()/24)
	}
}

// stepsByRow lists the steps of every row.
func stepsByRow(p *plan.Plan) [][]plan.StepID {
	out := make([][]plan.StepID, len(p.Rows))
	for i := range p.Steps {
		ri := p.Steps[i].Row
		out[ri] = append(out[ri], plan.StepID(i))
	}
	return out
}

// statusRank orders row statuses: the worst step decides the row.
var statusRank = map[string]int{"done": 0, "pending": 1, "cancelled": 2, "waiting": 3, "skipped": 4,
	"needs attention": 5, "failed": 6}

func gather(p *plan.Plan, s *checkpoint.Store, ri plan.RowID, steps []plan.StepID, idCols []string) (rowResult, error) {
	res := rowResult{status: "done", ids: map[string]string{}}
	row := &p.Rows[ri]
	for _, col := range idCols {
		if v := ownValue(row, col); v != "" {
			res.ids[col] = v
		}
	}
	if len(steps) == 1 && p.Steps[steps[0]].Action == plan.PortInCancel {
		// A cancel row's order was opened by the row's earlier runs: show
		// what they obtained (the order, its status, a completed port's
		// number and subscription), which the cancel's own outcome follows.
		for _, a := range portRowSteps {
			rec, ok, err := s.Get(checkpoint.Key(plan.MakeKey(row.Kind, row.Key, a)))
			if err != nil {
				return res, err
			}
			if ok {
				mergeInto(res.ids, rec.IDs)
				mergeInto(res.ids, rec.Data)
			}
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
			mergeInto(res.ids, rec.IDs)
			mergeInto(res.ids, rec.Data)
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

func writeTable(p *plan.Plan, s *checkpoint.Store, ti int32, t plan.TableInfo, rowSteps [][]plan.StepID, agg *tally, w sheets.Writer,
	o Results, idCols []string) error {
	out := idCols
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
		res, err := gather(p, s, plan.RowID(ri), rowSteps[ri], idCols)
		if err != nil {
			return err
		}
		agg.add(p, plan.RowID(ri), res)
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
			switch res.ids[colEligible] {
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
			v := res.ids[c]
			cells = append(cells, sheets.Cell{Value: v, Exact: inert(v)})
		}
		updated := ""
		if !res.updatedAt.IsZero() {
			updated = res.updatedAt.UTC().Format(time.RFC3339)
		}
		errText := res.err
		if errText != "" && res.errStep != "" {
			errText = fmt.Sprintf("%s: %s", res.errStep, errText)
		}
		cells = append(cells, sheets.Cell{Value: errText}, sheets.Cell{Value: itoaZero(res.attempts), Exact: true, Num: sheets.Integer},
			sheets.Cell{Value: updated, Exact: true})
		if err := w.Row(cells); err != nil {
			return err
		}
	}
	return nil
}

// inert tells whether v may be written exactly, unprefixed, in CSV: an
// E.164 number, an ICCID or a count (digits, one leading +, one trailing F),
// which no spreadsheet evaluates as anything but a number. Any other value
// that came from the manifest or the API gets the formula guard.
func inert(v string) bool {
	v = strings.TrimPrefix(v, "+")
	v = strings.TrimSuffix(v, "F")
	if v == "" {
		return false
	}
	for i := 0; i < len(v); i++ {
		if v[i] < '0' || v[i] > '9' {
			return false
		}
	}
	return true
}

func itoaZero(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

var summaryStatuses = []string{"done", "failed", "skipped", "waiting", "needs attention", "cancelled", "pending"}

// Summary cells: text, and the figures the tool computed, which a
// spreadsheet can add up.
func txt(v string) sheets.Cell { return sheets.Cell{Value: v, Exact: inert(v)} }
func num(n int) sheets.Cell {
	return sheets.Cell{Value: strconv.Itoa(n), Exact: true, Num: sheets.Integer}
}
func amount(f float64) sheets.Cell {
	return sheets.Cell{Value: strconv.FormatFloat(f, 'f', 2, 64), Exact: true, Num: sheets.Money}
}

func (t *tally) writeSummary(w sheets.Writer, pkgs []telegent.Package, stopped string) error {
	header := append([]string{"Kind"}, summaryStatuses...)
	header = append(header, "total")
	if err := w.Sheet("Summary", header); err != nil {
		return err
	}
	if stopped != "" {
		if err := writeRows(w, [][]sheets.Cell{{txt("The run " + stopped + "; re-run the same command to go on")}, {}}); err != nil {
			return err
		}
	}
	for k := range plan.NumKinds {
		if t.status[k] == nil {
			continue
		}
		row := []sheets.Cell{txt(plan.Kind(k).String())}
		total := 0
		for _, st := range summaryStatuses {
			row = append(row, num(t.status[k][st]))
			total += t.status[k][st]
		}
		if err := writeRows(w, [][]sheets.Cell{append(row, num(total))}); err != nil {
			return err
		}
	}
	if err := t.writeFinance(w, pkgs); err != nil {
		return err
	}
	return t.writeCampaign(w)
}

// writeFinance adds subscriptions per package with price and monthly total.
func (t *tally) writeFinance(w sheets.Writer, pkgs []telegent.Package) error {
	if len(t.packages) == 0 {
		return nil
	}
	for _, pk := range pkgs {
		if l := t.packages[pk.PackageId]; l != nil {
			l.name, l.price = pk.PackageName, pk.Price
		}
	}
	rows := [][]sheets.Cell{{}, {txt("Package"), txt("PackageId"), txt("Subscriptions"), txt("Price"), txt("Monthly total")}}
	var n int
	var total float64
	for _, id := range sortedKeysOf(t.packages) {
		l := t.packages[id]
		sum := cents(float64(l.n) * l.price)
		rows = append(rows, []sheets.Cell{txt(l.name), txt(id), num(l.n), amount(l.price), amount(sum)})
		n += l.n
		total += sum
	}
	rows = append(rows, []sheets.Cell{txt("Total"), {}, num(n), {}, amount(cents(total))})
	return writeRows(w, rows)
}

// cents rounds an amount to the cent, as an invoice shows it.
func cents(f float64) float64 { return math.Round(f*100) / 100 }

// writeCampaign adds the porting block: port-ins per port status and the
// median days from submit to completion.
func (t *tally) writeCampaign(w sheets.Writer) error {
	if t.portRows == 0 {
		return nil
	}
	rows := [][]sheets.Cell{{}, {txt("Port status"), txt("Port-ins")}}
	for _, st := range sortedKeysOf(t.ports) {
		rows = append(rows, []sheets.Cell{txt(st), num(t.ports[st])})
	}
	if len(t.days) > 0 {
		sort.Float64s(t.days)
		med := t.days[len(t.days)/2]
		if len(t.days)%2 == 0 {
			med = (t.days[len(t.days)/2-1] + t.days[len(t.days)/2]) / 2
		}
		rows = append(rows, []sheets.Cell{txt("Median days to complete"),
			{Value: strconv.FormatFloat(med, 'f', 1, 64), Exact: true}})
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

func (t *tally) writeErrors(p *plan.Plan, w sheets.Writer) error {
	if err := w.Sheet("Errors", []string{"Sheet", "Row", "Key", "Status", "Step", "Error"}); err != nil {
		return err
	}
	for _, e := range t.errors {
		row := &p.Rows[e.row]
		err := w.Row([]sheets.Cell{
			{Value: p.Tables[row.Table].Sheet, Exact: true},
			{Value: strconv.Itoa(int(row.Num)), Exact: true},
			{Value: row.Key, Exact: inert(row.Key)},
			{Value: e.status, Exact: true},
			{Value: string(e.step), Exact: true},
			{Value: e.err},
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// writeRows writes rows of the Summary tab, each padded to the tab's
// width so that a CSV summary has rows of one length.
func writeRows(w sheets.Writer, rows [][]sheets.Cell) error {
	for _, r := range rows {
		cells := make([]sheets.Cell, max(len(r), len(summaryStatuses)+2))
		copy(cells, r)
		if err := w.Row(cells); err != nil {
			return err
		}
	}
	return nil
}

func sortedKeys(m map[string]string) []string { return sortedKeysOf(m) }

func sortedKeysOf[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

package jobs

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"time"

	"telegent-bulk/plan"
	"telegent-bulk/sheets"
	"telegent-bulk/telegent"
)

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

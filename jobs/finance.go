package jobs

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"

	"telegent-bulk/checkpoint"
	"telegent-bulk/plan"
	"telegent-bulk/sheets"
	"telegent-bulk/telegent"
)

// The Finance tab: one row per subscription the results show (created by
// a run, or given by a row fed back from a results workbook), with its
// account, subscriber, number, package and price, then the totals per
// package and per account, recurring and one-time charges apart.
//
// A subscription's package, price and charge are what its create recorded;
// for a subscription the checkpoint has no record of, the row's Package
// looked up in the package list. The lines go to a temporary file while
// the tabs stream past, so that memory does not grow with the rows; the
// totals are kept per package and per account.

// priceCurrency is the currency of the package prices: the API's package
// list gives a Price with no currency, and the platform bills in US dollars.
const priceCurrency = "USD"

// chargeUnknown is the charge of a subscription whose package the package
// list did not give (it could not be read).
const chargeUnknown = "unknown"

// financeColumns is the header of the Finance tab's subscription lines.
var financeColumns = []string{"AccountRef", "AccountId", "Subscriber", "PhoneNumber", "SubscriptionId",
	"PackageId", "Package", "Charge", "Price", "Currency"}

// chargeOf returns how package pk is billed.
func chargeOf(pk telegent.Package) string {
	if pk.Monthly {
		return chargeRecurring
	}
	return chargeOneTime
}

// financeLine is one subscription.
type financeLine struct {
	accountRef, accountID, subscriber, number, subscription string
	packageID, packageName, charge                          string
	cents                                                   int64 // -1: no price known
}

// fields returns the line's spooled fields, in rec (which it reuses).
func (l *financeLine) fields(rec []string) []string {
	price := ""
	if l.cents >= 0 {
		price = centsText(l.cents)
	}
	return append(rec[:0], l.accountRef, l.accountID, l.subscriber, l.number, l.subscription, l.packageID,
		l.packageName, l.charge, price)
}

// total adds up subscriptions and their charges, recurring and one-time
// apart.
type total struct {
	label, id         string
	subscriptions     int
	recurring, oneOff int64 // cents
	price             int64 // cents: a package's unit price (-1: not known)
	charge            string
}

func (t *total) add(l *financeLine) {
	t.subscriptions++
	switch {
	case l.cents < 0:
	case l.charge == chargeOneTime:
		t.oneOff += l.cents
	case l.charge == chargeRecurring:
		t.recurring += l.cents
	}
}

// accountKey is an account's totals' key: its AccountRef and AccountId.
type accountKey struct{ ref, id string }

type finance struct {
	p        *plan.Plan
	s        *checkpoint.Store
	pkgs     map[string]telegent.Package // by ID and by lower-case name
	accounts map[plan.RowID]string       // AccountId of account rows, as looked up

	dir    string // where the spool is created
	spool  *os.File
	out    *bufio.Writer
	lines  int
	record []string // the fields of the line being spooled
	buf    []byte   // a line as spooled
	ends   []int    // where its fields end
	fresh  []byte   // the fields of the line that no earlier one gave
	// The account and subscriber of the last line replayed, and the
	// packages' fields.
	last     [3]string
	packages interned
	cells    []sheets.Cell // the cells of the line being replayed

	byPackage map[string]*total
	byAccount map[accountKey]*total
	all       total
}

func newFinance(p *plan.Plan, s *checkpoint.Store, pkgs []telegent.Package, dir string) *finance {
	f := &finance{p: p, s: s, dir: dir, pkgs: map[string]telegent.Package{}, accounts: map[plan.RowID]string{},
		packages:  interned{},
		byPackage: map[string]*total{}, byAccount: map[accountKey]*total{}}
	for _, pk := range pkgs {
		f.pkgs[pk.PackageId] = pk
		f.pkgs[strings.ToLower(pk.PackageName)] = pk
	}
	return f
}

// add takes row ri's subscription, if its results show one.
func (f *finance) add(ri plan.RowID, res *rowResult) error {
	sub := res.id(colSubscriptionID)
	if sub == "" {
		return nil
	}
	row := &f.p.Rows[ri]
	l := financeLine{subscription: sub, subscriber: firstNonEmpty(ownValue(row, "SubscriberEmail"), res.id(colSubscriberID)), cents: -1,
		number: firstNonEmpty(res.id(colPhoneNumber), ownValue(row, "PhoneNumber"))}
	if row.Kind == plan.PortIns {
		l.number = row.Key
	}
	acc, id := f.p.Parent(ri, plan.Accounts)
	if acc >= 0 {
		l.accountRef = f.p.Rows[acc].Key
		if id == "" {
			var err error
			if id, err = f.accountID(acc); err != nil {
				return err
			}
		}
	}
	l.accountID = id
	f.price(&l, row, res)
	if l.charge == "" {
		l.charge = chargeUnknown // counted in neither total
	}
	f.tally(&l)
	return f.write(&l)
}

// price fills in the line's package and price: what the subscription's
// create recorded, else what the package list says of the row's package.
func (f *finance) price(l *financeLine, row *plan.Row, res *rowResult) {
	l.packageID, l.packageName, l.charge = res.id(colPackageID), res.id(colPackageName), res.id(colCharge)
	if v, err := strconv.ParseFloat(res.id(colPrice), 64); err == nil && res.id(colPrice) != "" {
		l.cents = toCents(v)
	}
	ref := firstNonEmpty(l.packageID, ownValue(row, "Package"))
	pk, ok := f.pkgs[ref]
	if !ok {
		pk, ok = f.pkgs[strings.ToLower(ref)]
	}
	if !ok {
		if l.packageID == "" {
			l.packageID = ref
		}
		return
	}
	l.packageID = pk.PackageId
	if l.packageName == "" {
		l.packageName = pk.PackageName
	}
	if l.charge == "" {
		l.charge = chargeOf(pk)
	}
	if l.cents < 0 {
		l.cents = toCents(pk.Price)
	}
}

// accountID returns the AccountId of account row acc: its own, or what
// its create obtained.
func (f *finance) accountID(acc plan.RowID) (string, error) {
	if id, ok := f.accounts[acc]; ok {
		return id, nil
	}
	row := &f.p.Rows[acc]
	id := ownValue(row, colAccountID)
	if id == "" {
		rec, ok, err := f.s.Get(checkpoint.Key(plan.MakeKey(plan.Accounts, row.Key, plan.AccountCreate)))
		if err != nil {
			return "", err
		}
		if ok {
			id = rec.IDs[colAccountID]
		}
	}
	f.accounts[acc] = id
	return id, nil
}

// noteAccount notes the AccountId of account row ri, whose outcome, as
// read from its record, is res: what accountID reads, without reading
// it again for the subscriptions of the account that come after.
func (f *finance) noteAccount(ri plan.RowID, res *rowResult) {
	id := ownValue(&f.p.Rows[ri], colAccountID)
	if id == "" {
		id = strings.Clone(res.id(colAccountID)) // a part of a chunk's text
	}
	f.accounts[ri] = id
}

func (f *finance) tally(l *financeLine) {
	f.all.add(l)
	pk := f.byPackage[l.packageID]
	if pk == nil {
		// Copies: the outcomes' values are parts of a chunk's text.
		pk = &total{label: strings.Clone(l.packageName), id: strings.Clone(l.packageID), price: l.cents,
			charge: strings.Clone(l.charge)}
		f.byPackage[pk.id] = pk
	}
	if pk.price != l.cents {
		pk.price = -1 // not one price: no unit price to show
	}
	pk.add(l)
	key := accountKey{l.accountRef, l.accountID}
	ac := f.byAccount[key]
	if ac == nil {
		ac = &total{label: strings.Clone(l.accountRef), id: strings.Clone(l.accountID)}
		f.byAccount[accountKey{ac.label, ac.id}] = ac
	}
	ac.add(l)
}

// write spools the line to the temporary file: its fields, each after
// its length (a uvarint).
func (f *finance) write(l *financeLine) error {
	if f.spool == nil {
		file, err := os.CreateTemp(f.dir, ".telegent-bulk-finance-*")
		if err != nil {
			return fmt.Errorf("finance: %w", err)
		}
		f.spool, f.out = file, bufio.NewWriterSize(file, 64<<10)
	}
	f.lines++
	f.record = l.fields(f.record)
	f.buf = f.buf[:0]
	for _, v := range f.record {
		f.buf = binary.AppendUvarint(f.buf, uint64(len(v)))
		f.buf = append(f.buf, v...)
	}
	if _, err := f.out.Write(f.buf); err != nil {
		return fmt.Errorf("finance: %w", err)
	}
	return nil
}

// close removes the temporary file.
func (f *finance) close() {
	if f.spool != nil {
		_ = f.spool.Close()
		_ = os.Remove(f.spool.Name())
		f.spool = nil
	}
}

// writeTab writes the Finance tab: the subscription lines, then the totals
// per package and per account, and the grand total.
func (f *finance) writeTab(w sheets.Writer) error {
	defer f.close()
	if err := w.Sheet("Finance", financeColumns); err != nil {
		return err
	}
	if err := f.replay(w); err != nil {
		return err
	}
	if err := f.writeTotals(w, "Package", "PackageId", slices.Collect(maps.Values(f.byPackage)), true); err != nil {
		return err
	}
	return f.writeTotals(w, "AccountRef", "AccountId", slices.Collect(maps.Values(f.byAccount)), false)
}

// replay writes the spooled lines.
func (f *finance) replay(w sheets.Writer) error {
	if f.spool == nil {
		return nil
	}
	if err := f.out.Flush(); err != nil {
		return fmt.Errorf("finance: %w", err)
	}
	if _, err := f.spool.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("finance: %w", err)
	}
	r := bufio.NewReaderSize(f.spool, 64<<10)
	rec := make([]string, len(financeColumns)-1)
	for range f.lines {
		if err := f.readLine(r, rec); err != nil {
			return fmt.Errorf("finance: %w", err)
		}
		cells := grow(f.cells, len(financeColumns)) // rec sets all but Currency
		f.cells = cells
		cells[9] = sheets.Cell{}
		for i, v := range rec {
			cells[i] = sheets.Cell{Value: v, Exact: inert(v) || i == 3}
		}
		if rec[8] != "" {
			cells[8] = sheets.Cell{Value: rec[8], Exact: true, Num: sheets.Money, Unit: priceCurrency}
			cells[9] = txt(priceCurrency)
		}
		if err := w.Row(cells); err != nil {
			return err
		}
	}
	return nil
}

// maxSpooledField is more than any field of a line holds (a cell holds at
// most 32,767 characters).
const maxSpooledField = 1 << 20

// readLine reads the fields of a spooled line into rec. A line's account
// and subscriber are most often the last line's, and its package one of a
// few: those fields take the strings read before; the others are parts of
// one string.
func (f *finance) readLine(r *bufio.Reader, rec []string) error {
	f.buf = f.buf[:0]
	ends := f.ends[:0]
	for range rec {
		n, err := binary.ReadUvarint(r)
		if err != nil {
			return err
		}
		if n > maxSpooledField {
			return fmt.Errorf("a spooled field of %d bytes: the spool is damaged", n)
		}
		start := len(f.buf)
		f.buf = append(f.buf, make([]byte, n)...)
		if _, err := io.ReadFull(r, f.buf[start:]); err != nil {
			return err
		}
		ends = append(ends, len(f.buf))
	}
	f.ends = ends
	fresh, start := f.fresh[:0], 0
	for i, end := range ends {
		v := f.buf[start:end]
		start = end
		switch {
		case i <= 2 && string(v) == f.last[i]:
			rec[i] = f.last[i]
		case i >= 5 && f.packages.of(v) != "":
			rec[i] = f.packages.of(v)
		default:
			rec[i] = ""
			fresh = append(fresh, v...)
		}
	}
	f.fresh = fresh
	line, at := string(fresh), 0
	start = 0
	for i, end := range ends {
		n := end - start
		start = end
		if rec[i] == "" && n > 0 {
			rec[i], at = line[at:at+n], at+n
		}
	}
	copy(f.last[:], rec)
	return nil
}

// writeTotals writes one totals table, its rows sorted by label then ID,
// and for the accounts the grand total.
func (f *finance) writeTotals(w sheets.Writer, label, id string, list []*total, unit bool) error {
	// The empty row has the tab's width, so that a CSV file keeps it.
	head := []sheets.Cell{txt(label), txt(id), txt("Subscriptions"), {}, txt("Recurring"), txt("One-time"), txt("Currency")}
	if unit {
		head[3] = txt("Unit price")
	}
	rows := [][]sheets.Cell{{}, head}
	sort.Slice(list, func(a, b int) bool {
		if list[a].label != list[b].label {
			return list[a].label < list[b].label
		}
		return list[a].id < list[b].id
	})
	for _, t := range list {
		price := sheets.Cell{}
		if unit && t.price >= 0 {
			price = money(t.price)
		}
		rows = append(rows, []sheets.Cell{txt(t.label), txt(t.id), num(t.subscriptions), price,
			money(t.recurring), money(t.oneOff), txt(priceCurrency)})
	}
	if !unit {
		rows = append(rows, []sheets.Cell{txt("Total"), {}, num(f.all.subscriptions), {},
			money(f.all.recurring), money(f.all.oneOff), txt(priceCurrency)})
	}
	for _, r := range rows {
		cells := make([]sheets.Cell, len(financeColumns)) // rows of one length in CSV
		copy(cells, r)
		if err := w.Row(cells); err != nil {
			return err
		}
	}
	return nil
}

// money is an amount in cents as a Money cell in the price currency.
func money(cents int64) sheets.Cell {
	return sheets.Cell{Value: centsText(cents), Exact: true, Num: sheets.Money, Unit: priceCurrency}
}

func toCents(f float64) int64 { return int64(math.Round(f * 100)) }

func centsText(c int64) string {
	sign := ""
	if c < 0 {
		sign, c = "-", -c
	}
	var b [24]byte
	out := append(b[:0], sign...)
	out = strconv.AppendInt(out, c/100, 10)
	out = append(out, '.', byte('0'+c%100/10), byte('0'+c%10))
	return string(out)
}

package jobs_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"telegent-bulk/checkpoint"
	"telegent-bulk/jobs"
	"telegent-bulk/plan"
	"telegent-bulk/telegent"
	"telegent-bulk/telegent/sandbox"
)

// A results workbook fed back as the manifest: its rows carry the IDs
// obtained (and its secrets masked as ***), so nothing is created again,
// with the same checkpoint or a new one; a rejected port-in fixed in the
// results workbook is updated on its order, never submitted again.
func TestResultsFedBack(t *testing.T) {
	t.Parallel()
	const fixed = "+18015559911" // rejected ACCOUNT_NUMBER_MISMATCH until CurrentAccountNumber changes
	e := newEnv(t, sandbox.Options{PortStep: 30 * time.Millisecond})
	c := e.client(0)
	opts := jobs.Options{Wait: 5 * time.Second}
	state := filepath.Join(e.dir, "run.db")
	if _, err := e.run(context.Background(), loadPlan(t, filepath.Join("..", "samples", "migration.xlsx")), state, c, opts); err != nil {
		t.Fatal(err)
	}
	fed := filepath.Join(e.dir, "fed.xlsx")
	copyFile(t, filepath.Join(e.dir, "results.xlsx"), fed)
	created := e.creates()

	// The same checkpoint: every row is known, nothing is sent.
	before := e.requests()
	if _, err := e.run(context.Background(), loadPlan(t, fed), state, c, opts); err != nil {
		t.Fatal(err)
	}
	if got := e.requests() - before; got != 0 {
		t.Errorf("the results fed back with the same checkpoint made %d calls, want 0: %v", got, e.srv.Stats().Requests)
	}

	// The porting team fixes the rejected row in the results workbook.
	setResultCell(t, fed, "PortIns", fixed, "CurrentAccountNumber", "555000999")
	updatesBefore := campCalls(e, "POST", telegent.PathPortInUpdate) // the PortInDates of the first run
	if _, err := e.run(context.Background(), loadPlan(t, fed), state, c, opts); err != nil {
		t.Fatal(err)
	}
	// The fixed port completes and gets its subscription: nothing else.
	created["POST "+telegent.PathSubscriptions]++
	if got, want := e.creates(), created; dump(got) != dump(want) {
		t.Errorf("creates after the fix: %v, want %v (an update, not a submit; the completed port's subscription)", got, want)
	}
	if got := campCalls(e, "POST", telegent.PathPortInUpdate) - updatesBefore; got != 1 {
		t.Errorf("port-in updates for the fix = %d, want 1", got)
	}
	orders := campOrders(e.state())[fixed]
	if len(orders) != 1 || orders[0].OrderStatus != telegent.PortCompleted {
		t.Errorf("%s orders: %v, want one, completed after the update", fixed, campStatuses(orders))
	}

	// A new checkpoint (the old one lost): the rows' IDs still say what
	// exists. No create is sent; of the ports rejected when the workbook
	// was written, the one fixed in the sheet (…9912, its PIN) is updated
	// once with the row's values, and the unchanged ones send nothing:
	// their OrderDigest says what their orders last received.
	const rejected = "+13855559912"
	copyFile(t, filepath.Join(e.dir, "results.xlsx"), fed)
	setResultCell(t, fed, "PortIns", rejected, "CurrentAccountPassword", "2468")
	updates := campCalls(e, "POST", telegent.PathPortInUpdate)
	fresh := filepath.Join(e.dir, "fresh.db")
	if _, err := e.run(context.Background(), loadPlan(t, fed), fresh, c, opts); err != nil {
		t.Fatal(err)
	}
	if got, want := e.creates(), created; dump(got) != dump(want) {
		t.Errorf("creates with a new checkpoint: %v, want still %v", got, want)
	}
	if d := duplicates(e.state()); len(d) > 0 {
		t.Errorf("duplicates: %v", d)
	}
	for number, list := range campOrders(e.state()) {
		if len(list) != 1 {
			t.Errorf("%s: %d port orders, want 1", number, len(list))
		}
	}
	if got := campCalls(e, "POST", telegent.PathPortInUpdate) - updates; got != 1 {
		t.Errorf("updates with a new checkpoint: %d, want 1 (the fixed port only; the unchanged rejected ones send nothing)", got)
	}
	order := campOrders(e.state())[rejected]
	if len(order) != 1 || order[0].OrderStatus != telegent.PortCompleted {
		t.Errorf("%s orders: %v, want one, completed after its update", rejected, campStatuses(order))
	}
	rec := rowStates(t, fresh)[string(plan.MakeKey(plan.PortIns, rejected, plan.PortInSubmit))]
	if rec.State != checkpoint.Done || rec.IDs["OrderId"] != order[0].OrderId {
		t.Errorf("%s submit in the new checkpoint: %s %v, want done with its order", rejected, rec.State, rec.IDs)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// setResultCell sets column col of the row whose first cell is key in
// sheet of the workbook at path.
func setResultCell(t *testing.T, path, sheet, key, col, value string) {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	c := -1
	for i, h := range rows[0] {
		if h == col {
			c = i
		}
	}
	for r, row := range rows {
		if c >= 0 && len(row) > 0 && row[0] == key {
			ref, _ := excelize.CoordinatesToCellName(c+1, r+1)
			if err := f.SetCellStr(sheet, ref, value); err != nil {
				t.Fatal(err)
			}
			if err := f.Save(); err != nil {
				t.Fatal(err)
			}
			return
		}
	}
	t.Fatalf("%s: no row %s with a %s column", sheet, key, col)
}

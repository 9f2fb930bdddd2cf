package sandbox

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"

	bolt "go.etcd.io/bbolt"

	"telegent-bulk/telegent"
)

// scanBy is what table.rowsBy answers, found the slow way: every row read.
func scanBy(t *table[telegent.Number], sub string) []string {
	var phones []string
	for _, n := range t.rows {
		if n.SubscriberId == sub {
			phones = append(phones, n.PhoneNumber)
		}
	}
	return phones
}

func phonesOf(rows []*telegent.Number) []string {
	var phones []string
	for _, n := range rows {
		phones = append(phones, n.PhoneNumber)
	}
	return phones
}

// The inventory's index by subscriber follows every kind of change a
// handler makes (a new number, a replaced record, a field changed in
// place before put, a number unassigned) and survives the data file: a
// subscriber's numbers are always those a scan of every row finds, in
// the table's order.
func TestInventoryIndexBySubscriber(t *testing.T) {
	t.Parallel()
	newNumbers := func() *table[telegent.Number] {
		return newTable("numbers", func(n *telegent.Number) string { return n.PhoneNumber }).
			indexBy(func(n *telegent.Number) string { return n.SubscriberId })
	}
	numbers := newNumbers()
	rng := rand.New(rand.NewPCG(7, 8))
	subs := []string{"", "TSUID-a", "TSUID-b", "TSUID-c", "TSUID-d"}
	check := func(when string, tb *table[telegent.Number]) {
		t.Helper()
		for _, sub := range subs[1:] {
			if got, want := phonesOf(tb.rowsBy(sub)), scanBy(tb, sub); !slices.Equal(got, want) {
				t.Fatalf("%s: numbers of %s %v, a scan finds %v", when, sub, got, want)
			}
		}
		if got := tb.rowsBy(""); len(got) != 0 {
			t.Fatalf("%s: %d unassigned numbers indexed", when, len(got))
		}
	}
	for i := range 2000 {
		phone := fmt.Sprintf("+1801600%04d", rng.IntN(300))
		sub := subs[rng.IntN(len(subs))]
		switch cur, ok := numbers.get(phone); {
		case !ok:
			numbers.put(&telegent.Number{PhoneNumber: phone, SubscriberId: sub})
		case i%2 == 0: // a copy changed and put back, as updateNumber does
			n := *cur
			n.SubscriberId = sub
			numbers.put(&n)
		default: // changed in place, then put
			cur.SubscriberId = sub
			numbers.put(cur)
		}
		if i%97 == 0 {
			check(fmt.Sprintf("change %d", i), numbers)
		}
	}
	check("after the changes", numbers)

	db, err := bolt.Open(filepath.Join(t.TempDir(), "sandbox.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Update(numbers.flush); err != nil {
		t.Fatal(err)
	}
	loaded := newNumbers()
	if err := db.View(loaded.load); err != nil {
		t.Fatal(err)
	}
	check("loaded from the data file", loaded)
}

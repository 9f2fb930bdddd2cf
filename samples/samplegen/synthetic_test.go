package samplegen

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

func TestShapeOf(t *testing.T) {
	tests := []struct {
		n    int
		want Shape
	}{
		{20, Shape{Accounts: 1, Subscribers: 6, MessageRoutes: 3, VoiceRoutes: 2, Numbers: 7, PortIns: 1}},
		{1000, Shape{Accounts: 10, Subscribers: 300, MessageRoutes: 3, VoiceRoutes: 2, Numbers: 625, PortIns: 50, PortOuts: 10}},
		{1_000_000, Shape{Accounts: 10_000, Subscribers: 300_000, MessageRoutes: 3, VoiceRoutes: 2, Numbers: 639_975, PortIns: 50_000, PortOuts: 20}},
	}
	for _, tt := range tests {
		t.Run(strconv.Itoa(tt.n), func(t *testing.T) {
			got, err := ShapeOf(tt.n)
			if err != nil {
				t.Fatalf("ShapeOf(%d): %v", tt.n, err)
			}
			if got != tt.want {
				t.Errorf("ShapeOf(%d) = %+v, want %+v", tt.n, got, tt.want)
			}
			if got.Total() != tt.n {
				t.Errorf("ShapeOf(%d).Total() = %d, want %d", tt.n, got.Total(), tt.n)
			}
		})
	}
	if _, err := ShapeOf(MinSynthetic - 1); err == nil {
		t.Errorf("ShapeOf(%d): got no error, want one", MinSynthetic-1)
	}
}

// column returns the values of col in t.
func column(t *testing.T, tab Table, col string) []string {
	t.Helper()
	i := indexOf(tab.Header, col)
	if i < 0 {
		t.Fatalf("%s: no column %s in %v", tab.Name, col, tab.Header)
	}
	vals := make([]string, len(tab.Rows))
	for r, row := range tab.Rows {
		vals[r] = row[i].(string)
	}
	return vals
}

func byName(t *testing.T, tables []Table, name string) Table {
	t.Helper()
	for _, tab := range tables {
		if strings.EqualFold(tab.Name, name) {
			return tab
		}
	}
	t.Fatalf("no table %s", name)
	return Table{}
}

// TestSyntheticConsistent checks, without the plan package, the properties
// that make a synthetic manifest valid: unique keys and ICCIDs, references
// that resolve, lines in their subscriber's account, no sandbox test numbers.
func TestSyntheticConsistent(t *testing.T) {
	t.Parallel()
	const n = 100_000
	dir := t.TempDir()
	shape, err := WriteSynthetic(dir, n, "csv")
	if err != nil {
		t.Fatalf("WriteSynthetic: %v", err)
	}
	tables, err := ReadCSV(dir)
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{"accounts": shape.Accounts, "subscribers": shape.Subscribers,
		"messageroutes": shape.MessageRoutes, "voiceroutes": shape.VoiceRoutes,
		"numbers": shape.Numbers, "portins": shape.PortIns, "portouts": shape.PortOuts}
	total := 0
	for _, tab := range tables {
		if got, want := len(tab.Rows), counts[tab.Name]; got != want {
			t.Errorf("%s: got %d rows, want %d", tab.Name, got, want)
		}
		total += len(tab.Rows)
	}
	if total != n {
		t.Errorf("got %d rows in all, want %d", total, n)
	}

	unique := func(what string, vals []string) map[string]int {
		t.Helper()
		seen := make(map[string]int, len(vals))
		for i, v := range vals {
			if j, dup := seen[v]; dup && v != "" {
				t.Fatalf("%s %q on rows %d and %d", what, v, j+2, i+2)
			}
			seen[v] = i
		}
		return seen
	}
	accounts := unique("AccountRef", column(t, byName(t, tables, "accounts"), "AccountRef"))
	subs := byName(t, tables, "subscribers")
	emails := unique("Email", column(t, subs, "Email"))
	subAccount := column(t, subs, "AccountRef")
	for i, a := range subAccount {
		if _, ok := accounts[a]; !ok {
			t.Fatalf("subscribers row %d: unknown AccountRef %s", i+2, a)
		}
	}
	msgRoutes := unique("MessageRoute RouteRef", column(t, byName(t, tables, "messageroutes"), "RouteRef"))
	voiceRoutes := unique("VoiceRoute RouteRef", column(t, byName(t, tables, "voiceroutes"), "RouteRef"))

	numbers, ports := byName(t, tables, "numbers"), byName(t, tables, "portins")
	unique("LineRef", append(column(t, numbers, "LineRef"), column(t, ports, "LineRef")...))
	iccids := append(column(t, numbers, "ICCID"), column(t, ports, "ICCID")...)
	unique("ICCID", iccids)
	for _, iccid := range iccids {
		if iccid != "" && (len(iccid) != 19 || !LuhnValid(iccid)) {
			t.Fatalf("ICCID %s: want 19 digits passing Luhn", iccid)
		}
	}
	for _, phone := range column(t, ports, "PortInNumber") {
		if len(phone) != 12 || !strings.HasPrefix(phone, "+1") || phone[8:10] == "99" || phone[5:8] == "555" {
			t.Fatalf("PortInNumber %s: want +1 and ten digits, outside 555 and the 99xx test numbers", phone)
		}
	}
	unique("PortInNumber", column(t, ports, "PortInNumber"))

	for _, tab := range []Table{numbers, ports} {
		email, account := column(t, tab, "SubscriberEmail"), column(t, tab, "AccountRef")
		route, voice := column(t, tab, "MessageRouteRef"), column(t, tab, "VoiceRouteRef")
		voiceOn := column(t, tab, "VoiceEnabled")
		for i := range email {
			s, ok := emails[email[i]]
			if !ok {
				t.Fatalf("%s row %d: unknown SubscriberEmail %s", tab.Name, i+2, email[i])
			}
			if account[i] != subAccount[s] {
				t.Fatalf("%s row %d: AccountRef %s, but the subscriber is in %s", tab.Name, i+2, account[i], subAccount[s])
			}
			if _, ok := msgRoutes[route[i]]; !ok {
				t.Fatalf("%s row %d: unknown MessageRouteRef %q", tab.Name, i+2, route[i])
			}
			if _, ok := voiceRoutes[voice[i]]; (voiceOn[i] == "yes") != ok {
				t.Fatalf("%s row %d: VoiceEnabled %s with VoiceRouteRef %q", tab.Name, i+2, voiceOn[i], voice[i])
			}
		}
	}
}

func TestSyntheticFormatsAgree(t *testing.T) {
	t.Parallel()
	const n = 300
	dir := t.TempDir()
	if _, err := WriteSynthetic(filepath.Join(dir, "csv"), n, "csv"); err != nil {
		t.Fatalf("WriteSynthetic csv: %v", err)
	}
	fromCSV, err := ReadCSV(filepath.Join(dir, "csv"))
	if err != nil {
		t.Fatal(err)
	}
	for _, format := range []string{"xlsx", "xlsx-shared"} {
		if _, err := WriteSynthetic(filepath.Join(dir, format), n, format); err != nil {
			t.Fatalf("WriteSynthetic %s: %v", format, err)
		}
		fromXLSX, err := ReadXLSX(filepath.Join(dir, format, SyntheticXLSX))
		if err != nil {
			t.Fatal(err)
		}
		if got, want := len(fromXLSX), len(fromCSV); got != want {
			t.Fatalf("%s: got %d tabs, want %d (one per CSV file)", format, got, want)
		}
		for _, x := range fromXLSX {
			c := byName(t, fromCSV, x.Name)
			c.Name = x.Name
			if !reflect.DeepEqual(x, c) {
				t.Errorf("%s: tab %s differs from %s", format, x.Name, CSVName(x.Name))
			}
		}
	}
}

func TestSyntheticDeterministic(t *testing.T) {
	t.Parallel()
	for _, format := range []string{"csv", "xlsx", "xlsx-shared"} {
		t.Run(format, func(t *testing.T) {
			a, b := t.TempDir(), t.TempDir()
			for _, dir := range []string{a, b} {
				if _, err := WriteSynthetic(dir, 500, format); err != nil {
					t.Fatalf("WriteSynthetic: %v", err)
				}
			}
			sameFiles(t, a, b)
		})
	}
}

// sameFiles fails unless folders got and want hold the same files with the
// same bytes.
func sameFiles(t *testing.T, got, want string) {
	t.Helper()
	names := func(dir string) []string {
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range entries {
			out = append(out, e.Name())
		}
		return out
	}
	if g, w := names(got), names(want); !reflect.DeepEqual(g, w) {
		t.Fatalf("files: got %v, want %v", g, w)
	}
	for _, name := range names(want) {
		g, err := os.ReadFile(filepath.Join(got, name))
		if err != nil {
			t.Fatal(err)
		}
		w, err := os.ReadFile(filepath.Join(want, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(g, w) {
			t.Errorf("%s: the two runs wrote different bytes (%d and %d bytes)", name, len(g), len(w))
		}
	}
}

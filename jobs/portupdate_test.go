package jobs_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"telegent-bulk/checkpoint"
	"telegent-bulk/jobs"
	"telegent-bulk/plan"
	"telegent-bulk/telegent"
	"telegent-bulk/telegent/sandbox"
)

// updateSpy records the port-in updates that pass it on the way to the
// sandbox: which fields each carried (the PIN only as given or not).
type updateSpy struct {
	mu   sync.Mutex
	sent []map[string]bool
	acct []string
}

func (s *updateSpy) front(w http.ResponseWriter, r *http.Request) bool {
	if r.URL.Path != telegent.PathPortInUpdate {
		return false
	}
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	var up map[string]any
	_ = json.Unmarshal(body, &up)
	fields := map[string]bool{}
	for k := range up {
		fields[k] = true
	}
	s.mu.Lock()
	s.sent = append(s.sent, fields)
	acct, _ := up["CurrentAccountNumber"].(string)
	s.acct = append(s.acct, acct)
	s.mu.Unlock()
	return false
}

func (s *updateSpy) take() ([]map[string]bool, []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sent, acct := s.sent, s.acct
	s.sent, s.acct = nil, nil
	return sent, acct
}

// An open port order is updated once per change of its row, whatever its
// status short of final (Submitted, or one no document names), and never
// twice for the same change: the PIN's change is noticed through its MAC.
func TestOpenOrderUpdatedOncePerChange(t *testing.T) {
	// PINs of eight digits: four could turn up by chance in an order's
	// UUID or a time's fraction of a second, and the test would see a
	// leak where there is none.
	const pin1, pin2 = "43218765", "98761234"
	for _, tc := range []struct {
		name, number string
		advance      time.Duration // virtual time before the second run: 9921 goes On Hold
		status       string
	}{
		{"submitted", "+18015550291", 0, telegent.PortSubmitted},
		{"unknown status", "+18015559921", time.Hour, "On Hold"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, sandbox.Options{PortStep: time.Hour})
			spy := &updateSpy{}
			c := e.clientThrough(spy.front)
			dir := filepath.Join(e.dir, "manifest")
			state := filepath.Join(e.dir, "run.db")
			runs := []struct {
				account, pin, date string
				want               int  // updates sent
				full               bool // carrying the account details (else the date alone)
			}{
				{"555000111", pin1, "2026-06-03", 1, false}, // the first poll gives the date
				{"555000111", pin1, "2026-06-03", 0, false},
				{"555000222", pin1, "2026-06-03", 1, true}, // account number fixed while open
				{"555000222", pin1, "2026-06-03", 0, false},
				{"555000222", pin2, "2026-06-03", 1, true}, // a new PIN
				{"555000222", pin2, "2026-06-03", 0, false},
				{"555000222", pin2, "2026-06-10", 1, false}, // the date pushed out
				{"555000222", pin2, "2026-06-10", 0, false},
			}
			updates := 0
			for n, run := range runs {
				writeCSVTables(t, dir, map[string][][]string{"portins.csv": {
					{"PortInNumber", "SubscriberId", "AccountId", "MessageRouteId", "CurrentCarrierName", "CurrentAccountNumber",
						"CurrentAccountPassword", "SubscriberName", "BillingStreet1", "BillingCity", "BillingState", "BillingZip", "PortInDate"},
					{tc.number, docLegacySubscriberID, docLegacyAccountID, "MRID-5a1e0000-0000-4000-8000-0000000000ff", "Verizon Wireless",
						run.account, run.pin, "Legacy Subscriber", "1 Main St", "Provo", "UT", "84601", run.date},
				}})
				if _, err := e.run(context.Background(), loadPlan(t, dir), state, c, jobs.Options{Poll: time.Hour}); err != nil {
					t.Fatalf("run %d: %v", n+1, err)
				}
				// Accepted updates, by the sandbox's count (a token that
				// expired with the virtual clock makes the client try twice).
				accepted := e.srv.Stats().Requests["POST "+telegent.PathPortInUpdate]["200"]
				sent, accts := spy.take()
				if accepted-updates != run.want {
					t.Fatalf("run %d sent %d updates, want %d", n+1, accepted-updates, run.want)
				}
				updates = accepted
				if last := len(sent) - 1; run.want == 1 && sent[last]["CurrentAccountNumber"] != run.full {
					t.Errorf("run %d: update carries the account details: %v, want %v", n+1, sent[last]["CurrentAccountNumber"], run.full)
				} else if run.full && accts[last] != run.account {
					t.Errorf("run %d: update gives account %q, want %q", n+1, accts[last], run.account)
				}
				if n == 0 && tc.advance > 0 {
					e.srv.Advance(tc.advance)
				}
			}
			mon := rowStates(t, state)[string(plan.MakeKey(plan.PortIns, tc.number, plan.PortInMonitor))]
			if mon.State != checkpoint.Waiting || mon.Data["PortStatus"] != tc.status {
				t.Errorf("monitor %s, status %q; want waiting, %q", mon.State, mon.Data["PortStatus"], tc.status)
			}
			for _, rec := range rowStates(t, state) {
				if b, _ := json.Marshal(rec); bytes.Contains(b, []byte(pin1)) || bytes.Contains(b, []byte(pin2)) {
					t.Errorf("record %s holds a PIN", rec.Key)
				}
			}
		})
	}
}

// An update refused as if the order had moved on (a completed order takes
// none), when the order then cannot be read again, fails nothing: whether
// the row or the order's progress was refused is not known, so the order
// stays waiting and the next run sends the same changes again.
func TestUpdateRefusedOrderUnread(t *testing.T) {
	t.Parallel()
	const number = "+18015550293"
	e := newEnv(t, sandbox.Options{PortStep: time.Hour})
	var mu sync.Mutex
	refuse, refused := false, false
	c := e.clientThrough(func(w http.ResponseWriter, r *http.Request) bool {
		mu.Lock()
		defer mu.Unlock()
		switch {
		case refuse && !refused && r.URL.Path == telegent.PathPortInUpdate:
			refused = true
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"message":"the order is Completed and can no longer be updated"}`)
			return true
		case refused && r.URL.Path == telegent.PathNumbersOrder:
			w.WriteHeader(http.StatusServiceUnavailable) // no reading the order again
			return true
		}
		return false
	})
	dir := filepath.Join(e.dir, "manifest")
	state := filepath.Join(e.dir, "run.db")
	monitor := string(plan.MakeKey(plan.PortIns, number, plan.PortInMonitor))
	for n, account := range []string{"555000111", "555000222", "555000222"} {
		writeCSVTables(t, dir, map[string][][]string{"portins.csv": {
			{"PortInNumber", "SubscriberId", "AccountId", "MessageRouteId", "CurrentCarrierName", "CurrentAccountNumber",
				"CurrentAccountPassword", "SubscriberName", "BillingStreet1", "BillingCity", "BillingState", "BillingZip", "PortInDate"},
			{number, docLegacySubscriberID, docLegacyAccountID, "MRID-5a1e0000-0000-4000-8000-0000000000ff", "Verizon Wireless",
				account, "4321", "Legacy Subscriber", "1 Main St", "Provo", "UT", "84601", "2026-06-03"},
		}})
		mu.Lock()
		refuse, refused = n == 1, false // the second run's update is refused
		mu.Unlock()
		before := e.srv.Stats().Requests["POST "+telegent.PathPortInUpdate]["200"]
		if _, err := e.run(context.Background(), loadPlan(t, dir), state, c, jobs.Options{Poll: time.Hour}); err != nil {
			t.Fatalf("run %d: %v", n+1, err)
		}
		accepted := e.srv.Stats().Requests["POST "+telegent.PathPortInUpdate]["200"] - before
		mon := rowStates(t, state)[monitor]
		if mon.State != checkpoint.Waiting || mon.ErrMessage != "" {
			t.Fatalf("run %d: monitor %s %q, want waiting on the open order", n+1, mon.State, mon.ErrMessage)
		}
		// The first run gives the date, the second's change is refused,
		// the third sends it again.
		if want := []int{1, 0, 1}[n]; accepted != want {
			t.Errorf("run %d: %d updates accepted, want %d", n+1, accepted, want)
		}
	}
}

package jobs_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"sync"
	"testing"
	"time"

	"telegent-bulk/jobs"
	"telegent-bulk/telegent"
	"telegent-bulk/telegent/sandbox"
)

// bodies records the JSON body of every POST the runner sends, by path.
type bodies struct {
	mu     sync.Mutex
	byPath map[string][]map[string]any
}

func (b *bodies) front(w http.ResponseWriter, r *http.Request) bool {
	if r.Method != http.MethodPost || r.URL.Path == telegent.PathToken {
		return false
	}
	raw, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(raw))
	var m map[string]any
	if json.Unmarshal(raw, &m) == nil {
		b.mu.Lock()
		b.byPath[r.URL.Path] = append(b.byPath[r.URL.Path], m)
		b.mu.Unlock()
	}
	return false
}

// The sample migration sends the wire values seed 002 shows: AccountId on
// routes and provisions (the distributor has several accounts), mvno as the
// eligibility classification, no PortInDate on a submit but MM/DD/YYYY on
// the update that dates the order, and a voice route's failover fields from
// the manifest's columns.
func TestWireValuesAsSeed002(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Options{PortStep: time.Hour})
	rec := &bodies{byPath: map[string][]map[string]any{}}
	c := e.clientThrough(rec.front)
	p := loadPlan(t, filepath.Join("..", "samples", "migration.xlsx"))
	if _, err := e.run(context.Background(), p, filepath.Join(e.dir, "run.db"), c, jobs.Options{}); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{telegent.PathMessageRoutes, telegent.PathVoiceRoutes, telegent.PathNumbersProvision} {
		if len(rec.byPath[path]) == 0 {
			t.Errorf("no %s sent", path)
		}
		for _, b := range rec.byPath[path] {
			if id, _ := b["AccountId"].(string); id == "" {
				t.Errorf("%s sent without AccountId: %v", path, b["RouteName"])
			}
		}
	}
	for _, b := range rec.byPath[telegent.PathPortInEligibility] {
		if b["TargetClassification"] != "mvno" {
			t.Errorf("eligibility TargetClassification = %v, want mvno (seed 002)", b["TargetClassification"])
		}
	}
	for _, b := range rec.byPath[telegent.PathPortIn] {
		if _, ok := b["PortInDate"]; ok {
			t.Errorf("a port-in submit carries PortInDate (not in seed 001's schema): %v", b["PortInNumber"])
		}
		if b["TargetPortinClassification"] != "mvno" {
			t.Errorf("submit TargetPortinClassification = %v, want mvno", b["TargetPortinClassification"])
		}
	}
	dates := map[string]bool{}
	for _, b := range rec.byPath[telegent.PathPortInUpdate] {
		if d, ok := b["PortInDate"].(string); ok {
			if !regexp.MustCompile(`^\d\d/\d\d/\d{4}$`).MatchString(d) {
				t.Errorf("update PortInDate = %q, want MM/DD/YYYY (seed 002)", d)
			}
			dates[d] = true
		}
	}
	if !dates["06/01/2026"] || !dates["06/03/2026"] {
		t.Errorf("PortInDates sent by update: %v, want the sample's 06/01/2026 and 06/03/2026", dates)
	}
	vr := rec.byPath[telegent.PathVoiceRoutes]
	if len(vr) != 1 {
		t.Fatalf("%d voice routes sent, want 1", len(vr))
	}
	for field, want := range map[string]any{"TrunkEnabled1": true, "TrunkEnabled2": true, "Trunk1Priortiy": 10.0,
		"Trunk1Weight": 10.0, "Trunk2Priortiy": 20.0, "Trunk2Weight": 10.0, "TrunkIp2": "203.0.113.11"} {
		if vr[0][field] != want {
			t.Errorf("voice route %s = %v, want %v", field, vr[0][field], want)
		}
	}
	ips, _ := json.Marshal(vr[0]["IpWhitelist"])
	if string(ips) != `[{"IpAddress":"203.0.113.10"},{"IpAddress":"203.0.113.11"}]` {
		t.Errorf("voice route IpWhitelist = %s", ips)
	}
}

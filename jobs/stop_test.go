package jobs_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"telegent-bulk/checkpoint"
	"telegent-bulk/jobs"
	"telegent-bulk/plan"
	"telegent-bulk/telegent"
	"telegent-bulk/telegent/sandbox"
)

// A run whose context is cancelled with a cause that wraps ErrStopped
// stops as on an interrupt (the calls in flight are drained and recorded,
// nothing new starts) and returns that cause; any other cancellation, a
// signal's included, is an interrupt that returns no error.
func TestStopCause(t *testing.T) {
	stopped := fmt.Errorf("the API stopped answering: %w", jobs.ErrStopped)
	cases := []struct {
		name    string
		cause   error // nil: a plain cancel
		wantErr error
	}{
		{name: "stopped", cause: stopped, wantErr: stopped},
		{name: "plain cancel"},
		{name: "signal", cause: errors.New("interrupt signal received")},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, sandbox.Options{PortStep: time.Hour, Latency: 5 * time.Millisecond})
			p := loadPlan(t, filepath.Join("..", "samples", "migration.xlsx"))
			state := filepath.Join(e.dir, "run.db")
			ctx, cancel := context.WithCancelCause(context.Background())
			defer cancel(nil)
			events := 0
			o := jobs.Options{Wait: time.Minute, OnEvent: func(ev jobs.Event) {
				if events++; events == 3 {
					cancel(tc.cause)
				}
			}}
			rep, err := e.run(ctx, p, state, e.client(0), o)
			if tc.wantErr == nil && err != nil {
				t.Fatalf("Run = %v, want no error", err)
			}
			if tc.wantErr != nil && (err != tc.wantErr || !errors.Is(err, jobs.ErrStopped)) {
				t.Fatalf("Run = %v, want the cause %v", err, tc.wantErr)
			}
			if !rep.Interrupted {
				t.Errorf("Report.Interrupted = false, want true")
			}
			if rep.Totals.Done >= rep.Totals.Steps {
				t.Fatalf("the run finished (%+v) before it was stopped: nothing was tested", rep.Totals)
			}
			for k, r := range rowStates(t, state) {
				if r.State == checkpoint.InFlight {
					t.Errorf("%s left in flight although the run drained its calls", k)
				}
			}
		})
	}
}

// Rejected credentials abort the run, and the error says both: it wraps
// ErrAborted and telegent.ErrCredentials, whichever call met them first
// (the package list, a step's call, or the lookup of a step left in
// flight).
func TestCredentialsRejectedAbort(t *testing.T) {
	const number = "+18015550171"
	cases := []struct {
		name     string
		manifest func(t *testing.T, dir string) string
		inFlight bool // the submit was left in flight: the lookup comes first
	}{
		{name: "package list", manifest: func(*testing.T, string) string { return filepath.Join("..", "samples", "migration.xlsx") }},
		{name: "step call", manifest: portIns(number)},
		{name: "lookup", manifest: portIns(number), inFlight: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, sandbox.Options{})
			p := loadPlan(t, tc.manifest(t, filepath.Join(e.dir, "manifest")))
			state := filepath.Join(e.dir, "run.db")
			if tc.inFlight {
				s, err := checkpoint.Open(state, checkpoint.Options{})
				if err != nil {
					t.Fatal(err)
				}
				key := checkpoint.Key(plan.MakeKey(plan.PortIns, number, plan.PortInSubmit))
				err = s.PutSync(checkpoint.Record{Key: key, State: checkpoint.InFlight, StartedAt: time.Now().UTC()})
				if cerr := s.Close(); err == nil {
					err = cerr
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			c, err := telegent.New(telegent.Config{BaseURL: e.http.URL, AccountKey: sandbox.AccountKey,
				AccountSecret: "not-the-secret", MaxAttempts: 2, BaseBackoff: time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			_, err = e.run(context.Background(), p, state, c, jobs.Options{})
			if !errors.Is(err, jobs.ErrAborted) || !errors.Is(err, telegent.ErrCredentials) {
				t.Fatalf("Run = %v, want an error wrapping ErrAborted and telegent.ErrCredentials", err)
			}
		})
	}
}

// portIns returns a manifest function writing port-ins of numbers.
func portIns(numbers ...string) func(t *testing.T, dir string) string {
	return func(t *testing.T, dir string) string {
		portInManifest(t, dir, numbers...)
		return dir
	}
}

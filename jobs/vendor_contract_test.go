package jobs_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"telegent-bulk/jobs"
	"telegent-bulk/telegent"
	"telegent-bulk/telegent/sandbox"
	"telegent-bulk/telegent/vendorspec"
)

// The sample migration, then the porting team's fixes to it, run against
// the sandbox, and every request the runner sends is checked against the
// vendor's documents (testdata/vendor), not against what the sandbox
// accepts. Each distinct departure is reported once, with how many
// requests showed it; bodies are never printed (they hold passwords and
// PINs).
func TestSampleMigrationMatchesVendorDocs(t *testing.T) {
	t.Parallel()
	spec, err := vendorspec.Load(filepath.Join("..", "testdata", "vendor"))
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, sandbox.Options{PortStep: 30 * time.Millisecond})
	var rec requestRecorder
	c := e.clientThrough(rec.record)
	state := filepath.Join(e.dir, "run.db")
	for _, manifest := range []string{"migration.xlsx", "migration-fixed.xlsx"} {
		p := loadPlan(t, filepath.Join("..", "samples", manifest))
		if _, err := e.run(context.Background(), p, state, c, jobs.Options{Wait: 5 * time.Second}); err != nil {
			t.Fatalf("%s: %v", manifest, err)
		}
	}

	// The one endpoint the runner sends a body to that no vendor document
	// shows (see telegent's package doc).
	undocumented := []string{"POST " + telegent.PathNumbersUpdate}
	problems := map[string]int{} // "endpoint: field: reason" → requests
	checked := map[string]int{}  // endpoint → requests
	for _, r := range rec.all() {
		ep := r.method + " " + strings.SplitN(r.uri, "?", 2)[0]
		checked[ep]++
		err := spec.CheckRequest(r.method, r.uri, r.body)
		var ve *vendorspec.Error
		switch {
		case err == nil:
		case errors.Is(err, vendorspec.ErrUndocumented) && slices.Contains(undocumented, ep):
		case errors.As(err, &ve):
			for _, p := range ve.Problems {
				problems[fmt.Sprintf("%s: %s: %s", ep, p.Field, p.Reason)]++
			}
		default:
			problems[err.Error()]++
		}
	}
	for _, ep := range spec.Endpoints() {
		t.Logf("%-45s %4d requests", ep, checked[ep])
	}
	for _, ep := range []string{"POST " + telegent.PathPortIn, "POST " + telegent.PathPortInUpdate,
		"POST " + telegent.PathPortInCancel, "POST " + telegent.PathNumbersProvision, "POST " + telegent.PathVoiceRoutes} {
		if checked[ep] == 0 {
			t.Errorf("the runs sent no %s: the check covers less than it should", ep)
		}
	}
	keys := make([]string, 0, len(problems))
	for k := range problems {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		t.Errorf("%s (%d requests)", k, problems[k])
	}
}

// requestRecorder keeps every request that passes through it, body
// included, and lets it go on to the sandbox.
type requestRecorder struct {
	mu       sync.Mutex
	requests []recordedRequest
}

type recordedRequest struct {
	method, uri string
	body        []byte
}

func (rr *requestRecorder) record(w http.ResponseWriter, r *http.Request) bool {
	b, err := io.ReadAll(r.Body)
	_ = r.Body.Close()
	if err != nil {
		http.Error(w, "reading the body: "+err.Error(), http.StatusBadRequest)
		return true
	}
	r.Body = io.NopCloser(bytes.NewReader(b))
	rr.mu.Lock()
	rr.requests = append(rr.requests, recordedRequest{r.Method, r.URL.RequestURI(), b})
	rr.mu.Unlock()
	return false
}

func (rr *requestRecorder) all() []recordedRequest {
	rr.mu.Lock()
	defer rr.mu.Unlock()
	return slices.Clone(rr.requests)
}

package checkpoint

import "time"

// Run describes a run that starts on the file, for BeginRun. The caller
// computes ManifestHash: the checkpoint does not read manifests.
type Run struct {
	ToolVersion  string
	Manifest     []string // manifest paths as given
	ManifestHash string   // fingerprint of the manifest content
	API          string   // API base URL
}

// Begin records in m that r starts at now: CreatedAt is set by the first
// run, StartedAt and r's details replace the last run's, Runs counts it
// and Starts keeps its start (the last MaxStarts of them).
func (m *Meta) Begin(r Run, now time.Time) {
	if m.CreatedAt.IsZero() {
		m.CreatedAt = now
	}
	m.StartedAt, m.ToolVersion, m.Manifest, m.API = now, r.ToolVersion, r.Manifest, r.API
	m.ManifestHash = r.ManifestHash
	m.Runs++
	m.Starts = append(m.Starts, now)
	if n := len(m.Starts); n > MaxStarts {
		m.Starts = m.Starts[n-MaxStarts:]
	}
}

// BeginRun records durably in the file's Meta that r starts now (UTC), as
// Meta.Begin does.
func (s *Store) BeginRun(r Run) error {
	m, err := s.Meta()
	if err != nil {
		return err
	}
	m.Begin(r, time.Now().UTC())
	return s.SetMeta(m)
}

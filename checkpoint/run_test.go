package checkpoint

import (
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// Every run that begins on a file is counted and dated in its Meta, and the
// details of the last one replace those of the run before; they survive
// reopening the file.
func TestBeginRun(t *testing.T) {
	path := filepath.Join(t.TempDir(), "run.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	first := Run{ToolVersion: "0.1.0", Manifest: []string{"week1.xlsx"}, ManifestHash: "aa", API: ""}
	second := Run{ToolVersion: "0.2.0", Manifest: []string{"week2.xlsx", "ports"}, ManifestHash: "bb",
		API: "https://api.example.test"}
	for _, r := range []Run{first, second} {
		if err := s.BeginRun(r); err != nil {
			t.Fatalf("BeginRun: %v", err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	m, err := s.Meta()
	if err != nil {
		t.Fatal(err)
	}
	if m.Runs != 2 || len(m.Starts) != 2 {
		t.Fatalf("got %d runs and %d starts, want 2 and 2", m.Runs, len(m.Starts))
	}
	if !m.CreatedAt.Equal(m.Starts[0]) || !m.StartedAt.Equal(m.Starts[1]) || m.Starts[1].Before(m.Starts[0]) {
		t.Errorf("created %v, started %v, starts %v: want created at the first start, started at the last",
			m.CreatedAt, m.StartedAt, m.Starts)
	}
	got := Run{ToolVersion: m.ToolVersion, Manifest: m.Manifest, ManifestHash: m.ManifestHash, API: m.API}
	if got.ToolVersion != second.ToolVersion || !slices.Equal(got.Manifest, second.Manifest) ||
		got.ManifestHash != second.ManifestHash || got.API != second.API {
		t.Errorf("the run in Meta is %+v, want the last one, %+v", got, second)
	}
}

// Starts keeps the last MaxStarts runs' starts, oldest first, while Runs
// and CreatedAt go on counting from the first.
func TestMetaBeginKeepsLastStarts(t *testing.T) {
	var m Meta
	const runs = MaxStarts + 5
	for i := range runs {
		m.Begin(Run{ToolVersion: "dev"}, t0.Add(time.Duration(i)*time.Minute))
	}
	if m.Runs != runs {
		t.Errorf("Runs = %d, want %d", m.Runs, runs)
	}
	if len(m.Starts) != MaxStarts {
		t.Fatalf("%d starts kept, want %d", len(m.Starts), MaxStarts)
	}
	if want := t0.Add(5 * time.Minute); !m.Starts[0].Equal(want) {
		t.Errorf("oldest start kept %v, want %v", m.Starts[0], want)
	}
	if last := t0.Add((runs - 1) * time.Minute); !m.Starts[MaxStarts-1].Equal(last) || !m.StartedAt.Equal(last) {
		t.Errorf("last start %v, StartedAt %v, want %v", m.Starts[MaxStarts-1], m.StartedAt, last)
	}
	if !m.CreatedAt.Equal(t0) {
		t.Errorf("CreatedAt = %v, want the first start %v", m.CreatedAt, t0)
	}
}

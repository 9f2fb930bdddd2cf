package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSandboxProfileFlags: a profile other than documented or extended is a
// usage error (exit 2), before anything is opened or served.
func TestSandboxProfileFlags(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	state := filepath.Join(dir, "run.db")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"sandbox", []string{"sandbox", "--addr", "127.0.0.1:0", "--profile", "strict"}, "--profile: profile must be documented or extended"},
		{"run", []string{"run", sampleMigration, "--sandbox", "--state", state, "--sandbox-profile", "kind"}, "--sandbox-profile: profile must be documented or extended"},
		{"plan", []string{"plan", sampleMigration, "--check-eligibility", "--sandbox", "--out", filepath.Join(dir, "elig.xlsx"), "--sandbox-profile", ""}, "--sandbox-profile"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := runCLI(t, tt.args...)
			if res.code != exitUsage || !strings.Contains(res.stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want %d naming %q", res.code, res.stderr, exitUsage, tt.want)
			}
		})
	}
	for _, f := range []string{state, sandboxFileOf(state), filepath.Join(dir, "elig.xlsx")} {
		if _, err := os.Stat(f); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s exists after a usage error (%v)", f, err)
		}
	}
}

package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The API and credential checks are the same whether a command checks
// before opening anything or connects: the same usage error, and connect
// starts nothing when they fail.
func TestAPIOptionsCheck(t *testing.T) {
	cases := []struct {
		name    string
		opts    apiOptions
		env     map[string]string
		wantErr string // "" when the options are complete
	}{
		{"sandbox with a bad profile", apiOptions{sandbox: true, sandboxProfile: "kind"}, nil, "--sandbox-profile: "},
		{"nothing", apiOptions{sandboxProfile: "documented"}, nil, "no API to run against"},
		{"--api without credentials", apiOptions{api: "http://127.0.0.1:9", sandboxProfile: "documented"}, nil,
			"credentials missing"},
		{"API from the environment, key only", apiOptions{sandboxProfile: "documented"},
			map[string]string{"TELEGENT_API_URL": "http://127.0.0.1:9", "TELEGENT_ACCOUNT_KEY": "k"}, "credentials missing"},
		{"API and credentials from the environment", apiOptions{sandboxProfile: "documented"},
			map[string]string{"TELEGENT_API_URL": "http://127.0.0.1:9", "TELEGENT_ACCOUNT_KEY": "k", "TELEGENT_ACCOUNT_SECRET": "s"}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.opts.env = cliEnv(c.env)
			state := filepath.Join(t.TempDir(), "run.db")
			checkErr := c.opts.check()
			client, _, stop, connErr := c.opts.connect(state, nil)
			defer stop()
			for what, err := range map[string]error{"check": checkErr, "connect": connErr} {
				var ue *usageError
				switch {
				case c.wantErr == "" && err != nil:
					t.Errorf("%s: %v, want no error", what, err)
				case c.wantErr == "":
				case err == nil || !strings.Contains(err.Error(), c.wantErr):
					t.Errorf("%s: error %v, want one saying %q", what, err, c.wantErr)
				case !errors.As(err, &ue):
					t.Errorf("%s: %v is not a usage error (exit 2)", what, err)
				}
			}
			if c.wantErr != "" {
				if client != nil {
					t.Errorf("connect returned a client despite %v", connErr)
				}
				if _, err := os.Stat(filepath.Join(filepath.Dir(state), "run.sandbox.db")); err == nil {
					t.Errorf("connect started a sandbox despite %v", connErr)
				}
			}
		})
	}
}

// With --sandbox, connect starts the embedded sandbox beside the state
// file and the client it returns is answered by it until stop.
func TestAPIOptionsConnectSandbox(t *testing.T) {
	t.Parallel() // --sandbox reads no environment
	state := filepath.Join(t.TempDir(), "run.db")
	o := apiOptions{sandbox: true, sandboxProfile: "documented", rps: 100, burst: 1}
	if err := o.check(); err != nil {
		t.Fatalf("check: %v", err)
	}
	client, secret, stop, err := o.connect(state, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	if secret == "" {
		t.Errorf("connect returned no secret for the fingerprint key")
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(state), "run.sandbox.db")); err != nil {
		t.Errorf("no sandbox data file beside the state file: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if _, err := client.Packages(ctx); err != nil {
		t.Errorf("the embedded sandbox does not answer: %v", err)
	}
}

package main

// Tests of validate's report of many problems and of validate --problems.

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"telegent-bulk/jobs"
)

// badSubscribers writes a Subscribers CSV file of n rows whose only cell,
// Email, is not an e-mail address: 4 problems a row (Email, and the empty
// Name, AccountRef and Password).
func badSubscribers(t *testing.T, n int) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("Email,Name,AccountRef,Password\n")
	for i := range n {
		b.WriteString("bad" + strconv.Itoa(i) + "\n")
	}
	path := filepath.Join(t.TempDir(), "subscribers.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// validate lists the first few problems of each kind and counts the rest.
func TestValidateCountsRepeatedProblems(t *testing.T) {
	t.Parallel()
	const n = 5000
	res := runCLI(t, "validate", badSubscribers(t, n))
	if res.code != exitRowsFailed {
		t.Fatalf("exit %d, want %d; stderr:\n%s", res.code, exitRowsFailed, res.stderr)
	}
	lines := strings.Split(strings.TrimSuffix(res.stdout, "\n"), "\n")
	if len(lines) > 40 {
		t.Errorf("validate printed %d lines, want the first few of each kind:\n%s", len(lines), res.stdout)
	}
	for _, want := range []string{
		"subscribers.csv: 20,000 problems",
		`  subscribers.csv:6:Email: "bad4" is not an e-mail address (want name@example.com)`,
		"  … and 4,995 more like this in subscribers.csv column Email, up to row 5001",
		"  … and 4,995 more like this in subscribers.csv column Password, up to row 5001",
		"20,000 problems in 1 sheet",
		"telegent-bulk validate --problems FILE lists every problem in a CSV file",
	} {
		if !strings.Contains(res.stdout, want+"\n") {
			t.Errorf("stdout lacks %q:\n%s", want, res.stdout)
		}
	}
}

// validate --problems writes every problem to a CSV file only its owner
// can read, whole or not at all.
func TestValidateProblemsFile(t *testing.T) {
	t.Parallel()
	const n = 3000
	manifest := badSubscribers(t, n)
	dir := t.TempDir()
	out := filepath.Join(dir, "problems.csv")
	res := runCLI(t, "validate", manifest, "--problems", out)
	if res.code != exitRowsFailed {
		t.Fatalf("exit %d, want %d; stderr:\n%s", res.code, exitRowsFailed, res.stderr)
	}
	if !strings.HasSuffix(res.stdout, out+" lists every problem\n") {
		t.Errorf("stdout does not end by naming %s:\n%s", out, res.stdout)
	}
	fi, err := os.Stat(out)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o600 {
		t.Errorf("%s has mode %o, want 600", out, perm)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	records, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(records) != 1+4*n {
		t.Fatalf("%d records, want a header and %d problems", len(records), 4*n)
	}
	if h := strings.Join(records[0], ","); h != "sheet,row,column,message" {
		t.Errorf("header %q", h)
	}
	// Rows in order, each row's four problems together.
	for i, r := range records[1:] {
		if row := strconv.Itoa(2 + i/4); r[0] != "subscribers.csv" || r[1] != row {
			t.Fatalf("record %d: %q, want one of row %s", i+1, r, row)
		}
	}
	if got := strings.Join(records[4*(n-1)+1], "|"); got != `subscribers.csv|`+strconv.Itoa(n+1)+`|Email|"bad`+strconv.Itoa(n-1)+`" is not an e-mail address (want name@example.com)` {
		t.Errorf("record of the last row's Email: %q", got)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("%s holds %d files, want only problems.csv", dir, len(entries))
	}

	t.Run("a manifest that cannot be read leaves no file", func(t *testing.T) {
		dir := t.TempDir()
		out := filepath.Join(dir, "problems.csv")
		bad := filepath.Join(dir, "subscribers.csv")
		if err := os.WriteFile(bad, []byte("Email\n\"a\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		res := runCLI(t, "validate", bad, "--problems", out)
		if res.code != exitUsage {
			t.Errorf("exit %d, want %d", res.code, exitUsage)
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 1 {
			t.Errorf("%s holds %d files, want the manifest only", dir, len(entries))
		}
	})
}

func TestDefuse(t *testing.T) {
	for in, want := range map[string]string{"=cmd": "'=cmd", "+1": "'+1", "-x": "'-x", "@a": "'@a", "ok": "ok", "": ""} {
		if got := jobs.Defuse(in); got != want {
			t.Errorf("Defuse(%q) = %q, want %q", in, got, want)
		}
	}
}

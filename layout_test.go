package main

import (
	"bufio"
	"errors"
	"fmt"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// layoutArrows are the import arrows of DESIGN.md §Layout, between the
// project's packages named by their folder ("." is main): a package may
// import what its arrows lead to, and what those lead to in turn, for the
// layout is a layering (main wires every package; jobs writes its results
// through sheets, which plan leads to). A package that is not a key here,
// and not under samples/, fails the check until it is given its place.
//
// telegent/vendorspec (test support) and samples/... (example generators
// and test support) are led to by no arrow: only test files, which the
// check leaves alone, may import them. Nothing leads to main either.
var layoutArrows = map[string][]string{
	".":                   {"jobs", "sheets", "telegent/sandbox"},
	"jobs":                {"plan", "telegent", "checkpoint", "jobs/walk", "jobs/cli"},
	"jobs/walk":           nil,        // a generic walker
	"jobs/cli":            nil,        // what the command line shows: help, completion, the progress line
	"plan":                {"sheets"}, // for the table type
	"telegent/sandbox":    {"telegent"},
	"sheets":              nil,
	"checkpoint":          nil,
	"telegent":            nil,
	"telegent/vendorspec": nil,
}

// layoutFree is the folder whose packages may import any of the project's
// packages but main (example generators and test support).
const layoutFree = "samples"

// TestImportDirections checks the imports of every non-test Go file of
// the repository against layoutArrows.
func TestImportDirections(t *testing.T) {
	t.Parallel()
	module, err := modulePath("go.mod")
	if err != nil {
		t.Fatal(err)
	}
	bad, indirect, err := layoutViolations(".", module)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range bad {
		t.Error(b)
	}
	// Imports that only the layering allows, for the record: the arrows
	// name them not.
	for _, in := range indirect {
		t.Log("through the layering:", in)
	}
}

// The check itself, on a made-up tree: every kind of wrong import is
// reported with its file, and the right ones are not.
func TestImportDirectionsReportsEachViolation(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	files := map[string]string{
		"main.go":                    `package main; import ("example/jobs"; "example/plan"; _ "fmt")`,
		"jobs/run.go":                `package jobs; import ("example/plan"; "example/sheets"; "example/telegent/sandbox")`,
		"jobs/run_test.go":           `package jobs; import "example/telegent/sandbox"`,
		"jobs/walk/walk.go":          `package walk; import "example/jobs"`,
		"plan/plan.go":               `package plan; import ("example/sheets"; "example/samples/samplegen")`,
		"sheets/sheets.go":           `package sheets; import "example/telegent"`,
		"telegent/client.go":         `package telegent`,
		"telegent/sandbox/server.go": `package sandbox; import "example/telegent"`,
		"checkpoint/store.go":        `package checkpoint; import "example/telegent/vendorspec"`,
		"samples/samplegen/gen.go":   `package samplegen; import ("example/jobs"; "example/telegent/sandbox")`,
		"samples/gen/main.go":        `package main; import "example/samples/samplegen"`,
		"samples/odd/odd.go":         `package odd; import "example"`,
		"extra/extra.go":             `package extra`,
		"testdata/x/x.go":            `package x; import "example/jobs"`,
		"nested/go.mod":              "module other\n",
		"nested/n.go":                `package n; import "example/jobs"`,
	}
	for name, body := range files {
		path := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(body+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	bad, indirect, err := layoutViolations(root, "example")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"checkpoint/store.go imports example/telegent/vendorspec: checkpoint may import none of the project's packages (DESIGN.md §Layout)",
		"extra/extra.go: package extra has no place in the layout: give it one in layoutArrows",
		"jobs/run.go imports example/telegent/sandbox: jobs may import checkpoint, jobs/cli, jobs/walk, plan, sheets, telegent (DESIGN.md §Layout)",
		"jobs/walk/walk.go imports example/jobs: jobs/walk may import none of the project's packages (DESIGN.md §Layout)",
		"plan/plan.go imports example/samples/samplegen: plan may import sheets (DESIGN.md §Layout)",
		"samples/odd/odd.go imports example: nothing imports main (DESIGN.md §Layout)",
		"sheets/sheets.go imports example/telegent: sheets may import none of the project's packages (DESIGN.md §Layout)",
	}
	if !slices.Equal(bad, want) {
		t.Errorf("violations:\n%s\nwant:\n%s", strings.Join(bad, "\n"), strings.Join(want, "\n"))
	}
	wantIndirect := []string{"jobs/run.go imports example/sheets", "main.go imports example/plan"}
	if !slices.Equal(indirect, wantIndirect) {
		t.Errorf("imports through the layering: %q, want %q", indirect, wantIndirect)
	}
}

// layoutViolations reads the imports of the non-test Go files under root,
// a module's folder, and returns one message per import layoutArrows does
// not allow, naming the file, and the allowed imports that no arrow names
// directly; both sorted.
func layoutViolations(root, module string) (bad, indirect []string, err error) {
	reach := layoutReach()
	fset := token.NewFileSet()
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			return skipDir(path, rel, d.Name())
		}
		if !strings.HasSuffix(rel, ".go") || strings.HasSuffix(rel, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		pkg := filepath.ToSlash(filepath.Dir(rel))
		allowed, known := reach[pkg]
		free := pkg == layoutFree || strings.HasPrefix(pkg, layoutFree+"/")
		if !known && !free {
			bad = append(bad, fmt.Sprintf("%s: package %s has no place in the layout: give it one in layoutArrows", rel, pkg))
			return nil
		}
		for _, spec := range f.Imports {
			imp, err := strconv.Unquote(spec.Path.Value)
			if err != nil {
				return fmt.Errorf("%s: %w", rel, err)
			}
			target, ours := projectPackage(imp, module)
			switch {
			case !ours:
			case target == ".":
				bad = append(bad, fmt.Sprintf("%s imports %s: nothing imports main (DESIGN.md §Layout)", rel, imp))
			case free:
			case !allowed[target]:
				bad = append(bad, fmt.Sprintf("%s imports %s: %s may import %s (DESIGN.md §Layout)", rel, imp, pkg, mayImport(allowed)))
			case !slices.Contains(layoutArrows[pkg], target):
				indirect = append(indirect, fmt.Sprintf("%s imports %s", rel, imp))
			}
		}
		return nil
	})
	slices.Sort(bad)
	slices.Sort(indirect)
	return bad, indirect, err
}

// skipDir tells WalkDir to leave out what holds no package of the tool:
// hidden folders, testdata, and other modules.
func skipDir(path, rel, name string) error {
	if rel == "." {
		return nil
	}
	if strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || name == "testdata" {
		return filepath.SkipDir
	}
	if _, err := os.Stat(filepath.Join(path, "go.mod")); err == nil {
		return filepath.SkipDir
	}
	return nil
}

// layoutReach returns, for each package of layoutArrows, the set of
// packages it may import: those its arrows lead to, directly or not.
func layoutReach() map[string]map[string]bool {
	reach := map[string]map[string]bool{}
	for pkg := range layoutArrows {
		seen := map[string]bool{}
		next := slices.Clone(layoutArrows[pkg])
		for len(next) > 0 {
			p := next[len(next)-1]
			next = next[:len(next)-1]
			if !seen[p] {
				seen[p] = true
				next = append(next, layoutArrows[p]...)
			}
		}
		reach[pkg] = seen
	}
	return reach
}

// projectPackage returns the folder of import path imp ("." for the
// module's root) and whether imp is one of the module's packages.
func projectPackage(imp, module string) (string, bool) {
	if imp == module {
		return ".", true
	}
	rest, ok := strings.CutPrefix(imp, module+"/")
	return rest, ok
}

func mayImport(allowed map[string]bool) string {
	if len(allowed) == 0 {
		return "none of the project's packages"
	}
	var names []string
	for p := range allowed {
		names = append(names, p)
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}

// modulePath reads the module path from a go.mod file.
func modulePath(gomod string) (string, error) {
	f, err := os.Open(gomod)
	if err != nil {
		return "", err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "module "); ok {
			return strings.Trim(strings.TrimSpace(rest), `"`), nil
		}
	}
	if err := sc.Err(); err != nil {
		return "", err
	}
	return "", errors.New(gomod + ": no module line")
}

package cli

import (
	"bytes"
	"flag"
	"strings"
	"testing"
)

// Every command has what its help shows: arguments (but those without),
// a summary, a paragraph and two or three examples of itself.
func TestCommandsDescribed(t *testing.T) {
	for _, c := range Commands {
		if c.Summary == "" || c.Text == "" || len(c.Examples) == 0 || len(c.Examples) > 3 {
			t.Errorf("%s: summary %q, %d examples", c.Name, c.Summary, len(c.Examples))
		}
		for _, e := range c.Examples {
			if !strings.Contains(e, "telegent-bulk "+c.Name) {
				t.Errorf("%s: example %q is not of it", c.Name, e)
			}
		}
	}
}

// Flags show as --name VALUE with their default, wrapped under it.
func TestWriteHelpFlags(t *testing.T) {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.String("state", "", "checkpoint `FILE` (required)")
	fs.Int("burst", 1, "requests allowed at once above the rate")
	fs.Bool("quiet", false, "no progress bar")
	var b bytes.Buffer
	c, _ := Find("run")
	WriteHelp(&b, c, fs)
	for _, want := range []string{"\n  --state FILE\n      checkpoint FILE (required)\n", "\n  --burst INT\n      requests allowed at once above the rate (default 1)\n",
		"\n  --quiet\n      no progress bar\n"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("help does not show %q:\n%s", want, b.String())
		}
	}
	for _, l := range strings.Split(b.String(), "\n") {
		if len(l) > 80 && !strings.HasPrefix(l, "usage:") && !strings.HasPrefix(l, "  telegent-bulk") {
			t.Errorf("line of %d columns: %q", len(l), l)
		}
	}
}

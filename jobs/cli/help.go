// Package cli holds what telegent-bulk's command line shows a person
// besides the results: each command's help (usage line, what it does,
// examples), the shell completion scripts, the one-line progress display
// and the colours of step states. It knows the commands by name and their
// flags through the flag.FlagSet the command defines; it imports none of
// the project's packages, so that main stays wiring.
package cli

import (
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
)

// Command is what the help says about one command.
type Command struct {
	Name     string
	Args     string   // the usage line after the name: MANIFEST... --state FILE [flags]
	Summary  string   // a few words, for the list of commands
	Text     string   // one paragraph on what it does
	Examples []string // two or three command lines
}

// Commands are telegent-bulk's commands, in the order the help lists them.
var Commands = []Command{
	{
		Name:    "validate",
		Args:    "MANIFEST... [--problems FILE] [--format text|json]",
		Summary: "check every cell; exit 0 valid, 1 problems",
		Text: "Reads the manifests (an .xlsx workbook, .csv files, or a folder of them) and checks every " +
			"cell, every reference across sheets and every key, without sending anything. Each problem " +
			"points at its sheet, row and column and says what a valid value looks like. Exit 0 when the " +
			"manifest is valid, 1 when it has problems.",
		Examples: []string{
			"telegent-bulk validate migration.xlsx",
			"telegent-bulk validate migration/ --problems problems.csv",
			"telegent-bulk validate migration.xlsx --format json",
		},
	},
	{
		Name:    "check",
		Args:    "MANIFEST... (--sandbox | --api URL [--allow-http]) [--format text|json]",
		Summary: "check the API, credentials, tokens and packages before a run",
		Text: "Checks what a run needs before it starts: that the API answers, that the credentials " +
			"(TELEGENT_ACCOUNT_KEY, TELEGENT_ACCOUNT_SECRET) are accepted, that a token can be had for " +
			"every endpoint the plan will call, that every Package the manifest names exists, and that " +
			"this machine's clock agrees with the tokens' expiry. It prints one line per check, with what " +
			"to do when one fails, and sends nothing that changes anything. Exit 0 when every check " +
			"passes, 1 when one fails.",
		Examples: []string{
			"telegent-bulk check migration.xlsx --sandbox",
			"TELEGENT_API_URL=https://api.telegent.com telegent-bulk check migration.xlsx",
		},
	},
	{
		Name:    "plan",
		Args:    "MANIFEST... [--state FILE] [--all] [--format text|json]",
		Summary: "what a run would do, step by step",
		Text: "Shows what a run would do now, per kind and action: the steps it would send (RUN), those " +
			"already done (DONE), those whose outcome is looked up first (CHECK), those kept failed until " +
			"their row changes (KEPT) and those blocked by them (BLOCKED). With --state it decides every " +
			"step as a run with that checkpoint would. With --check-eligibility it only checks the " +
			"port-ins' eligibility and writes a sheet (--out), against --sandbox or --api.",
		Examples: []string{
			"telegent-bulk plan migration.xlsx --state run.db",
			"telegent-bulk plan migration.xlsx --state run.db --all --format json",
			"telegent-bulk plan portins.csv --check-eligibility --sandbox --out eligibility.xlsx",
		},
	},
	{
		Name:    "run",
		Args:    "MANIFEST... --state FILE [--out FILE] (--sandbox | --api URL) [flags]",
		Summary: "send the plan; resumable, rate-limited",
		Text: "Sends every step of the plan to the API, a few at a time and within the rate limit, and " +
			"records each in the checkpoint (--state), so that the same command run again resumes " +
			"without creating anything twice. It checks the API and the credentials first. At the end it " +
			"writes the results workbook (--out) and, beside it, a failures workbook holding only the rows " +
			"that failed, were skipped or need attention: fix them there and give that file to the next " +
			"run with the same --state. Exit 0 when every row is done or waiting, 1 when some are not.",
		Examples: []string{
			"telegent-bulk run migration.xlsx --sandbox --state run.db",
			"telegent-bulk run migration.xlsx --api https://api.telegent.com --state run.db --out results.xlsx",
			"telegent-bulk run results-failures.xlsx --api https://api.telegent.com --state run.db",
		},
	},
	{
		Name:    "status",
		Args:    "--state FILE [--format text|json]",
		Summary: "steps per kind and state in a checkpoint",
		Text: "Reads a checkpoint alone, without the manifest, and shows its runs, its steps per kind and " +
			"state, and the port orders still open. While a run holds the checkpoint, it shows the " +
			"progress that run writes beside it.",
		Examples: []string{
			"telegent-bulk status --state run.db",
			"telegent-bulk status --state run.db --format json",
		},
	},
	{
		Name:    "sandbox",
		Args:    "[--addr HOST:PORT] [flags]",
		Summary: "a local simulator of the Telegent API",
		Text: "Serves a stateful simulator of the Telegent API on this machine, with the documented " +
			"endpoints, a package catalog and port orders that move on by themselves; faults (errors, " +
			"lost answers, throttling) can be injected. Its account key and secret are printed when it " +
			"starts. Ctrl-C stops it.",
		Examples: []string{
			"telegent-bulk sandbox --addr 127.0.0.1:8765",
			"telegent-bulk sandbox --fail-rate 0.05 --lose-rate 0.01 --data sandbox.db",
		},
	},
	{
		Name:    "completion",
		Args:    "bash|zsh|fish",
		Summary: "print a shell completion script",
		Text: "Prints a script that completes telegent-bulk's commands and flags in the shell named, " +
			"and manifest files where a manifest goes. Load it from the shell's start-up file.",
		Examples: []string{
			"source <(telegent-bulk completion bash)",
			"telegent-bulk completion zsh > \"${fpath[1]}/_telegent-bulk\"",
			"telegent-bulk completion fish > ~/.config/fish/completions/telegent-bulk.fish",
		},
	},
	{
		Name:     "version",
		Args:     "",
		Summary:  "print the version",
		Text:     "Prints telegent-bulk's version.",
		Examples: []string{"telegent-bulk version"},
	},
	{
		Name:    "help",
		Args:    "[COMMAND]",
		Summary: "this help, or a command's",
		Text:    "Lists the commands, or with a command's name shows its help, as COMMAND --help does.",
		Examples: []string{
			"telegent-bulk help",
			"telegent-bulk help run",
		},
	},
}

// Find returns the command named name.
func Find(name string) (Command, bool) {
	for _, c := range Commands {
		if c.Name == name {
			return c, true
		}
	}
	return Command{}, false
}

// UsageLine returns the usage line of the command named name (for a name
// that is no command, the top-level one).
func UsageLine(name string) string {
	c, ok := Find(name)
	if !ok {
		return "usage: telegent-bulk COMMAND [ARGUMENTS] [FLAGS] (telegent-bulk help lists the commands)"
	}
	return strings.TrimSpace("usage: telegent-bulk " + c.Name + " " + c.Args)
}

// WriteOverview writes the top-level help: every command with its
// arguments and summary, where credentials come from, and how to get a
// command's help.
func WriteOverview(w io.Writer) {
	fmt.Fprintf(w, "telegent-bulk moves an MVNO's subscriber base onto the Telegent mPaaS API from spreadsheets.\n\n")
	fmt.Fprintf(w, "usage: telegent-bulk COMMAND [ARGUMENTS] [FLAGS]\n\ncommands:\n")
	for _, c := range Commands {
		fmt.Fprintf(w, "  %-11s %s\n", c.Name, c.Summary)
		if c.Args != "" {
			fmt.Fprintf(w, "  %-11s   telegent-bulk %s %s\n", "", c.Name, c.Args)
		}
	}
	fmt.Fprintf(w, "\nThe API: --api URL or TELEGENT_API_URL, or --sandbox for the embedded simulator (run, check,\n"+
		"plan --sandbox). Credentials: TELEGENT_ACCOUNT_KEY and TELEGENT_ACCOUNT_SECRET, never a flag.\n"+
		"Exit codes: 0 done, 1 some rows failed or problems found, 2 usage error, 3 fatal, 130 interrupted.\n\n"+
		"telegent-bulk help COMMAND (or COMMAND --help) shows a command's flags and examples.\n")
}

// WriteHelp writes the help of command c: its usage line, what it does,
// its flags as --flag with their default, and examples. fs holds the
// command's flags (nil: none).
func WriteHelp(w io.Writer, c Command, fs *flag.FlagSet) {
	fmt.Fprintf(w, "%s\n\n%s\n", UsageLine(c.Name), wrap(c.Text, 78, ""))
	if fs != nil {
		var flags []*flag.Flag
		fs.VisitAll(func(f *flag.Flag) { flags = append(flags, f) })
		if len(flags) > 0 {
			fmt.Fprintf(w, "\nflags:\n")
			sort.Slice(flags, func(i, j int) bool { return flags[i].Name < flags[j].Name })
			for _, f := range flags {
				writeFlag(w, f)
			}
		}
	}
	fmt.Fprintf(w, "\nexamples:\n")
	for _, e := range c.Examples {
		fmt.Fprintf(w, "  %s\n", e)
	}
}

// writeFlag writes one flag: --name VALUE, then its usage, wrapped and
// indented, and its default when it has one worth showing.
func writeFlag(w io.Writer, f *flag.Flag) {
	value, usage := flag.UnquoteUsage(f)
	head := "  --" + f.Name
	if value != "" {
		head += " " + strings.ToUpper(value)
	}
	if def := f.DefValue; def != "" && def != "0" && def != "false" && def != "0s" && def != "[]" {
		usage += " (default " + def + ")"
	}
	fmt.Fprintf(w, "%s\n%s\n", head, wrap(usage, 78, "      "))
}

// wrap breaks text into lines of at most width columns (a longer word
// stays whole), each starting with indent.
func wrap(text string, width int, indent string) string {
	var b strings.Builder
	line := indent
	for _, word := range strings.Fields(text) {
		if line != indent && len(line)+1+len(word) > width {
			b.WriteString(line + "\n")
			line = indent
		}
		if line != indent {
			line += " "
		}
		line += word
	}
	b.WriteString(line)
	return b.String()
}

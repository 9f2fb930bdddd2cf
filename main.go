// Command telegent-bulk moves an MVNO partner's subscriber base onto the
// Telegent mPaaS platform from spreadsheets: validate, check, plan, run
// (resumable, rate-limited), status, and a local sandbox of the API.
//
// main parses flags into one options struct per command, refuses the
// command lines that contradict themselves before anything is opened,
// wires the packages, and maps errors to exit codes; it also keeps the
// sandbox's local fingerprint key. What a person reads is drawn elsewhere:
// the help, the progress line and a run's summary by jobs/cli, the status
// and plan tables, the problems file and the JSON documents by jobs. It
// holds no migration logic. The top-level layout is fixed, so the command
// is this one file.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/term"

	"telegent-bulk/checkpoint"
	"telegent-bulk/jobs"
	"telegent-bulk/jobs/cli"
	"telegent-bulk/plan"
	"telegent-bulk/sheets"
	"telegent-bulk/telegent"
	"telegent-bulk/telegent/sandbox"
)

const version = "0.1.0"

// Exit codes (DESIGN §Command line).
const (
	exitOK          = 0
	exitRowsFailed  = 1
	exitUsage       = 2
	exitFatal       = 3
	exitInterrupted = 130
)

// usageError is a mistake on the command line or in the manifest (exit 2).
// cmd names the command whose usage line follows the message: set for a
// mistake in the command line itself (an unknown flag, a missing
// argument, flags that contradict each other), not for one in a manifest.
type usageError struct{ msg, cmd string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{msg: fmt.Sprintf(format, args...)} }

// badArgs is a mistake in the command line of cmd: its message is
// followed by the command's usage line.
func badArgs(cmd, format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...), cmd: cmd}
}

// helpRequest is returned by parseInterspersed for --help (or -h): the
// command's help is shown, with exit 0.
type helpRequest struct{ fs *flag.FlagSet }

func (h *helpRequest) Error() string { return "help requested" }

// errRowsFailed: the command finished but some rows did not (exit 1).
var errRowsFailed = errors.New("some rows failed or were skipped")

// errInterrupted: Ctrl-C; results were written (exit 130).
var errInterrupted = errors.New("interrupted")

func main() {
	cli.BoundHeap(cli.HeapHeadroom) // a big migration's plan stays live for the whole run
	os.Exit(realMain(os.Args[1:], environ{}, os.Stdout, os.Stderr))
}

func realMain(args []string, env environ, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// After the first signal the default handling comes back: a second
	// Ctrl-C ends the process at once (what was in flight stays in-flight in
	// the checkpoint, and the next run looks it up).
	context.AfterFunc(ctx, stop)
	err := dispatch(ctx, args, env, stdout, stderr)
	var ue *usageError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, errRowsFailed):
		return exitRowsFailed
	case errors.Is(err, errInterrupted):
		fmt.Fprintln(stderr, "telegent-bulk: interrupted; re-run the same command to resume")
		return exitInterrupted
	case errors.Is(err, jobs.ErrOutage):
		fmt.Fprintln(stderr, "telegent-bulk:", err) // says since when, and that a re-run resumes
		return exitFatal
	case errors.As(err, &ue):
		fmt.Fprintln(stderr, "telegent-bulk:", err)
		if ue.cmd != "" {
			fmt.Fprintln(stderr, cli.UsageLine(ue.cmd))
		}
		return exitUsage
	default:
		fmt.Fprintln(stderr, "telegent-bulk:", err)
		return exitFatal
	}
}

// cmdFunc runs a command with its arguments.
type cmdFunc func(ctx context.Context, args []string, env environ, stdout, stderr io.Writer) error

// command returns the function of the command named name (every command
// but help).
func command(name string) (cmdFunc, bool) {
	switch name {
	case "validate":
		return cmdValidate, true
	case "check":
		return cmdCheck, true
	case "plan":
		return cmdPlan, true
	case "run":
		return cmdRun, true
	case "status":
		return cmdStatus, true
	case "sandbox":
		return cmdSandbox, true
	case "completion":
		return cmdCompletion, true
	case "version":
		return cmdVersion, true
	}
	return nil, false
}

func dispatch(ctx context.Context, args []string, env environ, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		cli.WriteOverview(stderr)
		return usagef("no command given")
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "help", "-h", "--help", "-help":
		return cmdHelp(ctx, rest, env, stdout)
	case "--version":
		cmd = "version"
	}
	run, ok := command(cmd)
	if !ok {
		names := make([]string, 0, len(cli.Commands)+1)
		for _, c := range cli.Commands {
			names = append(names, c.Name)
		}
		return badArgs(cmd, "unknown command %q: want one of %s", cmd, strings.Join(names, ", "))
	}
	err := run(ctx, rest, env, stdout, stderr)
	var help *helpRequest
	if errors.As(err, &help) {
		c, _ := cli.Find(cmd)
		cli.WriteHelp(stdout, c, help.fs)
		return nil
	}
	return err
}

// cmdHelp shows the overview, or with a command's name that command's
// help (as COMMAND --help does).
func cmdHelp(ctx context.Context, args []string, env environ, stdout io.Writer) error {
	switch {
	case len(args) == 0:
		cli.WriteOverview(stdout)
		return nil
	case len(args) > 1:
		return badArgs("help", "help takes one command's name, not %d words", len(args))
	case args[0] == "help" || args[0] == "--help" || args[0] == "-h" || args[0] == "-help":
		c, _ := cli.Find("help")
		cli.WriteHelp(stdout, c, nil)
		return nil
	}
	if _, ok := command(args[0]); !ok {
		return badArgs("help", "no command %q (telegent-bulk help lists them)", args[0])
	}
	return dispatch(ctx, []string{args[0], "--help"}, env, stdout, io.Discard)
}

func cmdVersion(_ context.Context, args []string, _ environ, stdout, _ io.Writer) error {
	if _, err := parseInterspersed(newFlagSet("version"), args, 0); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "telegent-bulk", version)
	return nil
}

// flagsOf returns the names of the flags of every command, for completion.
func flagsOf(env environ) map[string][]string {
	out := map[string][]string{"help": nil}
	for _, c := range cli.Commands {
		run, ok := command(c.Name)
		if !ok {
			continue
		}
		err := run(context.Background(), []string{"--help"}, env, io.Discard, io.Discard)
		var help *helpRequest
		if !errors.As(err, &help) {
			continue
		}
		var names []string
		help.fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
		out[c.Name] = names
	}
	return out
}

func cmdCompletion(_ context.Context, args []string, env environ, stdout, _ io.Writer) error {
	pos, err := parseInterspersed(newFlagSet("completion"), args, 1)
	if err != nil {
		return err
	}
	script, err := cli.Completion(pos[0], flagsOf(env))
	if err != nil {
		return badArgs("completion", "%v", err)
	}
	_, err = io.WriteString(stdout, script)
	return err
}

// parseInterspersed parses flags that may come before, between or after
// the positional arguments (telegent-bulk run manifest.xlsx --state x.db).
// want is the number of positional arguments the command takes: -1 for
// one or more, n for exactly n.
func parseInterspersed(fs *flag.FlagSet, args []string, want int) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, &helpRequest{fs: fs}
			}
			return nil, badArgs(fs.Name(), "%s", flagError(err))
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
	switch {
	case want < 0 && len(pos) == 0:
		return nil, badArgs(fs.Name(), "no manifest given")
	case want >= 0 && len(pos) > want && want == 0:
		return nil, badArgs(fs.Name(), "%s takes no arguments, but was given %q", fs.Name(), strings.Join(pos, " "))
	case want >= 0 && len(pos) != want:
		return nil, badArgs(fs.Name(), "%s takes %d argument(s), but was given %d", fs.Name(), want, len(pos))
	}
	return pos, nil
}

// flagError rewords the flag package's errors, which spell flags with
// one dash: "flag provided but not defined: -x" becomes "unknown flag --x".
func flagError(err error) string {
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "flag provided but not defined: "); ok {
		return "unknown flag -" + name
	}
	if name, ok := strings.CutPrefix(msg, "flag needs an argument: "); ok {
		return "flag -" + name + " needs a value"
	}
	return strings.Replace(msg, "for flag -", "for flag --", 1)
}

// newFlagSet returns the flag set of a command: it prints nothing itself
// (parseInterspersed and dispatch say what is wrong, or show the help).
func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// checkPlan reads every manifest and validates it: the plan (nil when there
// are problems), the problems and the warnings.
func checkPlan(paths []string) (*plan.Plan, plan.Problems, plan.Problems, error) {
	return readPlan(paths, plan.Check)
}

// readPlan opens every manifest (a file given twice is a usage error) and
// builds a plan from them with build: plan.Check, or plan.CheckEligibility.
func readPlan(paths []string, build func([]sheets.Reader) (*plan.Plan, plan.Problems, plan.Problems, error)) (*plan.Plan, plan.Problems, plan.Problems, error) {
	if len(paths) == 0 {
		return nil, nil, nil, usagef("no manifest given")
	}
	readers, err := sheets.OpenAll(paths...)
	if err != nil {
		return nil, nil, nil, usagef("%v", err)
	}
	defer func() {
		for _, r := range readers {
			r.Close()
		}
	}()
	p, problems, warnings, err := build(readers)
	if err != nil {
		return nil, nil, nil, usagef("%v", err)
	}
	return p, problems, warnings, nil
}

func cmdValidate(_ context.Context, args []string, _ environ, stdout, _ io.Writer) error {
	fs := newFlagSet("validate")
	problemsPath := fs.String("problems", "", "write every problem to this CSV `FILE` (sheet,row,column,message); "+
		"the report lists the first few of each kind")
	format := formatFlag(fs)
	paths, err := parseInterspersed(fs, args, -1)
	if err != nil {
		return err
	}
	if err := checkFormat("validate", *format); err != nil {
		return err
	}
	var sinks []func(plan.Problem) error
	var pf *jobs.ProblemsFile
	if *problemsPath != "" {
		if pf, err = jobs.CreateProblemsFile(*problemsPath); err != nil {
			return err
		}
		defer pf.Abort()
		sinks = append(sinks, pf.Add)
	}
	var all []plan.Problem // every problem, for JSON
	if *format == "json" {
		sinks = append(sinks, func(p plan.Problem) error { all = append(all, p); return nil })
	}
	build := plan.Check
	if len(sinks) > 0 {
		build = func(rs []sheets.Reader) (*plan.Plan, plan.Problems, plan.Problems, error) {
			return plan.CheckWith(rs, plan.Options{Problems: func(p plan.Problem) error {
				for _, sink := range sinks {
					if err := sink(p); err != nil {
						return err
					}
				}
				return nil
			}})
		}
	}
	p, problems, warnings, err := readPlan(paths, build)
	if err != nil {
		return err
	}
	if pf != nil {
		if err := pf.Commit(); err != nil {
			return err
		}
	}
	if *format == "json" {
		if err := writeJSON(stdout, jobs.NewValidateDoc(p, all, problems, warnings)); err != nil {
			return err
		}
		if len(problems) > 0 {
			return errRowsFailed
		}
		return nil
	}
	if len(warnings) > 0 {
		if err := warnings.WriteWarnings(stdout); err != nil {
			return err
		}
	}
	if len(problems) > 0 {
		if err := problems.WriteReport(stdout); err != nil {
			return err
		}
		switch {
		case pf != nil:
			fmt.Fprintf(stdout, "%s lists every problem\n", *problemsPath)
		case problems.Unlisted() > 0:
			fmt.Fprintf(stdout, "telegent-bulk validate --problems FILE lists every problem in a CSV file\n")
		}
		return errRowsFailed // exit 1: problems found
	}
	fmt.Fprintf(stdout, "valid: %d rows, %d steps\n", len(p.Rows), len(p.Steps))
	return nil
}

// formatFlag adds --format to a command's flags.
func formatFlag(fs *flag.FlagSet) *string {
	return fs.String("format", "text", "output `FORMAT`: text for people, or json for programs (one JSON document on stdout, docs/json.md)")
}

// checkFormat refuses a --format other than text and json.
func checkFormat(cmd, format string) error {
	if format != "text" && format != "json" {
		return badArgs(cmd, "--format %s: want text or json", format)
	}
	return nil
}

// writeJSON writes v as one indented JSON document.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// apiOptions are the flags that choose the API and its limits.
type apiOptions struct {
	sandbox        bool
	api            string
	allowHTTP      bool
	rps            float64 // with autoRPS false: the fixed rate (0: no limit)
	autoRPS        bool    // --rps auto: find the API's rate, up to maxRPS
	maxRPS         float64
	burst          int
	concurrency    int
	sandboxStep    time.Duration
	sandboxLatency time.Duration
	sandboxProfile string
	outageAfter    time.Duration
	env            environ
	cmd            string          // the command, for its usage line
	set            map[string]bool // the flags given (see given)
}

func (o *apiOptions) register(fs *flag.FlagSet) {
	fs.BoolVar(&o.sandbox, "sandbox", false, "run against an embedded sandbox whose state is kept beside --state")
	fs.StringVar(&o.api, "api", "", "Telegent API base `URL`, such as https://api.telegent.com (default $TELEGENT_API_URL)")
	fs.BoolVar(&o.allowHTTP, "allow-http", false, "allow an http:// API on another host than this one (the account secret then crosses the network in clear)")
	o.autoRPS = true
	fs.Var(rpsFlag{o}, "rps", "API requests per second, retries included: auto (find the API's rate, up to --max-rps) "+
		"or a fixed rate that backs off only while the API refuses it (0: no limit)")
	fs.Float64Var(&o.maxRPS, "max-rps", defaultMaxRPS, "with --rps auto: the highest rate tried")
	fs.IntVar(&o.burst, "burst", 1, "requests allowed at once above the rate")
	fs.IntVar(&o.concurrency, "concurrency", 0, "workers (default: with --rps auto, --max-rps × 0.125 s within 4..256; "+
		"else --rps × 0.25 s expected latency, at least 4)")
	fs.DurationVar(&o.sandboxStep, "sandbox-port-step", 2*time.Second, "with --sandbox: time per port order stage")
	fs.DurationVar(&o.sandboxLatency, "sandbox-latency", 0, "with --sandbox: added latency per request")
	fs.StringVar(&o.sandboxProfile, "sandbox-profile", "documented", "with --sandbox: documented (the API as the vendor documents show it) or extended")
	fs.DurationVar(&o.outageAfter, "outage-after", jobs.DefaultOutageAfter,
		"stop the run when the API has answered nothing for this long (rows stay pending; re-run to resume)")
}

// given records which flags of fs the command line gave, for check.
func (o *apiOptions) given(fs *flag.FlagSet) {
	o.set = map[string]bool{}
	fs.Visit(func(f *flag.Flag) { o.set[f.Name] = true })
}

// check reports flags that contradict each other or are malformed, a bad
// --sandbox-profile, a missing API or missing credentials: all usage
// errors. Commands call it before anything is opened or created; connect
// calls it again.
func (o *apiOptions) check() error {
	if err := o.conflicts(); err != nil {
		return err
	}
	if _, err := o.profile(); err != nil {
		return err
	}
	if o.autoRPS && !(o.maxRPS > 0 && !math.IsInf(o.maxRPS, 1)) {
		return usagef("--max-rps must be a number of requests per second > 0, got %v", o.maxRPS)
	}
	if o.sandbox {
		return nil
	}
	base := o.baseURL()
	if base == "" {
		return badArgs(o.cmd, "no API to run against: give --api URL (or set TELEGENT_API_URL), or --sandbox to try the embedded simulator")
	}
	what := "--api"
	if o.api == "" {
		what = "TELEGENT_API_URL"
	}
	if err := checkURL(base); err != nil {
		return badArgs(o.cmd, "%s %s: %v", what, base, err)
	}
	if err := checkScheme(base, o.allowHTTP); err != nil {
		return err
	}
	if key, secret := o.credentials(); key == "" || secret == "" {
		return usagef("credentials missing: set TELEGENT_ACCOUNT_KEY and TELEGENT_ACCOUNT_SECRET")
	}
	return nil
}

// conflicts reports flags given together that contradict each other, and
// values out of range.
func (o *apiOptions) conflicts() error {
	switch {
	case o.sandbox && o.set["api"]:
		return badArgs(o.cmd, "--api and --sandbox contradict each other: give --api URL for a real API, or --sandbox for the embedded simulator")
	case o.sandbox && o.set["allow-http"]:
		return badArgs(o.cmd, "--allow-http is for --api, not --sandbox (the embedded sandbox is on this machine)")
	case o.set["burst"] && o.burst < 1:
		return badArgs(o.cmd, "--burst %d: want 1 or more", o.burst)
	case o.set["concurrency"] && o.concurrency < 0:
		return badArgs(o.cmd, "--concurrency %d: want 1 or more (or 0 for the default)", o.concurrency)
	case o.set["outage-after"] && o.outageAfter <= 0:
		return badArgs(o.cmd, "--outage-after %s: want a duration above 0, such as 10m", o.outageAfter)
	}
	if !o.sandbox {
		for _, f := range []string{"sandbox-port-step", "sandbox-latency", "sandbox-profile"} {
			if o.set[f] {
				return badArgs(o.cmd, "--%s is for --sandbox runs; give --sandbox too, or leave it out", f)
			}
		}
	}
	return nil
}

// checkURL checks an API base URL as the client will take it:
// http(s)://host[:port][/path], no query, fragment or user.
func checkURL(base string) error {
	u, err := url.Parse(strings.TrimSpace(base))
	switch {
	case !strings.Contains(base, "://"):
		return fmt.Errorf("no http:// or https:// in front (want https://host[:port])")
	case err != nil:
		return fmt.Errorf("not a URL (want https://host[:port])")
	case u.Scheme != "http" && u.Scheme != "https":
		return fmt.Errorf("no http:// or https:// in front (want https://host[:port])")
	case u.Host == "":
		return fmt.Errorf("no host (want https://host[:port])")
	case u.RawQuery != "" || u.Fragment != "" || u.User != nil:
		return fmt.Errorf("a base URL takes no query, fragment or user (want https://host[:port])")
	}
	return nil
}

// checkScheme refuses a plain-http API on a host other than this machine
// unless allowHTTP: the token request carries the account secret, and
// every call a bearer token.
func checkScheme(base string, allowHTTP bool) error {
	u, err := url.Parse(strings.TrimSpace(base))
	if err != nil || !strings.EqualFold(u.Scheme, "http") || allowHTTP || loopback(u.Hostname()) {
		return nil // telegent.New reports a URL it cannot use
	}
	return usagef("refusing to send the account secret in clear to %s: use https://, or --allow-http if the network "+
		"to it is trusted (http is allowed without it only to this machine: localhost, 127.0.0.0/8, ::1)", base)
}

// loopback reports whether host names this machine: localhost, or a
// loopback address.
func loopback(host string) bool {
	if strings.EqualFold(strings.TrimSuffix(host, "."), "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// connect returns a client for the chosen API, starting the embedded
// sandbox if asked. stop releases what connect started.
func (o *apiOptions) connect(statePath string, observe func(telegent.Attempt)) (c *telegent.Client, secret string, stop func(), err error) {
	stop = func() {}
	if err := o.check(); err != nil {
		return nil, "", stop, err
	}
	base := o.baseURL()
	key, secret := o.credentials()
	if o.sandbox {
		profile, _ := o.profile() // checked
		url, stopSandbox, err := sandbox.StartLocal(sandbox.Options{DataFile: sandbox.DataFileBeside(statePath),
			PortStep: o.sandboxStep, Latency: o.sandboxLatency, Profile: profile})
		if err != nil {
			return nil, "", stop, err
		}
		stop = func() { stopSandbox() }
		base = url
	}
	c, err = telegent.New(telegent.Config{
		BaseURL:       base,
		AccountKey:    key,
		AccountSecret: secret,
		Limiter:       o.limiter(),
		Observer:      observe,
	})
	if err != nil {
		stop()
		return nil, "", func() {}, err
	}
	return c, secret, stop, nil
}

// profile returns the sandbox profile --sandbox-profile names.
func (o *apiOptions) profile() (sandbox.Profile, error) {
	p, err := sandbox.ParseProfile(o.sandboxProfile)
	if err != nil {
		return p, usagef("--sandbox-profile: %v", err)
	}
	return p, nil
}

// baseURL returns the API base URL: --api, else $TELEGENT_API_URL.
func (o *apiOptions) baseURL() string {
	if o.api != "" {
		return o.api
	}
	return o.env.getenv("TELEGENT_API_URL")
}

// credentials returns the account key and secret a run uses: the
// sandbox's with --sandbox, else the environment's.
func (o *apiOptions) credentials() (key, secret string) {
	if o.sandbox {
		return sandbox.AccountKey, sandbox.AccountSecret
	}
	return o.env.getenv("TELEGENT_ACCOUNT_KEY"), o.env.getenv("TELEGENT_ACCOUNT_SECRET")
}

// defaultMaxRPS is the highest rate --rps auto tries unless --max-rps says
// otherwise.
const defaultMaxRPS = 2000

// rpsFlag reads --rps: "auto", or a rate.
type rpsFlag struct{ o *apiOptions }

func (f rpsFlag) String() string {
	if f.o == nil {
		return "" // the zero value, for flag's help
	}
	if f.o.autoRPS {
		return "auto"
	}
	return strconv.FormatFloat(f.o.rps, 'g', -1, 64)
}

func (f rpsFlag) Set(v string) error {
	if strings.EqualFold(strings.TrimSpace(v), "auto") {
		f.o.autoRPS = true
		return nil
	}
	r, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || r < 0 || math.IsInf(r, 0) || math.IsNaN(r) {
		return fmt.Errorf("want auto or a number of requests per second >= 0 (0: no limit), got %q", v)
	}
	f.o.autoRPS, f.o.rps = false, r
	return nil
}

// limiter returns the limiter the client paces its requests with.
func (o *apiOptions) limiter() *telegent.Limiter {
	if o.autoRPS {
		return telegent.NewAutoLimiter(o.maxRPS, o.burst)
	}
	return telegent.NewLimiter(o.rps, o.burst)
}

// workers is the number of workers of a run. With --rps auto the rate is
// not known in advance: there are enough workers to carry --max-rps at
// 125 ms a request (250 at the default 2,000), within 4..256, so that the
// workers do not cap the rate the limiter finds at the latencies an API
// usually has; a slower API is carried at a lower rate.
func (o *apiOptions) workers() int {
	if o.concurrency > 0 {
		return o.concurrency
	}
	if o.autoRPS {
		return min(256, max(4, int(o.maxRPS*0.125+0.5)))
	}
	return max(4, int(o.rps*0.25+0.5))
}

func cmdPlan(ctx context.Context, args []string, env environ, stdout, stderr io.Writer) error {
	fs := newFlagSet("plan")
	state := fs.String("state", "", "checkpoint `FILE` of earlier runs: decide every step as a run with it would")
	elig := fs.Bool("check-eligibility", false, "only check port-in eligibility and write the sheet (--out)")
	out := fs.String("out", "", "with --check-eligibility: the sheet to write (.xlsx or .csv)")
	all := fs.Bool("all", false, "list every step a run would send, not the first three of each kind and action")
	format := formatFlag(fs)
	api := apiOptions{env: env, cmd: "plan"}
	api.register(fs)
	paths, err := parseInterspersed(fs, args, -1)
	if err != nil {
		return err
	}
	api.given(fs)
	if err := checkPlanFlags(&api, *elig, *out, *format); err != nil {
		return err
	}
	build := plan.Check
	if *elig {
		build = plan.CheckEligibility // the port-ins' numbers only: before PINs are collected
	}
	p, problems, warnings, err := readPlan(paths, build)
	if err != nil {
		return err
	}
	if len(warnings) > 0 {
		warnings.WriteWarnings(stderr)
	}
	if len(problems) > 0 {
		problems.WriteReport(stderr)
		return usagef("the manifest has %d problems; fix them first (telegent-bulk validate)", problems.Count())
	}
	if *elig {
		return checkEligibility(ctx, p, paths, *state, *out, &api, stdout, stderr)
	}
	var store *checkpoint.Store
	if *state != "" {
		store, err = checkpoint.Open(*state, checkpoint.Options{ReadOnly: true})
		switch {
		case errors.Is(err, checkpoint.ErrLocked):
			return fmt.Errorf("%w: telegent-bulk status --state %s shows its progress", err, *state)
		case errors.Is(err, os.ErrNotExist):
			fmt.Fprintf(stderr, "telegent-bulk: no state file %s yet: showing a first run\n", *state)
		case err != nil:
			return checkpoint.Advise(err, *state)
		}
		if store != nil {
			defer store.Close()
		}
	}
	key := api.macKey(stderr)
	if store != nil && key == nil {
		fmt.Fprintln(stderr, "telegent-bulk: TELEGENT_ACCOUNT_SECRET is not set: a change in a secret column alone (a new PIN) is not shown")
	}
	o := jobs.Options{MACKey: key}
	if *format == "json" {
		lines, steps, err := jobs.PreviewAll(p, store, o)
		if err != nil {
			return err
		}
		return writeJSON(stdout, jobs.NewPlanDoc(p, lines, steps))
	}
	if !*all {
		lines, err := jobs.PreviewPlan(p, store, o)
		if err != nil {
			return err
		}
		jobs.WritePreview(stdout, p, lines, nil)
		return nil
	}
	lines, steps, err := jobs.PreviewAll(p, store, o)
	if err != nil {
		return err
	}
	jobs.WritePreview(stdout, p, lines, steps)
	return nil
}

// checkPlanFlags refuses plan's flags that contradict each other.
func checkPlanFlags(api *apiOptions, elig bool, out, format string) error {
	if err := checkFormat("plan", format); err != nil {
		return err
	}
	if elig && format == "json" {
		return badArgs("plan", "--format json is for the plan itself, not --check-eligibility (which writes a sheet)")
	}
	if !elig && out != "" {
		return badArgs("plan", "--out is for --check-eligibility (plan itself writes nothing)")
	}
	if elig {
		return nil // checkEligibility checks the API flags
	}
	return api.conflicts()
}

func cmdStatus(_ context.Context, args []string, env environ, stdout, _ io.Writer) error {
	fs := newFlagSet("status")
	state := fs.String("state", "", "checkpoint `FILE` (required)")
	format := formatFlag(fs)
	if _, err := parseInterspersed(fs, args, 0); err != nil {
		return err
	}
	if err := checkFormat("status", *format); err != nil {
		return err
	}
	if *state == "" {
		return badArgs("status", "status needs --state FILE")
	}
	if _, err := os.Stat(*state); err != nil {
		return usagef("no state file %s", *state)
	}
	asJSON := *format == "json"
	store, err := checkpoint.Open(*state, checkpoint.Options{ReadOnly: true})
	if errors.Is(err, checkpoint.ErrLocked) {
		// A run holds the file: show the progress it writes beside it.
		live, lerr := jobs.ReadLive(jobs.LivePath(*state), jobs.LiveFallbackPath(*state))
		if lerr != nil {
			return fmt.Errorf("%w (it has not written its progress yet; try again in a moment)", err)
		}
		if asJSON {
			d := jobs.NewStatusDoc(*state, live.Counts, live.Waiting, live.WaitingTotal)
			d.Live, d.PID, d.UpdatedAt = true, live.PID, &live.UpdatedAt
			return writeJSON(stdout, d)
		}
		jobs.WriteLive(stdout, live, jobs.LiveFallbackPath(*state))
		return nil
	}
	if err != nil {
		if checkpoint.Unusable(err) && !asJSON {
			jobs.WriteBackupStatus(stdout, *state)
		}
		return checkpoint.Advise(err, *state)
	}
	defer store.Close()
	m, merr := store.Meta()
	if merr == nil && !asJSON {
		jobs.WriteRuns(stdout, m)
	}
	counts, waiting, err := jobs.Status(store)
	if err != nil {
		if checkpoint.Unusable(err) && !asJSON {
			jobs.WriteBackupStatus(stdout, *state)
		}
		return checkpoint.Advise(err, *state)
	}
	if asJSON {
		d := jobs.NewStatusDoc(*state, counts, waiting, len(waiting))
		if merr == nil && m.Runs > 0 {
			d.Runs, d.LastRun = m.Runs, &m.StartedAt
		}
		return writeJSON(stdout, d)
	}
	jobs.WriteCountsColour(stdout, counts, waiting, len(waiting), colourOn(stdout, env))
	return nil
}

func cmdSandbox(ctx context.Context, args []string, _ environ, stdout, _ io.Writer) error {
	fs := newFlagSet("sandbox")
	addr := fs.String("addr", "127.0.0.1:8765", "listen `address` (host:port)")
	var o sandbox.Options
	fs.Float64Var(&o.RPS, "rps", 0, "answer 429 beyond this many requests per second, with a tenth of a second's burst (0: no limit)")
	fs.DurationVar(&o.Latency, "latency", 0, "added latency per request (jittered)")
	fs.Float64Var(&o.FailRate, "fail-rate", 0, "share of requests answered 500/503/504 before any change")
	fs.Float64Var(&o.LoseRate, "lose-rate", 0, "share of state-changing POSTs (creates, updates, cancels, settings) applied whose answer is then lost")
	fs.IntVar(&o.LoseFirst, "lose-first", 0, "also lose the answers to the first N state-changing POSTs of each endpoint")
	fs.Float64Var(&o.BusyRate, "busy-rate", 0, "share of requests answered 429 whatever the rate")
	fs.Float64Var(&o.EchoRate, "echo-rate", 0, "share of POSTs answered 400 quoting the request body, secrets and all")
	fs.DurationVar(&o.TokenTTL, "token-ttl", 5*time.Minute, "token lifetime")
	fs.DurationVar(&o.PortStep, "port-step", 10*time.Second, "sandbox time per port order stage")
	fs.Int64Var(&o.Seed, "seed", 0, "seed for reproducible faults (0: random)")
	fs.StringVar(&o.DataFile, "data", "", "keep the state in this `FILE` (default: memory)")
	profile := fs.String("profile", "documented", "`PROFILE`: documented (the API as the vendor documents show it) or extended (plus what the sandbox infers)")
	if _, err := parseInterspersed(fs, args, 0); err != nil {
		return err
	}
	var err error
	if o.Profile, err = sandbox.ParseProfile(*profile); err != nil {
		return badArgs("sandbox", "--profile: %v", err)
	}
	srv, err := sandbox.New(o)
	if err != nil {
		return err
	}
	defer srv.Close()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(stdout, "sandbox listening on http://%s (key %s, secret %s, profile %s)\n", ln.Addr(), sandbox.AccountKey, sandbox.AccountSecret, o.Profile)
	go func() {
		<-ctx.Done()
		shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		hs.Shutdown(shut)
	}()
	if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// runOptions are the flags of the run command.
type runOptions struct {
	api         apiOptions
	state       string
	out         string
	maxFailures int
	retryFailed bool
	resend      stringList
	poll        time.Duration
	pollShare   float64
	unknown     time.Duration
	wait        time.Duration
	quiet       bool
	logFormat   string
}

func cmdRun(ctx context.Context, args []string, env environ, stdout, stderr io.Writer) error {
	o, paths, err := parseRun(args, env)
	if err != nil {
		return err
	}
	p, err := checkRunPlan(paths, o.quiet, stderr)
	if err != nil {
		return err
	}
	if o.out == "" {
		o.out = defaultOut(paths[0])
	}
	if err := checkWritable(o.out); err != nil {
		return err
	}
	resend, err := resendKeys(p, o.resend)
	if err != nil {
		return err
	}
	return runPlan(ctx, o, p, paths, resend, stdout, stderr)
}

// parseRun parses the flags of the run command into its options.
func parseRun(args []string, env environ) (runOptions, []string, error) {
	fs := newFlagSet("run")
	o := runOptions{api: apiOptions{env: env, cmd: "run"}}
	o.api.register(fs)
	fs.StringVar(&o.state, "state", "", "checkpoint `FILE` (required): re-running the same command resumes")
	fs.StringVar(&o.out, "out", "", "results workbook `FILE` (.xlsx, or .csv for one file per tab; default beside the manifest); "+
		"the failures workbook goes beside it")
	fs.IntVar(&o.maxFailures, "max-failures", 0, "stop taking new steps after this many failures (0: no limit)")
	fs.BoolVar(&o.retryFailed, "retry-failed", false, "retry failed and needs-attention rows even if unchanged")
	fs.Var(&o.resend, "resend", "a step `KEY` that needs attention and that you checked was not applied: send it "+
		"(the key the results' Error names, like accounts/acme/create; repeat the flag for more)")
	fs.DurationVar(&o.poll, "poll", 0, "base cadence of port order polls (jittered; 0: daily, as seed 002 advises): "+
		"a fresh order or one near its PortInDate is polled at an eighth of it, one pending for days at it, others at half")
	fs.Float64Var(&o.pollShare, "poll-share", jobs.DefaultPollShare, "the most of --rps that port order polls may take (0 < F <= 1)")
	fs.DurationVar(&o.unknown, "unknown-status-after", jobs.DefaultUnknownAfter,
		"an order in a status the tool does not know needs attention after showing it this long")
	fs.DurationVar(&o.wait, "wait", 0, "keep polling open port orders this long once everything else is done")
	fs.BoolVar(&o.quiet, "quiet", false, "no progress bar and no summary")
	fs.StringVar(&o.logFormat, "log-format", "text", "step log on stderr, `FORMAT` text (failures only) or json (every step)")
	paths, err := parseInterspersed(fs, args, -1)
	if err != nil {
		return o, nil, err
	}
	o.api.given(fs)
	return o, paths, o.checkFlags()
}

// checkFlags refuses run's flags that are missing, malformed or
// contradict each other, before anything is read, opened or created.
func (o *runOptions) checkFlags() error {
	switch {
	case o.state == "":
		return badArgs("run", "run needs --state FILE (the checkpoint that makes the run resumable)")
	case o.logFormat != "text" && o.logFormat != "json":
		return badArgs("run", "--log-format %s: want text or json", o.logFormat)
	case o.maxFailures < 0:
		return badArgs("run", "--max-failures %d: want 0 (no limit) or more", o.maxFailures)
	case o.poll < 0:
		return badArgs("run", "--poll %s: want 0 (daily, as the vendor advises) or a duration such as 1h", o.poll)
	case o.pollShare <= 0 || o.pollShare > 1:
		return badArgs("run", "--poll-share %g: want more than 0 and at most 1, such as 0.2", o.pollShare)
	case o.unknown <= 0:
		return badArgs("run", "--unknown-status-after %s: want a duration above 0, such as 72h", o.unknown)
	case o.wait < 0:
		return badArgs("run", "--wait %s: want 0 or more", o.wait)
	case o.out != "" && filepath.Clean(o.out) == filepath.Clean(o.state):
		return badArgs("run", "--out and --state name the same file %s", o.out)
	}
	return o.api.check()
}

// checkRunPlan builds the plan of a run: problems stop it before anything
// is opened or sent; warnings are counted.
func checkRunPlan(paths []string, quiet bool, stderr io.Writer) (*plan.Plan, error) {
	p, problems, warnings, err := checkPlan(paths)
	if err != nil {
		return nil, err
	}
	if len(problems) > 0 {
		problems.WriteReport(stderr)
		return nil, usagef("the manifest has %d problems; nothing was sent", problems.Count())
	}
	if len(warnings) > 0 && !quiet {
		fmt.Fprintf(stderr, "telegent-bulk: the manifest has %d warnings (telegent-bulk validate lists them)\n", warnings.Count())
	}
	return p, nil
}

// runPlan runs p with the checked options o: the checkpoint, the API, the
// run, the results, and the error that says how it ended.
func runPlan(ctx context.Context, o runOptions, p *plan.Plan, paths []string, resend []plan.StepKey, stdout, stderr io.Writer) error {
	store, err := checkpoint.Open(o.state, checkpoint.Options{})
	if err != nil {
		return checkpoint.Advise(err, o.state)
	}
	defer store.Close()
	outage := jobs.NewOutageWatch(o.api.outageAfter)
	client, secret, stopAPI, err := o.api.connect(o.state, outage.Observe)
	if err != nil {
		return err
	}
	defer stopAPI()
	if err := preflight(ctx, p, client, &o, stderr); err != nil {
		return err
	}
	run := checkpoint.Run{ToolVersion: version, Manifest: paths, ManifestHash: sheets.Digest(paths), API: o.api.api}
	if err := store.BeginRun(run); err != nil {
		return err
	}
	logger, progress := o.ui(stderr, len(p.Steps))
	runner := jobs.New(p, client, store, jobs.Options{
		Concurrency:  o.api.workers(),
		MaxFailures:  o.maxFailures,
		RetryFailed:  o.retryFailed,
		Resend:       resend,
		Poll:         o.poll,
		PollShare:    o.pollShare,
		RPS:          o.api.rps,
		Rate:         client.Rate,
		UnknownAfter: o.unknown,
		Wait:         o.wait,
		MACKey:       macKey(secret, o.api.env, stderr),
		Logger:       logger,
		OnEvent:      func(e jobs.Event) { progress.Update(progressCounts(e.Totals)) },
		LiveFile:     jobs.LivePath(o.state),
		LiveFallback: jobs.LiveFallbackPath(o.state),
		Outage:       outage,
	})
	stopNotice := context.AfterFunc(ctx, func() {
		progress.Pause()
		fmt.Fprintln(stderr, "telegent-bulk: interrupted: finishing the calls in flight and writing the results "+
			"(Ctrl-C again quits at once; the next run looks up what was in flight)")
	})
	rep, runErr := runner.Run(ctx)
	stopNotice()
	progress.Finish()
	if checkpoint.Unusable(runErr) {
		return checkpoint.Advise(runErr, o.state) // no results from a checkpoint that cannot be read
	}
	files, failures, err := jobs.WriteResultsAndFailures(p, store, o.out,
		jobs.Results{Packages: runner.Packages(), Stopped: rep.Stopped})
	if err != nil {
		return errors.Join(runErr, err)
	}
	if !o.quiet {
		cli.WriteSummary(stdout, summaryOf(rep, failures, files, o.nextCommand(rep, failures.Counts, failures.Files),
			colourOn(stdout, o.api.env)))
	} else if rep.Stopped != "" && runErr == nil {
		fmt.Fprintln(stderr, "telegent-bulk:", rep.Stopped)
	}
	return runEnd(rep, runErr)
}

// preflight checks, in the first seconds of a run, what cmdCheck checks:
// rejected credentials stop the run before anything is sent; the other
// failures are told (the rows they concern fail on their own, and the
// outage watch deals with an API that does not answer).
func preflight(ctx context.Context, p *plan.Plan, c *telegent.Client, o *runOptions, stderr io.Writer) error {
	ctx, cancel := context.WithTimeout(ctx, preflightTimeout)
	defer cancel()
	checks := jobs.Preflight(ctx, p, c, o.api.where(), 5*time.Second) // an API that does not answer: the outage watch tells
	if ctx.Err() != nil {
		return nil // interrupted, or an API too slow to tell: the run itself finds out
	}
	var failed bool
	for _, chk := range checks {
		if !chk.OK {
			failed = true
			if chk.Name == "api" {
				continue // the outage watch tells, and resumes
			}
			if o.logFormat == "json" { // every stderr line a JSON object
				slog.New(slog.NewJSONHandler(stderr, nil)).Warn("check", "name", chk.Name, "detail", chk.Detail, "fix", chk.Fix)
				continue
			}
			writeCheck(stderr, chk, false)
		}
		if chk.Name == "credentials" && !chk.OK {
			return fmt.Errorf("%w: nothing was sent", telegent.ErrCredentials)
		}
	}
	if !failed && !o.quiet && o.logFormat == "text" {
		fmt.Fprintf(stderr, "telegent-bulk: checked: the API answers, the credentials are accepted, a token for every endpoint, "+
			"every package exists, the clock agrees\n")
	}
	return nil
}

// preflightTimeout bounds the checks at the start of a run.
const preflightTimeout = 30 * time.Second

// where names the API for messages: its URL, or the embedded sandbox.
func (o *apiOptions) where() string {
	if o.sandbox {
		return "the embedded sandbox"
	}
	return o.baseURL()
}

// writeCheck writes one check's line: ok or FAIL, what, and what to do.
func writeCheck(w io.Writer, c jobs.Check, colour bool) {
	mark := cli.Paint("done", "ok  ", colour)
	if !c.OK {
		mark = cli.Paint("failed", "FAIL", colour)
	}
	line := fmt.Sprintf("%s %-12s %s", mark, c.Name, c.Detail)
	if c.Fix != "" {
		line += " — " + c.Fix
	}
	fmt.Fprintln(w, line)
}

func cmdCheck(ctx context.Context, args []string, env environ, stdout, stderr io.Writer) error {
	fs := newFlagSet("check")
	api := apiOptions{env: env, cmd: "check"}
	api.register(fs)
	format := formatFlag(fs)
	paths, err := parseInterspersed(fs, args, -1)
	if err != nil {
		return err
	}
	api.given(fs)
	if err := checkFormat("check", *format); err != nil {
		return err
	}
	if err := api.check(); err != nil {
		return err
	}
	p, err := checkRunPlan(paths, false, stderr)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "telegent-bulk-check")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	client, _, stop, err := api.connect(filepath.Join(dir, "check.db"), nil)
	if err != nil {
		return err
	}
	defer stop()
	checks := jobs.Preflight(ctx, p, client, api.where(), 15*time.Second)
	if ctx.Err() != nil {
		return errInterrupted
	}
	ok := true
	for _, c := range checks {
		ok = ok && c.OK
	}
	if *format == "json" {
		if err := writeJSON(stdout, jobs.CheckDoc{Version: jobs.JSONVersion, OK: ok, Checks: checks}); err != nil {
			return err
		}
	} else {
		colour := colourOn(stdout, env)
		for _, c := range checks {
			writeCheck(stdout, c, colour)
		}
	}
	if !ok {
		return errRowsFailed
	}
	return nil
}

// runEnd is the error a run ends with, for the exit code.
func runEnd(rep jobs.Report, runErr error) error {
	switch {
	case runErr != nil:
		return runErr
	case rep.Interrupted:
		return errInterrupted
	case rep.Totals.Failed+rep.Totals.Skipped+rep.Totals.Attention > 0 || rep.Stopped != "":
		return errRowsFailed
	}
	return nil
}

// stringList is a flag that may be given more than once.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

// resendKeys checks that every --resend key names a step of the plan.
func resendKeys(p *plan.Plan, keys []string) ([]plan.StepKey, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	known := make(map[plan.StepKey]bool, len(keys))
	for _, k := range keys {
		known[plan.StepKey(k)] = false
	}
	for i := range p.Steps {
		if k := p.Key(plan.StepID(i)); len(known) > 0 {
			if _, ok := known[k]; ok {
				known[k] = true
			}
		}
	}
	out := make([]plan.StepKey, 0, len(keys))
	for _, k := range keys {
		if !known[plan.StepKey(k)] {
			return nil, usagef("--resend %s: the plan has no such step (the key is kind/natural-key/step, as the results' Error column gives it)", k)
		}
		out = append(out, plan.StepKey(k))
	}
	return out, nil
}

// checkWritable makes sure the results can be written to out before
// anything is sent: a name ending in .xlsx or .csv, not a folder, in a
// folder that exists and takes new files.
func checkWritable(out string) error {
	switch strings.ToLower(filepath.Ext(out)) {
	case ".xlsx", ".csv":
	default:
		return usagef("cannot write the results to %s: the name must end in .xlsx (one workbook) or .csv "+
			"(one file per tab, named after it)", out)
	}
	if st, err := os.Stat(out); err == nil && st.IsDir() {
		return usagef("cannot write the results to %s: it is a folder; give a file name ending in .xlsx or .csv", out)
	}
	dir := filepath.Dir(out)
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return usagef("cannot write the results to %s: no folder %s", out, dir)
	}
	f, err := os.CreateTemp(dir, ".telegent-bulk-check-*")
	if err != nil {
		return usagef("cannot write the results to %s: %v", out, err)
	}
	f.Close()
	return os.Remove(f.Name())
}

// defaultOut puts the results beside the (first) manifest.
func defaultOut(manifest string) string {
	base := strings.TrimSuffix(filepath.Base(manifest), filepath.Ext(manifest))
	return filepath.Join(filepath.Dir(manifest), base+"-results.xlsx")
}

func checkEligibility(ctx context.Context, p *plan.Plan, paths []string, state, out string, api *apiOptions, stdout, stderr io.Writer) error {
	if err := api.check(); err != nil {
		return err
	}
	if out == "" {
		out = strings.TrimSuffix(defaultOut(paths[0]), "-results.xlsx") + "-eligibility.xlsx"
	}
	if err := checkWritable(out); err != nil {
		return err
	}
	if state == "" {
		dir, err := os.MkdirTemp("", "telegent-bulk-eligibility")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		state = filepath.Join(dir, "eligibility.db")
	}
	store, err := checkpoint.Open(state, checkpoint.Options{})
	if err != nil {
		return checkpoint.Advise(err, state)
	}
	defer store.Close()
	outage := jobs.NewOutageWatch(api.outageAfter)
	client, secret, stopAPI, err := api.connect(state, outage.Observe)
	if err != nil {
		return err
	}
	defer stopAPI()
	rep, err := jobs.CheckEligibility(ctx, p, client, store, out, jobs.Options{
		Concurrency: api.workers(),
		MACKey:      macKey(secret, api.env, stderr),
		Outage:      outage,
	})
	if rep.Sheet != "" {
		fmt.Fprintf(stdout, "eligibility: %d eligible, %d not eligible, %d not checked; sheet: %s\n",
			rep.Eligible, rep.NotEligible, rep.Unchecked, rep.Sheet)
	}
	switch {
	case err != nil:
		return err
	case rep.Interrupted:
		return errInterrupted
	case rep.NotEligible+rep.Unchecked > 0:
		return errRowsFailed
	}
	return nil
}

// environ is what a command takes from its process besides its arguments
// and streams: environment variables and the user's config folder. The
// zero environ is the process's own; tests give theirs, so that several
// commands can run at once in one process, each with its own.
type environ struct {
	vars      map[string]string // nil: the process's environment
	configDir string            // "": os.UserConfigDir()
}

func (e environ) getenv(key string) string {
	if e.vars == nil {
		return os.Getenv(key)
	}
	return e.vars[key]
}

func (e environ) userConfigDir() (string, error) {
	if e.configDir == "" {
		return os.UserConfigDir()
	}
	return e.configDir, nil
}

// fingerprintKeyFile holds the sandbox's fingerprint key in the user's
// config folder. The key is made here, not in a package: against a real
// API it is derived from the API secret (plan.FingerprintKey), which only
// main holds, and against the sandbox it is kept in the user's config
// folder, which no package owns (plan and jobs take the key as a value, and
// the checkpoint must never hold it).
const fingerprintKeyFile = "sandbox-fingerprint.key"

// macKey returns the key of the secret columns' fingerprint for plan
// --state, as a run with the same options derives it (nil when the secret
// is not known).
func (o *apiOptions) macKey(stderr io.Writer) []byte {
	_, secret := o.credentials()
	if secret == "" {
		return nil
	}
	return macKey(secret, o.env, stderr)
}

// macKey returns the key under which the checkpoint fingerprints a row's
// secret columns: derived from the API secret, which the checkpoint never
// holds. The sandbox's secret is public, and a key derived from it would
// let anyone holding the checkpoint of a trial run try every 4-digit PIN:
// against the sandbox, the key is a random one kept in the user's config
// folder instead (made on first use). Without that folder, the key lasts
// one process, and a change in a secret column alone goes unnoticed.
func macKey(secret string, env environ, stderr io.Writer) []byte {
	if secret != sandbox.AccountSecret {
		return plan.FingerprintKey(secret)
	}
	key, err := localKey(env, fingerprintKeyFile)
	if err != nil {
		fmt.Fprintf(stderr, "telegent-bulk: %v: a change in a secret column alone is not noticed across runs\n", err)
		key = make([]byte, 32)
		rand.Read(key)
	}
	return plan.FingerprintKey(hex.EncodeToString(key))
}

// localKey returns the random key stored in name in the user's config
// folder (telegent-bulk/), making it on first use.
func localKey(env environ, name string) ([]byte, error) {
	dir, err := env.userConfigDir()
	if err != nil {
		return nil, fmt.Errorf("no config folder for the fingerprint key: %w", err)
	}
	return cli.KeyFile(filepath.Join(dir, "telegent-bulk"), name)
}

// ui returns the step logger and the progress display for a run.
func (o *runOptions) ui(stderr io.Writer, total int) (*slog.Logger, *cli.Progress) {
	var h slog.Handler
	switch {
	case o.logFormat == "json":
		h = slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo})
	case o.quiet:
		h = slog.DiscardHandler
	default:
		h = slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn})
	}
	pr := &cli.Progress{}
	if f, ok := stderr.(*os.File); ok && !o.quiet && o.logFormat == "text" && term.IsTerminal(int(f.Fd())) {
		pr = cli.NewProgress(stderr, total, func() int {
			if w, _, err := term.GetSize(int(f.Fd())); err == nil {
				return w
			}
			return 80
		}, cli.ColourOn(true, o.api.env.getenv))
		h = slog.DiscardHandler // the bar and the results say it all
	}
	return slog.New(h), pr
}

// progressCounts are what the progress line shows of a run's totals.
func progressCounts(t jobs.Totals) cli.Counts {
	return cli.Counts{Finished: t.Finished(), Total: t.Steps, Errors: t.Failed + t.Attention, Waiting: t.Waiting}
}

// colourOn tells whether to colour what goes to w.
func colourOn(w io.Writer, env environ) bool {
	f, ok := w.(*os.File)
	return cli.ColourOn(ok && term.IsTerminal(int(f.Fd())), env.getenv)
}

// summaryOf is what a run's last lines tell: rows and steps, the files
// written, what to do next.
func summaryOf(rep jobs.Report, f jobs.Failures, results []string, next string, colour bool) cli.Summary {
	r := f.Counts
	return cli.Summary{Rows: r.Rows, Done: r.Done, Failed: r.Failed, Skipped: r.Skipped, Attention: r.Attention,
		Waiting: r.Waiting, Cancelled: r.Cancelled, Pending: r.Pending, Steps: rep.Totals.Steps, Calls: rep.Totals.Requests,
		Elapsed: rep.Elapsed, Stopped: rep.Stopped, Results: results, Failures: f.Files, Next: next, Colour: colour}
}

// nextCommand says what to do after a run: resume it, follow its open
// port orders, or fix the rows of the failures file and run that.
func (o *runOptions) nextCommand(rep jobs.Report, rows jobs.RowCounts, failures []string) string {
	api := ""
	switch {
	case o.api.sandbox:
		api = " --sandbox"
	case o.api.api != "":
		api = " --api " + o.api.api
	}
	state := " --state " + shellQuote(o.state)
	var next []string
	if rep.Interrupted || rep.Stopped != "" || rows.Pending > 0 {
		next = append(next, "run the same command again to resume")
	}
	if rows.Waiting > 0 {
		next = append(next, fmt.Sprintf("%d port orders are still open: run the same command again later to follow them "+
			"(telegent-bulk status%s lists them)", rows.Waiting, state))
	}
	if len(failures) > 0 {
		var files []string
		for _, f := range failures {
			files = append(files, shellQuote(f))
		}
		next = append(next, "fix the rows in "+strings.Join(failures, ", ")+" (the Error column says why), then run: telegent-bulk run "+
			strings.Join(files, " ")+api+state)
	}
	if len(next) == 0 {
		return "nothing: every row is done"
	}
	return strings.Join(next, "; ")
}

// shellQuote quotes a path for a shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./+,:@%", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

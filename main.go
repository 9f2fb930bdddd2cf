// Command telegent-bulk moves an MVNO partner's subscriber base onto the
// Telegent mPaaS platform from spreadsheets: validate, plan, run (resumable,
// rate-limited), status, and a local sandbox of the API.
//
// main parses flags into one options struct per command, wires the
// packages, and maps errors to exit codes. It holds no migration logic.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"telegent-bulk/checkpoint"
	"telegent-bulk/jobs"
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
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }

// errRowsFailed: the command finished but some rows did not (exit 1).
var errRowsFailed = errors.New("some rows failed or were skipped")

// errInterrupted: Ctrl-C; results were written (exit 130).
var errInterrupted = errors.New("interrupted")

func main() { os.Exit(realMain(os.Args[1:], environ{}, os.Stdout, os.Stderr)) }

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
	case errors.As(err, &ue), errors.Is(err, flag.ErrHelp):
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stderr, "telegent-bulk:", err)
		}
		return exitUsage
	default:
		fmt.Fprintln(stderr, "telegent-bulk:", err)
		return exitFatal
	}
}

const usageText = `usage:
  telegent-bulk validate MANIFEST...                 check every cell; exit 0 valid, 1 problems
                         [--problems FILE]           every problem, also those only counted, as CSV
  telegent-bulk plan     MANIFEST... [--state FILE]  what a run would do
                         [--check-eligibility --out FILE (--sandbox | --api URL [--allow-http])]
  telegent-bulk run      MANIFEST... --state FILE [--out FILE] [--sandbox | --api URL [--allow-http]]
                         [--concurrency N] [--rps R] [--burst B] [--max-failures N]
                         [--retry-failed] [--poll D] [--wait D] [--outage-after D] [--quiet] [--log-format text|json]
  telegent-bulk status   --state FILE                counts per kind and state
  telegent-bulk sandbox  [--addr A] [--rps N] [--latency D] [--fail-rate P] [--lose-rate P] [--lose-first N] [--busy-rate P]
                         [--echo-rate P] [--token-ttl D] [--port-step D] [--seed N] [--data FILE] [--profile documented|extended]
credentials: TELEGENT_ACCOUNT_KEY, TELEGENT_ACCOUNT_SECRET; API: --api or TELEGENT_API_URL
`

func dispatch(ctx context.Context, args []string, env environ, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usageText)
		return usagef("no command given")
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "validate":
		return cmdValidate(rest, stdout, stderr)
	case "plan":
		return cmdPlan(ctx, rest, env, stdout, stderr)
	case "run":
		return cmdRun(ctx, rest, env, stdout, stderr)
	case "status":
		return cmdStatus(rest, stdout, stderr)
	case "sandbox":
		return cmdSandbox(ctx, rest, stdout, stderr)
	case "version", "--version":
		fmt.Fprintln(stdout, "telegent-bulk", version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usageText)
		return nil
	}
	fmt.Fprint(stderr, usageText)
	return usagef("unknown command %q", cmd)
}

// parseInterspersed parses flags that may come before, between or after
// the positional arguments (telegent-bulk run manifest.xlsx --state x.db).
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, usagef("%v", err)
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
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

func cmdValidate(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("validate", stderr)
	problemsPath := fs.String("problems", "", "write every problem to this CSV file (sheet,row,column,message); "+
		"the report lists the first few of each kind")
	paths, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	build := plan.Check
	var pf *problemsFile
	if *problemsPath != "" && len(paths) > 0 {
		if pf, err = createProblemsFile(*problemsPath); err != nil {
			return err
		}
		defer pf.abort()
		build = func(rs []sheets.Reader) (*plan.Plan, plan.Problems, plan.Problems, error) {
			return plan.CheckWith(rs, plan.Options{Problems: pf.add})
		}
	}
	p, problems, warnings, err := readPlan(paths, build)
	if err != nil {
		return err
	}
	if pf != nil {
		if err := pf.commit(); err != nil {
			return err
		}
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

// apiOptions are the flags that choose the API and its limits.
type apiOptions struct {
	sandbox        bool
	api            string
	allowHTTP      bool
	rps            float64
	burst          int
	concurrency    int
	sandboxStep    time.Duration
	sandboxLatency time.Duration
	sandboxProfile string
	outageAfter    time.Duration
	env            environ
}

func (o *apiOptions) register(fs *flag.FlagSet) {
	fs.BoolVar(&o.sandbox, "sandbox", false, "run against an embedded sandbox whose state is kept beside --state")
	fs.StringVar(&o.api, "api", "", "Telegent API base URL (default $TELEGENT_API_URL)")
	fs.BoolVar(&o.allowHTTP, "allow-http", false, "allow an http:// API on another host than this one (the account secret then crosses the network in clear)")
	fs.Float64Var(&o.rps, "rps", 20, "API requests per second, retries included")
	fs.IntVar(&o.burst, "burst", 1, "requests allowed at once above the rate")
	fs.IntVar(&o.concurrency, "concurrency", 0, "workers (default: --rps × 0.25 s expected latency, at least 4)")
	fs.DurationVar(&o.sandboxStep, "sandbox-port-step", 2*time.Second, "with --sandbox: time per port order stage")
	fs.DurationVar(&o.sandboxLatency, "sandbox-latency", 0, "with --sandbox: added latency per request")
	fs.StringVar(&o.sandboxProfile, "sandbox-profile", "documented", "with --sandbox: documented (the API as the vendor documents show it) or extended")
	fs.DurationVar(&o.outageAfter, "outage-after", jobs.DefaultOutageAfter,
		"stop the run when the API has answered nothing for this long (rows stay pending; re-run to resume)")
}

// check reports a bad --sandbox-profile, a missing API or missing
// credentials. Commands call it before anything is opened or created;
// connect calls it again.
func (o *apiOptions) check() error {
	if _, err := o.profile(); err != nil {
		return err
	}
	if o.sandbox {
		return nil
	}
	base := o.baseURL()
	if base == "" {
		return usagef("no API to run against: give --api URL (or set TELEGENT_API_URL), or --sandbox to try the embedded simulator")
	}
	if err := checkScheme(base, o.allowHTTP); err != nil {
		return err
	}
	if key, secret := o.credentials(); key == "" || secret == "" {
		return usagef("credentials missing: set TELEGENT_ACCOUNT_KEY and TELEGENT_ACCOUNT_SECRET")
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
		Limiter:       telegent.NewLimiter(o.rps, o.burst),
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

func (o *apiOptions) workers() int {
	if o.concurrency > 0 {
		return o.concurrency
	}
	return max(4, int(o.rps*0.25+0.5))
}

func cmdPlan(ctx context.Context, args []string, env environ, stdout, stderr io.Writer) error {
	fs := newFlagSet("plan", stderr)
	state := fs.String("state", "", "checkpoint file of earlier runs")
	elig := fs.Bool("check-eligibility", false, "only check port-in eligibility and write the sheet (--out)")
	out := fs.String("out", "", "with --check-eligibility: the sheet to write (.xlsx or .csv)")
	api := apiOptions{env: env}
	api.register(fs)
	paths, err := parseInterspersed(fs, args)
	if err != nil {
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
			return stateError(err, *state)
		}
		if store != nil {
			defer store.Close()
		}
	}
	key := api.macKey(stderr)
	if store != nil && key == nil {
		fmt.Fprintln(stderr, "telegent-bulk: TELEGENT_ACCOUNT_SECRET is not set: a change in a secret column alone (a new PIN) is not shown")
	}
	lines, err := jobs.PreviewPlan(p, store, jobs.Options{MACKey: key})
	if err != nil {
		return err
	}
	writePreview(stdout, p, lines)
	return nil
}

func cmdStatus(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("status", stderr)
	state := fs.String("state", "", "checkpoint file")
	if _, err := parseInterspersed(fs, args); err != nil {
		return err
	}
	if *state == "" {
		return usagef("status needs --state FILE")
	}
	if _, err := os.Stat(*state); err != nil {
		return usagef("no state file %s", *state)
	}
	store, err := checkpoint.Open(*state, checkpoint.Options{ReadOnly: true})
	if errors.Is(err, checkpoint.ErrLocked) {
		// A run holds the file: show the progress it writes beside it.
		live, lerr := jobs.ReadLive(jobs.LivePath(*state), jobs.LiveFallbackPath(*state))
		if lerr != nil {
			return fmt.Errorf("%w (it has not written its progress yet; try again in a moment)", err)
		}
		printLive(stdout, live, jobs.LiveFallbackPath(*state))
		return nil
	}
	if err != nil {
		if damagedState(err) {
			backupStatus(stdout, *state)
		}
		return stateError(err, *state)
	}
	defer store.Close()
	if m, err := store.Meta(); err == nil {
		printRuns(stdout, m)
	}
	counts, waiting, err := jobs.Status(store)
	if err != nil {
		if damagedState(err) {
			backupStatus(stdout, *state)
		}
		return stateError(err, *state)
	}
	printCounts(stdout, counts, waiting, len(waiting))
	return nil
}

func cmdSandbox(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("sandbox", stderr)
	addr := fs.String("addr", "127.0.0.1:8765", "listen address")
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
	fs.StringVar(&o.DataFile, "data", "", "keep the state in this file (default: memory)")
	profile := fs.String("profile", "documented", "documented: the API as the vendor documents show it; extended: plus what the sandbox infers")
	if _, err := parseInterspersed(fs, args); err != nil {
		return err
	}
	var err error
	if o.Profile, err = sandbox.ParseProfile(*profile); err != nil {
		return usagef("--profile: %v", err)
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
	wait        time.Duration
	quiet       bool
	logFormat   string
}

func cmdRun(ctx context.Context, args []string, env environ, stdout, stderr io.Writer) error {
	o, paths, err := parseRun(args, env, stderr)
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
	if err := o.api.check(); err != nil {
		return err
	}
	return runPlan(ctx, o, p, paths, resend, stdout, stderr)
}

// parseRun parses the flags of the run command into its options.
func parseRun(args []string, env environ, stderr io.Writer) (runOptions, []string, error) {
	fs := newFlagSet("run", stderr)
	o := runOptions{api: apiOptions{env: env}}
	o.api.register(fs)
	fs.StringVar(&o.state, "state", "", "checkpoint file (required): re-running the same command resumes")
	fs.StringVar(&o.out, "out", "", "results workbook (.xlsx, or .csv for one file per tab; default beside the manifest)")
	fs.IntVar(&o.maxFailures, "max-failures", 0, "stop taking new steps after this many failures (0: no limit)")
	fs.BoolVar(&o.retryFailed, "retry-failed", false, "retry failed and needs-attention rows even if unchanged")
	fs.Var(&o.resend, "resend", "a step `KEY` that needs attention and that you checked was not applied: send it "+
		"(the key the results' Error names, like accounts/acme/create; repeat the flag for more)")
	fs.DurationVar(&o.poll, "poll", time.Minute, "port order poll interval (jittered)")
	fs.DurationVar(&o.wait, "wait", 0, "keep polling open port orders this long once everything else is done")
	fs.BoolVar(&o.quiet, "quiet", false, "no progress bar and no summary")
	fs.StringVar(&o.logFormat, "log-format", "text", "step log on stderr: text (failures only) or json (every step)")
	paths, err := parseInterspersed(fs, args)
	if err != nil {
		return o, nil, err
	}
	if o.state == "" {
		return o, nil, usagef("run needs --state FILE (the checkpoint that makes the run resumable)")
	}
	if o.logFormat != "text" && o.logFormat != "json" {
		return o, nil, usagef("--log-format must be text or json")
	}
	return o, paths, nil
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
		return stateError(err, o.state)
	}
	defer store.Close()
	outage := jobs.NewOutageWatch(o.api.outageAfter)
	client, secret, stopAPI, err := o.api.connect(o.state, outage.Observe)
	if err != nil {
		return err
	}
	defer stopAPI()
	run := checkpoint.Run{ToolVersion: version, Manifest: paths, ManifestHash: manifestHash(paths), API: o.api.api}
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
		Wait:         o.wait,
		MACKey:       macKey(secret, o.api.env, stderr),
		Logger:       logger,
		OnEvent:      progress.event,
		LiveFile:     jobs.LivePath(o.state),
		LiveFallback: jobs.LiveFallbackPath(o.state),
		Outage:       outage,
	})
	stopNotice := context.AfterFunc(ctx, func() {
		progress.pause()
		fmt.Fprintln(stderr, "telegent-bulk: interrupted: finishing the calls in flight and writing the results "+
			"(Ctrl-C again quits at once; the next run looks up what was in flight)")
	})
	rep, runErr := runner.Run(ctx)
	stopNotice()
	progress.finish()
	if damagedState(runErr) {
		return stateError(runErr, o.state) // no results from a checkpoint that cannot be read
	}
	if err := jobs.WriteResultsFile(p, store, o.out, jobs.Results{Packages: runner.Packages(), Stopped: rep.Stopped}); err != nil {
		return errors.Join(runErr, err)
	}
	if !o.quiet {
		printSummary(stdout, rep, o.out)
	} else if rep.Stopped != "" && runErr == nil {
		fmt.Fprintln(stderr, "telegent-bulk:", rep.Stopped)
	}
	return runEnd(rep, runErr)
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
		return stateError(err, state)
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

// Command telegent-bulk moves an MVNO partner's subscriber base onto the
// Telegent mPaaS platform from spreadsheets: validate, plan, run (resumable,
// rate-limited), status, and a local sandbox of the API.
//
// main parses flags into one options struct per command, wires the
// packages, and maps errors to exit codes; it also draws what a person
// reads (the progress bar, status, the problems file) and keeps the
// sandbox's local fingerprint key. It holds no migration logic. The
// top-level layout is fixed, so the command is this one file.
package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

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
                         [--retry-failed] [--poll D] [--poll-share F] [--wait D] [--unknown-status-after D]
                         [--outage-after D] [--quiet] [--log-format text|json]
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
		if checkpoint.Unusable(err) {
			backupStatus(stdout, *state)
		}
		return checkpoint.Advise(err, *state)
	}
	defer store.Close()
	if m, err := store.Meta(); err == nil {
		printRuns(stdout, m)
	}
	counts, waiting, err := jobs.Status(store)
	if err != nil {
		if checkpoint.Unusable(err) {
			backupStatus(stdout, *state)
		}
		return checkpoint.Advise(err, *state)
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
	pollShare   float64
	unknown     time.Duration
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
	fs.DurationVar(&o.poll, "poll", 0, "base cadence of port order polls (jittered; 0: daily, as seed 002 advises): "+
		"a fresh order or one near its PortInDate is polled at an eighth of it, one pending for days at it, others at half")
	fs.Float64Var(&o.pollShare, "poll-share", jobs.DefaultPollShare, "the most of --rps that port order polls may take (0 < F <= 1)")
	fs.DurationVar(&o.unknown, "unknown-status-after", jobs.DefaultUnknownAfter,
		"an order in a status the tool does not know needs attention after showing it this long")
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
	if o.pollShare <= 0 || o.pollShare > 1 {
		return o, nil, usagef("--poll-share must be more than 0 and at most 1, got %g", o.pollShare)
	}
	if o.poll < 0 || o.unknown <= 0 {
		return o, nil, usagef("--poll must be >= 0 and --unknown-status-after > 0")
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
		return checkpoint.Advise(err, o.state)
	}
	defer store.Close()
	outage := jobs.NewOutageWatch(o.api.outageAfter)
	client, secret, stopAPI, err := o.api.connect(o.state, outage.Observe)
	if err != nil {
		return err
	}
	defer stopAPI()
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
		UnknownAfter: o.unknown,
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
	if checkpoint.Unusable(runErr) {
		return checkpoint.Advise(runErr, o.state) // no results from a checkpoint that cannot be read
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
	return keyFile(filepath.Join(dir, "telegent-bulk"), name)
}

// keyFile returns the random 32-byte key stored, in hex, in the file name
// of dir, making both (readable by their owner only) on first use. Two
// processes making it at once agree on one: the file is linked into place
// only if absent.
func keyFile(dir, name string) ([]byte, error) {
	path := filepath.Join(dir, name)
	read := func() ([]byte, error) {
		b, err := os.ReadFile(path)
		if err == nil && len(b) != 64 {
			err = fmt.Errorf("%s: not a key", path)
		}
		if err != nil {
			return nil, err
		}
		return hex.DecodeString(string(b))
	}
	if key, err := read(); err == nil || !errors.Is(err, fs.ErrNotExist) {
		return key, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	tmp, err := os.CreateTemp(dir, ".key-*")
	if err != nil {
		return nil, err
	}
	defer os.Remove(tmp.Name())
	key := make([]byte, 32)
	rand.Read(key)
	_, err = tmp.WriteString(hex.EncodeToString(key))
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	if err := os.Link(tmp.Name(), path); err != nil && !errors.Is(err, fs.ErrExist) {
		return nil, err
	}
	return read()
}

// ui returns the step logger and the progress display for a run.
func (o *runOptions) ui(stderr io.Writer, total int) (*slog.Logger, *progress) {
	var h slog.Handler
	switch {
	case o.logFormat == "json":
		h = slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo})
	case o.quiet:
		h = slog.DiscardHandler
	default:
		h = slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn})
	}
	pr := &progress{}
	if f, ok := stderr.(*os.File); ok && !o.quiet && o.logFormat == "text" && term.IsTerminal(int(f.Fd())) {
		pr = newProgress(stderr, total)
		h = slog.DiscardHandler // the bar and the results say it all
	}
	return slog.New(h), pr
}

// progress draws the bar on a terminal; a zero progress draws nothing.
// Its methods are called from the runner's event goroutine and from main;
// the bar itself is safe for that.
type progress struct {
	w      io.Writer // where the bar is drawn
	bar    *progressbar.ProgressBar
	paused atomic.Bool
	last   atomic.Pointer[jobs.Totals]
}

func newProgress(w io.Writer, total int) *progress {
	return &progress{w: w, bar: progressbar.NewOptions(total,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription("steps"),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("steps"),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionFullWidth(),
	)}
}

func (p *progress) event(e jobs.Event) {
	if p.bar == nil {
		return
	}
	t := e.Totals
	p.last.Store(&t)
	if p.paused.Load() {
		return
	}
	p.bar.Describe(fmt.Sprintf("steps · %d errors · %d ports waiting", t.Failed+t.Attention, t.Waiting))
	p.bar.Set(t.Finished())
}

// pause stops drawing (a message is about to be printed).
func (p *progress) pause() {
	if p.bar != nil && !p.paused.Swap(true) {
		p.bar.Exit()
		fmt.Fprintln(p.w)
	}
}

// finish ends the bar: full only when every step finished, else where the
// run left it (ports waiting, an interrupt, --max-failures).
func (p *progress) finish() {
	if p.bar == nil || p.paused.Load() {
		return
	}
	if t := p.last.Load(); t != nil && t.Finished() == t.Steps {
		p.bar.Finish()
	} else {
		p.bar.Exit()
	}
	fmt.Fprintln(p.w)
}

// writePreview prints what a run would do, per kind and action, with
// examples of the steps it would send.
func writePreview(w io.Writer, p *plan.Plan, lines []jobs.Preview) {
	fmt.Fprintf(w, "%-14s %-13s %8s %8s %8s %8s %8s\n", "KIND", "ACTION", "RUN", "DONE", "CHECK", "KEPT", "BLOCKED")
	var run, done, check, kept, blocked int
	for _, l := range lines {
		fmt.Fprintf(w, "%-14s %-13s %8d %8d %8d %8d %8d\n", l.Kind, l.Action.Slug(), l.Run, l.Done, l.Check, l.Kept+l.Other, l.Blocked)
		run, done, check, kept, blocked = run+l.Run, done+l.Done, check+l.Check, kept+l.Kept+l.Other, blocked+l.Blocked
	}
	fmt.Fprintf(w, "%-28s %8d %8d %8d %8d %8d\n", "total", run, done, check, kept, blocked)
	fmt.Fprintln(w)
	for _, l := range lines {
		for _, i := range l.Example {
			row := &p.Rows[p.Steps[i].Row]
			fmt.Fprintf(w, "  + %-44s %s:%d\n", p.Key(i), p.Tables[row.Table].Sheet, row.Num)
		}
	}
	fmt.Fprintf(w, "\nRUN: steps a run would send (port orders: polled) · DONE: already done · CHECK: outcome unknown, looked up before anything is re-sent · KEPT: failed/needs attention/cancelled, kept until the row changes or --retry-failed · BLOCKED: need a kept step\n")
}

// printSummary ends a run: its totals, why it stopped early, where the
// results are.
func printSummary(w io.Writer, rep jobs.Report, out string) {
	t := rep.Totals
	fmt.Fprintf(w, "steps: %d done, %d failed, %d skipped, %d waiting, %d need attention, %d cancelled (of %d)\n",
		t.Done, t.Failed, t.Skipped, t.Waiting, t.Attention, t.Cancelled, t.Steps)
	fmt.Fprintf(w, "this run made %d step calls (port polls included) in %s\n", t.Requests, rep.Elapsed.Round(time.Millisecond))
	if rep.Stopped != "" {
		fmt.Fprintln(w, rep.Stopped)
	}
	fmt.Fprintf(w, "results: %s\n", out)
}

// printLive shows the progress a run in progress writes beside its
// state file.
func printLive(stdout io.Writer, live jobs.Live, fallback string) {
	if live.Problem != "" {
		fmt.Fprintf(stdout, "%s (its progress is read from %s)\n", live.Problem, fallback)
	}
	fmt.Fprintf(stdout, "a run is in progress (pid %d, started %s); as of %s:\n\n", live.PID,
		live.StartedAt.Local().Format(time.DateTime), live.UpdatedAt.Local().Format(time.TimeOnly))
	printCounts(stdout, live.Counts, live.Waiting, live.WaitingTotal)
}

// printRuns shows the runs a state file has seen; nothing before the
// first.
func printRuns(stdout io.Writer, m checkpoint.Meta) {
	if m.Runs == 0 {
		return
	}
	runs := fmt.Sprintf("%d runs since %s, the last", m.Runs, m.CreatedAt.Local().Format(time.DateTime))
	if m.Runs == 1 {
		runs = "1 run,"
	}
	fmt.Fprintf(stdout, "%s started %s (telegent-bulk %s, %s)\n\n", runs, m.StartedAt.Local().Format(time.DateTime),
		m.ToolVersion, strings.Join(m.Manifest, " "))
}

// backupStatus shows, for a state file that cannot be read, the counts of
// its backup, if that is sound.
func backupStatus(stdout io.Writer, state string) {
	bak := checkpoint.BackupPath(state)
	s, err := checkpoint.Open(bak, checkpoint.Options{ReadOnly: true})
	if err != nil {
		return
	}
	defer s.Close()
	counts, waiting, err := jobs.Status(s)
	if err != nil {
		return
	}
	taken, _ := s.Restored()
	fmt.Fprintf(stdout, "%s cannot be read (see below). FROM ITS BACKUP %s, taken %s:\n\n", state, bak, taken.Local().Format(time.DateTime))
	printCounts(stdout, counts, waiting, len(waiting))
}

// printCounts prints steps per kind and state, and the open port orders
// (total of them, waiting listing some or all).
func printCounts(stdout io.Writer, counts jobs.StepCounts, waiting []jobs.WaitingPort, total int) {
	states := []checkpoint.State{checkpoint.Done, checkpoint.Failed, checkpoint.Skipped, checkpoint.Waiting,
		checkpoint.NeedsAttention, checkpoint.InFlight, checkpoint.Cancelled, checkpoint.Pending}
	fmt.Fprintf(stdout, "%-14s", "KIND")
	for _, s := range states {
		fmt.Fprintf(stdout, " %9s", strings.ReplaceAll(s.String(), "needs attention", "attention"))
	}
	fmt.Fprintln(stdout)
	kinds := make([]string, 0, len(counts))
	for k := range counts {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		fmt.Fprintf(stdout, "%-14s", k)
		for _, s := range states {
			fmt.Fprintf(stdout, " %9d", counts[k][s])
		}
		fmt.Fprintln(stdout)
	}
	if total > 0 {
		fmt.Fprintf(stdout, "\n%d port orders still open:\n", total)
		for _, w := range waiting {
			fmt.Fprintf(stdout, "  %s  %s  %s\n", w.Number, w.OrderId, w.PortStatus)
		}
		if total > len(waiting) {
			fmt.Fprintf(stdout, "  … and %d more\n", total-len(waiting))
		}
	}
}

// problemsFile is the CSV file of validate --problems: every problem of
// the manifest, one a line, with the columns sheet, row, column and
// message, in the order they were found (each table's rows in order, then
// the problems found across rows and tables). It is written to a
// temporary file beside its destination, readable by its owner only, and
// renamed into place by commit, so that the destination holds a whole
// list or none.
type problemsFile struct {
	path string
	f    *os.File
	buf  *bufio.Writer
	cw   *csv.Writer
	done bool
}

// createProblemsFile starts the file at path.
func createProblemsFile(path string) (*problemsFile, error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", path, err)
	}
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, fmt.Errorf("create %s: %w", path, err)
	}
	buf := bufio.NewWriterSize(f, 1<<20)
	pf := &problemsFile{path: path, f: f, buf: buf, cw: csv.NewWriter(buf)}
	if err := pf.cw.Write([]string{"sheet", "row", "column", "message"}); err != nil {
		pf.abort()
		return nil, fmt.Errorf("write %s: %w", path, err)
	}
	return pf, nil
}

// add writes one problem.
func (pf *problemsFile) add(p plan.Problem) error {
	row := ""
	if p.Row > 0 {
		row = strconv.Itoa(p.Row)
	}
	if err := pf.cw.Write([]string{defuse(p.Sheet), row, defuse(p.Column), defuse(p.Message)}); err != nil {
		return fmt.Errorf("write %s: %w", pf.path, err)
	}
	return nil
}

// defuse keeps a spreadsheet that opens the file from running a cell as a
// formula: a value starting with = + - @ (or a tab or carriage return)
// gets a leading apostrophe.
func defuse(v string) string {
	if v != "" && strings.IndexByte("=+-@\t\r", v[0]) >= 0 {
		return "'" + v
	}
	return v
}

// commit finishes the file and moves it into place.
func (pf *problemsFile) commit() error {
	pf.cw.Flush()
	err := pf.cw.Error()
	if err == nil {
		err = pf.buf.Flush()
	}
	if err == nil {
		err = pf.f.Sync()
	}
	if cerr := pf.f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(pf.f.Name(), pf.path)
	}
	if err != nil {
		pf.abort()
		return fmt.Errorf("write %s: %w", pf.path, err)
	}
	pf.done = true
	if d, err := os.Open(filepath.Dir(pf.path)); err == nil {
		_ = d.Sync() // the rename itself succeeded
		_ = d.Close()
	}
	return nil
}

// abort removes the temporary file unless commit moved it into place.
func (pf *problemsFile) abort() {
	if pf.done {
		return
	}
	pf.done = true
	_ = pf.f.Close()
	_ = os.Remove(pf.f.Name())
}

package jobs_test

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"telegent-bulk/checkpoint"
	"telegent-bulk/jobs"
	"telegent-bulk/plan"
	"telegent-bulk/sheets"
	"telegent-bulk/telegent"
	"telegent-bulk/telegent/sandbox"
)

// Canaries: one distinctive value per secret cell. Each must reach the API
// (it is sent) and appear nowhere else.
const (
	canaryPassword1   = "Canary-Pw-7f3a9c"
	canaryPassword2   = "Canary-Pw-b51e08"
	canaryToken       = "Canary-Tok-2d6e41"
	canaryCbToken     = "Canary-CbTok-93ac7f"
	canaryVoiceToken  = "Canary-VTok-58d2c0"
	canaryAcct        = "Canary-Acct-5e1b2d" // a port that completes
	canaryAcctPIN1    = "Canary-Acct-0c9f44" // 9912: rejected PIN_INVALID
	canaryAcctPIN2    = "Canary-Acct-e82b19" // 9912: the PIN that fixes it
	canaryAcctAN1     = "Canary-Acct-71d3ae" // 9911: rejected ACCOUNT_NUMBER_MISMATCH
	canaryAcctAN2     = "Canary-Acct-4af6d0" // 9911: a PIN change that does not fix it
	canaryPortOutPIN1 = "8675309412"
	canaryPortOutPIN2 = "5550199731"
	canaryVoicemail   = "Canary-Vm-3b8e1d" // an extra column whose name looks secret: masked, never sent
)

// secretCells is how many secret cells secretsManifest fills: 2 passwords,
// 1 voicemail PIN, 3 route tokens, 3 port-in PINs, 2 port-out PINs.
const secretCells = 11

var (
	canariesSent = []string{canaryPassword1, canaryPassword2, canaryToken, canaryCbToken, canaryVoiceToken, canaryAcct,
		canaryAcctPIN1, canaryAcctPIN2, canaryAcctAN1, canaryAcctAN2, canaryPortOutPIN1, canaryPortOutPIN2}
	allCanaries = append(append([]string(nil), canariesSent...), canaryVoicemail)
)

// secretsManifest writes the manifest of TestSecretsNeverLeak into dir. The
// 9911 and 9912 rows carry pin1/pin2 as their CurrentAccountPassword.
func secretsManifest(tb testing.TB, dir, pin11, pin12 string) {
	tb.Helper()
	addr := []string{"1 Main St", "Provo", "UT", "84601"}
	port := func(number, pin string) []string {
		return append([]string{number, "ben@acme.example", "acme-sms", "Verizon Wireless", "111222333", pin}, addr...)
	}
	writeCSVTables(tb, dir, map[string][][]string{
		"accounts.csv": {
			{"AccountRef", "AccountName", "AccountAdmin", "BillingStreet1", "BillingCity", "BillingState", "BillingZip"},
			append([]string{"acme", "Acme Mobile", "ops@acme.example"}, addr...),
		},
		"subscribers.csv": {
			{"Email", "Name", "AccountRef", "Password", "VoicemailPIN"},
			{"ana@acme.example", "Ana Ortiz", "acme", canaryPassword1, canaryVoicemail},
			{"ben@acme.example", "Ben Okafor", "acme", canaryPassword2, ""},
		},
		"messageroutes.csv": {
			{"RouteRef", "AccountRef", "RouteName", "MessageUrl", "MessageAuthenticationType", "MessageUsername",
				"MessagePasswordToken", "CallbackMessageUrl", "CallbackMessageAuthenticationType",
				"CallbackMessageUsername", "CallbackMessagePasswordToken"},
			{"acme-sms", "acme", "Acme SMS", "https://sms.acme.example/in", "Basic", "acme-hook", canaryToken,
				"https://sms.acme.example/dlr", "Basic", "acme-dlr", canaryCbToken},
		},
		"voiceroutes.csv": {
			{"RouteRef", "AccountRef", "RouteName", "RouteType", "VoiceUrl", "VoiceAuthenticationType", "VoiceUsername", "VoicePasswordToken"},
			{"acme-voice", "acme", "Acme IVR", "URL", "https://voice.acme.example/in", "Basic", "acme-ivr", canaryVoiceToken},
		},
		"numbers.csv": {
			{"LineRef", "SubscriberEmail", "MessageRouteRef", "NumberType", "MessageType", "ProductType", "AreaCode", "Package"},
			{"ACME-001", "ana@acme.example", "acme-sms", "mvno", "p2p", "Sms+Data", "801", "Starter 1GB"},
		},
		"portins.csv": {
			append([]string{"PortInNumber", "SubscriberEmail", "MessageRouteRef", "CurrentCarrierName",
				"CurrentAccountNumber", "CurrentAccountPassword"}, "BillingStreet1", "BillingCity", "BillingState", "BillingZip"),
			port("+18015550171", canaryAcct),
			port("+18015559912", pin12),
			port("+18015559911", pin11),
		},
		"portouts.csv": {
			{"PortOutNumber", "PIN"}, // the alias is as secret as the column
			{"+13855550100", canaryPortOutPIN1},
			{"(385) 555-0101", canaryPortOutPIN2},
		},
	})
}

// Secret cells are sent to the API and written nowhere else: not in the
// log, the results (XLSX bytes, XLSX cells, CSV), the checkpoint file or its
// error messages — also when the API fails, loses answers, rejects a port
// for its PIN, and rejects it again after a PIN change that does not help.
func TestSecretsNeverLeak(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		opts sandbox.Options
		// calm turns the faults off after the first run, so that the
		// second one settles every row and its outcomes can be checked.
		calm bool
	}{
		{name: "clean", opts: sandbox.Options{PortStep: 30 * time.Millisecond, Seed: 3}, calm: true},
		{name: "faults", opts: sandbox.Options{PortStep: 30 * time.Millisecond, FailRate: 0.05, LoseRate: 0.05, Seed: 11,
			Profile: sandbox.ProfileExtended}},
		// Every answer to a change is lost in the first run: creates are
		// reconciled, idempotent calls fail after their retries with an
		// error message, and the second run retries them.
		// The extended profile's lookups settle every lost create, so that
		// every secret is sent again and again.
		{name: "every answer lost", opts: sandbox.Options{PortStep: 30 * time.Millisecond, LoseRate: 1, Seed: 5,
			Profile: sandbox.ProfileExtended}, calm: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, tc.opts)
			tap := tapWire(t, e)
			c := tap.client(t)
			var logs lockedBuffer
			o := jobs.Options{Wait: 10 * time.Second, Logger: slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}
			manifest := filepath.Join(e.dir, "manifest")
			state := filepath.Join(e.dir, "run.db")

			// Run 1: 9912 is rejected for its PIN, 9911 for its account number.
			secretsManifest(t, manifest, canaryAcctAN1, canaryAcctPIN1)
			p := loadPlan(t, manifest)
			if _, err := e.run(context.Background(), p, state, c, o); err != nil {
				t.Fatal(err)
			}
			assertNoCanary(t, e, p, state, logs.String(), findCanary(allCanaries), secretCells)
			if tc.opts.FailRate+tc.opts.LoseRate > 0 {
				if n := injectedFaults(e.srv.Stats()); n == 0 {
					t.Errorf("the sandbox injected no fault in the first run: no error path ran")
				}
			}
			if tc.calm {
				e.srv.SetFaults(0, 0)
			}

			// Run 2: both get a new PIN. 9912's is the fix; 9911's is not,
			// and the order is rejected again.
			secretsManifest(t, manifest, canaryAcctAN2, canaryAcctPIN2)
			p = loadPlan(t, manifest)
			if _, err := e.run(context.Background(), p, state, c, o); err != nil {
				t.Fatal(err)
			}
			recs := assertNoCanary(t, e, p, state, logs.String(), findCanary(allCanaries), secretCells)

			sent := tap.sent()
			for _, cn := range canariesSent {
				// Under faults a create may end needing attention (a 504
				// before any change looks like a lost answer), and what
				// follows it is not sent: only calm runs must send all.
				if tc.calm && !strings.Contains(sent, cn) {
					t.Errorf("canary %s never reached the API: the test proves nothing about it", cn)
				}
			}
			if strings.Contains(sent, canaryVoicemail) {
				t.Errorf("the VoicemailPIN column (not an API field) was sent to the API")
			}
			if !strings.Contains(logs.String(), `"msg":"step"`) {
				t.Errorf("the log has no step line: %.300s", logs.String())
			}
			if !tc.calm {
				return // outcomes depend on the faults; the leak checks above are the point
			}
			if got := recs["portins/+18015559912/monitor"]; got.State != checkpoint.Done {
				t.Errorf("9912 after its PIN was fixed: %s %q, want done", got.State, got.ErrMessage)
			}
			got := recs["portins/+18015559911/monitor"]
			if got.State != checkpoint.Failed || !strings.Contains(got.ErrMessage, "fix CurrentAccountNumber") {
				t.Errorf("9911 after a PIN change: %s %q, want failed, the account number to fix", got.State, got.ErrMessage)
			}
			if n := e.srv.Stats().Requests["POST "+telegent.PathPortInUpdate]["200"]; n != 2 {
				t.Errorf("portin/update answered 200 %d times, want 2 (one per changed PIN)", n)
			}
		})
	}

	// A secret that fails validation is not quoted in the problem either.
	t.Run("problems", func(t *testing.T) {
		dir := t.TempDir()
		writeCSVTables(t, dir, map[string][][]string{
			"portouts.csv": {{"PortOutNumber", "PortOutPIN"}, {"+13855550100", "Canary-77"}, {"+13855550101", "12"}},
			"messageroutes.csv": {
				{"RouteRef", "RouteName", "MessageUrl", "MessageAuthenticationType", "MessagePasswordToken"},
				{"r1", "R1", "https://x.example/in", "Basic", canaryToken},
			},
		})
		var rs []sheets.Reader
		for _, name := range []string{"portouts.csv", "messageroutes.csv"} {
			r, err := sheets.Open(filepath.Join(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			rs = append(rs, r...)
		}
		_, problems, warnings, err := plan.Check(rs)
		for _, r := range rs {
			r.Close()
		}
		if err != nil {
			t.Fatal(err)
		}
		if len(problems) < 3 {
			t.Fatalf("problems = %v, want the two PINs and the Basic route without a user name", problems)
		}
		var b strings.Builder
		problems.WriteReport(&b)
		warnings.WriteWarnings(&b)
		for _, cn := range []string{"Canary-77", canaryToken} {
			if strings.Contains(b.String(), cn) {
				t.Errorf("a problem report shows the secret %q:\n%s", cn, b.String())
			}
		}
		if strings.Contains(b.String(), ": 12 ") || strings.Contains(b.String(), `"12"`) {
			t.Errorf("a problem report quotes the short PIN:\n%s", b.String())
		}
	})
}

// injectedFaults counts the answers the sandbox failed (500, 503, 504) or
// lost (a dropped connection counts as status 0).
func injectedFaults(st sandbox.Stats) int {
	n := 0
	for _, byStatus := range st.Requests {
		n += byStatus["0"] + byStatus["500"] + byStatus["503"] + byStatus["504"]
	}
	return n
}

// findCanary returns a leak finder for assertNoCanary that looks for each
// canary as it is.
func findCanary(canaries []string) func(string) []string {
	return func(text string) []string {
		var found []string
		for _, cn := range canaries {
			if n := strings.Count(text, cn); n > 0 {
				found = append(found, fmt.Sprintf("the secret %s %d times", cn, n))
			}
		}
		return found
	}
}

// assertNoCanary checks every output of the run recorded in state with
// find (which describes each leak it finds in a text) and returns the
// checkpoint records. The results must show masked secret cells.
func assertNoCanary(tb testing.TB, e *env, p *plan.Plan, state, logs string, find func(string) []string, masked int) map[string]checkpoint.Record {
	tb.Helper()
	check := func(where, text string) {
		tb.Helper()
		for _, leak := range find(text) {
			tb.Errorf("%s holds %s", where, leak)
		}
	}
	check("the log", logs)

	// Every file the run left: the checkpoint byte for byte, the results
	// workbook raw and unzipped, the CSV results.
	writeResultsCSV(tb, p, state, filepath.Join(e.dir, "csv"), e.state().Packages)
	err := filepath.WalkDir(e.dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if d.Name() == "manifest" {
				return filepath.SkipDir
			}
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		check(path, string(b))
		if strings.HasSuffix(path, ".xlsx") {
			zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
			if err != nil {
				return err
			}
			for _, zf := range zr.File {
				rc, err := zf.Open()
				if err != nil {
					return err
				}
				part, err := io.ReadAll(rc)
				rc.Close()
				if err != nil {
					return err
				}
				check(path+"!"+zf.Name, string(part))
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := os.Stat(state); err != nil {
		tb.Fatalf("no checkpoint file to check: %v", err)
	}

	// The workbook's cells: secret columns say *** wherever the manifest
	// had a value.
	f, err := excelize.OpenFile(filepath.Join(e.dir, "results.xlsx"))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	secretCols := map[string]bool{"Password": true, "MessagePasswordToken": true, "CallbackMessagePasswordToken": true,
		"CurrentAccountPassword": true, "PIN": true, "PortOutPIN": true, "VoicemailPIN": true, "VoicePasswordToken": true}
	n := 0
	for _, sheet := range f.GetSheetList() {
		rows, err := f.GetRows(sheet)
		if err != nil {
			tb.Fatal(err)
		}
		for r, row := range rows {
			for c, v := range row {
				check("results.xlsx "+sheet, v)
				if r > 0 && c < len(rows[0]) && secretCols[rows[0][c]] && v != "" {
					n++
					if v != "***" {
						tb.Errorf("results.xlsx %s row %d %s = %q, want ***", sheet, r+1, rows[0][c], v)
					}
				}
			}
		}
	}
	if n != masked {
		tb.Errorf("results.xlsx has %d masked secret cells, want %d", n, masked)
	}

	// The checkpoint's records, field by field.
	recs := rowStates(tb, state)
	for k, r := range recs {
		b, _ := json.Marshal(r)
		check("checkpoint record "+k, string(b))
		check("the error message of "+k, r.ErrMessage)
	}
	b, _ := json.Marshal(e.state())
	check("the sandbox's state", string(b))
	return recs
}

// wireTap serves an env's sandbox through a handler that keeps a copy of
// every request body, to prove that the secrets were sent at all, and the
// Message of every 400 answer, to prove that an echo fault quoted them.
type wireTap struct {
	http   *httptest.Server
	mu     sync.Mutex
	body   bytes.Buffer
	echoes bytes.Buffer
}

func tapWire(tb testing.TB, e *env) *wireTap {
	tb.Helper()
	w := &wireTap{}
	w.http = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(rw, err.Error(), http.StatusBadRequest)
			return
		}
		w.mu.Lock()
		w.body.Write(b)
		w.body.WriteByte('\n')
		w.mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(b))
		tee := &answerTee{ResponseWriter: rw}
		e.srv.ServeHTTP(tee, r)
		var eb telegent.ErrorBody
		if tee.status == http.StatusBadRequest && json.Unmarshal(tee.body.Bytes(), &eb) == nil {
			w.mu.Lock()
			w.echoes.WriteString(eb.Message)
			w.echoes.WriteByte('\n')
			w.mu.Unlock()
		}
	}))
	tb.Cleanup(w.http.Close)
	return w
}

// answerTee keeps a copy of an answer's status and body. It can still drop
// the connection, as the sandbox does to lose an answer.
type answerTee struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (a *answerTee) WriteHeader(status int) {
	a.status = status
	a.ResponseWriter.WriteHeader(status)
}

func (a *answerTee) Write(b []byte) (int, error) {
	a.body.Write(b)
	return a.ResponseWriter.Write(b)
}

func (a *answerTee) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return http.NewResponseController(a.ResponseWriter).Hijack()
}

// echoed returns the Messages of the 400 answers, one a line.
func (w *wireTap) echoed() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.echoes.String()
}

// client returns a client for the tapped sandbox, configured as env.client.
func (w *wireTap) client(tb testing.TB) *telegent.Client {
	tb.Helper()
	c, err := telegent.New(telegent.Config{
		BaseURL:       w.http.URL,
		AccountKey:    sandbox.AccountKey,
		AccountSecret: sandbox.AccountSecret,
		BaseBackoff:   2 * time.Millisecond,
		MaxBackoff:    50 * time.Millisecond,
		MaxAttempts:   12,
	})
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

func (w *wireTap) sent() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.body.String()
}

// lockedBuffer is a bytes.Buffer safe for a logger and a reader.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Canaries for an API that quotes requests back: every character that some
// encoding spells differently (two spaces, a tab, <&>, a quote, a
// backslash, a slash, non-ASCII), and a word telling which column leaked.
var (
	echoPassword = "pä ss\t<&>\"Pword  x\\/ñ"
	echoToken    = "pä ss\t<&>\"Token  x\\/ñ"
	echoCbToken  = "pä ss\t<&>\"CbTok  x\\/ñ"
	echoVToken   = "pä ss\t<&>\"VoTok  x\\/ñ"
	echoAcctPIN  = "pä ss\t<&>\"AcPIN  x\\/ñ"
	echoPortOut  = "4417093825" // PortOutPIN takes digits only
	echoCanaries = []string{echoPassword, echoToken, echoCbToken, echoVToken, echoAcctPIN, echoPortOut}
)

// longURL puts the callback token of echoManifest's route past the first
// 512 characters of an echo.
var longURL = "https://sms.acme.example/dlr/" + strings.Repeat("acme-delivery-receipts/", 20) + "in"

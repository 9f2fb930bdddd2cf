package jobs_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"html"
	"log/slog"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"telegent-bulk/checkpoint"
	"telegent-bulk/jobs"
	"telegent-bulk/plan"
	"telegent-bulk/telegent"
	"telegent-bulk/telegent/sandbox"
)

// echoManifest writes a manifest with an echo canary in every secret
// column: 6 secret cells.
func echoManifest(tb testing.TB, dir string) {
	tb.Helper()
	addr := []string{"1 Main St", "Provo", "UT", "84601"}
	writeCSVTables(tb, dir, map[string][][]string{
		"accounts.csv": {
			{"AccountRef", "AccountName", "AccountAdmin", "BillingStreet1", "BillingCity", "BillingState", "BillingZip"},
			append([]string{"acme", "Acme Mobile", "ops@acme.example"}, addr...),
		},
		"subscribers.csv": {
			{"Email", "Name", "AccountRef", "Password"},
			{"ana@acme.example", "Ana Ortiz", "acme", echoPassword},
		},
		"messageroutes.csv": {
			{"RouteRef", "AccountRef", "RouteName", "MessageUrl", "MessageAuthenticationType", "MessageUsername",
				"MessagePasswordToken", "CallbackMessageUrl", "CallbackMessageAuthenticationType",
				"CallbackMessageUsername", "CallbackMessagePasswordToken"},
			{"acme-sms", "acme", "Acme SMS", "https://sms.acme.example/in", "Basic", "acme-hook", echoToken,
				longURL, "Basic", "acme-dlr", echoCbToken},
		},
		"voiceroutes.csv": {
			{"RouteRef", "AccountRef", "RouteName", "RouteType", "VoiceUrl", "VoiceAuthenticationType", "VoiceUsername", "VoicePasswordToken"},
			{"acme-voice", "acme", "Acme IVR", "URL", "https://voice.acme.example/in", "Basic", "acme-ivr", echoVToken},
		},
		"portins.csv": {
			{"PortInNumber", "SubscriberEmail", "MessageRouteRef", "CurrentCarrierName", "CurrentAccountNumber",
				"CurrentAccountPassword", "BillingStreet1", "BillingCity", "BillingState", "BillingZip"},
			append([]string{"+18015550171", "ana@acme.example", "acme-sms", "Verizon Wireless", "111222333", echoAcctPIN}, addr...),
		},
		"portouts.csv": {
			{"PortOutNumber", "PortOutPIN"},
			{"+13855550100", echoPortOut},
		},
	})
}

// spellings returns the ways a secret may reach a file or a log: as it
// is, JSON-escaped (with and without HTML escaping), URL-encoded (query
// and path), with whitespace collapsed, XML-escaped (a workbook part),
// CSV-quoted and Go-quoted (a text log).
func spellings(s string) []string {
	goJSON, _ := json.Marshal(s)
	var plain bytes.Buffer
	enc := json.NewEncoder(&plain)
	enc.SetEscapeHTML(false)
	enc.Encode(s)
	var xmlText bytes.Buffer
	xml.EscapeText(&xmlText, []byte(s))
	q := strconv.Quote(s)
	return []string{s, string(goJSON[1 : len(goJSON)-1]), strings.TrimSuffix(plain.String()[1:], "\"\n"),
		url.QueryEscape(s), url.PathEscape(s), strings.Join(strings.Fields(s), " "), xmlText.String(),
		html.EscapeString(s), strings.ReplaceAll(s, `"`, `""`), q[1 : len(q)-1]}
}

// findSpelling returns a leak finder for assertNoCanary that looks for
// every spelling of each canary, and every piece of 6 characters of it (as
// it is and collapsed) unless it is all digits.
func findSpelling(canaries []string) func(string) []string {
	type needle struct{ what, text string }
	var needles []needle
	for _, cn := range canaries {
		for _, sp := range spellings(cn) {
			needles = append(needles, needle{fmt.Sprintf("a spelling of %q: %q", cn, sp), sp})
		}
		if strings.Trim(cn, "0123456789") == "" {
			continue
		}
		for _, base := range []string{cn, strings.Join(strings.Fields(cn), " ")} {
			r := []rune(base)
			for i := 0; i+6 <= len(r); i++ {
				needles = append(needles, needle{fmt.Sprintf("a piece of %q: %q", cn, string(r[i:i+6])), string(r[i : i+6])})
			}
		}
	}
	return func(text string) []string {
		var found []string
		for _, n := range needles {
			if strings.Contains(text, n.text) {
				found = append(found, n.what)
			}
		}
		return found
	}
}

// An API whose 400s quote the request body (the sandbox's echo fault):
// every secret column, and the account secret at the token endpoint, come
// back JSON-escaped and often past the 512 characters kept of a message.
// No spelling of any of them, and no piece of one, reaches the log, the
// results (XLSX parts and cells, CSV), the checkpoint or its messages.
func TestEchoedSecretsNeverLeak(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Options{PortStep: 30 * time.Millisecond, Seed: 9})
	tap := tapWire(t, e)
	c := tap.client(t)
	var logs lockedBuffer
	o := jobs.Options{Wait: 10 * time.Second, Logger: slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	manifest := filepath.Join(e.dir, "manifest")
	state := filepath.Join(e.dir, "run.db")
	echoManifest(t, manifest)
	p := loadPlan(t, manifest)
	find := findSpelling(echoCanaries)
	findAll := func(text string) []string {
		// the account secret is public; only its whole spellings count
		return append(find(text), findCanary([]string{sandbox.AccountSecret, strconv.Quote(sandbox.AccountSecret)})(text)...)
	}
	run := func(phase string, echo float64, o jobs.Options) {
		t.Helper()
		e.srv.SetEchoRate(echo)
		if _, err := e.run(context.Background(), p, state, c, o); err != nil {
			t.Fatalf("%s: %v", phase, err)
		}
		assertNoCanary(t, e, p, state, logs.String(), findAll, len(echoCanaries))
	}

	// 1. Everything echoed: the first token fetch quotes the account secret.
	run("token echoed", 1, withOnly(o, plan.AccountCreate))
	if !strings.Contains(tap.echoed(), `"AccountSecret":"`+sandbox.AccountSecret+`"`) {
		t.Fatalf("no echo quoted the account secret: the test proves nothing about it\n%.500s", tap.echoed())
	}

	// 2. No echo: the account and the eligibility check are done, and
	// every endpoint the next run calls gets its token, so that the echo
	// answers the rows' own requests, not the token fetches.
	e.srv.SetEchoRate(0)
	warmTokens(t, c)
	o2 := withOnly(o, plan.AccountCreate, plan.PortInEligibility)
	o2.RetryFailed = true
	run("setup", 0, o2)

	// 3. Every row with a secret sends it, and gets it back in a 400.
	run("rows echoed", 1, o)
	for _, cn := range echoCanaries {
		b, _ := json.Marshal(cn)
		if !strings.Contains(tap.echoed(), string(b[1:len(b)-1])) {
			t.Errorf("no echo quoted %q: the test proves nothing about it", cn)
		}
	}
	if !hasLongEcho(tap.echoed()) {
		t.Errorf("no echo was longer than 512 characters: the cut of long messages is not exercised")
	}

	// 4. No echo: the failed rows are sent again and go through.
	o4 := o
	o4.RetryFailed = true
	run("calm", 0, o4)
	for k, r := range rowStates(t, state) {
		if r.State != checkpoint.Done {
			t.Errorf("%s is %s (%s), want done once the API stops echoing", k, r.State, r.ErrMessage)
		}
	}
}

func withOnly(o jobs.Options, a ...plan.Action) jobs.Options {
	o.Only = a
	return o
}

// hasLongEcho reports whether one of the echoed messages (one a line) is
// longer than the 512 characters the client keeps.
func hasLongEcho(echoes string) bool {
	for _, m := range strings.Split(echoes, "\n") {
		if len([]rune(m)) > 512 {
			return true
		}
	}
	return false
}

// warmTokens makes c fetch a token for every endpoint a run of
// echoManifest calls after its accounts and eligibility checks, with
// requests the sandbox refuses or that change nothing.
func warmTokens(tb testing.TB, c *telegent.Client) {
	tb.Helper()
	ctx := context.Background()
	calls := []func() error{
		func() error { _, err := c.CreateSubscriber(ctx, telegent.SubscriberCreateRequest{}); return err },
		func() error { _, err := c.CreateMessageRoute(ctx, telegent.MessageRouteCreateRequest{}); return err },
		func() error { _, err := c.CreateVoiceRoute(ctx, telegent.VoiceRouteCreateRequest{}); return err },
		func() error { _, err := c.PortIn(ctx, telegent.PortInRequest{}); return err },
		func() error { _, err := c.PortOut(ctx, telegent.PortOutRequest{}); return err },
		func() error {
			_, err := c.Inventory(ctx, telegent.InventoryFilter{PhoneNumber: "+10000000000"})
			return err
		},
		func() error { _, err := c.Packages(ctx); return err },
	}
	for _, call := range calls {
		if err := call(); err != nil && telegent.Classify(err) != telegent.ClassFailRow {
			tb.Fatalf("warming the token cache: %v", err)
		}
	}
}

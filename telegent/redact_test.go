package telegent

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"
)

// A secret with every character that some encoding spells differently:
// two spaces, a tab, <&>, a quote, a backslash, a slash, non-ASCII within
// and beyond the BMP.
const oddSecret = "pä ss\t<&>\"w0rd  x\\/𝄞z"

// spellings returns the ways a server may quote a string, built here
// independently of the code under test.
func spellings() map[string]func(string) string {
	goJSON := func(s string) string {
		b, _ := json.Marshal(s)
		return string(b[1 : len(b)-1])
	}
	plainJSON := func(s string) string {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		enc.Encode(s)
		return strings.TrimSuffix(b.String()[1:], "\"\n")
	}
	// .NET's default encoder: \uXXXX in upper case for everything outside
	// printable ASCII and for HTML-sensitive characters.
	dotnet := func(s string) string {
		var b strings.Builder
		for _, r := range s {
			switch {
			case r == '\\':
				b.WriteString(`\\`)
			case r > 0xFFFF:
				hi, lo := surrogates(r)
				fmt.Fprintf(&b, `\u%04X\u%04X`, hi, lo)
			case r < 0x20 || r > 0x7E || strings.ContainsRune(`<>&'"+`+"`", r):
				fmt.Fprintf(&b, `\u%04X`, r)
			default:
				b.WriteRune(r)
			}
		}
		return b.String()
	}
	collapse := func(s string) string { return strings.Join(strings.Fields(s), " ") }
	return map[string]func(string) string{
		"raw":               func(s string) string { return s },
		"go json":           goJSON,
		"json, no html":     plainJSON,
		".net json":         dotnet,
		"php json":          func(s string) string { return strings.ReplaceAll(goJSON(s), "/", `\/`) },
		"json twice":        func(s string) string { return goJSON(goJSON(s)) },
		"query escaped":     url.QueryEscape,
		"path escaped":      url.PathEscape,
		"query, lower hex":  func(s string) string { return strings.ToLower(url.QueryEscape(s)) },
		"collapsed":         collapse,
		"go json collapsed": func(s string) string { return collapse(goJSON(s)) },
		"html":              html.EscapeString,
	}
}

// pieces returns every piece of s that is minLen characters long.
func pieces(s string, minLen int) []string {
	r := []rune(s)
	var out []string
	for i := 0; i+minLen <= len(r); i++ {
		out = append(out, string(r[i:i+minLen]))
	}
	return out
}

// leaked reports the first spelling of secret, or piece of 6 characters of
// it or of its collapsed or JSON-escaped form, found in msg.
func leaked(t *testing.T, msg, secret string) string {
	t.Helper()
	sp := spellings()
	for name, spell := range sp {
		if strings.Contains(msg, spell(secret)) {
			return name
		}
	}
	for _, name := range []string{"raw", "collapsed", "go json"} {
		for _, p := range pieces(sp[name](secret), 6) {
			if strings.Contains(msg, p) {
				return fmt.Sprintf("piece %q", p)
			}
		}
	}
	return ""
}

func TestRedactEverySpelling(t *testing.T) {
	for name, spell := range spellings() {
		t.Run(name, func(t *testing.T) {
			msg := `invalid request: {"Name":"Ann","Password":"` + spell(oddSecret) + `","Role":"Subscriber"}`
			got := redact(msg, []string{"other-secret", oddSecret})
			if l := leaked(t, got, oddSecret); l != "" {
				t.Errorf("redact left the %s in %q", l, got)
			}
			if !strings.HasPrefix(got, `invalid request: {"Name":"Ann","Password":"`) || !strings.HasSuffix(got, `","Role":"Subscriber"}`) {
				t.Errorf("redact(%q) = %q: more than the secret went", msg, got)
			}
		})
	}
}

// A server that cut its message leaves the start of a secret at its end,
// or the end of one at its start, maybe with part of an escape: wherever
// the cut falls in the spelled-out secret, the piece is masked if it holds
// at least minCut of the secret's characters.
func TestRedactCutSecrets(t *testing.T) {
	sec := []rune(oddSecret)
	for name, spell := range spellings() {
		form := spell(oddSecret)
		for at := 1; at < len(form); at++ {
			// whole characters of the secret before the cut, and after it
			before, after := 0, 0
			for j := 1; j < len(sec); j++ {
				if strings.HasPrefix(form[:at], spell(string(sec[:j]))) {
					before = j
				}
				if strings.HasSuffix(form[at:], spell(string(sec[len(sec)-j:]))) {
					after = j
				}
			}
			if before >= minCut {
				for _, tail := range []string{"", "…", "...", " (truncated)"} {
					msg := "invalid request: " + form[:at] + tail
					if got := redact(msg, []string{oddSecret}); got != "invalid request: "+secretMask {
						t.Errorf("%s cut after %d bytes (%d characters): redact(%q) = %q", name, at, before, msg, got)
					}
				}
			}
			if after >= minCut {
				for _, head := range []string{"", "…", "..."} {
					msg := head + form[at:] + `","Role":"Subscriber"}`
					if got := redact(msg, []string{oddSecret}); got != secretMask+`","Role":"Subscriber"}` {
						t.Errorf("%s from byte %d on (%d characters): redact(%q) = %q", name, at, after, msg, got)
					}
				}
				msg := "invalid request: …" + form[at:]
				if got := redact(msg, []string{oddSecret}); got != "invalid request: "+secretMask {
					t.Errorf("%s from byte %d on (%d characters): redact(%q) = %q", name, at, after, msg, got)
				}
			}
		}
	}
}

func TestRedactLeavesWordsAlone(t *testing.T) {
	tests := []struct {
		name, msg string
		secrets   []string
		want      string
	}{
		{"word of a secret mid-message", "the password field is wrong", []string{"password1"}, "the password field is wrong"},
		{"3 characters at the end", "PIN must start with 123", []string{"12345678"}, "PIN must start with 123"},
		{"4 characters at the end", "PIN must start with 1234", []string{"12345678"}, "PIN must start with ***"},
		{"4-digit PIN whole", "PIN 0550 is not valid for 0550", []string{"0550"}, "PIN *** is not valid for ***"},
		{"empty secret", "nothing to hide", []string{"", " "}, "nothing to hide"},
		{"bearer word", "MessageAuthenticationType must be Basic or Bearer for this route", nil,
			"MessageAuthenticationType must be Basic or Bearer for this route"},
		{"bearer token", "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjE3MDAwMDB9 refused", nil,
			"Authorization: Bearer *** refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := redact(tt.msg, tt.secrets); got != tt.want {
				t.Errorf("redact(%q, %q) = %q, want %q", tt.msg, tt.secrets, got, tt.want)
			}
		})
	}
}

// The message is masked before it is collapsed and cut to maxMessage: a
// secret past the cut, or with runs of whitespace, is masked all the same.
func TestAPIErrorMasksBeforeCleaning(t *testing.T) {
	for _, at := range []int{0, 300, maxMessage - 10, maxMessage - 3, maxMessage + 40} {
		msg := strings.Repeat("x", at) + " Password=" + oddSecret + " end"
		body, err := json.Marshal(ErrorBody{StatusCode: 400, Message: msg})
		if err != nil {
			t.Fatal(err)
		}
		e := apiError("subscribers/create", 400, body, 0, []string{oddSecret})
		if l := leaked(t, e.Message, oddSecret); l != "" {
			t.Errorf("secret at %d: the message holds the %s: %q", at, l, e.Message)
		}
		if l := leaked(t, e.Error(), oddSecret); l != "" {
			t.Errorf("secret at %d: Error() holds the %s", at, l)
		}
	}
}

// echoToken is the token echoServer issues when it issues one.
const echoToken = "tok-3f9a1c7e5b2d8046a1c9e7f35b0d2e8c4a6f1b3d"

// echoServer answers requests 400 with a Message quoting the body (and the
// Authorization header, if any) in the way quote spells it: every request,
// or, with tokens, every call but the token fetch, which gets echoToken.
// quoted counts the answers that quoted a secret.
func echoServer(t *testing.T, quote func(string) string, tokens bool) (hs *httptest.Server, quoted func() int) {
	t.Helper()
	var mu sync.Mutex
	n := 0
	hs = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		if tokens && r.URL.Path == PathToken {
			json.NewEncoder(w).Encode(TokenResponse{Token: echoToken, Successful: true})
			return
		}
		quoted := string(b)
		if h := r.Header.Get("Authorization"); h != "" {
			quoted = h + " " + quoted
		}
		msg := "The request is invalid: " + quote(quoted)
		mu.Lock()
		n++
		mu.Unlock()
		w.WriteHeader(http.StatusBadRequest)
		json.NewEncoder(w).Encode(ErrorBody{StatusCode: 400, Message: msg})
	}))
	t.Cleanup(hs.Close)
	return hs, func() int { mu.Lock(); defer mu.Unlock(); return n }
}

// An API whose 400s quote the request: neither the error returned nor the
// attempts the observer sees hold the account secret, the bearer token or
// a row's secret, in any spelling, whole or cut.
func TestEchoedSecretsAreMasked(t *testing.T) {
	t.Parallel()
	const accountSecret = "acct sécret\t<&> \"42\"  end"
	quotes := map[string]func(string) string{
		"as sent":        func(s string) string { return s },
		"collapsed":      func(s string) string { return strings.Join(strings.Fields(s), " ") },
		"cut at 60":      func(s string) string { return cut(s, 60) + "..." },
		"cut at 90":      func(s string) string { return cut(s, 90) + "…" },
		"last 40":        func(s string) string { r := []rune(s); return "…" + string(r[max(0, len(r)-40):]) },
		"json-escaped":   func(s string) string { b, _ := json.Marshal(s); return string(b) },
		"query-escaped":  url.QueryEscape,
		"path-escaped":   url.PathEscape,
		"collapsed, cut": func(s string) string { return cut(strings.Join(strings.Fields(s), " "), 86) },
	}
	for name, quote := range quotes {
		for _, tokens := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/token issued %v", name, tokens), func(t *testing.T) {
				t.Parallel()
				hs, quoted := echoServer(t, quote, tokens)
				var mu sync.Mutex
				var seen []string
				c, err := New(Config{BaseURL: hs.URL, AccountKey: "key", AccountSecret: accountSecret, MaxAttempts: 1,
					Observer: func(a Attempt) {
						mu.Lock()
						defer mu.Unlock()
						if a.Err != nil {
							seen = append(seen, a.Err.Error())
						}
					}})
				if err != nil {
					t.Fatal(err)
				}
				_, err = c.CreateSubscriber(context.Background(), SubscriberCreateRequest{Name: "Ann", Email: "ann@example.com",
					Role: "Subscriber", Password: oddSecret, AccountId: "AID-1"})
				if err == nil {
					t.Fatal("the call succeeded against a server that answers 400")
				}
				if quoted() == 0 {
					t.Fatal("the server quoted nothing: the test proves nothing")
				}
				mu.Lock()
				texts := append([]string{err.Error()}, seen...)
				mu.Unlock()
				for _, text := range texts {
					for _, sec := range []string{accountSecret, oddSecret, echoToken} {
						if l := leaked(t, text, sec); l != "" {
							t.Errorf("%q holds the %s of %q", text, l, sec)
						}
					}
				}
			})
		}
	}
}

// cut returns the first n characters of s.
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

package telegent

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// An API that quotes the request in an error answer hands the request's
// secrets back in whatever spelling its own stack produced on the way: as
// sent; JSON-escaped by Go's rules (<, > and & as \u003c, quotes and
// backslashes with a backslash, control characters as \t or \u0009), by
// .NET's (every non-ASCII character as \u00E4, upper-case hex) or PHP's
// ("/" as "\/"), or escaped twice; URL-encoded for a query (space as +) or a
// path (%20); with runs of whitespace collapsed; and cut where the server
// shortened its message. redact masks every one of these spellings, and
// mixtures of them, before anything else reads the message.

// secretMask replaces a secret, or a piece of one, in a message.
const secretMask = "***"

// minCut is the shortest piece of a secret masked where a message ends
// (or starts) with it because it was cut; a whole secret is masked
// wherever it stands, whatever its length (a 4-digit PIN included).
const minCut = 4

// bearerToken matches a bearer token quoted with its scheme, whichever
// token it is (long enough not to be a word after "Bearer" in prose).
var bearerToken = regexp.MustCompile(`(?i)(bearer\s+)[A-Za-z0-9\-._~+/]{16,}=*`)

// Where a server cut its message it may have left an ellipsis or a marker
// (which may also stand inside the message, where it cut a quote), a
// replacement character for a split UTF-8 sequence, or part of an escape.
const (
	cutMarker = `(?:…|\.\.\.|\((?i:truncated)\)|\[(?i:truncated)\])`
	cutMarks  = `(?:\s|\x{FFFD}|` + cutMarker + `)*`
	cutAfter  = `(?:` + cutMarks + `$|[\s\x{FFFD}]*` + cutMarker + `)`
	cutBefore = `(?:^|…|\.\.\.)` + cutMarks
	// the first bytes of an escape before the cut (after half a surrogate
	// pair, maybe), or of a character URL-encoded byte by byte
	cutEscape = `(?:(?:\\+u[dD][89abAB][0-9A-Fa-f]{2})?\\+(?:u[0-9A-Fa-f]{0,3})?|\\+u[dD][89abAB][0-9A-Fa-f]{2}|` +
		`(?:%[0-9A-Fa-f]{2}){0,3}(?:%[0-9A-Fa-f]?)?|&#?[0-9A-Za-z]{0,5})?`
	// the last bytes of one after the cut
	escapeRest = `(?:u?[0-9A-Fa-f]{1,4}|[bfnrt"\\/]|#?[0-9A-Za-z]{0,6};|[0-9A-Fa-f]{0,2}(?:%[0-9A-Fa-f]{2}){0,3})?`
)

// redact returns s with every spelling of each non-empty secret masked:
// whole anywhere, and cut (at least minCut characters) where s ends or
// starts or next to an ellipsis. Bearer tokens are masked too.
func redact(s string, secrets []string) string {
	if s == "" {
		return s
	}
	for _, sec := range secrets {
		if p := patternsFor(sec); p != nil {
			s = p.mask(s)
		}
	}
	return bearerToken.ReplaceAllString(s, "${1}"+secretMask)
}

// secretPatterns match one secret: whole, cut at a message's end, cut at
// its start (the last two nil for a secret too short to cut).
type secretPatterns struct {
	whole, end, start *regexp.Regexp
}

// maxTokens bounds the secrets spelled out in patterns. A longer one (no
// password or PIN is) is masked as sent and JSON-escaped only.
const maxTokens = 1024

// patternCache keeps the patterns of recent secrets: the account secret
// and the tokens recur in every error, and building a pattern costs far
// more than matching it.
var patternCache struct {
	sync.Mutex
	m map[string]*secretPatterns
}

const patternCacheMax = 256

func patternsFor(sec string) *secretPatterns {
	patternCache.Lock()
	p, ok := patternCache.m[sec]
	patternCache.Unlock()
	if ok {
		return p
	}
	p = buildPatterns(sec)
	patternCache.Lock()
	if len(patternCache.m) >= patternCacheMax || patternCache.m == nil {
		patternCache.m = make(map[string]*secretPatterns)
	}
	patternCache.m[sec] = p
	patternCache.Unlock()
	return p
}

func buildPatterns(sec string) *secretPatterns {
	toks := secretTokens(sec)
	if len(toks) == 0 {
		return nil
	}
	p := &secretPatterns{}
	err := errors.New("secret too long to spell out")
	if len(toks) <= maxTokens {
		p.whole, err = regexp.Compile(strings.Join(toks, ""))
		if err == nil && len(toks) > minCut {
			p.end, err = regexp.Compile(`(?:` + prefixPattern(toks) + `)` + cutEscape + cutAfter)
		}
		if err == nil && len(toks) > minCut {
			p.start, err = regexp.Compile(cutBefore + escapeRest + `(?:` + suffixPattern(toks) + `)`)
		}
	}
	if err != nil {
		// Literal spellings only: as sent, and JSON-escaped.
		alts := []string{regexp.QuoteMeta(sec)}
		if b, err := json.Marshal(sec); err == nil {
			alts = append(alts, regexp.QuoteMeta(string(b[1:len(b)-1])))
		}
		p.whole, p.end, p.start = regexp.MustCompile(alternation(alts)), nil, nil
	}
	return p
}

// mask masks the secret in s: whole, then a piece of it cut by the
// server at the end or start of s, or next to a mark of a cut.
func (p *secretPatterns) mask(s string) string {
	s = p.whole.ReplaceAllString(s, secretMask)
	if p.end == nil {
		return s
	}
	s = p.start.ReplaceAllString(s, secretMask)
	return p.end.ReplaceAllString(s, secretMask)
}

func alternation(alts []string) string { return "(?:" + strings.Join(alts, "|") + ")" }

// prefixPattern matches a piece of the secret made of its first minCut
// tokens and any of the others but the last (the whole secret is already
// masked). The optional tokens are not nested, so that the pattern does not
// nest as deep as the secret is long: it also matches pieces with gaps,
// which does no harm where a message ends.
func prefixPattern(toks []string) string {
	var b strings.Builder
	b.WriteString(strings.Join(toks[:minCut], ""))
	for _, t := range toks[minCut : len(toks)-1] {
		b.WriteString("(?:" + t + ")?")
	}
	return b.String()
}

// suffixPattern matches a piece of the secret made of its last minCut
// tokens, after any of the others but the first.
func suffixPattern(toks []string) string {
	var b strings.Builder
	for _, t := range toks[1 : len(toks)-minCut] {
		b.WriteString("(?:" + t + ")?")
	}
	b.WriteString(strings.Join(toks[len(toks)-minCut:], ""))
	return b.String()
}

// secretTokens returns one pattern per character of sec, matching that
// character in any of the spellings above. A run of whitespace is one
// token that matches any run of whitespace (a collapsed run included), and
// leading or trailing whitespace is left out (a trimmed secret matches).
func secretTokens(sec string) []string {
	sec = strings.TrimFunc(sec, unicode.IsSpace)
	var toks []string
	var space []rune
	for _, c := range sec {
		if unicode.IsSpace(c) {
			space = append(space, c)
			continue
		}
		if len(space) > 0 {
			toks = append(toks, spacePattern(space))
			space = nil
		}
		toks = append(toks, runePattern(c))
	}
	return toks
}

// spacePattern matches a run of whitespace, each character spelled in
// any way runePattern knows (or as a short JSON escape).
func spacePattern(run []rune) string {
	alts := []string{`[\s\p{Z}\x{85}]`, `\\+[tnr]`}
	for _, c := range append([]rune{' ', '\t', '\n', '\r'}, run...) {
		alts = append(alts, runePattern(c))
	}
	return "(?:" + strings.Join(alts, "|") + ")+"
}

// runePattern matches c as it is, JSON-escaped (once or more, with a
// short escape or \uXXXX in either case), URL-encoded, or as an HTML or
// XML entity.
func runePattern(c rune) string {
	alts := []string{regexp.QuoteMeta(string(c))}
	if c == utf8.RuneError {
		return alts[0]
	}
	// \uXXXX, with a surrogate pair beyond the BMP; \\+ admits the
	// backslashes of a message escaped more than once.
	if c > 0xFFFF {
		hi, lo := surrogates(c)
		alts = append(alts, `\\+u(?i:`+fmt.Sprintf("%04x", hi)+`)\\+u(?i:`+fmt.Sprintf("%04x", lo)+`)`)
	} else {
		alts = append(alts, `\\+u(?i:`+fmt.Sprintf("%04x", c)+`)`)
	}
	switch c {
	case '"', '\\', '/':
		alts = append(alts, `\\+`+regexp.QuoteMeta(string(c)))
	case '\b':
		alts = append(alts, `\\+b`)
	case '\f':
		alts = append(alts, `\\+f`)
	case ' ':
		alts = append(alts, `\+`)
	}
	if ent, ok := entities[c]; ok {
		alts = append(alts, ent)
	}
	var pct strings.Builder
	var buf [utf8.UTFMax]byte
	for _, b := range buf[:utf8.EncodeRune(buf[:], c)] {
		fmt.Fprintf(&pct, "%%(?i:%02x)", b)
	}
	alts = append(alts, pct.String())
	return "(?:" + strings.Join(alts, "|") + ")"
}

// entities spells the characters HTML and XML escape.
var entities = map[rune]string{
	'<':  `&(?:lt|#0*60|#x0*3[cC]);`,
	'>':  `&(?:gt|#0*62|#x0*3[eE]);`,
	'&':  `&(?:amp|#0*38|#x0*26);`,
	'"':  `&(?:quot|#0*34|#x0*22);`,
	'\'': `&(?:apos|#0*39|#x0*27);`,
	'\t': `&#(?:0*9|x0*9);`,
	'\n': `&#(?:0*10|x0*[aA]);`,
}

// surrogates returns the UTF-16 surrogate pair of c (beyond U+FFFF).
func surrogates(c rune) (hi, lo rune) {
	c -= 0x10000
	return 0xD800 + (c>>10)&0x3FF, 0xDC00 + c&0x3FF
}

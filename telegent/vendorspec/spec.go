// Package vendorspec checks request bodies against the vendor's own
// documents rather than against the project's sandbox.
//
// The documents are kept as data under testdata/vendor: the JSON examples
// of the vendor's pages, the port-in page's OpenAPI document, and
// fields.json, which lists per endpoint every request field the documents
// show (the examples' fields and the field tables' rows), with its nesting,
// its JSON type, and where the documents give them the required fields,
// enum values and date formats. Load reads that folder; CheckRequest checks
// one request against it. A body sent to POST /v1.0/numbers/portin is also
// validated against the OpenAPI document with kin-openapi.
//
// The package serves the tests of telegent, jobs and the root package. It
// imports nothing of the project, so that the documents, not the project's
// own types, decide what is right.
package vendorspec

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
)

// ErrUndocumented is wrapped by CheckRequest's error for a request with a
// body to an endpoint the documents show no request body for.
var ErrUndocumented = errors.New("endpoint not documented by the vendor")

// Spec is the documented request shape of every endpoint in fields.json.
type Spec struct {
	endpoints map[string]*endpoint // by "METHOD /path"
}

type endpoint struct {
	key    string // "POST /v1.0/numbers/portin"
	method string
	path   string
	source string
	root   *node
	enums  map[string]enumRule
	dates  map[string]dateRule
	query  map[string]bool // nil: the query is not checked
	// openapi is the request body of the endpoint's operation in an OpenAPI
	// document; nil when no such document covers the endpoint.
	openapi *openapi3.RequestBody
}

type enumRule struct {
	values     []string
	ignoreCase bool
}

type dateRule struct {
	formats []string // as the documents write them: MM/DD/YYYY
	layouts []string // the same as Go time layouts
}

// The JSON types fields.json may give a field.
const (
	typeString  = "string"
	typeNumber  = "number"
	typeInteger = "integer"
	typeBoolean = "boolean"
)

// rawEndpoint is one entry of fields.json.
type rawEndpoint struct {
	Source   string            `json:"source"`
	Fields   []string          `json:"fields"`
	Types    map[string]string `json:"types"`
	Required []string          `json:"required"`
	Enums    map[string]struct {
		Values     []string `json:"values"`
		IgnoreCase bool     `json:"ignoreCase"`
		Source     string   `json:"source"`
	} `json:"enums"`
	Dates map[string]struct {
		Formats []string `json:"formats"`
		Source  string   `json:"source"`
	} `json:"dates"`
	Query   []string `json:"query"`
	OpenAPI string   `json:"openapi"`
	Notes   string   `json:"notes"`
}

// Load reads dir/fields.json and the OpenAPI documents it names.
func Load(dir string) (*Spec, error) {
	name := filepath.Join(dir, "fields.json")
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("load vendor spec: %w", err)
	}
	var raw map[string]rawEndpoint
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("load vendor spec: %s: %w", name, err)
	}
	s := &Spec{endpoints: make(map[string]*endpoint, len(raw))}
	docs := map[string]*openapi3.T{}
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		ep, err := buildEndpoint(k, raw[k])
		if err != nil {
			return nil, fmt.Errorf("load vendor spec: %s: %s: %w", name, k, err)
		}
		if f := raw[k].OpenAPI; f != "" {
			if ep.openapi, err = openAPIBody(dir, f, ep.method, ep.path, docs); err != nil {
				return nil, fmt.Errorf("load vendor spec: %s: %s: %w", name, k, err)
			}
		}
		s.endpoints[k] = ep
	}
	return s, nil
}

// buildEndpoint turns one fields.json entry into an endpoint, refusing an
// entry whose parts do not fit together.
func buildEndpoint(key string, r rawEndpoint) (*endpoint, error) {
	method, path, ok := strings.Cut(key, " ")
	if !ok || method != strings.ToUpper(method) || !strings.HasPrefix(path, "/") {
		return nil, errors.New(`want "METHOD /path"`)
	}
	if r.Source == "" {
		return nil, errors.New("no source")
	}
	ep := &endpoint{key: key, method: method, path: path, source: r.Source, root: newObject(),
		enums: map[string]enumRule{}, dates: map[string]dateRule{}}
	if err := ep.addFields(r); err != nil {
		return nil, err
	}
	if err := ep.addRules(r); err != nil {
		return nil, err
	}
	if r.Query != nil {
		ep.query = map[string]bool{}
		for _, q := range r.Query {
			ep.query[q] = true
		}
	}
	return ep, nil
}

// addFields builds the body's shape from the fields, their types and the
// required ones.
func (ep *endpoint) addFields(r rawEndpoint) error {
	for _, f := range r.Fields {
		typ, ok := r.Types[f]
		if !ok {
			return fmt.Errorf("field %s: no type", f)
		}
		switch typ {
		case typeString, typeNumber, typeInteger, typeBoolean:
		default:
			return fmt.Errorf("field %s: unknown type %q", f, typ)
		}
		if err := ep.root.add(f, typ); err != nil {
			return err
		}
	}
	for f := range r.Types {
		if !slices.Contains(r.Fields, f) {
			return fmt.Errorf("type given for %s, which is not in fields", f)
		}
	}
	for _, f := range r.Required {
		if err := ep.root.require(f); err != nil {
			return err
		}
	}
	return nil
}

// addRules reads the enums and date formats, each on a string field.
func (ep *endpoint) addRules(r rawEndpoint) error {
	for f, e := range r.Enums {
		if err := ep.root.stringLeaf(f); err != nil {
			return fmt.Errorf("enum: %w", err)
		}
		if len(e.Values) == 0 || e.Source == "" {
			return fmt.Errorf("enum %s: values and source are required", f)
		}
		ep.enums[f] = enumRule{values: e.Values, ignoreCase: e.IgnoreCase}
	}
	for f, d := range r.Dates {
		if err := ep.root.stringLeaf(f); err != nil {
			return fmt.Errorf("date: %w", err)
		}
		if len(d.Formats) == 0 || d.Source == "" {
			return fmt.Errorf("date %s: formats and source are required", f)
		}
		rule := dateRule{formats: d.Formats}
		for _, format := range d.Formats {
			layout, err := goLayout(format)
			if err != nil {
				return fmt.Errorf("date %s: %w", f, err)
			}
			rule.layouts = append(rule.layouts, layout)
		}
		ep.dates[f] = rule
	}
	return nil
}

// goLayout turns a date format as the documents write it (MM/DD/YYYY,
// YYYY-MM-DD) into a Go time layout.
func goLayout(format string) (string, error) {
	layout := strings.NewReplacer("YYYY", "2006", "MM", "01", "DD", "02").Replace(format)
	if strings.ContainsAny(layout, "YMD") {
		return "", fmt.Errorf("date format %q: only YYYY, MM and DD are understood", format)
	}
	return layout, nil
}

// Endpoints returns the documented endpoints, as "METHOD /path", sorted.
func (s *Spec) Endpoints() []string {
	out := make([]string, 0, len(s.endpoints))
	for k := range s.endpoints {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// ValidValue returns a value the documents allow for a field with an enum
// or a date format ("PortInDate", "IpWhitelist[].IpAddress"), for tests
// that build requests; false for any other field.
func (s *Spec) ValidValue(method, path, field string) (string, bool) {
	ep := s.endpoints[strings.ToUpper(method)+" "+path]
	if ep == nil {
		return "", false
	}
	if e, ok := ep.enums[field]; ok {
		return e.values[0], true
	}
	if d, ok := ep.dates[field]; ok {
		return time.Date(2026, time.June, 1, 0, 0, 0, 0, time.UTC).Format(d.layouts[0]), true
	}
	return "", false
}

// Problem is one way a request departs from the documents.
type Problem struct {
	Field  string // the field's path as fields.json writes it; "" for the body itself
	Reason string
}

// Error lists every problem of one request. It never holds a field's value,
// except the values of enum and date fields, which are never secret.
type Error struct {
	Endpoint string // "POST /v1.0/numbers/portin"
	Problems []Problem
}

func (e *Error) Error() string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		if p.Field == "" {
			parts[i] = p.Reason
		} else {
			parts[i] = p.Field + ": " + p.Reason
		}
	}
	return e.Endpoint + ": " + strings.Join(parts, "; ")
}

// Fields returns the fields the problems name.
func (e *Error) Fields() []string {
	out := make([]string, 0, len(e.Problems))
	for _, p := range e.Problems {
		if !slices.Contains(out, p.Field) {
			out = append(out, p.Field)
		}
	}
	return out
}

// CheckRequest checks one request: method, path (a query string may
// follow it) and JSON body. It returns nil when the request is as the
// documents show it, an *Error listing every problem when it is not, and
// an error wrapping ErrUndocumented when a body goes to an endpoint the
// documents show none for. A request without a body to an undocumented
// endpoint (a GET list, say) has nothing to check.
func (s *Spec) CheckRequest(method, path string, body []byte) error {
	method = strings.ToUpper(method)
	p, rawQuery, _ := strings.Cut(path, "?")
	key := method + " " + p
	ep := s.endpoints[key]
	empty := len(strings.TrimSpace(string(body))) == 0
	if ep == nil {
		if empty {
			return nil
		}
		return fmt.Errorf("%s: %w", key, ErrUndocumented)
	}
	c := &checker{ep: ep}
	c.checkQuery(rawQuery)
	switch {
	case empty && len(ep.root.children) > 0 && method != http.MethodGet:
		c.problem("", "no body, where the documents show one")
	case !empty && len(ep.root.children) == 0:
		c.problem("", "a body, where the documents show none")
	case !empty:
		if v, ok := c.decode(body); ok {
			c.value("", ep.root, v)
			if ep.openapi != nil {
				c.problems = append(c.problems, validateOpenAPI(ep, body)...)
			}
		}
	}
	if len(c.problems) == 0 {
		return nil
	}
	slices.SortStableFunc(c.problems, func(a, b Problem) int { return strings.Compare(a.Field, b.Field) })
	return &Error{Endpoint: key, Problems: c.problems}
}

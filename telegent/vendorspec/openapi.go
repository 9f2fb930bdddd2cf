package vendorspec

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
)

// openAPIBody loads an OpenAPI document (once per file) and returns the
// request body of the operation at method and path.
func openAPIBody(dir, file, method, path string, docs map[string]*openapi3.T) (*openapi3.RequestBody, error) {
	doc := docs[file]
	if doc == nil {
		loader := openapi3.NewLoader()
		d, err := loader.LoadFromFile(filepath.Join(dir, filepath.FromSlash(file)))
		if err != nil {
			return nil, fmt.Errorf("openapi %s: %w", file, err)
		}
		// The page requires BearerAuth without defining the scheme (it is
		// an extract of the whole document). Security plays no part in
		// checking a body, so the requirement is dropped and the rest of
		// the document must be valid.
		d.Security = nil
		if err := d.Validate(loader.Context); err != nil {
			return nil, fmt.Errorf("openapi %s: %w", file, err)
		}
		doc, docs[file] = d, d
	}
	item := doc.Paths.Find(path)
	if item == nil {
		return nil, fmt.Errorf("openapi %s: no path %s", file, path)
	}
	op := item.GetOperation(method)
	if op == nil || op.RequestBody == nil || op.RequestBody.Value == nil {
		return nil, fmt.Errorf("openapi %s: no request body for %s %s", file, method, path)
	}
	return op.RequestBody.Value, nil
}

// validateOpenAPI validates a body with kin-openapi's request validation
// and turns what it finds into problems. The reasons are kin-openapi's,
// which never quote the value.
func validateOpenAPI(ep *endpoint, body []byte) []Problem {
	req, err := http.NewRequest(ep.method, "http://vendor.invalid"+ep.path, bytes.NewReader(body))
	if err != nil {
		return []Problem{{Reason: "openapi: " + err.Error()}}
	}
	req.Header.Set("Content-Type", "application/json")
	in := &openapi3filter.RequestValidationInput{
		Request: req,
		Options: &openapi3filter.Options{MultiError: true, SkipSettingDefaults: true},
	}
	err = openapi3filter.ValidateRequestBody(context.Background(), in, ep.openapi)
	if err == nil {
		return nil
	}
	var out []Problem
	for _, e := range flatten(err) {
		var se *openapi3.SchemaError
		if errors.As(e, &se) {
			out = append(out, Problem{Field: pointerPath(se.JSONPointer()), Reason: "OpenAPI: " + se.Reason})
			continue
		}
		var re *openapi3filter.RequestError
		if errors.As(e, &re) && re.Err == nil {
			out = append(out, Problem{Reason: "OpenAPI: " + re.Reason})
			continue
		}
		out = append(out, Problem{Reason: "OpenAPI: " + e.Error()})
	}
	return out
}

// flatten unwraps a RequestError and the MultiErrors inside it into the
// single errors they hold.
func flatten(err error) []error {
	var re *openapi3filter.RequestError
	if errors.As(err, &re) && re.Err != nil {
		err = re.Err
	}
	var me openapi3.MultiError
	if !errors.As(err, &me) {
		return []error{err}
	}
	var out []error
	for _, e := range me {
		out = append(out, flatten(e)...)
	}
	return out
}

// pointerPath writes a JSON pointer's segments in the notation of
// fields.json: array indexes become [].
func pointerPath(segs []string) string {
	var b strings.Builder
	for _, s := range segs {
		if _, err := strconv.Atoi(s); err == nil {
			b.WriteString("[]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(s)
	}
	return b.String()
}

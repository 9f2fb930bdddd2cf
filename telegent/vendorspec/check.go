package vendorspec

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// A node is the documented shape of one value of a body.
type node struct {
	kind     kind
	typ      string           // leaf: string, number, integer or boolean
	children map[string]*node // object: its documented fields
	required []string         // object: the fields it must carry
	elem     *node            // array: the shape of every element
}

type kind int

const (
	leaf kind = iota
	object
	array
)

func newObject() *node { return &node{kind: object, children: map[string]*node{}} }

func newNode(k kind) *node {
	if k == object {
		return newObject()
	}
	return &node{kind: k}
}

func (k kind) String() string {
	switch k {
	case object:
		return "an object"
	case array:
		return "an array"
	}
	return "a value"
}

// add records a field path of fields.json: "Name", "Address.Street1",
// "PhoneNumbers[]" (an array of values), "IpWhitelist[].IpAddress" (an
// array of objects).
func (n *node) add(path, typ string) error {
	cur := n
	segs := strings.Split(path, ".")
	for i, seg := range segs {
		name, isArray := strings.CutSuffix(seg, "[]")
		if name == "" {
			return fmt.Errorf("field %q: empty name", path)
		}
		k := object
		if i == len(segs)-1 {
			k = leaf
		}
		next, err := cur.child(name, isArray, k)
		if err != nil {
			return fmt.Errorf("field %q: %w", path, err)
		}
		cur = next
	}
	if cur.typ != "" {
		return fmt.Errorf("field %q: listed twice", path)
	}
	cur.typ = typ
	return nil
}

// child returns the node a field's value (for an array: its elements) has,
// creating it, or an error when the field was given another shape before.
func (n *node) child(name string, isArray bool, k kind) (*node, error) {
	c := n.children[name]
	if c == nil {
		c = newNode(k)
		if isArray {
			c = &node{kind: array, elem: c}
		}
		n.children[name] = c
	}
	if isArray != (c.kind == array) {
		return nil, fmt.Errorf("%s is both an array and not one", name)
	}
	if isArray {
		c = c.elem
	}
	if c.kind != k {
		return nil, fmt.Errorf("%s is both %s and %s", name, c.kind, k)
	}
	return c, nil
}

// find returns the node of a field path and the object holding it.
func (n *node) find(path string) (parent, found *node, name string, err error) {
	cur := n
	segs := strings.Split(path, ".")
	for i, seg := range segs {
		base, isArray := strings.CutSuffix(seg, "[]")
		if cur.kind != object {
			return nil, nil, "", fmt.Errorf("%s: not a documented field", path)
		}
		next := cur.children[base]
		if next == nil || isArray != (next.kind == array) {
			return nil, nil, "", fmt.Errorf("%s: not a documented field", path)
		}
		parent, name = cur, base
		if isArray {
			next = next.elem
		}
		cur = next
		if i == len(segs)-1 {
			found = cur
		}
	}
	return parent, found, name, nil
}

// require marks a field as one its object must carry. "PhoneNumbers" and
// "PhoneNumbers[]" both name the array.
func (n *node) require(path string) error {
	parent, _, name, err := n.find(path)
	if err != nil {
		var again error
		if parent, _, name, again = n.find(path + "[]"); again != nil {
			return fmt.Errorf("required: %w", err)
		}
	}
	parent.required = append(parent.required, name)
	return nil
}

// stringLeaf fails unless path is a documented string field.
func (n *node) stringLeaf(path string) error {
	_, f, _, err := n.find(path)
	if err != nil {
		return err
	}
	if f.kind != leaf || f.typ != typeString {
		return fmt.Errorf("%s: not a string field", path)
	}
	return nil
}

// checker collects the problems of one request.
type checker struct {
	ep       *endpoint
	problems []Problem
}

func (c *checker) problem(field, format string, args ...any) {
	c.problems = append(c.problems, Problem{Field: field, Reason: fmt.Sprintf(format, args...)})
}

func (c *checker) checkQuery(raw string) {
	if c.ep.query == nil || raw == "" {
		return
	}
	q, err := url.ParseQuery(raw)
	if err != nil {
		c.problem("", "query cannot be read: %v", err)
		return
	}
	names := make([]string, 0, len(q))
	for k := range q {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		if !c.ep.query[k] {
			c.problem("?"+k, "not a documented query parameter")
		}
	}
}

// decode reads a body that must be one JSON object.
func (c *checker) decode(body []byte) (any, bool) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		c.problem("", "body is not JSON: %v", err)
		return nil, false
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		c.problem("", "body holds more than one JSON value")
		return nil, false
	}
	if _, ok := v.(map[string]any); !ok {
		c.problem("", "body is %s, where the documents show an object", describe(v))
		return nil, false
	}
	return v, true
}

// value checks one value against its documented shape. path is the
// value's field path in the notation of fields.json.
func (c *checker) value(path string, n *node, v any) {
	if v == nil {
		return // the documents send null for fields left unset
	}
	switch n.kind {
	case object:
		m, ok := v.(map[string]any)
		if !ok {
			c.problem(path, "%s, where the documents show an object", describe(v))
			return
		}
		c.object(path, n, m)
	case array:
		l, ok := v.([]any)
		if !ok {
			c.problem(path, "%s, where the documents show an array", describe(v))
			return
		}
		for _, e := range l {
			c.value(path+"[]", n.elem, e)
		}
	default:
		c.leaf(path, n, v)
	}
}

func (c *checker) object(path string, n *node, m map[string]any) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		p := join(path, k)
		child := n.children[k]
		if child == nil {
			c.problem(p, "not a documented field (%s)", c.ep.source)
			continue
		}
		c.value(p, child, m[k])
	}
	if c.ep.openapi != nil {
		return // required fields come from the OpenAPI document
	}
	for _, k := range n.required {
		if m[k] == nil {
			c.problem(join(path, k), "required by the documents, missing")
		}
	}
}

func (c *checker) leaf(path string, n *node, v any) {
	switch v.(type) {
	case map[string]any, []any:
		c.problem(path, "%s, where the documents show %s", describe(v), article(n.typ))
		return
	}
	if c.ep.openapi != nil {
		return // types and enums come from the OpenAPI document
	}
	if !hasType(v, n.typ) {
		c.problem(path, "%s, where the documents show %s", describe(v), article(n.typ))
		return
	}
	s, ok := v.(string)
	if !ok {
		return
	}
	if e, ok := c.ep.enums[path]; ok && !e.allows(s) {
		c.problem(path, "%q is not one of %s", s, strings.Join(e.values, ", "))
	}
	if d, ok := c.ep.dates[path]; ok && !d.allows(s) {
		c.problem(path, "%q is not a date written %s", s, strings.Join(d.formats, " or "))
	}
}

func hasType(v any, typ string) bool {
	switch typ {
	case typeString:
		_, ok := v.(string)
		return ok
	case typeBoolean:
		_, ok := v.(bool)
		return ok
	case typeNumber:
		_, ok := v.(json.Number)
		return ok
	case typeInteger:
		n, ok := v.(json.Number)
		if !ok {
			return false
		}
		_, err := strconv.ParseInt(string(n), 10, 64)
		return err == nil
	}
	return false
}

func (e enumRule) allows(s string) bool {
	for _, v := range e.values {
		if s == v || (e.ignoreCase && strings.EqualFold(s, v)) {
			return true
		}
	}
	return false
}

func (d dateRule) allows(s string) bool {
	for _, l := range d.layouts {
		if _, err := time.Parse(l, s); err == nil {
			return true
		}
	}
	return false
}

// describe names a JSON value's type, never the value itself (it may be a
// secret).
func describe(v any) string {
	switch v := v.(type) {
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case json.Number:
		if _, err := strconv.ParseInt(string(v), 10, 64); err == nil {
			return "an integer"
		}
		return "a number"
	}
	return "null"
}

// article puts "a" or "an" before a type's name.
func article(typ string) string {
	if typ == typeInteger {
		return "an " + typ
	}
	return "a " + typ
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

package plan

// STUB: replaced by the real implementation; delete when it exists.

import "telegent-bulk/sheets"

// Build reads every table, validates and normalises every cell, resolves
// references across sheets and builds the step DAG. It returns every problem
// at once; the plan is nil when there are problems. err is for usage errors
// (an unknown tab or file kind, an unreadable file) and I/O failures.
func Build(tables []sheets.Reader) (p *Plan, problems Problems, err error) { panic("unimplemented") }

// String formats a problem as "sheet:row:column: message".
func (p Problem) String() string { panic("unimplemented") }

// Get returns the normalised value of the canonical column col ("" if
// absent or empty). Panics on a column the kind does not have.
func (r *Row) Get(col string) string { panic("unimplemented") }

// Bool returns a boolean column's value and whether it was given.
func (r *Row) Bool(col string) (v, set bool) { panic("unimplemented") }

// Int returns an integer column's value and whether it was given.
func (r *Row) Int(col string) (v int, set bool) { panic("unimplemented") }

// Fingerprint returns a hash of the row's non-secret normalised values, and
// an HMAC of its secret values under key (so that a changed PIN is noticed
// without the file ever holding the PIN or a plain hash of it).
func (r *Row) Fingerprint(key []byte) (plain, secretMAC string) { panic("unimplemented") }

// Key returns the step key of step i.
func (p *Plan) Key(i int32) StepKey { panic("unimplemented") }

// Parent returns the parent of kind k that row refers to: the index of a
// manifest row (id == "") or, when the row names an existing platform ID,
// -1 and that ID. Both are -1, "" when the row has no such parent.
func (p *Plan) Parent(row int32, k Kind) (parent int32, id string) { panic("unimplemented") }

// RowStep returns the index of the step of row with action a, or -1.
func (p *Plan) RowStep(row int32, a Action) int32 { panic("unimplemented") }

// FingerprintKey derives the MAC key for secret columns from the API secret.
func FingerprintKey(apiSecret string) []byte { panic("unimplemented") }

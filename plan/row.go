package plan

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"math/bits"
	"strconv"
	"strings"
)

// val returns the normalised value of field fi as given ("" if absent,
// empty or invalid), without defaults. Most normalised values are their
// trimmed cell; only those that differ are kept, after the cells in the
// row's text, so that a row costs little more than its cells.
func (r *Row) val(fi int) string {
	bit := uint64(1) << fi
	if r.diff&bit != 0 {
		return r.part(r.NumCells() + bits.OnesCount64(r.diff&(bit-1)))
	}
	if r.tab == nil {
		return ""
	}
	j := r.tab.col[fi]
	if j < 0 {
		return ""
	}
	v := strings.TrimSpace(r.cell(int(j)))
	if v != "" && r.tab.s.fields[fi].typ == tBool {
		return boolOf(v) // checked when read; not kept, being cheap to redo
	}
	return v
}

// boolOf returns "true" or "false" for a cell that normBool accepts.
func boolOf(v string) string {
	b, _ := normBool(v)
	return b
}

// get returns the value of field fi, or its default.
func (r *Row) get(fi int) string {
	if v := r.val(fi); v != "" {
		return v
	}
	return defaultValue(r, fi)
}

// defaultValue is the value of an empty field fi of r.
func defaultValue(r *Row, fi int) string {
	switch r.Kind {
	case Subscribers:
		if fi == suGuardianMessages && r.val(suFilterLevel) != "" {
			return "true" // a filter level needs Guardian messages
		}
	case Numbers, PortIns:
		switch fi {
		case lnMessageEnabled, lnVoiceEnabled, lnDataEnabled:
			if r.Kind == Numbers {
				if pt := r.val(nuProductType); pt != "" {
					return strconv.FormatBool(productFlags(pt)[fi-lnMessageEnabled])
				}
			}
			switch fi {
			case lnMessageEnabled:
				return "true"
			case lnVoiceEnabled:
				return "false"
			}
			return strconv.FormatBool(r.get(lnNumberType) == "iot")
		case lnNumberType:
			if r.Kind == PortIns {
				return r.get(piPortinClass)
			}
		case piClass:
			if r.Kind == PortIns {
				return r.get(piPortinClass) // eligibility asks about the class the port is for
			}
		case lnSubType:
			return r.get(lnNumberType)
		}
	}
	return schemas[r.Kind].fields[fi].def
}

// Get returns the normalised value of the canonical column col ("" if
// absent or empty). Panics on a column the kind does not have.
//
// An empty cell yields the column's default where docs/manifest.md gives
// one (Role Subscriber, BillingCountry USA, a line's enabled flags from its
// ProductType, SubscriptionType from NumberType, …). Given tells whether
// the manifest itself has a value.
func (r *Row) Get(col string) string {
	return r.get(schemas[r.Kind].fieldIndex(col))
}

// Given reports whether the manifest has a valid value in the canonical
// column col (defaults do not count). Panics on a column the kind does not
// have.
func (r *Row) Given(col string) bool {
	return r.val(schemas[r.Kind].fieldIndex(col)) != ""
}

// Bool returns a boolean column's value and whether it was given (or has a
// default: a line's MessageEnabled is always set).
func (r *Row) Bool(col string) (v, set bool) {
	s := r.Get(col)
	return s == "true", s != ""
}

// Int returns an integer column's value and whether it was given.
func (r *Row) Int(col string) (v int, set bool) {
	s := r.Get(col)
	if s == "" {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	return n, err == nil
}

// List returns the values of a phone-list column (Subscribers'
// PhoneNumbers) in E.164, or nil.
func (r *Row) List(col string) []string {
	s := r.Get(col)
	if s == "" {
		return nil
	}
	return strings.Split(s, ";")
}

// SecretMask is what a results workbook shows in place of a secret value.
// Fed back as a manifest, a secret cell holding it is not given on a row
// that carries its own platform IDs (and a problem on a row to be created):
// it is never sent and enters no fingerprint.
const SecretMask = "***"

// Masked reports whether a secret cell of the row holds SecretMask (the row
// comes from a results workbook). Its secrets are then not given, and the
// MAC of Fingerprint covers only the secrets that are: compare the plain
// fingerprint alone to tell whether such a row changed.
func (r *Row) Masked() bool {
	if r.tab == nil {
		return false
	}
	for fi := range r.tab.s.fields {
		if j := r.tab.col[fi]; j >= 0 && r.tab.s.fields[fi].secret && strings.TrimSpace(r.cell(int(j))) == SecretMask {
			return true
		}
	}
	return false
}

// Fingerprint returns a hash of the row's non-secret normalised values, and
// an HMAC of its secret values under key (so that a changed PIN is noticed
// without the file ever holding the PIN or a plain hash of it).
//
// Both cover the kind's schema columns in schema order, by name and value,
// defaults included and empty values left out; the row's own platform ID
// columns (results columns) are not part of either, so feeding a results
// workbook back in does not change a row's fingerprint; nor do masked
// secrets (see SecretMask), which are not given. Both are 32 hex digits;
// secretMAC is "" when the row has no secret value or key is nil.
func (r *Row) Fingerprint(key []byte) (plain, secretMAC string) {
	var buf [1024]byte // most rows fit: the plain part costs no allocation
	p, secrets := r.fingerprintBytes(buf[:0], false)
	sum := sha256.Sum256(p)
	plain = hex.EncodeToString(sum[:16])
	if secrets && key != nil {
		mac := hmac.New(sha256.New, key)
		b, _ := r.fingerprintBytes(nil, true)
		mac.Write(b)
		secretMAC = hex.EncodeToString(mac.Sum(nil)[:16])
	}
	return plain, secretMAC
}

// fingerprintBytes appends to b what Fingerprint hashes: the kind, then
// each field with a value, length-prefixed, the plain fields or the secret
// ones. It also tells whether the row has a secret value.
func (r *Row) fingerprintBytes(b []byte, secret bool) ([]byte, bool) {
	fields := schemas[r.Kind].fields
	b = append(b, r.Kind.String()...)
	var secrets bool
	for fi := range fields {
		f := &fields[fi]
		if f.own {
			continue
		}
		v := r.get(fi)
		if v == "" {
			continue
		}
		secrets = secrets || f.secret
		if f.secret == secret {
			b = appendField(b, f.name, v)
		}
	}
	return b, secrets
}

// appendField appends name and value length-prefixed, so that no two
// different rows give the same bytes.
func appendField(b []byte, name, v string) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(len(name)))
	b = binary.BigEndian.AppendUint32(b, uint32(len(v)))
	return append(append(b, name...), v...)
}

// FingerprintKey derives the MAC key for secret columns from the API secret:
// HMAC-SHA256 keyed with a fixed label over the secret, so the key is
// deterministic, tied to the credential, and never the credential itself.
func FingerprintKey(apiSecret string) []byte {
	m := hmac.New(sha256.New, []byte("telegent-bulk fingerprint v1"))
	m.Write([]byte(apiSecret))
	return m.Sum(nil)
}

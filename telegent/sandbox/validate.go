package sandbox

import (
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"

	"telegent-bulk/telegent"
)

// Field checks. Each returns a 400 naming the field, or nil. Format checks
// accept the empty string (an optional field left out); required says
// whether a field is present. None of them quotes a value: a value may be a
// secret.

// firstErr returns the first non-nil error.
func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func required(field, v string) error {
	if strings.TrimSpace(v) == "" {
		return errBadRequest("%s is required", field)
	}
	return nil
}

// oneOf normalises *v to the spelling in allowed that it matches
// case-insensitively. An empty value is accepted unchanged.
func oneOf(field string, v *string, allowed ...string) error {
	if *v == "" {
		return nil
	}
	for _, a := range allowed {
		if strings.EqualFold(strings.TrimSpace(*v), a) {
			*v = a
			return nil
		}
	}
	return errBadRequest("%s must be one of %s", field, strings.Join(allowed, ", "))
}

// requiredOneOf is required followed by oneOf.
func requiredOneOf(field string, v *string, allowed ...string) error {
	return firstErr(required(field, *v), oneOf(field, v, allowed...))
}

// isE164 reports whether s is +<country><number>, 8 to 15 digits in all.
func isE164(s string) bool {
	if len(s) < 9 || len(s) > 16 || s[0] != '+' || s[1] == '0' {
		return false
	}
	return allDigits(s[1:])
}

func allDigits(s string) bool {
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

func checkE164(field, v string) error {
	if v != "" && !isE164(v) {
		return errBadRequest("%s must be an E.164 phone number such as +18015551234", field)
	}
	return nil
}

func checkE164List(field string, vs []string) error {
	for _, v := range vs {
		if !isE164(v) {
			return errBadRequest("%s must hold E.164 phone numbers such as +18015551234", field)
		}
	}
	return nil
}

func checkEmail(field, v string) error {
	if v == "" {
		return nil
	}
	a, err := mail.ParseAddress(v)
	if err != nil || a.Address != v || !strings.Contains(v[strings.LastIndexByte(v, '@'):], ".") {
		return errBadRequest("%s must be an email address", field)
	}
	return nil
}

func checkHTTPURL(field, v string) error {
	if v == "" {
		return nil
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errBadRequest("%s must be an absolute http(s) URL", field)
	}
	return nil
}

// checkICCID accepts 19 or 20 digits with an optional trailing F.
func checkICCID(field, v string) error {
	if v == "" {
		return nil
	}
	digits := strings.TrimSuffix(strings.TrimSuffix(v, "F"), "f")
	if len(digits) < 19 || len(digits) > 20 || !allDigits(digits) {
		return errBadRequest("%s must be 19-20 digits, optionally followed by F", field)
	}
	return nil
}

// checkZip accepts 84043 and 84043-1234.
func checkZip(field, v string) error {
	if v == "" {
		return nil
	}
	if !(len(v) == 5 && allDigits(v)) && !(len(v) == 10 && v[5] == '-' && allDigits(v[:5]) && allDigits(v[6:])) {
		return errBadRequest("%s must be a 5-digit zip code (or ZIP+4)", field)
	}
	return nil
}

// checkDate accepts YYYY-MM-DD (the API reference's PortInDate) and
// MM/DD/YYYY (the Best Practices example, "04/23/2026"), and normalises *v
// to the first. Anything else is refused.
func checkDate(field string, v *string) error {
	if *v == "" {
		return nil
	}
	for _, layout := range []string{time.DateOnly, "01/02/2006"} {
		if t, err := time.Parse(layout, *v); err == nil {
			*v = t.Format(time.DateOnly)
			return nil
		}
	}
	return errBadRequest("%s must be a date MM/DD/YYYY or YYYY-MM-DD", field)
}

// checkAddress checks the parts of an address that are given; a nil
// address is accepted.
func checkAddress(field string, a *telegent.Address) error {
	if a == nil {
		return nil
	}
	return checkZip(field+".Zip", a.Zip)
}

// requireAddress checks a port-in's billing address, where Street1, City,
// State and Zip are required.
func requireAddress(field string, a telegent.Address) error {
	return firstErr(
		required(field+".Street1", a.Street1),
		required(field+".City", a.City),
		required(field+".State", a.State),
		required(field+".Zip", a.Zip),
		checkZip(field+".Zip", a.Zip),
	)
}

func checkAreaCode(field, v string) error {
	if v != "" && (len(v) != 3 || !allDigits(v) || v[0] < '2') {
		return errBadRequest("%s must be 3 digits, not starting with 0 or 1", field)
	}
	return nil
}

func checkPort(field, v string) error {
	if v == "" {
		return nil
	}
	if n, err := strconv.Atoi(v); err != nil || n < 1 || n > 65535 {
		return errBadRequest("%s must be a port number 1-65535", field)
	}
	return nil
}

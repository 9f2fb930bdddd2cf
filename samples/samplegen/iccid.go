package samplegen

import "strconv"

// LuhnDigit returns the check digit that makes digits+digit pass the Luhn
// test. digits must be decimal digits only.
func LuhnDigit(digits string) byte {
	sum := 0
	// Walking from the right, the digit next to the (missing) check digit
	// is doubled, then every second one.
	for i, double := len(digits)-1, true; i >= 0; i, double = i-1, !double {
		d := int(digits[i] - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return byte('0' + (10-sum%10)%10)
}

// LuhnValid reports whether a string of decimal digits ends in a correct
// Luhn check digit.
func LuhnValid(digits string) bool {
	if len(digits) < 2 {
		return false
	}
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return false
		}
	}
	return LuhnDigit(digits[:len(digits)-1]) == digits[len(digits)-1]
}

// iccidIssuer is the fixed start of every sample ICCID: 89 (telecom), 01
// (country code +1), then a made-up issuer.
const iccidIssuer = "8901260"

// ICCID returns a 19-digit ICCID with a valid Luhn check digit for serial
// (0 ≤ serial < 10^11): the issuer prefix, the zero-padded serial, the check
// digit.
func ICCID(serial int64) string {
	b := make([]byte, 0, 19)
	b = append(b, iccidIssuer...)
	s := strconv.FormatInt(serial, 10)
	for range 11 - len(s) {
		b = append(b, '0')
	}
	b = append(b, s...)
	return string(append(b, LuhnDigit(string(b))))
}

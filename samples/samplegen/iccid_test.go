package samplegen

import "testing"

func TestLuhnValid(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"79927398713", true}, // the usual textbook example
		{"79927398710", false},
		{"8901240397190002080", true}, // the API reference's example ICCID
		{"89014103211118510720", true},
		{"8901240397190002081", false},
		{"8901260000000000006", true},
		{"89012600000000000", false}, // 17 digits, wrong check digit
		{"890126000000000000F", false},
		{"", false},
		{"0", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := LuhnValid(tt.in); got != tt.want {
				t.Errorf("LuhnValid(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestICCID(t *testing.T) {
	tests := []struct {
		serial int64
		want   string
	}{
		{0, "8901260000000000006"},
		{4_100_000_001, "8901260041000000018"},
		{99_999_999_999, "8901260999999999997"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			got := ICCID(tt.serial)
			if got != tt.want {
				t.Errorf("ICCID(%d) = %s, want %s", tt.serial, got, tt.want)
			}
			if len(got) != 19 || !LuhnValid(got) {
				t.Errorf("ICCID(%d) = %s: want 19 digits passing Luhn", tt.serial, got)
			}
		})
	}
}

func TestBadLuhn(t *testing.T) {
	for _, serial := range []int64{0, 7, 7_000_000_003} {
		good := ICCID(serial)
		if bad := badLuhn(good); LuhnValid(bad) || len(bad) != len(good) {
			t.Errorf("badLuhn(%s) = %s: want the same length and a failing check digit", good, bad)
		}
	}
}

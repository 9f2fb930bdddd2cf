package sheets

import (
	"bytes"
	"strings"
	"testing"
	"testing/iotest"
)

func TestValidUTF8(t *testing.T) {
	long := strings.Repeat("a", 1<<20-1) // puts the next rune across the first read's end
	tests := []struct {
		name string
		in   string
		want bool
	}{
		{"empty", "", true},
		{"ASCII", "Name,City\n", true},
		{"accents", "José,Zoë,中文,😀\n", true},
		{"Windows-1252 é", "Jos\xe9\n", false},
		{"rune across a read", long + "é" + long + "😀", true},
		{"bad byte after the first read", long + "é" + long + "\xe9", false},
		{"cut at the end", "ab\xe4\xb8", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := validUTF8(strings.NewReader(tt.in))
			if err != nil || got != tt.want {
				t.Errorf("validUTF8 = %v, %v; want %v", got, err, tt.want)
			}
			if len(tt.in) < 100 {
				got, err = validUTF8(iotest.OneByteReader(bytes.NewReader([]byte(tt.in))))
				if err != nil || got != tt.want {
					t.Errorf("validUTF8, one byte a read = %v, %v; want %v", got, err, tt.want)
				}
			}
		})
	}
}

func TestSepLine(t *testing.T) {
	tests := []struct {
		head  string
		comma rune
		n     int
	}{
		{"sep=;\r\nA;B", ';', 7},
		{"sep=,\nA", ',', 6},
		{"Sep=|", '|', 5},
		{"sep=\t\n", '\t', 6},
		{"sep=\"\n", 0, 0},
		{"sep=;;\n", 0, 0},
		{"sep=\n", 0, 0},
		{"separator,x\n", 0, 0},
		{"A,B\n", 0, 0},
	}
	for _, tt := range tests {
		if comma, n := sepLine([]byte(tt.head)); comma != tt.comma || n != tt.n {
			t.Errorf("sepLine(%q) = %q, %d; want %q, %d", tt.head, comma, n, tt.comma, tt.n)
		}
	}
}

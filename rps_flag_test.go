package main

import (
	"flag"
	"io"
	"math"
	"testing"
)

// --rps is auto unless a number is given; auto paces from a safe rate up
// to --max-rps with enough workers not to cap it; a number keeps its
// meaning of a fixed rate (0: no limit).
func TestRPSFlag(t *testing.T) {
	t.Parallel()
	parse := func(args ...string) (*apiOptions, error) {
		o := &apiOptions{}
		fs := flag.NewFlagSet("run", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		o.register(fs)
		return o, fs.Parse(args)
	}
	tests := []struct {
		args     []string
		auto     bool
		rate     float64 // the limiter's first rate
		workers  int
		checkErr bool
	}{
		{args: nil, auto: true, rate: 20, workers: 250},
		{args: []string{"--rps", "auto", "--max-rps", "10"}, auto: true, rate: 10, workers: 4},
		{args: []string{"--rps", "AUTO", "--max-rps", "800"}, auto: true, rate: 20, workers: 100},
		{args: []string{"--rps", "150"}, rate: 150, workers: 38},
		{args: []string{"--rps", "auto", "--concurrency", "7"}, auto: true, rate: 20, workers: 7},
		{args: []string{"--max-rps", "0"}, auto: true, checkErr: true},
	}
	for _, tt := range tests {
		o, err := parse(tt.args...)
		if err != nil {
			t.Errorf("%v: %v", tt.args, err)
			continue
		}
		if o.autoRPS != tt.auto {
			t.Errorf("%v: auto = %v, want %v", tt.args, o.autoRPS, tt.auto)
		}
		o.sandbox, o.sandboxProfile = true, "documented"
		if err := o.check(); (err != nil) != tt.checkErr {
			t.Errorf("%v: check = %v, want an error: %v", tt.args, err, tt.checkErr)
		}
		if tt.checkErr {
			continue
		}
		if got := o.limiter().Rate(); got != tt.rate {
			t.Errorf("%v: first rate %v, want %v", tt.args, got, tt.rate)
		}
		if got := o.workers(); got != tt.workers {
			t.Errorf("%v: workers %d, want %d", tt.args, got, tt.workers)
		}
	}
	o, err := parse("--rps", "0")
	if err != nil || o.autoRPS || !math.IsInf(o.limiter().Rate(), 1) {
		t.Errorf("--rps 0: %v, auto %v: want no limit", err, o.autoRPS)
	}
	for _, bad := range []string{"fast", "-1", "Inf", "NaN"} {
		if _, err := parse("--rps", bad); err == nil {
			t.Errorf("--rps %s was taken", bad)
		}
	}
}

package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// compare runs Newman, then telegent-bulk, each against a sandbox of its
// own, and prints their wall times and calls.
func compare(o options) error {
	nm, err := timed(o, "newman", func(base string) *exec.Cmd {
		return exec.Command(o.newman, "run", filepath.Join(o.dir, "collection.json"),
			"--iteration-data", filepath.Join(o.dir, "data.csv"),
			"--reporters", "cli", "--reporter-cli-no-success-assertions", "--reporter-cli-no-assertions",
			"--reporter-cli-no-console", "--bail")
	}, func(base string) error { return setBase(filepath.Join(o.dir, "collection.json"), base) })
	if err != nil {
		return err
	}
	tb, err := timed(o, "telegent-bulk", func(base string) *exec.Cmd {
		state := filepath.Join(o.dir, "run.db")
		for _, p := range []string{state, state + ".bak", filepath.Join(o.dir, "results.xlsx")} {
			os.Remove(p)
		}
		cmd := exec.Command(o.bin, "run", filepath.Join(o.dir, "manifest"), "--api", base,
			"--state", state, "--out", filepath.Join(o.dir, "results.xlsx"), "--quiet")
		cmd.Env = append(os.Environ(), "TELEGENT_ACCOUNT_KEY="+accountKey, "TELEGENT_ACCOUNT_SECRET="+accountSecret)
		return cmd
	}, nil)
	if err != nil {
		return err
	}
	fmt.Printf("\n%d lines, sandbox latency %v\n", o.lines, o.latency)
	for _, r := range []result{nm, tb} {
		fmt.Printf("%-14s %8.1f s  %s\n", r.name, r.wall.Seconds(), r.calls)
	}
	fmt.Printf("ratio (newman / telegent-bulk): %.1fx\n", nm.wall.Seconds()/tb.wall.Seconds())
	return nil
}

type result struct {
	name  string
	wall  time.Duration
	calls string
}

// timed starts a sandbox, runs the command made for its URL (after
// prepare, if any) and returns its wall time and the calls the sandbox
// answered.
func timed(o options, name string, command func(base string) *exec.Cmd, prepare func(base string) error) (result, error) {
	base, stop, err := startSandbox(o)
	if err != nil {
		return result{}, err
	}
	defer stop()
	if prepare != nil {
		if err := prepare(base); err != nil {
			return result{}, err
		}
	}
	cmd := command(base)
	logPath := filepath.Join(o.dir, name+".log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return result{}, err
	}
	defer logFile.Close()
	cmd.Stdout, cmd.Stderr = logFile, logFile
	fmt.Printf("running %s (output in %s)\n", name, logPath)
	start := time.Now()
	err = cmd.Run()
	wall := time.Since(start)
	if err != nil {
		return result{}, fmt.Errorf("%s: %w (see %s)", name, err, logPath)
	}
	calls, err := stats(base)
	if err != nil {
		return result{}, err
	}
	return result{name: name, wall: wall, calls: calls}, nil
}

// setBase points the collection at base.
func setBase(path, base string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var col map[string]any
	if err := json.Unmarshal(b, &col); err != nil {
		return err
	}
	for _, v := range col["variable"].([]any) {
		if m := v.(map[string]any); m["key"] == "base" {
			m["value"] = base
		}
	}
	if b, err = json.MarshalIndent(col, "", "  "); err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

// startSandbox starts `telegent-bulk sandbox` on a free loopback port.
func startSandbox(o options) (base string, stop func(), err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(o.bin, "sandbox", "--addr", addr, "--latency", o.latency.String(), "--seed", itoa(1))
	out, err := cmd.StdoutPipe()
	if err != nil {
		return "", nil, err
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return "", nil, err
	}
	stop = func() {
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
	}
	sc := bufio.NewScanner(out)
	if !sc.Scan() || !strings.Contains(sc.Text(), "listening") {
		stop()
		return "", nil, fmt.Errorf("sandbox did not start: %q", sc.Text())
	}
	go func() {
		for sc.Scan() {
		}
	}()
	return "http://" + addr, stop, nil
}

// stats returns the calls the sandbox answered, by endpoint and status.
func stats(base string) (string, error) {
	resp, err := http.Get(base + "/_sandbox/stats")
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var s struct {
		Requests map[string]map[string]int `json:"requests"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&s); err != nil {
		return "", fmt.Errorf("sandbox stats: %w", err)
	}
	var parts []string
	total := 0
	for key, byCode := range s.Requests {
		if strings.Contains(key, "/_sandbox/") {
			continue
		}
		for code, n := range byCode {
			parts = append(parts, fmt.Sprintf("%s %s: %d", strings.TrimPrefix(key, "POST /v1.0/"), code, n))
			total += n
		}
	}
	sort.Strings(parts)
	return fmt.Sprintf("%d calls (%s)", total, strings.Join(parts, ", ")), nil
}

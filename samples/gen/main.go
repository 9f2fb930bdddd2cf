// Command gen writes the example manifests in samples/, or a synthetic
// manifest of any size for benchmarks.
//
// From the repository root:
//
//	go run ./samples/gen                      # rewrite the committed samples
//	go run ./samples/gen -synthetic 1000000 -format csv -out /tmp/bench/csv-1m
//	go run ./samples/gen -synthetic 1000000 -format xlsx-shared -out /tmp/bench/xlsx-shared-1m
//	go run ./samples/gen -hostile /tmp/bench/hostile     # files made to hurt a reader (make bench-hostile)
//
// (go generate ./samples runs the first form.) Output is deterministic: the
// same command writes the same bytes.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"telegent-bulk/samples/samplegen"
)

type options struct {
	dir       string // where the committed samples go
	synthetic int    // rows of a synthetic manifest; 0 writes the samples
	format    string // csv, xlsx or xlsx-shared
	out       string // folder of the synthetic manifest
	hostile   string // folder of the hostile corpus; "" for none
}

func main() {
	var o options
	flag.StringVar(&o.dir, "dir", "", "folder to write the samples into (default: samples/ of this module)")
	flag.IntVar(&o.synthetic, "synthetic", 0, fmt.Sprintf("write a synthetic manifest of `N` data rows (N ≥ %d) instead", samplegen.MinSynthetic))
	flag.StringVar(&o.format, "format", "csv", "synthetic manifest format: csv, xlsx (inline strings, as excelize streams them) "+
		"or xlsx-shared (a shared strings table, as Excel saves a workbook)")
	flag.StringVar(&o.out, "out", "", "folder to write the synthetic manifest into (required with -synthetic)")
	flag.StringVar(&o.hostile, "hostile", "", "write the hostile corpus (files made to take time or memory) into `DIR` instead")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: gen [-dir DIR]\n       gen -synthetic N -format csv|xlsx|xlsx-shared -out DIR\n       gen -hostile DIR\n\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() > 0 {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(o options) error {
	if o.hostile != "" {
		start := time.Now()
		cases, err := samplegen.WriteHostile(o.hostile)
		if err != nil {
			return err
		}
		for _, c := range cases {
			fmt.Fprintf(os.Stderr, "%-26s %s: %s\n", c.Name, c.Path, c.About)
		}
		fmt.Fprintf(os.Stderr, "wrote %d hostile manifests to %s in %.1fs\n", len(cases), o.hostile, time.Since(start).Seconds())
		return nil
	}
	if o.synthetic != 0 {
		if o.out == "" {
			return errors.New("-synthetic needs -out DIR")
		}
		start := time.Now()
		shape, err := samplegen.WriteSynthetic(o.out, o.synthetic, o.format)
		if err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "wrote %d rows (%d accounts, %d subscribers, %d routes, %d numbers, %d port-ins) as %s to %s in %.1fs\n",
			shape.Total(), shape.Accounts, shape.Subscribers, shape.MessageRoutes+shape.VoiceRoutes,
			shape.Numbers, shape.PortIns, o.format, o.out, time.Since(start).Seconds())
		return nil
	}
	dir := o.dir
	if dir == "" {
		root, err := moduleRoot()
		if err != nil {
			return err
		}
		dir = filepath.Join(root, "samples")
	}
	if err := samplegen.WriteSamples(dir); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "wrote %s, %s/, %s and %s in %s\n", samplegen.MigrationXLSX,
		samplegen.MigrationDir, samplegen.MigrationFixedXLSX, samplegen.BadRowsXLSX, dir)
	return nil
}

// moduleRoot returns the nearest folder at or above the working directory
// that holds a go.mod, so that the samples land in the same place whether
// gen runs from the repository root or from go generate in samples/.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("find module root: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("find module root: no go.mod at or above the working directory; use -dir")
		}
		dir = parent
	}
}

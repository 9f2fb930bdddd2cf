package jobs

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"telegent-bulk/checkpoint"
	"telegent-bulk/plan"
	"telegent-bulk/telegent"
)

// rowError is a failure the runner itself found in a row (not eligible, an
// unknown package, nothing to cancel): it fails the row, never the run. A
// transient one (retry) is tried again by the next run.
type rowError struct {
	msg   string
	retry bool
}

func (e *rowError) Error() string { return e.msg }

func rowErrorf(format string, args ...any) error { return &rowError{msg: fmt.Sprintf(format, args...)} }

// loadPackages reads the package list, once per run, when the plan has
// subscriptions still to create (and not blocked) or to look up: to resolve Package by
// name. The finance summary uses it too, and falls back to what each
// subscription's create recorded. A list that cannot be read fails those
// subscriptions (to be retried), unless the credentials are rejected
// (run-fatal) or ctx ended (its error is returned).
func (r *Runner) loadPackages(ctx context.Context, d *resumePlan) error {
	found := false
	for i := range r.p.Steps {
		st := d.steps[i].state
		found = found || (r.p.Steps[i].Action == plan.SubscriptionCreate && (st == checkpoint.Pending || st == checkpoint.InFlight))
	}
	if !found {
		var err error
		if found, err = r.unpricedSubscriptions(); err != nil || !found {
			return err
		}
	}
	pkgs, err := r.c.Packages(ctx)
	for r.o.Outage.holds(err) { // until the API answers, or the run stops for it
		pkgs, err = r.c.Packages(ctx)
	}
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if telegent.Classify(err) == telegent.ClassAbort {
			return fmt.Errorf("%w: %w", ErrAborted, err)
		}
		r.log.Warn("could not read the package list", "error", err)
		return nil
	}
	r.packages = make(map[string]telegent.Package, 2*len(pkgs))
	for _, p := range pkgs {
		r.packages[p.PackageId] = p
		r.packages[strings.ToLower(p.PackageName)] = p
	}
	return nil
}

// unpricedSubscriptions tells whether a row gives a subscription (a
// results workbook fed back) whose price the checkpoint does not hold:
// the Finance tab then takes it from the package list, by the row's
// Package. With the checkpoint that made them, nothing is read.
func (r *Runner) unpricedSubscriptions() (bool, error) {
	for ri := range r.p.Rows {
		row := &r.p.Rows[ri]
		if ownValue(row, colSubscriptionID) == "" {
			continue
		}
		rec, ok, err := r.recs.Get(checkpoint.Key(plan.MakeKey(row.Kind, row.Key, plan.SubscriptionCreate)))
		if err != nil {
			return false, err
		}
		if !ok || rec.Data[colCharge] == "" {
			return true, nil
		}
	}
	return false, nil
}

// resolvePackage finds a package by ID or by name (case-insensitive).
func (r *Runner) resolvePackage(ref string) (telegent.Package, error) {
	if r.packages == nil {
		return telegent.Package{}, &rowError{msg: "the package list could not be read; re-run to retry", retry: true}
	}
	if p, ok := r.packages[ref]; ok {
		return p, nil
	}
	if p, ok := r.packages[strings.ToLower(ref)]; ok {
		return p, nil
	}
	var names []string
	for k, p := range r.packages {
		if k == p.PackageId {
			names = append(names, p.PackageName)
		}
	}
	sort.Strings(names)
	return telegent.Package{}, rowErrorf("unknown package %q: fix the Package column (known: %s)", ref, strings.Join(names, ", "))
}

// prepareSubscription resolves the row's package before the subscription
// is sent: an unknown one fails the row unsent.
func (r *Runner) prepareSubscription(_ context.Context, _ *checkpoint.Record, ri plan.RowID) (sendFunc, error) {
	row := &r.p.Rows[ri]
	pkg, err := r.resolvePackage(row.Get("Package"))
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context) (map[string]string, map[string]string, error) {
		sub, err := r.parentID(ri, plan.Subscribers)
		if err != nil {
			return nil, nil, err
		}
		nid, _ := r.lineNumber(ri)
		typ := row.Get("SubscriptionType")
		if typ == "" {
			typ = row.Get("NumberType")
		}
		if typ == "" {
			typ = "mvno"
		}
		s, err := r.c.CreateSubscription(ctx, telegent.SubscriptionCreateRequest{
			SubscriberId: sub,
			PackageId:    pkg.PackageId,
			Type:         typ,
			TNID:         nid,
			ICCID:        row.Get("ICCID"),
		})
		if err != nil {
			return nil, nil, err
		}
		return map[string]string{colSubscriptionID: s.SubscriptionId, colPackageID: pkg.PackageId},
			map[string]string{colPackageName: pkg.PackageName, colPrice: strconv.FormatFloat(pkg.Price, 'f', 2, 64),
				colCharge: chargeOf(pkg)}, nil
	}, nil
}

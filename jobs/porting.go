package jobs

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

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

// loadPackages reads the package list, once per run, when steps (or,
// if steps is nil, the whole plan) have subscriptions still to create or
// to look up: to resolve Package by name. The finance summary uses it too,
// and falls back to what each subscription's create recorded.
func (r *Runner) loadPackages(ctx context.Context, steps []int32) error {
	if r.packages != nil {
		return nil
	}
	need := func(i int32) bool {
		return r.p.Steps[i].Action == plan.SubscriptionCreate && (r.state[i] == checkpoint.Pending || r.state[i] == checkpoint.InFlight)
	}
	found := false
	if steps == nil {
		for i := range r.p.Steps {
			found = found || need(int32(i))
		}
	}
	for _, i := range steps {
		found = found || need(i)
	}
	if !found {
		return nil
	}
	pkgs, err := r.c.Packages(ctx)
	for r.o.Outage.holds(err) { // until the API answers, or the run stops for it
		pkgs, err = r.c.Packages(ctx)
	}
	if err != nil {
		if ctx.Err() != nil {
			return errLookupStopped
		}
		if telegent.Classify(err) == telegent.ClassAbort {
			return fmt.Errorf("%w: %v", ErrAborted, err)
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

func (r *Runner) createSubscription(ctx context.Context, i int32, rec *checkpoint.Record) outcome {
	ri := r.p.Steps[i].Row
	row := &r.p.Rows[ri]
	pkg, err := r.resolvePackage(row.Get("Package"))
	if err != nil {
		return r.settle(i, rec, nil, nil, err, false)
	}
	return r.create(ctx, i, rec, func(ctx context.Context) (map[string]string, map[string]string, error) {
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
		return map[string]string{"SubscriptionId": s.SubscriptionId, "PackageId": pkg.PackageId},
			map[string]string{"PackageName": pkg.PackageName, "Price": strconv.FormatFloat(pkg.Price, 'f', 2, 64)}, nil
	})
}

func (r *Runner) eligibility(ctx context.Context, i int32, rec *checkpoint.Record) outcome {
	row := &r.p.Rows[r.p.Steps[i].Row]
	target := row.Get("TargetClassification")
	if target == "" {
		target = "Mobile"
	}
	return r.call(ctx, i, rec, func(ctx context.Context) (map[string]string, map[string]string, error) {
		e, err := r.c.PortInEligibility(ctx, telegent.EligibilityRequest{PhoneNumber: row.Key, TargetClassification: target})
		if err != nil {
			return nil, nil, err
		}
		data := map[string]string{"Eligible": yesNo(e.Eligible), "CurrentCarrier": e.CurrentCarrier, "Message": e.Message}
		if !e.Eligible {
			return nil, data, rowErrorf("not eligible for port-in: %s — this number cannot be ported into %s", e.Message, target)
		}
		return nil, data, nil
	})
}

// portInFields fills a port request's fields from the row.
func (r *Runner) portInFields(ri int32) telegent.PortInRequest {
	row := &r.p.Rows[ri]
	name := row.Get("SubscriberName")
	if name == "" {
		if pr, _ := r.p.Parent(ri, plan.Subscribers); pr >= 0 {
			name = r.p.Rows[pr].Get("Name")
		}
	}
	class := row.Get("TargetPortinClassification")
	if class == "" {
		class = "mvno"
	}
	var addr telegent.Address
	if a := address(row, "Billing", false); a != nil {
		addr = *a
	}
	return telegent.PortInRequest{
		PortInNumber:               row.Key,
		CurrentCarrierName:         row.Get("CurrentCarrierName"),
		CurrentAccountNumber:       row.Get("CurrentAccountNumber"),
		CurrentAccountPassword:     row.Get("CurrentAccountPassword"),
		CurrentBillingAddress:      addr,
		ICCID:                      row.Get("ICCID"),
		TargetPortinClassification: class,
		SubscriberName:             name,
		PortInDate:                 row.Get("PortInDate"),
	}
}

// submit opens the port order, or — after a rejection whose row was fixed —
// updates the same order with the row's current values.
func (r *Runner) submit(ctx context.Context, i int32, rec *checkpoint.Record) outcome {
	ri := r.p.Steps[i].Row
	req := r.portInFields(ri)
	switch r.redo[i] {
	case redoUpdate:
		orderID := firstNonEmpty(rec.IDs["OrderId"], r.p.KnownOrder(ri))
		delete(rec.Data, unknownSent) // from now on, the record holds what was sent
		up := telegent.PortInUpdateRequest{
			OrderId:                    orderID,
			CurrentCarrierName:         req.CurrentCarrierName,
			CurrentAccountNumber:       req.CurrentAccountNumber,
			CurrentAccountPassword:     req.CurrentAccountPassword,
			CurrentBillingAddress:      &req.CurrentBillingAddress,
			PortInDate:                 req.PortInDate,
			TargetPortinClassification: req.TargetPortinClassification,
			SubscriberName:             req.SubscriberName,
			ICCID:                      req.ICCID,
		}
		return r.call(ctx, i, rec, func(ctx context.Context) (map[string]string, map[string]string, error) {
			u, err := r.c.UpdatePortIn(ctx, up)
			if err != nil {
				return nil, nil, err
			}
			n, _ := strconv.Atoi(rec.Data["Updates"])
			return nil, map[string]string{"PortStatus": u.Status, "Updates": strconv.Itoa(n + 1),
				"UpdatedOrderAt": time.Now().UTC().Format(time.RFC3339)}, nil
		})
	case redoResubmit:
		if prev := rec.IDs["OrderId"]; prev != "" {
			rec.Data["PreviousOrderId"] = prev
		}
		delete(rec.IDs, "OrderId")
		delete(rec.Data, "PortStatus")
	}
	if err := r.fence(ctx, rec, req.PortInNumber); err != nil {
		return r.settle(i, rec, nil, nil, err, false)
	}
	return r.create(ctx, i, rec, func(ctx context.Context) (map[string]string, map[string]string, error) {
		p, err := r.c.PortIn(ctx, req)
		if err != nil {
			return nil, nil, err
		}
		// The API's own clock dates the order, as it dates its completion,
		// so that days-to-complete never mixes two clocks.
		submitted := apiTime(p.OrderDate)
		if submitted == "" {
			submitted = time.Now().UTC().Format(time.RFC3339)
		}
		return map[string]string{"OrderId": p.OrderId, "PhoneNumber": p.PhoneNumber},
			map[string]string{"PortStatus": p.Status, "SubmittedAt": submitted}, nil
	})
}

// portOrderID returns the order of a port-in row: the row's OrderId column,
// else the one its submit step obtained.
func (r *Runner) portOrderID(i int32) string {
	ri := r.p.Steps[i].Row
	if rec, ok, _ := r.s.Get(siblingKey(r.p.Key(i), plan.PortInSubmit)); ok && rec.IDs["OrderId"] != "" {
		return rec.IDs["OrderId"]
	}
	return ownValue(&r.p.Rows[ri], "OrderId")
}

// monitor polls the order once: Completed is done, Rejected fails the row
// with the reason and the columns to fix, an open order is waiting.
func (r *Runner) monitor(ctx context.Context, i int32, rec *checkpoint.Record) outcome {
	orderID := r.portOrderID(i)
	if orderID == "" {
		return r.settle(i, rec, nil, nil, rowErrorf("no port order to follow: the row has no OrderId and was never submitted"), false)
	}
	prevStatus := rec.Data["PortStatus"]
	var o *telegent.OrderDetails
	out := r.call(ctx, i, rec, func(ctx context.Context) (map[string]string, map[string]string, error) {
		var err error
		o, err = r.c.Order(ctx, orderID)
		return map[string]string{"OrderId": orderID}, nil, err
	})
	if out.state != checkpoint.Done || o == nil {
		return out
	}
	rec.Data["PortStatus"] = o.OrderStatus
	declined, _ := strconv.Atoi(rec.Data["DeclinedAttempts"])
	if o.DeclinedAttempts > declined {
		declined = o.DeclinedAttempts
	} else if o.OrderStatus == telegent.PortRejected && prevStatus != telegent.PortRejected {
		declined++
	}
	if declined > 0 {
		rec.Data["DeclinedAttempts"] = strconv.Itoa(declined)
	}
	if o.LastDeclinedAt != "" {
		rec.Data["LastDeclinedAt"] = apiTime(o.LastDeclinedAt)
	} else if o.OrderStatus == telegent.PortRejected && prevStatus != telegent.PortRejected {
		rec.Data["LastDeclinedAt"] = time.Now().UTC().Format(time.RFC3339)
	}
	switch o.OrderStatus {
	case telegent.PortCompleted:
		rec.IDs["PhoneNumberId"] = o.PhoneNumberId
		done := apiTime(o.CompletedDate)
		if done == "" {
			done = time.Now().UTC().Format(time.RFC3339)
		}
		rec.Data["PortCompletedAt"] = done
		rec.State = checkpoint.Done
	case telegent.PortRejected, telegent.OrderError:
		rec.State = checkpoint.Failed
		rec.ErrClass = "rejected"
		rec.ErrMessage = rejection(o)
	case telegent.PortCancelled:
		rec.State = checkpoint.Cancelled
		rec.ErrClass, rec.ErrMessage = "", "the order was cancelled"
	default:
		rec.State = checkpoint.Waiting
	}
	r.put(*rec)
	return outcome{i: i, rec: *rec, state: rec.State}
}

// rejectFix maps a carrier's rejection code to the columns to correct.
var rejectFix = map[string]string{
	"ACCOUNT_NUMBER_MISMATCH": "fix CurrentAccountNumber and re-run: the order is updated, not resubmitted",
	"PIN_INVALID":             "fix CurrentAccountPassword (the PIN at the losing carrier) and re-run: the order is updated, not resubmitted",
	"NAME_MISMATCH":           "fix SubscriberName to the name on the losing carrier's account and re-run: the order is updated",
	"PORT_PROTECTED":          "ask the subscriber to lift port protection at the losing carrier, put the new PIN in CurrentAccountPassword and re-run",
	"ADDRESS_MISMATCH":        "fix BillingStreet1/BillingZip to the losing carrier's billing address and re-run: the order is updated",
	"NOT_ACTIVE":              "set Action=cancel: an update cannot fix this",
}

func rejection(o *telegent.OrderDetails) string {
	msg := "port rejected"
	if o.OrderStatusCode != "" {
		msg += " (" + o.OrderStatusCode + ")"
	}
	if o.OrderStatusMessage != "" {
		msg += ": " + o.OrderStatusMessage
	}
	if fix, ok := rejectFix[o.OrderStatusCode]; ok {
		return msg + " — " + fix
	}
	return msg + " — correct the row's carrier details and re-run (the order is updated), or set Action=cancel"
}

// cancel cancels a row's port order; cancel is final.
func (r *Runner) cancel(ctx context.Context, i int32, rec *checkpoint.Record) outcome {
	orderID := r.portOrderID(i)
	if orderID == "" {
		var err error
		if orderID, err = r.lostSubmit(ctx, i); errors.Is(err, ErrAborted) {
			return outcome{i: i, fatal: err}
		} else if err != nil {
			return r.settle(i, rec, nil, nil, err, false)
		}
	}
	if orderID == "" {
		return r.settle(i, rec, nil, nil, rowErrorf("nothing to cancel: this number has no port order (no OrderId in the row or the state)"), false)
	}
	out := r.call(ctx, i, rec, func(ctx context.Context) (map[string]string, map[string]string, error) {
		c, err := r.c.CancelPortIn(ctx, orderID)
		if err != nil {
			if te, ok := asAPIError(err); ok && te.Status == 409 {
				return nil, nil, rowErrorf("cannot cancel order %s: %s (a completed port cannot be cancelled)", orderID, te.Message)
			}
			return nil, nil, err
		}
		return map[string]string{"OrderId": orderID}, map[string]string{"PortStatus": c.Status}, nil
	})
	if out.state == checkpoint.Done {
		out.state = checkpoint.Cancelled
		out.rec.State = checkpoint.Cancelled
		r.put(out.rec)
		// The order's other steps (from the row's earlier Action=submit)
		// are over too: the monitor must not list it as open any more.
		for _, a := range portRowSteps[2:] {
			r.markCancelled(plan.StepKey(siblingKey(r.p.Key(i), a)), orderID, false)
		}
	}
	return out
}

// lostSubmit settles the submit of a row now being cancelled when its
// answer was lost (the submit is in-flight in the checkpoint): the order it
// may have opened is looked up, recorded, and returned to be cancelled. It
// returns "" when the submit never reached the API.
func (r *Runner) lostSubmit(ctx context.Context, cancel int32) (string, error) {
	key := siblingKey(r.p.Key(cancel), plan.PortInSubmit)
	sub, ok, err := r.s.Get(key)
	if err != nil || !ok || sub.State != checkpoint.InFlight {
		return "", err
	}
	v, err := r.lostOrder(ctx, sub, r.p.Rows[r.p.Steps[cancel].Row].Key)
	if err != nil {
		return "", err
	}
	if v.kind != vFound {
		return "", nil
	}
	sub.State = checkpoint.Done
	sub.ErrClass, sub.ErrStatus, sub.ErrMessage = "", 0, ""
	if sub.IDs == nil {
		sub.IDs = map[string]string{}
	}
	mergeInto(sub.IDs, v.ids)
	sub.UpdatedAt = time.Now().UTC()
	if err := r.s.PutSync(sub); err != nil {
		return "", fmt.Errorf("%w: checkpoint unwritable: %v", ErrAborted, err)
	}
	return v.ids["OrderId"], nil
}

// apiTime rewrites a time the API gave (ISO 8601 with 6 or 7 fractional
// digits and an offset) as the results show every time: RFC 3339 in UTC.
// A value it cannot read is kept as the API wrote it.
func apiTime(s string) string {
	if t, err := parseTime(s); err == nil {
		return t.UTC().Format(time.RFC3339)
	}
	return s
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

package jobs

import (
	"maps"
	"slices"
	"time"

	"telegent-bulk/checkpoint"
	"telegent-bulk/jobs/walk"
	"telegent-bulk/plan"
)

// load sets every step's starting state from the checkpoint and returns
// it as the walk takes it: the steps whose outcome is unknown (in-flight
// when the last run ended) are Unknown, to be looked up before any step
// starts.
func (r *Runner) load() ([]walk.State, error) {
	var unknown, unskip []int32
	since, restored := r.s.Restored()
	for i := range r.p.Steps {
		idx := int32(i)
		rec, ok, err := r.s.Get(checkpoint.Key(r.p.Key(idx)))
		if err != nil {
			return nil, err
		}
		if restored && r.sentSince(idx, rec, ok) {
			r.lookUpFirst(idx, rec, since)
			unknown = append(unknown, idx)
			continue
		}
		known := r.p.Steps[i].Action == plan.PortInSubmit && r.p.KnownOrder(r.p.Steps[i].Row) != ""
		if known && (!ok || rec.State == checkpoint.InFlight || rec.State == checkpoint.NeedsAttention) {
			// The row names its order: a new checkpoint, or the user found
			// the order of a submit whose answer was lost.
			r.adoptKnownOrder(idx)
			continue
		}
		if !ok {
			continue
		}
		st := r.startState(idx, rec)
		switch {
		case st == checkpoint.InFlight:
			unknown = append(unknown, idx)
		case rec.State == checkpoint.Skipped:
			unskip = append(unskip, idx) // blocked or not is decided again
		}
		r.setShown(idx, st)
	}
	r.resumePorts()
	if err := r.settleByRows(); err != nil {
		return nil, err
	}
	if err := r.settleRestore(); err != nil {
		return nil, err
	}
	for _, i := range unskip {
		if r.steps[i].shown == checkpoint.Pending && r.inScope(i) {
			r.clearSkip(i)
		}
	}
	initial := make([]walk.State, len(r.p.Steps))
	for i := range r.steps {
		initial[i] = walkState(r.steps[i].shown)
	}
	for _, i := range unknown {
		// Looked up whatever the port rules said: the lookup decides.
		r.setShown(i, checkpoint.InFlight)
		initial[i] = walk.Unknown
	}
	return initial, nil
}

// startState is the state that step i, whose record is rec, starts a run
// in by the generic rules of resume.
func (r *Runner) startState(i int32, rec checkpoint.Record) checkpoint.State {
	switch rec.State {
	case checkpoint.Done, checkpoint.Cancelled:
		return rec.State
	case checkpoint.Failed:
		if r.o.RetryFailed || r.changed(i, rec) || rec.ErrClass == "retry" {
			return checkpoint.Pending
		}
		return checkpoint.Failed
	case checkpoint.InFlight:
		return checkpoint.InFlight
	case checkpoint.NeedsAttention:
		if r.p.Steps[i].Action == plan.PortInCancel {
			// It waited for the row to name the order to cancel.
			if ownValue(&r.p.Rows[r.p.Steps[i].Row], "OrderId") != "" {
				return checkpoint.Pending
			}
			return checkpoint.NeedsAttention
		}
		if r.o.RetryFailed || r.changed(i, rec) || r.declaredAbsent(i) {
			return checkpoint.InFlight
		}
		return checkpoint.NeedsAttention
	}
	return checkpoint.Pending
}

// ownCreate is, per kind, the create step that a row giving its own
// platform ID (col) no longer has, because the thing exists.
var ownCreate = map[plan.Kind]struct {
	action plan.Action
	col    string
}{
	plan.Accounts:      {plan.AccountCreate, "AccountId"},
	plan.Subscribers:   {plan.SubscriberCreate, "SubscriberId"},
	plan.MessageRoutes: {plan.MessageRouteCreate, "MessageRouteId"},
	plan.VoiceRoutes:   {plan.VoiceRouteCreate, "CallRouteId"},
	plan.Numbers:       {plan.NumberProvision, "PhoneNumberId"},
	plan.PortOuts:      {plan.PortOutIssue, "OrderId"},
}

// settleByRows closes the create that needs attention (or is in flight)
// of a row that now names what exists: the user looked it up and filled
// in its ID, as the results told them. The record is marked done with
// that ID, so that status and the results agree with the manifest.
func (r *Runner) settleByRows() error {
	now := time.Now().UTC()
	for ri := range r.p.Rows {
		row := &r.p.Rows[ri]
		oc, ok := ownCreate[row.Kind]
		if !ok {
			continue
		}
		id := row.Get(oc.col)
		if id == "" && row.Kind == plan.Numbers {
			id = row.Get("PhoneNumber")
		}
		if id == "" || r.p.RowStep(int32(ri), oc.action) >= 0 {
			continue
		}
		key := checkpoint.Key(plan.MakeKey(row.Kind, row.Key, oc.action))
		rec, ok, err := r.s.Get(key)
		if err != nil {
			return err
		}
		if !ok || (rec.State != checkpoint.NeedsAttention && rec.State != checkpoint.InFlight) {
			continue
		}
		rec.State = checkpoint.Done
		if rec.IDs == nil {
			rec.IDs = map[string]string{}
		}
		rec.IDs[oc.col] = id
		rec.ErrClass, rec.ErrStatus, rec.ErrMessage = "", 0, ""
		rec.UpdatedAt = now
		r.put(rec)
	}
	return nil
}

// declaredAbsent tells whether the user says that step i's create, whose
// outcome is unknown, was not applied: by --resend with its key, or by the
// row's Action (resubmit for a port-in submit, reissue for a port-out PIN).
func (r *Runner) declaredAbsent(i int32) bool {
	key := r.p.Key(i)
	if slices.Contains(r.o.Resend, key) {
		return true
	}
	row := &r.p.Rows[r.p.Steps[i].Row]
	switch r.p.Steps[i].Action {
	case plan.PortInSubmit:
		return row.Get("Action") == "resubmit"
	case plan.PortOutIssue:
		return row.Get("Action") == "reissue"
	}
	return false
}

// settleRestore removes the restore mark once every step to look up is in
// the file, in flight (a run of some steps only leaves it for a full run).
func (r *Runner) settleRestore() error {
	if _, restored := r.s.Restored(); !restored || r.dry || r.o.Only != nil {
		return nil
	}
	return r.s.ClearRestored()
}

// sentSince tells whether step i, as a checkpoint restored from a backup
// records it (ok false: no record), may have been sent after the backup
// was taken: a create that is not finished in the backup. It cannot be
// sent again without a lookup (the API has no idempotency keys).
func (r *Runner) sentSince(i int32, rec checkpoint.Record, ok bool) bool {
	st := &r.p.Steps[i]
	switch {
	case !r.inScope(i):
		return false
	case !ok:
		return createAction(st.Action) && !(st.Action == plan.PortInSubmit && r.p.KnownOrder(st.Row) != "")
	}
	switch rec.State {
	case checkpoint.Pending, checkpoint.Failed, checkpoint.NeedsAttention, checkpoint.Skipped:
		return createAction(st.Action)
	}
	return false // done, cancelled or waiting; in flight is looked up anyway
}

// createAction tells whether a is a create: sent only after the step is
// written in flight, and looked up before it is sent again.
func createAction(a plan.Action) bool {
	switch a {
	case plan.AccountCreate, plan.SubscriberCreate, plan.MessageRouteCreate, plan.VoiceRouteCreate, plan.NumberProvision,
		plan.SubscriptionCreate, plan.MessageFilterCreate, plan.PortInSubmit, plan.PortOutIssue:
		return true
	}
	return false
}

// sinceBackup marks the record of a step that a restored backup had not
// finished, with the time the backup was taken.
const sinceBackup = "SinceBackup"

// lookUpFirst makes step i in flight as of since (when the backup the
// checkpoint was restored from was taken), unless its record says it went
// in flight earlier: the lookups then consider anything created since.
func (r *Runner) lookUpFirst(i int32, rec checkpoint.Record, since time.Time) {
	rec.Key = checkpoint.Key(r.p.Key(i))
	rec.State = checkpoint.InFlight
	if rec.StartedAt.IsZero() || rec.StartedAt.After(since) {
		rec.StartedAt = since
	}
	rec.Data = maps.Clone(rec.Data)
	if rec.Data == nil {
		rec.Data = map[string]string{}
	}
	rec.Data[sinceBackup] = since.UTC().Format(time.RFC3339)
	rec.UpdatedAt = time.Now().UTC()
	r.put(rec)
	r.setShown(i, checkpoint.InFlight)
}

// changed tells whether step i's row differs from the row the record was
// made for (a secret column included, through its keyed MAC). A row whose
// secret a results workbook masked (***) does not give it: only the other
// columns are compared.
func (r *Runner) changed(i int32, rec checkpoint.Record) bool {
	return r.rowChanged(r.p.Steps[i].Row, rec)
}

// rowChanged tells whether row ri differs from the row rec was made for.
func (r *Runner) rowChanged(ri int32, rec checkpoint.Record) bool {
	if rec.Data[unknownSent] != "" {
		return true
	}
	if rec.Fingerprint == "" {
		return false
	}
	row := &r.p.Rows[ri]
	fp, mac := row.Fingerprint(r.o.MACKey)
	if row.Masked() {
		return fp != rec.Fingerprint
	}
	return fp != rec.Fingerprint || (r.o.MACKey != nil && mac != rec.SecretMAC)
}

// clearSkip records that step i, skipped by an earlier run, is no longer
// blocked (what blocked it is done now, or runs again), so that status and
// the results show it pending or waiting instead of the old cause.
func (r *Runner) clearSkip(i int32) {
	rec := r.record(i)
	rec.State = checkpoint.Pending
	rec.ErrClass, rec.ErrStatus, rec.ErrMessage = "", 0, ""
	rec.UpdatedAt = time.Now().UTC()
	r.put(rec)
}

// startStates returns the state every step starts the run in, with the
// pending steps that a failed, cancelled or needing-attention step blocks
// (directly or through another) skipped, as the walk skips them at start.
func (r *Runner) startStates() []checkpoint.State {
	state := make([]checkpoint.State, len(r.p.Steps))
	for i := range r.steps { // dependencies first
		state[i] = r.steps[i].shown
		if state[i] != checkpoint.Pending {
			continue
		}
		for _, d := range r.p.Steps[i].Deps {
			switch state[d] {
			case checkpoint.Failed, checkpoint.NeedsAttention, checkpoint.Cancelled, checkpoint.Skipped:
				state[i] = checkpoint.Skipped
			}
		}
	}
	return state
}

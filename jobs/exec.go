package jobs

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strings"
	"sync"
	"time"

	"telegent-bulk/checkpoint"
	"telegent-bulk/plan"
	"telegent-bulk/telegent"
)

// sendFunc makes one API call for a step and returns the IDs and facts it
// obtained, keyed by results column (AccountId, PhoneNumber, PortStatus…).
type sendFunc func(ctx context.Context) (ids, data map[string]string, err error)

// exec runs step i once. It never returns an error: row failures are
// outcomes, run-fatal ones are outcome.fatal.
func (r *Runner) exec(ctx context.Context, i plan.StepID) outcome {
	st := &r.p.Steps[i]
	if int(i) < len(r.rank) {
		// Its calls wait for the client's limiter behind those that serve
		// earlier lines of the manifest, as the walk starts them.
		ctx = telegent.WithPriority(ctx, int64(r.rank[i])+1)
	}
	rec := checkpoint.Record{Key: checkpoint.Key(r.p.Key(i))}
	if int(i) < len(r.steps) && r.steps[i].fresh {
		r.steps[i].fresh = false // from now on it may have one
	} else {
		var err error
		if rec, err = r.readRecord(i); err != nil {
			return outcome{i: i, fatal: fmt.Errorf("%w: %w", ErrAborted, err)}
		}
	}
	rec.Fingerprint, rec.SecretMAC = r.p.Rows[st.Row].Fingerprint(r.o.MACKey)
	if rec.IDs == nil {
		rec.IDs = map[string]string{}
	}
	if rec.Data == nil {
		rec.Data = map[string]string{}
	}
	delete(rec.Data, noteCancelledOrder) // running again: for a new order
	if cols := r.maskedSecrets(i); len(cols) > 0 {
		return r.settle(i, &rec, nil, nil, rowErrorf("%s shows %s, as a results workbook hides secrets: enter the real "+
			"value there to send this row", strings.Join(cols, ", "), plan.SecretMask), false)
	}
	act := &actions[st.Action]
	switch {
	case act.run != nil:
		return act.run(r, ctx, i, &rec)
	case act.prepare != nil:
		send, err := act.prepare(r, ctx, &rec, st.Row)
		if err != nil {
			return r.settle(i, &rec, nil, nil, err, false)
		}
		if act.create {
			return r.create(ctx, i, &rec, send)
		}
		return r.call(ctx, i, &rec, send)
	}
	rec.State = checkpoint.Failed
	rec.ErrMessage = fmt.Sprintf("no action for step %s", r.p.Key(i))
	r.put(rec)
	return outcome{i: i, rec: rec, state: checkpoint.Failed}
}

// maskedSecrets returns the secret columns of step i's row that hold a
// results workbook's mask, when the step would send them: a create (the
// port-in submit included, not its update) of a row fed back from a
// results workbook. Other steps of such a row need no secret.
func (r *Runner) maskedSecrets(i plan.StepID) []string {
	if !actions[r.p.Steps[i].Action].secrets || r.steps[i].send == sendUpdate {
		return nil // an update leaves out what the row does not give
	}
	ri := r.p.Steps[i].Row
	row := &r.p.Rows[ri]
	if !row.Masked() {
		return nil
	}
	t := &r.p.Tables[row.Table]
	var cols []string
	for c, secret := range t.Secret {
		if secret && c < row.NumCells() && strings.TrimSpace(row.Cell(c)) == plan.SecretMask {
			cols = append(cols, t.Header[c])
		}
	}
	return cols
}

// create sends a call that is not idempotent: the step is written
// in-flight, durably, before the request leaves, so that a crash or a lost
// answer is reconciled on resume instead of repeated.
func (r *Runner) create(ctx context.Context, i plan.StepID, rec *checkpoint.Record, send sendFunc) outcome {
	if ctx.Err() != nil {
		return outcome{i: i, state: checkpoint.Pending}
	}
	now := time.Now().UTC()
	rec.State = checkpoint.InFlight
	rec.Attempts++
	if rec.StartedAt.IsZero() {
		rec.StartedAt = now
	}
	rec.UpdatedAt = now
	clearErr(rec)
	delete(rec.Data, noteRefused) // an earlier refusal says nothing of this request
	if err := r.s.PutSync(*rec); err != nil {
		return outcome{i: i, fatal: fmt.Errorf("%w: checkpoint unwritable: %w", ErrAborted, err)}
	}
	ids, data, err := send(ctx)
	return r.settle(i, rec, ids, data, err, true)
}

// call sends an idempotent call: repeating it is harmless, so nothing is
// written before it.
func (r *Runner) call(ctx context.Context, i plan.StepID, rec *checkpoint.Record, send sendFunc) outcome {
	if ctx.Err() != nil {
		return outcome{i: i, state: checkpoint.Pending}
	}
	rec.Attempts++
	if rec.StartedAt.IsZero() {
		rec.StartedAt = time.Now().UTC()
	}
	ids, data, err := send(ctx)
	return r.settle(i, rec, ids, data, err, false)
}

// settle turns a call's result into the step's outcome and records it.
func (r *Runner) settle(i plan.StepID, rec *checkpoint.Record, ids, data map[string]string, err error, isCreate bool) outcome {
	rec.UpdatedAt = time.Now().UTC()
	if err == nil {
		rec.State = checkpoint.Done
		clearErr(rec)
		rec.IDs = merged(rec.IDs, ids)
		rec.Data = merged(rec.Data, data)
		r.put(*rec)
		return outcome{i: i, rec: *rec, state: checkpoint.Done}
	}
	mergeInto(rec.Data, data)
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		if isCreate {
			// The request may have left: leave it in-flight for the next
			// run to reconcile.
			return outcome{i: i, rec: *rec, state: checkpoint.InFlight}
		}
		return outcome{i: i, state: checkpoint.Pending}
	}
	var rowErr *rowError
	if errors.As(err, &rowErr) {
		rec.State = checkpoint.Failed
		rec.ErrClass, rec.ErrStatus, rec.ErrMessage = checkpoint.ClassFailRow, 0, rowErr.msg
		if rowErr.retry {
			rec.ErrClass = checkpoint.ClassRetry
		}
		r.put(*rec)
		return outcome{i: i, rec: *rec, state: checkpoint.Failed}
	}
	apiErr, _ := asAPIError(err)
	if isCreate && actions[r.p.Steps[i].Action].lookUpRefusal && apiErr != nil &&
		(apiErr.Status == http.StatusBadRequest || apiErr.Status == http.StatusConflict) {
		// Perhaps the e-mail exists: seed 002 lists no 409, so "Email
		// already exists" comes as a 400 like any bad field, and codes are
		// never told apart by their text. The distributor's subscriber
		// list settles it, one listing for all: adopt the subscriber when
		// it is this row's, fail the row with the API's message otherwise.
		// The mark is durable, so that no run sends this create again
		// blindly.
		rec.Data[noteRefused] = fmt.Sprintf("%d %s", apiErr.Status, apiErr.Message)
		r.put(*rec)
		return outcome{i: i, rec: *rec, state: checkpoint.InFlight}
	}
	if r.o.Outage.holds(err) {
		// No answer, and the API answers no one: not the row's fault.
		return outcome{i: i, state: checkpoint.Pending, held: true}
	}
	switch telegent.Classify(err) {
	case telegent.ClassAbort:
		return outcome{i: i, fatal: fmt.Errorf("%w: %w", ErrAborted, err)}
	case telegent.ClassUnknown:
		if isCreate {
			return outcome{i: i, rec: *rec, state: checkpoint.InFlight}
		}
		rec.ErrClass = checkpoint.ClassRetry
	case telegent.ClassRetry:
		rec.ErrClass = checkpoint.ClassRetry
	default:
		rec.ErrClass = checkpoint.ClassFailRow
	}
	if apiErr != nil {
		rec.ErrStatus = apiErr.Status
	}
	rec.ErrMessage = explain(r.p.Steps[i].Action, err, apiErr)
	rec.State = checkpoint.Failed
	r.put(*rec)
	return outcome{i: i, rec: *rec, state: checkpoint.Failed}
}

func asAPIError(err error) (*telegent.Error, bool) {
	var e *telegent.Error
	ok := errors.As(err, &e)
	return e, ok
}

// explain says what went wrong and what to do about it.
func explain(a plan.Action, err error, apiErr *telegent.Error) string {
	if apiErr == nil {
		return err.Error()
	}
	if apiErr.Status == 0 {
		return "no answer from the API (" + apiErr.Message + ") — re-running retries this row"
	}
	msg := fmt.Sprintf("%d %s", apiErr.Status, apiErr.Message)
	hint := ""
	switch apiErr.Status {
	case http.StatusBadRequest:
		hint = "fix the cell the message names and re-run"
	case http.StatusNotFound:
		hint = "an ID this row refers to does not exist on the platform: check its *Id and *Ref columns"
	case http.StatusForbidden:
		hint = "the credentials may not do this: check the account's permissions"
	case http.StatusConflict:
		hint = firstNonEmpty(actions[a].conflict, "the platform already has this; check for an earlier migration")
	case http.StatusTooManyRequests, http.StatusInternalServerError, http.StatusServiceUnavailable,
		http.StatusGatewayTimeout, http.StatusRequestTimeout:
		hint = "the API kept failing; re-running retries this row"
	}
	if hint == "" {
		return msg
	}
	return msg + " — " + hint
}

// merged returns dst with src's non-empty values merged in. src, which
// the caller gives up (a send's fresh result), is returned itself when dst
// is empty: a step that runs for the first time copies nothing.
func merged(dst, src map[string]string) map[string]string {
	if len(dst) > 0 || len(src) == 0 {
		mergeInto(dst, src)
		return dst
	}
	for k, v := range src {
		if v == "" {
			delete(src, k)
		}
	}
	return src
}

// mergeInto copies src's non-empty values into dst.
func mergeInto(dst, src map[string]string) {
	for k, v := range src {
		if v != "" {
			dst[k] = v
		}
	}
}

// parentID returns the platform ID of row's parent of kind k: given in the
// manifest, or obtained by the parent's create step (see createdID).
func (r *Runner) parentID(row plan.RowID, k plan.Kind) (string, error) {
	pr, id := r.p.Parent(row, k)
	if id != "" || pr < 0 {
		return id, nil
	}
	a, col, _ := ownCreate(k)
	s := r.p.RowStep(pr, a)
	if s < 0 {
		return "", rowErrorf("%s row %d has no %s", k, r.p.Rows[pr].Num, col)
	}
	if id := r.createdID(s, col); id != "" {
		return id, nil
	}
	return "", rowErrorf("%s is not known yet for %s", col, r.p.Key(s))
}

// createdID returns column col of the IDs that create step s obtained: the
// ID it yields for its children (AccountId, SubscriberId, a route's ID),
// or a subscriber's AccountId. The IDs of a done create are kept in memory
// (see parentIDs): its record is read once, not for every child.
func (r *Runner) createdID(s plan.StepID, col string) string {
	if id, ok := r.ids.get(r.p.Steps[s].Action, s, col); ok {
		return id
	}
	rec := r.record(s)
	if rec.State == checkpoint.Done {
		r.ids.noteDone(r.p.Steps[s].Action, s, &rec)
	}
	return rec.IDs[col]
}

// parentIDs holds the platform IDs that done create steps obtained, by
// step: what the requests of their children need. A done step keeps its
// IDs for the rest of the run (it does not run again), so an entry never
// changes. The IDs' text is kept in one buffer, an entry being a few
// bytes, as a run may have hundreds of thousands of parents. Safe for
// concurrent use.
type parentIDs struct {
	mu  sync.RWMutex
	m   map[plan.StepID]idEntry
	buf []byte
}

// idEntry is where the IDs of one create are in parentIDs.buf: its ID
// (in its action's yields column), then its second column (see
// secondColumn).
type idEntry struct {
	off           uint32
	idLen, accLen uint8
	adopted       bool // adopted from an earlier existence, not created (noteAdopted)
}

// createdIDs are the IDs that one create obtained.
type createdIDs struct {
	id      string
	account string // the second column (see secondColumn): a subscriber's AccountId, a provision's PhoneNumber
	adopted bool
}

// secondColumn is the column kept beside the ID of a create of action a:
// the number a provision obtained, or the account of a subscriber.
func secondColumn(a plan.Action) string {
	if a == plan.NumberProvision {
		return colPhoneNumber
	}
	return colAccountID
}

// get returns column col of the IDs of step s, whose action is a; ok is
// false when they are not kept (the step is not done yet, or col is not
// kept).
func (t *parentIDs) get(a plan.Action, s plan.StepID, col string) (id string, ok bool) {
	e, found := t.done(s)
	switch {
	case !found:
		return "", false
	case col == actions[a].yields:
		return e.id, true
	case col == secondColumn(a):
		return e.account, true
	}
	return "", false
}

// done returns the IDs kept of step s; ok is false when they are not
// kept.
func (t *parentIDs) done(s plan.StepID) (createdIDs, bool) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	e, ok := t.m[s]
	if !ok {
		return createdIDs{}, false
	}
	end := e.off + uint32(e.idLen)
	return createdIDs{id: string(t.buf[e.off:end]), account: string(t.buf[end : end+uint32(e.accLen)]),
		adopted: e.adopted}, true
}

// noteDone keeps the IDs that step s, done with record rec, obtained, if
// it creates a parent of other rows (an account, a subscriber, a route) or
// a line's number (read by the line's later steps), and they are short
// enough to keep: any other is read from the record when needed.
func (t *parentIDs) noteDone(a plan.Action, s plan.StepID, rec *checkpoint.Record) {
	switch a {
	case plan.AccountCreate, plan.SubscriberCreate, plan.MessageRouteCreate, plan.VoiceRouteCreate, plan.NumberProvision:
	default:
		return // its IDs are read from its record when needed
	}
	col := actions[a].yields
	id, account := rec.IDs[col], ""
	if second := secondColumn(a); col != second {
		account = rec.IDs[second]
	}
	if id == "" || len(id) > math.MaxUint8 || len(account) > math.MaxUint8 {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.m == nil {
		t.m = make(map[plan.StepID]idEntry)
	}
	if len(t.buf) > math.MaxUint32-2*math.MaxUint8 {
		return
	}
	e := idEntry{off: uint32(len(t.buf)), idLen: uint8(len(id)), accLen: uint8(len(account)),
		adopted: rec.Data[noteAdopted] != ""}
	t.buf = append(append(t.buf, id...), account...)
	t.m[s] = e
}

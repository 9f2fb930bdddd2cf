package jobs

import (
	"log/slog"
	"maps"
	"slices"
	"time"

	"telegent-bulk/checkpoint"
	"telegent-bulk/plan"
	"telegent-bulk/telegent"
)

// ledger is the plan seen through the records of its steps: what resume
// and the run both read (and write) about a step beyond its call.
type ledger struct {
	p       *plan.Plan
	o       Options
	recs    records
	log     *slog.Logger
	started time.Time // when the run started; zero before it does (see declaredAbsent)
}

// records reads and writes step records: the checkpoint itself
// (*checkpoint.Store) for a run, an overlay that keeps the writes from the
// file for a preview.
type records interface {
	// Get returns the record of key; ok is false when there is none.
	Get(key checkpoint.Key) (rec checkpoint.Record, ok bool, err error)
	// Put writes rec; a later Get returns it.
	Put(rec checkpoint.Record) error
}

// put writes a record; a write failure surfaces at the store's Flush.
func (l *ledger) put(rec checkpoint.Record) {
	if err := l.recs.Put(rec); err != nil {
		l.log.Error("checkpoint write failed", "key", string(rec.Key), "error", err)
	}
}

// record returns the stored record of step i, or a fresh one.
func (l *ledger) record(i plan.StepID) checkpoint.Record {
	rec, _ := l.readRecord(i)
	return rec
}

// readRecord returns the stored record of step i, a fresh one when there
// is none, and the error of a record that cannot be read (damaged since
// the file was checked at open): a step about to be sent must not take
// such a record for "never sent".
func (l *ledger) readRecord(i plan.StepID) (checkpoint.Record, error) {
	key := checkpoint.Key(l.p.Key(i))
	rec, ok, err := l.recs.Get(key)
	if err != nil || !ok {
		rec = checkpoint.Record{Key: key}
	}
	return rec, err
}

// changed tells whether step i's row differs from the row the record was
// made for (a secret column included, through its keyed MAC). A row whose
// secret a results workbook masked (***) does not give it: only the other
// columns are compared.
func (l *ledger) changed(i plan.StepID, rec checkpoint.Record) bool {
	return l.rowChanged(l.p.Steps[i].Row, rec)
}

// rowChanged tells whether row ri differs from the row rec was made for.
func (l *ledger) rowChanged(ri plan.RowID, rec checkpoint.Record) bool {
	if rec.Data[noteUnknownSent] != "" {
		return true
	}
	if rec.Fingerprint == "" {
		return false
	}
	row := &l.p.Rows[ri]
	fp, mac := row.Fingerprint(l.o.MACKey)
	if row.Masked() {
		return fp != rec.Fingerprint
	}
	return fp != rec.Fingerprint || (l.o.MACKey != nil && mac != rec.SecretMAC)
}

// declaredAbsent tells whether the user says that step i's create, whose
// outcome is unknown (as recorded in rec), was not applied: by --resend
// with its key, or by the row's Action (resubmit for a port-in submit,
// reissue for a port-out PIN). A declaration covers an outcome that was
// unknown before this run started, never the answer to a request this run
// sent: that one was not checked by anybody. A row's Action, which stays
// in the manifest, covers one lost answer only (noteResendUsed).
func (l *ledger) declaredAbsent(i plan.StepID, rec checkpoint.Record) bool {
	if !l.before(rec) {
		return false
	}
	if slices.Contains(l.o.Resend, l.p.Key(i)) {
		return true
	}
	if rec.Data[noteResendUsed] != "" {
		return false
	}
	row := &l.p.Rows[l.p.Steps[i].Row]
	switch l.p.Steps[i].Action {
	case plan.PortInSubmit:
		return row.Get("Action") == "resubmit"
	case plan.PortOutIssue:
		return row.Get("Action") == "reissue"
	}
	return false
}

// before tells whether rec was written before this run started.
func (l *ledger) before(rec checkpoint.Record) bool {
	return l.started.IsZero() || rec.UpdatedAt.Before(l.started)
}

// inScope tells whether step i runs at all in this run (Options.Only).
func (l *ledger) inScope(i plan.StepID) bool {
	return l.o.Only == nil || slices.Contains(l.o.Only, l.p.Steps[i].Action)
}

// markCancelled records a step of a cancelled order as cancelled, so that
// the checkpoint, status and the results agree with what resume decided.
// A step that was done (the submit that holds the OrderId) keeps its state.
// A step with no record gets one only with create (a step of the plan).
func (l *ledger) markCancelled(key plan.StepKey, orderID string, create bool) {
	rec, ok, err := l.recs.Get(checkpoint.Key(key))
	if err != nil || (ok && (rec.State == checkpoint.Cancelled || rec.State == checkpoint.Done)) || (!ok && !create) {
		return
	}
	if !ok {
		rec = checkpoint.Record{Key: checkpoint.Key(key)}
	}
	if rec.IDs == nil {
		rec.IDs = map[string]string{}
	}
	if rec.Data == nil {
		rec.Data = map[string]string{}
	}
	rec.State = checkpoint.Cancelled
	rec.Data[noteCancelledOrder] = orderID
	if _, _, a, _ := plan.ParseStepKey(string(key)); a == plan.PortInMonitor {
		// The order's facts live on the monitor only, so that a later
		// order's bind or subscription never shows this one's.
		rec.IDs[colOrderID] = orderID
		rec.Data[colPortStatus] = telegent.PortCancelled
	}
	rec.ErrClass, rec.ErrStatus = checkpoint.ClassNone, 0
	rec.ErrMessage = "the order was cancelled; cancel is final: set Action=resubmit to port the number again"
	rec.UpdatedAt = time.Now().UTC()
	l.put(rec)
}

// overlay is the checkpoint seen through the writes made to it, which it
// keeps from the file: a preview decides as a run would, on the records
// the run would have written, and changes nothing. (A preview of a
// checkpoint restored from a backup keeps in memory every record it
// marks in flight.)
type overlay struct {
	s    *checkpoint.Store // nil: no checkpoint yet
	recs map[checkpoint.Key]checkpoint.Record
}

func newOverlay(s *checkpoint.Store) *overlay {
	return &overlay{s: s, recs: map[checkpoint.Key]checkpoint.Record{}}
}

// Get returns the record written last to the overlay, else the store's.
// Like the store's, the record shares no map with any other.
func (o *overlay) Get(key checkpoint.Key) (checkpoint.Record, bool, error) {
	if rec, ok := o.recs[key]; ok {
		rec.IDs, rec.Data = maps.Clone(rec.IDs), maps.Clone(rec.Data)
		return rec, true, nil
	}
	if o.s == nil {
		return checkpoint.Record{}, false, nil
	}
	return o.s.Get(key)
}

// Put keeps rec in the overlay.
func (o *overlay) Put(rec checkpoint.Record) error {
	rec.IDs, rec.Data = maps.Clone(rec.IDs), maps.Clone(rec.Data)
	o.recs[rec.Key] = rec
	return nil
}

// clearErr removes the last error from a record: the step did well, or
// runs again.
func clearErr(rec *checkpoint.Record) {
	rec.ErrClass, rec.ErrStatus, rec.ErrMessage = checkpoint.ClassNone, 0, ""
}

package jobs

import (
	"strings"
	"sync"
	"time"

	"telegent-bulk/checkpoint"
	"telegent-bulk/plan"
)

// Reading the outcomes of rows for the results (and the failures file).
//
// A row's outcome is gathered from the records of its steps. A run of a
// million lines has millions of records, so they are read in chunks of
// rows, each in one read transaction (Store.ViewMany), and in place: the
// few fields the results use are picked out of the stored bytes, never
// decoded into maps. The values picked are copied into one buffer per
// chunk, which becomes one string that every value of the chunk is a part
// of; a row's values sit in a slice indexed by field (resultFields), and
// the chunk's slices and buffers are used again for the next chunk.

// rowResult is the outcome of one manifest row, gathered from its steps.
type rowResult struct {
	status    string
	vals      []string // by resultFields index: IDs and facts
	err       string
	errStep   plan.StepKey
	attempts  int
	updatedAt time.Time
	updated   string // updatedAt as the results show it
}

// id returns the row's value in results column (or fact) col.
func (res *rowResult) id(col string) string {
	if i, ok := fields().index[col]; ok {
		return res.vals[i]
	}
	return ""
}

// setID sets the row's value in results column (or fact) col.
func (res *rowResult) setID(col, v string) {
	if i, ok := fields().index[col]; ok {
		res.vals[i] = v
	}
}

// detach returns a copy of res that shares no memory with its chunk, for
// a result kept after the chunk is read again.
func (res *rowResult) detach() rowResult {
	out := *res
	out.vals = make([]string, len(res.vals))
	for i, v := range res.vals {
		out.vals[i] = strings.Clone(v)
	}
	out.updated = strings.Clone(res.updated)
	return out
}

// fieldTable is the set of IDs and facts a row's outcome keeps: the
// results columns of every kind and of the eligibility check, and the
// facts the Summary and Finance tabs use.
type fieldTable struct {
	names   []string
	index   map[string]int
	repeats []bool // values of few kinds (a package, a status): interned
}

// fields returns the field table, built once (after the actions table,
// which init fills).
var fields = sync.OnceValue(func() *fieldTable {
	t := &fieldTable{index: map[string]int{}}
	add := func(cols ...string) {
		for _, c := range cols {
			if _, ok := t.index[c]; !ok {
				t.index[c] = len(t.names)
				t.names = append(t.names, c)
			}
		}
	}
	for _, cols := range resultColumns() {
		add(cols...)
	}
	add(eligibilityColumns...)
	add(colPackageID, colPackageName, colPrice, colCharge, colOrderDigest, noteSentAt, noteCompletedSeen)
	t.repeats = make([]bool, len(t.names))
	for _, c := range []string{colPackageID, colPackageName, colPrice, colCharge, colPortStatus, colPortOutStatus,
		colEligible, colCurrentCarrier, colMessage, colDeclinedAttempts} {
		t.repeats[t.index[c]] = true
	}
	return t
})

// statusRank orders row statuses: the worst step decides the row.
func statusRank(st string) int {
	switch st {
	case "pending":
		return 1
	case "cancelled":
		return 2
	case "waiting":
		return 3
	case "skipped":
		return 4
	case "needs attention":
		return 5
	case "failed":
		return 6
	}
	return 0 // done
}

// inFlightMessage is the Error of a create whose outcome is not known.
const inFlightMessage = "the outcome of this create is not known yet: the next run looks it up before anything is re-sent"

// rowChunk is what readRows hands on: the start of table's tab (start),
// the outcomes of some of its rows, in order, or the error that stopped
// the reading. Its buffers serve the next chunk once it is given back.
type rowChunk struct {
	table int32
	start bool
	rows  []plan.RowID
	res   []rowResult
	err   error

	vals   []string  // the rows' values, len(fields().names) per row
	spans  []span    // where the values read from records are in text, as vals
	intern interned  // the values of the fields that repeat, shared by the chunks of a reading
	text   []byte    // the values read from the records
	keys   [][]byte  // the keys read, parts of keyBuf
	keyBuf []byte    // the keys' bytes
	reads  []keyRead // what each key is
}

// span is where a value is in a chunk's text; set: the records gave one
// (perhaps empty), which replaces the row's own; held: that value is
// already in the row's vals (interned).
type span struct {
	off, n    uint32
	set, held bool
}

// interned holds one string for each value of the fields that repeat,
// up to maxInterned of them.
type interned map[string]string

const maxInterned = 4096

// of returns the string of value, or "" when there is none and no room
// for it.
func (in interned) of(value []byte) string {
	if v, ok := in[string(value)]; ok {
		return v
	}
	if in == nil || len(in) >= maxInterned {
		return ""
	}
	v := string(value)
	in[v] = v
	return v
}

// keyRead is what one key of a chunk reads: the record of plan step step
// of the chunk's row k, or, step < 0, the record of action a that an
// earlier run of the checkpoint took for that row.
type keyRead struct {
	k        int32
	step     plan.StepID
	a        plan.Action
	off, end uint32 // the key in keyBuf
}

// resultsChunk is how many rows readRows reads in one transaction (a
// variable for a test's sake).
var resultsChunk = 256

// readRows reads the outcome of every row of tables, table by table in
// row order, and sends it on out in chunks; it takes the chunks to fill
// from free, when it has any. It closes out when done, or once done is
// closed.
func readRows(p *plan.Plan, s *checkpoint.Store, tables []int32, cols [plan.NumKinds][]string,
	out chan<- *rowChunk, free <-chan *rowChunk, done <-chan struct{}) {
	defer close(out)
	send := func(c *rowChunk) bool {
		select {
		case out <- c:
			return c.err == nil
		case <-done:
			return false
		}
	}
	in := interned{}
	next := func(ti int32) *rowChunk {
		select {
		case c := <-free:
			c.table, c.start, c.rows, c.err = ti, false, c.rows[:0], nil
			return c
		default:
			return &rowChunk{table: ti, intern: in}
		}
	}
	for _, ti := range tables {
		if !send(&rowChunk{table: ti, start: true}) {
			return
		}
		kind := p.Tables[ti].Kind
		c := next(ti)
		for ri := range p.Rows {
			if p.Rows[ri].Table != ti {
				continue
			}
			if c.rows = append(c.rows, plan.RowID(ri)); len(c.rows) < resultsChunk {
				continue
			}
			if !send(c.read(p, s, cols[kind])) {
				return
			}
			c = next(ti)
		}
		if len(c.rows) > 0 && !send(c.read(p, s, cols[kind])) {
			return
		}
	}
}

// read reads the outcomes of c.rows, whose ID columns are idCols, in one
// transaction.
func (c *rowChunk) read(p *plan.Plan, s *checkpoint.Store, idCols []string) *rowChunk {
	c.prepare(p, idCols)
	err := s.ViewMany(c.keys, func(i int, v *checkpoint.View) error {
		r := &c.reads[i]
		if r.step < 0 {
			if v != nil {
				c.merge(int(r.k), r.a, v)
			}
		} else {
			c.addStep(int(r.k), i, r.a, v)
		}
		return nil
	})
	if err != nil {
		c.err = err
		return c
	}
	c.finish()
	return c
}

// prepare starts the outcome of every row of c with the IDs it gives
// itself, and lists the keys to read, in the order their records are
// added: for a row that gives some of its IDs itself or is a cancel, the
// records of its kind's steps that the plan does not have (earlier runs
// of this checkpoint took them, for a row that now gives their IDs, a
// results workbook fed back, or that is now cancelled), then those of
// its own steps, which take precedence.
func (c *rowChunk) prepare(p *plan.Plan, idCols []string) {
	nf := len(fields().names)
	c.vals = grow(c.vals, len(c.rows)*nf)
	c.spans = grow(c.spans, len(c.rows)*nf)
	clear(c.vals)
	clear(c.spans)
	c.res = grow(c.res, len(c.rows))
	c.text, c.keyBuf, c.reads, c.keys = c.text[:0], c.keyBuf[:0], c.reads[:0], c.keys[:0]
	for k, ri := range c.rows {
		res := &c.res[k]
		*res = rowResult{status: "done", vals: c.vals[k*nf : (k+1)*nf : (k+1)*nf]}
		row := &p.Rows[ri]
		own := false
		for _, col := range idCols {
			if !kindColumns()[row.Kind][col] {
				continue
			}
			if v := row.Get(col); v != "" {
				res.setID(col, v)
				own = true
			}
		}
		first, n := p.RowSteps(ri)
		if own || isCancel(p, first, n) {
			for _, a := range kindActions[row.Kind] {
				if p.RowStep(ri, a) < 0 {
					c.addKey(int32(k), -1, a, string(plan.MakeKey(row.Kind, row.Key, a)))
				}
			}
		}
		for i := first; i < first+plan.StepID(n); i++ {
			c.addKey(int32(k), i, p.Steps[i].Action, "")
		}
		for i := range c.reads[len(c.reads)-n:] {
			r := &c.reads[len(c.reads)-n+i]
			if i == 0 {
				r.off = uint32(len(c.keyBuf))
				c.keyBuf = appendStepKey(c.keyBuf, p, first)
				r.end = uint32(len(c.keyBuf))
				continue
			}
			// The same row: its first key with another action's slug.
			prev := &c.reads[len(c.reads)-n]
			prefix := c.keyBuf[prev.off : prev.end-uint32(len(p.Steps[first].Action.Slug()))]
			r.off = uint32(len(c.keyBuf))
			c.keyBuf = append(c.keyBuf, prefix...)
			c.keyBuf = append(c.keyBuf, r.a.Slug()...)
			r.end = uint32(len(c.keyBuf))
		}
	}
	for i := range c.reads {
		r := &c.reads[i]
		c.keys = append(c.keys, c.keyBuf[r.off:r.end:r.end])
	}
}

// addKey lists the read of the record of step (or, step < 0, of action
// a of row k, whose key is key); a step's key is added to keyBuf after.
func (c *rowChunk) addKey(k int32, step plan.StepID, a plan.Action, key string) {
	r := keyRead{k: k, step: step, a: a}
	if step < 0 {
		r.off = uint32(len(c.keyBuf))
		c.keyBuf = append(c.keyBuf, key...)
		r.end = uint32(len(c.keyBuf))
	}
	c.reads = append(c.reads, r)
}

// appendStepKey appends the key of step i (see appendKey).
func appendStepKey(buf []byte, p *plan.Plan, i plan.StepID) []byte {
	row := &p.Rows[p.Steps[i].Row]
	return appendKey(buf, row.Kind, row.Key, p.Steps[i].Action)
}

// appendKey appends the step key that plan.MakeKey makes of kind k,
// natural key key and action a, without making a string of it.
func appendKey(buf []byte, k plan.Kind, key string, a plan.Action) []byte {
	if strings.ContainsAny(key, "%/") {
		return append(buf, plan.MakeKey(k, key, a)...) // escaped by MakeKey
	}
	buf = append(buf, k.Slug()...)
	buf = append(buf, '/')
	buf = append(buf, key...)
	buf = append(buf, '/')
	return append(buf, a.Slug()...)
}

// grow returns s with length n, reusing its memory when it has room.
func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// merge adds the IDs and facts of a record of action a to row k: every
// non-empty value of a field the results keep. A port-in submit's record
// also gives the order's digest: its fingerprint, unless the order's
// fields are not known to have been received.
func (c *rowChunk) merge(k int, a plan.Action, v *checkpoint.View) {
	ft := fields()
	nf := len(ft.names)
	spans, vals := c.spans[k*nf:(k+1)*nf], c.res[k].vals
	unknownSent := false
	v.Pairs(func(data bool, name, value []byte) {
		if data && string(name) == noteUnknownSent && len(value) > 0 {
			unknownSent = true
		}
		if len(value) == 0 {
			return
		}
		i, ok := ft.index[string(name)]
		if !ok {
			return
		}
		if ft.repeats[i] {
			if v := c.intern.of(value); v != "" {
				vals[i], spans[i] = v, span{set: true, held: true}
				return
			}
		}
		spans[i] = c.keep(value)
	})
	if a == plan.PortInSubmit {
		spans[ft.index[colOrderDigest]] = span{set: true}
		if !unknownSent {
			spans[ft.index[colOrderDigest]] = c.keep(v.Fingerprint())
		}
	}
}

// keep copies value into the chunk's text.
func (c *rowChunk) keep(value []byte) span {
	s := span{off: uint32(len(c.text)), n: uint32(len(value)), set: true}
	c.text = append(c.text, value...)
	return s
}

// addStep adds the record of a plan step of action a, read by c.reads[j],
// to row k (v nil: it has none): its IDs and facts, its attempts, and its
// state if it is the worst yet.
func (c *rowChunk) addStep(k, j int, a plan.Action, v *checkpoint.View) {
	res := &c.res[k]
	st, msg := "pending", ""
	if v != nil {
		st = v.State().String()
		if m := v.ErrMessage(); len(m) > 0 {
			msg = string(m)
		}
		if v.State() == checkpoint.InFlight {
			st = "needs attention"
			if msg == "" {
				msg = inFlightMessage
			}
		}
		c.merge(k, a, v)
		res.attempts += v.Attempts()
		if u := v.UpdatedAt(); u.After(res.updatedAt) {
			res.updatedAt = u
		}
	}
	if statusRank(st) > statusRank(res.status) {
		res.status = st
		if msg != "" {
			res.err, res.errStep = msg, plan.StepKey(c.keys[j])
		}
	}
}

// finish turns what the records gave into the rows' values: one string
// holds them all. A row's error is kept only where its status tells of
// one; a completion the runner dated by its own clock counts from when
// the order was sent by that clock, so SubmittedAt shows that time.
func (c *rowChunk) finish() {
	nf := len(fields().names)
	upd := make([]span, 0, len(c.rows))
	for k := range c.res {
		u := span{off: uint32(len(c.text))}
		t := c.res[k].updatedAt
		switch {
		case t.IsZero():
		case k > 0 && t.Unix() == c.res[k-1].updatedAt.Unix():
			u = upd[k-1] // the same second: the same text
		default:
			c.text = t.UTC().AppendFormat(c.text, time.RFC3339)
			u.n, u.set = uint32(len(c.text))-u.off, true
		}
		upd = append(upd, u)
	}
	text := string(c.text)
	ft := fields()
	completed, sent, submitted := ft.index[noteCompletedSeen], ft.index[noteSentAt], ft.index[colSubmittedAt]
	for k := range c.res {
		res := &c.res[k]
		for i, s := range c.spans[k*nf : (k+1)*nf] {
			if s.set && !s.held {
				res.vals[i] = text[s.off : s.off+s.n]
			}
		}
		res.updated = text[upd[k].off : upd[k].off+upd[k].n]
		switch res.status {
		case "failed", "needs attention", "skipped", "cancelled":
		default:
			res.err, res.errStep = "", ""
		}
		if res.vals[completed] != "" && res.vals[sent] != "" {
			res.vals[submitted] = res.vals[sent]
		}
	}
}

// gather reads the outcome of row ri, whose ID columns are idCols.
func gather(p *plan.Plan, s *checkpoint.Store, ri plan.RowID, idCols []string) (rowResult, error) {
	c := &rowChunk{rows: []plan.RowID{ri}}
	if c.read(p, s, idCols); c.err != nil {
		return rowResult{}, c.err
	}
	return c.res[0], nil
}

// isCancel tells whether the n steps of a row from first are its cancel
// alone.
func isCancel(p *plan.Plan, first plan.StepID, n int) bool {
	return n == 1 && p.Steps[first].Action == plan.PortInCancel
}

// ownValue returns a column the row itself carries, if its kind has it.
func ownValue(row *plan.Row, col string) (v string) {
	if !kindColumns()[row.Kind][col] {
		return "" // without the panic of Get, which costs a formatted message
	}
	defer func() {
		if recover() != nil {
			v = ""
		}
	}()
	return row.Get(col)
}

// kindColumns returns the canonical columns of every kind.
var kindColumns = sync.OnceValue(func() (cols [plan.NumKinds]map[string]bool) {
	for k := range cols {
		cols[k] = map[string]bool{}
		for _, c := range plan.Columns(plan.Kind(k)) {
			cols[k][c] = true
		}
	}
	return cols
})

package sandbox

import (
	"cmp"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	mrand "math/rand/v2"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"telegent-bulk/telegent"
)

// table holds the rows of one resource in creation order, indexed by key.
// Rows are never deleted, so a row's position is stable and doubles as its
// key in the data file.
//
// Handlers change a row's scalar fields in place or replace the row, but
// never change a slice or pointee a row already holds: a shallow copy taken
// under the lock is then safe to encode after it is released.
type table[T any] struct {
	bucket string
	keyOf  func(*T) string
	rows   []*T
	pos    map[string]int
	dirty  []int // positions changed since the last commit

	// optional: the bucket may be missing from a data file written before
	// the table existed; it then loads empty and is created on the first
	// write.
	optional bool

	// by, when set, indexes the rows by a second value (the inventory's
	// numbers by their subscriber), so that a query for one value reads
	// its rows only. Rows whose value is empty are not indexed.
	by      func(*T) string
	byValue map[string][]int // the positions of each value's rows, ascending
	byPos   []string         // the value each position is indexed under
}

func newTable[T any](bucket string, keyOf func(*T) string) *table[T] {
	return &table[T]{bucket: bucket, keyOf: keyOf, pos: make(map[string]int)}
}

// indexBy has t index its rows by f (see table.by) and returns t.
func (t *table[T]) indexBy(f func(*T) string) *table[T] {
	t.by, t.byValue = f, make(map[string][]int)
	return t
}

// reindex files the row at position i under its value of t.by, and no
// longer under the value it had.
func (t *table[T]) reindex(i int) {
	if t.by == nil {
		return
	}
	v := t.by(t.rows[i])
	if i == len(t.byPos) {
		t.byPos = append(t.byPos, "")
	}
	old := t.byPos[i]
	if old == v {
		return
	}
	if ps := t.byValue[old]; old != "" {
		if j, ok := slices.BinarySearch(ps, i); ok {
			ps = slices.Delete(ps, j, j+1)
		}
		if len(ps) == 0 {
			delete(t.byValue, old)
		} else {
			t.byValue[old] = ps
		}
	}
	t.byPos[i] = v
	if v != "" {
		ps := t.byValue[v]
		if j, ok := slices.BinarySearch(ps, i); !ok {
			t.byValue[v] = slices.Insert(ps, j, i)
		}
	}
}

// rowsBy returns the rows whose value of t.by is v, in the table's order.
func (t *table[T]) rowsBy(v string) []*T {
	ps := t.byValue[v]
	rows := make([]*T, len(ps))
	for k, i := range ps {
		rows[k] = t.rows[i]
	}
	return rows
}

func (t *table[T]) get(key string) (*T, bool) {
	i, ok := t.pos[key]
	if !ok {
		return nil, false
	}
	return t.rows[i], true
}

// put inserts v, or replaces the row with v's key, and marks it for saving.
// Call it after every change to a row.
func (t *table[T]) put(v *T) {
	k := t.keyOf(v)
	i, ok := t.pos[k]
	if ok {
		t.rows[i] = v
	} else {
		i = len(t.rows)
		t.rows = append(t.rows, v)
		t.pos[k] = i
	}
	t.reindex(i)
	t.dirty = append(t.dirty, i)
}

// sorted returns copies of every row, ordered by key.
func (t *table[T]) sorted() []T {
	out := make([]T, len(t.rows))
	for i, row := range t.rows {
		out[i] = *row
	}
	slices.SortFunc(out, func(a, b T) int { return cmp.Compare(t.keyOf(&a), t.keyOf(&b)) })
	return out
}

func (t *table[T]) name() string  { return t.bucket }
func (t *table[T]) changed() bool { return len(t.dirty) > 0 }
func (t *table[T]) clean()        { t.dirty = t.dirty[:0] }

// touchAll marks every row for saving.
func (t *table[T]) touchAll() {
	for i := range t.rows {
		t.dirty = append(t.dirty, i)
	}
}

func (t *table[T]) flush(tx *bolt.Tx) error {
	if len(t.dirty) == 0 {
		return nil
	}
	b, err := tx.CreateBucketIfNotExists([]byte(t.bucket))
	if err != nil {
		return fmt.Errorf("create bucket %s: %w", t.bucket, err)
	}
	for _, i := range t.dirty {
		data, err := json.Marshal(t.rows[i])
		if err != nil {
			return fmt.Errorf("encode %s row %d: %w", t.bucket, i, err)
		}
		if err := b.Put(rowKey(i), data); err != nil {
			return fmt.Errorf("write %s row %d: %w", t.bucket, i, err)
		}
	}
	return nil
}

func (t *table[T]) load(tx *bolt.Tx) error {
	b := tx.Bucket([]byte(t.bucket))
	if b == nil && t.optional {
		return nil
	}
	if b == nil {
		return fmt.Errorf("bucket %s is missing", t.bucket)
	}
	return b.ForEach(func(k, v []byte) error {
		if len(k) != 8 || binary.BigEndian.Uint64(k) != uint64(len(t.rows)) {
			return fmt.Errorf("%s: unexpected row key %x", t.bucket, k)
		}
		row := new(T)
		if err := json.Unmarshal(v, row); err != nil {
			return fmt.Errorf("decode %s row %d: %w", t.bucket, len(t.rows), err)
		}
		t.pos[t.keyOf(row)] = len(t.rows)
		t.rows = append(t.rows, row)
		t.reindex(len(t.rows) - 1)
		return nil
	})
}

func rowKey(i int) []byte { return binary.BigEndian.AppendUint64(nil, uint64(i)) }

// persisted is what the data file needs of a table.
type persisted interface {
	name() string
	changed() bool
	clean()
	touchAll()
	flush(tx *bolt.Tx) error
	load(tx *bolt.Tx) error
}

// store is the sandbox's state. Every method runs under Server.mu, with now
// set to the virtual time of the request.
type store struct {
	now      time.Time
	portStep time.Duration
	profile  Profile // how answers are shaped; never saved: the state is the same under both
	key      []byte  // drawn per process, never saved: signs tokens, keys secret digests
	pcg      *mrand.PCG
	rnd      *mrand.Rand
	rndUsed  bool // the generator moved since the last commit

	accounts      *table[telegent.Account]
	subscribers   *table[telegent.Subscriber]
	messageRoutes *table[messageRouteRow]
	voiceRoutes   *table[voiceRouteRow]
	numbers       *table[telegent.Number] // keyed by phone number
	reserved      *table[reservation]     // numbers provision never hands out, keyed by phone number
	orders        *table[order]
	subscriptions *table[telegent.Subscription]
	guardian      *table[telegent.GuardianFeatures] // keyed by subscriber
	filters       *table[telegent.MessageFilter]
	dataUsage     *table[telegent.DataUsageResponse] // one per number, keyed by it
	tables        []persisted

	// Indexes derived from the tables by reindex and kept up to date by the
	// handlers; never saved.
	emails         map[string]string   // lower-cased email -> subscriber ID
	numberIDs      map[string]string   // NID -> phone number
	iccids         map[string]string   // ICCID -> phone number
	activeSubs     map[string]string   // TNID -> active subscription ID
	filterKeys     map[string]string   // subscriber ID + " " + phone -> filter ID
	subsPerAccount map[string]int      // account ID -> subscribers
	moving         map[string]struct{} // port orders whose status moves with the clock
}

// reservation is a number that provision never hands out: one that port-in
// eligibility was asked about, so that a port-in of the same manifest finds
// it free.
type reservation struct {
	PhoneNumber string
}

// reserve keeps provision from ever handing out phone.
func (st *store) reserve(phone string) {
	if _, ok := st.reserved.get(phone); !ok {
		st.reserved.put(&reservation{PhoneNumber: phone})
	}
}

// order is an order as the sandbox keeps it: the details the API answers
// with, plus what a port-in needs to move and to notice a fix.
type order struct {
	telegent.OrderDetails
	Port       *portState `json:",omitempty"`
	FinalState bool       `json:",omitempty"` // no update or further move is possible
}

func newStore(portStep time.Duration, seed1, seed2 uint64) (*store, error) {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("generate key: %w", err)
	}
	st := &store{portStep: portStep, key: key, pcg: mrand.NewPCG(seed1, seed2)}
	st.rnd = mrand.New(st.pcg)
	st.accounts = newTable("accounts", func(a *telegent.Account) string { return a.AccountId })
	st.subscribers = newTable("subscribers", func(s *telegent.Subscriber) string { return s.SubscriberId })
	st.messageRoutes = newTable("message_routes", func(r *messageRouteRow) string { return r.MessageRouteId })
	st.voiceRoutes = newTable("voice_routes", func(r *voiceRouteRow) string { return r.CallRouteId })
	st.numbers = newTable("numbers", func(n *telegent.Number) string { return n.PhoneNumber }).
		indexBy(func(n *telegent.Number) string { return n.SubscriberId })
	st.reserved = newTable("reserved_numbers", func(r *reservation) string { return r.PhoneNumber })
	st.reserved.optional = true
	st.orders = newTable("orders", func(o *order) string { return o.OrderId })
	st.subscriptions = newTable("subscriptions", func(s *telegent.Subscription) string { return s.SubscriptionId })
	st.guardian = newTable("guardian", func(g *telegent.GuardianFeatures) string { return g.SubscriberId })
	st.filters = newTable("message_filters", func(f *telegent.MessageFilter) string { return f.FilterId })
	st.dataUsage = newTable("data_usage", func(d *telegent.DataUsageResponse) string { return d.PhoneNumbers[0].Number })
	st.tables = []persisted{st.accounts, st.subscribers, st.messageRoutes, st.voiceRoutes, st.numbers,
		st.orders, st.subscriptions, st.guardian, st.filters, st.dataUsage, st.reserved}
	return st, nil
}

// reindex rebuilds the derived indexes from the tables.
func (st *store) reindex() {
	st.emails = make(map[string]string)
	st.numberIDs = make(map[string]string)
	st.iccids = make(map[string]string)
	st.activeSubs = make(map[string]string)
	st.filterKeys = make(map[string]string)
	st.subsPerAccount = make(map[string]int)
	st.moving = make(map[string]struct{})
	for _, s := range st.subscribers.rows {
		st.emails[strings.ToLower(s.Email)] = s.SubscriberId
		if s.Account != nil {
			st.subsPerAccount[s.Account.AccountId]++
		}
	}
	for _, n := range st.numbers.rows {
		if n.PhoneNumberId != "" {
			st.numberIDs[n.PhoneNumberId] = n.PhoneNumber
		}
		if n.ICCID != "" && n.Status != statusCancelled {
			st.iccids[n.ICCID] = n.PhoneNumber
		}
	}
	for _, s := range st.subscriptions.rows {
		if s.Active && s.TNID != "" {
			st.activeSubs[s.TNID] = s.SubscriptionId
		}
	}
	for _, f := range st.filters.rows {
		st.filterKeys[filterKey(f.SubscriberId, f.Phone)] = f.FilterId
	}
	for _, o := range st.orders.rows {
		if (o.Port != nil && isMoving(o.OrderStatus)) || (o.OrderType == "portout" && o.OrderStatus == telegent.PortPending) {
			st.moving[o.OrderId] = struct{}{}
		}
	}
}

func (st *store) dirty() bool {
	if st.rndUsed {
		return true
	}
	for _, t := range st.tables {
		if t.changed() {
			return true
		}
	}
	return false
}

// touchAll marks every row and the generator for saving.
func (st *store) touchAll() {
	st.rndUsed = true
	for _, t := range st.tables {
		t.touchAll()
	}
}

func (st *store) clean() {
	st.rndUsed = false
	for _, t := range st.tables {
		t.clean()
	}
}

// flush writes the changed rows and the generator's state in tx.
func (st *store) flush(tx *bolt.Tx) error {
	for _, t := range st.tables {
		if err := t.flush(tx); err != nil {
			return err
		}
	}
	return saveGenerator(tx, st.pcg)
}

// newID returns prefix-<lower-case UUID v4> from the seeded generator.
func (st *store) newID(prefix string) string { return prefix + "-" + st.uuid() }

// uuid returns a lower-case UUID v4 from the seeded generator.
func (st *store) uuid() string {
	st.rndUsed = true
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], st.rnd.Uint64())
	binary.BigEndian.PutUint64(b[8:], st.rnd.Uint64())
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// intN returns a number in [0, n) from the seeded generator.
func (st *store) intN(n int) int {
	st.rndUsed = true
	return st.rnd.IntN(n)
}

// deriveKey returns a key for one purpose, derived from the state's key.
func (st *store) deriveKey(purpose string) []byte {
	m := hmac.New(sha256.New, st.key)
	m.Write([]byte(purpose))
	return m.Sum(nil)
}

// secretDigest returns a digest of a secret keyed by this process's key:
// enough to notice that the secret changed. A short secret such as a
// 4-digit PIN is recovered from its digest by anyone holding the key, so
// digests live in memory only, like the key (see persist.go).
func (st *store) secretDigest(secret string) string {
	m := hmac.New(sha256.New, st.deriveKey("secret"))
	m.Write([]byte(secret))
	return hex.EncodeToString(m.Sum(nil))
}

// timestamp formats t as the API's order timestamps: ISO 8601 with seven
// fractional digits and an offset.
func timestamp(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.0000000-07:00")
}

func filterKey(subscriberID, phone string) string { return subscriberID + " " + phone }

// seeds turns Options.Seed into the generator's two seeds; 0 picks random
// ones.
func seeds(seed int64) (uint64, uint64) {
	if seed == 0 {
		var b [16]byte
		rand.Read(b[:])
		return binary.LittleEndian.Uint64(b[:8]), binary.LittleEndian.Uint64(b[8:])
	}
	return uint64(seed), uint64(seed) ^ 0x5a1e5a1e5a1e5a1e
}

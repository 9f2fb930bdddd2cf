package checkpoint

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"strconv"
	"time"
)

// The file check. bbolt maps the file into memory and trusts what it
// finds there: a damaged page makes it panic on an assertion, index past a
// slice, or touch an address beyond the end of the file, a fault that no
// recover catches in a goroutine bbolt starts itself (its own Check runs in
// one). So before bbolt reads anything but the meta pages and the
// freelist, checkFile reads the file with plain reads and checks every
// structure bbolt will rely on:
//
//   - both meta pages (magic, version, bbolt's FNV-64a checksum; bbolt
//     itself would fall back to the older one, losing the last commit), the
//     page size, and that the file holds every page the newer one claims;
//   - the freelist page;
//   - every branch and leaf page reachable from the root: its id, type and
//     size, the bounds of every element, key order within a page and
//     against the parent's keys;
//   - that every page below the high-water mark is either in use or free,
//     never both, never twice;
//   - this package's layer: our two buckets and no other, the schema
//     version, every record's checksum, and the number of records against
//     the count that every commit keeps.
//
// It covers what bbolt's tx.Check covers, without mapping the file; Open
// then runs tx.Check too, as a second opinion, once it is safe. A lost
// record that leaves the structure sound (a leaf page whose element count
// went down) is caught by the count.

// The bbolt file format (go.etcd.io/bbolt/internal/common), in the byte
// order of the machine that wrote it.
const (
	boltMagic      = 0xED0CDAED
	boltVersion    = 2
	pageHeaderSize = 16                  // id u64, flags u16, count u16, overflow u32
	elementSize    = 16                  // branch: pos u32, ksize u32, pgid u64; leaf: flags u32, pos u32, ksize u32, vsize u32
	metaEnd        = pageHeaderSize + 56 // the meta fields that the checksum after them covers
	flagBranch     = 0x01
	flagLeaf       = 0x02
	flagFreelist   = 0x10
	leafBucket     = 0x01 // a leaf element that is a nested bucket
	bucketHeader   = 16   // root pgid u64, sequence u64; root 0: an inline page follows
	noFreelist     = ^uint64(0)
	maxTreeDepth   = 64
)

var native = binary.NativeEndian

// boltMeta is what checkFile uses of a meta page.
type boltMeta struct {
	pageSize uint32
	root     uint64 // root bucket's page
	freelist uint64
	hwm      uint64 // high-water mark: pages in use are below it
	txid     uint64
}

// errNotBolt: no bbolt magic where a meta page should be.
var errNotBolt = errors.New("not a bbolt file")

// parseMeta reads the meta page at the start of p.
func parseMeta(p []byte) (boltMeta, error) {
	if len(p) < metaEnd+8 || native.Uint32(p[pageHeaderSize:]) != boltMagic {
		return boltMeta{}, errNotBolt
	}
	if v := native.Uint32(p[pageHeaderSize+4:]); v != boltVersion {
		return boltMeta{}, fmt.Errorf("bbolt format version %d", v)
	}
	h := fnv.New64a()
	h.Write(p[pageHeaderSize:metaEnd])
	if h.Sum64() != native.Uint64(p[metaEnd:]) {
		return boltMeta{}, errChecksum
	}
	return boltMeta{
		pageSize: native.Uint32(p[pageHeaderSize+8:]),
		root:     native.Uint64(p[pageHeaderSize+16:]),
		freelist: native.Uint64(p[pageHeaderSize+32:]),
		hwm:      native.Uint64(p[pageHeaderSize+40:]),
		txid:     native.Uint64(p[pageHeaderSize+48:]),
	}, nil
}

// checkHeader checks both meta pages and returns the one bbolt will use
// (the newer). A file without bbolt's magic is ErrNotStateFile.
func checkHeader(path string, r io.ReaderAt, size int64) (boltMeta, error) {
	first := make([]byte, 4096)
	n, _ := r.ReadAt(first, 0)
	m0, err := parseMeta(first[:n])
	if errors.Is(err, errNotBolt) {
		if n >= pageHeaderSize+4 && native.Uint32(first[pageHeaderSize:]) == boltMagic {
			return boltMeta{}, damaged(path, "it is cut short: %d bytes", size)
		}
		if !hasMagic(r, size) {
			return boltMeta{}, fmt.Errorf("%s is %w", path, ErrNotStateFile)
		}
	}
	if err != nil {
		return boltMeta{}, damaged(path, "header page 0: %v", err)
	}
	ps := m0.pageSize
	if ps < 1024 || ps > 1<<20 || ps&(ps-1) != 0 {
		return boltMeta{}, damaged(path, "header page 0: page size %d", ps)
	}
	second := make([]byte, metaEnd+8)
	if _, err := r.ReadAt(second, int64(ps)); err != nil {
		return boltMeta{}, damaged(path, "it is cut short: %d bytes", size)
	}
	m1, err := parseMeta(second)
	switch {
	case err != nil:
		return boltMeta{}, damaged(path, "header page 1: %v", err)
	case m1.pageSize != ps:
		return boltMeta{}, damaged(path, "the header pages disagree on the page size (%d, %d)", ps, m1.pageSize)
	}
	m := m0
	if m1.txid > m0.txid {
		m = m1
	}
	switch {
	case m.hwm < 3 || m.hwm > uint64(size)/uint64(ps):
		return boltMeta{}, damaged(path, "it is cut short: %d bytes, where its header counts %d pages of %d bytes", size, m.hwm, ps)
	case m.root < 2 || m.root >= m.hwm:
		return boltMeta{}, damaged(path, "the root page %d is outside the file's %d pages", m.root, m.hwm)
	case m.freelist != noFreelist && (m.freelist < 2 || m.freelist >= m.hwm):
		return boltMeta{}, damaged(path, "the freelist page %d is outside the file's %d pages", m.freelist, m.hwm)
	}
	return m, nil
}

// hasMagic tells whether a second meta page, at any page size bbolt
// allows, carries bbolt's magic: then a file whose first page does not is
// a damaged bbolt file rather than some other file.
func hasMagic(r io.ReaderAt, size int64) bool {
	var b [pageHeaderSize + 4]byte
	for ps := int64(1024); ps <= 1<<20 && ps+int64(len(b)) <= size; ps *= 2 {
		if _, err := r.ReadAt(b[:], ps); err == nil && native.Uint32(b[pageHeaderSize:]) == boltMagic {
			return true
		}
	}
	return false
}

// Page states in walker.pages.
const (
	pageUnseen uint8 = iota
	pageUsed
	pageFree
)

// walker reads and checks pages; see checkFile.
type walker struct {
	r     io.ReaderAt
	m     boltMeta
	ps    int
	pages []uint8  // per page below the high-water mark
	bufs  [][]byte // one read buffer per tree depth

	// What the buckets hold.
	meta     map[string][]byte // bucketMeta, copied
	hasMeta  bool
	hasSteps bool
	others   []string // other top-level buckets
	records  uint64
	legacy   uint64        // recordFormatJSON records
	bad      *DamagedError // the first record that fails its check
}

func newWalker(r io.ReaderAt, m boltMeta) *walker {
	w := &walker{r: r, m: m, ps: int(m.pageSize), pages: make([]uint8, m.hwm), meta: map[string][]byte{}}
	w.pages[0], w.pages[1] = pageUsed, pageUsed
	return w
}

// claim marks n pages from id as used or free, once each.
func (w *walker) claim(id, n uint64, as uint8) error {
	for p := id; p < id+n; p++ {
		switch w.pages[p] {
		case pageUnseen:
			w.pages[p] = as
		case pageFree:
			if as == pageFree {
				return fmt.Errorf("page %d is freed twice", p)
			}
			return fmt.Errorf("page %d is both in use and free", p)
		default:
			return fmt.Errorf("page %d is used twice", p)
		}
	}
	return nil
}

// read returns page id with its overflow pages, in the buffer of depth.
func (w *walker) read(id uint64, depth int) ([]byte, error) {
	if id < 2 || id >= w.m.hwm {
		return nil, fmt.Errorf("page %d is outside the file's %d pages", id, w.m.hwm)
	}
	for len(w.bufs) <= depth {
		w.bufs = append(w.bufs, make([]byte, w.ps))
	}
	buf := w.bufs[depth][:w.ps]
	if _, err := w.r.ReadAt(buf, int64(id)*int64(w.ps)); err != nil {
		return nil, fmt.Errorf("page %d: %w", id, err)
	}
	if got := native.Uint64(buf); got != id {
		return nil, fmt.Errorf("page %d says it is page %d", id, got)
	}
	overflow := uint64(native.Uint32(buf[12:]))
	if overflow >= w.m.hwm-id {
		return nil, fmt.Errorf("page %d runs past the file's %d pages", id, w.m.hwm)
	}
	if overflow > 0 {
		size := int(overflow+1) * w.ps
		if cap(w.bufs[depth]) < size {
			w.bufs[depth] = make([]byte, size)
		}
		buf = w.bufs[depth][:size]
		if _, err := w.r.ReadAt(buf, int64(id)*int64(w.ps)); err != nil {
			return nil, fmt.Errorf("page %d: %w", id, err)
		}
	}
	return buf, nil
}

// freelist claims the freelist page and every page it lists as free.
func (w *walker) freelist() error {
	if w.m.freelist == noFreelist {
		return nil
	}
	buf, err := w.read(w.m.freelist, 0)
	if err != nil {
		return fmt.Errorf("freelist: %w", err)
	}
	if flags := native.Uint16(buf[8:]); flags != flagFreelist {
		return fmt.Errorf("freelist page %d has type %#x", w.m.freelist, flags)
	}
	if err := w.claim(w.m.freelist, uint64(len(buf)/w.ps), pageUsed); err != nil {
		return err
	}
	start, count := pageHeaderSize, uint64(native.Uint16(buf[10:]))
	if count == 0xFFFF { // the real count is the first element
		if len(buf) < pageHeaderSize+8 {
			return fmt.Errorf("freelist page %d is cut short", w.m.freelist)
		}
		count, start = native.Uint64(buf[pageHeaderSize:]), pageHeaderSize+8
	}
	if count > uint64(len(buf)-start)/8 {
		return fmt.Errorf("freelist page %d lists %d pages, more than it holds", w.m.freelist, count)
	}
	for i := range count {
		id := native.Uint64(buf[start+int(i)*8:])
		if id < 2 || id >= w.m.hwm {
			return fmt.Errorf("the freelist names page %d, outside the file's %d pages", id, w.m.hwm)
		}
		if err := w.claim(id, 1, pageFree); err != nil {
			return err
		}
	}
	return nil
}

// visitFunc sees every element of a leaf: key, value and element flags.
type visitFunc func(key, value []byte, flags uint32, depth int) error

// tree walks the page tree rooted at id; every key in it lies in
// [lo, hi) (nil: unbounded).
func (w *walker) tree(id uint64, lo, hi []byte, depth int, visit visitFunc) error {
	if depth >= maxTreeDepth {
		return fmt.Errorf("page %d: the tree is deeper than %d", id, maxTreeDepth)
	}
	buf, err := w.read(id, depth)
	if err != nil {
		return err
	}
	if err := w.claim(id, uint64(len(buf)/w.ps), pageUsed); err != nil {
		return err
	}
	switch flags := native.Uint16(buf[8:]); flags {
	case flagLeaf:
		return w.leaf(buf, lo, hi, depth, visit)
	case flagBranch:
	default:
		return fmt.Errorf("page %d is neither a branch nor a leaf page (type %#x)", id, flags)
	}
	count := int(native.Uint16(buf[10:]))
	if count == 0 || pageHeaderSize+count*elementSize > len(buf) {
		return fmt.Errorf("branch page %d: %d elements", id, count)
	}
	prev := lo
	for i := range count {
		key, child, err := branchElement(buf, i)
		if err != nil {
			return fmt.Errorf("branch page %d: %w", id, err)
		}
		if err := inOrder(key, prev, hi, i == 0); err != nil {
			return fmt.Errorf("branch page %d, element %d: %w", id, i, err)
		}
		next := hi
		if i+1 < count {
			if next, _, err = branchElement(buf, i+1); err != nil {
				return fmt.Errorf("branch page %d: %w", id, err)
			}
		}
		if err := w.tree(child, key, next, depth+1, visit); err != nil {
			return err
		}
		// The child's read may have replaced deeper buffers, never this one.
		prev = key
	}
	return nil
}

func branchElement(buf []byte, i int) (key []byte, child uint64, err error) {
	off := pageHeaderSize + i*elementSize
	pos, ksize := uint64(native.Uint32(buf[off:])), uint64(native.Uint32(buf[off+4:]))
	if uint64(off)+pos+ksize > uint64(len(buf)) {
		return nil, 0, fmt.Errorf("element %d lies outside the page", i)
	}
	start := off + int(pos)
	return buf[start : start+int(ksize)], native.Uint64(buf[off+8:]), nil
}

// leaf checks a leaf page (or an inline bucket's page) and visits its
// elements.
func (w *walker) leaf(buf []byte, lo, hi []byte, depth int, visit visitFunc) error {
	if len(buf) < pageHeaderSize {
		return fmt.Errorf("leaf page of %d bytes", len(buf))
	}
	count := int(native.Uint16(buf[10:]))
	if pageHeaderSize+count*elementSize > len(buf) {
		return fmt.Errorf("leaf page %d: %d elements do not fit", native.Uint64(buf), count)
	}
	prev := lo
	for i := range count {
		off := pageHeaderSize + i*elementSize
		flags := native.Uint32(buf[off:])
		pos, ksize, vsize := uint64(native.Uint32(buf[off+4:])), uint64(native.Uint32(buf[off+8:])), uint64(native.Uint32(buf[off+12:]))
		if uint64(off)+pos+ksize+vsize > uint64(len(buf)) {
			return fmt.Errorf("leaf page %d, element %d lies outside the page", native.Uint64(buf), i)
		}
		k := off + int(pos)
		key, value := buf[k:k+int(ksize)], buf[k+int(ksize):k+int(ksize)+int(vsize)]
		if err := inOrder(key, prev, hi, i == 0); err != nil {
			return fmt.Errorf("leaf page %d, element %d: %w", native.Uint64(buf), i, err)
		}
		if err := visit(key, value, flags, depth); err != nil {
			return err
		}
		prev = key
	}
	return nil
}

// inOrder checks key against the previous key (or, for the first element,
// the lower bound, which it may equal) and the upper bound.
func inOrder(key, prev, hi []byte, first bool) error {
	if prev != nil {
		c := compare(key, prev)
		if c < 0 || (c == 0 && !first) {
			return fmt.Errorf("keys out of order")
		}
	}
	if hi != nil && compare(key, hi) >= 0 {
		return fmt.Errorf("key beyond its parent's range")
	}
	return nil
}

func compare(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return int(a[i]) - int(b[i])
		}
	}
	return len(a) - len(b)
}

// bucket walks the bucket whose value (as stored in its parent) is value.
func (w *walker) bucket(value []byte, depth int, visit visitFunc) error {
	if len(value) < bucketHeader {
		return fmt.Errorf("bucket header of %d bytes", len(value))
	}
	if root := native.Uint64(value); root != 0 {
		return w.tree(root, nil, nil, depth+1, visit)
	}
	return w.leaf(value[bucketHeader:], nil, nil, depth, visit)
}

// top visits the root bucket's elements: every one is a bucket.
func (w *walker) top(key, value []byte, flags uint32, depth int) error {
	if flags&leafBucket == 0 {
		return fmt.Errorf("a value outside any bucket")
	}
	switch string(key) {
	case string(bucketMeta):
		w.hasMeta = true
		return w.bucket(value, depth, w.metaValue)
	case string(bucketSteps):
		w.hasSteps = true
		return w.bucket(value, depth, w.step)
	}
	w.others = append(w.others, string(key))
	return w.bucket(value, depth, w.any)
}

func (w *walker) metaValue(key, value []byte, flags uint32, _ int) error {
	if flags&leafBucket != 0 {
		return fmt.Errorf("a bucket %q inside %q", key, bucketMeta)
	}
	w.meta[string(key)] = append([]byte(nil), value...)
	return nil
}

func (w *walker) step(key, value []byte, flags uint32, _ int) error {
	if flags&leafBucket != 0 {
		return fmt.Errorf("a bucket %q inside %q", key, bucketSteps)
	}
	w.records++
	if len(value) > 0 && value[0] == recordFormatJSON {
		w.legacy++
	}
	if _, err := recordState(key, value, true); err != nil && w.bad == nil {
		w.bad = &DamagedError{Key: Key(key), Reason: err.Error()}
	}
	return nil
}

// any walks someone else's bucket, nested buckets included, for the page
// accounting.
func (w *walker) any(_, value []byte, flags uint32, depth int) error {
	if flags&leafBucket != 0 {
		return w.bucket(value, depth, w.any)
	}
	return nil
}

// coverage checks that every page below the high-water mark is in use or
// free (when the file keeps a freelist).
func (w *walker) coverage() error {
	if w.m.freelist == noFreelist {
		return nil
	}
	for id, st := range w.pages {
		if st == pageUnseen {
			return fmt.Errorf("page %d is neither in use nor free", id)
		}
	}
	return nil
}

// fileFacts is what checkFile found in a sound checkpoint.
type fileFacts struct {
	version int
	records uint64
	backup  time.Time // keyBackup: when the backup was taken; zero if none
}

// checkFile reads and checks the whole checkpoint at path (see the top of
// this file). The caller holds the file's lock, so nobody writes it
// meanwhile. Errors are a *DamagedError, ErrNotStateFile or
// ErrNewerSchema.
func checkFile(path string) (fileFacts, error) {
	f, err := os.Open(path)
	if err != nil {
		return fileFacts{}, fmt.Errorf("checkpoint: open %s: %w", path, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return fileFacts{}, fmt.Errorf("checkpoint: open %s: %w", path, err)
	}
	if fi.Size() == 0 {
		return fileFacts{}, damaged(path, "the file is empty")
	}
	m, err := checkHeader(path, f, fi.Size())
	if err != nil {
		return fileFacts{}, err
	}
	w := newWalker(f, m)
	if err := w.freelist(); err != nil {
		return fileFacts{}, damaged(path, "%v", err)
	}
	if err := w.tree(m.root, nil, nil, 0, w.top); err != nil {
		return fileFacts{}, damaged(path, "%v", err)
	}
	if err := w.coverage(); err != nil {
		return fileFacts{}, damaged(path, "%v", err)
	}
	return w.facts(path)
}

// checkFreelist checks what bbolt reads when it opens a file: the meta
// pages and the freelist. Cheap, and done before bbolt opens the file.
func checkFreelist(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("checkpoint: open %s: %w", path, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("checkpoint: open %s: %w", path, err)
	}
	if fi.Size() == 0 {
		return damaged(path, "the file is empty")
	}
	m, err := checkHeader(path, f, fi.Size())
	if err != nil {
		return err
	}
	if err := newWalker(f, m).freelist(); err != nil {
		return damaged(path, "%v", err)
	}
	return nil
}

// facts judges what the walk found in the buckets.
func (w *walker) facts(path string) (fileFacts, error) {
	if !w.hasMeta && !w.hasSteps {
		return fileFacts{}, fmt.Errorf("%s is %w", path, ErrNotStateFile)
	}
	v, verr := strconv.Atoi(string(w.meta[string(keySchema)]))
	if verr == nil && v < 1 {
		verr = fmt.Errorf("schema version %d", v)
	}
	switch {
	case verr == nil && v > schemaVersion:
		// A newer build may lay out its buckets differently.
		return fileFacts{}, fmt.Errorf("checkpoint: open %s: schema version %d, this build reads up to %d: %w",
			path, v, schemaVersion, ErrNewerSchema)
	case (!w.hasMeta || !w.hasSteps) && verr != nil:
		// One bucket of the same name, no schema: someone else's file.
		return fileFacts{}, fmt.Errorf("%s is %w", path, ErrNotStateFile)
	case !w.hasMeta:
		return fileFacts{}, damaged(path, "the %q bucket is missing", bucketMeta)
	case !w.hasSteps:
		return fileFacts{}, damaged(path, "the %q bucket is missing", bucketSteps)
	case verr != nil:
		return fileFacts{}, damaged(path, "the schema version %q is not one", w.meta[string(keySchema)])
	case len(w.others) > 0:
		return fileFacts{}, damaged(path, "it holds a bucket %q that telegent-bulk never writes", w.others[0])
	}
	if w.bad != nil {
		w.bad.Path = path
		return fileFacts{}, w.bad
	}
	facts := fileFacts{version: v, records: w.records}
	if err := w.sealedMeta(v); err != nil {
		return fileFacts{}, damaged(path, "%v", err)
	}
	if raw, ok := w.meta[string(keyBackup)]; ok {
		var b wireBackup
		p, err := unseal(keyBackup, raw)
		if err == nil {
			err = json.Unmarshal(p, &b)
		}
		if err != nil {
			return fileFacts{}, damaged(path, "the backup mark: %v", err)
		}
		facts.backup = b.TakenAt
	}
	return facts, nil
}

// sealedMeta checks the count and the run metadata of a schema v file.
func (w *walker) sealedMeta(v int) error {
	count, hasCount := w.meta[string(keyCount)]
	if v >= 2 {
		if w.legacy > 0 {
			return fmt.Errorf("%d records carry no checksum", w.legacy)
		}
		if !hasCount {
			return fmt.Errorf("the record count is missing")
		}
		if run, ok := w.meta[string(keyRun)]; ok {
			if _, err := unseal(keyRun, run); err != nil {
				return fmt.Errorf("the run metadata: %w", err)
			}
		}
	}
	if v == 1 {
		// Only the last step of a migration, together with the schema
		// version, writes these: with version 1 they mean damage.
		if hasCount {
			return fmt.Errorf("a record count in a schema 1 file")
		}
		if run := w.meta[string(keyRun)]; len(run) > 0 && run[0] == sealFormat {
			return fmt.Errorf("sealed run metadata in a schema 1 file")
		}
		return nil
	}
	n, err := decodeCount(count)
	if err != nil {
		return fmt.Errorf("the record count: %w", err)
	}
	if n != w.records {
		return fmt.Errorf("it holds %d records where %d were written: records were lost", w.records, n)
	}
	return nil
}

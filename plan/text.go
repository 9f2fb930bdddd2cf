package plan

import (
	"fmt"
	"math/bits"
	"strings"
	"unsafe"
)

// A row's text is one string, Row.text, that holds its cells as read and
// the normalised values that differ from their trimmed cells (one for
// each bit of Row.diff, in field order; see Row.val):
//
//	w | shared[m] | end[0] … end[n+k-1] | cell[0] … cell[n-1] | value[0] … value[k-1]
//
// n is the number of columns of the row's table, k the number of values.
// w is one byte, the width of each end offset: 1, 2 or 4 bytes (as the
// parts after the offsets take at most 255 bytes, at most 65,535, or
// more), so that a cell costs one byte beside its text in most rows. end[i] is the
// little-endian offset, from cell[0], at which part i ends; part i starts
// where part i-1 ends, part 0 at cell[0].
//
// shared is a bit set of the first 64 cells, m = ⌈min(n, 64)/8⌉ bytes:
// bit j set means that cell j is not written out but is one byte, the
// index of its text in the row's tableMap.shared for its field. Values
// that recur (a package ID, a route's reference, "mvno", "yes") are so
// kept once for each worker (see packer).
//
// This takes a fraction of what a []string of cells did (a 16-byte string
// header per cell, a slice header per row, and the reader's record, kept
// alive by the cells that point into it). The rows' texts are carved out
// of large chunks (textArena), so a row costs no allocation of its own;
// the cells are copied, so the reader's records and strings are garbage
// once their rows are packed. A row is packed by the worker that checks
// it, and not changed after: rows may then be read from any goroutine.
// At a million lines (samples/gen) the plan, rows, texts and steps, takes
// 229 bytes a row where it took 615 (BenchmarkBuild's plan-B/row).

// sharedCells is the number of a row's first cells that may be shared.
const sharedCells = 64

// sharedBytes returns the size of the shared bit set of a row of n cells.
func sharedBytes(n int) int { return (min(n, sharedCells) + 7) / 8 }

// offsetWidth returns the width of the end offsets of a row whose parts
// take size bytes.
func offsetWidth(size int) int {
	switch {
	case size <= 0xff:
		return 1
	case size <= 0xffff:
		return 2
	}
	return 4
}

// putEnd writes end offset i into the text b, of width w, whose offsets
// start at at.
func putEnd(b []byte, at, w, i, end int) {
	p := at + i*w
	for n := range w {
		b[p+n] = byte(end >> (8 * n))
	}
}

// endAt reads end offset i, of width w, from the text t, whose offsets
// start at at.
func endAt(t string, at, w, i int) int {
	p := at + i*w
	switch w {
	case 1:
		return int(t[p])
	case 2:
		return int(t[p]) | int(t[p+1])<<8
	}
	return int(t[p]) | int(t[p+1])<<8 | int(t[p+2])<<16 | int(t[p+3])<<24
}

// part returns part i of the row's text as written: cell i (or its index
// in tableMap.shared), or value i-NumCells.
func (r *Row) part(i int) string {
	t := r.text
	w := int(t[0])
	n := r.NumCells()
	at := 1 + sharedBytes(n)
	head := at + (n+bits.OnesCount64(r.diff))*w
	start := 0
	if i > 0 {
		start = endAt(t, at, w, i-1)
	}
	return t[head+start : head+endAt(t, at, w, i)]
}

// cell returns cell j, which NumCells has.
func (r *Row) cell(j int) string {
	p := r.part(j)
	if j < sharedCells && r.text[1+j/8]&(1<<(j%8)) != 0 {
		return r.tab.shared[r.tab.field[j]][p[0]]
	}
	return p
}

// NumCells returns the number of cells of the row: one for each column of
// its table's header.
func (r *Row) NumCells() int {
	if r.tab == nil || r.text == "" {
		return 0
	}
	return len(r.tab.field)
}

// Cell returns cell j of the row as read, untrimmed: the value in column j
// of its table's header (TableInfo.Header). It panics when j is not
// below NumCells.
func (r *Row) Cell(j int) string {
	if n := r.NumCells(); j < 0 || j >= n {
		panic(fmt.Sprintf("plan: cell %d of a row of %d cells", j, n))
	}
	return r.cell(j)
}

// packer packs the texts of the rows a worker checks. Each table has, in
// each worker, a copy of its tableMap whose shared holds, for each field,
// up to 256 texts of its cells that rows share (a worker's own, so that
// workers never wait on one another). The first texts a field sees are
// shared; once 256 are, a field whose cells mostly match none of them (a
// key, an ICCID) is no longer looked up.
type packer struct {
	text   textArena
	tables map[*tableMap]*workerTable
}

// workerTable is a worker's copy of a table's tableMap, and what finds the
// texts its fields share.
type workerTable struct {
	m     *tableMap
	dicts []fieldDict // per field
}

// fieldDict finds the shared texts of one field of a worker's table.
type fieldDict struct {
	index      map[string]uint8
	tries, hit int
	off        bool // no longer looked up
}

// Bounds of what a field shares.
const (
	maxShared     = 256  // texts per field (an index is a byte)
	maxSharedLen  = 64   // bytes of a text that is shared
	sharedTrials  = 1024 // lookups after which a field with few hits stops
	minSharedText = 2    // bytes of a text worth an index of one
)

// table returns the worker's copy of m, for the rows it packs to point to.
func (pk *packer) table(m *tableMap) *workerTable {
	if wt, ok := pk.tables[m]; ok {
		return wt
	}
	if pk.tables == nil {
		pk.tables = make(map[*tableMap]*workerTable)
	}
	c := *m
	c.shared = make([][]string, len(m.s.fields))
	wt := &workerTable{m: &c, dicts: make([]fieldDict, len(m.s.fields))}
	pk.tables[m] = wt
	return wt
}

// share returns the index of cell, of field fi, in the table's shared
// texts, adding it when there is room; -1 when it is not shared.
func (wt *workerTable) share(fi int, cell string) int {
	if len(cell) < minSharedText || len(cell) > maxSharedLen {
		return -1
	}
	d := &wt.dicts[fi]
	if d.off {
		return -1
	}
	d.tries++
	if i, ok := d.index[cell]; ok {
		d.hit++
		return int(i)
	}
	shared := &wt.m.shared[fi]
	if len(*shared) < maxShared {
		if d.index == nil {
			d.index = make(map[string]uint8)
		}
		cell = strings.Clone(cell) // not the reader's record
		d.index[cell] = uint8(len(*shared))
		*shared = append(*shared, cell)
		return len(*shared) - 1
	}
	if d.tries >= sharedTrials && d.hit*2 < d.tries {
		d.off, d.index = true, nil
	}
	return -1
}

// pack returns the text of a row of the worker's table wt whose cells are
// cells and whose values are norm's fields in diff.
func (pk *packer) pack(wt *workerTable, cells []string, norm *[64]string, diff uint64) string {
	m := wt.m
	var idx [sharedCells]int16 // per cell: its index in m.shared, or -1
	var set [sharedCells / 8]byte
	size := 0
	for j, c := range cells {
		if j < sharedCells {
			idx[j] = -1
			if fi := m.field[j]; fi >= 0 {
				if i := wt.share(int(fi), c); i >= 0 {
					idx[j] = int16(i)
					set[j/8] |= 1 << (j % 8)
					size++
					continue
				}
			}
		}
		size += len(c)
	}
	for d := diff; d != 0; d &= d - 1 {
		size += len(norm[bits.TrailingZeros64(d)])
	}
	if int64(size) > 1<<32-1 {
		panic("plan: a row's text takes 4 GiB or more") // maxRowBytes stops a manifest long before
	}
	w, sb := offsetWidth(size), sharedBytes(len(cells))
	at := 1 + sb
	head := at + (len(cells)+bits.OnesCount64(diff))*w
	b := pk.text.alloc(head + size)
	b[0] = byte(w)
	copy(b[1:at], set[:sb])
	end, i := head, 0
	for j, c := range cells {
		if j < sharedCells && idx[j] >= 0 {
			b[end] = byte(idx[j])
			end++
		} else {
			end += copy(b[end:], c)
		}
		putEnd(b, at, w, i, end-head)
		i++
	}
	for d := diff; d != 0; d &= d - 1 {
		end += copy(b[end:], norm[bits.TrailingZeros64(d)])
		putEnd(b, at, w, i, end-head)
		i++
	}
	return pk.text.seal(b)
}

// textArena hands out the bytes of rows' texts from large chunks. The
// bytes of a text are written once, before seal makes a string of them,
// and never again: the chunk's later texts take bytes after them.
type textArena struct {
	buf []byte
}

// textChunk is the size of a textArena's chunks: small beside a large
// manifest's text, large beside a row's.
const textChunk = 256 << 10

// alloc returns n bytes for a text, from the current chunk or a new one.
func (a *textArena) alloc(n int) []byte {
	if cap(a.buf)-len(a.buf) < n {
		a.buf = make([]byte, 0, max(textChunk, n))
	}
	b := a.buf[len(a.buf) : len(a.buf)+n : len(a.buf)+n]
	a.buf = a.buf[:len(a.buf)+n]
	return b
}

// seal returns b, written in full, as a string without copying it: alloc
// never hands out b's bytes again, and nobody writes to them after this.
func (a *textArena) seal(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

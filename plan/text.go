package plan

import (
	"fmt"
	"math/bits"
	"unsafe"
)

// A row's text is one string, Row.text, that holds its cells as read and
// the normalised values that differ from their trimmed cells (one for
// each bit of Row.diff, in field order; see Row.val):
//
//	w | end[0] … end[n+k-1] | cell[0] … cell[n-1] | value[0] … value[k-1]
//
// n is the number of columns of the row's table, k the number of values.
// w is one byte, the width of each end offset: 1, 2 or 4 bytes (as the
// text after the offsets is up to 255 bytes, 64 KiB or more), so that a
// cell costs one byte beside its text in most rows. end[i] is the
// little-endian offset, from the first cell, at which part i ends; it
// starts where part i-1 ends, part 0 at the first cell.
//
// This takes a quarter of what a []string of cells did (a 16-byte string
// header per cell, a slice header per row, and the reader's record, kept
// alive by the cells that point into it). The rows' texts are carved out
// of large chunks (textArena), so a row costs no allocation of its own;
// the cells are copied, so the reader's records and strings are garbage
// once their rows are packed.

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

// packText returns the text of a row whose cells are cells and whose
// values are norm's fields in diff, carved out of a.
func packText(a *textArena, cells []string, norm *[64]string, diff uint64) string {
	k := bits.OnesCount64(diff)
	size := 0
	for _, c := range cells {
		size += len(c)
	}
	for d := diff; d != 0; d &= d - 1 {
		size += len(norm[bits.TrailingZeros64(d)])
	}
	if int64(size) > 1<<32-1 {
		panic("plan: a row's text takes 4 GiB or more") // maxRowBytes stops a manifest long before
	}
	w := offsetWidth(size)
	head := 1 + (len(cells)+k)*w
	b := a.alloc(head + size)
	b[0] = byte(w)
	at, i := head, 0
	for _, c := range cells {
		at += copy(b[at:], c)
		putEnd(b, w, i, at-head)
		i++
	}
	for d := diff; d != 0; d &= d - 1 {
		at += copy(b[at:], norm[bits.TrailingZeros64(d)])
		putEnd(b, w, i, at-head)
		i++
	}
	return a.seal(b)
}

// putEnd writes end offset i, of width w, into the text b.
func putEnd(b []byte, w, i, end int) {
	p := 1 + i*w
	for n := range w {
		b[p+n] = byte(end >> (8 * n))
	}
}

// endAt reads end offset i, of width w, from the text t.
func endAt(t string, w, i int) int {
	p := 1 + i*w
	switch w {
	case 1:
		return int(t[p])
	case 2:
		return int(t[p]) | int(t[p+1])<<8
	}
	return int(t[p]) | int(t[p+1])<<8 | int(t[p+2])<<16 | int(t[p+3])<<24
}

// part returns part i of the row's text: cell i, or value i-NumCells.
func (r *Row) part(i int) string {
	t := r.text
	w := int(t[0])
	head := 1 + (r.NumCells()+bits.OnesCount64(r.diff))*w
	start := 0
	if i > 0 {
		start = endAt(t, w, i-1)
	}
	return t[head+start : head+endAt(t, w, i)]
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
	return r.part(j)
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

package sheets

import (
	"bufio"
	"container/list"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"sync"
)

// The shared strings table of a workbook.
//
// A workbook that Excel saved keeps every distinct text of its cells in one
// part, sharedStrings.xml, which cells refer to by index, in the order the
// texts first appeared. For a large manifest the table is about as large as
// the worksheets' text, so it must not all stay in memory: while it is
// small it does (as strings, shared by every cell that uses them), and past
// spillAt it is moved to a temporary file that lookups read with ReadAt.
// Then what stays in memory is an index of 4 bytes per string, a cache of
// recently read blocks of the file (cacheBlocks × blockSize) and a cache of
// recently returned strings, so that memory no longer grows with the text.
//
// Lookups come in nearly the order of the file (a new row mostly uses new
// texts, appended to the table in that order) plus a few hot texts used by
// every row (mvno, yes, a route name), which the caches hold.

// spillAt is how much memory the table may take (its text plus a string
// header each) before it moves to a file. A variable for the tests.
var spillAt = 64 << 20

const (
	blockSize    = 64 << 10 // bytes read from the file at a time
	cacheBlocks  = 256      // blocks kept: 16 MiB
	recentSlots  = 1 << 13  // strings kept by index, direct-mapped
	stringHeader = 16       // what a string costs in memory beside its text
)

// offsetSpan is the range of the 4-byte offsets of the index: an offset is
// kept modulo offsetSpan, and wraps records where it passes a multiple. A
// variable for the tests.
var offsetSpan int64 = 1 << 32

// sharedStrings is a workbook's shared strings table, in memory or in a
// temporary file. Built by add and finish, it is read by get from any
// number of goroutines, and released by close.
type sharedStrings struct {
	// In memory.
	mem  []string
	cost int // memory the strings take, as counted against spillAt

	// In a file: string i is bytes [offset(i), offset(i+1)) of file.
	file  *os.File
	name  string // the file's name, to remove it if removing it open failed
	w     *bufio.Writer
	size  int64    // bytes written
	off   []uint32 // offset of each string modulo offsetSpan, then the end
	wraps []int    // indices where the offset passes each multiple of offsetSpan

	mu     sync.Mutex
	blocks map[int64]*list.Element // block number → element of lru holding *block
	lru    list.List               // most recently used first
	recent [recentSlots]recentString
}

type block struct {
	n    int64
	data []byte
}

type recentString struct {
	i  int32 // index + 1; 0 for an empty slot
	s  string
	ok bool
}

// len returns the number of strings.
func (s *sharedStrings) len() int {
	if s.file == nil {
		return len(s.mem)
	}
	return len(s.off) - 1
}

// add appends the next string of the table.
func (s *sharedStrings) add(text []byte) error {
	if s.file == nil {
		s.mem = append(s.mem, string(text))
		s.cost += len(text) + stringHeader
		if s.cost <= spillAt {
			return nil
		}
		return s.spill()
	}
	return s.write(text)
}

// spill moves the table to a temporary file.
func (s *sharedStrings) spill() error {
	f, err := os.CreateTemp("", "telegent-bulk-sst-*")
	if err != nil {
		return fmt.Errorf("shared strings: %w", err)
	}
	s.file, s.name = f, f.Name()
	if os.Remove(s.name) == nil { // where an open file can be removed, nothing is left behind on a crash
		s.name = ""
	}
	s.w = bufio.NewWriterSize(f, 1<<20)
	mem := s.mem
	s.mem, s.cost = nil, 0
	s.off = make([]uint32, 0, 2*len(mem))
	for _, t := range mem {
		if err := s.write([]byte(t)); err != nil {
			return err
		}
	}
	return nil
}

func (s *sharedStrings) write(text []byte) error {
	s.mark()
	if _, err := s.w.Write(text); err != nil {
		return fmt.Errorf("shared strings: %w", err)
	}
	s.size += int64(len(text))
	return nil
}

// mark records the current end of the file as the next offset. wraps holds
// index i once for each multiple of offsetSpan passed since the offset
// before it, so that the number of its entries up to i is offset(i) /
// offsetSpan.
func (s *sharedStrings) mark() {
	for s.size/offsetSpan > int64(len(s.wraps)) {
		s.wraps = append(s.wraps, len(s.off))
	}
	s.off = append(s.off, uint32(s.size%offsetSpan))
}

// finish ends the table.
func (s *sharedStrings) finish() error {
	if s.file == nil {
		return nil
	}
	s.mark() // the end of the last string
	if err := s.w.Flush(); err != nil {
		return fmt.Errorf("shared strings: %w", err)
	}
	s.w = nil
	s.blocks = make(map[int64]*list.Element, cacheBlocks)
	return nil
}

// offsetOf returns the offset of string i (or of the end, for len).
func (s *sharedStrings) offsetOf(i int) int64 {
	hi := len(s.wraps)
	if hi > 0 {
		hi = sort.SearchInts(s.wraps, i+1) // wraps at or before i
	}
	return int64(hi)*offsetSpan + int64(s.off[i])
}

var errNoString = errors.New("no such shared string")

// get returns string i.
func (s *sharedStrings) get(i int) (string, error) {
	if s.file == nil {
		if i < 0 || i >= len(s.mem) {
			return "", errNoString
		}
		return s.mem[i], nil
	}
	if i < 0 || i >= s.len() {
		return "", errNoString
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	slot := &s.recent[i%recentSlots]
	if slot.ok && int(slot.i) == i+1 {
		return slot.s, nil
	}
	start, end := s.offsetOf(i), s.offsetOf(i+1)
	var text string
	if first := start / blockSize; first == (end-1)/blockSize && end > start {
		b, err := s.block(first)
		if err != nil {
			return "", err
		}
		lo := int(start - first*blockSize)
		text = string(b.data[lo : lo+int(end-start)])
	} else if end > start { // across blocks: read it directly
		buf := make([]byte, end-start)
		if _, err := s.file.ReadAt(buf, start); err != nil {
			return "", fmt.Errorf("shared strings: %w", err)
		}
		text = string(buf)
	}
	*slot = recentString{i: int32(i + 1), s: text, ok: true}
	return text, nil
}

// block returns block n of the file, reading it unless it is cached.
func (s *sharedStrings) block(n int64) (*block, error) {
	if e, ok := s.blocks[n]; ok {
		s.lru.MoveToFront(e)
		return e.Value.(*block), nil
	}
	var b *block
	if s.lru.Len() < cacheBlocks {
		b = &block{data: make([]byte, blockSize)}
	} else {
		e := s.lru.Back()
		b = s.lru.Remove(e).(*block)
		delete(s.blocks, b.n)
	}
	b.n = n
	k, err := s.file.ReadAt(b.data[:blockSize], n*blockSize)
	if err != nil && err != io.EOF {
		return nil, fmt.Errorf("shared strings: %w", err)
	}
	b.data = b.data[:k]
	s.blocks[n] = s.lru.PushFront(b)
	return b, nil
}

// close releases the file, if any.
func (s *sharedStrings) close() error {
	if s.file == nil {
		s.mem = nil
		return nil
	}
	err := s.file.Close()
	if s.name != "" {
		err = errors.Join(err, os.Remove(s.name))
	}
	s.file = nil
	return err
}

package walk

import (
	"fmt"
	"math"
)

// Fair shares. The nodes may be divided into classes (Options.Class), each
// with a share of the starts (Options.Shares). Each class has a ready queue
// and a queue of due deferred re-runs of its own; within a class the ready
// nodes go first, by priority, then the re-runs. Between classes, stride
// scheduling decides: the class with work to start whose pass is the
// lowest starts next, and its pass then grows by its stride (1/share), so
// that while every class has work their starts follow their shares. A
// class with nothing to start leaves its turn to the others (borrowing),
// and banks no credit meanwhile: its pass is brought up to that of the
// class that starts instead, so that it does not take every start once it
// has work again.

// class is the work of one class waiting to start, and its place in the
// fair shares.
type class struct {
	ready  heap[readyEntry]
	reruns []int32 // due deferred re-runs, oldest first
	pass   float64
	stride float64
}

// initClasses sets up the classes of Options.Class and Options.Shares.
func (w *Walker) initClasses() error {
	shares := []float64{1}
	if w.o.Class != nil {
		shares = w.o.Shares
		if len(shares) == 0 || len(shares) > math.MaxUint8+1 {
			return fmt.Errorf("%w: %d shares for the classes", ErrInvalid, len(shares))
		}
	}
	w.classes = make([]class, len(shares))
	for c, s := range shares {
		if !(s > 0) || math.IsInf(s, 0) {
			return fmt.Errorf("%w: class %d: share %v", ErrInvalid, c, s)
		}
		w.classes[c].stride = 1 / s
	}
	if w.o.Class == nil {
		return nil
	}
	w.classOf = make([]uint8, w.n)
	for i := range w.n {
		c := w.o.Class(int32(i))
		if c < 0 || c >= len(shares) {
			return fmt.Errorf("%w: node %d: class %d of %d", ErrInvalid, i, c, len(shares))
		}
		w.classOf[i] = uint8(c)
	}
	return nil
}

// classOfNode returns the class of node id.
func (w *Walker) classOfNode(id int32) *class {
	if w.classOf == nil {
		return &w.classes[0]
	}
	return &w.classes[w.classOf[id]]
}

// pushReady queues ready node id with priority prio.
func (w *Walker) pushReady(id int32, prio int64) {
	w.classOfNode(id).ready.push(readyEntry{prio: prio, id: id})
}

// pushRerun queues deferred node id to run again as soon as its class may.
func (w *Walker) pushRerun(id int32) {
	c := w.classOfNode(id)
	c.reruns = append(c.reruns, id)
}

// readyLen returns the number of entries in the ready queues (stale ones
// included, unless pruneReady just ran).
func (w *Walker) readyLen() int {
	n := 0
	for c := range w.classes {
		n += len(w.classes[c].ready)
	}
	return n
}

// rerunLen returns the number of due deferred re-runs queued.
func (w *Walker) rerunLen() int {
	n := 0
	for c := range w.classes {
		n += len(w.classes[c].reruns)
	}
	return n
}

// pruneReady drops entries that are no longer ready from the top of each
// ready queue: a node queued twice, or whose dependency runs again.
func (w *Walker) pruneReady() {
	for c := range w.classes {
		w.pruneClass(&w.classes[c])
	}
}

func (w *Walker) pruneClass(c *class) {
	for len(c.ready) > 0 {
		id := c.ready[0].id
		if w.state[id] == Pending && w.waiting[id] == 0 {
			return
		}
		c.ready.pop()
	}
}

// hasWork tells whether class c has a node to start now.
func (w *Walker) hasWork(c *class) bool {
	w.pruneClass(c)
	return len(c.ready) > 0 || (len(c.reruns) > 0 && !w.r.waitOver)
}

// pick returns the class whose turn it is to start a node, or nil when no
// class has one, and counts the start in its pass.
func (w *Walker) pick() *class {
	var best *class
	for c := range w.classes {
		cl := &w.classes[c]
		if w.hasWork(cl) && (best == nil || cl.pass < best.pass) {
			best = cl
		}
	}
	if best == nil {
		return nil
	}
	for c := range w.classes {
		if cl := &w.classes[c]; cl != best && cl.pass < best.pass && !w.hasWork(cl) {
			cl.pass = best.pass // no credit for the time it had nothing to start
		}
	}
	best.pass += best.stride
	return best
}

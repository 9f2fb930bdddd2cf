package walk

import "time"

// classFrom returns a Class that puts nodes from k on in class 1, the
// others in class 0.
func classFrom(k int32) func(int32) int {
	return func(id int32) int {
		if id >= k {
			return 1
		}
		return 0
	}
}

// shareCases are walks on one worker whose nodes are divided into two
// classes.
func shareCases() []walkCase {
	return []walkCase{{
		name: "two classes with work alternate at equal shares, whatever their priorities",
		deps: make([][]int32, 8),
		opts: Options{Class: classFrom(4), Shares: []float64{1, 1}, Priority: func(id int32) int64 {
			return int64(id) * 100 // class 1 above all of class 0: without shares, all of it first
		}},
		calls: []int32{3, 7, 2, 6, 1, 5, 0, 4},
	}, {
		name:  "shares of 3 to 1: three starts of class 0 for one of class 1",
		deps:  make([][]int32, 8),
		opts:  Options{Class: classFrom(6), Shares: []float64{0.75, 0.25}},
		calls: []int32{0, 6, 1, 2, 3, 7, 4, 5},
	}, {
		name:  "a class with nothing ready leaves its share to the other, and banks none for later",
		deps:  [][]int32{nil, nil, nil, nil, nil, nil, {2}, {2}, {2}, {2}},
		opts:  Options{Class: classFrom(6), Shares: []float64{1, 1}},
		calls: []int32{0, 1, 2, 6, 3, 7, 4, 8, 5, 9},
	}, {
		name:  "a re-run is counted in its class: after the class's ready nodes, not after every ready node",
		deps:  make([][]int32, 6),
		opts:  Options{Class: classFrom(4), Shares: []float64{1, 1}},
		steps: map[int32][]step{4: {ret(Deferred(0)), retState(Done)}},
		calls: []int32{0, 4, 1, 5, 2, 4, 3},
	}, {
		name:  "with one class, a re-run waits until no node is ready",
		deps:  make([][]int32, 3),
		opts:  Options{Wait: time.Minute},
		steps: map[int32][]step{0: {ret(Deferred(0)), retState(Done)}},
		calls: []int32{0, 1, 2, 0},
	}}
}

package cnn

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// task is work split by parallelFor into contiguous chunks [lo, hi). The
// worker index w (0 <= w < workers()) selects per-worker scratch buffers.
type task interface {
	run(w, lo, hi int)
}

// groupTask is work split by parallelGroups into a fixed number of groups
// handed out dynamically: group g covers [lo, hi) and may run on any
// worker w.
type groupTask interface {
	runGroup(w, g, lo, hi int)
}

type job struct {
	t         task
	gt        groupTask
	w         int
	lo, hi    int
	n, groups int
	next      *atomic.Int32
	wg        *sync.WaitGroup
}

// workerLimit, when positive, caps the workers a call uses (tests use it to
// compare results across core counts).
var workerLimit int

func callWorkers() int {
	p := workers()
	if workerLimit > 0 {
		p = min(p, workerLimit)
	}
	return p
}

var pool struct {
	once sync.Once
	n    int
	jobs chan job
}

// workers returns the number of workers of the package's pool: GOMAXPROCS
// at first use.
func workers() int {
	pool.once.Do(func() {
		pool.n = runtime.GOMAXPROCS(0)
		if pool.n < 1 {
			pool.n = 1
		}
		pool.jobs = make(chan job, 4*pool.n)
		for i := 1; i < pool.n; i++ {
			go func() {
				for j := range pool.jobs {
					if j.gt != nil {
						drainGroups(j.w, j.n, j.groups, j.gt, j.next)
					} else {
						j.t.run(j.w, j.lo, j.hi)
					}
					j.wg.Done()
				}
			}()
		}
	})
	return pool.n
}

// parallelFor runs t over [0, n) split statically into at most workers()
// contiguous chunks; the caller runs the first one. The split depends only
// on n and the worker count, so reductions over per-worker buffers are
// deterministic. wg must be owned by the caller's layer (it is reused so
// that the call does not allocate). parallelFor must not be nested.
func parallelFor(n int, t task, wg *sync.WaitGroup) {
	p := callWorkers()
	if p > n {
		p = n
	}
	if p <= 1 {
		if n > 0 {
			t.run(0, 0, n)
		}
		return
	}
	wg.Add(p - 1)
	for w := 1; w < p; w++ {
		pool.jobs <- job{t: t, w: w, lo: w * n / p, hi: (w + 1) * n / p, wg: wg}
	}
	t.run(0, 0, n/p)
	wg.Wait()
}

// parallelGroups runs t over [0, n) split into groups contiguous groups
// (group g is [g*n/groups, (g+1)*n/groups)), which the workers take one at
// a time, so a worker slowed down by other processes does not hold up the
// others. Results that are reduced per group in group order do not depend
// on the number of workers or on scheduling. next and wg belong to the
// caller's layer. parallelGroups must not be nested.
func parallelGroups(n, groups int, t groupTask, next *atomic.Int32, wg *sync.WaitGroup) {
	groups = min(groups, n)
	p := min(callWorkers(), groups)
	next.Store(0)
	if p <= 1 {
		drainGroups(0, n, groups, t, next)
		return
	}
	wg.Add(p - 1)
	for w := 1; w < p; w++ {
		pool.jobs <- job{gt: t, w: w, n: n, groups: groups, next: next, wg: wg}
	}
	drainGroups(0, n, groups, t, next)
	wg.Wait()
}

func drainGroups(w, n, groups int, t groupTask, next *atomic.Int32) {
	for {
		g := int(next.Add(1)) - 1
		if g >= groups {
			return
		}
		t.runGroup(w, g, g*n/groups, (g+1)*n/groups)
	}
}

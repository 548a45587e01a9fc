package cnn

import (
	"runtime"
	"sync"
)

// task is work split by parallelFor into contiguous chunks [lo, hi). The
// worker index w (0 <= w < workers()) selects per-worker scratch buffers.
type task interface {
	run(w, lo, hi int)
}

type job struct {
	t      task
	w      int
	lo, hi int
	wg     *sync.WaitGroup
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
					j.t.run(j.w, j.lo, j.hi)
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
	p := workers()
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

// chunks returns how many chunks parallelFor splits n into.
func chunks(n int) int {
	p := workers()
	if p > n {
		return n
	}
	return p
}

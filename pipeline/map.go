package pipeline

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// MapConfig configures a Map stage. The zero value means one worker, ordered
// output and an output buffer of one item per worker.
type MapConfig struct {
	// Workers is the number of goroutines calling the function; 0 means 1.
	Workers int
	// Unordered lets results leave in completion order rather than input
	// order. It avoids head-of-line blocking behind a slow item but makes
	// the output order depend on scheduling.
	Unordered bool
	// Buffer is the capacity of the output channel, and for ordered output
	// also the number of finished items that may wait behind a slower one;
	// 0 means Workers.
	Buffer int
}

// Map returns a channel that delivers fn(ctx, v) for every v received from
// in, calling fn from cfg.Workers goroutines.
//
// With ordered output (the default) results leave in the order their inputs
// arrived, whatever the workers' timing; at most Workers+Buffer items are in
// flight or waiting to leave at any time, so memory is bounded by the
// configuration, not by the stream. With cfg.Unordered, results leave as
// they complete.
//
// If fn returns an error, the pipeline is cancelled and Wait returns a
// *StageError naming the stage and the item (its ID if it implements
// Identifier, else its position in the input). fn should return promptly
// when ctx is cancelled. Ownership of v passes to fn, and of the result to
// the receiver of the returned channel.
func Map[T, U any](p *Pipeline, name string, in <-chan T, cfg MapConfig, fn func(ctx context.Context, v T) (U, error)) <-chan U {
	workers := max(cfg.Workers, 1)
	buf := cfg.Buffer
	if buf <= 0 {
		buf = workers
	}
	st := p.newStage(name, "map", workers)
	out := make(chan U, buf)
	m := &mapper[T, U]{p: p, st: st, in: in, fn: fn}
	if cfg.Unordered || workers == 1 { // one worker keeps the order anyway
		var left atomic.Int32
		left.Store(int32(workers))
		for range workers {
			p.run(st, func() {
				defer func() {
					if left.Add(-1) == 0 {
						close(out)
					}
				}()
				m.unordered(out)
			})
		}
		return out
	}

	window := workers + buf
	order := make(chan *future[U], window)
	slots := make(chan struct{}, window)
	var left atomic.Int32
	left.Store(int32(workers))
	for range workers {
		p.run(st, func() {
			defer func() {
				if left.Add(-1) == 0 {
					close(order)
				}
			}()
			m.ordered(order, slots)
		})
	}
	// The collector hands results downstream in input order. Its blocking
	// is not counted as worker time: when it is held back, the workers
	// soon block on the window, and that is what the stats show.
	p.run(st, func() {
		defer close(out)
		for f := range order {
			select {
			case <-f.done:
			case <-p.ctx.Done():
				return
			}
			select {
			case out <- f.v:
				st.out()
			case <-p.ctx.Done():
				return
			}
			f.v = *new(U) // drop the reference; the receiver owns it now
			<-slots
		}
	})
	return out
}

// A future is the slot of one ordered result; done is closed once v is set.
type future[U any] struct {
	v    U
	done chan struct{}
}

// mapper holds what a Map stage's workers share.
type mapper[T, U any] struct {
	p   *Pipeline
	st  *stage
	in  <-chan T
	fn  func(context.Context, T) (U, error)
	mu  sync.Mutex // serialises receiving so that item positions are exact
	seq int64
}

// take receives the next item and its position. Time spent waiting for the
// lock counts as waiting for input: the worker had nothing to do.
func (m *mapper[T, U]) take(after func()) (v T, idx int64, ok bool) {
	t0 := time.Now()
	m.mu.Lock()
	select {
	case v, ok = <-m.in:
	case <-m.p.ctx.Done():
	}
	if ok {
		idx = m.seq
		m.seq++
		if after != nil {
			after()
		}
	}
	m.mu.Unlock()
	m.st.waitIn(time.Since(t0))
	if ok {
		m.st.in()
	}
	return v, idx, ok
}

// call runs fn on v and reports an error to the pipeline.
func (m *mapper[T, U]) call(v T, idx int64) (U, bool) {
	t0 := time.Now()
	u, err := m.fn(m.p.ctx, v)
	m.st.busy(time.Since(t0))
	if err != nil {
		m.p.fail(itemError(m.st.name, idx, v, err))
		return u, false
	}
	return u, true
}

func (m *mapper[T, U]) unordered(out chan<- U) {
	for {
		v, idx, ok := m.take(nil)
		if !ok {
			return
		}
		u, ok := m.call(v, idx)
		if !ok || !send(m.p.ctx, out, u, m.st) {
			return
		}
	}
}

func (m *mapper[T, U]) ordered(order chan<- *future[U], slots chan struct{}) {
	for {
		// Reserve a place in the reorder window first: when it is full,
		// downstream is behind, and the wait counts as waiting for output.
		t0 := time.Now()
		select {
		case slots <- struct{}{}:
		case <-m.p.ctx.Done():
			return
		}
		m.st.waitOut(time.Since(t0))
		var f *future[U]
		v, idx, ok := m.take(func() {
			// Queue the future while holding the receive lock, so futures
			// are queued in input order. It never blocks: order has room
			// for every reserved slot.
			f = &future[U]{done: make(chan struct{})}
			order <- f
		})
		if !ok {
			<-slots
			return
		}
		u, ok := m.call(v, idx)
		if !ok {
			return
		}
		f.v = u
		close(f.done)
	}
}

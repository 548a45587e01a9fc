package pipeline

import (
	"context"
	"iter"
	"time"
)

// defaultBuffer is the capacity of a stage's output channel when its config
// leaves it zero.
const defaultBuffer = 1

// FromSlice returns a channel that delivers the items of s in order. The
// slice is read, not copied: do not modify it while the pipeline runs.
func FromSlice[T any](p *Pipeline, name string, s []T) <-chan T {
	return Generate(p, name, len(s), func(_ context.Context, i int) (T, error) { return s[i], nil })
}

// FromSeq returns a channel that delivers the values of seq in order. The
// sequence is iterated in the stage's goroutine and stopped early (its
// yield returns false) if the pipeline is cancelled.
func FromSeq[T any](p *Pipeline, name string, seq iter.Seq[T]) <-chan T {
	st := p.newStage(name, "source", 1)
	out := make(chan T, defaultBuffer)
	p.run(st, func() {
		defer close(out)
		t0 := time.Now()
		for v := range seq {
			st.busy(time.Since(t0))
			st.in()
			if !send(p.ctx, out, v, st) {
				return
			}
			t0 = time.Now()
		}
	})
	return out
}

// Generate returns a channel that delivers fn(ctx, 0), fn(ctx, 1), …,
// fn(ctx, n-1) in order, calling fn in one goroutine. It suits indexed
// datasets: an error from fn stops the pipeline with a *StageError naming
// index i.
func Generate[T any](p *Pipeline, name string, n int, fn func(ctx context.Context, i int) (T, error)) <-chan T {
	st := p.newStage(name, "source", 1)
	out := make(chan T, defaultBuffer)
	p.run(st, func() {
		defer close(out)
		for i := 0; i < n; i++ {
			if p.ctx.Err() != nil {
				return
			}
			t0 := time.Now()
			v, err := fn(p.ctx, i)
			st.busy(time.Since(t0))
			if err != nil {
				p.fail(itemError(name, int64(i), v, err))
				return
			}
			st.in()
			if !send(p.ctx, out, v, st) {
				return
			}
		}
	})
	return out
}

// FromEpochs returns a channel that delivers, for epoch = 0 … epochs-1 in
// turn, the values of seq(epoch). It lets one pipeline (and its worker
// goroutines and prefetch buffers) span several passes over a dataset, so
// the next epoch's first items are prepared while the last batches of the
// previous one are consumed. Items usually carry their epoch, so that later
// stages can derive per-epoch randomness from it.
func FromEpochs[T any](p *Pipeline, name string, epochs int, seq func(epoch int) iter.Seq[T]) <-chan T {
	return FromSeq(p, name, func(yield func(T) bool) {
		for e := 0; e < epochs; e++ {
			for v := range seq(e) {
				if !yield(v) {
					return
				}
			}
		}
	})
}

// FromSeq2 returns a channel that delivers the values of seq in order until
// seq yields a non-nil error, which stops the pipeline with a *StageError
// naming the stage and the position of the failing element. It suits
// iterators such as loaders.Dataset.Samples, whose errors already name the
// file.
func FromSeq2[T any](p *Pipeline, name string, seq iter.Seq2[T, error]) <-chan T {
	st := p.newStage(name, "source", 1)
	out := make(chan T, defaultBuffer)
	p.run(st, func() {
		defer close(out)
		t0 := time.Now()
		var i int64
		for v, err := range seq {
			st.busy(time.Since(t0))
			if err != nil {
				p.fail(itemError(name, i, v, err))
				return
			}
			st.in()
			if !send(p.ctx, out, v, st) {
				return
			}
			i++
			t0 = time.Now()
		}
	})
	return out
}

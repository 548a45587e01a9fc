package pipeline

import (
	"math/rand/v2"
	"slices"
	"time"
)

// Filter returns a channel that delivers the items of in for which keep
// returns true, in order. Dropped items are simply not forwarded: if they
// hold resources (Arrow records, pooled buffers), keep must release them
// before returning false.
func Filter[T any](p *Pipeline, name string, in <-chan T, keep func(T) bool) <-chan T {
	st := p.newStage(name, "filter", 1)
	out := make(chan T, defaultBuffer)
	p.run(st, func() {
		defer close(out)
		for {
			v, ok := recv(p.ctx, in, st)
			if !ok {
				return
			}
			st.in()
			t0 := time.Now()
			k := keep(v)
			st.busy(time.Since(t0))
			if k && !send(p.ctx, out, v, st) {
				return
			}
		}
	})
	return out
}

// Shuffle returns a channel that delivers the items of in in a pseudo-random
// order drawn from seed, using a buffer of size items: each arriving item
// replaces a uniformly chosen buffered one, which is sent on. Larger buffers
// shuffle better and hold more memory; a buffer at least as large as the
// stream gives a uniform permutation. The same input order and seed give the
// same output order. size <= 1 passes items through unchanged.
func Shuffle[T any](p *Pipeline, name string, in <-chan T, size int, seed uint64) <-chan T {
	st := p.newStage(name, "shuffle", 1)
	out := make(chan T, defaultBuffer)
	p.run(st, func() {
		defer close(out)
		rng := rand.New(rand.NewPCG(seed, 0x5eed5eed5eed5eed))
		buf := make([]T, 0, max(size, 1))
		for {
			v, ok := recv(p.ctx, in, st)
			if !ok {
				break
			}
			st.in()
			if len(buf) < cap(buf) {
				buf = append(buf, v)
				continue
			}
			j := rng.IntN(len(buf))
			v, buf[j] = buf[j], v
			if !send(p.ctx, out, v, st) {
				return
			}
		}
		if p.ctx.Err() != nil {
			return
		}
		rng.Shuffle(len(buf), func(i, j int) { buf[i], buf[j] = buf[j], buf[i] })
		for i, v := range buf {
			if !send(p.ctx, out, v, st) {
				return
			}
			buf[i] = *new(T)
		}
	})
	return out
}

// BatchConfig configures a Batch stage. The zero value is not valid: Size
// must be at least 1.
type BatchConfig struct {
	// Size is the number of items per batch.
	Size int
	// DropLast drops a final batch that has fewer than Size items.
	DropLast bool
}

// Batch returns a channel that delivers the items of in grouped into slices
// of cfg.Size, in order. Each slice is newly allocated and owned by the
// receiver. A Size below 1 is treated as 1.
func Batch[T any](p *Pipeline, name string, in <-chan T, cfg BatchConfig) <-chan []T {
	size := max(cfg.Size, 1)
	st := p.newStage(name, "batch", 1)
	out := make(chan []T, defaultBuffer)
	p.run(st, func() {
		defer close(out)
		b := make([]T, 0, size)
		for {
			v, ok := recv(p.ctx, in, st)
			if !ok {
				break
			}
			st.in()
			b = append(b, v)
			if len(b) == size {
				if !send(p.ctx, out, b, st) {
					return
				}
				b = make([]T, 0, size)
			}
		}
		if p.ctx.Err() == nil && len(b) > 0 && !cfg.DropLast {
			send(p.ctx, out, b, st)
		}
	})
	return out
}

// Prefetch returns a channel with room for depth items that a goroutine
// keeps filled from in, so that the consumer finds the next items ready
// while it works on the current one. Its statistics tell where time goes at
// the end of the pipeline: WaitIn is the time the consumer's supply was
// empty (the data side is the bottleneck), WaitOut the time the buffer was
// full (the consumer is). depth < 1 is treated as 1.
func Prefetch[T any](p *Pipeline, name string, in <-chan T, depth int) <-chan T {
	st := p.newStage(name, "prefetch", 1)
	out := make(chan T, max(depth, 1))
	p.run(st, func() {
		defer close(out)
		for {
			v, ok := recv(p.ctx, in, st)
			if !ok {
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

// Interleave returns a channel that delivers one item from each input in
// turn, round-robin in the order given, skipping inputs that have closed,
// until all have closed. The merged order is deterministic: it depends only
// on the inputs' contents, not on their timing.
func Interleave[T any](p *Pipeline, name string, ins ...<-chan T) <-chan T {
	st := p.newStage(name, "interleave", 1)
	out := make(chan T, defaultBuffer)
	p.run(st, func() {
		defer close(out)
		open := slices.Clone(ins)
		for len(open) > 0 {
			for i := 0; i < len(open); {
				v, ok := recv(p.ctx, open[i], st)
				if !ok {
					if p.ctx.Err() != nil {
						return
					}
					open = slices.Delete(open, i, i+1)
					continue
				}
				st.in()
				if !send(p.ctx, out, v, st) {
					return
				}
				i++
			}
		}
	})
	return out
}

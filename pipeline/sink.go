package pipeline

import (
	"iter"
	"time"
)

// All returns an iterator over the items of in, for consuming the end of a
// pipeline with a range loop. It records a "sink" stage named name whose
// WaitIn is the time the loop waited for data and whose Busy is the time
// spent in the loop body (for a trainer: compute). Breaking out of the loop
// stops the pipeline. Call Wait after the loop to learn whether the stream
// ended normally.
func All[T any](p *Pipeline, name string, in <-chan T) iter.Seq[T] {
	st := p.newStage(name, "sink", 1)
	return func(yield func(T) bool) {
		st.live.Add(1)
		defer func() {
			if st.live.Add(-1) == 0 {
				st.endNs.Store(int64(time.Since(st.start)))
			}
		}()
		for {
			v, ok := recv(p.ctx, in, st)
			if !ok {
				return
			}
			st.in()
			t0 := time.Now()
			cont := yield(v)
			st.busy(time.Since(t0))
			st.out()
			if !cont {
				p.Stop()
				return
			}
		}
	}
}

// ForEach calls fn for every item of in, in the calling goroutine, and then
// returns Wait's result. An error from fn stops the pipeline and is returned
// as a *StageError naming the item. The stage is recorded as a "sink" named
// name, as for All.
func ForEach[T any](p *Pipeline, name string, in <-chan T, fn func(T) error) error {
	var idx int64
	for v := range All(p, name, in) {
		if err := fn(v); err != nil {
			p.fail(itemError(name, idx, v, err))
			break
		}
		idx++
	}
	return p.Wait()
}

// Collect returns every item of in as a slice, and Wait's result. It is
// meant for tests and small streams: it holds the whole stream in memory.
func Collect[T any](p *Pipeline, in <-chan T) ([]T, error) {
	var out []T
	for v := range in {
		out = append(out, v)
	}
	return out, p.Wait()
}

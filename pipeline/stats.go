package pipeline

import (
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"text/tabwriter"
	"time"
)

// stage holds the live counters of one stage. Its goroutines update them
// with atomic adds, so Pipeline.Stats can be read at any time.
type stage struct {
	name    string
	kind    string
	workers int
	start   time.Time

	nIn, nOut                   atomic.Int64
	busyNs, waitInNs, waitOutNs atomic.Int64
	live                        atomic.Int32 // goroutines still running
	endNs                       atomic.Int64 // since start, set when live drops to 0
}

func (w *stage) waitIn(d time.Duration)  { w.waitInNs.Add(int64(d)) }
func (w *stage) waitOut(d time.Duration) { w.waitOutNs.Add(int64(d)) }
func (w *stage) busy(d time.Duration)    { w.busyNs.Add(int64(d)) }
func (w *stage) in()                     { w.nIn.Add(1) }
func (w *stage) out()                    { w.nOut.Add(1) }

// newStage registers a stage with workers goroutines on p.
func (p *Pipeline) newStage(name, kind string, workers int) *stage {
	st := &stage{name: name, kind: kind, workers: workers, start: p.start}
	p.mu.Lock()
	p.stages = append(p.stages, st)
	p.mu.Unlock()
	return st
}

// run starts fn as one of st's goroutines and marks the stage finished when
// its last goroutine returns.
func (p *Pipeline) run(st *stage, fn func()) {
	st.live.Add(1)
	p.goStage(st, func() {
		defer func() {
			if st.live.Add(-1) == 0 {
				st.endNs.Store(int64(time.Since(st.start)))
			}
		}()
		fn()
	})
}

// StageStats is a snapshot of one stage's counters. Durations are summed over
// the stage's worker goroutines, so Busy+WaitIn+WaitOut is close to
// Workers*Elapsed; the remainder is bookkeeping and scheduling.
type StageStats struct {
	// Name is the name given to the stage when it was built.
	Name string
	// Kind is the stage constructor: "source", "map", "filter", "shuffle",
	// "batch", "prefetch" or "sink".
	Kind string
	// Workers is the number of goroutines doing the stage's work.
	Workers int
	// In and Out count the items received and delivered downstream.
	In, Out int64
	// Elapsed is the wall time from the pipeline's start to the end of the
	// stage (or to now, if it is still running).
	Elapsed time.Duration
	// Busy is the time spent in the stage's own work (the user function,
	// for Map, Filter and sources).
	Busy time.Duration
	// WaitIn is the time blocked waiting for an item from upstream: the
	// stage was starved.
	WaitIn time.Duration
	// WaitOut is the time blocked waiting for downstream to accept an item
	// (or for a slot in the reorder window of an ordered Map): the stage was
	// held back.
	WaitOut time.Duration
	// Done reports whether every goroutine of the stage has exited.
	Done bool
}

// Rate returns the items delivered per second of Elapsed.
func (s StageStats) Rate() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return float64(s.Out) / s.Elapsed.Seconds()
}

// Fractions returns Busy, WaitIn and WaitOut as fractions of the stage's
// worker time (Workers*Elapsed).
func (s StageStats) Fractions() (busy, waitIn, waitOut float64) {
	total := float64(s.Workers) * float64(s.Elapsed)
	if total <= 0 {
		return 0, 0, 0
	}
	return float64(s.Busy) / total, float64(s.WaitIn) / total, float64(s.WaitOut) / total
}

// Stats lists the stages of a pipeline in the order they were built, from
// source to sink.
type Stats []StageStats

// Stats returns a snapshot of every stage's counters. It may be called while
// the pipeline runs (for progress display) or after Wait.
func (p *Pipeline) Stats() Stats {
	p.mu.Lock()
	stages := append([]*stage(nil), p.stages...)
	p.mu.Unlock()
	now := time.Since(p.start)
	out := make(Stats, len(stages))
	for i, st := range stages {
		s := StageStats{
			Name: st.name, Kind: st.kind, Workers: st.workers,
			In: st.nIn.Load(), Out: st.nOut.Load(),
			Busy:    time.Duration(st.busyNs.Load()),
			WaitIn:  time.Duration(st.waitInNs.Load()),
			WaitOut: time.Duration(st.waitOutNs.Load()),
			Elapsed: now,
		}
		if end := st.endNs.Load(); end != 0 && st.live.Load() == 0 {
			s.Elapsed, s.Done = time.Duration(end), true
		}
		out[i] = s
	}
	return out
}

// Stage returns the statistics of the stage named name.
func (s Stats) Stage(name string) (StageStats, bool) {
	for _, st := range s {
		if st.Name == name {
			return st, true
		}
	}
	return StageStats{}, false
}

// Add returns the sum of s and o, stage by stage, matching stages by name
// (stages only in o are appended): the totals of several runs of the same
// pipeline, such as the epochs of a training run. Elapsed times add up, so
// rates and fractions are over the whole of the runs.
func (s Stats) Add(o Stats) Stats {
	out := append(Stats(nil), s...)
	for _, st := range o {
		i := -1
		for k := range out {
			if out[k].Name == st.Name && out[k].Kind == st.Kind {
				i = k
				break
			}
		}
		if i < 0 {
			out = append(out, st)
			continue
		}
		t := &out[i]
		t.Workers = max(t.Workers, st.Workers)
		t.In += st.In
		t.Out += st.Out
		t.Elapsed += st.Elapsed
		t.Busy += st.Busy
		t.WaitIn += st.WaitIn
		t.WaitOut += st.WaitOut
		t.Done = t.Done && st.Done
	}
	return out
}

// Bottleneck returns the stage whose workers were busiest (highest Busy
// fraction): the stage to give more workers or make faster. It returns false
// if s is empty.
func (s Stats) Bottleneck() (StageStats, bool) {
	best, found, bestFrac := StageStats{}, false, -1.0
	for _, st := range s {
		if b, _, _ := st.Fractions(); b > bestFrac {
			best, found, bestFrac = st, true, b
		}
	}
	return best, found
}

// markBusy is the busy fraction from which WriteTable marks the busiest
// stage as the bottleneck.
const markBusy = 0.25

// WriteTable prints s as an aligned table, one row per stage, with the share
// of worker time each stage spent busy, starved (wait-in) and held back
// (wait-out), and marks the bottleneck (the busiest stage, if it is busy
// at least a quarter of the time). The stage upstream of a bottleneck
// waits on its output; the stages downstream wait on their input.
func (s Stats) WriteTable(w io.Writer) error {
	// Numbers align right; names are padded so that they align left.
	nw, kw := len("stage"), len("kind")
	for _, st := range s {
		nw, kw = max(nw, len(st.Name)), max(kw, len(st.Kind))
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "%-*s\t%-*s\tworkers\tin\tout\titems/s\tbusy\twait-in\twait-out\t\n", nw, "stage", kw, "kind")
	bn, ok := s.Bottleneck()
	if b, _, _ := bn.Fractions(); b < markBusy {
		ok = false // nothing is busy enough to be holding the others back
	}
	for _, st := range s {
		b, wi, wo := st.Fractions()
		mark := ""
		if ok && st.Name == bn.Name && st.Kind == bn.Kind {
			mark = "  <- bottleneck"
		}
		fmt.Fprintf(tw, "%-*s\t%-*s\t%d\t%d\t%d\t%.1f\t%.0f%%\t%.0f%%\t%.0f%%\t%s\n",
			nw, st.Name, kw, st.Kind, st.Workers, st.In, st.Out, st.Rate(), 100*b, 100*wi, 100*wo, mark)
	}
	return tw.Flush()
}

// String returns the table written by WriteTable.
func (s Stats) String() string {
	var b strings.Builder
	_ = s.WriteTable(&b)
	return b.String()
}

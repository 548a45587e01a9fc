package pipeline

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"math/rand/v2"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func ints(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

// jitter sleeps for a random time up to max, with the randomness derived
// from v so that tests stay deterministic in what they compute.
func jitter(v int, maxd time.Duration) {
	r := rand.New(rand.NewPCG(uint64(v), 7))
	time.Sleep(time.Duration(r.Int64N(int64(maxd))))
}

func TestMapOrdered(t *testing.T) {
	for _, tc := range []struct {
		workers, buffer, n int
	}{
		{1, 0, 50},
		{2, 0, 200},
		{8, 1, 300},
		{32, 0, 300},
		{32, 64, 300},
	} {
		t.Run(fmt.Sprintf("w%d_b%d", tc.workers, tc.buffer), func(t *testing.T) {
			checkNoLeaks(t)
			p := New(context.Background())
			src := FromSlice(p, "src", ints(tc.n))
			sq := Map(p, "square", src, MapConfig{Workers: tc.workers, Buffer: tc.buffer}, func(_ context.Context, v int) (int, error) {
				jitter(v, 300*time.Microsecond)
				return v * v, nil
			})
			got, err := Collect(p, sq)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != tc.n {
				t.Fatalf("got %d items, want %d", len(got), tc.n)
			}
			for i, v := range got {
				if v != i*i {
					t.Fatalf("item %d = %d, want %d (order lost)", i, v, i*i)
				}
			}
			st := p.Stats()
			if st[1].In != int64(tc.n) || st[1].Out != int64(tc.n) || !st[1].Done {
				t.Errorf("map stats = %+v, want %d in and out, done", st[1], tc.n)
			}
		})
	}
}

func TestMapUnordered(t *testing.T) {
	checkNoLeaks(t)
	p := New(context.Background())
	src := FromSlice(p, "src", ints(500))
	out := Map(p, "id", src, MapConfig{Workers: 8, Unordered: true}, func(_ context.Context, v int) (int, error) {
		jitter(v, 200*time.Microsecond)
		return v, nil
	})
	got, err := Collect(p, out)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(got)
	if !slices.Equal(got, ints(500)) {
		t.Fatalf("unordered map lost or duplicated items: %d items", len(got))
	}
}

type pathItem struct{ path string }

func (p pathItem) ID() string { return p.path }

var errBad = errors.New("bad sample")

func TestErrorPropagation(t *testing.T) {
	for _, unordered := range []bool{false, true} {
		t.Run(fmt.Sprintf("unordered=%v", unordered), func(t *testing.T) {
			checkNoLeaks(t)
			var calls atomic.Int64
			p := New(context.Background())
			// An endless source: only the error can end this pipeline.
			src := FromSeq(p, "src", func(yield func(int) bool) {
				for i := 0; yield(i); i++ {
				}
			})
			out := Map(p, "check", src, MapConfig{Workers: 4, Unordered: unordered}, func(ctx context.Context, v int) (int, error) {
				calls.Add(1)
				if v == 37 {
					return 0, errBad
				}
				jitter(v, 100*time.Microsecond)
				return v, nil
			})
			start := time.Now()
			n := 0
			for range out {
				n++
			}
			err := p.Wait()
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("pipeline took %v to stop after the error", d)
			}
			var se *StageError
			if !errors.As(err, &se) {
				t.Fatalf("Wait() = %v, want a *StageError", err)
			}
			if se.Stage != "check" || se.Index != 37 || !errors.Is(err, errBad) {
				t.Errorf("error = %+v (%v), want stage check, index 37, wrapping errBad", se, err)
			}
			if !strings.Contains(err.Error(), "check") || !strings.Contains(err.Error(), "37") {
				t.Errorf("message %q does not name the stage and item", err)
			}
			if !unordered && n > 37 {
				t.Errorf("ordered map delivered %d items, beyond the failing one", n)
			}
			if c := calls.Load(); c > 1000 {
				t.Errorf("workers kept going after the error: %d calls", c)
			}
		})
	}
}

func TestErrorNamesItemID(t *testing.T) {
	checkNoLeaks(t)
	p := New(context.Background())
	items := []pathItem{{"a.jpg"}, {"b.jpg"}, {"broken.jpg"}, {"d.jpg"}}
	src := FromSlice(p, "list", items)
	dec := Map(p, "decode", src, MapConfig{Workers: 2}, func(_ context.Context, it pathItem) (string, error) {
		if it.path == "broken.jpg" {
			return "", fmt.Errorf("jpeg: truncated")
		}
		return it.path, nil
	})
	_, err := Collect(p, dec)
	if err == nil || !strings.Contains(err.Error(), "stage decode: broken.jpg: jpeg: truncated") {
		t.Fatalf("Wait() = %v, want it to name stage decode and broken.jpg", err)
	}
}

func TestSourceErrors(t *testing.T) {
	checkNoLeaks(t)
	p := New(context.Background())
	src := Generate(p, "read", 100, func(_ context.Context, i int) (int, error) {
		if i == 5 {
			return 0, errBad
		}
		return i, nil
	})
	got, err := Collect(p, src)
	var se *StageError
	if !errors.As(err, &se) || se.Stage != "read" || se.Index != 5 {
		t.Fatalf("Wait() = %v, want stage read item 5", err)
	}
	if len(got) > 5 {
		t.Errorf("got %d items, want at most 5", len(got))
	}
}

func TestPanicBecomesError(t *testing.T) {
	checkNoLeaks(t)
	p := New(context.Background())
	src := FromSlice(p, "src", ints(10))
	out := Map(p, "boom", src, MapConfig{Workers: 2}, func(_ context.Context, v int) (int, error) {
		if v == 3 {
			var m map[string]int
			m["x"] = 1 // nil map write panics
		}
		return v, nil
	})
	_, err := Collect(p, out)
	if err == nil || !strings.Contains(err.Error(), "stage boom") || !strings.Contains(err.Error(), "panic") {
		t.Fatalf("Wait() = %v, want a panic reported by stage boom", err)
	}
}

func TestCancellation(t *testing.T) {
	for _, tc := range []struct {
		name      string
		unordered bool
	}{{"ordered", false}, {"unordered", true}} {
		t.Run(tc.name, func(t *testing.T) {
			checkNoLeaks(t)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			p := New(ctx)
			src := FromSeq(p, "src", func(yield func(int) bool) {
				for i := 0; yield(i); i++ {
				}
			})
			m := Map(p, "slow", src, MapConfig{Workers: 4, Unordered: tc.unordered}, func(ctx context.Context, v int) (int, error) {
				select { // a well-behaved slow function
				case <-time.After(time.Millisecond):
				case <-ctx.Done():
					return 0, ctx.Err()
				}
				return v, nil
			})
			f := Filter(p, "even", m, func(v int) bool { return v%2 == 0 })
			sh := Shuffle(p, "shuffle", f, 16, 1)
			b := Batch(p, "batch", sh, BatchConfig{Size: 4})
			pf := Prefetch(p, "prefetch", b, 2)
			n := 0
			for range pf {
				n++
				if n == 3 {
					cancel()
				}
			}
			start := time.Now()
			err := p.Wait()
			if !errors.Is(err, context.Canceled) {
				t.Errorf("Wait() = %v, want context.Canceled", err)
			}
			if d := time.Since(start); d > time.Second {
				t.Errorf("Wait took %v after the channels closed", d)
			}
		})
	}
}

// waitWithin calls p.Wait and fails t if it does not return within d:
// a stage that ignores cancellation would block it forever.
func waitWithin(t *testing.T, p *Pipeline, d time.Duration) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- p.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(d):
		t.Fatalf("Wait did not return within %v after the consumer stopped: a stage ignores cancellation", d)
		return nil
	}
}

// TestStopEarlyIsNotAnError abandons the output of every kind of stage
// after a few items: Stop must end every goroutine (Wait returns, nil) with
// nothing drained.
func TestStopEarlyIsNotAnError(t *testing.T) {
	endless := func(p *Pipeline) <-chan int {
		return FromSeq(p, "src", func(yield func(int) bool) {
			for i := 0; yield(i); i++ {
			}
		})
	}
	id := func(_ context.Context, v int) (int, error) { return v, nil }
	for _, tc := range []struct {
		name  string
		build func(p *Pipeline) <-chan int
	}{
		{"source", endless},
		{"generate", func(p *Pipeline) <-chan int {
			return Generate(p, "gen", 1<<30, func(_ context.Context, i int) (int, error) { return i, nil })
		}},
		{"map ordered", func(p *Pipeline) <-chan int { return Map(p, "m", endless(p), MapConfig{Workers: 3}, id) }},
		{"map unordered", func(p *Pipeline) <-chan int {
			return Map(p, "m", endless(p), MapConfig{Workers: 3, Unordered: true}, id)
		}},
		{"filter", func(p *Pipeline) <-chan int { return Filter(p, "f", endless(p), func(int) bool { return true }) }},
		{"shuffle", func(p *Pipeline) <-chan int { return Shuffle(p, "s", endless(p), 8, 1) }},
		{"batch", func(p *Pipeline) <-chan int {
			b := Batch(p, "b", endless(p), BatchConfig{Size: 3})
			return Map(p, "first", b, MapConfig{}, func(_ context.Context, v []int) (int, error) { return v[0], nil })
		}},
		{"prefetch", func(p *Pipeline) <-chan int { return Prefetch(p, "pf", endless(p), 2) }},
		{"interleave", func(p *Pipeline) <-chan int { return Interleave(p, "mix", endless(p), endless(p)) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkNoLeaks(t)
			p := New(context.Background())
			out := tc.build(p)
			for range 10 {
				<-out
			}
			time.Sleep(20 * time.Millisecond) // let every stage block on a full channel
			p.Stop()                          // and abandon them: nothing drains out
			if err := waitWithin(t, p, 5*time.Second); err != nil {
				t.Fatalf("Wait() after an early break = %v, want nil", err)
			}
		})
	}
}

func TestBackpressure(t *testing.T) {
	checkNoLeaks(t)
	var produced atomic.Int64
	p := New(context.Background())
	defer p.Wait()
	defer p.Stop()
	src := FromSeq(p, "src", func(yield func(int) bool) {
		for i := 0; ; i++ {
			produced.Add(1)
			if !yield(i) {
				return
			}
		}
	})
	const workers, buffer = 4, 2
	m := Map(p, "m", src, MapConfig{Workers: workers, Buffer: buffer}, func(_ context.Context, v int) (int, error) { return v, nil })
	pf := Prefetch(p, "pf", m, 3)
	<-pf // start, then stop consuming
	time.Sleep(100 * time.Millisecond)
	// source out chan (1) + source holding one + window (workers+buffer)
	// + map out chan (buffer) + prefetch holding one + prefetch chan (3)
	// + the one we took.
	bound := int64(1 + 1 + workers + buffer + buffer + 1 + 3 + 1)
	if n := produced.Load(); n > bound {
		t.Errorf("source produced %d items with a stalled consumer, want at most %d", n, bound)
	}
}

func TestBatch(t *testing.T) {
	for _, tc := range []struct {
		n, size  int
		dropLast bool
		want     []int // batch lengths
	}{
		{10, 4, false, []int{4, 4, 2}},
		{10, 4, true, []int{4, 4}},
		{8, 4, false, []int{4, 4}},
		{0, 4, false, nil},
		{3, 0, false, []int{1, 1, 1}},
	} {
		t.Run(fmt.Sprintf("%d_%d_%v", tc.n, tc.size, tc.dropLast), func(t *testing.T) {
			p := New(context.Background())
			b := Batch(p, "b", FromSlice(p, "s", ints(tc.n)), BatchConfig{Size: tc.size, DropLast: tc.dropLast})
			got, err := Collect(p, b)
			if err != nil {
				t.Fatal(err)
			}
			var lens []int
			next := 0
			for _, bt := range got {
				lens = append(lens, len(bt))
				for _, v := range bt {
					if v != next {
						t.Fatalf("batches out of order: %v", got)
					}
					next++
				}
			}
			if !slices.Equal(lens, tc.want) {
				t.Errorf("batch sizes %v, want %v", lens, tc.want)
			}
		})
	}
}

func TestShuffle(t *testing.T) {
	run := func(n, size int, seed uint64) []int {
		p := New(context.Background())
		got, err := Collect(p, Shuffle(p, "sh", FromSlice(p, "s", ints(n)), size, seed))
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	a, b, c := run(200, 32, 1), run(200, 32, 1), run(200, 32, 2)
	if !slices.Equal(a, b) {
		t.Error("same seed gave different orders")
	}
	if slices.Equal(a, c) {
		t.Error("different seeds gave the same order")
	}
	if slices.Equal(a, ints(200)) {
		t.Error("shuffle left the order unchanged")
	}
	s := slices.Clone(a)
	slices.Sort(s)
	if !slices.Equal(s, ints(200)) {
		t.Error("shuffle is not a permutation")
	}
	if got := run(20, 1, 1); !slices.Equal(got, ints(20)) {
		t.Errorf("size 1 changed the order: %v", got)
	}
	// A buffer larger than the stream: every position reachable.
	if got := run(10, 100, 3); slices.Equal(got, ints(10)) {
		t.Errorf("full-buffer shuffle left the order unchanged")
	}
}

func TestFilterAndEpochs(t *testing.T) {
	checkNoLeaks(t)
	p := New(context.Background())
	src := FromEpochs(p, "epochs", 3, func(epoch int) iter.Seq[[2]int] {
		return func(yield func([2]int) bool) {
			for i := range 4 {
				if !yield([2]int{epoch, i}) {
					return
				}
			}
		}
	})
	odd := Filter(p, "odd", src, func(v [2]int) bool { return v[1]%2 == 1 })
	got, err := Collect(p, odd)
	if err != nil {
		t.Fatal(err)
	}
	want := [][2]int{{0, 1}, {0, 3}, {1, 1}, {1, 3}, {2, 1}, {2, 3}}
	if !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestForEachError(t *testing.T) {
	checkNoLeaks(t)
	p := New(context.Background())
	src := FromSlice(p, "s", []pathItem{{"x"}, {"y"}, {"z"}})
	var seen []string
	err := ForEach(p, "write", src, func(v pathItem) error {
		seen = append(seen, v.path)
		if v.path == "y" {
			return errBad
		}
		return nil
	})
	if !errors.Is(err, errBad) || !strings.Contains(err.Error(), "stage write: y") {
		t.Fatalf("ForEach = %v", err)
	}
	if !slices.Equal(seen, []string{"x", "y"}) {
		t.Errorf("fn saw %v after the error", seen)
	}
}

func TestStatsShowBottleneck(t *testing.T) {
	checkNoLeaks(t)
	p := New(context.Background())
	src := FromSlice(p, "read", ints(40))
	fast := Map(p, "fast", src, MapConfig{Workers: 1}, func(_ context.Context, v int) (int, error) { return v, nil })
	slow := Map(p, "slow", fast, MapConfig{Workers: 2}, func(_ context.Context, v int) (int, error) {
		time.Sleep(2 * time.Millisecond)
		return v, nil
	})
	err := ForEach(p, "sink", slow, func(int) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	st := p.Stats()
	if len(st) != 4 {
		t.Fatalf("got %d stages, want 4", len(st))
	}
	bn, _ := st.Bottleneck()
	if bn.Name != "slow" {
		t.Errorf("bottleneck = %s, want slow\n%s", bn.Name, st)
	}
	b, wi, wo := st[1].Fractions()
	if wo < b || wo < wi {
		t.Errorf("stage before the bottleneck: busy %.2f wait-in %.2f wait-out %.2f, want mostly waiting for output\n%s", b, wi, wo, st)
	}
	_, wi, _ = st[3].Fractions()
	if wi < 0.5 {
		t.Errorf("sink after the bottleneck waited for input only %.2f of the time\n%s", wi, st)
	}
	table := st.String()
	for _, s := range []string{"stage", "items/s", "wait-in", "slow", "<- bottleneck"} {
		if !strings.Contains(table, s) {
			t.Errorf("table lacks %q:\n%s", s, table)
		}
	}
	if st[2].Rate() <= 0 || st[2].Out != 40 {
		t.Errorf("slow stage stats %+v", st[2])
	}
}

func TestFromSeq2Error(t *testing.T) {
	checkNoLeaks(t)
	p := New(context.Background())
	src := FromSeq2(p, "samples", func(yield func(pathItem, error) bool) {
		for i := 0; ; i++ {
			if i == 4 {
				yield(pathItem{}, fmt.Errorf("loaders: d.png: %w", errBad))
				return
			}
			if !yield(pathItem{fmt.Sprintf("%d.png", i)}, nil) {
				return
			}
		}
	})
	got, err := Collect(p, src)
	var se *StageError
	if !errors.As(err, &se) || se.Stage != "samples" || se.Index != 4 || !errors.Is(err, errBad) {
		t.Fatalf("Wait() = %v, want stage samples item 4 wrapping errBad", err)
	}
	if len(got) != 4 {
		t.Errorf("got %d items before the error, want 4", len(got))
	}
}

func TestStatsAddAndStage(t *testing.T) {
	a := Stats{
		{Name: "read", Kind: "source", Workers: 1, In: 10, Out: 10, Elapsed: time.Second, Busy: 100 * time.Millisecond, Done: true},
		{Name: "train", Kind: "sink", Workers: 1, In: 2, Out: 2, Elapsed: time.Second, Busy: 600 * time.Millisecond, WaitIn: 400 * time.Millisecond, Done: true},
	}
	b := Stats{
		{Name: "read", Kind: "source", Workers: 1, In: 5, Out: 5, Elapsed: time.Second, Busy: 300 * time.Millisecond, Done: true},
		{Name: "extra", Kind: "map", Workers: 2, In: 1, Out: 1, Elapsed: time.Second},
	}
	sum := a.Add(b)
	if len(sum) != 3 || sum[0].Out != 15 || sum[0].Busy != 400*time.Millisecond || sum[0].Elapsed != 2*time.Second || sum[2].Name != "extra" {
		t.Errorf("Add = %+v", sum)
	}
	if a[0].Out != 10 {
		t.Error("Add modified its receiver")
	}
	tr, ok := sum.Stage("train")
	if !ok || tr.WaitIn != 400*time.Millisecond {
		t.Errorf("Stage(train) = %+v, %v", tr, ok)
	}
	if _, ok := sum.Stage("nope"); ok {
		t.Error("Stage found a missing stage")
	}
	if r := sum[0].Rate(); r != 7.5 {
		t.Errorf("rate %v, want 7.5", r)
	}
}

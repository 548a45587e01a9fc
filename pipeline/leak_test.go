package pipeline

import (
	"runtime"
	"strings"
	"testing"
	"time"
)

// leakGrace is how long goroutines get to exit after a test.
var leakGrace = 2 * time.Second

// checkNoLeaks fails t if, at the end of the test, goroutines that were
// started during it and run code of this package are still alive.
// Goroutines get up to leakGrace to exit, so a stage that stops "promptly"
// passes and one that never stops fails. Goroutines of other packages (such
// as a trainer's persistent worker pool) are ignored, and so is the churn of
// goroutines from earlier tests, which makes it safe with -count=N.
func checkNoLeaks(t testing.TB) {
	t.Helper()
	before := goroutines()
	t.Cleanup(func() {
		deadline := time.Now().Add(leakGrace)
		for {
			var leaked []string
			for id, stack := range goroutines() {
				if _, old := before[id]; !old && strings.Contains(stack, "cnnpipe/pipeline.") {
					leaked = append(leaked, stack)
				}
			}
			if len(leaked) == 0 {
				return
			}
			if time.Now().After(deadline) {
				t.Errorf("goroutine leak: %d goroutines started by the test still run:\n\n%s", len(leaked), strings.Join(leaked, "\n\n"))
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
	})
}

// goroutines returns the stack of every goroutine by its "goroutine N" header.
func goroutines() map[string]string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	out := map[string]string{}
	for _, g := range strings.Split(string(buf), "\n\n") {
		header, _, _ := strings.Cut(g, " [")
		out[header] = g
	}
	return out
}

// TestCheckNoLeaksDetects makes sure the helper can fail.
func TestCheckNoLeaksDetects(t *testing.T) {
	defer func(g time.Duration) { leakGrace = g }(leakGrace)
	leakGrace = 50 * time.Millisecond
	ft := &fakeT{TB: t}
	checkNoLeaks(ft)
	p := New(t.Context())
	FromSeq(p, "never drained", func(yield func(int) bool) { // blocks on its send
		for i := 0; yield(i); i++ {
		}
	})
	ft.runCleanups()
	p.Stop()
	p.Wait()
	if !ft.failed {
		t.Fatal("checkNoLeaks did not report a stage left running")
	}
}

type fakeT struct {
	testing.TB
	cleanups []func()
	failed   bool
}

func (f *fakeT) Helper()                           {}
func (f *fakeT) Cleanup(fn func())                 { f.cleanups = append(f.cleanups, fn) }
func (f *fakeT) Errorf(format string, args ...any) { f.failed = true }
func (f *fakeT) runCleanups() {
	for i := len(f.cleanups) - 1; i >= 0; i-- {
		f.cleanups[i]()
	}
}

package pipeline

import (
	"runtime"
	"strings"
	"testing"
	"time"
)

// leakGrace is how long goroutines get to exit after a test.
var leakGrace = 2 * time.Second

// checkNoLeaks fails t if, by the end of the test, more goroutines are
// running than when it was called. Goroutines get up to two seconds to exit,
// so a stage that stops "promptly" passes and one that never stops fails.
// Tests that use it must not run in parallel.
func checkNoLeaks(t testing.TB) {
	t.Helper()
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		deadline := time.Now().Add(leakGrace)
		for {
			n := runtime.NumGoroutine()
			if n <= before {
				return
			}
			if time.Now().After(deadline) {
				buf := make([]byte, 1<<16)
				buf = buf[:runtime.Stack(buf, true)]
				t.Errorf("goroutine leak: %d goroutines before, %d after:\n%s", before, n, pipelineStacks(string(buf)))
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
	})
}

// pipelineStacks keeps the goroutine dumps that mention this package.
func pipelineStacks(all string) string {
	var keep []string
	for _, g := range strings.Split(all, "\n\n") {
		if strings.Contains(g, "/pipeline.") {
			keep = append(keep, g)
		}
	}
	return strings.Join(keep, "\n\n")
}

// TestCheckNoLeaksDetects makes sure the helper can fail.
func TestCheckNoLeaksDetects(t *testing.T) {
	defer func(g time.Duration) { leakGrace = g }(leakGrace)
	leakGrace = 50 * time.Millisecond
	ft := &fakeT{TB: t}
	stop := make(chan struct{})
	func() {
		checkNoLeaks(ft)
		go func() { <-stop }()
		ft.runCleanups()
	}()
	close(stop)
	if !ft.failed {
		t.Fatal("checkNoLeaks did not report a goroutine left running")
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

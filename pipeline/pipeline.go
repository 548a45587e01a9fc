package pipeline

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"sync"
	"time"
)

// errStopped is the cancellation cause used by Stop; Wait maps it to nil.
var errStopped = errors.New("pipeline: stopped")

// A Pipeline is the run scope of a set of connected stages, in the manner of
// golang.org/x/sync/errgroup: every stage started on it runs in goroutines
// tracked by the Pipeline, the first error cancels its context (which stops
// every other stage), and Wait returns that error once all goroutines have
// exited.
//
// The zero Pipeline is not usable; create one with New. A Pipeline runs once:
// build the stages, consume the last channel, then call Wait.
type Pipeline struct {
	ctx    context.Context
	cancel context.CancelCauseFunc
	start  time.Time

	wg      sync.WaitGroup
	errOnce sync.Once
	err     error

	mu       sync.Mutex
	stages   []*stage
	cleanups []func()
	waitOnce sync.Once
}

// New returns a Pipeline whose stages stop when ctx is cancelled.
func New(ctx context.Context) *Pipeline {
	c, cancel := context.WithCancelCause(ctx)
	return &Pipeline{ctx: c, cancel: cancel, start: time.Now()}
}

// Context returns the pipeline's context. It is cancelled when a stage fails,
// when Stop is called, or when the parent context is cancelled. Stage
// functions receive it as their first argument.
func (p *Pipeline) Context() context.Context { return p.ctx }

// Stop cancels every stage without reporting an error. Call it when the
// consumer wants to end early (for example after a fixed number of batches);
// the stages' output channels are then closed promptly, and Wait returns nil
// unless a stage had already failed. Stop may be called more than once and
// from any goroutine; "defer p.Stop()" is a good habit.
func (p *Pipeline) Stop() { p.cancel(errStopped) }

// Wait blocks until every goroutine of every stage has exited and returns the
// first error: a *StageError from a stage, or the parent context's cause if
// it was cancelled. Call Wait after the last channel of the pipeline has been
// drained (it is closed when the pipeline ends, normally or not) or after
// Stop; calling it while stages are still blocked sending to a channel
// nobody reads would wait forever.
func (p *Pipeline) Wait() error {
	p.wg.Wait()
	p.waitOnce.Do(func() {
		p.mu.Lock()
		fns := p.cleanups
		p.mu.Unlock()
		for i := len(fns) - 1; i >= 0; i-- {
			fns[i]()
		}
	})
	if p.err != nil {
		return p.err
	}
	if cause := context.Cause(p.ctx); cause != nil && !errors.Is(cause, errStopped) {
		return cause
	}
	p.cancel(errStopped) // release the context's resources
	return nil
}

// Cleanup registers fn to be called by the first Wait, after every stage
// has stopped, for example to release a reader that a source stage used.
// Functions run in the reverse order of registration.
func (p *Pipeline) Cleanup(fn func()) {
	p.mu.Lock()
	p.cleanups = append(p.cleanups, fn)
	p.mu.Unlock()
}

// fail records err as the pipeline's error if it is the first and cancels
// every stage.
func (p *Pipeline) fail(err error) {
	p.errOnce.Do(func() {
		// A stage that fails because the pipeline was already cancelled is
		// not the cause; leave the error to whoever cancelled.
		if p.ctx.Err() != nil {
			return
		}
		p.err = err
		p.cancel(err)
	})
}

// goStage runs fn in a goroutine tracked by the pipeline. A panic in fn is
// turned into a *StageError naming the stage instead of crashing the program.
func (p *Pipeline) goStage(st *stage, fn func()) {
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		defer func() {
			if r := recover(); r != nil {
				p.fail(&StageError{Stage: st.name, Index: -1, Err: fmt.Errorf("panic: %v\n%s", r, debug.Stack())})
			}
		}()
		fn()
	}()
}

// An Identifier is an item that can name itself in error messages, for
// example by the path of the file it came from. Stages include the ID of the
// failing item in their *StageError when the item implements Identifier.
type Identifier interface {
	ID() string
}

// A StageError reports the failure of one stage on one item. It is what
// Pipeline.Wait returns when a stage function returns an error or panics.
type StageError struct {
	// Stage is the name given to the stage when it was built.
	Stage string
	// Index is the position of the failing item in the stage's input stream
	// (0 for the first item received), or -1 if the failure is not tied to
	// an item.
	Index int64
	// Item is the failing item's ID if it implements Identifier, else "".
	Item string
	// Err is the underlying error.
	Err error
}

// Error implements error, naming the stage and the item.
func (e *StageError) Error() string {
	switch {
	case e.Item != "":
		return fmt.Sprintf("pipeline: stage %s: %s: %v", e.Stage, e.Item, e.Err)
	case e.Index >= 0:
		return fmt.Sprintf("pipeline: stage %s: item %d: %v", e.Stage, e.Index, e.Err)
	}
	return fmt.Sprintf("pipeline: stage %s: %v", e.Stage, e.Err)
}

// Unwrap returns the underlying error, for errors.Is and errors.As.
func (e *StageError) Unwrap() error { return e.Err }

// itemError builds the StageError for item v at position idx.
func itemError(stage string, idx int64, v any, err error) *StageError {
	e := &StageError{Stage: stage, Index: idx, Err: err}
	if id, ok := v.(Identifier); ok {
		e.Item = id.ID()
	}
	return e
}

// recv receives one item from in, accounting the blocked time as waiting for
// input. It returns false when in is closed or the pipeline is cancelled.
func recv[T any](ctx context.Context, in <-chan T, w *stage) (T, bool) {
	t0 := time.Now()
	var v T
	var ok bool
	select {
	case v, ok = <-in:
	case <-ctx.Done():
	}
	w.waitIn(time.Since(t0))
	return v, ok
}

// send sends v on out, accounting the blocked time as waiting for output. It
// returns false if the pipeline was cancelled first.
func send[T any](ctx context.Context, out chan<- T, v T, w *stage) bool {
	t0 := time.Now()
	select {
	case out <- v:
		w.waitOut(time.Since(t0))
		w.out()
		return true
	case <-ctx.Done():
		w.waitOut(time.Since(t0))
		return false
	}
}

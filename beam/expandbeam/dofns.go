package expandbeam

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"

	"github.com/cnnpipe/cnnpipe/expand"
	"github.com/cnnpipe/cnnpipe/loaders"
)

// counterNS is the namespace of the job's Beam counters.
const counterNS = "cnnpipe"

// The job's counters; Run turns them into an expand.Summary.
var (
	cInputs    = beam.NewCounter(counterNS, "inputs")
	cWritten   = beam.NewCounter(counterNS, "written")
	cExisted   = beam.NewCounter(counterNS, "existed")
	cBytes     = beam.NewCounter(counterNS, "bytes")
	cDecodeNS  = beam.NewCounter(counterNS, "decode_ns")
	cTransfNS  = beam.NewCounter(counterNS, "transform_ns")
	cEncodeNS  = beam.NewCounter(counterNS, "encode_ns")
	cWriteNS   = beam.NewCounter(counterNS, "write_ns")
	cFailTasks = beam.NewCounter(counterNS, "failed_tasks")
)

func init() {
	register.DoFn4x1[context.Context, Shard, func(Task), func(Failure), error](&readFn{})
	register.DoFn2x0[Task, func(Task)](&copiesFn{})
	register.DoFn4x1[context.Context, Task, func(expand.Row), func(Failure), error](&expandFn{})
	register.DoFn1x2[expand.Row, int, expand.Row](&keyRowFn{})
	register.DoFn3x1[context.Context, int, func(*expand.Row) bool, error](&writePartFn{})
	register.DoFn3x1[context.Context, int, func(*Failure) bool, error](&writeFailuresFn{})
	register.Function1x2(keyFailure)
	register.Emitter1[Task]()
	register.Emitter1[expand.Row]()
	register.Emitter1[Failure]()
	register.Iter1[expand.Row]()
	register.Iter1[Failure]()
}

// readFn reads one shard of the source and emits one Task per image (with
// copy 0). Samples that cannot be read go to the failures output.
type readFn struct {
	Opts Options

	ds *loaders.Dataset
}

func (f *readFn) Setup() error {
	ds, err := openSource(&f.Opts)
	if err != nil {
		return err
	}
	f.ds = ds
	return nil
}

func (f *readFn) ProcessElement(ctx context.Context, sh Shard, emit func(Task), fail func(Failure)) error {
	view, err := f.ds.Shard(sh.I, sh.N)
	if err != nil {
		return err
	}
	var skips loaders.SkipLog
	ro := &loaders.ReadOptions{OnError: loaders.Skip, Skips: &skips, MaxPixels: f.Opts.Config.MaxPixels}
	for s, err := range view.Samples(ctx, ro) {
		if err != nil {
			return err // a whole-file error: the runner retries, then fails the job
		}
		cInputs.Inc(ctx, 1)
		emit(taskOf(&s, 0))
	}
	for _, e := range skips.Errors() {
		cInputs.Inc(ctx, 1)
		fail(Failure{Path: e.Path, Index: int64(e.Index), Err: e.Error()})
	}
	if n := skips.Count() - len(skips.Errors()); n > 0 {
		cInputs.Inc(ctx, int64(n))
		fail(Failure{Path: fmt.Sprintf("(%d more unreadable inputs in shard %d of %d)", n, sh.I, sh.N), Index: -1, Err: "not listed"})
	}
	return nil
}

func (f *readFn) Teardown() error {
	if f.ds == nil {
		return nil
	}
	err := f.ds.Close()
	f.ds = nil
	return err
}

// copiesFn fans an image out into one Task per copy, the original first
// with KeepOriginals. It runs fused with expandFn after the shuffle, so the
// copies of an image share its bytes and the renderer decodes it once.
type copiesFn struct {
	Copies        int
	KeepOriginals bool
}

func (f *copiesFn) ProcessElement(t Task, emit func(Task)) {
	first := 0
	if f.KeepOriginals {
		first = expand.OriginalCopy
	}
	for c := first; c < f.Copies; c++ {
		t.Copy = int32(c)
		emit(t)
	}
}

// expandFn produces one output with the same expand.Renderer as
// `cnnpipe augment` and writes it atomically under DST, unless it already
// exists (then only its manifest row is computed, as the core does).
type expandFn struct {
	Opts Options

	r    *expand.Renderer
	fsys filesystem.Interface
}

func (f *expandFn) Setup(ctx context.Context) error {
	r, err := expand.NewRenderer(&f.Opts.Config)
	if err != nil {
		return err
	}
	f.r = r
	f.fsys, err = filesystem.New(ctx, f.Opts.Dst)
	return err
}

func (f *expandFn) ProcessElement(ctx context.Context, t Task, emit func(expand.Row), fail func(Failure)) error {
	s := t.sample()
	copy := int(t.Copy)
	before := f.r.Timings
	defer func() {
		after := f.r.Timings
		cDecodeNS.Inc(ctx, int64(after.Decode-before.Decode))
		cTransfNS.Inc(ctx, int64(after.Transform-before.Transform))
		cEncodeNS.Inc(ctx, int64(after.Encode-before.Encode))
	}()
	cfg := f.r.Config()
	name := joinPath(f.Opts.Dst, expand.OutputPath(&s, copy, &cfg))
	if exists(ctx, f.fsys, name) {
		row, err := f.r.Params(&s, copy)
		if err != nil {
			f.fail(ctx, &t, err, fail)
			return nil
		}
		cExisted.Inc(ctx, 1)
		emit(row)
		return nil
	}
	out, err := f.r.Render(&s, copy)
	if err != nil {
		f.fail(ctx, &t, err, fail)
		return nil
	}
	t0 := time.Now()
	if err := writeAtomic(ctx, f.fsys, name, out.Data); err != nil {
		return err // an I/O error: the runner retries the bundle
	}
	cWriteNS.Inc(ctx, int64(time.Since(t0)))
	cWritten.Inc(ctx, 1)
	cBytes.Inc(ctx, int64(len(out.Data)))
	emit(out.Row)
	return nil
}

// fail emits a failure naming the input as `cnnpipe augment` names it.
func (f *expandFn) fail(ctx context.Context, t *Task, err error, fail func(Failure)) {
	var se *loaders.SampleError
	if errors.As(err, &se) {
		if se.Path == t.Path {
			se.Path = t.File
		}
	} else {
		err = &loaders.SampleError{Path: t.File, Index: int(t.Index), Err: err}
	}
	cFailTasks.Inc(ctx, 1)
	fail(Failure{Path: t.File, Index: t.Index, Err: err.Error()})
}

func (f *expandFn) Teardown() error {
	if f.fsys == nil {
		return nil
	}
	return f.fsys.Close()
}

// keyRowFn keys a manifest row by the part file that holds it.
type keyRowFn struct {
	N int
}

func (f *keyRowFn) ProcessElement(r expand.Row) (int, expand.Row) {
	return partOf(r.Output, f.N), r
}

// writePartFn writes one manifest part file, sorted by output path. A
// retry rewrites the same bytes under the same name.
type writePartFn struct {
	Dst string
}

func (f *writePartFn) ProcessElement(ctx context.Context, part int, rows func(*expand.Row) bool) error {
	var all []expand.Row
	var r expand.Row
	for rows(&r) {
		all = append(all, r)
	}
	sortRows(all)
	data, err := expand.EncodeParquet(all)
	if err != nil {
		return fmt.Errorf("expandbeam: manifest part %d: %w", part, err)
	}
	return writeFile(ctx, joinPath(f.Dst, partName(part)), data)
}

// keyFailure puts every failure in one group: failures are few.
func keyFailure(f Failure) (int, Failure) { return 0, f }

// writeFailuresFn writes DST's failures list.
type writeFailuresFn struct {
	Dst string
}

func (f *writeFailuresFn) ProcessElement(ctx context.Context, _ int, fails func(*Failure) bool) error {
	var all []Failure
	var x Failure
	for fails(&x) {
		all = append(all, x)
	}
	data, err := encodeFailures(sortFailures(all))
	if err != nil {
		return fmt.Errorf("expandbeam: failures: %w", err)
	}
	return writeFile(ctx, joinPath(f.Dst, expand.FailuresCSV), data)
}

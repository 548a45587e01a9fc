package expand

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/cnnpipe/cnnpipe/loaders"
)

// Files written into DST besides the images.
const (
	ManifestCSV     = "manifest.csv"
	ManifestParquet = "manifest.parquet"
	// FailuresCSV lists the inputs that failed (header "path,index,error");
	// it is written only when some did.
	FailuresCSV = "failures.csv"
	// StateFile records the configuration of the run that writes DST, so
	// that a resumed run with different settings is refused rather than
	// mixing outputs.
	StateFile = ".cnnpipe-augment.json"
	tmpMarker = ".cnnpipe-tmp-"
)

// Errors callers branch on.
var (
	// ErrDstInSrc reports a destination equal to or inside the source folder.
	ErrDstInSrc = errors.New("destination inside the source")
	// ErrFailed reports a run in which some inputs failed under the Fail
	// policy; the other outputs and the manifest are written.
	ErrFailed = errors.New("some inputs failed")
	// ErrMismatch reports a DST written by a run with other settings.
	ErrMismatch = errors.New("destination holds the outputs of a different run")
)

// Options configures [Run] beyond the per-output Config.
type Options struct {
	// Workers is the number of goroutines rendering (default GOMAXPROCS).
	Workers int
	// OnError is loaders.Fail (default: failures are counted and Run
	// returns ErrFailed at the end) or loaders.Skip (failures are counted
	// and reported, Run succeeds).
	OnError loaders.ErrorPolicy
	// Progress, if not nil, is called from one goroutine after each input.
	Progress func(Progress)
	// Failure, if not nil, is called from one goroutine for each input that
	// fails, with an error naming it.
	Failure func(error)
}

// Progress is a snapshot of a running job.
type Progress struct {
	Inputs  int // inputs processed
	Total   int // inputs in the source, or -1 when unknown
	Written int // files written by this run
	Failed  int // inputs that failed
	Elapsed time.Duration
}

// Summary is the result of a run.
type Summary struct {
	Inputs  int // inputs read (including failed ones)
	Outputs int // outputs in the manifest
	Written int // files written by this run
	Existed int // outputs already present (resumed run), not rewritten
	Failed  int // inputs that could not be read, decoded or augmented
	// Elapsed is the wall time of the run.
	Elapsed time.Duration
	// Time is the time summed over workers per phase.
	Time Timings
	// Bytes is the size of the files written by this run.
	Bytes int64
}

// Failure is one input that failed.
type Failure struct {
	Path  string
	Index int
	Err   error
}

type result struct {
	rows     []Row
	written  int
	existed  int
	bytes    int64
	failure  *Failure
	timings  Timings
	canceled bool
}

// Run expands dataset d into the folder dst: Copies augmented variants
// per input (plus the originals with KeepOriginals), the manifest in CSV
// and Parquet (rows sorted by output path) and, if some inputs failed,
// failures.csv. srcPath is the path d was opened from; a dst equal to it
// or inside it is refused with ErrDstInSrc. Outputs already in dst are not
// rewritten. When ctx is canceled Run stops after the files in progress,
// writes no manifest and returns ctx's error: run it again to finish.
func Run(ctx context.Context, d *loaders.Dataset, srcPath, dst string, cfg *Config, opts *Options) (Summary, error) {
	start := time.Now()
	var sum Summary
	c, err := cfg.withDefaults()
	if err != nil {
		return sum, err
	}
	if _, err := NewRenderer(&c); err != nil {
		return sum, err
	}
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Workers <= 0 {
		o.Workers = max(1, runtimeProcs())
	}
	if err := CheckDst(srcPath, dst); err != nil {
		return sum, err
	}
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return sum, fmt.Errorf("expand: %s: %w", dst, err)
	}
	if err := checkState(dst, &c); err != nil {
		return sum, err
	}
	if err := removeTemps(dst); err != nil {
		return sum, err
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	samples := make(chan loaders.Sample, 2*o.Workers)
	results := make(chan result, 2*o.Workers)
	var readErr error
	// Bad inputs the loader detects (missing file, unknown class) are
	// skipped by it and collected here; decode errors come from workers.
	var skips loaders.SkipLog
	go func() {
		defer close(samples)
		ro := &loaders.ReadOptions{OnError: loaders.Skip, Skips: &skips, MaxPixels: c.MaxPixels}
		for s, err := range d.Samples(ctx, ro) {
			if err != nil {
				if ctx.Err() == nil {
					readErr = err
				}
				cancel()
				return
			}
			select {
			case samples <- s:
			case <-ctx.Done():
				return
			}
		}
	}()
	var wg sync.WaitGroup
	dirs := &dirCache{made: map[string]bool{}}
	for range o.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, _ := NewRenderer(&c)
			for s := range samples {
				res := process(ctx, r, &s, dst, dirs)
				results <- res
			}
		}()
	}
	go func() {
		wg.Wait() // workers end after the reader has closed samples
		close(results)
	}()

	total := d.Info().Count
	var rows []Row
	var failures []Failure
	canceled := false
	for res := range results {
		if res.canceled {
			canceled = true
		}
		sum.Inputs++
		sum.Written += res.written
		sum.Existed += res.existed
		sum.Bytes += res.bytes
		sum.Time.add(res.timings)
		rows = append(rows, res.rows...)
		if res.failure != nil {
			sum.Failed++
			failures = append(failures, *res.failure)
			if o.Failure != nil {
				o.Failure(res.failure.Err)
			}
		}
		if o.Progress != nil {
			o.Progress(Progress{Inputs: sum.Inputs, Total: total, Written: sum.Written, Failed: sum.Failed, Elapsed: time.Since(start)})
		}
	}
	for _, se := range skips.Errors() {
		failures = append(failures, Failure{Path: se.Path, Index: se.Index, Err: se})
		if o.Failure != nil {
			o.Failure(se)
		}
	}
	sum.Inputs += skips.Count()
	sum.Failed += skips.Count()
	sum.Outputs = len(rows)
	sum.Elapsed = time.Since(start)
	if readErr != nil {
		return sum, readErr
	}
	if err := ctx.Err(); err != nil || canceled {
		if err == nil {
			err = context.Canceled
		}
		return sum, err
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].Output < rows[j].Output })
	if err := writeManifests(dst, rows); err != nil {
		return sum, err
	}
	if len(failures) > 0 {
		sort.Slice(failures, func(i, j int) bool {
			if failures[i].Path != failures[j].Path {
				return failures[i].Path < failures[j].Path
			}
			return failures[i].Index < failures[j].Index
		})
		if err := writeFailures(dst, failures); err != nil {
			return sum, err
		}
	} else if err := os.Remove(filepath.Join(dst, FailuresCSV)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return sum, fmt.Errorf("expand: %w", err)
	}
	sum.Elapsed = time.Since(start)
	if len(failures) > 0 && o.OnError != loaders.Skip {
		return sum, fmt.Errorf("expand: %w: %d of %d inputs (listed in %s)", ErrFailed, len(failures), sum.Inputs, filepath.Join(dst, FailuresCSV))
	}
	return sum, nil
}

// process renders and writes all outputs of one sample.
func process(ctx context.Context, r *Renderer, s *loaders.Sample, dst string, dirs *dirCache) (res result) {
	before := r.Timings
	defer func() {
		res.timings = Timings{Decode: r.Timings.Decode - before.Decode, Transform: r.Timings.Transform - before.Transform,
			Encode: r.Timings.Encode - before.Encode, Write: r.Timings.Write - before.Write}
	}()
	first := 0
	if r.cfg.KeepOriginals {
		first = OriginalCopy
	}
	for copy := first; copy < r.cfg.Copies; copy++ {
		if ctx.Err() != nil {
			res.canceled = true
			return res
		}
		rel := OutputPath(s, copy, &r.cfg)
		full := filepath.Join(dst, filepath.FromSlash(rel))
		if st, err := os.Stat(full); err == nil && st.Mode().IsRegular() {
			row, err := r.Params(s, copy)
			if err != nil {
				res.fail(s, err)
				return res
			}
			res.rows = append(res.rows, row)
			res.existed++
			continue
		}
		out, err := r.Render(s, copy)
		if err != nil {
			res.fail(s, err)
			return res
		}
		t0 := time.Now()
		if err := dirs.mkdir(filepath.Dir(full)); err != nil {
			res.fail(s, err)
			return res
		}
		if err := WriteFileAtomic(full, out.Data); err != nil {
			res.fail(s, err)
			return res
		}
		r.Timings.Write += time.Since(t0)
		res.rows = append(res.rows, out.Row)
		res.written++
		res.bytes += int64(len(out.Data))
	}
	return res
}

func (res *result) fail(s *loaders.Sample, err error) {
	var se *loaders.SampleError
	if !errors.As(err, &se) {
		err = &loaders.SampleError{Path: s.File(), Index: s.Index, Err: err}
	}
	res.failure = &Failure{Path: s.File(), Index: s.Index, Err: err}
	res.rows = nil // a failed input contributes no rows
}

type dirCache struct {
	mu   sync.Mutex
	made map[string]bool
}

func (d *dirCache) mkdir(dir string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.made[dir] {
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("expand: %w", err)
	}
	d.made[dir] = true
	return nil
}

// WriteFileAtomic writes data to a temporary file in name's directory and
// renames it to name, so that name never holds a partial file.
func WriteFileAtomic(name string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(name), tmpMarker+"*")
	if err != nil {
		return fmt.Errorf("expand: %w", err)
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp, 0o644)
	}
	if err == nil {
		err = os.Rename(tmp, name)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("expand: write %s: %w", name, err)
	}
	return nil
}

// removeTemps deletes temporary files left by a killed run.
func removeTemps(dst string) error {
	return filepath.WalkDir(dst, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("expand: %w", err)
		}
		if !e.IsDir() && strings.HasPrefix(e.Name(), tmpMarker) {
			if err := os.Remove(p); err != nil {
				return fmt.Errorf("expand: %w", err)
			}
		}
		return nil
	})
}

// CheckDst refuses a destination equal to or inside the source folder (or
// equal to a source file), comparing absolute paths with symbolic links
// resolved.
func CheckDst(src, dst string) error {
	as, err := resolve(src)
	if err != nil {
		return err
	}
	ad, err := resolve(dst)
	if err != nil {
		return err
	}
	if ad == as {
		return fmt.Errorf("expand: %s: %w %s", dst, ErrDstInSrc, src)
	}
	if st, err := os.Stat(as); err == nil && st.IsDir() {
		if rel, err := filepath.Rel(as, ad); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return fmt.Errorf("expand: %s: %w %s", dst, ErrDstInSrc, src)
		}
	}
	return nil
}

// resolve returns the absolute path of p with symbolic links resolved in
// its longest existing prefix.
func resolve(p string) (string, error) {
	a, err := filepath.Abs(p)
	if err != nil {
		return "", fmt.Errorf("expand: %s: %w", p, err)
	}
	rest := ""
	for {
		if r, err := filepath.EvalSymlinks(a); err == nil {
			return filepath.Join(r, rest), nil
		}
		parent := filepath.Dir(a)
		if parent == a {
			return filepath.Join(a, rest), nil
		}
		rest = filepath.Join(filepath.Base(a), rest)
		a = parent
	}
}

// checkState refuses a dst holding the outputs of a run with other
// settings, and records this run's settings.
func checkState(dst string, c *Config) error {
	want, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	want = append(want, '\n')
	name := filepath.Join(dst, StateFile)
	have, err := os.ReadFile(name)
	switch {
	case err == nil:
		if string(have) != string(want) {
			return fmt.Errorf("expand: %s: %w (it was written with %s; this run has %s): use another destination or remove it",
				dst, ErrMismatch, strings.Join(strings.Fields(string(have)), " "), strings.Join(strings.Fields(string(want)), " "))
		}
		return nil
	case errors.Is(err, fs.ErrNotExist):
		entries, err := os.ReadDir(dst)
		if err != nil {
			return fmt.Errorf("expand: %w", err)
		}
		if len(entries) > 0 {
			return fmt.Errorf("expand: %s: %w: it is not empty and was not written by cnnpipe augment", dst, ErrMismatch)
		}
		return WriteFileAtomic(name, want)
	default:
		return fmt.Errorf("expand: %w", err)
	}
}

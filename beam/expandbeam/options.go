package expandbeam

import (
	"errors"
	"fmt"
	"path"
	"path/filepath"
	"strings"

	"github.com/cnnpipe/cnnpipe/expand"
	"github.com/cnnpipe/cnnpipe/loaders"
)

// Options configures the job. The zero value of each field means its
// default. Options travel inside the pipeline's DoFns (as JSON), so they
// hold only plain values.
type Options struct {
	// Src is the dataset to expand: any path loaders.Open understands. It
	// must be readable by every worker.
	Src string
	// Dst is the output root: a local path, or a URL (gs://bucket/dir,
	// s3://bucket/dir) of a filesystem registered with Beam.
	Dst string
	// Split, if not empty, restricts the job to that split of Src
	// ("train", "test", ...).
	Split string
	// Config is the per-output configuration, exactly as for
	// `cnnpipe augment` (expand.Config): copies, seed, ops, format, ...
	Config expand.Config
	// OnError is "fail" (default: failures are listed and Run returns an
	// error wrapping ErrFailed) or "skip" (failures are listed and Run
	// succeeds).
	OnError string
	// ReadShards is the number of parts the source is read in (default:
	// one per 256 images, at most 4096; at most 16 for Arrow and Parquet
	// sources, each of whose parts scans the whole file).
	ReadShards int
	// ManifestShards is the number of manifest part files (default: one per
	// 100,000 outputs, at least 1, at most 1000).
	ManifestShards int
}

var (
	// ErrFailed reports a job in which some inputs failed and the error
	// policy is "fail". The outputs of the other inputs are written.
	ErrFailed = expand.ErrFailed
	// ErrDstInSrc reports a destination equal to or inside the source.
	ErrDstInSrc = expand.ErrDstInSrc
	// ErrNoResult reports a runner that returned no result to wait for:
	// a Dataflow --dry_run, or a job submitted with --async. The summary
	// is then empty and the failures list is not read.
	ErrNoResult = errors.New("the runner returned no result (dry run or asynchronous job)")
	// ErrMismatch reports a destination holding the outputs of a run with
	// other settings (or other files).
	ErrMismatch = expand.ErrMismatch
)

// withDefaults returns o with defaults filled in and checks it, compiling
// the policy once so that a bad one is reported on the driver.
func (o Options) withDefaults() (Options, error) {
	if o.Src == "" || o.Dst == "" {
		return o, errors.New("expandbeam: source and destination are required")
	}
	r, err := expand.NewRenderer(&o.Config)
	if err != nil {
		return o, err
	}
	o.Config = r.Config()
	if o.OnError == "" {
		o.OnError = "fail"
	}
	if _, err := loaders.ParseErrorPolicy(o.OnError); err != nil {
		return o, fmt.Errorf("expandbeam: on-error %q: want fail or skip", o.OnError)
	}
	if o.ReadShards < 0 || o.ManifestShards < 0 {
		return o, errors.New("expandbeam: shard counts must not be negative")
	}
	return o, nil
}

// isLocal reports whether p is a path of the local filesystem (no scheme).
func isLocal(p string) bool { return !strings.Contains(p, "://") }

// joinPath joins an output root and a slash-separated relative path.
func joinPath(root, rel string) string {
	if isLocal(root) {
		return filepath.Join(root, filepath.FromSlash(rel))
	}
	return strings.TrimRight(root, "/") + "/" + path.Clean(rel)
}

// Command cnnpipe-beam runs cnnpipe jobs on Apache Beam, so that one job
// can use many machines: Prism runs it in this process (the default),
// Flink, Spark and Dataflow run it on a cluster.
//
// Usage:
//
//	cnnpipe-beam augment SRC DST [--copies N] [--seed S] [--ops "..."] [--format png|jpeg]
//	        [--on-error fail|skip] [--keep-originals] [beam flags: --runner, --endpoint, ...]
//
// augment takes the flags of `cnnpipe augment` and writes byte-identical
// images under identical names; the manifest is written as Parquet parts
// DST/manifest/part-NNNNN.parquet. See beam/README.md.
//
// Exit codes: 0 ok, 1 failure (including failed inputs without
// --on-error=skip), 2 usage error.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/x/beamx"

	"github.com/cnnpipe/cnnpipe/beam/expandbeam"
	"github.com/cnnpipe/cnnpipe/expand"
	"github.com/cnnpipe/cnnpipe/loaders"
)

const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

// The augment flags live in the program's global flag set, beside the
// flags of Beam and its runners (--runner, --endpoint, --project, ...), as
// Beam programs expect: the workers receive the pipeline options from there.
var (
	fCopies    = flag.Int("copies", 1, "augment: variants written per image")
	fSeed      = flag.Uint64("seed", 0, "augment: seed of the per-sample randomness")
	fOps       = flag.String("ops", "", "augment: augmentation policy, e.g. \"hflip p=0.5; rotate deg=15\" (empty: none)")
	fFormat    = flag.String("format", "png", "augment: output format, png or jpeg")
	fQuality   = flag.Int("quality", 90, "augment: JPEG quality, 1-100")
	fPNGLevel  = flag.String("png-level", "fast", "augment: PNG compression: fast, default, best or none")
	fKeep      = flag.Bool("keep-originals", false, "augment: also write each input, unchanged, beside its copies")
	fMaxPixels = flag.Int("max-pixels", loaders.DefaultMaxPixels, "augment: refuse input images with more pixels")
	fOnError   = flag.String("on-error", "fail", "augment: fail (exit 1 when an input fails; the others are written) or skip")
	fWorkers   = flag.Int("workers", 0, "augment: accepted for compatibility with cnnpipe augment and ignored: the runner sets the parallelism")
	fRead      = flag.Int("read-shards", 0, "augment: parts the source is read in (0: one per 256 images)")
	fManifest  = flag.Int("manifest-shards", 0, "augment: manifest part files (0: one per 100,000 outputs)")
)

const usage = `cnnpipe-beam runs cnnpipe jobs on Apache Beam.

usage: cnnpipe-beam augment SRC DST [flags]

augment expands the dataset SRC (a class folder, CSV manifest, IDX, CIFAR,
Arrow or Parquet file) into DST: --copies augmented variants per image,
byte-identical to those of 'cnnpipe augment' with the same flags, and the
manifest as Parquet parts DST/manifest/part-NNNNN.parquet. DST may be a local
path or gs://... where the runner has it. The job runs on the runner named by
--runner: prism (default, in this process), flink, spark, dataflow, ...

exit codes: 0 ok, 1 failure, 2 usage error.

flags (augment's, then Beam's):
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run executes the command line and returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	flag.CommandLine.SetOutput(stderr)
	flag.CommandLine.Usage = func() {
		fmt.Fprint(flag.CommandLine.Output(), usage)
		flag.CommandLine.PrintDefaults()
	}
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		// A runner starts this program as a worker with flags only
		// (--worker, --id, --control_endpoint, ...): beam.Init then runs
		// the worker harness and does not return.
		if err := flag.CommandLine.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return exitOK
			}
			return exitUsage
		}
		beam.Init()
		flag.CommandLine.SetOutput(stderr)
		flag.CommandLine.Usage()
		return exitUsage
	}
	switch args[0] {
	case "help":
		flag.CommandLine.SetOutput(stdout)
		flag.CommandLine.Usage()
		return exitOK
	case "augment":
	default:
		fmt.Fprintf(stderr, "cnnpipe-beam: unknown command %q (want augment)\n", args[0])
		return exitUsage
	}
	pos, err := parseInterleaved(flag.CommandLine, args[1:])
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if len(pos) != 2 {
		fmt.Fprintf(stderr, "cnnpipe-beam augment: want SRC and DST, got %d arguments\nrun 'cnnpipe-beam help' for help\n", len(pos))
		return exitUsage
	}
	if _, err := loaders.ParseErrorPolicy(*fOnError); err != nil {
		fmt.Fprintf(stderr, "cnnpipe-beam augment: --on-error %q: want fail or skip\n", *fOnError)
		return exitUsage
	}
	opts := expandbeam.Options{
		Src: pos[0], Dst: pos[1], OnError: *fOnError, ReadShards: *fRead, ManifestShards: *fManifest,
		Config: expand.Config{Ops: *fOps, Copies: *fCopies, Seed: *fSeed, Format: *fFormat, Quality: *fQuality,
			PNGLevel: *fPNGLevel, KeepOriginals: *fKeep, MaxPixels: *fMaxPixels},
	}
	// Check the configuration (policy, format, ...) before starting Beam.
	if _, err := expand.NewRenderer(&opts.Config); err != nil {
		fmt.Fprintf(stderr, "cnnpipe-beam augment: %v\n", err)
		return exitUsage
	}
	beam.Init()
	sum, fails, err := expandbeam.Run(ctx, opts, beamx.RunWithMetrics)
	for i, f := range fails {
		if i == 20 {
			fmt.Fprintf(stderr, "cnnpipe-beam augment: ... and %d more (see %s)\n", len(fails)-i, expand.FailuresCSV)
			break
		}
		fmt.Fprintf(stderr, "cnnpipe-beam augment: failed: %s\n", f.Err)
	}
	if sum.Inputs > 0 || err == nil {
		printSummary(stdout, sum)
	}
	if err != nil {
		fmt.Fprintf(stderr, "cnnpipe-beam augment: %v\n", err)
		if errors.Is(err, expandbeam.ErrDstInSrc) || errors.Is(err, expand.ErrConfig) {
			return exitUsage
		}
		return exitFailure
	}
	return exitOK
}

// parseInterleaved parses flags that may come before, between or after the
// positional arguments, and returns the positional arguments.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

func printSummary(w io.Writer, s expand.Summary) {
	fmt.Fprintf(w, "inputs %d, outputs %d (written %d, existed %d), failed %d, %.1f MB, %.1fs",
		s.Inputs, s.Outputs, s.Written, s.Existed, s.Failed, float64(s.Bytes)/1e6, s.Elapsed.Seconds())
	if s.Elapsed > 0 {
		fmt.Fprintf(w, " (%.0f outputs/s)", float64(s.Outputs)/s.Elapsed.Seconds())
	}
	fmt.Fprintf(w, "\ntime summed over workers: decode %.1fs, transform %.1fs, encode %.1fs, write %.1fs\n",
		s.Time.Decode.Seconds(), s.Time.Transform.Seconds(), s.Time.Encode.Seconds(), s.Time.Write.Seconds())
}

// Command cnnpipe-beam runs cnnpipe jobs on Apache Beam, so that one job
// can use many machines: Prism runs it in this process (the default),
// Flink, Spark and Dataflow run it on a cluster.
//
// Usage:
//
//	cnnpipe-beam augment SRC DST [--copies N] [--seed S] [--ops "..." | --ops-file F]
//	        [--format png|jpeg] [--quality Q] [--png-level L] [--keep-originals]
//	        [--split NAME] [--max-pixels N] [--on-error fail|skip]
//	        [Beam flags: --runner, --endpoint, --project, --region, ...]
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

	"github.com/cnnpipe/cnnpipe/augment"
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
	fOps       = flag.String("ops", "", "augment: augmentation policy in text form (default \""+expand.DefaultPolicy+"\"; see --list-ops)")
	fOpsFile   = flag.String("ops-file", "", "augment: read the policy from this file (YAML list, or the text form)")
	fListOps   = flag.Bool("list-ops", false, "augment: print the transforms and their parameters, then exit")
	fSplit     = flag.String("split", "", "augment: augment only this split of SRC (e.g. train)")
	fFormat    = flag.String("format", "png", "augment: output format, png or jpeg")
	fQuality   = flag.Int("quality", 90, "augment: JPEG quality, 1-100")
	fPNGLevel  = flag.String("png-level", "fast", "augment: PNG compression: fast, default, best or none")
	fKeep      = flag.Bool("keep-originals", false, "augment: also write each input, unchanged, beside its copies")
	fMaxPixels = flag.Int("max-pixels", loaders.DefaultMaxPixels, "augment: refuse input images with more pixels")
	fOnError   = flag.String("on-error", "fail", "augment: fail (exit 1 when an input fails; the others are written) or skip")
	_          = flag.Int("workers", 0, "augment: accepted for compatibility with cnnpipe augment and ignored: the runner sets the parallelism")
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

augment flags:
`

// printUsage prints the usage text, augment's flags, then Beam's.
func printUsage(fs *flag.FlagSet) {
	w := fs.Output()
	fmt.Fprint(w, usage)
	ours := flag.NewFlagSet("augment", flag.ContinueOnError)
	beams := flag.NewFlagSet("beam", flag.ContinueOnError)
	fs.VisitAll(func(f *flag.Flag) {
		to, u := beams, f.Usage
		if rest, ok := strings.CutPrefix(f.Usage, "augment: "); ok {
			to, u = ours, rest
		}
		to.Var(f.Value, f.Name, u)
		to.Lookup(f.Name).DefValue = f.DefValue
	})
	ours.SetOutput(w)
	ours.PrintDefaults()
	fmt.Fprint(w, "\nBeam flags (--runner=prism|flink|spark|dataflow|..., --endpoint, --project, ...; see beam/README.md):\n")
	beams.SetOutput(w)
	beams.PrintDefaults()
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run executes the command line and returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	flag.CommandLine.SetOutput(stderr)
	flag.CommandLine.Usage = func() { printUsage(flag.CommandLine) }
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
	if *fListOps {
		fmt.Fprint(stdout, augment.Help())
		return exitOK
	}
	if len(pos) != 2 {
		fmt.Fprintf(stderr, "cnnpipe-beam augment: want SRC and DST, got %d arguments\nrun 'cnnpipe-beam help' for help\n", len(pos))
		return exitUsage
	}
	if _, err := loaders.ParseErrorPolicy(*fOnError); err != nil {
		fmt.Fprintf(stderr, "cnnpipe-beam augment: --on-error %q: want fail or skip\n", *fOnError)
		return exitUsage
	}
	if *fCopies < 1 {
		fmt.Fprintf(stderr, "cnnpipe-beam augment: --copies must be at least 1\n")
		return exitUsage
	}
	ops, err := policy(*fOps, *fOpsFile)
	if err != nil {
		fmt.Fprintf(stderr, "cnnpipe-beam augment: %v\n", err)
		var ue usageError
		if errors.As(err, &ue) {
			return exitUsage
		}
		return exitFailure
	}
	opts := expandbeam.Options{
		Src: pos[0], Dst: pos[1], Split: *fSplit, OnError: *fOnError, ReadShards: *fRead, ManifestShards: *fManifest,
		Config: expand.Config{Ops: ops, Copies: *fCopies, Seed: *fSeed, Format: *fFormat, Quality: *fQuality,
			PNGLevel: *fPNGLevel, KeepOriginals: *fKeep, MaxPixels: *fMaxPixels},
	}
	// Check the configuration and DST before starting Beam.
	if _, err := expand.NewRenderer(&opts.Config); err != nil {
		fmt.Fprintf(stderr, "cnnpipe-beam augment: %v\n", err)
		return exitUsage
	}
	if !strings.Contains(opts.Dst, "://") {
		if err := expand.CheckDst(opts.Src, opts.Dst); err != nil {
			fmt.Fprintf(stderr, "cnnpipe-beam augment: %v\n", err)
			return exitUsage
		}
	}
	beam.Init()
	sum, fails, err := expandbeam.Run(ctx, opts, beamx.RunWithMetrics)
	if errors.Is(err, expandbeam.ErrNoResult) {
		fmt.Fprintf(stdout, "augment: %v: no summary; the outputs appear in %s as the job runs\n", err, opts.Dst)
		return exitOK
	}
	for i, f := range fails {
		if i == 20 {
			fmt.Fprintf(stderr, "cnnpipe-beam augment: ... and %d more (see %s)\n", len(fails)-i, expand.FailuresCSV)
			break
		}
		fmt.Fprintf(stderr, "cnnpipe-beam augment: failed: %s\n", f.Err)
	}
	if sum.Inputs > 0 || err == nil {
		sum.Report(stdout, pos[1])
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

// usageError marks an error in how the command was called (exit 2).
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// policy returns the canonical text of the chosen policy, as
// `cnnpipe augment` computes it (expand.PolicyText: the canonical text is
// what the outputs' state file records).
func policy(ops, opsFile string) (string, error) {
	text, err := expand.PolicyText(ops, opsFile)
	switch {
	case errors.Is(err, expand.ErrPolicyChoice):
		return "", usageError{"give --ops or --ops-file, not both"}
	case errors.Is(err, augment.ErrPolicy) && opsFile == "":
		return "", usageError{fmt.Sprintf("--ops: %v", err)}
	}
	return text, err
}

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"time"

	"github.com/cnnpipe/cnnpipe/loaders"
	"github.com/schollz/progressbar/v3"
)

func init() {
	register(&command{
		name:    "convert",
		summary: "convert a dataset between formats (folder, manifest, IDX, CIFAR, Arrow, Parquet)",
		usage:   "cnnpipe convert [flags] SRC DST",
		example: "cnnpipe convert ./mnist mnist.parquet\n" +
			"cnnpipe convert --on-error=skip --row-group 512 --compression zstd photos/ photos.parquet\n" +
			"cnnpipe convert cifar-10-batches-bin cifar/        # to a folder of PNGs",
		setup: setupConvert,
	})
}

func setupConvert(fs *flag.FlagSet) func(ctx context.Context, args []string, e *env) error {
	format := fs.String("format", "", "output format: parquet, arrow, arrows or folder (default: from DST's extension; none = folder)")
	batch := fs.Int("batch-size", 256, "rows per record batch")
	rowGroup := fs.Int("row-group", 1024, "rows per Parquet row group")
	compression := fs.String("compression", "", "codec: Parquet snappy (default), zstd, gzip, brotli, lz4, none; Arrow none (default), zstd, lz4")
	onError := fs.String("on-error", "fail", "what to do with a bad image: fail or skip (skipped files are listed)")
	decode := fs.Bool("decode", false, "store decoded pixels (format raw) instead of the encoded files")
	verify := fs.Bool("verify", true, "fully decode every encoded image to catch corrupt data")
	split := fs.String("split", "", "convert only this split (e.g. train or test)")
	cifar := fs.String("cifar100-labels", "fine", "CIFAR-100 labels: fine or coarse")
	maxPixels := fs.Int("max-pixels", loaders.DefaultMaxPixels, "refuse images with more pixels than this")
	force := fs.Bool("force", false, "replace an existing output file")
	shuffle := fs.Int64("shuffle", -1, "write the samples in a shuffled order drawn from this seed (>= 0); -1 keeps the source order")
	workers := fs.Int("workers", runtime.GOMAXPROCS(0), "goroutines reading and decoding images (the output does not depend on it)")
	return func(ctx context.Context, args []string, e *env) error {
		args, err := interleavedArgs(fs, args)
		if err != nil {
			return err
		}
		if len(args) != 2 {
			return usagef("want SRC and DST, got %d arguments", len(args))
		}
		policy, err := loaders.ParseErrorPolicy(*onError)
		if err != nil {
			return usagef("--on-error=%s: want fail or skip", *onError)
		}
		if *batch <= 0 || *rowGroup <= 0 || *workers <= 0 {
			return usagef("--batch-size, --row-group and --workers must be positive")
		}
		if _, err := loaders.OutputFormat(args[1], *format); err != nil {
			return usagef("%v", err)
		}
		ds, err := openForCLI(args[0], *split, *cifar, *maxPixels)
		if err != nil {
			return err
		}
		defer ds.Close()
		if *shuffle >= 0 {
			ds = ds.Shuffle(uint64(*shuffle))
		}
		bar := newLoadProgress(e.stderr, "convert", ds.Info().Count)
		skips := &loaders.SkipLog{}
		st, err := loaders.Convert(ctx, ds, args[1], &loaders.ConvertOptions{
			Read: loaders.ReadOptions{BatchSize: *batch, Decode: *decode, Verify: *verify, OnError: policy, Skips: skips,
				MaxPixels: *maxPixels, Workers: *workers},
			Write: loaders.WriteOptions{Format: *format, RowGroupSize: *rowGroup, Compression: *compression,
				Overwrite: *force},
			Progress: bar.set,
		})
		bar.finish()
		if err != nil {
			var se *loaders.SampleError
			if policy == loaders.Fail && errors.As(err, &se) {
				return fmt.Errorf("%w\n(use --on-error=skip to leave unreadable images out and list them)", err)
			}
			if errors.Is(err, context.Canceled) {
				return fmt.Errorf("interrupted: nothing was written to %s; run the same command again", args[1])
			}
			return err
		}
		fmt.Fprintf(e.stdout, "wrote %d images to %s (%s) in %.1fs", st.Written, args[1], st.Format, st.Elapsed.Seconds())
		if st.Skipped > 0 {
			fmt.Fprintf(e.stdout, "; skipped %d unreadable", st.Skipped)
		}
		fmt.Fprintln(e.stdout)
		printSkipped(e.stderr, st.Skipped, st.Errors)
		if st.Written == 0 {
			fmt.Fprintf(e.stderr, "warning: %s holds no images\n", args[1])
		}
		return nil
	}
}

// openForCLI opens a dataset and selects a split.
func openForCLI(path, split, cifar string, maxPixels int) (*loaders.Dataset, error) {
	ds, err := loaders.Open(path, &loaders.Config{CIFAR100Labels: cifar, MaxPixels: maxPixels})
	if err != nil {
		return nil, err
	}
	if split == "" {
		return ds, nil
	}
	sub, err := ds.Split(split)
	if err != nil {
		ds.Close()
		return nil, err
	}
	return sub, nil
}

func printSkipped(w io.Writer, n int, errs []*loaders.SampleError) {
	if n == 0 {
		return
	}
	fmt.Fprintf(w, "skipped %d unreadable images:\n", n)
	for i, e := range errs {
		if i == 20 {
			fmt.Fprintf(w, "  ... %d more\n", n-20)
			break
		}
		fmt.Fprintf(w, "  %v\n", e)
	}
}

// loadProgress shows a progress bar on a terminal and nothing otherwise.
type loadProgress struct {
	bar *progressbar.ProgressBar
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

func newLoadProgress(w io.Writer, desc string, total int) *loadProgress {
	if !isTerminal(w) {
		return &loadProgress{}
	}
	return &loadProgress{bar: progressbar.NewOptions64(int64(total),
		progressbar.OptionSetWriter(w), progressbar.OptionSetDescription(desc),
		progressbar.OptionShowCount(), progressbar.OptionShowIts(), progressbar.OptionSetItsString("img"),
		progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionClearOnFinish())}
}

func (p *loadProgress) set(done, total int) {
	if p.bar != nil {
		p.bar.Set64(int64(done))
	}
}

func (p *loadProgress) finish() {
	if p.bar != nil {
		p.bar.Finish()
	}
}

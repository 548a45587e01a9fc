package main

import (
	"context"
	"encoding/json"
	"flag"
	"runtime"

	"github.com/cnnpipe/cnnpipe/loaders"
)

func init() {
	register(&command{
		name:    "inspect",
		summary: "describe a dataset: format, counts, splits, classes, image sizes, unreadable files",
		usage:   "cnnpipe inspect [flags] PATH",
		example: "cnnpipe inspect testdata/images\n" +
			"cnnpipe inspect --split test mnist/\n" +
			"cnnpipe inspect --json cifar.parquet",
		setup: setupInspect,
	})
}

func setupInspect(fs *flag.FlagSet) func(ctx context.Context, args []string, e *env) error {
	quick := fs.Bool("quick", false, "read only image headers (faster; misses corrupt data after a valid header)")
	split := fs.String("split", "", "inspect only this split")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	cifar := fs.String("cifar100-labels", "fine", "CIFAR-100 labels: fine or coarse")
	maxPixels := fs.Int("max-pixels", loaders.DefaultMaxPixels, "report images with more pixels than this as unreadable")
	workers := fs.Int("workers", runtime.GOMAXPROCS(0), "goroutines reading and decoding images")
	return func(ctx context.Context, args []string, e *env) error {
		args, err := interleavedArgs(fs, args)
		if err != nil {
			return err
		}
		if len(args) != 1 {
			return usagef("want one PATH, got %d arguments", len(args))
		}
		if *workers <= 0 {
			return usagef("--workers must be positive")
		}
		ds, err := openForCLI(args[0], *split, *cifar, *maxPixels)
		if err != nil {
			return err
		}
		defer ds.Close()
		bar := newLoadProgress(e.stderr, "inspect", ds.Info().Count)
		rep, err := loaders.Inspect(ctx, ds, &loaders.InspectOptions{Quick: *quick, MaxPixels: *maxPixels, Workers: *workers, Progress: bar.set})
		bar.finish()
		if err != nil {
			return err
		}
		if *asJSON {
			enc := json.NewEncoder(e.stdout)
			enc.SetIndent("", "  ")
			return enc.Encode(rep)
		}
		return rep.WriteText(e.stdout)
	}
}

package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"runtime"

	"github.com/cnnpipe/cnnpipe/eval"
	"github.com/cnnpipe/cnnpipe/loaders"
)

func init() {
	register(&command{
		name:    "eval",
		summary: "measure a trained model on a labelled dataset: accuracy, loss, per-class precision/recall/F1, confusion matrix",
		usage:   "cnnpipe eval --model CKPT --data PATH [flags]",
		example: "cnnpipe eval --model runs/mnist/best.safetensors --data mnist/          # the test split\n" +
			"cnnpipe eval --model best.safetensors --data val.parquet --plot -o val-confusion.png\n" +
			"cnnpipe eval --model best.safetensors --data images/ --split val --json | jq .accuracy",
		setup: setupEval,
	})
}

func setupEval(fs *flag.FlagSet) func(ctx context.Context, args []string, e *env) error {
	model := fs.String("model", "", "checkpoint to evaluate (a .safetensors written by cnnpipe train)")
	data := fs.String("data", "", "labelled dataset: folder, manifest, IDX, CIFAR, Arrow, Parquet or shapes")
	split := fs.String("split", "", `split to evaluate (default "test" when the dataset has one, else all of it)`)
	batch := fs.Int("batch", 256, "images per forward pass")
	workers := fs.Int("workers", runtime.GOMAXPROCS(0), "goroutines decoding and resizing images")
	asJSON := fs.Bool("json", false, "print the result as one JSON object")
	plot := fs.Bool("plot", false, "also draw the confusion matrix as a PNG (see --out)")
	out := "confusion.png"
	fs.StringVar(&out, "out", out, "PNG file written by --plot")
	fs.StringVar(&out, "o", out, "shorthand for --out")
	maxPixels := fs.Int("max-pixels", loaders.DefaultMaxPixels, "refuse images with more pixels than this")
	return func(ctx context.Context, args []string, e *env) error {
		if len(args) != 0 {
			return usagef("unexpected arguments %q (give the dataset with --data)", args)
		}
		if *model == "" || *data == "" {
			return usagef("--model and --data are required")
		}
		if *batch <= 0 || *workers <= 0 || *maxPixels <= 0 {
			return usagef("--batch, --workers and --max-pixels must be positive")
		}
		m, err := eval.LoadModel(*model)
		if err != nil {
			return err
		}
		root, err := loaders.Open(*data, &loaders.Config{MaxPixels: *maxPixels})
		if err != nil {
			return err
		}
		defer root.Close()
		ds, splitName, err := eval.SelectSplit(root, *split)
		if err != nil {
			return err
		}
		if d := eval.CompareClasses(m.Classes, ds.Info().Classes); d != "" {
			fmt.Fprintf(e.stderr, "warning: %s; labels are compared by index\n", d)
		}
		in, err := m.Input()
		if err != nil {
			return err
		}
		in.MaxPixels = *maxPixels
		res, err := eval.EvaluateDataset(ctx, m.Net, ds, &eval.Config{BatchSize: *batch, Workers: *workers, Input: &in})
		if err != nil {
			return err
		}
		res.Model, res.Data, res.Split = *model, *data, splitName
		if *plot {
			title := fmt.Sprintf("accuracy %.2f%%", 100*res.Accuracy)
			if splitName != "" {
				title = splitName + " set, " + title
			}
			if err := eval.WriteConfusionPNG(out, res.Confusion, res.ClassNames(), title); err != nil {
				return err
			}
		}
		if *asJSON {
			if err := json.NewEncoder(e.stdout).Encode(res); err != nil {
				return err
			}
		} else {
			what := *data
			if splitName != "" {
				what += " (split " + splitName + ")"
			}
			fmt.Fprintf(e.stdout, "model %s (%s, input %v)\ndata  %s\n", *model, m.Net.Name(), m.Net.InputShape(), what)
			if err := res.WriteText(e.stdout); err != nil {
				return err
			}
		}
		if *plot {
			fmt.Fprintf(e.stderr, "wrote %s\n", out)
		}
		return nil
	}
}

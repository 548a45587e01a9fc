package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/cnnpipe/cnnpipe/eval"
	"github.com/cnnpipe/cnnpipe/loaders"
)

func init() {
	register(&command{
		name:    "predict",
		summary: "classify images with a trained model: the top-K classes with their probabilities",
		usage:   "cnnpipe predict --model CKPT [flags] IMAGE|DIR...",
		example: "cnnpipe predict --model runs/mnist/best.safetensors digit.png\n" +
			"cnnpipe predict --model best.safetensors --top 3 photos/\n" +
			"cnnpipe predict --model best.safetensors --classes cat,dog --json *.jpg > predictions.jsonl",
		setup: setupPredict,
	})
}

func setupPredict(fs *flag.FlagSet) func(ctx context.Context, args []string, e *env) error {
	model := fs.String("model", "", "checkpoint to use (a .safetensors written by cnnpipe train)")
	top := fs.Int("top", 1, "number of most probable classes shown per image")
	asJSON := fs.Bool("json", false, `print one JSON object per image and line: {"path","class","label","prob","probs","top"}, probs in label order`)
	batch := fs.Int("batch", 64, "images per forward pass")
	classes := fs.String("classes", "", "class names: a comma-separated list, or a dataset whose classes to use (default: the checkpoint's, else numbers)")
	maxPixels := fs.Int("max-pixels", loaders.DefaultMaxPixels, "refuse images with more pixels than this")
	return func(ctx context.Context, args []string, e *env) error {
		if *model == "" {
			return usagef("--model is required")
		}
		if len(args) == 0 {
			return usagef("give at least one IMAGE or DIR")
		}
		if *top <= 0 || *batch <= 0 || *maxPixels <= 0 {
			return usagef("--top, --batch and --max-pixels must be positive")
		}
		m, err := eval.LoadModel(*model)
		if err != nil {
			return err
		}
		names := m.Classes
		if *classes != "" {
			if names, err = classNames(*classes); err != nil {
				return err
			}
		}
		in, err := m.Input()
		if err != nil {
			return err
		}
		in.MaxPixels = *maxPixels
		p, err := eval.NewPredictor(m.Net, names, &in)
		if err != nil {
			return err
		}
		files, err := eval.ImageFiles(args)
		if err != nil {
			return err
		}
		width := 0
		for _, f := range files {
			width = max(width, len(f))
		}
		// One note per converted image, up to maxNotes, then a count.
		const maxNotes = 5
		failed, converted := 0, 0
		enc := json.NewEncoder(e.stdout)
		err = p.PredictFiles(ctx, files, *batch, *top, func(pr eval.Prediction, err error) error {
			if err != nil {
				failed++
				fmt.Fprintf(e.stderr, "cnnpipe predict: %v\n", err)
				return nil
			}
			if pr.Converted != "" {
				if converted++; converted <= maxNotes {
					fmt.Fprintf(e.stderr, "note: %s: %s to fit the model's input %v\n", pr.Path, pr.Converted, m.Net.InputShape())
				}
			}
			if *asJSON {
				return enc.Encode(pr)
			}
			return pr.WriteText(e.stdout, width)
		})
		if err != nil {
			return err
		}
		if converted > maxNotes {
			fmt.Fprintf(e.stderr, "note: %d of %d images were converted to fit the model's input %v (%d notes not shown; --json gives each image's \"converted\")\n",
				converted, len(files), m.Net.InputShape(), converted-maxNotes)
		}
		if failed > 0 {
			return fmt.Errorf("%d of %d images could not be classified", failed, len(files))
		}
		return nil
	}
}

// classNames reads --classes: the classes of a dataset when the value is an
// existing path, else a comma-separated list.
func classNames(v string) ([]string, error) {
	if _, err := os.Stat(v); err == nil {
		ds, err := loaders.Open(v, nil)
		if err != nil {
			return nil, err
		}
		defer ds.Close()
		names := ds.Info().Classes
		if len(names) == 0 {
			return nil, errors.New(v + ": the dataset has no class names")
		}
		return names, nil
	}
	names := strings.Split(v, ",")
	for i, n := range names {
		names[i] = strings.TrimSpace(n)
		if names[i] == "" {
			return nil, usagef("--classes %q: empty class name at position %d", v, i+1)
		}
	}
	return names, nil
}

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"

	"github.com/cnnpipe/cnnpipe/cnn"
	"github.com/cnnpipe/cnnpipe/models"
	"github.com/cnnpipe/cnnpipe/trainrun"
)

func init() {
	register(&command{
		name:    "train",
		summary: "train a CNN from a dataset through the streaming pipeline (by default the seed model on the built-in shapes dataset)",
		usage:   "cnnpipe train [--data PATH] [--val PATH | --val-split F] [--model SPEC] [--augment OPS] [flags]",
		example: "cnnpipe train                          # seed model, shapes dataset, runs/<time>/\n" +
			"cnnpipe train --data mnist/ --model lenet --epochs 3 --out runs/mnist\n" +
			"cnnpipe train --data photos/ --val-split 0.1 --model my.yaml --augment \"hflip p=0.5; rotate deg=10\"\n" +
			"cnnpipe train --resume runs/mnist/last.safetensors --data mnist/ --epochs 6",
		setup: setupTrain,
	})
}

// trainHook, if not nil, is called after every training step (tests use it
// to interrupt a run at a chosen step).
var trainHook func(cnn.BatchStats)

func setupTrain(fs *flag.FlagSet) func(ctx context.Context, args []string, e *env) error {
	var c trainrun.Config
	fs.StringVar(&c.Data, "data", "", "training dataset (folder, manifest, IDX, CIFAR, Arrow, Parquet, shapes); default: the built-in shapes dataset")
	fs.StringVar(&c.Val, "val", "", "validation dataset (default: the dataset's test split, if it has train/test splits)")
	fs.Float64Var(&c.ValSplit, "val-split", 0, "hold out this fraction of the training data for validation (stratified)")
	fs.StringVar(&c.Model, "model", models.Default, "built-in model name ("+strings.Join(models.Names(), ", ")+"; its last layer takes the dataset's number of classes) or path to a .yaml/.json spec")
	fs.StringVar(&c.Augment, "augment", "", "augmentation policy for the training split, e.g. \"hflip p=0.5; rotate deg=10\" (see cnnpipe augment --list-ops)")
	fs.IntVar(&c.Epochs, "epochs", trainrun.DefaultEpochs, "total number of epochs (a resumed run continues up to it)")
	fs.IntVar(&c.Batch, "batch", trainrun.DefaultBatch, "mini-batch size")
	fs.Float64Var(&c.LR, "lr", 0, "override the spec's learning rate")
	fs.StringVar(&c.Optimizer, "optimizer", "", "override the spec's optimizer: sgd, momentum, nesterov or adam")
	fs.IntVar(&c.Workers, "workers", 0, "goroutines per pipeline stage (default one per core; results do not depend on it)")
	fs.Uint64Var(&c.Seed, "seed", 1, "seed of weight init, dropout, shuffling and augmentation")
	fs.StringVar(&c.OutDir, "out", "", "output directory (default: the --resume checkpoint's directory, else runs/<date-time>)")
	fs.StringVar(&c.Resume, "resume", "", "continue the run saved in this checkpoint (last.safetensors); give the same --data, --augment and --batch")
	fs.IntVar(&c.ShapesTrain, "train-size", trainrun.DefaultShapesTrain, "images of the built-in shapes training set (without --data)")
	fs.IntVar(&c.ShapesVal, "val-size", trainrun.DefaultShapesVal, "images of the built-in shapes validation set (without --data; 0 = none)")
	return func(ctx context.Context, args []string, e *env) error { return runTrain(ctx, args, e, c, fs) }
}

func runTrain(ctx context.Context, args []string, e *env, c trainrun.Config, fs *flag.FlagSet) error {
	if len(args) != 0 {
		return usagef("unexpected arguments %q", args)
	}
	if c.Epochs <= 0 || c.Batch <= 0 || c.ShapesTrain <= 0 || c.ShapesVal < 0 || c.LR < 0 || c.Workers < 0 {
		return usagef("--epochs, --batch and --train-size must be positive, --val-size, --lr and --workers non-negative")
	}
	if c.ShapesVal == 0 {
		c.ShapesVal = -1
	}
	c.Out, c.Progress, c.ProgressTTY, c.OnBatch = e.stdout, e.stderr, isTerminal(e.stderr), trainHook
	res, err := trainrun.Run(ctx, c)
	if err == nil {
		return nil
	}
	if errors.Is(err, trainrun.ErrConfig) {
		return usagef("%v", strings.TrimPrefix(err.Error(), trainrun.ErrConfig.Error()+": "))
	}
	var ie *cnn.InterruptedError
	if errors.As(err, &ie) && ie.Checkpoint != "" {
		return fmt.Errorf("%v\nto continue: cnnpipe train %s", err, resumeArgs(fs, ie.Checkpoint, res.OutDir))
	}
	return err
}

// resumeArgs returns the flags of this run with --resume set to ckpt and
// --out to dir, for the "to continue" hint.
func resumeArgs(fs *flag.FlagSet, ckpt, dir string) string {
	var parts []string
	fs.Visit(func(f *flag.Flag) {
		if f.Name != "resume" && f.Name != "out" && f.Name != "seed" && f.Name != "model" {
			parts = append(parts, "--"+f.Name+" "+shellQuote(f.Value.String()))
		}
	})
	parts = append(parts, "--resume "+shellQuote(ckpt), "--out "+shellQuote(dir))
	return strings.Join(parts, " ")
}

func shellQuote(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t\n'\"\\$`;&|<>()*?[]#~!{}") {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

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

	"github.com/schollz/progressbar/v3"

	"github.com/cnnpipe/cnnpipe/augment"
	"github.com/cnnpipe/cnnpipe/expand"
	"github.com/cnnpipe/cnnpipe/loaders"
)

func init() {
	register(&command{
		name:    "augment",
		summary: "expand a dataset on disk with N augmented copies per image and a manifest",
		usage:   "cnnpipe augment [flags] SRC DST",
		example: "cnnpipe augment photos/ photos-aug/ --copies 5 --seed 1 --ops \"hflip; rotate deg=15; rcrop size=224 scale=0.8-1; jitter b=0.4 c=0.4 s=0.4 h=0.1\"\n" +
			"cnnpipe augment --ops-file policy.yaml --format jpeg --quality 92 mnist/ mnist-aug/\n" +
			"cnnpipe augment --list-ops      # the transforms and their parameters",
		setup: setupAugment,
	})
}

// policyFlags are the flags that choose a policy, shared with preview.
type policyFlags struct {
	ops, opsFile *string
	seed         *uint64
}

func addPolicyFlags(fs *flag.FlagSet) policyFlags {
	return policyFlags{
		ops:     fs.String("ops", "", "augmentation policy in text form (default \""+expand.DefaultPolicy+"\"; see --list-ops)"),
		opsFile: fs.String("ops-file", "", "read the policy from this file (YAML list, or the text form)"),
		seed:    fs.Uint64("seed", 0, "seed of the per-image randomness"),
	}
}

// policy returns the canonical text of the chosen policy.
func (p policyFlags) policy() (string, error) {
	text, err := expand.PolicyText(*p.ops, *p.opsFile)
	switch {
	case errors.Is(err, expand.ErrPolicyChoice):
		return "", usagef("give --ops or --ops-file, not both")
	case errors.Is(err, augment.ErrPolicy) && *p.opsFile == "":
		return "", usagef("--ops: %v", err)
	}
	return text, err
}

func setupAugment(fs *flag.FlagSet) func(ctx context.Context, args []string, e *env) error {
	pf := addPolicyFlags(fs)
	copies := fs.Int("copies", 1, "augmented copies written per image")
	workers := fs.Int("workers", runtime.GOMAXPROCS(0), "goroutines rendering images (the output does not depend on it)")
	format := fs.String("format", "png", "output format: png or jpeg")
	quality := fs.Int("quality", 90, "JPEG quality, 1-100")
	pngLevel := fs.String("png-level", "fast", "PNG compression: fast, default, best or none (on 224x224 photos: fast 65 KB/3.5 ms, default 63 KB/10x slower, best 60 KB/30x slower, none 151 KB)")
	keep := fs.Bool("keep-originals", false, "also copy each original image, unchanged, beside its copies")
	onError := fs.String("on-error", "fail", "a corrupt input is named and left out; fail: exit non-zero at the end, skip: exit 0")
	split := fs.String("split", "", "augment only this split of SRC (e.g. train)")
	maxPixels := fs.Int("max-pixels", loaders.DefaultMaxPixels, "refuse input images with more pixels than this")
	listOps := fs.Bool("list-ops", false, "print the transforms and their parameters, then exit")
	return func(ctx context.Context, args []string, e *env) error {
		args, err := interleavedArgs(fs, args)
		if err != nil {
			return err
		}
		if *listOps {
			fmt.Fprint(e.stdout, augment.Help())
			return nil
		}
		if len(args) != 2 {
			return usagef("want SRC and DST, got %d arguments", len(args))
		}
		policy, err := loaders.ParseErrorPolicy(*onError)
		if err != nil {
			return usagef("--on-error=%s: want fail or skip", *onError)
		}
		if *copies < 1 || *workers < 1 {
			return usagef("--copies and --workers must be at least 1")
		}
		ops, err := pf.policy()
		if err != nil {
			return err
		}
		cfg := &expand.Config{Ops: ops, Copies: *copies, Seed: *pf.seed, Format: *format, Quality: *quality,
			PNGLevel: *pngLevel, KeepOriginals: *keep, MaxPixels: *maxPixels}
		if _, err := expand.NewRenderer(cfg); err != nil {
			return usagef("%v", err)
		}
		if err := expand.CheckDst(args[0], args[1]); err != nil {
			return usagef("%v", err)
		}
		ds, err := loaders.Open(args[0], &loaders.Config{MaxPixels: *maxPixels})
		if err != nil {
			return err
		}
		defer ds.Close()
		if *split != "" {
			if ds, err = ds.Split(*split); err != nil {
				return err
			}
		}
		bar := newAugmentBar(e.stderr, ds.Info().Count)
		sum, err := expand.Run(ctx, ds, args[0], args[1], cfg, &expand.Options{
			Workers:  *workers,
			OnError:  policy,
			Progress: bar.update,
			Failure:  func(err error) { bar.println(fmt.Sprintf("cnnpipe augment: %v", err)) },
		})
		bar.finish()
		sum.Report(e.stdout, args[1])
		if errors.Is(err, context.Canceled) {
			return fmt.Errorf("interrupted: %d files written; run the same command again to finish (finished files are kept)", sum.Written)
		}
		return err
	}
}

// augmentBar shows a progress bar with images/s and ETA when w is a
// terminal, and nothing otherwise.
type augmentBar struct {
	w   io.Writer
	bar *progressbar.ProgressBar
}

func stderrIsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

func newAugmentBar(w io.Writer, total int) *augmentBar {
	b := &augmentBar{w: w}
	if stderrIsTerminal(w) {
		b.bar = progressbar.NewOptions64(int64(total),
			progressbar.OptionSetWriter(w), progressbar.OptionSetDescription("augment"),
			progressbar.OptionShowCount(), progressbar.OptionShowIts(), progressbar.OptionSetItsString("img"),
			progressbar.OptionSetPredictTime(true), progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish())
	}
	return b
}

func (b *augmentBar) update(p expand.Progress) {
	if b.bar != nil {
		b.bar.Set64(int64(p.Inputs))
	}
}

func (b *augmentBar) println(s string) {
	if b.bar != nil {
		b.bar.Clear()
	}
	fmt.Fprintln(b.w, s)
}

func (b *augmentBar) finish() {
	if b.bar != nil {
		b.bar.Finish()
	}
}

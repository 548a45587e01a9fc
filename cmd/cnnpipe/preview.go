package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"image/png"
	"path/filepath"
	"strings"

	"github.com/cnnpipe/cnnpipe/expand"
	"github.com/cnnpipe/cnnpipe/loaders"
)

func init() {
	register(&command{
		name:    "preview",
		summary: "render a contact sheet of an augmentation policy on a few images",
		usage:   "cnnpipe preview [flags] SRC",
		example: "cnnpipe preview photos/ --ops \"rcrop size=224 scale=0.5-1; hflip; jitter b=0.4 c=0.4 s=0.4 h=0.1\" -o grid.png\n" +
			"cnnpipe preview mnist/ --ops-file policy.yaml --rows 8 --cols 10 --seed 3 -o mnist-grid.png",
		setup: setupPreview,
	})
}

func setupPreview(fs *flag.FlagSet) func(ctx context.Context, args []string, e *env) error {
	pf := addPolicyFlags(fs)
	out := fs.String("o", "preview.png", "output PNG file")
	rows := fs.Int("rows", 4, "images shown, one per row")
	cols := fs.Int("cols", 6, "augmented variants beside each image (copies 0..cols-1 of cnnpipe augment)")
	cell := fs.Int("cell", 128, "cell size in pixels")
	shuffle := fs.Bool("shuffle", true, "pick the images at random (seeded by --seed) rather than the first ones")
	split := fs.String("split", "", "take images from this split of SRC")
	return func(ctx context.Context, args []string, e *env) error {
		args, err := interleavedArgs(fs, args)
		if err != nil {
			return err
		}
		if len(args) != 1 {
			return usagef("want SRC, got %d arguments", len(args))
		}
		if *rows < 1 || *cols < 1 || *cell < 8 || *rows > 1000 || *cols > 1000 || *cell > 4096 {
			return usagef("--rows and --cols must be 1..1000 and --cell 8..4096")
		}
		if !strings.EqualFold(filepath.Ext(*out), ".png") {
			return usagef("-o %s: the contact sheet is written as PNG; name it *.png", *out)
		}
		ops, err := pf.policy()
		if err != nil {
			return err
		}
		cfg := &expand.Config{Ops: ops, Seed: *pf.seed}
		if _, err := expand.NewRenderer(cfg); err != nil {
			return usagef("%v", err)
		}
		ds, err := loaders.Open(args[0], nil)
		if err != nil {
			return err
		}
		defer ds.Close()
		if *split != "" {
			if ds, err = ds.Split(*split); err != nil {
				return err
			}
		}
		sheet, err := expand.Preview(ctx, ds, cfg, &expand.PreviewOptions{Rows: *rows, Cols: *cols, Cell: *cell, Shuffle: *shuffle})
		if err != nil {
			return err
		}
		var buf bytes.Buffer
		if err := png.Encode(&buf, sheet); err != nil {
			return err
		}
		if err := expand.WriteFileAtomic(*out, buf.Bytes()); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "wrote %s (%dx%d): policy %q\n", *out, sheet.Rect.Dx(), sheet.Rect.Dy(), ops)
		return nil
	}
}

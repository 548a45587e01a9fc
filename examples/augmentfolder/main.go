// Command augmentfolder expands an image dataset on disk, in code: it reads
// SRC with loaders.Open, makes -copies augmented copies of every image with
// a policy written in augment's text form, and writes them as PNG files
// into DST, one directory per class. It is the library-level version of
// "cnnpipe augment", built from pipeline stages:
//
//	samples → decode (N workers) → augment (N workers) → encode+write (N workers)
//
// Copy k of image i is augmented with the random stream (seed, k, i), so the
// output does not depend on the number of workers. DST appears only when
// every file is written (the files go to a temporary directory first).
//
//	go run ./examples/augmentfolder -copies 4 -policy "hflip p=0.5; rotate deg=20" testdata/images /tmp/aug
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"image/png"
	"io"
	"iter"
	"os"
	"os/signal"
	"path/filepath"
	"strings"

	"github.com/cnnpipe/cnnpipe/augment"
	"github.com/cnnpipe/cnnpipe/loaders"
	"github.com/cnnpipe/cnnpipe/pipeline"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "augmentfolder:", err)
		os.Exit(1)
	}
}

// copies yields every sample of ds once per copy, tagged with the copy
// number as its epoch (which keys the augmentation randomness).
func copies(ctx context.Context, ds *loaders.Dataset, n int) iter.Seq2[*pipeline.Sample, error] {
	return func(yield func(*pipeline.Sample, error) bool) {
		for k := range n {
			for s, err := range ds.Samples(ctx, nil) {
				if !yield(&pipeline.Sample{Sample: s, Epoch: k}, err) || err != nil {
					return
				}
			}
		}
	}
}

func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("augmentfolder", flag.ContinueOnError)
	fs.SetOutput(out)
	var (
		policyText = fs.String("policy", "rcrop size=96 scale=0.5-1; hflip p=0.5; rotate deg=15; jitter b=0.3 c=0.3 s=0.3",
			"augmentation policy (augment's text form)")
		ncopies = fs.Int("copies", 2, "augmented copies of every image")
		workers = fs.Int("workers", 2, "goroutines per parallel stage")
		seed    = fs.Uint64("seed", 1, "seed of the augmentation")
	)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: augmentfolder [flags] SRC DST\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 2 {
		fs.Usage()
		return errors.New("want SRC and DST")
	}
	src, dst := fs.Arg(0), fs.Arg(1)
	policy, err := augment.Parse(*policyText)
	if err != nil {
		return err
	}
	if _, err := os.Stat(dst); err == nil {
		return fmt.Errorf("%s already exists", dst)
	}
	ds, err := loaders.Open(src, nil)
	if err != nil {
		return err
	}
	defer ds.Close()

	tmp, err := os.MkdirTemp(filepath.Dir(filepath.Clean(dst)), "."+filepath.Base(dst)+".tmp-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp) // a no-op once renamed

	p := pipeline.New(ctx)
	samples := pipeline.FromSeq2(p, "read", copies(p.Context(), ds, *ncopies))
	images := pipeline.Decode(p, "decode", samples, pipeline.DecodeConfig{Workers: *workers})
	augmented := pipeline.Augment(p, "augment", images, policy, pipeline.AugmentConfig{Workers: *workers, Seed: *seed})
	written := pipeline.Map(p, "write", augmented, pipeline.MapConfig{Workers: *workers},
		func(_ context.Context, s *pipeline.Sample) (string, error) {
			return write(tmp, s)
		})
	n := 0
	if err := pipeline.ForEach(p, "count", written, func(string) error { n++; return nil }); err != nil {
		return err
	}
	if err := os.Rename(tmp, dst); err != nil {
		return err
	}
	fmt.Fprintf(out, "wrote %d images to %s (policy: %s)\n\n%s", n, dst, policy, p.Stats())
	return nil
}

// write encodes s's image as DIR/<class>/<name>_<copy>.png and returns the
// path.
func write(dir string, s *pipeline.Sample) (string, error) {
	var buf bytes.Buffer
	if err := png.Encode(&buf, s.Image); err != nil {
		return "", err
	}
	class := s.Class
	if class == "" {
		class = "unlabelled"
	}
	base := strings.TrimSuffix(filepath.Base(s.Path), filepath.Ext(s.Path))
	path := filepath.Join(dir, class, fmt.Sprintf("%s_%d.png", base, s.Epoch))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return "", err
	}
	return path, os.WriteFile(path, buf.Bytes(), 0o644)
}

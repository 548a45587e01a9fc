package trainrun_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/cnnpipe/cnnpipe/cnn"
	"github.com/cnnpipe/cnnpipe/trainrun"
)

// ExampleRun trains the built-in seed model for one epoch on 64 images of
// the built-in shapes dataset, a quarter of them held out for validation,
// and prints where the outputs went. A Ctrl-C (ctx cancelled) would return
// an error wrapping *cnn.InterruptedError, whose Checkpoint continues the
// run as Config.Resume.
func ExampleRun() {
	dir, _ := os.MkdirTemp("", "trainrun")
	defer os.RemoveAll(dir)
	res, err := trainrun.Run(context.Background(), trainrun.Config{
		Data: "shapes?n=64", ValSplit: 0.25, Epochs: 1, Batch: 16, Workers: 2,
		OutDir: filepath.Join(dir, "run"), Out: nil, // os.Stdout for the summary and report
	})
	var ie *cnn.InterruptedError
	switch {
	case errors.As(err, &ie):
		fmt.Println("interrupted; resume from", ie.Checkpoint)
	case err != nil:
		fmt.Println(err)
	default:
		fmt.Printf("%d epoch, %d batches, outputs in %s\n", res.State.Epoch, res.State.Step, filepath.Base(res.OutDir))
	}
	// Output: 1 epoch, 3 batches, outputs in run
}

package expandbeam_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/runners/prism"

	"github.com/cnnpipe/cnnpipe/beam/expandbeam"
	"github.com/cnnpipe/cnnpipe/expand"
)

// ExampleRun expands 8 images of the built-in shapes dataset into 2
// augmented copies each on the in-process Prism runner. A program that runs on a cluster passes
// beamx.RunWithMetrics instead, and calls beam.Init after flag.Parse in
// main.
func ExampleRun() {
	dst, cleanup := tempDir()
	defer cleanup()
	opts := expandbeam.Options{
		Src: "shapes?n=8",
		Dst: dst,
		Config: expand.Config{
			Ops:    "ccrop size=32; hflip p=0.5; rotate deg=10",
			Copies: 2,
			Seed:   1,
		},
		ReadShards: 2,
	}
	run := func(ctx context.Context, p *beam.Pipeline) (beam.PipelineResult, error) {
		return prism.Execute(ctx, p)
	}
	sum, _, err := expandbeam.Run(context.Background(), opts, run)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d inputs, %d outputs written\n", sum.Inputs, sum.Written)
	// Output: 8 inputs, 16 outputs written
}

func tempDir() (string, func()) {
	dir, err := os.MkdirTemp("", "expandbeam-example")
	if err != nil {
		log.Fatal(err)
	}
	return filepath.Join(dir, "out"), func() { os.RemoveAll(dir) }
}

package trainrun

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/cnnpipe/cnnpipe/pipeline"
)

// Breakdown says where the wall time of a run went, from the "train"
// (consumer) stage of the training and validation pipelines: the time the
// trainer spent computing on batches and the time it waited for them.
type Breakdown struct {
	// Total is the run's wall time, from Run's start to its end.
	Total time.Duration
	// Setup is the time before training started: opening the data,
	// building the model, loading a checkpoint.
	Setup time.Duration
	// TrainCompute is the time spent in training steps; TrainWait the
	// time the trainer waited for the next training batch.
	TrainCompute, TrainWait time.Duration
	// ValCompute and ValWait are the same for validation (and the final
	// confusion matrix).
	ValCompute, ValWait time.Duration
	// Other is the rest: pipeline start-up and shutdown, checkpoints,
	// plots.
	Other time.Duration
}

func breakdown(total, fit time.Duration, train, val pipeline.Stats) Breakdown {
	b := Breakdown{Total: total, Setup: total - fit}
	if s, ok := train.Stage("train"); ok {
		b.TrainCompute, b.TrainWait = s.Busy, s.WaitIn
	}
	if s, ok := val.Stage("train"); ok {
		b.ValCompute, b.ValWait = s.Busy, s.WaitIn
	}
	b.Other = max(fit-b.TrainCompute-b.TrainWait-b.ValCompute-b.ValWait, 0)
	return b
}

// Data returns the time spent waiting for data (training and validation).
func (b Breakdown) Data() time.Duration { return b.TrainWait + b.ValWait }

// Compute returns the time spent computing (training and validation).
func (b Breakdown) Compute() time.Duration { return b.TrainCompute + b.ValCompute }

// WriteTable prints the breakdown as a table with the share of each part.
func (b Breakdown) WriteTable(w io.Writer) error {
	var buf strings.Builder
	fmt.Fprintf(&buf, "%-48s %9s %7s\n", "where the time went", "seconds", "share")
	row := func(name string, d time.Duration) {
		share := 0.0
		if b.Total > 0 {
			share = 100 * d.Seconds() / b.Total.Seconds()
		}
		fmt.Fprintf(&buf, "  %-46s %9.1f %6.1f%%\n", name, d.Seconds(), share)
	}
	row("training: compute", b.TrainCompute)
	row("training: waiting for data", b.TrainWait)
	row("validation: compute", b.ValCompute)
	row("validation: waiting for data", b.ValWait)
	row("setup (data, model, checkpoint)", b.Setup)
	row("other (pipeline start/stop, checkpoints, plots)", b.Other)
	row("total", b.Total)
	_, err := io.WriteString(w, buf.String())
	return err
}

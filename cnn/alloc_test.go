package cnn

import (
	"testing"
)

// TestTrainStepNoAllocs checks that a warm training step (forward, loss,
// backward, update) and a warm evaluation pass allocate nothing.
func TestTrainStepNoAllocs(t *testing.T) {
	if testing.CoverMode() != "" || raceEnabled {
		t.Skip("coverage and the race detector allocate")
	}
	tr := newLineTrainer(t, 1, "")
	var b Batch
	for bb := range linesData(32, 1).Batches(BatchConfig{Size: 32}).Epoch(1) {
		b = Batch{X: bb.X.Clone(), Labels: append([]int(nil), bb.Labels...)}
	}
	for i := 0; i < 3; i++ {
		tr.TrainStep(b, 1e-3)
	}
	if n := testing.AllocsPerRun(10, func() { tr.TrainStep(b, 1e-3) }); n != 0 {
		t.Errorf("training step: %v allocations", n)
	}
	if n := testing.AllocsPerRun(10, func() { tr.Model().Predict(b.X) }); n != 0 {
		t.Errorf("inference: %v allocations", n)
	}
}

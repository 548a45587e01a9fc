package cnn

import (
	"bytes"
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFitGuardedInterruptMidEpoch cancels a run after the third step of
// its second epoch, resumes it from the checkpoint written on
// interruption, and checks that the weights (bit for bit), the history
// and metrics.csv equal those of an uninterrupted run. Without the
// mid-epoch checkpoint the step count of the checkpoint is wrong; without
// restoring the position or the accumulators the weights or the epoch's
// loss differ.
func TestFitGuardedInterruptMidEpoch(t *testing.T) {
	data, val := linesData(256, 1), linesData(64, 2)
	src := func() (Source, Source) {
		return data.Batches(BatchConfig{Size: 32, Shuffle: true, Seed: 3}), val.Batches(BatchConfig{Size: 64})
	}
	refDir := t.TempDir()
	one := newLineTrainer(t, 3, refDir)
	tr, va := src()
	if err := one.FitGuarded(context.Background(), tr, va, nil); err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	first := newLineTrainer(t, 3, dir)
	first.cfg.OnBatch = func(b BatchStats) {
		if b.Epoch == 2 && b.Batch == 3 {
			cancel()
		}
	}
	tr, va = src()
	err := first.FitGuarded(ctx, tr, va, nil)
	var ie *InterruptedError
	if !errors.As(err, &ie) || !errors.Is(err, context.Canceled) || ie.Epoch != 2 || ie.Batch != 3 || ie.Checkpoint != filepath.Join(dir, "last.safetensors") {
		t.Fatalf("interrupted run returned %v (%+v)", err, ie)
	}

	second := newLineTrainer(t, 3, dir)
	second.Model().Init(999) // the checkpoint must restore everything
	from, err := second.ResumeGuarded(ie.Checkpoint)
	if err != nil {
		t.Fatal(err)
	}
	if from == nil || from.Epoch != 2 || from.Batches != 3 || from.Images != 96 {
		t.Fatalf("progress %+v, want epoch 2 after 3 batches of 32", from)
	}
	if st := second.State(); st.Epoch != 1 || st.Step != 8+3 {
		t.Fatalf("state after resume: epoch %d step %d, want 1 and 11", st.Epoch, st.Step)
	}
	if from.BatchSize != 32 {
		t.Fatalf("progress %+v, want batches of 32", from)
	}
	// Batches of another size would be other data: refused.
	other := data.Batches(BatchConfig{Size: 16, Shuffle: true, Seed: 3})
	if err := newLineTrainer(t, 3, "").FitGuarded(context.Background(), other, nil, from); err == nil || !strings.Contains(err.Error(), "batches of 16") {
		t.Fatalf("resume with batches of 16: %v", err)
	}
	tr, va = src()
	if err := second.FitGuarded(context.Background(), tr, va, from); err != nil {
		t.Fatal(err)
	}
	pa, pb := one.Model().Params(), second.Model().Params()
	for i := range pa {
		if !equalBits(pa[i].Value, pb[i].Value) {
			t.Fatalf("%s differs between the single run and the interrupted one", pa[i].Name)
		}
	}
	ha, hb := one.State().History, second.State().History
	if len(hb) != 3 {
		t.Fatalf("resumed history has %d epochs", len(hb))
	}
	for i := range ha {
		if ha[i].TrainLoss != hb[i].TrainLoss || ha[i].TrainAcc != hb[i].TrainAcc || ha[i].ValAcc != hb[i].ValAcc {
			t.Fatalf("epoch %d: %+v vs %+v", i+1, ha[i], hb[i])
		}
	}
	col := func(dir string) string {
		b, err := os.ReadFile(filepath.Join(dir, "metrics.csv"))
		if err != nil {
			t.Fatal(err)
		}
		var s []string
		for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			s = append(s, strings.Join(strings.Split(l, ",")[:3], ","))
		}
		return strings.Join(s, "\n")
	}
	if a, b := col(refDir), col(dir); a != b {
		t.Fatalf("metrics differ:\n%s\nvs\n%s", a, b)
	}
	// A checkpoint written at the end of an epoch has no position.
	if from, err := newLineTrainer(t, 3, "").ResumeGuarded(filepath.Join(dir, "last.safetensors")); err != nil || from != nil {
		t.Fatalf("end-of-run checkpoint: progress %+v, %v", from, err)
	}
}

// nanLoss is a loss whose value stays finite while its gradient poisons
// the weights: only a check of the weights catches it.
type nanLoss struct {
	CrossEntropy
	after int
	calls *int
}

func (l nanLoss) Eval(out *Tensor, labels []int, grad *Tensor) float64 {
	v := l.CrossEntropy.Eval(out, labels, grad)
	if grad != nil {
		*l.calls++
		if *l.calls > l.after {
			for i := range grad.Data {
				grad.Data[i] = float32(math.Inf(1))
			}
		}
	}
	return v
}

// TestFitGuardedDiverges checks both triggers of the divergence guard (a
// non-finite loss from a huge learning rate, finite loss but non-finite
// weights) and that the last good checkpoint is left untouched.
func TestFitGuardedDiverges(t *testing.T) {
	cases := []struct {
		name  string
		setup func(tr *Trainer)
		param bool
	}{
		{"huge learning rate", func(tr *Trainer) {
			tr.cfg.Schedule = stepAt{epoch: 2, lr: 1e30}
		}, false},
		{"poisoned weights", func(tr *Trainer) {
			tr.cfg.Loss = nanLoss{after: 8 + 2, calls: new(int)} // the 3rd step of epoch 2
		}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			data := linesData(256, 1)
			dir := t.TempDir()
			tr := newLineTrainer(t, 3, dir)
			c.setup(tr)
			err := tr.FitGuarded(context.Background(), data.Batches(BatchConfig{Size: 32, Shuffle: true, Seed: 3}), nil, nil)
			var de *DivergedError
			if !errors.As(err, &de) || !errors.Is(err, ErrDiverged) {
				t.Fatalf("got %v, want a DivergedError", err)
			}
			if de.Epoch != 2 || de.LastGood != filepath.Join(dir, "last.safetensors") || (c.param && de.Param == "") {
				t.Fatalf("%+v", de)
			}
			msg := err.Error()
			for _, want := range []string{"epoch 2", "step ", "lower"} {
				if !strings.Contains(msg, want) {
					t.Errorf("message %q lacks %q", msg, want)
				}
			}
			// The checkpoint of epoch 1 is the last good one: it loads,
			// holds finite weights and says epoch 1.
			last, err := os.ReadFile(de.LastGood)
			if err != nil {
				t.Fatal(err)
			}
			again := newLineTrainer(t, 3, "")
			if _, err := again.ResumeGuarded(de.LastGood); err != nil {
				t.Fatal(err)
			}
			if again.State().Epoch != 1 || nonFinite(again.Model()) != "" {
				t.Fatalf("last checkpoint: epoch %d, non-finite %q", again.State().Epoch, nonFinite(again.Model()))
			}
			best, _ := os.ReadFile(filepath.Join(dir, "best.safetensors"))
			if !bytes.Equal(best, last) {
				t.Fatal("best.safetensors is not the epoch-1 checkpoint")
			}
		})
	}
}

// stepAt is a schedule that jumps to lr at epoch.
type stepAt struct {
	epoch int
	lr    float64
}

func (s stepAt) LR(base float64, e, _ int) float64 {
	if e >= s.epoch {
		return s.lr
	}
	return base
}

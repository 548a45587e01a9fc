package cnn

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"time"
)

// MetaProgress is the metadata key of a checkpoint written in the middle
// of an epoch by FitGuarded: the position reached in the epoch and its
// running totals, as JSON (see EpochProgress).
const MetaProgress = "cnnpipe.progress"

// EpochProgress is the part of an epoch done when a run was interrupted:
// the first Batches batches of epoch Epoch were trained on, with the given
// running totals. It is saved in the checkpoint written on interruption, so
// that a resumed run skips those batches and reports the same epoch
// statistics as an uninterrupted one.
type EpochProgress struct {
	Epoch   int     `json:"epoch"`
	Batches int     `json:"batches"`
	Images  int     `json:"images"`
	Correct int     `json:"correct"`
	LossSum float64 `json:"loss_sum"`
	Seconds float64 `json:"seconds"`
	// BatchSize is the size of the epoch's first batch: a resumed run
	// whose source gives batches of another size would see other data.
	BatchSize int `json:"batch_size"`
}

// InterruptedError is returned by FitGuarded when its context is cancelled:
// the run stopped after Batch training steps of epoch Epoch (the current
// step, if any, was completed) and its state was saved in Checkpoint.
type InterruptedError struct {
	Epoch, Batch int
	// Checkpoint is the path of the checkpoint written, or "" when the
	// trainer has no output directory.
	Checkpoint string
	// Err is the context's error.
	Err error
}

// Error says where the run stopped and where its state is.
func (e *InterruptedError) Error() string {
	s := fmt.Sprintf("interrupted in epoch %d after %d batches", e.Epoch, e.Batch)
	if e.Checkpoint != "" {
		s += "; state saved in " + e.Checkpoint
	}
	return s
}

// Unwrap returns the context's error.
func (e *InterruptedError) Unwrap() error { return e.Err }

// DivergedError is returned by FitGuarded when the loss or a weight becomes
// NaN or infinite. Nothing is written after the step that diverged: the
// checkpoints in the output directory are those of the last good epoch
// (or interruption).
type DivergedError struct {
	// Epoch and Batch locate the step (counting from 1); Step is the
	// number of the step in the whole run.
	Epoch, Batch int
	Step         uint64
	// Loss is the step's loss.
	Loss float64
	// Param names the first parameter holding a non-finite value, or ""
	// when only the loss is.
	Param string
	// LR is the learning rate of the step.
	LR float64
	// LastGood is the checkpoint left from before the divergence, or ""
	// if none was written.
	LastGood string
}

// Error names the step, what is not finite, and suggests a lower learning
// rate.
func (e *DivergedError) Error() string {
	what := fmt.Sprintf("the loss is %v", e.Loss)
	if e.Param != "" {
		what = fmt.Sprintf("the loss is %v and parameter %s is not finite", e.Loss, e.Param)
	}
	s := fmt.Sprintf("training diverged at epoch %d, step %d of the epoch (step %d of the run): %s; learning rate %.3g is probably too high, try a lower one (e.g. %.3g)",
		e.Epoch, e.Batch, e.Step, what, e.LR, e.LR/10)
	if e.LastGood != "" {
		s += "; the last good checkpoint is kept: " + e.LastGood
	}
	return s
}

// Unwrap returns ErrDiverged.
func (e *DivergedError) Unwrap() error { return ErrDiverged }

// nonFinite returns the name of the first parameter (or buffer) of m that
// holds a NaN or an infinity, or "".
func nonFinite(m *Sequential) string {
	for _, p := range m.Params() {
		for _, v := range p.Value {
			if v-v != 0 { // NaN or ±Inf
				return p.Name
			}
		}
	}
	return ""
}

// ResumeGuarded is Resume that also returns the position within an epoch
// saved by FitGuarded on interruption (MetaProgress), or nil when the
// checkpoint was written at the end of an epoch. Passing it to FitGuarded
// continues with the next batch.
func (t *Trainer) ResumeGuarded(path string) (*EpochProgress, error) {
	if err := t.Resume(path); err != nil {
		return nil, err
	}
	c, err := LoadCheckpoint(path)
	if err != nil {
		return nil, err
	}
	js, ok := c.Metadata[MetaProgress]
	if !ok {
		return nil, nil
	}
	var p EpochProgress
	if err := json.Unmarshal([]byte(js), &p); err != nil || p.Epoch != t.state.Epoch+1 || p.Batches < 0 || p.Images < 0 {
		return nil, fmt.Errorf("cnn: %s: %w: bad %s %q", path, ErrCheckpoint, MetaProgress, js)
	}
	return &p, nil
}

// saveProgress writes a training checkpoint holding p to path.
func (t *Trainer) saveProgress(path string, p EpochProgress) error {
	tmp := path + ".partial"
	if err := t.SaveCheckpoint(tmp); err != nil {
		return err
	}
	defer os.Remove(tmp)
	c, err := LoadCheckpoint(tmp)
	if err != nil {
		return err
	}
	js, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("cnn: progress: %w", err)
	}
	c.Metadata[MetaProgress] = string(js)
	data, err := c.Encode()
	if err != nil {
		return err
	}
	return WriteFileAtomic(path, data)
}

// FitGuarded is Fit made safe for long runs:
//
//   - When ctx is cancelled (Ctrl-C), it completes the current step, writes
//     last.safetensors into the output directory with the position reached
//     in the epoch (MetaProgress), and returns an *InterruptedError wrapping
//     ctx's error. ResumeGuarded on that file and FitGuarded from its position with the same
//     sources continue with the next batch: the skipped batches are drawn
//     from the source and dropped, so a Source must give the same batches
//     for the same epoch (as sources that shuffle from (seed, epoch) do).
//     An interrupted and resumed run then ends with the same weights and
//     metrics as an uninterrupted one.
//   - After every step it checks the loss and every weight; a NaN or an
//     infinity stops training with a *DivergedError (wrapping ErrDiverged)
//     naming the epoch and step, and nothing more is written, so the
//     checkpoints in the output directory remain the last good ones.
//
// from is the position returned by ResumeGuarded (nil for a new run or a
// run resumed at the end of an epoch).
//
// train.Epoch is called with the epoch number; a Source that needs ctx to
// stop promptly should capture it (see pipeline.Loader.EpochContext).
func (t *Trainer) FitGuarded(ctx context.Context, train, val Source, from *EpochProgress) error {
	if t.cfg.OutDir != "" {
		if err := os.MkdirAll(t.cfg.OutDir, 0o755); err != nil {
			return fmt.Errorf("cnn: %w", err)
		}
	}
	last := ""
	if t.cfg.OutDir != "" {
		last = filepath.Join(t.cfg.OutDir, "last.safetensors")
	}
	lastGood := func() string {
		if last == "" {
			return ""
		}
		if _, err := os.Stat(last); err != nil {
			return ""
		}
		return last
	}
	for e := t.state.Epoch + 1; e <= t.cfg.Epochs; e++ {
		p := EpochProgress{Epoch: e}
		if from != nil && from.Epoch == e {
			p = *from
		}
		skip := p.Batches
		start := time.Now().Add(-time.Duration(p.Seconds * float64(time.Second)))
		lr := t.cfg.Schedule.LR(t.cfg.LR, e, t.cfg.Epochs)
		interrupt := func(err error) error {
			p.Seconds = time.Since(start).Seconds()
			ie := &InterruptedError{Epoch: e, Batch: p.Batches, Err: err}
			if last != "" {
				if werr := t.saveProgress(last, p); werr != nil {
					return errors.Join(ie, werr)
				}
				ie.Checkpoint = last
			}
			return ie
		}
		seen := 0
		for b, err := range train.Epoch(e) {
			if cerr := ctx.Err(); cerr != nil {
				return interrupt(cerr)
			}
			if err != nil {
				return fmt.Errorf("cnn: epoch %d: %w", e, err)
			}
			seen++
			if seen == 1 && p.BatchSize > 0 && len(b.Labels) != p.BatchSize && skip > 0 {
				return fmt.Errorf("cnn: epoch %d: the source gives batches of %d, the interrupted run had batches of %d", e, len(b.Labels), p.BatchSize)
			}
			if seen == 1 {
				p.BatchSize = len(b.Labels)
			}
			if seen <= skip {
				continue // trained on before the interruption
			}
			loss, c, err := t.TrainStep(b, lr)
			if err != nil {
				return fmt.Errorf("cnn: epoch %d batch %d: %w", e, p.Batches+1, err)
			}
			if bad := nonFinite(t.model); bad != "" || math.IsNaN(loss) || math.IsInf(loss, 0) {
				return &DivergedError{Epoch: e, Batch: p.Batches + 1, Step: t.model.step, Loss: loss, Param: bad, LR: lr, LastGood: lastGood()}
			}
			p.Batches++
			p.LossSum += loss * float64(len(b.Labels))
			p.Correct += c
			p.Images += len(b.Labels)
			if t.cfg.OnBatch != nil {
				t.cfg.OnBatch(BatchStats{Epoch: e, Batch: p.Batches, Images: p.Images, Loss: loss})
			}
		}
		if cerr := ctx.Err(); cerr != nil {
			return interrupt(cerr)
		}
		if seen < skip {
			return fmt.Errorf("cnn: epoch %d: the source gave %d batches, the interrupted run had trained on %d", e, seen, skip)
		}
		if p.Images == 0 {
			return fmt.Errorf("cnn: epoch %d: %w", e, ErrNoData)
		}
		trainSecs := time.Since(start).Seconds()
		n := float64(p.Images)
		st := EpochStats{Epoch: e, LR: lr, TrainLoss: p.LossSum / n, TrainAcc: float64(p.Correct) / n,
			ImagesPerSec: n / trainSecs}
		if err := t.endEpoch(ctx, val, st, start); err != nil {
			if cerr := ctx.Err(); cerr != nil {
				return interrupt(cerr)
			}
			return err
		}
	}
	return nil
}

package cnn

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// ErrDiverged is returned by Fit when the training loss becomes NaN or
// infinite; the last checkpoint written before stays the last good one.
var ErrDiverged = errors.New("training diverged (loss is NaN or infinite)")

// ErrNoData is returned by Fit when the training source yields no batch in
// an epoch.
var ErrNoData = errors.New("no training batches")

// TrainConfig configures a Trainer. Zero values mean the defaults given.
type TrainConfig struct {
	// Epochs is the total number of epochs of the run (0 = 10). A resumed
	// run continues until this epoch.
	Epochs int
	// Loss is the objective (nil = CrossEntropy). Cross-entropy is fused
	// with a final softmax layer: the loss is computed on its input.
	Loss Loss
	// Optimizer updates the weights (nil = Adam with default betas).
	Optimizer Optimizer
	// LR is the base learning rate (0 = 1e-3).
	LR float64
	// Schedule varies the learning rate per epoch (nil = ConstantLR).
	Schedule Schedule
	// OutDir, if not empty, receives metrics.csv, last.safetensors and
	// best.safetensors after every epoch (written to a temporary name and
	// renamed). It is created if needed.
	OutDir string
	// OnBatch, if not nil, is called after every training step.
	OnBatch func(BatchStats)
	// OnEpoch, if not nil, is called after every epoch, once its files are
	// written.
	OnEpoch func(EpochStats)
	// Metadata holds extra string entries for the header metadata of every
	// checkpoint the trainer writes, such as the class names under
	// MetaClasses. It is read each time a checkpoint is written, so entries
	// may be added after the Trainer is made; the keys the trainer writes
	// itself (MetaSpec, MetaState, ...) take precedence.
	Metadata map[string]string
}

// BatchStats reports one training step.
type BatchStats struct {
	Epoch, Batch int
	// Images is the number of images trained on so far in the epoch.
	Images int
	Loss   float64
}

// EpochStats is one row of metrics.csv.
type EpochStats struct {
	Epoch        int     `json:"epoch"`
	LR           float64 `json:"lr"`
	TrainLoss    float64 `json:"train_loss"`
	TrainAcc     float64 `json:"train_acc"`
	ValLoss      float64 `json:"val_loss"`
	ValAcc       float64 `json:"val_acc"`
	ImagesPerSec float64 `json:"images_per_sec"`
	Seconds      float64 `json:"seconds"`
	// Best is set when this epoch wrote best.safetensors.
	Best bool `json:"best,omitempty"`
}

// TrainState is the progress of a training run, saved in checkpoints so
// that a run can be resumed.
type TrainState struct {
	// Epoch is the number of completed epochs.
	Epoch int `json:"epoch"`
	// Step is the number of completed training steps.
	Step uint64 `json:"step"`
	// Seed is the model's seed (init and dropout).
	Seed uint64 `json:"seed"`
	// BestValAcc and BestEpoch describe the best epoch so far.
	BestValAcc float64 `json:"best_val_acc"`
	BestEpoch  int     `json:"best_epoch"`
	// History holds the statistics of every completed epoch.
	History []EpochStats `json:"history"`
}

// Trainer trains a Sequential model on mini-batches. It is not safe for
// concurrent use.
type Trainer struct {
	model *Sequential
	cfg   TrainConfig
	state TrainState
	grad  Tensor
	train []NamedParam
}

// NewTrainer returns a Trainer for m with the configuration cfg.
func NewTrainer(m *Sequential, cfg TrainConfig) *Trainer {
	if cfg.Epochs <= 0 {
		cfg.Epochs = 10
	}
	if cfg.Loss == nil {
		cfg.Loss = CrossEntropy{}
	}
	if cfg.Optimizer == nil {
		cfg.Optimizer = &Adam{}
	}
	if cfg.LR == 0 {
		cfg.LR = 1e-3
	}
	if cfg.Schedule == nil {
		cfg.Schedule = ConstantLR{}
	}
	return &Trainer{model: m, cfg: cfg, state: TrainState{Seed: m.seed, BestEpoch: 0, BestValAcc: -1}, train: m.TrainableParams()}
}

// Model returns the model being trained.
func (t *Trainer) Model() *Sequential { return t.model }

// State returns the run's progress.
func (t *Trainer) State() TrainState {
	s := t.state
	s.Step = t.model.step
	s.History = append([]EpochStats(nil), s.History...)
	return s
}

// end returns the number of layers run before the loss: a final softmax
// is fused into cross-entropy.
func (t *Trainer) end() int {
	n := len(t.model.layers)
	switch t.cfg.Loss.(type) {
	case CrossEntropy, *CrossEntropy:
		if t.model.endsWithSoftmax() {
			n--
		}
	}
	return n
}

func (t *Trainer) checkBatch(b Batch) error {
	if err := t.model.checkInput(b.X); err != nil {
		return err
	}
	if len(b.Labels) != b.X.Shape[0] {
		return fmt.Errorf("cnn: batch of %d images has %d labels", b.X.Shape[0], len(b.Labels))
	}
	k := t.model.shapes[len(t.model.shapes)-1].Size()
	for i, l := range b.Labels {
		if l < 0 || l >= k {
			return fmt.Errorf("cnn: label %d of sample %d is outside [0, %d)", l, i, k)
		}
	}
	return nil
}

// TrainStep runs one training step (forward, loss, backward, update) on b
// with learning rate lr, and returns the batch's mean loss and the number
// of correctly classified samples. It keeps no reference to b.
func (t *Trainer) TrainStep(b Batch, lr float64) (loss float64, correct int, err error) {
	if err := t.checkBatch(b); err != nil {
		return 0, 0, err
	}
	end := t.end()
	out := t.model.forward(b.X, true, end)
	loss = t.cfg.Loss.Eval(out, b.Labels, &t.grad)
	correct = argmaxCorrect(out, b.Labels)
	t.model.backward(&t.grad, end)
	t.cfg.Optimizer.Step(t.train, lr)
	return loss, correct, nil
}

// Evaluate returns the mean loss and the accuracy of the model (in
// evaluation mode) over the batches of epoch e of src.
func (t *Trainer) Evaluate(ctx context.Context, src Source, e int) (loss, acc float64, err error) {
	end := t.end()
	var sum float64
	n, correct := 0, 0
	for b, err := range src.Epoch(e) {
		if err != nil {
			return 0, 0, err
		}
		if err := ctx.Err(); err != nil {
			return 0, 0, err
		}
		if err := t.checkBatch(b); err != nil {
			return 0, 0, err
		}
		out := t.model.forward(b.X, false, end)
		sum += t.cfg.Loss.Eval(out, b.Labels, nil) * float64(len(b.Labels))
		correct += argmaxCorrect(out, b.Labels)
		n += len(b.Labels)
	}
	if n == 0 {
		return math.NaN(), math.NaN(), nil
	}
	return sum / float64(n), float64(correct) / float64(n), nil
}

// Fit trains from the epoch after the last completed one (1 for a new
// run) up to cfg.Epochs. After each epoch it evaluates on val (which may
// be nil), writes the output files when cfg.OutDir is set, and calls
// cfg.OnEpoch. It stops early with ctx's error when ctx is cancelled
// (between steps; the last epoch's checkpoint stays usable for Resume) and
// with ErrDiverged when the loss is not finite.
func (t *Trainer) Fit(ctx context.Context, train, val Source) error {
	if t.cfg.OutDir != "" {
		if err := os.MkdirAll(t.cfg.OutDir, 0o755); err != nil {
			return fmt.Errorf("cnn: %w", err)
		}
	}
	for e := t.state.Epoch + 1; e <= t.cfg.Epochs; e++ {
		start := time.Now()
		lr := t.cfg.Schedule.LR(t.cfg.LR, e, t.cfg.Epochs)
		var sum float64
		n, correct, batches := 0, 0, 0
		for b, err := range train.Epoch(e) {
			if err != nil {
				return fmt.Errorf("cnn: epoch %d: %w", e, err)
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			loss, c, err := t.TrainStep(b, lr)
			if err != nil {
				return fmt.Errorf("cnn: epoch %d batch %d: %w", e, batches+1, err)
			}
			if math.IsNaN(loss) || math.IsInf(loss, 0) {
				return fmt.Errorf("cnn: epoch %d batch %d: %w", e, batches+1, ErrDiverged)
			}
			batches++
			sum += loss * float64(len(b.Labels))
			correct += c
			n += len(b.Labels)
			if t.cfg.OnBatch != nil {
				t.cfg.OnBatch(BatchStats{Epoch: e, Batch: batches, Images: n, Loss: loss})
			}
		}
		if n == 0 {
			return fmt.Errorf("cnn: epoch %d: %w", e, ErrNoData)
		}
		trainSecs := time.Since(start).Seconds()
		st := EpochStats{Epoch: e, LR: lr, TrainLoss: sum / float64(n), TrainAcc: float64(correct) / float64(n),
			ImagesPerSec: float64(n) / trainSecs}
		if err := t.endEpoch(ctx, val, st, start); err != nil {
			return err
		}
	}
	return nil
}

// endEpoch completes epoch st.Epoch, whose training figures st holds:
// it evaluates on val (when not nil), keeps track of the best epoch,
// appends st to the history, writes the outputs and calls OnEpoch.
func (t *Trainer) endEpoch(ctx context.Context, val Source, st EpochStats, start time.Time) error {
	st.ValLoss, st.ValAcc = math.NaN(), math.NaN()
	if val != nil {
		var err error
		st.ValLoss, st.ValAcc, err = t.Evaluate(ctx, val, st.Epoch)
		if err != nil {
			return fmt.Errorf("cnn: epoch %d validation: %w", st.Epoch, err)
		}
	}
	score := st.ValAcc
	if math.IsNaN(score) {
		score = st.TrainAcc
	}
	if score > t.state.BestValAcc {
		t.state.BestValAcc, t.state.BestEpoch, st.Best = score, st.Epoch, true
	}
	st.Seconds = time.Since(start).Seconds()
	t.state.Epoch = st.Epoch
	t.state.History = append(t.state.History, st)
	if t.cfg.OutDir != "" {
		if err := t.writeOutputs(st.Best); err != nil {
			return err
		}
	}
	if t.cfg.OnEpoch != nil {
		t.cfg.OnEpoch(st)
	}
	return nil
}

// writeOutputs writes last.safetensors, best.safetensors (when best) and
// metrics.csv into the output directory.
func (t *Trainer) writeOutputs(best bool) error {
	dir := t.cfg.OutDir
	if err := t.SaveCheckpoint(filepath.Join(dir, "last.safetensors")); err != nil {
		return err
	}
	if best {
		if err := t.SaveCheckpoint(filepath.Join(dir, "best.safetensors")); err != nil {
			return err
		}
	}
	return WriteFileAtomic(filepath.Join(dir, "metrics.csv"), MetricsCSV(t.state.History))
}

// MetricsCSV formats epoch statistics as metrics.csv: a header and one row
// per epoch with the columns epoch, train_loss, train_acc, val_loss,
// val_acc, images_per_sec, seconds.
func MetricsCSV(rows []EpochStats) []byte {
	var b bytes.Buffer
	b.WriteString("epoch,train_loss,train_acc,val_loss,val_acc,images_per_sec,seconds\n")
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', 6, 64) }
	for _, r := range rows {
		fmt.Fprintf(&b, "%d,%s,%s,%s,%s,%s,%s\n", r.Epoch, f(r.TrainLoss), f(r.TrainAcc), f(r.ValLoss), f(r.ValAcc), f(r.ImagesPerSec), f(r.Seconds))
	}
	return b.Bytes()
}

// WriteFileAtomic writes data to a temporary file in path's directory and
// renames it to path, so readers never see a partial file.
func WriteFileAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("cnn: %s: %w", path, err)
	}
	tmp := f.Name()
	err = f.Chmod(0o644)
	if err == nil {
		_, err = f.Write(data)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("cnn: %s: %w", path, err)
	}
	return nil
}

// Confusion returns the confusion matrix of the model (in evaluation mode)
// over the batches of epoch e of src: m[label][prediction] counts.
func (t *Trainer) Confusion(ctx context.Context, src Source, e int) ([][]int, error) {
	k := t.model.shapes[len(t.model.shapes)-1].Size()
	m := make([][]int, k)
	for i := range m {
		m[i] = make([]int, k)
	}
	end := t.end()
	for b, err := range src.Epoch(e) {
		if err != nil {
			return nil, err
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if err := t.checkBatch(b); err != nil {
			return nil, err
		}
		out := t.model.forward(b.X, false, end)
		for i, l := range b.Labels {
			z := out.Data[i*k : (i+1)*k]
			best := 0
			for j, v := range z {
				if v > z[best] {
					best = j
				}
			}
			m[l][best]++
		}
	}
	return m, nil
}

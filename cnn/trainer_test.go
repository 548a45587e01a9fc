package cnn

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"iter"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// linesData returns n 12x12 images of a horizontal (label 0), vertical
// (label 1) or diagonal (label 2) line at a random position, with noise.
func linesData(n int, seed uint64) *MemoryDataset {
	r := rand.New(rand.NewPCG(seed, 0))
	d := &MemoryDataset{Shape: Shape{1, 12, 12}, Pixels: make([]uint8, n*144), Labels: make([]int, n)}
	for i := 0; i < n; i++ {
		img := d.Pixels[i*144 : (i+1)*144]
		for j := range img {
			img[j] = uint8(r.IntN(80))
		}
		l, p := r.IntN(3), 2+r.IntN(8)
		for k := 1; k < 11; k++ {
			switch l {
			case 0:
				img[p*12+k] = 220
			case 1:
				img[k*12+p] = 220
			case 2:
				img[k*12+k] = 220
			}
		}
		d.Labels[i] = l
	}
	return d
}

const lineSpec = `
name: lines
input: {height: 12, width: 12, channels: 1}
layers:
  - {type: conv2d, filters: 6, kernel: 3, padding: same, bias: false}
  - {type: batchnorm}
  - {type: relu}
  - {type: maxpool2d, size: 2}
  - {type: conv2d, filters: 8, kernel: 3, stride: 2, activation: relu}
  - {type: flatten}
  - {type: dropout, rate: 0.2}
  - {type: dense, units: 3, activation: softmax}
optimizer: {name: adam, lr: 0.01, schedule: {name: cosine}}
`

func newLineTrainer(t testing.TB, epochs int, dir string) *Trainer {
	s, err := ParseSpec([]byte(lineSpec))
	if err != nil {
		t.Fatal(err)
	}
	m, err := s.Build(42)
	if err != nil {
		t.Fatal(err)
	}
	opt, lr, sched, _ := s.NewOptimizer()
	return NewTrainer(m, TrainConfig{Epochs: epochs, Optimizer: opt, LR: lr, Schedule: sched, OutDir: dir})
}

func TestTrainerLearnsAndWritesOutputs(t *testing.T) {
	dir := t.TempDir()
	train := linesData(600, 1).Batches(BatchConfig{Size: 32, Shuffle: true, Seed: 5})
	val := linesData(200, 2).Batches(BatchConfig{Size: 50})
	var epochs []EpochStats
	tr := newLineTrainer(t, 4, dir)
	tr.cfg.OnEpoch = func(s EpochStats) { epochs = append(epochs, s) }
	if err := tr.Fit(context.Background(), train, val); err != nil {
		t.Fatal(err)
	}
	if len(epochs) != 4 {
		t.Fatalf("%d epochs reported", len(epochs))
	}
	last := epochs[3]
	if last.ValAcc < 0.9 || last.TrainLoss >= epochs[0].TrainLoss {
		t.Fatalf("did not learn: %+v then %+v", epochs[0], last)
	}
	csv, err := os.ReadFile(filepath.Join(dir, "metrics.csv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(csv)), "\n")
	if lines[0] != "epoch,train_loss,train_acc,val_loss,val_acc,images_per_sec,seconds" || len(lines) != 5 || !strings.HasPrefix(lines[4], "4,") {
		t.Fatalf("metrics.csv:\n%s", csv)
	}
	for _, f := range []string{"last.safetensors", "best.safetensors"} {
		if _, err := LoadModel(filepath.Join(dir, f)); err != nil {
			t.Fatal(err)
		}
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 3 {
		t.Fatalf("output directory holds %d entries (temporary files left?)", len(ents))
	}
}

// TestCheckpointRoundTrip saves a trained model and checks that the loaded
// copy gives bit-identical logits, in evaluation mode (running statistics).
func TestCheckpointRoundTrip(t *testing.T) {
	tr := newLineTrainer(t, 1, "")
	if err := tr.Fit(context.Background(), linesData(128, 1).Batches(BatchConfig{Size: 32}), nil); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "m.safetensors")
	if err := tr.Model().Save(path); err != nil {
		t.Fatal(err)
	}
	m2, err := LoadModel(path)
	if err != nil {
		t.Fatal(err)
	}
	var x Tensor
	for b := range linesData(20, 9).Batches(BatchConfig{Size: 20}).Epoch(1) {
		x = *b.X.Clone()
	}
	a, _ := tr.Model().Logits(&x)
	a = a.Clone()
	b, _ := m2.Logits(&x)
	if !equalBits(a.Data, b.Data) {
		t.Fatalf("logits differ after reload:\n%v\n%v", a.Data[:6], b.Data[:6])
	}
	if bn := m2.Layers()[1].(*BatchNorm); bn.NumBatchesTracked != 4 {
		t.Fatalf("num_batches_tracked %d, want 4", bn.NumBatchesTracked)
	}
}

func equalBits(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false
		}
	}
	return true
}

// TestResume checks that 2 epochs, then a resumed run to 4, end with the
// same weights and metrics as 4 epochs in one run (same seed): weights,
// optimizer moments, BatchNorm statistics, dropout and shuffle streams and
// the LR schedule all continue. With the cosine schedule (which depends on
// the total number of epochs) the first run is planned for 4 epochs and
// interrupted after 2, as by Ctrl-C; with a constant rate it is a run of 2
// epochs extended to 4.
func TestResume(t *testing.T) {
	for _, interrupt := range []bool{true, false} {
		t.Run(map[bool]string{true: "interrupted cosine", false: "extended constant"}[interrupt], func(t *testing.T) {
			testResume(t, interrupt)
		})
	}
}

func testResume(t *testing.T, interrupt bool) {
	data, val := linesData(256, 1), linesData(64, 2)
	src := func() (Source, Source) {
		return data.Batches(BatchConfig{Size: 32, Shuffle: true, Seed: 3}), val.Batches(BatchConfig{Size: 64})
	}
	mk := func(epochs int, dir string) *Trainer {
		tr := newLineTrainer(t, epochs, dir)
		if !interrupt {
			tr.cfg.Schedule = ConstantLR{}
		}
		return tr
	}
	one := mk(4, "")
	tr, va := src()
	if err := one.Fit(context.Background(), tr, va); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var first *Trainer
	if interrupt {
		first = mk(4, dir)
		first.cfg.OnEpoch = func(s EpochStats) {
			if s.Epoch == 2 {
				cancel()
			}
		}
	} else {
		first = mk(2, dir)
	}
	tr, va = src()
	if err := first.Fit(ctx, tr, va); err != nil && !(interrupt && errors.Is(err, context.Canceled)) {
		t.Fatal(err)
	}
	second := mk(4, dir)
	second.Model().Init(999) // the checkpoint must restore everything
	if err := second.Resume(filepath.Join(dir, "last.safetensors")); err != nil {
		t.Fatal(err)
	}
	tr, va = src()
	if err := second.Fit(context.Background(), tr, va); err != nil {
		t.Fatal(err)
	}
	pa, pb := one.Model().Params(), second.Model().Params()
	for i := range pa {
		if !equalBits(pa[i].Value, pb[i].Value) {
			t.Fatalf("%s differs between the single run and the resumed run", pa[i].Name)
		}
	}
	ha, hb := one.State().History, second.State().History
	if len(hb) != 4 {
		t.Fatalf("resumed history has %d epochs", len(hb))
	}
	for i := range ha {
		if ha[i].TrainLoss != hb[i].TrainLoss || ha[i].ValAcc != hb[i].ValAcc || ha[i].LR != hb[i].LR {
			t.Fatalf("epoch %d: %+v vs %+v", i+1, ha[i], hb[i])
		}
	}
	csv, _ := os.ReadFile(filepath.Join(dir, "metrics.csv"))
	if n := strings.Count(string(csv), "\n"); n != 5 {
		t.Fatalf("metrics.csv after resume has %d lines:\n%s", n, csv)
	}
}

func TestSafetensorsLayout(t *testing.T) {
	tr := newLineTrainer(t, 1, "")
	path := filepath.Join(t.TempDir(), "c.safetensors")
	if err := tr.SaveCheckpoint(path); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	n := binary.LittleEndian.Uint64(data)
	if n%8 != 0 || int(n)+8 > len(data) {
		t.Fatalf("header length %d", n)
	}
	var hdr map[string]json.RawMessage
	if err := json.Unmarshal(data[8:8+n], &hdr); err != nil {
		t.Fatal(err)
	}
	var w struct {
		DType       string   `json:"dtype"`
		Shape       []int    `json:"shape"`
		DataOffsets []uint64 `json:"data_offsets"`
	}
	json.Unmarshal(hdr["0.weight"], &w)
	if w.DType != "F32" || len(w.Shape) != 4 || w.Shape[0] != 6 || w.Shape[1] != 1 || w.DataOffsets[1]-w.DataOffsets[0] != 6*9*4 {
		t.Fatalf("0.weight entry %+v", w)
	}
	var meta map[string]string
	json.Unmarshal(hdr["__metadata__"], &meta)
	if meta["format"] != "pt" || !strings.Contains(meta[MetaSpec], `"conv2d"`) || !strings.Contains(meta[MetaState], `"epoch"`) {
		t.Fatalf("metadata %v", meta)
	}
	for _, name := range []string{"1.running_mean", "1.running_var", "1.num_batches_tracked", "optimizer.exp_avg.0.weight"} {
		if _, ok := hdr[name]; !ok && name != "optimizer.exp_avg.0.weight" {
			t.Errorf("no tensor %s", name)
		}
	}
	if _, ok := hdr["2.weight"]; ok {
		t.Error("a ReLU has a weight")
	}
}

// encodeRaw builds a safetensors file from a header string and data.
func encodeRaw(header string, data []byte) []byte {
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	return append(append(b, header...), data...)
}

func TestReadCheckpointMalformed(t *testing.T) {
	huge := binary.LittleEndian.AppendUint64(nil, 1<<62)
	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "too short"},
		{"header larger than limit", append(huge, '{', '}'), "limit"},
		{"header larger than file", encodeRaw(`{}`, nil)[:9], "exceeds the file"},
		{"not json", encodeRaw(`hello!!!`, nil), "not a JSON object"},
		{"broken json", encodeRaw(`{"a":`, nil), "header"},
		{"metadata not strings", encodeRaw(`{"__metadata__":{"a":1}}`, nil), "__metadata__"},
		{"bad dtype", encodeRaw(`{"w":{"dtype":"F16","shape":[1],"data_offsets":[0,2]}}`, make([]byte, 2)), "unsupported dtype"},
		{"offsets beyond data", encodeRaw(`{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}`, make([]byte, 8)), "outside"},
		{"offsets reversed", encodeRaw(`{"w":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}}`, make([]byte, 8)), "outside"},
		{"shape vs offsets", encodeRaw(`{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}`, make([]byte, 8)), "needs 12 bytes"},
		{"huge shape", encodeRaw(`{"w":{"dtype":"F32","shape":[4,4611686018427387904,4],"data_offsets":[0,8]}}`, make([]byte, 8)), "bad dimension"},
		{"overflowing shape", encodeRaw(`{"w":{"dtype":"F32","shape":[8,8,8,8,8,8,8,8,8,8,8,8,8,8,8,8,8,8,8,8,8,8],"data_offsets":[0,8]}}`, make([]byte, 8)), "larger than the file"},
		{"negative dim", encodeRaw(`{"w":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}`, make([]byte, 8)), "bad dimension"},
		{"overlap", encodeRaw(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, make([]byte, 8)), "overlap"},
		{"unknown entry field", encodeRaw(`{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"x":1}}`, make([]byte, 4)), "unknown field"},
		{"three offsets", encodeRaw(`{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4,4]}}`, make([]byte, 4)), "data_offsets"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ReadCheckpoint(c.data)
			if err == nil || !errors.Is(err, ErrCheckpoint) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want ErrCheckpoint mentioning %q", err, c.want)
			}
		})
	}
}

func TestCheckpointMismatch(t *testing.T) {
	tr := newLineTrainer(t, 1, "")
	dir := t.TempDir()
	weights := filepath.Join(dir, "w.safetensors")
	if err := tr.Model().Save(weights); err != nil {
		t.Fatal(err)
	}
	// A weights-only file cannot resume a run.
	if err := newLineTrainer(t, 2, "").Resume(weights); err == nil || !strings.Contains(err.Error(), "w.safetensors") || !strings.Contains(err.Error(), "training state") {
		t.Fatalf("resume from weights: %v", err)
	}
	c, _ := LoadCheckpoint(weights)
	other, _ := NewSequential(Shape{1, 12, 12}, NewConv2D(Conv2DConfig{Filters: 5, Kernel: 3}))
	if err := other.LoadWeights(c); err == nil || !strings.Contains(err.Error(), "0.weight") {
		t.Fatalf("wrong shape: %v", err)
	}
	delete(c.Tensors, "4.bias")
	if err := tr.Model().LoadWeights(c); err == nil || !strings.Contains(err.Error(), "missing tensor 4.bias") {
		t.Fatalf("missing: %v", err)
	}
	c, _ = LoadCheckpoint(weights)
	c.add("99.weight", &CheckpointTensor{DType: "F32", Shape: []int{1}, F32: []float32{1}})
	if err := tr.Model().LoadWeights(c); err == nil || !strings.Contains(err.Error(), "unexpected tensor 99.weight") {
		t.Fatalf("extra: %v", err)
	}
	// Corrupt spec metadata.
	c, _ = LoadCheckpoint(weights)
	c.Metadata[MetaSpec] = `{"layers": 3}`
	data, _ := c.Encode()
	bad := filepath.Join(dir, "bad.safetensors")
	os.WriteFile(bad, data, 0o644)
	if _, err := LoadModel(bad); err == nil || !errors.Is(err, ErrCheckpoint) || !strings.Contains(err.Error(), "bad.safetensors") {
		t.Fatalf("bad spec: %v", err)
	}
	// Truncated file.
	full, _ := os.ReadFile(weights)
	os.WriteFile(bad, full[:len(full)-3], 0o644)
	if _, err := LoadModel(bad); err == nil || !errors.Is(err, ErrCheckpoint) {
		t.Fatalf("truncated: %v", err)
	}
	if _, err := LoadModel(filepath.Join(dir, "none")); err == nil {
		t.Fatal("missing file: no error")
	}
}

func TestFitErrors(t *testing.T) {
	tr := newLineTrainer(t, 1, "")
	empty := &MemoryDataset{Shape: Shape{1, 12, 12}}
	if err := tr.Fit(context.Background(), empty.Batches(BatchConfig{}), nil); !errors.Is(err, ErrNoData) {
		t.Fatalf("empty: %v", err)
	}
	bad := linesData(10, 1)
	bad.Labels[3] = 7
	if err := tr.Fit(context.Background(), bad.Batches(BatchConfig{}), nil); err == nil || !strings.Contains(err.Error(), "label 7") {
		t.Fatalf("bad label: %v", err)
	}
	wrong := &MemoryDataset{Shape: Shape{1, 8, 8}, Pixels: make([]uint8, 64), Labels: []int{0}}
	if err := tr.Fit(context.Background(), wrong.Batches(BatchConfig{}), nil); !errors.Is(err, ErrShape) {
		t.Fatalf("wrong shape: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := tr.Fit(ctx, linesData(10, 1).Batches(BatchConfig{}), nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
	// Divergence: a huge learning rate on MSE blows up.
	s, _ := ParseSpec([]byte(lineSpec))
	m, _ := s.Build(1)
	div := NewTrainer(m, TrainConfig{Epochs: 3, Optimizer: &SGD{}, LR: 1e30, Loss: MSE{}})
	if err := div.Fit(context.Background(), linesData(64, 1).Batches(BatchConfig{Size: 8}), nil); !errors.Is(err, ErrDiverged) {
		t.Fatalf("diverged: %v", err)
	}
	srcErr := errors.New("disk on fire")
	ch := make(chan Batch)
	errc := make(chan error, 1)
	close(ch)
	errc <- srcErr
	if err := tr.Fit(context.Background(), SourceFunc(func(int) iter.Seq2[Batch, error] { return ChannelBatches(ch, nil, errc) }), nil); !errors.Is(err, srcErr) {
		t.Fatalf("source error: %v", err)
	}
}

// TestSameResultsOnAnyCoreCount trains on one worker and on all of them and
// checks that the weights are bit-identical: reductions run over fixed
// groups of samples, not over per-core partitions.
func TestSameResultsOnAnyCoreCount(t *testing.T) {
	train := func(limit int) []NamedParam {
		workerLimit = limit
		defer func() { workerLimit = 0 }()
		tr := newLineTrainer(t, 2, "")
		if err := tr.Fit(context.Background(), linesData(200, 1).Batches(BatchConfig{Size: 40, Shuffle: true, Seed: 1}), nil); err != nil {
			t.Fatal(err)
		}
		return tr.Model().Params()
	}
	one, all := train(1), train(0)
	for i := range one {
		if !equalBits(one[i].Value, all[i].Value) {
			t.Fatalf("%s differs between 1 and %d workers", one[i].Name, workers())
		}
	}
}

// TestChannelBatches feeds a trainer from a producer goroutine through a
// channel, one channel per epoch, recycling two batch buffers through the
// free channel (run it with -race).
func TestChannelBatches(t *testing.T) {
	data := linesData(96, 1)
	src := SourceFunc(func(e int) iter.Seq2[Batch, error] {
		ch := make(chan Batch, 1)
		free := make(chan Batch, 2)
		errc := make(chan error, 1)
		for i := 0; i < 2; i++ {
			free <- Batch{X: NewTensor(32, 1, 12, 12), Labels: make([]int, 32)}
		}
		go func() {
			defer close(ch)
			for lo := 0; lo < 96; lo += 32 {
				b := <-free
				for i := range b.X.Data {
					b.X.Data[i] = float32(data.Pixels[lo*144+i]) * (1.0 / 255)
				}
				copy(b.Labels, data.Labels[lo:lo+32])
				ch <- b
			}
			errc <- nil
		}()
		return ChannelBatches(ch, free, errc)
	})
	tr := newLineTrainer(t, 2, "")
	if err := tr.Fit(context.Background(), src, nil); err != nil {
		t.Fatal(err)
	}
	// The same data from memory gives the same weights.
	ref := newLineTrainer(t, 2, "")
	if err := ref.Fit(context.Background(), data.Batches(BatchConfig{Size: 32}), nil); err != nil {
		t.Fatal(err)
	}
	pa, pb := tr.Model().Params(), ref.Model().Params()
	for i := range pa {
		if !equalBits(pa[i].Value, pb[i].Value) {
			t.Fatalf("%s differs between channel and memory sources", pa[i].Name)
		}
	}
}

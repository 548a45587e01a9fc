package cnn_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/cnnpipe/cnnpipe/cnn"
	"github.com/cnnpipe/cnnpipe/internal/cputime"
	"github.com/cnnpipe/cnnpipe/models"
)

func benchModel(b *testing.B, name string) (*cnn.Sequential, *cnn.Trainer) {
	spec, err := models.Open(name)
	if err != nil {
		b.Fatal(err)
	}
	m, err := spec.Build(1)
	if err != nil {
		b.Fatal(err)
	}
	opt, lr, sched, _ := spec.NewOptimizer()
	return m, cnn.NewTrainer(m, cnn.TrainConfig{Optimizer: opt, LR: lr, Schedule: sched})
}

func randomBatch(m *cnn.Sequential, n int) cnn.Batch {
	in := m.InputShape()
	x := cnn.NewTensor(append([]int{n}, in...)...)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range x.Data {
		x.Data[i] = float32(r.IntN(256)) / 255
	}
	labels := make([]int, n)
	for i := range labels {
		labels[i] = r.IntN(m.OutputShape()[0])
	}
	return cnn.Batch{X: x, Labels: labels}
}

// benchTrainStep measures one training step (forward, loss, backward, Adam
// update) at batch 64 and reports images/sec; allocs/op shows that a warm
// step does not allocate.
func benchTrainStep(b *testing.B, name string) {
	m, tr := benchModel(b, name)
	batch := randomBatch(m, 64)
	for i := 0; i < 2; i++ { // warm up: buffers grow to their final size
		if _, _, err := tr.TrainStep(batch, 1e-3); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	c0 := cpuTime()
	for i := 0; i < b.N; i++ {
		tr.TrainStep(batch, 1e-3)
	}
	b.ReportMetric(float64(64*b.N)/b.Elapsed().Seconds(), "images/sec")
	reportCPU(b, c0, 64)
}

// reportCPU reports the process CPU time per image (all threads): on a
// shared machine it is steadier than the wall-clock images/sec.
func reportCPU(b *testing.B, c0 time.Duration, perOp int) {
	if c := cpuTime() - c0; c > 0 {
		b.ReportMetric(float64(c.Microseconds())/float64(perOp*b.N), "cpu-µs/image")
	}
}

func BenchmarkTrainStepSeed(b *testing.B)  { benchTrainStep(b, "seed") }
func BenchmarkTrainStepLeNet(b *testing.B) { benchTrainStep(b, "lenet") }
func BenchmarkTrainStepBN(b *testing.B)    { benchTrainStep(b, "bn") }

// benchInfer measures evaluation-mode forward passes at batch 256.
func benchInfer(b *testing.B, name string) {
	m, _ := benchModel(b, name)
	batch := randomBatch(m, 256)
	m.Predict(batch.X)
	b.ReportAllocs()
	b.ResetTimer()
	c0 := cpuTime()
	for i := 0; i < b.N; i++ {
		m.Predict(batch.X)
	}
	b.ReportMetric(float64(256*b.N)/b.Elapsed().Seconds(), "images/sec")
	reportCPU(b, c0, 256)
}

func BenchmarkInferSeed(b *testing.B)  { benchInfer(b, "seed") }
func BenchmarkInferLeNet(b *testing.B) { benchInfer(b, "lenet") }

// cpuTime returns the process's user+system CPU time.
var cpuTime = cputime.Process

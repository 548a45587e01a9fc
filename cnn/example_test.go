package cnn_test

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/cnnpipe/cnnpipe/cnn"
)

// Build a small CNN in Go code and print its summary.
func ExampleNewSequential() {
	m, err := cnn.NewSequential(cnn.Shape{1, 28, 28},
		cnn.NewConv2D(cnn.Conv2DConfig{Filters: 8, Kernel: 3, Padding: cnn.Same}),
		cnn.NewBatchNorm(cnn.BatchNormConfig{}),
		cnn.NewReLU(),
		cnn.NewMaxPool2D(cnn.PoolConfig{Size: 2}),
		cnn.NewConv2D(cnn.Conv2DConfig{Filters: 16, Kernel: 3, Stride: 2}),
		cnn.NewReLU(),
		cnn.NewGlobalAvgPool2D(),
		cnn.NewDropout(0.2),
		cnn.NewDense(cnn.DenseConfig{Units: 10}),
	)
	if err != nil {
		panic(err)
	}
	m.Init(7)
	fmt.Print(m.Summary())
	// Output:
	// Model: "sequential"  input (None, 1, 28, 28)
	// ────────────────────────────────────────────────────────────────
	// Layer (type)                 Output Shape                Param #
	// ════════════════════════════════════════════════════════════════
	// 0 (conv2d)                   (None, 8, 28, 28)                80
	// 1 (batchnorm)                (None, 8, 28, 28)                32
	// 2 (relu)                     (None, 8, 28, 28)                 0
	// 3 (maxpool2d)                (None, 8, 14, 14)                 0
	// 4 (conv2d)                   (None, 16, 6, 6)              1,168
	// 5 (relu)                     (None, 16, 6, 6)                  0
	// 6 (globalavgpool2d)          (None, 16)                        0
	// 7 (dropout)                  (None, 16)                        0
	// 8 (dense)                    (None, 10)                      170
	// ────────────────────────────────────────────────────────────────
	// Total params: 1,450
	// Trainable params: 1,434
	// Non-trainable params: 16
}

// Build a model from a YAML spec; a layer that does not fit its input is
// reported with its index and shapes.
func ExampleParseSpec() {
	spec, err := cnn.ParseSpec([]byte(`
name: small
input: {height: 32, width: 32, channels: 3}
layers:
  - {type: conv2d, filters: 16, kernel: 3, padding: same, activation: relu}
  - {type: maxpool2d, size: 2}
  - {type: flatten}
  - {type: dense, units: 10, activation: softmax}
loss: cross_entropy
optimizer: {name: sgd, lr: 0.05, momentum: 0.9, nesterov: true, schedule: {name: cosine}}
`))
	if err != nil {
		panic(err)
	}
	m, err := spec.Build(1)
	if err != nil {
		panic(err)
	}
	trainable, _ := m.NumParams()
	fmt.Println(m.Name(), m.InputShape(), "->", m.OutputShape(), trainable, "parameters")
	for _, p := range m.Params() {
		fmt.Println(p.Name, p.Shape)
	}

	bad, _ := cnn.ParseSpec([]byte("input: {height: 32, width: 32}\nlayers: [{type: conv2d, filters: 4, kernel: 3}, {type: dense, units: 2}]\n"))
	_, err = bad.Build(1)
	fmt.Println(err)
	// Output:
	// small (None, 3, 32, 32) -> (None, 10) 41418 parameters
	// 0.weight [16 3 3 3]
	// 0.bias [16]
	// 4.weight [10 4096]
	// 4.bias [10]
	// layer 1 (dense): input shape (None, 4, 30, 30): want a vector [features]; add a flatten layer before it
}

// Train a model on an in-memory dataset. Any Source works: the batches may
// come from a channel pipeline instead (see ChannelBatches).
func ExampleTrainer_Fit() {
	// 200 4x4 images: label 1 when the top half is brighter.
	r := rand.New(rand.NewPCG(1, 1))
	data := &cnn.MemoryDataset{Shape: cnn.Shape{1, 4, 4}, Pixels: make([]uint8, 200*16), Labels: make([]int, 200)}
	for i := range data.Labels {
		data.Labels[i] = r.IntN(2)
		for j := 0; j < 16; j++ {
			v := r.IntN(100)
			if (j < 8) == (data.Labels[i] == 1) {
				v += 150
			}
			data.Pixels[i*16+j] = uint8(v)
		}
	}
	m, _ := cnn.NewSequential(cnn.Shape{1, 4, 4}, cnn.NewFlatten(), cnn.NewDense(cnn.DenseConfig{Units: 2}))
	tr := cnn.NewTrainer(m, cnn.TrainConfig{Epochs: 5, LR: 0.05})
	train := data.Batches(cnn.BatchConfig{Size: 20, Shuffle: true, Seed: 1})
	if err := tr.Fit(context.Background(), train, train); err != nil {
		panic(err)
	}
	h := tr.State().History
	fmt.Println(len(h), "epochs, accuracy above 95%:", h[len(h)-1].ValAcc > 0.95)
	// Output:
	// 5 epochs, accuracy above 95%: true
}

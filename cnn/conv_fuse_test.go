package cnn

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestConvPoolFusion checks that a Sequential running convolution and the
// max pooling after it fused, sample by sample, computes the same output
// and gradients as the layers run one by one in their written order.
func TestConvPoolFusion(t *testing.T) {
	for _, tc := range []struct {
		name string
		pool PoolConfig
		bias bool
	}{
		{"2x2", PoolConfig{Size: 2}, true},
		{"3x3 stride 2 (overlapping)", PoolConfig{Size: 3, Stride: 2}, true},
		{"2x3 no bias", PoolConfig{Size: 2, SizeW: 3}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			build := func() (*Sequential, []Layer) {
				layers := []Layer{
					NewConv2D(Conv2DConfig{Filters: 3, Kernel: 3, Padding: Same}),
					act(ReLU, 0),
					NewMaxPool2D(tc.pool),
					NewConv2D(Conv2DConfig{Filters: 5, Kernel: 2, NoBias: !tc.bias}),
					NewMaxPool2D(tc.pool),
					NewFlatten(),
					NewDense(DenseConfig{Units: 3}),
				}
				m, err := NewSequential(Shape{2, 13, 12}, layers...)
				if err != nil {
					t.Fatal(err)
				}
				return m, layers
			}
			fused, _ := build()
			plain, layers := build()
			if !fused.fused[0] || !fused.fused[3] {
				t.Fatalf("fused = %v, want the convolutions fused with their pooling", fused.fused)
			}
			rng := rand.New(rand.NewPCG(5, 7))
			x := NewTensor(5, 2, 13, 12)
			for i := range x.Data {
				x.Data[i] = float32(rng.NormFloat64())
			}
			for _, p := range fused.Params() {
				for i := range p.Value {
					p.Value[i] = float32(rng.NormFloat64()) * 0.5
				}
			}
			for i, p := range plain.Params() {
				copy(p.Value, fused.Params()[i].Value)
			}
			labels := []int{0, 1, 2, 1, 0}
			loss := CrossEntropy{}
			g1, g2 := &Tensor{}, &Tensor{}
			y1 := fused.Forward(x, true)
			loss.Eval(y1, labels, g1)
			fused.Backward(g1)
			y2 := x
			for _, l := range layers {
				y2 = l.Forward(y2, true)
			}
			loss.Eval(y2, labels, g2)
			dy := g2
			for i := len(layers) - 1; i >= 0; i-- {
				dy = layers[i].Backward(dy)
			}
			near := func(what string, a, b []float32) {
				t.Helper()
				if len(a) != len(b) {
					t.Fatalf("%s: %d values, want %d", what, len(a), len(b))
				}
				for i := range a {
					if d := math.Abs(float64(a[i] - b[i])); d > 1e-4*(1+math.Abs(float64(b[i]))) {
						t.Fatalf("%s[%d] = %g, unfused %g", what, i, a[i], b[i])
					}
				}
			}
			near("output", y1.Data, y2.Data)
			for i, p := range fused.Params() {
				near(p.Name+" grad", p.Grad, plain.Params()[i].Grad)
			}
		})
	}
}

// TestConvPoolFusionDeterministic checks that the fused convolution and
// pooling give bit-identical gradients on one worker and on all, and that
// a warm fused step allocates nothing.
func TestConvPoolFusionDeterministic(t *testing.T) {
	build := func() *Sequential {
		m, err := NewSequential(Shape{1, 20, 18},
			NewConv2D(Conv2DConfig{Filters: 4, Kernel: 5}),
			act(ReLU, 0),
			NewMaxPool2D(PoolConfig{Size: 2}),
			NewConv2D(Conv2DConfig{Filters: 8, Kernel: 3, Padding: Same}),
			act(ReLU, 0),
			NewMaxPool2D(PoolConfig{Size: 2}),
			NewFlatten(),
			NewDense(DenseConfig{Units: 3}),
		)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	rng := rand.New(rand.NewPCG(8, 9))
	x := NewTensor(40, 1, 20, 18)
	for i := range x.Data {
		x.Data[i] = float32(rng.NormFloat64())
	}
	labels := make([]int, 40)
	for i := range labels {
		labels[i] = rng.IntN(3)
	}
	grads := func(limit int) [][]float32 {
		workerLimit = limit
		defer func() { workerLimit = 0 }()
		m := build()
		g := &Tensor{}
		CrossEntropy{}.Eval(m.Forward(x, true), labels, g)
		m.Backward(g)
		var out [][]float32
		for _, p := range m.Params() {
			out = append(out, append([]float32(nil), p.Grad...))
		}
		if testing.CoverMode() == "" && !raceEnabled {
			step := func() {
				CrossEntropy{}.Eval(m.Forward(x, true), labels, g)
				m.Backward(g)
			}
			if n := testing.AllocsPerRun(5, step); n != 0 {
				t.Errorf("fused step: %v allocations", n)
			}
		}
		return out
	}
	one, all := grads(1), grads(0)
	for i := range one {
		if !equalBits(one[i], all[i]) {
			t.Fatalf("gradient %d differs between 1 and %d workers", i, workers())
		}
	}
}

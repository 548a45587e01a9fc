package cnn

import (
	"math"
	"testing"
)

func oneParam(w float32) []NamedParam {
	return []NamedParam{{Name: "0.weight", Param: &Param{Name: "weight", Value: []float32{w}, Grad: []float32{0}}}}
}

// TestOptimizerSteps checks each optimizer against updates computed by hand
// (see the comments) for a single weight.
func TestOptimizerSteps(t *testing.T) {
	cases := []struct {
		name  string
		opt   Optimizer
		w0    float32
		lr    float64
		grads []float32
		want  []float64 // weight after each step
	}{
		// w -= 0.1*0.5
		{"sgd", &SGD{}, 1, 0.1, []float32{0.5, 0.5}, []float64{0.95, 0.90}},
		// g = 0.5 + 0.1*1 = 0.6 -> 0.94; g = 0.5 + 0.1*0.94 = 0.594 -> 0.8806
		{"sgd weight decay", &SGD{WeightDecay: 0.1}, 1, 0.1, []float32{0.5, 0.5}, []float64{0.94, 0.8806}},
		// buf = 0.5 -> 0.95; buf = 0.9*0.5+0.5 = 0.95 -> 0.855
		{"momentum", &SGD{Momentum: 0.9}, 1, 0.1, []float32{0.5, 0.5}, []float64{0.95, 0.855}},
		// buf = 0.5, g = 0.5+0.45 = 0.95 -> 0.905; buf = 0.95, g = 0.5+0.855 = 1.355 -> 0.7695
		{"nesterov", &SGD{Momentum: 0.9, Nesterov: true}, 1, 0.1, []float32{0.5, 0.5}, []float64{0.905, 0.7695}},
		// t=1: m=0.05, v=0.00025, mhat=0.5, vhat=0.25 -> w -= 0.1*0.5/0.5 = 0.1
		// t=2 (g=0.25): m=0.07, v=0.00031225, bc1=0.19, bc2=0.001999 -> 0.80678204
		{"adam bias-corrected", &Adam{}, 1, 0.1, []float32{0.5, 0.25}, []float64{0.9, 0.8067820384774623}},
		// g = 0.3 + 0.1*2 = 0.5; the first Adam step has size lr -> 1.9
		{"adam weight decay", &Adam{WeightDecay: 0.1}, 2, 0.1, []float32{0.3}, []float64{1.9}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := oneParam(c.w0)
			for i, g := range c.grads {
				p[0].Grad[0] = g
				c.opt.Step(p, c.lr)
				if got := float64(p[0].Value[0]); math.Abs(got-c.want[i]) > 1e-6 {
					t.Fatalf("step %d: w = %.8f, want %.8f", i+1, got, c.want[i])
				}
			}
		})
	}
}

// TestOptimizerStateRoundTrip checks that an optimizer restored from State
// continues exactly like the original.
func TestOptimizerStateRoundTrip(t *testing.T) {
	for _, mk := range []func() Optimizer{
		func() Optimizer { return &SGD{Momentum: 0.9, Nesterov: true} },
		func() Optimizer { return &Adam{WeightDecay: 1e-3} },
	} {
		a := mk()
		pa := oneParam(1)
		for _, g := range []float32{0.3, -0.2} {
			pa[0].Grad[0] = g
			a.Step(pa, 0.01)
		}
		b := mk()
		if err := b.SetState(a.State()); err != nil {
			t.Fatal(err)
		}
		pb := oneParam(pa[0].Value[0])
		pa[0].Grad[0], pb[0].Grad[0] = 0.7, 0.7
		a.Step(pa, 0.01)
		b.Step(pb, 0.01)
		if pa[0].Value[0] != pb[0].Value[0] {
			t.Fatalf("%s: resumed %v, original %v", a.Name(), pb[0].Value[0], pa[0].Value[0])
		}
	}
}

func TestSchedules(t *testing.T) {
	cases := []struct {
		s    Schedule
		e, n int
		want float64
	}{
		{ConstantLR{}, 7, 10, 0.1},
		{StepLR{StepSize: 3, Gamma: 0.5}, 3, 10, 0.1},
		{StepLR{StepSize: 3, Gamma: 0.5}, 4, 10, 0.05},
		{StepLR{StepSize: 3, Gamma: 0.5}, 7, 10, 0.025},
		{CosineLR{}, 1, 10, 0.1},
		{CosineLR{}, 6, 10, 0.05},
		{CosineLR{MinLR: 0.01}, 6, 10, 0.055},
	}
	for _, c := range cases {
		if got := c.s.LR(0.1, c.e, c.n); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("%T%+v epoch %d/%d: lr %v, want %v", c.s, c.s, c.e, c.n, got, c.want)
		}
	}
}

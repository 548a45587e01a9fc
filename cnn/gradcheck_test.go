package cnn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// objective returns sum(r * y) in float64 for the layer's output y.
func objective(l Layer, x *Tensor, r []float32, train bool) float64 {
	if s, ok := l.(stepSeeder); ok {
		s.seedStep(7, 7) // the same dropout mask for every evaluation
	}
	y := l.Forward(x, train)
	var s float64
	for i, v := range y.Data {
		s += float64(v) * float64(r[i])
	}
	return s
}

// gradCheck compares the analytical input and parameter gradients of l with
// central finite differences of sum(r*y) for random x and r. It returns an
// error describing the first mismatch.
func gradCheck(l Layer, in Shape, n int, train bool, seed uint64, prep func([]float32)) error {
	rng := rand.New(rand.NewPCG(seed, 1))
	out, err := l.Setup(in)
	if err != nil {
		return err
	}
	for _, p := range l.Params() {
		if p.Trainable() {
			for i := range p.Value {
				p.Value[i] = float32(rng.NormFloat64()*0.5) + p.Value[i]
			}
		}
	}
	x := NewTensor(append([]int{n}, in...)...)
	for i := range x.Data {
		x.Data[i] = float32(rng.NormFloat64())
	}
	if prep != nil {
		prep(x.Data)
	}
	r := make([]float32, n*out.Size())
	for i := range r {
		r[i] = float32(rng.NormFloat64())
	}
	objective(l, x, r, train)
	dy := NewTensor(append([]int{n}, out...)...)
	copy(dy.Data, r)
	dxT := l.Backward(dy)
	var dx []float32
	if dxT != nil {
		dx = append([]float32(nil), dxT.Data...)
	}
	type target struct {
		name string
		v    []float32
		g    []float32
	}
	targets := []target{{"input", x.Data, dx}}
	for _, p := range l.Params() {
		if p.Trainable() {
			targets = append(targets, target{p.Name, p.Value, append([]float32(nil), p.Grad...)})
		}
	}
	const h = 1e-2
	for _, tg := range targets {
		if tg.g == nil {
			continue
		}
		idx := rng.Perm(len(tg.v))
		if len(idx) > 80 {
			idx = idx[:80]
		}
		num := make([]float64, len(idx))
		var scale float64
		for k, i := range idx {
			old := tg.v[i]
			tg.v[i] = old + h
			fp := objective(l, x, r, train)
			tg.v[i] = old - h
			fm := objective(l, x, r, train)
			tg.v[i] = old
			num[k] = (fp - fm) / (2 * h)
			scale = math.Max(scale, math.Abs(num[k]))
		}
		for k, i := range idx {
			a := float64(tg.g[i])
			if d := math.Abs(a - num[k]); d > 1e-2*math.Abs(num[k])+2e-3*math.Max(scale, 1) {
				return fmt.Errorf("%s[%d]: analytical %.6g, numerical %.6g", tg.name, i, a, num[k])
			}
		}
	}
	return nil
}

// spread replaces x by distinct values 0.05 apart (in random order), so that
// max pooling and ReLU have no ties or kinks within the finite-difference
// step.
func spread(seed uint64) func([]float32) {
	return func(x []float32) {
		p := rand.New(rand.NewPCG(seed, 9)).Perm(len(x))
		for i := range x {
			x[i] = float32(p[i]-len(x)/2)*0.05 + 0.013
		}
	}
}

func act(fn string, alpha float64) Layer {
	a, err := NewActivation(fn, alpha)
	if err != nil {
		panic(err)
	}
	return a
}

func TestGradients(t *testing.T) {
	cases := []struct {
		name  string
		l     Layer
		in    Shape
		train bool
		prep  func([]float32)
	}{
		{"conv3x3 valid", NewConv2D(Conv2DConfig{Filters: 3, Kernel: 3}), Shape{2, 6, 5}, true, nil},
		{"conv3x3 same", NewConv2D(Conv2DConfig{Filters: 2, Kernel: 3, Padding: Same}), Shape{2, 5, 6}, true, nil},
		{"conv3x3 stride2 same", NewConv2D(Conv2DConfig{Filters: 2, Kernel: 3, Stride: 2, Padding: Same}), Shape{2, 7, 6}, true, nil},
		{"conv4x4 stride2 same even kernel", NewConv2D(Conv2DConfig{Filters: 2, Kernel: 4, Stride: 2, Padding: Same}), Shape{1, 7, 8}, true, nil},
		{"conv5x5 stride3 valid", NewConv2D(Conv2DConfig{Filters: 2, Kernel: 5, Stride: 3}), Shape{2, 11, 9}, true, nil},
		{"conv3x2 stride2x1 same nobias", NewConv2D(Conv2DConfig{Filters: 3, Kernel: 3, KernelW: 2, Stride: 2, StrideW: 1, Padding: Same, NoBias: true}), Shape{2, 6, 5}, true, nil},
		{"conv2x3 same (asymmetric padding)", NewConv2D(Conv2DConfig{Filters: 2, Kernel: 2, KernelW: 3, Padding: Same}), Shape{2, 5, 6}, true, nil},
		{"conv4x4 same stride1 even kernel", NewConv2D(Conv2DConfig{Filters: 2, Kernel: 4, Padding: Same}), Shape{1, 6, 5}, true, nil},
		{"conv5x5 same larger than input", NewConv2D(Conv2DConfig{Filters: 2, Kernel: 5, Padding: Same}), Shape{2, 3, 4}, true, nil},
		{"conv1x1", NewConv2D(Conv2DConfig{Filters: 4, Kernel: 1}), Shape{3, 3, 3}, true, nil},
		// Eight or more input channels: the weight gradient by shifted GEMMs.
		{"conv3x3 same 8 channels", NewConv2D(Conv2DConfig{Filters: 3, Kernel: 3, Padding: Same}), Shape{8, 5, 6}, true, nil},
		{"conv2x3 valid 9 channels", NewConv2D(Conv2DConfig{Filters: 2, Kernel: 2, KernelW: 3}), Shape{9, 5, 4}, true, nil},
		{"conv4x4 same even kernel 8 channels", NewConv2D(Conv2DConfig{Filters: 2, Kernel: 4, Padding: Same, NoBias: true}), Shape{8, 6, 5}, true, nil},
		{"conv5x5 same larger than input 8 channels", NewConv2D(Conv2DConfig{Filters: 2, Kernel: 5, Padding: Same}), Shape{8, 3, 4}, true, nil},
		{"conv3x3 stride2 8 channels", NewConv2D(Conv2DConfig{Filters: 2, Kernel: 3, Stride: 2}), Shape{8, 7, 6}, true, nil},
		{"maxpool2", NewMaxPool2D(PoolConfig{Size: 2}), Shape{2, 6, 5}, true, spread(1)},
		{"maxpool3 stride2", NewMaxPool2D(PoolConfig{Size: 3, Stride: 2}), Shape{2, 7, 7}, true, spread(2)},
		{"maxpool2x3 stride1", NewMaxPool2D(PoolConfig{Size: 2, SizeW: 3, Stride: 1}), Shape{1, 5, 6}, true, spread(3)},
		{"avgpool2", NewAvgPool2D(PoolConfig{Size: 2}), Shape{2, 6, 5}, true, nil},
		{"avgpool3 stride2", NewAvgPool2D(PoolConfig{Size: 3, Stride: 2}), Shape{2, 7, 8}, true, nil},
		{"globalavgpool", NewGlobalAvgPool2D(), Shape{3, 4, 5}, true, nil},
		{"flatten", NewFlatten(), Shape{2, 3, 4}, true, nil},
		{"dense", NewDense(DenseConfig{Units: 5}), Shape{7}, true, nil},
		{"dense nobias", NewDense(DenseConfig{Units: 3, NoBias: true}), Shape{6}, true, nil},
		{"relu", act(ReLU, 0), Shape{2, 3, 4}, true, spread(4)},
		{"leaky_relu", act(LeakyReLU, 0.1), Shape{2, 3, 4}, true, spread(5)},
		{"sigmoid", act(Sigmoid, 0), Shape{10}, true, nil},
		{"tanh", act(Tanh, 0), Shape{10}, true, nil},
		{"softmax", act(Softmax, 0), Shape{6}, true, nil},
		{"dropout train", NewDropout(0.3), Shape{2, 4, 4}, true, nil},
		{"dropout eval", NewDropout(0.3), Shape{8}, false, nil},
		{"batchnorm conv train", NewBatchNorm(BatchNormConfig{}), Shape{3, 4, 3}, true, nil},
		{"batchnorm dense train", NewBatchNorm(BatchNormConfig{}), Shape{5}, true, nil},
		{"batchnorm eval", NewBatchNorm(BatchNormConfig{}), Shape{3, 2, 2}, false, nil},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := gradCheck(c.l, c.in, 3, c.train, uint64(i+1), c.prep); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// broken wraps a layer and corrupts one of its gradients, to show that the
// gradient check catches wrong gradients.
type broken struct {
	Layer
	inputScale float32
	paramBump  float32
}

func (b *broken) Backward(dy *Tensor) *Tensor {
	dx := b.Layer.Backward(dy)
	if b.inputScale != 0 {
		for i := range dx.Data {
			dx.Data[i] *= b.inputScale
		}
	}
	if b.paramBump != 0 {
		b.Layer.Params()[0].Grad[1] += b.paramBump
	}
	return dx
}

func TestGradCheckDetectsWrongGradients(t *testing.T) {
	cases := []struct {
		name string
		l    Layer
		in   Shape
	}{
		{"conv input x1.05", &broken{Layer: NewConv2D(Conv2DConfig{Filters: 2, Kernel: 3, Stride: 2, Padding: Same}), inputScale: 1.05}, Shape{2, 6, 6}},
		{"conv weight", &broken{Layer: NewConv2D(Conv2DConfig{Filters: 2, Kernel: 3}), paramBump: 0.2}, Shape{2, 6, 6}},
		{"dense weight", &broken{Layer: NewDense(DenseConfig{Units: 3}), paramBump: 0.2}, Shape{4}},
		{"batchnorm input x0.95", &broken{Layer: NewBatchNorm(BatchNormConfig{}), inputScale: 0.95}, Shape{2, 3, 3}},
		{"batchnorm gamma", &broken{Layer: NewBatchNorm(BatchNormConfig{}), paramBump: 0.3}, Shape{2, 3, 3}},
		{"maxpool input x1.05", &broken{Layer: NewMaxPool2D(PoolConfig{Size: 2}), inputScale: 1.05}, Shape{2, 4, 4}},
		{"softmax input x1.05", &broken{Layer: act(Softmax, 0), inputScale: 1.05}, Shape{5}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := gradCheck(c.l, c.in, 3, true, 3, nil); err == nil {
				t.Fatal("gradient check passed a corrupted gradient")
			}
		})
	}
}

func TestLossGradients(t *testing.T) {
	for _, loss := range []Loss{CrossEntropy{}, MSE{}} {
		for _, big := range []float64{1, 50} {
			t.Run(fmt.Sprintf("%s scale %v", loss.Name(), big), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(5, 5))
				n, k := 4, 5
				out := NewTensor(n, k)
				for i := range out.Data {
					out.Data[i] = float32(rng.NormFloat64() * big)
				}
				labels := []int{0, 3, 4, 1}
				grad := &Tensor{}
				l0 := loss.Eval(out, labels, grad)
				if math.IsNaN(l0) || math.IsInf(l0, 0) {
					t.Fatalf("loss %v", l0)
				}
				h := 1e-2 * big
				for i := range out.Data {
					old := out.Data[i]
					out.Data[i] = old + float32(h)
					fp := loss.Eval(out, labels, nil)
					out.Data[i] = old - float32(h)
					fm := loss.Eval(out, labels, nil)
					out.Data[i] = old
					num := (fp - fm) / (2 * h)
					if math.Abs(num-float64(grad.Data[i])) > 1e-2*math.Abs(num)+1e-3 {
						t.Fatalf("d/dout[%d]: analytical %g, numerical %g", i, grad.Data[i], num)
					}
				}
			})
		}
	}
}

func TestCrossEntropyStableForHugeLogits(t *testing.T) {
	out := &Tensor{Shape: []int{2, 3}, Data: []float32{1e30, 0, -1e30, 1000, 1001, 999}}
	grad := &Tensor{}
	l := CrossEntropy{}.Eval(out, []int{0, 1}, grad)
	want := (0 + (math.Log(math.Exp(-1) + 1 + math.Exp(-2)))) / 2
	if math.Abs(l-want) > 1e-5 {
		t.Fatalf("loss %v, want %v", l, want)
	}
	for _, g := range grad.Data {
		if math.IsNaN(float64(g)) || math.IsInf(float64(g), 0) {
			t.Fatalf("gradient %v", grad.Data)
		}
	}
}

// TestModelGradient checks a whole model (conv, batchnorm, relu, pooling,
// dense, softmax fused with cross-entropy) end to end through the loss.
func TestModelGradient(t *testing.T) {
	m, err := NewSequential(Shape{2, 8, 7},
		NewConv2D(Conv2DConfig{Filters: 3, Kernel: 3, Padding: Same}),
		NewBatchNorm(BatchNormConfig{}),
		act(LeakyReLU, 0),
		NewAvgPool2D(PoolConfig{Size: 2}),
		NewConv2D(Conv2DConfig{Filters: 4, Kernel: 2, Stride: 2}),
		act(Tanh, 0),
		NewFlatten(),
		NewDense(DenseConfig{Units: 3}),
	)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 3))
	x := NewTensor(4, 2, 8, 7)
	for i := range x.Data {
		x.Data[i] = float32(rng.NormFloat64())
	}
	labels := []int{0, 2, 1, 2}
	loss := CrossEntropy{}
	f := func() float64 { return loss.Eval(m.Forward(x, true), labels, nil) }
	g := &Tensor{}
	loss.Eval(m.Forward(x, true), labels, g)
	m.Backward(g)
	const h = 1e-3
	for _, p := range m.TrainableParams() {
		grad := append([]float32(nil), p.Grad...)
		for _, i := range rng.Perm(len(p.Value))[:min(10, len(p.Value))] {
			old := p.Value[i]
			p.Value[i] = old + h
			fp := f()
			p.Value[i] = old - h
			fm := f()
			p.Value[i] = old
			num := (fp - fm) / (2 * h)
			if math.Abs(num-float64(grad[i])) > 2e-2*math.Abs(num)+2e-4 {
				t.Errorf("%s[%d]: analytical %g, numerical %g", p.Name, i, grad[i], num)
			}
		}
	}
}

package cnn

import (
	"math"
	"sync"
)

// BatchNormConfig configures a BatchNorm layer.
type BatchNormConfig struct {
	// Momentum is the fraction of the running statistics kept at each
	// update, as in Keras: running = Momentum*running + (1-Momentum)*batch.
	// 0 means 0.9, which is PyTorch's default (its momentum=0.1).
	Momentum float64
	// Epsilon is added to the variance (0 means 1e-5, PyTorch's default).
	Epsilon float64
}

// BatchNorm normalizes each channel of [C, H, W] inputs (over the batch
// and the spatial positions) or each feature of [F] inputs (over the batch),
// then scales and shifts it by the trained weight and bias. Training uses
// the batch statistics (biased variance) and updates the running mean and
// the running unbiased variance; evaluation uses the running statistics,
// exactly as torch.nn.BatchNorm2d / BatchNorm1d.
type BatchNorm struct {
	cfg               BatchNormConfig
	in                Shape
	c, s              int // channels, positions per channel per sample
	gamma, beta       *Param
	rmean, rvar       *Param
	NumBatchesTracked int64
	x                 *Tensor
	y, dx             Tensor
	mean, invstd      []float64
	train, backward   bool
	dyIn              *Tensor
	wg                sync.WaitGroup
}

// NewBatchNorm returns a BatchNorm layer configured by cfg.
func NewBatchNorm(cfg BatchNormConfig) *BatchNorm { return &BatchNorm{cfg: cfg} }

// Config returns the layer's configuration with defaults filled in.
func (l *BatchNorm) Config() BatchNormConfig {
	c := l.cfg
	if c.Momentum == 0 {
		c.Momentum = 0.9
	}
	if c.Epsilon == 0 {
		c.Epsilon = 1e-5
	}
	return c
}

// Kind returns "batchnorm".
func (l *BatchNorm) Kind() string { return "batchnorm" }

// Setup accepts [C, H, W] (per-channel statistics) or [F] (per feature).
func (l *BatchNorm) Setup(in Shape) (Shape, error) {
	c := l.Config()
	if c.Momentum < 0 || c.Momentum >= 1 || c.Epsilon < 0 {
		return nil, shapeErr("batchnorm", in, "momentum %v must be in [0, 1) and epsilon %v non-negative", c.Momentum, c.Epsilon)
	}
	switch len(in) {
	case 3:
		l.c, l.s = in[0], in[1]*in[2]
	case 1:
		l.c, l.s = in[0], 1
	default:
		return nil, shapeErr("batchnorm", in, "want [channels, height, width] or [features]")
	}
	l.in = in.clone()
	l.gamma = newParam("weight", InitOnes, 0, 0, true, l.c)
	l.beta = newParam("bias", InitZeros, 0, 0, true, l.c)
	l.rmean = newParam("running_mean", InitZeros, 0, 0, false, l.c)
	l.rvar = newParam("running_var", InitOnes, 0, 0, false, l.c)
	l.mean = make([]float64, l.c)
	l.invstd = make([]float64, l.c)
	l.NumBatchesTracked = 0
	return in, nil
}

// Params returns weight, bias, running_mean and running_var.
func (l *BatchNorm) Params() []*Param {
	return []*Param{l.gamma, l.beta, l.rmean, l.rvar}
}

// Forward normalizes x with batch statistics in training (updating the
// running statistics) and with the running statistics otherwise.
func (l *BatchNorm) Forward(x *Tensor, train bool) *Tensor {
	l.x, l.train = x, train
	l.y.Resize(x.Shape...)
	l.backward = false
	parallelFor(l.c, l, &l.wg)
	if train {
		l.NumBatchesTracked++
	}
	return &l.y
}

// run normalizes (or back-propagates) channels [lo, hi).
func (l *BatchNorm) run(_, lo, hi int) {
	if l.backward {
		l.backwardChannels(lo, hi)
	} else {
		l.forwardChannels(lo, hi)
	}
}

func (l *BatchNorm) forwardChannels(lo, hi int) {
	x, train := l.x, l.train
	n := x.Shape[0]
	cfg := l.Config()
	for c := lo; c < hi; c++ {
		var mean, invstd float64
		if train {
			// Each row (one sample's plane) is summed in float32, the rows
			// in float64.
			var s float64
			for i := 0; i < n; i++ {
				var r float32
				for _, v := range x.Data[(i*l.c+c)*l.s : (i*l.c+c+1)*l.s] {
					r += v
				}
				s += float64(r)
			}
			m := float64(n * l.s)
			mean = s / m
			var ss float64
			mean32 := float32(mean)
			for i := 0; i < n; i++ {
				var r float32
				for _, v := range x.Data[(i*l.c+c)*l.s : (i*l.c+c+1)*l.s] {
					d := v - mean32
					r += d * d
				}
				ss += float64(r)
			}
			v := ss / m
			invstd = 1 / math.Sqrt(v+cfg.Epsilon)
			unbiased := v
			if m > 1 {
				unbiased = ss / (m - 1)
			}
			mo := cfg.Momentum
			l.rmean.Value[c] = float32(mo*float64(l.rmean.Value[c]) + (1-mo)*mean)
			l.rvar.Value[c] = float32(mo*float64(l.rvar.Value[c]) + (1-mo)*unbiased)
		} else {
			mean = float64(l.rmean.Value[c])
			invstd = 1 / math.Sqrt(float64(l.rvar.Value[c])+cfg.Epsilon)
		}
		l.mean[c], l.invstd[c] = mean, invstd
		scale := float32(invstd * float64(l.gamma.Value[c]))
		shift := l.beta.Value[c] - float32(mean)*scale
		for i := 0; i < n; i++ {
			o := (i*l.c + c) * l.s
			for j, v := range x.Data[o : o+l.s] {
				l.y.Data[o+j] = v*scale + shift
			}
		}
	}
}

// Backward computes the gradients of the batch-statistics normalization
// (in evaluation mode, of the fixed affine map).
func (l *BatchNorm) Backward(dy *Tensor) *Tensor {
	l.dx.Resize(dy.Shape...)
	l.dyIn = dy
	l.backward = true
	parallelFor(l.c, l, &l.wg)
	return &l.dx
}

func (l *BatchNorm) backwardChannels(lo, hi int) {
	dy := l.dyIn
	n := dy.Shape[0]
	m := float64(n * l.s)
	for c := lo; c < hi; c++ {
		mean, invstd := l.mean[c], l.invstd[c]
		mean32 := float32(mean)
		// sdy = sum(dy), sdxc = sum(dy * (x - mean)); rows in float32,
		// the sum of rows in float64.
		var sdy, sdxc float64
		for i := 0; i < n; i++ {
			o := (i*l.c + c) * l.s
			xs := l.x.Data[o : o+l.s]
			var a, b float32
			for j, g := range dy.Data[o : o+l.s] {
				a += g
				b += g * (xs[j] - mean32)
			}
			sdy += float64(a)
			sdxc += float64(b)
		}
		sdyx := sdxc * invstd // sum(dy * xhat)
		l.gamma.Grad[c] = float32(sdyx)
		l.beta.Grad[c] = float32(sdy)
		gm := float64(l.gamma.Value[c])
		// dx = gm*invstd*(dy - sdy/m - xhat*sdyx/m) = A*dy + B*x + C.
		A := gm * invstd
		B, C := 0.0, 0.0
		if l.train {
			B = -A * invstd * sdyx / m
			C = -A*sdy/m - B*mean
		}
		a32, b32, c32 := float32(A), float32(B), float32(C)
		for i := 0; i < n; i++ {
			o := (i*l.c + c) * l.s
			xs := l.x.Data[o : o+l.s]
			dx := l.dx.Data[o : o+l.s]
			for j, g := range dy.Data[o : o+l.s] {
				dx[j] = a32*g + b32*xs[j] + c32
			}
		}
	}
}

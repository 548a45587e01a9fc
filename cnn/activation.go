package cnn

import (
	"fmt"
	"math"
	"sync"
)

// The activation names accepted by NewActivation and in specs.
const (
	ReLU      = "relu"
	LeakyReLU = "leaky_relu"
	Sigmoid   = "sigmoid"
	Tanh      = "tanh"
	Softmax   = "softmax"
)

// Activation applies an element-wise activation function (or softmax over
// the features of each sample).
type Activation struct {
	fn       string
	alpha    float32
	in       Shape
	x, dyIn  *Tensor
	y, dx    Tensor
	backward bool
	wg       sync.WaitGroup
}

// NewActivation returns the activation named fn (ReLU, LeakyReLU, Sigmoid,
// Tanh or Softmax). alpha is LeakyReLU's negative slope (0 = 0.01, as in
// PyTorch); it is ignored by the others.
func NewActivation(fn string, alpha float64) (*Activation, error) {
	switch fn {
	case ReLU, LeakyReLU, Sigmoid, Tanh, Softmax:
	default:
		return nil, fmt.Errorf("unknown activation %q (want relu, leaky_relu, sigmoid, tanh or softmax)", fn)
	}
	if alpha == 0 {
		alpha = 0.01
	}
	return &Activation{fn: fn, alpha: float32(alpha)}, nil
}

// NewReLU returns a ReLU activation layer.
func NewReLU() *Activation { return &Activation{fn: ReLU} }

// NewSoftmax returns a softmax layer over the features of each sample.
func NewSoftmax() *Activation { return &Activation{fn: Softmax} }

// Kind returns the activation's name, e.g. "relu".
func (l *Activation) Kind() string { return l.fn }

// Alpha returns LeakyReLU's negative slope.
func (l *Activation) Alpha() float64 { return float64(l.alpha) }

// Setup accepts any shape, except that softmax needs a vector [features].
func (l *Activation) Setup(in Shape) (Shape, error) {
	if l.fn == Softmax && len(in) != 1 {
		return nil, shapeErr(l.fn, in, "softmax needs a vector [features]; add a flatten or dense layer before it")
	}
	l.in = in.clone()
	return in, nil
}

// Params returns nil.
func (l *Activation) Params() []*Param { return nil }

// Forward applies the activation.
func (l *Activation) Forward(x *Tensor, train bool) *Tensor {
	l.x = x
	l.y.Resize(x.Shape...)
	l.backward = false
	parallelFor(x.Shape[0], l, &l.wg)
	return &l.y
}

func (l *Activation) run(_, lo, hi int) {
	if l.backward {
		l.backwardRange(lo, hi)
	} else {
		l.forwardRange(lo, hi)
	}
}

// forwardRange applies the activation to samples [lo, hi).
func (l *Activation) forwardRange(lo, hi int) {
	f := len(l.x.Data) / l.x.Shape[0]
	y, xs := l.y.Data[lo*f:hi*f], l.x.Data[lo*f:hi*f]
	switch l.fn {
	case ReLU:
		for i, v := range xs {
			y[i] = max(v, 0)
		}
	case LeakyReLU:
		for i, v := range xs {
			if v < 0 {
				v *= l.alpha
			}
			y[i] = v
		}
	case Sigmoid:
		for i, v := range xs {
			y[i] = float32(1 / (1 + math.Exp(-float64(v))))
		}
	case Tanh:
		for i, v := range xs {
			y[i] = float32(math.Tanh(float64(v)))
		}
	case Softmax:
		for n := 0; n < hi-lo; n++ {
			softmaxRow(xs[n*f:(n+1)*f], y[n*f:(n+1)*f])
		}
	}
}

// softmaxRow writes softmax(x) into y, subtracting the maximum first.
func softmaxRow(x, y []float32) {
	m := x[0]
	for _, v := range x {
		m = max(m, v)
	}
	var s float64
	for i, v := range x {
		e := math.Exp(float64(v - m))
		y[i] = float32(e)
		s += e
	}
	inv := float32(1 / s)
	for i := range y {
		y[i] *= inv
	}
}

// Backward multiplies dy by the activation's derivative.
func (l *Activation) Backward(dy *Tensor) *Tensor {
	l.dx.Resize(dy.Shape...)
	l.dyIn = dy
	l.backward = true
	parallelFor(dy.Shape[0], l, &l.wg)
	return &l.dx
}

// backwardRange computes the input gradient of samples [lo, hi).
func (l *Activation) backwardRange(lo, hi int) {
	f := len(l.dyIn.Data) / l.dyIn.Shape[0]
	dx, g, xs, y := l.dx.Data[lo*f:hi*f], l.dyIn.Data[lo*f:hi*f], l.x.Data[lo*f:hi*f], l.y.Data[lo*f:hi*f]
	switch l.fn {
	case ReLU:
		// A bit mask instead of a branch: on real data the sign of x is
		// unpredictable, and mispredictions cost more than the loop.
		g = g[:len(xs)]
		dx = dx[:len(xs)]
		for i, v := range xs {
			var m uint32
			if v > 0 {
				m = ^uint32(0)
			}
			dx[i] = math.Float32frombits(math.Float32bits(g[i]) & m)
		}
	case LeakyReLU:
		for i, v := range xs {
			if v > 0 {
				dx[i] = g[i]
			} else {
				dx[i] = g[i] * l.alpha
			}
		}
	case Sigmoid:
		for i, v := range y {
			dx[i] = g[i] * v * (1 - v)
		}
	case Tanh:
		for i, v := range y {
			dx[i] = g[i] * (1 - v*v)
		}
	case Softmax:
		for n := 0; n < hi-lo; n++ {
			yr, gr, dr := y[n*f:(n+1)*f], g[n*f:(n+1)*f], dx[n*f:(n+1)*f]
			var dot float32
			for i, v := range yr {
				dot += v * gr[i]
			}
			for i, v := range yr {
				dr[i] = v * (gr[i] - dot)
			}
		}
	}
}

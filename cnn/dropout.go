package cnn

import (
	"fmt"
	"math/rand/v2"
)

// Dropout zeroes each input with probability Rate while training and scales
// the others by 1/(1-Rate) (inverted dropout); in evaluation it is the
// identity. Its randomness comes from (seed, step), which the model sets
// before each training step, so runs are reproducible and resumable.
type Dropout struct {
	rate  float64
	in    Shape
	mask  []float32
	y, dx Tensor
	rng   rand.PCG
	train bool
}

// NewDropout returns a Dropout layer; rate must be in [0, 1).
func NewDropout(rate float64) *Dropout { return &Dropout{rate: rate} }

// Kind returns "dropout".
func (l *Dropout) Kind() string { return "dropout" }

// Rate returns the drop probability.
func (l *Dropout) Rate() float64 { return l.rate }

// Setup accepts any shape.
func (l *Dropout) Setup(in Shape) (Shape, error) {
	if !(l.rate >= 0 && l.rate < 1) {
		return nil, shapeErr("dropout", in, "rate %v not in [0, 1)", l.rate)
	}
	l.in = in.clone()
	return in, nil
}

func (l *Dropout) seedStep(seed, step uint64) { l.rng.Seed(seed, step) }

// Params returns nil.
func (l *Dropout) Params() []*Param { return nil }

// Forward applies a fresh random mask in training and the identity
// otherwise.
func (l *Dropout) Forward(x *Tensor, train bool) *Tensor {
	l.train = train && l.rate > 0
	if !l.train {
		return x
	}
	n := len(x.Data)
	if cap(l.mask) < n {
		l.mask = make([]float32, n)
	}
	l.mask = l.mask[:n]
	keep := float32(1 / (1 - l.rate))
	// 2^-53 resolution uniforms from the PCG stream.
	thr := uint64(l.rate * (1 << 53))
	for i := range l.mask {
		if l.rng.Uint64()>>11 < thr {
			l.mask[i] = 0
		} else {
			l.mask[i] = keep
		}
	}
	l.y.Resize(x.Shape...)
	for i, v := range x.Data {
		l.y.Data[i] = v * l.mask[i]
	}
	return &l.y
}

// Backward applies the mask of the last training Forward.
func (l *Dropout) Backward(dy *Tensor) *Tensor {
	if !l.train {
		return dy
	}
	l.dx.Resize(dy.Shape...)
	for i, v := range dy.Data {
		l.dx.Data[i] = v * l.mask[i]
	}
	return &l.dx
}

// String describes the layer, e.g. "Dropout(0.25)".
func (l *Dropout) String() string { return fmt.Sprintf("Dropout(%v)", l.rate) }

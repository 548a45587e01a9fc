package cnn

import (
	"fmt"
	"math"
)

// Optimizer updates parameters from their gradients. Its state (momentum
// buffers, Adam moments, step count) is kept per parameter, in the order of
// the params slice given to Step, which must be the same on every call.
type Optimizer interface {
	// Name returns the optimizer's spec name ("sgd", "adam").
	Name() string
	// Step applies one update with learning rate lr.
	Step(params []NamedParam, lr float64)
	// State returns the optimizer's state for a checkpoint; SetState
	// restores it.
	State() OptimizerState
	// SetState restores a state returned by State for the same params.
	SetState(s OptimizerState) error
}

// OptimizerState is the resumable state of an optimizer.
type OptimizerState struct {
	// Steps is the number of updates applied so far.
	Steps int64
	// Slots maps a slot name ("momentum_buffer", "exp_avg",
	// "exp_avg_sq") to one buffer per parameter.
	Slots map[string][][]float32
}

// SGD is stochastic gradient descent with optional momentum, Nesterov
// momentum and L2 weight decay, with PyTorch's update rule:
//
//	g = grad + WeightDecay*w
//	buf = Momentum*buf + g            (buf = g on the first step)
//	w -= lr * (g + Momentum*buf)      (Nesterov)
//	w -= lr * buf                     (momentum)
//	w -= lr * g                       (plain)
type SGD struct {
	Momentum    float64
	Nesterov    bool
	WeightDecay float64
	steps       int64
	buf         [][]float32
}

// Name returns "sgd".
func (o *SGD) Name() string { return "sgd" }

// Step applies one SGD update.
func (o *SGD) Step(params []NamedParam, lr float64) {
	if o.Momentum != 0 && len(o.buf) != len(params) {
		o.buf = make([][]float32, len(params))
		for i, p := range params {
			o.buf[i] = make([]float32, len(p.Value))
		}
	}
	mu, wd, first := float32(o.Momentum), float32(o.WeightDecay), o.steps == 0
	lr32 := float32(lr)
	for i, p := range params {
		for j, g := range p.Grad {
			w := p.Value[j]
			g += wd * w
			if mu != 0 {
				b := g
				if !first {
					b = mu*o.buf[i][j] + g
				}
				o.buf[i][j] = b
				if o.Nesterov {
					g += mu * b
				} else {
					g = b
				}
			}
			p.Value[j] = w - lr32*g
		}
	}
	o.steps++
}

// State returns the momentum buffers.
func (o *SGD) State() OptimizerState {
	s := OptimizerState{Steps: o.steps, Slots: map[string][][]float32{}}
	if o.buf != nil {
		s.Slots["momentum_buffer"] = cloneSlots(o.buf)
	}
	return s
}

// SetState restores the momentum buffers.
func (o *SGD) SetState(s OptimizerState) error {
	o.steps = s.Steps
	o.buf = nil
	if b, ok := s.Slots["momentum_buffer"]; ok {
		o.buf = cloneSlots(b)
	} else if o.Momentum != 0 && s.Steps > 0 {
		return fmt.Errorf("cnn: sgd state: missing momentum_buffer")
	}
	return nil
}

// Adam is the Adam optimizer with bias correction and L2 weight decay
// added to the gradient (torch.optim.Adam, not AdamW). Zero Beta1, Beta2,
// Epsilon mean 0.9, 0.999 and 1e-8.
type Adam struct {
	Beta1, Beta2, Epsilon float64
	WeightDecay           float64
	steps                 int64
	m, v                  [][]float32
}

// Name returns "adam".
func (o *Adam) Name() string { return "adam" }

func (o *Adam) defaults() (b1, b2, eps float64) {
	b1, b2, eps = o.Beta1, o.Beta2, o.Epsilon
	if b1 == 0 {
		b1 = 0.9
	}
	if b2 == 0 {
		b2 = 0.999
	}
	if eps == 0 {
		eps = 1e-8
	}
	return
}

// Step applies one Adam update:
//
//	m = b1*m + (1-b1)*g;  v = b2*v + (1-b2)*g²
//	w -= lr/(1-b1^t) * m / (sqrt(v)/sqrt(1-b2^t) + eps)
func (o *Adam) Step(params []NamedParam, lr float64) {
	if len(o.m) != len(params) {
		o.m = make([][]float32, len(params))
		o.v = make([][]float32, len(params))
		for i, p := range params {
			o.m[i] = make([]float32, len(p.Value))
			o.v[i] = make([]float32, len(p.Value))
		}
	}
	b1, b2, eps := o.defaults()
	o.steps++
	t := float64(o.steps)
	bc1 := 1 - math.Pow(b1, t)
	bc2 := 1 - math.Pow(b2, t)
	stepSize := float32(lr / bc1)
	sqrtBC2 := float32(math.Sqrt(bc2))
	f1, f2, e32, wd := float32(b1), float32(b2), float32(eps), float32(o.WeightDecay)
	c1, c2 := float32(1-b1), float32(1-b2)
	for i, p := range params {
		m, v := o.m[i], o.v[i]
		for j, g := range p.Grad {
			w := p.Value[j]
			g += wd * w
			mj := f1*m[j] + c1*g
			vj := f2*v[j] + c2*g*g
			m[j], v[j] = mj, vj
			denom := float32(math.Sqrt(float64(vj)))/sqrtBC2 + e32
			p.Value[j] = w - stepSize*mj/denom
		}
	}
}

// State returns the moments and the step count.
func (o *Adam) State() OptimizerState {
	s := OptimizerState{Steps: o.steps, Slots: map[string][][]float32{}}
	if o.m != nil {
		s.Slots["exp_avg"] = cloneSlots(o.m)
		s.Slots["exp_avg_sq"] = cloneSlots(o.v)
	}
	return s
}

// SetState restores the moments and the step count.
func (o *Adam) SetState(s OptimizerState) error {
	o.steps = s.Steps
	m, okm := s.Slots["exp_avg"]
	v, okv := s.Slots["exp_avg_sq"]
	if okm != okv || (!okm && s.Steps > 0) {
		return fmt.Errorf("cnn: adam state: need both exp_avg and exp_avg_sq")
	}
	o.m, o.v = cloneSlots(m), cloneSlots(v)
	return nil
}

func cloneSlots(s [][]float32) [][]float32 {
	if s == nil {
		return nil
	}
	out := make([][]float32, len(s))
	for i, b := range s {
		out[i] = append([]float32(nil), b...)
	}
	return out
}

// Schedule gives the learning rate of an epoch.
type Schedule interface {
	// LR returns the learning rate for epoch e (counting from 1) of a run
	// of epochs epochs, given the base rate.
	LR(base float64, e, epochs int) float64
}

// ConstantLR keeps the base learning rate.
type ConstantLR struct{}

// LR returns base.
func (ConstantLR) LR(base float64, _, _ int) float64 { return base }

// StepLR multiplies the rate by Gamma every StepSize epochs (like
// torch.optim.lr_scheduler.StepLR). Zero values mean StepSize 10, Gamma 0.1.
type StepLR struct {
	StepSize int
	Gamma    float64
}

// LR returns base * Gamma^floor((e-1)/StepSize).
func (s StepLR) LR(base float64, e, _ int) float64 {
	size, g := s.StepSize, s.Gamma
	if size <= 0 {
		size = 10
	}
	if g == 0 {
		g = 0.1
	}
	return base * math.Pow(g, float64((e-1)/size))
}

// CosineLR anneals the rate from base at epoch 1 towards MinLR along a
// half cosine over the run (like CosineAnnealingLR with T_max = epochs).
type CosineLR struct {
	MinLR float64
}

// LR returns MinLR + (base-MinLR)*(1+cos(pi*(e-1)/epochs))/2.
func (s CosineLR) LR(base float64, e, epochs int) float64 {
	if epochs <= 0 {
		return base
	}
	return s.MinLR + (base-s.MinLR)*(1+math.Cos(math.Pi*float64(e-1)/float64(epochs)))/2
}

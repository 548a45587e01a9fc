package cnn

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Layer is one stage of a Sequential model. Layers own the tensors they
// return: the result of Forward (and of Backward) stays valid until the
// layer's next Forward (Backward) call, and callers must not modify it.
type Layer interface {
	// Kind returns the layer's name in model specs, e.g. "conv2d".
	Kind() string
	// Setup checks the per-sample input shape, allocates the parameters
	// and returns the per-sample output shape.
	Setup(in Shape) (Shape, error)
	// Forward computes the layer's output for the batch x. In training
	// mode layers such as Dropout and BatchNorm behave as in training and
	// keep what Backward needs.
	Forward(x *Tensor, train bool) *Tensor
	// Backward takes the gradient of the loss with respect to the output
	// of the last Forward call, stores the parameter gradients, and returns
	// the gradient with respect to that call's input.
	Backward(dy *Tensor) *Tensor
	// Params returns the layer's parameters and buffers in PyTorch's
	// order, e.g. weight then bias.
	Params() []*Param
}

// Param is a named parameter (or buffer) of a layer, stored in PyTorch's
// layout: conv weights [out, in, kh, kw], dense weights [out, in].
type Param struct {
	// Name is the PyTorch name within the layer: "weight", "bias",
	// "running_mean", "running_var".
	Name string
	// Shape is the PyTorch shape of Value.
	Shape []int
	// Value holds the parameter.
	Value []float32
	// Grad holds the gradient of the last Backward call; it is nil for
	// buffers that are not trained (BatchNorm running statistics).
	Grad []float32
	// Init says how Init fills Value.
	Init Init
	// FanIn and FanOut are used by the He and Glorot initializers.
	FanIn, FanOut int
}

// Trainable reports whether the optimizer updates p.
func (p *Param) Trainable() bool { return p.Grad != nil }

func newParam(name string, init Init, fanIn, fanOut int, trainable bool, shape ...int) *Param {
	n := Shape(shape).Size()
	p := &Param{Name: name, Shape: shape, Value: make([]float32, n), Init: init, FanIn: fanIn, FanOut: fanOut}
	if trainable {
		p.Grad = make([]float32, n)
	}
	p.initialize(nil)
	return p
}

// Init is a weight initialization scheme.
type Init int

// The initializers. InitAuto lets the model choose: He uniform for a
// conv2d or dense layer followed by a ReLU or LeakyReLU, Glorot uniform for
// the others.
const (
	InitAuto Init = iota
	InitHeUniform
	InitHeNormal
	InitGlorotUniform
	InitGlorotNormal
	InitZeros
	InitOnes
)

var initNames = map[Init]string{
	InitAuto: "auto", InitHeUniform: "he_uniform", InitHeNormal: "he_normal",
	InitGlorotUniform: "glorot_uniform", InitGlorotNormal: "glorot_normal",
	InitZeros: "zeros", InitOnes: "ones",
}

// String returns the spec name of the initializer, e.g. "he_uniform".
func (i Init) String() string {
	if s, ok := initNames[i]; ok {
		return s
	}
	return fmt.Sprintf("Init(%d)", int(i))
}

// ParseInit returns the initializer named s ("" means InitAuto).
func ParseInit(s string) (Init, error) {
	if s == "" {
		return InitAuto, nil
	}
	for k, v := range initNames {
		if v == s {
			return k, nil
		}
	}
	return 0, fmt.Errorf("unknown init %q (want he_uniform, he_normal, glorot_uniform, glorot_normal)", s)
}

// initialize fills p.Value according to p.Init; rng may be nil only for
// constant initializers.
func (p *Param) initialize(rng *rand.Rand) {
	switch p.Init {
	case InitZeros:
		clear(p.Value)
	case InitOnes:
		for i := range p.Value {
			p.Value[i] = 1
		}
	case InitHeUniform, InitGlorotUniform:
		if rng == nil {
			return
		}
		lim := math.Sqrt(6 / float64(p.FanIn))
		if p.Init == InitGlorotUniform {
			lim = math.Sqrt(6 / float64(p.FanIn+p.FanOut))
		}
		for i := range p.Value {
			p.Value[i] = float32((2*rng.Float64() - 1) * lim)
		}
	case InitHeNormal, InitGlorotNormal:
		if rng == nil {
			return
		}
		std := math.Sqrt(2 / float64(p.FanIn))
		if p.Init == InitGlorotNormal {
			std = math.Sqrt(2 / float64(p.FanIn+p.FanOut))
		}
		for i := range p.Value {
			p.Value[i] = float32(rng.NormFloat64() * std)
		}
	}
}

// maxLayerParams bounds the weights (and the im2col matrix) of one layer,
// so that a spec cannot ask for a huge allocation: 2^28 float32 values
// (1 GiB).
const maxLayerParams = 1 << 28

// inputGradSkipper is implemented by layers that can skip computing the
// gradient with respect to their input (the first layer of a model).
type inputGradSkipper interface {
	skipInputGrad(skip bool)
}

// stepSeeder is implemented by layers with randomness in training (Dropout):
// the model reseeds them before every training step from (seed, step).
type stepSeeder interface {
	seedStep(seed, step uint64)
}

// autoIniter is implemented by layers whose InitAuto default depends on the
// activation that follows them.
type autoIniter interface {
	resolveInit(nextKind string)
}

func resolveAuto(i Init, nextKind string) Init {
	if i != InitAuto {
		return i
	}
	if nextKind == "relu" || nextKind == "leaky_relu" {
		return InitHeUniform
	}
	return InitGlorotUniform
}

// shapeErr returns a Setup error; the model wraps it in a ShapeError that
// names the layer index, kind and input shape.
func shapeErr(_ string, _ Shape, format string, args ...any) error {
	return fmt.Errorf(format, args...)
}

package cnn

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// ErrSpec is wrapped by every error about a malformed or inconsistent model
// spec.
var ErrSpec = errors.New("invalid model spec")

// maxSpecBytes bounds the size of a spec file.
const maxSpecBytes = 1 << 20

// Spec is a model specification in the spirit of Keras' Sequential: the
// input shape, the layers, the loss and the optimizer. It is read from YAML
// or JSON (see ParseSpec) and stored in checkpoints. Example (YAML):
//
//	name: seed
//	input: {height: 120, width: 60, channels: 1}
//	layers:
//	  - {type: conv2d, filters: 12, kernel: 5, activation: relu}
//	  - {type: maxpool2d, size: 2}
//	  - {type: flatten}
//	  - {type: dense, units: 4, activation: softmax}
//	loss: cross_entropy
//	optimizer: {name: adam, lr: 0.001, schedule: {name: cosine}}
type Spec struct {
	Name      string         `yaml:"name,omitempty" json:"name,omitempty"`
	Input     InputSpec      `yaml:"input" json:"input"`
	Layers    []LayerSpec    `yaml:"layers" json:"layers"`
	Loss      string         `yaml:"loss,omitempty" json:"loss,omitempty"`
	Optimizer *OptimizerSpec `yaml:"optimizer,omitempty" json:"optimizer,omitempty"`
}

// InputSpec is the shape of one input sample: an image of Height x Width
// with Channels channels (0 = 1), or, for models on vectors, Features
// values (and no Height, Width or Channels).
type InputSpec struct {
	Height   int `yaml:"height,omitempty" json:"height,omitempty"`
	Width    int `yaml:"width,omitempty" json:"width,omitempty"`
	Channels int `yaml:"channels,omitempty" json:"channels,omitempty"`
	Features int `yaml:"features,omitempty" json:"features,omitempty"`
}

// LayerSpec is one entry of a spec's layer list. Type selects the layer;
// only the fields of that type may be set:
//
//	conv2d           filters, kernel, stride (1), padding (valid|same), bias (true), activation, alpha, init
//	dense            units, bias (true), activation, alpha, init
//	maxpool2d        size, stride (= size)
//	avgpool2d        size, stride (= size)
//	globalavgpool2d  -
//	flatten          -
//	dropout          rate
//	batchnorm        momentum (0.9, Keras convention), epsilon (1e-5)
//	activation       activation (relu|leaky_relu|sigmoid|tanh|softmax), alpha
//	relu, leaky_relu, sigmoid, tanh, softmax   shorthands for activation (alpha for leaky_relu)
//
// kernel, stride and size are an integer or a [height, width] pair. An
// activation on conv2d or dense becomes a separate layer right after it, as
// in torch.nn.Sequential, so parameter names match PyTorch's.
type LayerSpec struct {
	Type       string  `yaml:"type" json:"type"`
	Filters    int     `yaml:"filters,omitempty" json:"filters,omitempty"`
	Units      int     `yaml:"units,omitempty" json:"units,omitempty"`
	Kernel     Pair    `yaml:"kernel,omitempty" json:"kernel,omitempty"`
	Size       Pair    `yaml:"size,omitempty" json:"size,omitempty"`
	Stride     Pair    `yaml:"stride,omitempty" json:"stride,omitempty"`
	Padding    string  `yaml:"padding,omitempty" json:"padding,omitempty"`
	Bias       *bool   `yaml:"bias,omitempty" json:"bias,omitempty"`
	Activation string  `yaml:"activation,omitempty" json:"activation,omitempty"`
	Alpha      float64 `yaml:"alpha,omitempty" json:"alpha,omitempty"`
	Init       string  `yaml:"init,omitempty" json:"init,omitempty"`
	Rate       float64 `yaml:"rate,omitempty" json:"rate,omitempty"`
	Momentum   float64 `yaml:"momentum,omitempty" json:"momentum,omitempty"`
	Epsilon    float64 `yaml:"epsilon,omitempty" json:"epsilon,omitempty"`
}

// OptimizerSpec selects the optimizer and learning rate. Name is "sgd" or
// "adam" (default); Momentum and Nesterov apply to sgd, Beta1, Beta2 and
// Epsilon to adam; LR defaults to 0.01 for sgd and 0.001 for adam.
type OptimizerSpec struct {
	Name        string        `yaml:"name,omitempty" json:"name,omitempty"`
	LR          float64       `yaml:"lr,omitempty" json:"lr,omitempty"`
	Momentum    float64       `yaml:"momentum,omitempty" json:"momentum,omitempty"`
	Nesterov    bool          `yaml:"nesterov,omitempty" json:"nesterov,omitempty"`
	Beta1       float64       `yaml:"beta1,omitempty" json:"beta1,omitempty"`
	Beta2       float64       `yaml:"beta2,omitempty" json:"beta2,omitempty"`
	Epsilon     float64       `yaml:"epsilon,omitempty" json:"epsilon,omitempty"`
	WeightDecay float64       `yaml:"weight_decay,omitempty" json:"weight_decay,omitempty"`
	Schedule    *ScheduleSpec `yaml:"schedule,omitempty" json:"schedule,omitempty"`
}

// ScheduleSpec selects the learning-rate schedule: "constant" (default),
// "step" (step_size epochs, gamma) or "cosine" (min_lr).
type ScheduleSpec struct {
	Name     string  `yaml:"name" json:"name"`
	StepSize int     `yaml:"step_size,omitempty" json:"step_size,omitempty"`
	Gamma    float64 `yaml:"gamma,omitempty" json:"gamma,omitempty"`
	MinLR    float64 `yaml:"min_lr,omitempty" json:"min_lr,omitempty"`
}

// Pair is a size given as one integer (square) or [height, width].
type Pair []int

// HW returns the height and width (0, 0 when unset).
func (p Pair) HW() (int, int) {
	switch len(p) {
	case 1:
		return p[0], p[0]
	case 2:
		return p[0], p[1]
	}
	return 0, 0
}

// UnmarshalYAML accepts an integer or a list of one or two integers.
func (p *Pair) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		var v int
		if err := n.Decode(&v); err != nil {
			return err
		}
		*p = Pair{v}
		return nil
	}
	var v []int
	if err := n.Decode(&v); err != nil {
		return err
	}
	if len(v) != 1 && len(v) != 2 {
		return fmt.Errorf("line %d: want an integer or [height, width], got %d values", n.Line, len(v))
	}
	*p = v
	return nil
}

// UnmarshalJSON accepts an integer or an array of one or two integers.
func (p *Pair) UnmarshalJSON(b []byte) error {
	var v int
	if err := json.Unmarshal(b, &v); err == nil {
		*p = Pair{v}
		return nil
	}
	var s []int
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("want an integer or [height, width]: %w", err)
	}
	if len(s) != 1 && len(s) != 2 {
		return fmt.Errorf("want an integer or [height, width], got %d values", len(s))
	}
	*p = s
	return nil
}

// MarshalJSON writes a square pair as one integer.
func (p Pair) MarshalJSON() ([]byte, error) {
	h, w := p.HW()
	if h == w {
		return []byte(strconv.Itoa(h)), nil
	}
	return []byte(fmt.Sprintf("[%d,%d]", h, w)), nil
}

// MarshalYAML writes a square pair as one integer.
func (p Pair) MarshalYAML() (any, error) {
	h, w := p.HW()
	if h == w {
		return h, nil
	}
	return []int{h, w}, nil
}

// ParseSpec parses a model spec from YAML or JSON (a document starting with
// '{'). Unknown fields, fields that do not belong to a layer's type, and
// invalid values are errors wrapping ErrSpec that name the layer index.
func ParseSpec(data []byte) (*Spec, error) {
	if len(data) > maxSpecBytes {
		return nil, fmt.Errorf("%w: larger than %d bytes", ErrSpec, maxSpecBytes)
	}
	var s Spec
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return nil, fmt.Errorf("%w: empty document", ErrSpec)
	}
	if trimmed[0] == '{' {
		dec := json.NewDecoder(bytes.NewReader(trimmed))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&s); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrSpec, err)
		}
		if dec.More() {
			return nil, fmt.Errorf("%w: trailing data after the JSON object", ErrSpec)
		}
	} else {
		dec := yaml.NewDecoder(bytes.NewReader(data))
		dec.KnownFields(true)
		if err := dec.Decode(&s); err != nil {
			if errors.Is(err, io.EOF) {
				return nil, fmt.Errorf("%w: empty document", ErrSpec)
			}
			return nil, fmt.Errorf("%w: %v", ErrSpec, err)
		}
		var extra any
		if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%w: more than one YAML document", ErrSpec)
		}
		// yaml.v3 truncates a float into an int field (filters: 2.5 becomes
		// 2); refuse it instead, as the JSON decoder does.
		var root yaml.Node
		if err := yaml.Unmarshal(data, &root); err == nil {
			if err := checkIntegers(&root, ""); err != nil {
				return nil, fmt.Errorf("%w: %v", ErrSpec, err)
			}
		}
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return &s, nil
}

// integerKeys are the spec fields that hold whole numbers (or pairs of them).
var integerKeys = map[string]bool{
	"height": true, "width": true, "channels": true, "features": true,
	"filters": true, "units": true, "kernel": true, "size": true, "stride": true,
	"step_size": true,
}

// checkIntegers reports the first value of an integer field in the YAML
// tree n that is written as a number with a fraction or an exponent.
func checkIntegers(n *yaml.Node, path string) error {
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			if err := checkIntegers(c, path); err != nil {
				return err
			}
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			if err := checkIntegers(c, fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			p := k.Value
			if path != "" {
				p = path + "." + k.Value
			}
			if integerKeys[k.Value] {
				vals := []*yaml.Node{v}
				if v.Kind == yaml.SequenceNode {
					vals = v.Content
				}
				for _, x := range vals {
					if x.Kind == yaml.ScalarNode && x.ShortTag() == "!!float" {
						return fmt.Errorf("%s: %s is not a whole number", p, x.Value)
					}
				}
				continue
			}
			if err := checkIntegers(v, p); err != nil {
				return err
			}
		}
	}
	return nil
}

// LoadSpec reads and parses the spec file at path.
func LoadSpec(path string) (*Spec, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("cnn: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxSpecBytes+1))
	if err != nil {
		return nil, fmt.Errorf("cnn: %s: %w", path, err)
	}
	s, err := ParseSpec(data)
	if err != nil {
		return nil, fmt.Errorf("cnn: %s: %w", path, err)
	}
	return s, nil
}

// Limits that keep a spec from asking for absurd allocations.
const (
	maxDim   = 1 << 14
	maxUnits = 1 << 16
)

var layerFields = map[string][]string{
	"conv2d":          {"filters", "kernel", "stride", "padding", "bias", "activation", "alpha", "init"},
	"dense":           {"units", "bias", "activation", "alpha", "init"},
	"maxpool2d":       {"size", "stride"},
	"avgpool2d":       {"size", "stride"},
	"globalavgpool2d": {},
	"flatten":         {},
	"dropout":         {"rate"},
	"batchnorm":       {"momentum", "epsilon"},
	"activation":      {"activation", "alpha"},
	ReLU:              {},
	LeakyReLU:         {"alpha"},
	Sigmoid:           {},
	Tanh:              {},
	Softmax:           {},
}

// setFields lists the fields of l that are set.
func (l *LayerSpec) setFields() []string {
	var f []string
	add := func(name string, set bool) {
		if set {
			f = append(f, name)
		}
	}
	add("filters", l.Filters != 0)
	add("units", l.Units != 0)
	add("kernel", l.Kernel != nil)
	add("size", l.Size != nil)
	add("stride", l.Stride != nil)
	add("padding", l.Padding != "")
	add("bias", l.Bias != nil)
	add("activation", l.Activation != "")
	add("alpha", l.Alpha != 0)
	add("init", l.Init != "")
	add("rate", l.Rate != 0)
	add("momentum", l.Momentum != 0)
	add("epsilon", l.Epsilon != 0)
	return f
}

func specErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrSpec, fmt.Sprintf(format, args...))
}

func checkPair(name string, p Pair, required bool, limit int) error {
	if p == nil {
		if required {
			return fmt.Errorf("%s is required", name)
		}
		return nil
	}
	for _, v := range p {
		if v <= 0 || v > limit {
			return fmt.Errorf("%s %v must be in [1, %d]", name, []int(p), limit)
		}
	}
	return nil
}

// Validate checks the spec without building it; errors wrap ErrSpec.
func (s *Spec) Validate() error {
	in := s.Input
	if in.Features != 0 {
		if in.Height != 0 || in.Width != 0 || in.Channels != 0 || in.Features < 0 || in.Features > maxUnits*16 {
			return specErr("input: features %d must be in [1, %d] and excludes height, width and channels", in.Features, maxUnits*16)
		}
	} else if in.Height <= 0 || in.Width <= 0 || in.Channels < 0 || in.Height > maxDim || in.Width > maxDim || in.Channels > maxDim {
		return specErr("input: height %d and width %d must be in [1, %d], channels %d in [0, %d]", in.Height, in.Width, maxDim, in.Channels, maxDim)
	}
	if len(s.Layers) == 0 {
		return specErr("no layers")
	}
	for i := range s.Layers {
		if err := s.Layers[i].validate(); err != nil {
			return specErr("layer %d (%s): %v", i, s.Layers[i].Type, err)
		}
	}
	if _, err := NewLoss(s.Loss); err != nil {
		return specErr("loss: %v", err)
	}
	if _, _, _, err := s.NewOptimizer(); err != nil {
		return err
	}
	return nil
}

func (l *LayerSpec) validate() error {
	allowed, ok := layerFields[l.Type]
	if !ok {
		return fmt.Errorf("unknown layer type %q (want conv2d, dense, maxpool2d, avgpool2d, globalavgpool2d, flatten, dropout, batchnorm, activation, relu, leaky_relu, sigmoid, tanh, softmax)", l.Type)
	}
	for _, f := range l.setFields() {
		found := false
		for _, a := range allowed {
			found = found || a == f
		}
		if !found {
			return fmt.Errorf("field %q does not apply to %s", f, l.Type)
		}
	}
	if l.Activation != "" {
		if _, err := NewActivation(l.Activation, 0); err != nil {
			return err
		}
	}
	if !(l.Alpha >= 0 && l.Alpha <= 1e6) {
		return fmt.Errorf("alpha %v must be non-negative", l.Alpha)
	}
	if _, err := ParseInit(l.Init); err != nil {
		return err
	}
	switch l.Type {
	case "conv2d":
		if l.Filters <= 0 || l.Filters > maxUnits {
			return fmt.Errorf("filters %d must be in [1, %d]", l.Filters, maxUnits)
		}
		if err := checkPair("kernel", l.Kernel, true, maxDim); err != nil {
			return err
		}
		if err := checkPair("stride", l.Stride, false, maxDim); err != nil {
			return err
		}
		if l.Padding != "" && l.Padding != string(Valid) && l.Padding != string(Same) {
			return fmt.Errorf("padding %q (want valid or same)", l.Padding)
		}
	case "dense":
		if l.Units <= 0 || l.Units > maxUnits {
			return fmt.Errorf("units %d must be in [1, %d]", l.Units, maxUnits)
		}
	case "maxpool2d", "avgpool2d":
		if err := checkPair("size", l.Size, true, maxDim); err != nil {
			return err
		}
		if err := checkPair("stride", l.Stride, false, maxDim); err != nil {
			return err
		}
	case "dropout":
		if !(l.Rate >= 0 && l.Rate < 1) {
			return fmt.Errorf("rate %v must be in [0, 1)", l.Rate)
		}
	case "batchnorm":
		if !(l.Momentum >= 0 && l.Momentum < 1) || !(l.Epsilon >= 0 && l.Epsilon < 1) {
			return fmt.Errorf("momentum %v must be in [0, 1) and epsilon %v in [0, 1)", l.Momentum, l.Epsilon)
		}
	case "activation":
		if l.Activation == "" {
			return errors.New("activation is required")
		}
	}
	return nil
}

// InputShape returns the per-sample input shape [C, H, W] (or [F]).
func (s *Spec) InputShape() Shape {
	if s.Input.Features != 0 {
		return Shape{s.Input.Features}
	}
	c := s.Input.Channels
	if c == 0 {
		c = 1
	}
	return Shape{c, s.Input.Height, s.Input.Width}
}

// layers returns the layers of spec layer l (an activation on conv2d or
// dense is a second layer).
func (l *LayerSpec) layers() ([]Layer, error) {
	init, err := ParseInit(l.Init)
	if err != nil {
		return nil, err
	}
	noBias := l.Bias != nil && !*l.Bias
	var main Layer
	switch l.Type {
	case "conv2d":
		kh, kw := l.Kernel.HW()
		sh, sw := l.Stride.HW()
		main = NewConv2D(Conv2DConfig{Filters: l.Filters, Kernel: kh, KernelW: kw, Stride: sh, StrideW: sw, Padding: Padding(l.Padding), NoBias: noBias, Init: init})
	case "dense":
		main = NewDense(DenseConfig{Units: l.Units, NoBias: noBias, Init: init})
	case "maxpool2d", "avgpool2d":
		kh, kw := l.Size.HW()
		sh, sw := l.Stride.HW()
		cfg := PoolConfig{Size: kh, SizeW: kw, Stride: sh, StrideW: sw}
		if sh == 0 {
			cfg.Stride, cfg.StrideW = kh, kw
		}
		if l.Type == "maxpool2d" {
			main = NewMaxPool2D(cfg)
		} else {
			main = NewAvgPool2D(cfg)
		}
	case "globalavgpool2d":
		main = NewGlobalAvgPool2D()
	case "flatten":
		main = NewFlatten()
	case "dropout":
		main = NewDropout(l.Rate)
	case "batchnorm":
		main = NewBatchNorm(BatchNormConfig{Momentum: l.Momentum, Epsilon: l.Epsilon})
	case "activation":
		return oneAct(l.Activation, l.Alpha)
	case ReLU, LeakyReLU, Sigmoid, Tanh, Softmax:
		return oneAct(l.Type, l.Alpha)
	default:
		return nil, fmt.Errorf("unknown layer type %q", l.Type)
	}
	if l.Activation != "" {
		a, err := NewActivation(l.Activation, l.Alpha)
		if err != nil {
			return nil, err
		}
		return []Layer{main, a}, nil
	}
	return []Layer{main}, nil
}

func oneAct(fn string, alpha float64) ([]Layer, error) {
	a, err := NewActivation(fn, alpha)
	if err != nil {
		return nil, err
	}
	return []Layer{a}, nil
}

// Build validates the spec, creates its model with shape inference and
// initializes the weights from seed. A layer that does not fit its input
// gives a *ShapeError whose Index is the layer's position in s.Layers.
func (s *Spec) Build(seed uint64) (*Sequential, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	var layers []Layer
	var origin []int
	for i := range s.Layers {
		ls, err := s.Layers[i].layers()
		if err != nil {
			return nil, specErr("layer %d (%s): %v", i, s.Layers[i].Type, err)
		}
		for range ls {
			origin = append(origin, i)
		}
		layers = append(layers, ls...)
	}
	m, err := NewSequential(s.InputShape(), layers...)
	if err != nil {
		var se *ShapeError
		if errors.As(err, &se) {
			i := origin[se.Index]
			kind := s.Layers[i].Type
			if kind != se.Kind {
				kind += " " + se.Kind
			}
			return nil, &ShapeError{Index: i, Kind: kind, Input: se.Input, Err: se.Err}
		}
		return nil, err
	}
	m.name = s.Name
	c := s.clone()
	m.spec = c
	m.Init(seed)
	return m, nil
}

// ErrNoDenseOutput is returned by SetOutputUnits when a spec's last layer
// is not a dense layer.
var ErrNoDenseOutput = errors.New("the last layer is not a dense layer")

// SetOutputUnits sets the number of units of the spec's last layer, which
// must be a dense layer, to n (for instance to fit a classifier to a
// dataset's number of classes) and returns the number it had.
func (s *Spec) SetOutputUnits(n int) (int, error) {
	if n <= 0 || n > maxUnits {
		return 0, fmt.Errorf("cnn: output units %d must be in [1, %d]", n, maxUnits)
	}
	if len(s.Layers) == 0 || s.Layers[len(s.Layers)-1].Type != "dense" {
		return 0, fmt.Errorf("cnn: %w", ErrNoDenseOutput)
	}
	last := &s.Layers[len(s.Layers)-1]
	old := last.Units
	last.Units = n
	return old, nil
}

func (s *Spec) clone() *Spec {
	b, _ := json.Marshal(s)
	var c Spec
	_ = json.Unmarshal(b, &c)
	return &c
}

// NewOptimizer returns the optimizer, base learning rate and schedule the
// spec asks for (Adam with lr 0.001 and a constant rate when it has no
// optimizer section).
func (s *Spec) NewOptimizer() (Optimizer, float64, Schedule, error) {
	o := s.Optimizer
	if o == nil {
		o = &OptimizerSpec{}
	}
	bad := func(format string, args ...any) (Optimizer, float64, Schedule, error) {
		return nil, 0, nil, specErr("optimizer: "+format, args...)
	}
	nums := []float64{o.LR, o.WeightDecay, o.Momentum, o.Beta1, o.Beta2, o.Epsilon}
	if o.Schedule != nil {
		nums = append(nums, o.Schedule.Gamma, o.Schedule.MinLR)
	}
	for _, v := range nums {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return bad("%v is not a finite number", v)
		}
	}
	if o.LR < 0 || o.LR > 10 || o.WeightDecay < 0 || o.WeightDecay > 1 {
		return bad("lr %v must be in (0, 10] and weight_decay %v in [0, 1]", o.LR, o.WeightDecay)
	}
	var opt Optimizer
	lr := o.LR
	switch o.Name {
	case "", "adam":
		if o.Momentum != 0 || o.Nesterov {
			return bad("momentum and nesterov apply to sgd, not adam")
		}
		for _, b := range []float64{o.Beta1, o.Beta2} {
			if b < 0 || b >= 1 {
				return bad("betas must be in [0, 1)")
			}
		}
		if o.Epsilon < 0 {
			return bad("epsilon must be non-negative")
		}
		opt = &Adam{Beta1: o.Beta1, Beta2: o.Beta2, Epsilon: o.Epsilon, WeightDecay: o.WeightDecay}
		if lr == 0 {
			lr = 1e-3
		}
	case "sgd":
		if o.Beta1 != 0 || o.Beta2 != 0 || o.Epsilon != 0 {
			return bad("beta1, beta2 and epsilon apply to adam, not sgd")
		}
		if o.Momentum < 0 || o.Momentum >= 1 || (o.Nesterov && o.Momentum == 0) {
			return bad("momentum %v must be in [0, 1) (and positive with nesterov)", o.Momentum)
		}
		opt = &SGD{Momentum: o.Momentum, Nesterov: o.Nesterov, WeightDecay: o.WeightDecay}
		if lr == 0 {
			lr = 1e-2
		}
	default:
		return bad("unknown optimizer %q (want sgd or adam)", o.Name)
	}
	var sched Schedule = ConstantLR{}
	if sc := o.Schedule; sc != nil {
		switch sc.Name {
		case "", "constant":
			if sc.StepSize != 0 || sc.Gamma != 0 || sc.MinLR != 0 {
				return bad("schedule constant takes no parameters")
			}
		case "step":
			if sc.StepSize < 0 || sc.Gamma < 0 || sc.Gamma > 1 || sc.MinLR != 0 {
				return bad("schedule step needs step_size >= 1 and gamma in (0, 1]")
			}
			sched = StepLR{StepSize: sc.StepSize, Gamma: sc.Gamma}
		case "cosine":
			if sc.MinLR < 0 || sc.StepSize != 0 || sc.Gamma != 0 {
				return bad("schedule cosine takes only min_lr >= 0")
			}
			sched = CosineLR{MinLR: sc.MinLR}
		default:
			return bad("unknown schedule %q (want constant, step or cosine)", sc.Name)
		}
	}
	return opt, lr, sched, nil
}

// NewLoss returns the spec's loss.
func (s *Spec) NewLoss() (Loss, error) { return NewLoss(s.Loss) }

// Spec returns the model's spec: the one it was built from, or one derived
// from its layers when it was built in Go. It fails for layers that have
// no spec form (custom Layer implementations).
func (m *Sequential) Spec() (*Spec, error) {
	if m.spec != nil {
		return m.spec.clone(), nil
	}
	s := &Spec{Name: m.name}
	if len(m.input) == 1 {
		s.Input.Features = m.input[0]
	} else if len(m.input) == 3 {
		s.Input = InputSpec{Channels: m.input[0], Height: m.input[1], Width: m.input[2]}
	} else {
		return nil, fmt.Errorf("cnn: input shape %v has no spec form", []int(m.input))
	}
	for i, l := range m.layers {
		var ls LayerSpec
		noBias := func(nb bool) *bool {
			if !nb {
				return nil
			}
			f := false
			return &f
		}
		init := func(i Init) string {
			if i == InitAuto {
				return ""
			}
			return i.String()
		}
		switch l := l.(type) {
		case *Conv2D:
			c := l.cfg
			ls = LayerSpec{Type: "conv2d", Filters: c.Filters, Kernel: Pair{l.kh, l.kw}, Stride: Pair{l.sh, l.sw}, Padding: string(c.Padding), Bias: noBias(c.NoBias), Init: init(c.Init)}
		case *Dense:
			ls = LayerSpec{Type: "dense", Units: l.cfg.Units, Bias: noBias(l.cfg.NoBias), Init: init(l.cfg.Init)}
		case *MaxPool2D:
			ls = LayerSpec{Type: "maxpool2d", Size: Pair{l.kh, l.kw}, Stride: Pair{l.sh, l.sw}}
		case *AvgPool2D:
			ls = LayerSpec{Type: "avgpool2d", Size: Pair{l.kh, l.kw}, Stride: Pair{l.sh, l.sw}}
		case *GlobalAvgPool2D:
			ls = LayerSpec{Type: "globalavgpool2d"}
		case *Flatten:
			ls = LayerSpec{Type: "flatten"}
		case *Dropout:
			ls = LayerSpec{Type: "dropout", Rate: l.rate}
		case *BatchNorm:
			ls = LayerSpec{Type: "batchnorm", Momentum: l.cfg.Momentum, Epsilon: l.cfg.Epsilon}
		case *Activation:
			ls = LayerSpec{Type: l.fn}
			if l.fn == LeakyReLU {
				ls.Alpha = float64(l.alpha)
			}
		default:
			return nil, fmt.Errorf("cnn: layer %d (%s) has no spec form", i, l.Kind())
		}
		if ls.Padding == string(Valid) {
			ls.Padding = ""
		}
		s.Layers = append(s.Layers, ls)
	}
	return s, nil
}

// String returns the spec as YAML.
func (s *Spec) String() string {
	b, err := yaml.Marshal(s)
	if err != nil {
		return err.Error()
	}
	return strings.TrimSpace(string(b))
}

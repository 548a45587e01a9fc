package cnn

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
)

// ErrShape is wrapped by the errors of model construction whose cause is a
// shape that does not fit (see ShapeError) and by Predict on a batch of the
// wrong shape.
var ErrShape = errors.New("shape mismatch")

// ShapeError reports a layer that does not accept its input shape.
type ShapeError struct {
	// Index is the position of the layer in the model (or in the spec's
	// layer list when built from a spec).
	Index int
	// Kind is the layer's kind, e.g. "dense".
	Kind string
	// Input is the per-sample shape the layer received.
	Input Shape
	// Err says what is wrong.
	Err error
}

// Error names the layer, its kind, its input shape and the problem.
func (e *ShapeError) Error() string {
	return fmt.Sprintf("layer %d (%s): input shape %v: %v", e.Index, e.Kind, e.Input, e.Err)
}

// Unwrap returns ErrShape, so errors.Is(err, ErrShape) holds.
func (e *ShapeError) Unwrap() []error { return []error{ErrShape, e.Err} }

// NamedParam is a parameter with its PyTorch state-dict name, e.g.
// "0.weight" for the weight of the first layer.
type NamedParam struct {
	Name string
	*Param
}

// Sequential is a stack of layers applied in order, like Keras' Sequential
// and torch.nn.Sequential. It is not safe for concurrent use.
type Sequential struct {
	name   string
	input  Shape
	layers []Layer
	shapes []Shape
	params []NamedParam
	spec   *Spec
	seed   uint64
	step   uint64
	// chunkX and evalOut serve evaluation of large batches in chunks.
	chunkX, evalOut Tensor
	// exec is the order in which layers run: the identity, except that an
	// element-wise monotonic activation followed by max pooling runs after
	// the pooling (f(max(x)) = max(f(x)), with the same gradients), on four
	// times fewer values for 2x2 pooling.
	exec []int
	// fused[k] says that the convolution exec[k] runs together with the
	// max pooling exec[k+1], sample by sample (see Conv2D.forwardPooled).
	fused []bool
}

// NewSequential checks that each layer accepts the output shape of the one
// before (input is the per-sample shape [C, H, W] of the data), allocates
// the parameters and initializes them with seed 1 (see Init). A layer that
// does not fit gives a *ShapeError naming its index and shapes.
func NewSequential(input Shape, layers ...Layer) (*Sequential, error) {
	if len(input) == 0 || input.Size() <= 0 {
		return nil, fmt.Errorf("cnn: input shape %v: %w: every dimension must be positive", []int(input), ErrShape)
	}
	for _, d := range input {
		if d <= 0 || d > 1<<20 {
			return nil, fmt.Errorf("cnn: input shape %v: %w: every dimension must be in [1, 2^20]", []int(input), ErrShape)
		}
	}
	if len(layers) == 0 {
		return nil, errors.New("cnn: a model needs at least one layer")
	}
	m := &Sequential{input: input.clone(), layers: layers}
	cur := m.input
	for i, l := range layers {
		if l == nil {
			return nil, fmt.Errorf("cnn: layer %d is nil", i)
		}
		out, err := l.Setup(cur)
		if err != nil {
			return nil, &ShapeError{Index: i, Kind: l.Kind(), Input: cur.clone(), Err: err}
		}
		if out.Size() <= 0 {
			return nil, &ShapeError{Index: i, Kind: l.Kind(), Input: cur.clone(), Err: fmt.Errorf("empty output %v", out)}
		}
		m.shapes = append(m.shapes, out.clone())
		cur = out
	}
	m.exec = make([]int, len(layers))
	for i := range m.exec {
		m.exec[i] = i
	}
	for i := 0; i+1 < len(layers); i++ {
		a, ok := layers[i].(*Activation)
		_, isPool := layers[i+1].(*MaxPool2D)
		if ok && isPool && a.fn != Softmax && m.exec[i] == i {
			if _, err := a.Setup(m.shapes[i+1]); err == nil {
				m.exec[i], m.exec[i+1] = i+1, i
			} else {
				a.Setup(m.shapes[i])
			}
		}
	}
	m.fused = make([]bool, len(layers))
	for k := 0; k+1 < len(layers); k++ {
		c, ok := layers[m.exec[k]].(*Conv2D)
		p, isPool := layers[m.exec[k+1]].(*MaxPool2D)
		if ok && isPool && (k == 0 || !m.fused[k-1]) {
			m.fused[k] = true
			c.pool = &p.pool2d
		}
	}
	for i, l := range layers {
		if a, ok := l.(autoIniter); ok {
			next := ""
			if i+1 < len(layers) {
				next = layers[i+1].Kind()
			}
			a.resolveInit(next)
		}
		if s, ok := l.(inputGradSkipper); ok {
			s.skipInputGrad(i == 0)
		}
		for _, p := range l.Params() {
			m.params = append(m.params, NamedParam{Name: strconv.Itoa(i) + "." + p.Name, Param: p})
		}
	}
	m.Init(1)
	return m, nil
}

// Init initializes every parameter from seed (weights by their
// initializer, biases to zero, BatchNorm to identity with fresh running
// statistics) and seeds the model's dropout layers.
func (m *Sequential) Init(seed uint64) {
	m.seed = seed
	rng := rand.New(rand.NewPCG(seed, 0x5eed_c0ffee))
	for _, p := range m.params {
		p.initialize(rng)
	}
	for _, l := range m.layers {
		if bn, ok := l.(*BatchNorm); ok {
			bn.NumBatchesTracked = 0
		}
	}
}

// Name returns the model's name (from its spec; may be empty).
func (m *Sequential) Name() string { return m.name }

// Layers returns the model's layers.
func (m *Sequential) Layers() []Layer { return m.layers }

// InputShape returns the per-sample input shape.
func (m *Sequential) InputShape() Shape { return m.input.clone() }

// OutputShape returns the per-sample output shape.
func (m *Sequential) OutputShape() Shape { return m.shapes[len(m.shapes)-1].clone() }

// LayerShapes returns the per-sample output shape of every layer.
func (m *Sequential) LayerShapes() []Shape { return m.shapes }

// Params returns every parameter and buffer with its state-dict name, in
// layer order.
func (m *Sequential) Params() []NamedParam { return m.params }

// TrainableParams returns the parameters the optimizer updates.
func (m *Sequential) TrainableParams() []NamedParam {
	var out []NamedParam
	for _, p := range m.params {
		if p.Trainable() {
			out = append(out, p)
		}
	}
	return out
}

// NumParams returns the number of trainable and non-trainable values.
func (m *Sequential) NumParams() (trainable, nonTrainable int) {
	for _, p := range m.params {
		if p.Trainable() {
			trainable += len(p.Value)
		} else {
			nonTrainable += len(p.Value)
		}
	}
	return trainable, nonTrainable
}

// endsWithSoftmax reports whether the last layer is a softmax, which the
// cross-entropy loss fuses with.
func (m *Sequential) endsWithSoftmax() bool {
	a, ok := m.layers[len(m.layers)-1].(*Activation)
	return ok && a.fn == Softmax
}

// checkInput returns an error if x is not a batch of the model's input
// shape.
func (m *Sequential) checkInput(x *Tensor) error {
	if x == nil || len(x.Shape) != len(m.input)+1 || x.Shape[0] <= 0 || !Shape(x.Shape[1:]).Equal(m.input) || len(x.Data) != Shape(x.Shape).Size() {
		var shape []int
		if x != nil {
			shape = x.Shape
		}
		return fmt.Errorf("cnn: batch shape %v, want [N %v]: %w", shape, strings.Trim(fmt.Sprint([]int(m.input)), "[]"), ErrShape)
	}
	return nil
}

// forward runs layers [0, end) on x.
func (m *Sequential) forward(x *Tensor, train bool, end int) *Tensor {
	if train {
		m.step++
		for i, l := range m.layers[:end] {
			if s, ok := l.(stepSeeder); ok {
				s.seedStep(m.seed^uint64(i+1)*0x9E3779B97F4A7C15, m.step)
			}
		}
	}
	if !train && x.Shape[0] > evalChunk {
		return m.forwardChunks(x, end)
	}
	return m.run(x, train, end)
}

// run runs the layers exec[:end] forward on x.
func (m *Sequential) run(x *Tensor, train bool, end int) *Tensor {
	for k := 0; k < end; k++ {
		if m.fused[k] && k+1 < end {
			x = m.layers[m.exec[k]].(*Conv2D).forwardPooled(x, train)
			k++
			continue
		}
		x = m.layers[m.exec[k]].Forward(x, train)
	}
	return x
}

// evalChunk is the largest batch evaluated in one pass: larger batches are
// split so that the activations stay in cache (a batch of 256 seed images
// is about 2.5x slower per image in one pass than in four).
const evalChunk = 64

// forwardChunks evaluates x in chunks of evalChunk samples.
func (m *Sequential) forwardChunks(x *Tensor, end int) *Tensor {
	n := x.Shape[0]
	size := len(x.Data) / n
	for lo := 0; lo < n; lo += evalChunk {
		hi := min(lo+evalChunk, n)
		m.chunkX.Shape = append(append(m.chunkX.Shape[:0], hi-lo), x.Shape[1:]...)
		m.chunkX.Data = x.Data[lo*size : hi*size]
		y := m.run(&m.chunkX, false, end)
		osz := len(y.Data) / (hi - lo)
		if lo == 0 {
			m.evalOut.resizeBatch(n, Shape(y.Shape[1:]))
		}
		copy(m.evalOut.Data[lo*osz:hi*osz], y.Data)
	}
	return &m.evalOut
}

// backward runs the backward pass of layers [0, end) from dy.
func (m *Sequential) backward(dy *Tensor, end int) {
	for k := end - 1; k >= 0; k-- {
		if k > 0 && m.fused[k-1] {
			dy = m.layers[m.exec[k-1]].(*Conv2D).backwardPooled(dy)
			k--
			continue
		}
		dy = m.layers[m.exec[k]].Backward(dy)
	}
}

// Forward runs every layer on the batch x and returns the output, which
// stays valid until the next call. train selects training behaviour
// (dropout, batch statistics). x must match the input shape (see Predict
// for a checked call).
func (m *Sequential) Forward(x *Tensor, train bool) *Tensor {
	return m.forward(x, train, len(m.layers))
}

// Backward backpropagates dy, the gradient of the loss with respect to the
// output of the last Forward, and leaves the gradients in the parameters.
func (m *Sequential) Backward(dy *Tensor) { m.backward(dy, len(m.layers)) }

// Predict runs the model in evaluation mode on x [N, C, H, W] and returns
// its output (probabilities when the model ends with a softmax). The result
// is owned by the model and valid until its next call.
func (m *Sequential) Predict(x *Tensor) (*Tensor, error) {
	if err := m.checkInput(x); err != nil {
		return nil, err
	}
	return m.Forward(x, false), nil
}

// Logits runs the model in evaluation mode without a final softmax layer:
// these are the values a torch.nn.Sequential without the softmax returns.
func (m *Sequential) Logits(x *Tensor) (*Tensor, error) {
	if err := m.checkInput(x); err != nil {
		return nil, err
	}
	end := len(m.layers)
	if m.endsWithSoftmax() {
		end--
	}
	return m.forward(x, false, end), nil
}

// Summary returns a table of the layers with their output shapes and
// parameter counts, like Keras' model.summary().
func (m *Sequential) Summary() string {
	var b strings.Builder
	name := m.name
	if name == "" {
		name = "sequential"
	}
	fmt.Fprintf(&b, "Model: %q  input %v\n", name, m.input)
	line := strings.Repeat("─", 64) + "\n"
	b.WriteString(line)
	fmt.Fprintf(&b, "%-28s %-24s %10s\n", "Layer (type)", "Output Shape", "Param #")
	b.WriteString(strings.Repeat("═", 64) + "\n")
	for i, l := range m.layers {
		n := 0
		for _, p := range l.Params() {
			n += len(p.Value)
		}
		fmt.Fprintf(&b, "%-28s %-24s %10s\n", fmt.Sprintf("%d (%s)", i, l.Kind()), m.shapes[i], commas(n))
	}
	b.WriteString(line)
	tr, nt := m.NumParams()
	fmt.Fprintf(&b, "Total params: %s\nTrainable params: %s\nNon-trainable params: %s\n", commas(tr+nt), commas(tr), commas(nt))
	return b.String()
}

func commas(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

package cnn

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
)

// ErrCheckpoint is wrapped by every error about a malformed checkpoint or
// one that does not match the model.
var ErrCheckpoint = errors.New("invalid checkpoint")

// MaxHeaderBytes bounds the JSON header of a safetensors file, as the
// reference implementation does (100 MB).
const MaxHeaderBytes = 100 << 20

// Metadata keys cnnpipe writes into the safetensors header.
const (
	MetaSpec      = "cnnpipe.spec"      // the model spec as JSON
	MetaState     = "cnnpipe.state"     // TrainState as JSON (training checkpoints)
	MetaOptimizer = "cnnpipe.optimizer" // optimizer name and step count as JSON
	// MetaClasses holds the class names as a JSON array of strings (name i
	// is label i), and MetaNormalization the input normalization as JSON
	// {"mean": [...], "std": [...]}. The trainer writes what it is given in
	// TrainConfig.Metadata; eval and predict read them.
	MetaClasses       = "cnnpipe.classes"
	MetaNormalization = "cnnpipe.normalization"
)

// optimizerPrefix starts the names of optimizer-state tensors:
// "optimizer.exp_avg.0.weight".
const optimizerPrefix = "optimizer."

// CheckpointTensor is one tensor of a checkpoint: float32 ("F32") or int64
// ("I64") data with its shape.
type CheckpointTensor struct {
	DType string
	Shape []int
	F32   []float32
	I64   []int64
}

// Checkpoint is the content of a safetensors file: named tensors and a
// string-to-string metadata map.
type Checkpoint struct {
	Metadata map[string]string
	Tensors  map[string]*CheckpointTensor
	// Names lists the tensors in file order.
	Names []string
}

func (c *Checkpoint) add(name string, t *CheckpointTensor) {
	if c.Tensors == nil {
		c.Tensors = map[string]*CheckpointTensor{}
	}
	c.Tensors[name] = t
	c.Names = append(c.Names, name)
}

type headerEntry struct {
	DType       string   `json:"dtype"`
	Shape       []int64  `json:"shape"`
	DataOffsets []uint64 `json:"data_offsets"`
}

// Encode returns the checkpoint in the safetensors format: an 8-byte
// little-endian header length, a JSON header (padded with spaces to a
// multiple of 8 bytes) giving each tensor's dtype, shape and data_offsets,
// and the little-endian tensor data.
func (c *Checkpoint) Encode() ([]byte, error) {
	header := map[string]any{}
	if len(c.Metadata) > 0 {
		header["__metadata__"] = c.Metadata
	}
	var off uint64
	for _, name := range c.Names {
		t := c.Tensors[name]
		n := uint64(Shape(t.Shape).Size())
		var size uint64
		switch t.DType {
		case "F32":
			if uint64(len(t.F32)) != n {
				return nil, fmt.Errorf("cnn: tensor %s: %d values for shape %v", name, len(t.F32), t.Shape)
			}
			size = 4 * n
		case "I64":
			if uint64(len(t.I64)) != n {
				return nil, fmt.Errorf("cnn: tensor %s: %d values for shape %v", name, len(t.I64), t.Shape)
			}
			size = 8 * n
		default:
			return nil, fmt.Errorf("cnn: tensor %s: unsupported dtype %q", name, t.DType)
		}
		shape := make([]int64, len(t.Shape))
		for i, d := range t.Shape {
			shape[i] = int64(d)
		}
		header[name] = headerEntry{DType: t.DType, Shape: shape, DataOffsets: []uint64{off, off + size}}
		off += size
	}
	h, err := json.Marshal(header)
	if err != nil {
		return nil, fmt.Errorf("cnn: checkpoint header: %w", err)
	}
	for len(h)%8 != 0 {
		h = append(h, ' ')
	}
	out := make([]byte, 8, 8+len(h)+int(off))
	binary.LittleEndian.PutUint64(out, uint64(len(h)))
	out = append(out, h...)
	for _, name := range c.Names {
		t := c.Tensors[name]
		for _, v := range t.F32 {
			out = binary.LittleEndian.AppendUint32(out, math.Float32bits(v))
		}
		for _, v := range t.I64 {
			out = binary.LittleEndian.AppendUint64(out, uint64(v))
		}
	}
	return out, nil
}

// ReadCheckpoint parses a safetensors file held in data. It checks the
// header size (at most MaxHeaderBytes and within data), the JSON, every
// dtype, shape and data offset (inside the data, matching the shape, not
// overlapping), so a malformed or lying file gives an error wrapping
// ErrCheckpoint instead of a panic or a large allocation. Only F32 and I64
// tensors are supported.
func ReadCheckpoint(data []byte) (*Checkpoint, error) {
	bad := func(format string, args ...any) (*Checkpoint, error) {
		return nil, fmt.Errorf("%w: %s", ErrCheckpoint, fmt.Sprintf(format, args...))
	}
	if len(data) < 8 {
		return bad("file of %d bytes is too short for a safetensors header", len(data))
	}
	n := binary.LittleEndian.Uint64(data)
	if n > MaxHeaderBytes {
		return bad("header length %d exceeds the %d-byte limit", n, MaxHeaderBytes)
	}
	if n > uint64(len(data)-8) {
		return bad("header length %d exceeds the file (%d bytes)", n, len(data))
	}
	hdr, buf := data[8:8+n], data[8+n:]
	if len(bytes.TrimSpace(hdr)) == 0 || bytes.TrimSpace(hdr)[0] != '{' {
		return bad("header is not a JSON object")
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(hdr, &raw); err != nil {
		return bad("header: %v", err)
	}
	c := &Checkpoint{Metadata: map[string]string{}, Tensors: map[string]*CheckpointTensor{}}
	type span struct {
		name       string
		begin, end uint64
	}
	var spans []span
	for name, msg := range raw {
		if name == "__metadata__" {
			if err := json.Unmarshal(msg, &c.Metadata); err != nil {
				return bad("__metadata__ must map strings to strings: %v", err)
			}
			if c.Metadata == nil {
				c.Metadata = map[string]string{}
			}
			continue
		}
		var e headerEntry
		dec := json.NewDecoder(bytes.NewReader(msg))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&e); err != nil {
			return bad("tensor %q: %v", name, err)
		}
		var elem uint64
		switch e.DType {
		case "F32":
			elem = 4
		case "I64":
			elem = 8
		default:
			return bad("tensor %q: unsupported dtype %q (want F32 or I64)", name, e.DType)
		}
		if len(e.DataOffsets) != 2 {
			return bad("tensor %q: data_offsets must be [begin, end]", name)
		}
		begin, end := e.DataOffsets[0], e.DataOffsets[1]
		if begin > end || end > uint64(len(buf)) {
			return bad("tensor %q: data_offsets [%d, %d] outside the %d data bytes", name, begin, end, len(buf))
		}
		count := uint64(1)
		shape := make([]int, len(e.Shape))
		for i, d := range e.Shape {
			if d < 0 || uint64(d) > uint64(len(buf)) {
				return bad("tensor %q: bad dimension %d", name, d)
			}
			shape[i] = int(d)
			if d != 0 && count > uint64(len(buf))/uint64(d) {
				return bad("tensor %q: shape %v larger than the file", name, e.Shape)
			}
			count *= uint64(d)
		}
		if count*elem != end-begin {
			return bad("tensor %q: shape %v needs %d bytes, data_offsets give %d", name, e.Shape, count*elem, end-begin)
		}
		t := &CheckpointTensor{DType: e.DType, Shape: shape}
		b := buf[begin:end]
		if elem == 4 {
			t.F32 = make([]float32, count)
			for i := range t.F32 {
				t.F32[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
			}
		} else {
			t.I64 = make([]int64, count)
			for i := range t.I64 {
				t.I64[i] = int64(binary.LittleEndian.Uint64(b[8*i:]))
			}
		}
		c.Tensors[name] = t
		spans = append(spans, span{name, begin, end})
	}
	sort.Slice(spans, func(i, j int) bool {
		if spans[i].begin != spans[j].begin {
			return spans[i].begin < spans[j].begin
		}
		return spans[i].name < spans[j].name
	})
	for i, s := range spans {
		if i > 0 && s.begin < spans[i-1].end {
			return bad("tensors %q and %q overlap", spans[i-1].name, s.name)
		}
		c.Names = append(c.Names, s.name)
	}
	return c, nil
}

// LoadCheckpoint reads the safetensors file at path.
func LoadCheckpoint(path string) (*Checkpoint, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cnn: %w", err)
	}
	c, err := ReadCheckpoint(data)
	if err != nil {
		return nil, fmt.Errorf("cnn: %s: %w", path, err)
	}
	return c, nil
}

// Spec returns the model spec stored in the checkpoint's metadata. It
// refuses a spec whose conv2d and dense weights alone outnumber the values
// the checkpoint holds, so that a small file cannot make its reader build
// (allocate) a huge model before the weights are found missing.
func (c *Checkpoint) Spec() (*Spec, error) {
	js, ok := c.Metadata[MetaSpec]
	if !ok {
		return nil, fmt.Errorf("%w: no %s metadata", ErrCheckpoint, MetaSpec)
	}
	s, err := ParseSpec([]byte(js))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrCheckpoint, MetaSpec, err)
	}
	var have float64
	for _, t := range c.Tensors {
		have += float64(len(t.F32) + len(t.I64))
	}
	if need := s.minWeights(); need > have {
		return nil, fmt.Errorf("%w: the spec's conv2d and dense layers need at least %.0f weights, the file holds %.0f values", ErrCheckpoint, need, have)
	}
	return s, nil
}

// minWeights returns a lower bound on the number of weights of the model s
// describes: its conv2d and dense kernels, counted by following the layer
// shapes without allocating them. It stops counting at the first layer
// whose shape it cannot follow (Build reports those).
func (s *Spec) minWeights() float64 {
	if s.Validate() != nil {
		return 0
	}
	cur := s.InputShape()
	var n float64
	for i := range s.Layers {
		ls, err := s.Layers[i].layers()
		if err != nil {
			return n
		}
		for _, l := range ls {
			switch l := l.(type) {
			case *Conv2D:
				c := l.cfg
				kh, kw, sh, sw := c.Kernel, c.KernelW, c.Stride, c.StrideW
				if kw == 0 {
					kw = kh
				}
				if sh == 0 {
					sh = 1
				}
				if sw == 0 {
					sw = sh
				}
				if len(cur) != 3 || kh <= 0 || kw <= 0 || sh <= 0 || sw <= 0 || c.Filters <= 0 {
					return n
				}
				oh, ow := (cur[1]+sh-1)/sh, (cur[2]+sw-1)/sw
				if c.Padding != Same {
					if cur[1] < kh || cur[2] < kw {
						return n
					}
					oh, ow = (cur[1]-kh)/sh+1, (cur[2]-kw)/sw+1
				}
				n += float64(c.Filters) * float64(cur[0]) * float64(kh*kw)
				cur = Shape{c.Filters, oh, ow}
			case *Dense:
				if len(cur) != 1 || l.cfg.Units <= 0 {
					return n
				}
				n += float64(l.cfg.Units) * float64(cur[0])
				cur = Shape{l.cfg.Units}
			default:
				out, err := l.Setup(cur)
				if err != nil {
					return n
				}
				cur = out
			}
		}
	}
	return n
}

// weights returns a checkpoint holding the model's parameters and buffers
// in PyTorch's state-dict layout, with the spec in the metadata.
func (m *Sequential) weights() (*Checkpoint, error) {
	s, err := m.Spec()
	if err != nil {
		return nil, err
	}
	js, err := json.Marshal(s)
	if err != nil {
		return nil, fmt.Errorf("cnn: spec: %w", err)
	}
	c := &Checkpoint{Metadata: map[string]string{"format": "pt", MetaSpec: string(js)}}
	for i, l := range m.layers {
		for _, p := range l.Params() {
			c.add(strconv.Itoa(i)+"."+p.Name, &CheckpointTensor{DType: "F32", Shape: append([]int(nil), p.Shape...), F32: append([]float32(nil), p.Value...)})
		}
		if bn, ok := l.(*BatchNorm); ok {
			c.add(strconv.Itoa(i)+".num_batches_tracked", &CheckpointTensor{DType: "I64", Shape: []int{}, I64: []int64{bn.NumBatchesTracked}})
		}
	}
	return c, nil
}

// Save writes the model's weights and spec to path as safetensors (to a
// temporary file renamed into place). The file loads into the equivalent
// torch.nn.Sequential with load_state_dict.
func (m *Sequential) Save(path string) error {
	c, err := m.weights()
	if err != nil {
		return err
	}
	data, err := c.Encode()
	if err != nil {
		return err
	}
	return WriteFileAtomic(path, data)
}

// LoadWeights copies the parameters and buffers of c into m. Every tensor
// of the model must be present with the same shape; optimizer tensors are
// ignored, and other extra tensors are an error.
func (m *Sequential) LoadWeights(c *Checkpoint) error {
	want := map[string]bool{}
	for i, l := range m.layers {
		for _, p := range l.Params() {
			name := strconv.Itoa(i) + "." + p.Name
			want[name] = true
			t, ok := c.Tensors[name]
			if !ok {
				return fmt.Errorf("%w: missing tensor %s", ErrCheckpoint, name)
			}
			if t.DType != "F32" || !Shape(t.Shape).Equal(p.Shape) {
				return fmt.Errorf("%w: tensor %s is %s%v, model wants F32%v", ErrCheckpoint, name, t.DType, t.Shape, p.Shape)
			}
		}
		if _, ok := l.(*BatchNorm); ok {
			name := strconv.Itoa(i) + ".num_batches_tracked"
			want[name] = true
			if t, ok := c.Tensors[name]; ok && (t.DType != "I64" || len(t.I64) != 1) {
				return fmt.Errorf("%w: tensor %s must be one I64", ErrCheckpoint, name)
			}
		}
	}
	for name := range c.Tensors {
		if !want[name] && !strings.HasPrefix(name, optimizerPrefix) {
			return fmt.Errorf("%w: unexpected tensor %s", ErrCheckpoint, name)
		}
	}
	for i, l := range m.layers {
		for _, p := range l.Params() {
			copy(p.Value, c.Tensors[strconv.Itoa(i)+"."+p.Name].F32)
		}
		if bn, ok := l.(*BatchNorm); ok {
			if t, ok := c.Tensors[strconv.Itoa(i)+".num_batches_tracked"]; ok {
				bn.NumBatchesTracked = t.I64[0]
			}
		}
	}
	return nil
}

// LoadModel builds the model described by the spec in the checkpoint at
// path and loads its weights.
func LoadModel(path string) (*Sequential, error) {
	c, err := LoadCheckpoint(path)
	if err != nil {
		return nil, err
	}
	s, err := c.Spec()
	if err != nil {
		return nil, fmt.Errorf("cnn: %s: %w", path, err)
	}
	m, err := s.Build(0)
	if err != nil {
		return nil, fmt.Errorf("cnn: %s: %w", path, err)
	}
	if err := m.LoadWeights(c); err != nil {
		return nil, fmt.Errorf("cnn: %s: %w", path, err)
	}
	return m, nil
}

type optimizerMeta struct {
	Name  string `json:"name"`
	Steps int64  `json:"steps"`
}

// SaveCheckpoint writes a training checkpoint to path: the model's weights
// and spec, the optimizer state (tensors named "optimizer.<slot>.<param>")
// and the TrainState, so that Resume continues the run exactly.
func (t *Trainer) SaveCheckpoint(path string) error {
	c, err := t.model.weights()
	if err != nil {
		return err
	}
	st := t.State()
	js, err := json.Marshal(stateJSON(st))
	if err != nil {
		return fmt.Errorf("cnn: state: %w", err)
	}
	for k, v := range t.cfg.Metadata {
		if _, taken := c.Metadata[k]; !taken {
			c.Metadata[k] = v
		}
	}
	c.Metadata[MetaState] = string(js)
	ost := t.cfg.Optimizer.State()
	om, _ := json.Marshal(optimizerMeta{Name: t.cfg.Optimizer.Name(), Steps: ost.Steps})
	c.Metadata[MetaOptimizer] = string(om)
	slots := make([]string, 0, len(ost.Slots))
	for k := range ost.Slots {
		slots = append(slots, k)
	}
	sort.Strings(slots)
	for _, slot := range slots {
		bufs := ost.Slots[slot]
		if len(bufs) != len(t.train) {
			return fmt.Errorf("cnn: optimizer slot %s has %d buffers for %d parameters", slot, len(bufs), len(t.train))
		}
		for i, p := range t.train {
			c.add(optimizerPrefix+slot+"."+p.Name, &CheckpointTensor{DType: "F32", Shape: append([]int(nil), p.Shape...), F32: bufs[i]})
		}
	}
	data, err := c.Encode()
	if err != nil {
		return err
	}
	return WriteFileAtomic(path, data)
}

// stateJSON replaces NaN statistics (no validation set) by -1 so that the
// state encodes as JSON.
func stateJSON(s TrainState) TrainState {
	fix := func(v float64) float64 {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return -1
		}
		return v
	}
	for i := range s.History {
		h := &s.History[i]
		h.TrainLoss, h.TrainAcc, h.ValLoss, h.ValAcc = fix(h.TrainLoss), fix(h.TrainAcc), fix(h.ValLoss), fix(h.ValAcc)
		h.ImagesPerSec, h.Seconds, h.LR = fix(h.ImagesPerSec), fix(h.Seconds), fix(h.LR)
	}
	s.BestValAcc = fix(s.BestValAcc)
	return s
}

// Resume loads a training checkpoint written by SaveCheckpoint into the
// trainer's model, optimizer and state; the next Fit continues with the
// following epoch. The model must have the checkpoint's architecture and
// the optimizer the same kind.
func (t *Trainer) Resume(path string) error {
	c, err := LoadCheckpoint(path)
	if err != nil {
		return err
	}
	wrap := func(err error) error { return fmt.Errorf("cnn: %s: %w", path, err) }
	js, ok := c.Metadata[MetaState]
	if !ok {
		return wrap(fmt.Errorf("%w: no training state (%s); it holds weights only", ErrCheckpoint, MetaState))
	}
	var st TrainState
	if err := json.Unmarshal([]byte(js), &st); err != nil {
		return wrap(fmt.Errorf("%w: %s: %v", ErrCheckpoint, MetaState, err))
	}
	var om optimizerMeta
	if err := json.Unmarshal([]byte(c.Metadata[MetaOptimizer]), &om); err != nil {
		return wrap(fmt.Errorf("%w: %s: %v", ErrCheckpoint, MetaOptimizer, err))
	}
	if om.Name != t.cfg.Optimizer.Name() {
		return wrap(fmt.Errorf("%w: optimizer %q, the run uses %q", ErrCheckpoint, om.Name, t.cfg.Optimizer.Name()))
	}
	if err := t.model.LoadWeights(c); err != nil {
		return wrap(err)
	}
	ost := OptimizerState{Steps: om.Steps, Slots: map[string][][]float32{}}
	for _, name := range c.Names {
		if !strings.HasPrefix(name, optimizerPrefix) {
			continue
		}
		rest := strings.TrimPrefix(name, optimizerPrefix)
		slot, _, _ := strings.Cut(rest, ".")
		if _, done := ost.Slots[slot]; done {
			continue
		}
		bufs := make([][]float32, len(t.train))
		for i, p := range t.train {
			tt, ok := c.Tensors[optimizerPrefix+slot+"."+p.Name]
			if !ok || tt.DType != "F32" || len(tt.F32) != len(p.Value) {
				return wrap(fmt.Errorf("%w: optimizer slot %s: missing or wrong tensor for %s", ErrCheckpoint, slot, p.Name))
			}
			bufs[i] = tt.F32
		}
		ost.Slots[slot] = bufs
	}
	if err := t.cfg.Optimizer.SetState(ost); err != nil {
		return wrap(err)
	}
	for i := range st.History {
		h := &st.History[i]
		if h.ValLoss == -1 && h.ValAcc == -1 {
			h.ValLoss, h.ValAcc = math.NaN(), math.NaN()
		}
	}
	t.model.seed = st.Seed
	t.model.step = st.Step
	t.state = st
	return nil
}

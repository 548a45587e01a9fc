package eval

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/cnnpipe/cnnpipe/cnn"
	"github.com/cnnpipe/cnnpipe/models"
	"github.com/cnnpipe/cnnpipe/pipeline"
)

// MetaClasses is the checkpoint metadata key holding the class names as a
// JSON array of strings (label i is element i). A checkpoint without it has
// numbered classes.
const MetaClasses = cnn.MetaClasses

// MetaNormalization is the checkpoint metadata key holding the input
// normalization the model was trained with, as JSON {"mean": [...], "std":
// [...]} (one value, or one per channel; see pipeline.Normalization). A
// checkpoint without it was trained on pixels scaled to [0, 1].
const MetaNormalization = cnn.MetaNormalization

// Model is a model opened for evaluation, prediction or a summary, with
// what its file says about it.
type Model struct {
	// Net is the network.
	Net *cnn.Sequential
	// Source is what was opened: a checkpoint or spec path, or a built-in
	// model name.
	Source string
	// Trained is true when the weights were loaded from a checkpoint (a
	// spec or a built-in name gives freshly initialized weights).
	Trained bool
	// Classes holds the class names stored in the checkpoint (nil if none).
	Classes []string
	// State is the training progress stored in a training checkpoint
	// (nil for weights-only checkpoints, specs and names).
	State *cnn.TrainState
	// Normalization is the input normalization stored in the checkpoint
	// (zero value: none, pixels in [0, 1]).
	Normalization pipeline.Normalization
}

// Input returns how images become inputs of the model: its input shape
// and the normalization it was trained with.
func (m *Model) Input() (Input, error) {
	in, err := InputOf(m.Net)
	if err != nil {
		return Input{}, err
	}
	in.Normalization = m.Normalization
	if _, err := pipeline.NewTensorizer(in.Channels, in.Normalization); err != nil {
		return Input{}, fmt.Errorf("eval: %s: %s metadata: %w", m.Source, MetaNormalization, err)
	}
	return in, nil
}

// LoadModel opens the safetensors checkpoint at path: the spec in its
// metadata, its weights, and the class names and training state if present.
func LoadModel(path string) (*Model, error) {
	c, err := cnn.LoadCheckpoint(path)
	if err != nil {
		return nil, err
	}
	spec, err := c.Spec()
	if err != nil {
		return nil, fmt.Errorf("eval: %s: %w", path, err)
	}
	net, err := spec.Build(1)
	if err != nil {
		return nil, fmt.Errorf("eval: %s: %w", path, err)
	}
	if err := net.LoadWeights(c); err != nil {
		return nil, fmt.Errorf("eval: %s: %w", path, err)
	}
	m := &Model{Net: net, Source: path, Trained: true}
	if js, ok := c.Metadata[MetaClasses]; ok {
		if err := json.Unmarshal([]byte(js), &m.Classes); err != nil {
			return nil, fmt.Errorf("eval: %s: %s metadata: %w", path, MetaClasses, err)
		}
	}
	if js, ok := c.Metadata[MetaNormalization]; ok {
		var n struct{ Mean, Std []float32 }
		if err := json.Unmarshal([]byte(js), &n); err != nil {
			return nil, fmt.Errorf("eval: %s: %s metadata: %w", path, MetaNormalization, err)
		}
		m.Normalization = pipeline.Normalization{Mean: n.Mean, Std: n.Std}
	}
	if js, ok := c.Metadata[cnn.MetaState]; ok {
		var st cnn.TrainState
		if err := json.Unmarshal([]byte(js), &st); err != nil {
			return nil, fmt.Errorf("eval: %s: %s metadata: %w", path, cnn.MetaState, err)
		}
		m.State = &st
	}
	return m, nil
}

// OpenModel opens arg as a safetensors checkpoint (by its .safetensors
// extension or its content), else as a built-in model name or a YAML/JSON
// spec file (see models.Open), whose weights are initialized with seed 1.
func OpenModel(arg string) (*Model, error) {
	if isCheckpoint(arg) {
		return LoadModel(arg)
	}
	spec, err := models.Open(arg)
	if err != nil {
		return nil, err
	}
	net, err := spec.Build(1)
	if err != nil {
		return nil, fmt.Errorf("eval: %s: %w", arg, err)
	}
	return &Model{Net: net, Source: arg}, nil
}

// isCheckpoint reports whether path names a safetensors file: by extension,
// or by a header that starts, after its 8-byte length, with '{' and is not
// a JSON spec.
func isCheckpoint(path string) bool {
	if strings.HasSuffix(strings.ToLower(path), ".safetensors") {
		return true
	}
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	var head [9]byte
	if _, err := io.ReadFull(f, head[:]); err != nil {
		return false
	}
	n := binary.LittleEndian.Uint64(head[:8])
	return n > 0 && n <= cnn.MaxHeaderBytes && head[8] == '{' && !bytes.ContainsAny(head[:8], "\n:")
}

// LayerInfo is one row of a model summary.
type LayerInfo struct {
	Index  int    `json:"index"`
	Type   string `json:"type"`
	Output []int  `json:"output"`
	Params int    `json:"params"`
}

// Summary describes a model: its layers with their output shapes and
// parameter counts (the table of Sequential.Summary), and for a training
// checkpoint its progress. It encodes to JSON as one object.
type Summary struct {
	Name         string      `json:"name"`
	Source       string      `json:"source"`
	Trained      bool        `json:"trained"`
	Input        []int       `json:"input"`
	Output       []int       `json:"output"`
	Layers       []LayerInfo `json:"layers"`
	Trainable    int         `json:"trainable_params"`
	NonTrainable int         `json:"non_trainable_params"`
	Classes      []string    `json:"classes,omitempty"`
	Epochs       int         `json:"epochs,omitempty"`
	BestValAcc   float64     `json:"best_val_acc,omitempty"`
	BestEpoch    int         `json:"best_epoch,omitempty"`

	table string // Sequential.Summary
}

// Summarize returns the summary of m.
func Summarize(m *Model) *Summary {
	net := m.Net
	s := Summary{Name: net.Name(), Source: m.Source, Trained: m.Trained, Input: net.InputShape(), Output: net.OutputShape(), Classes: m.Classes, table: net.Summary()}
	shapes := net.LayerShapes()
	for i, l := range net.Layers() {
		n := 0
		for _, p := range l.Params() {
			n += len(p.Value)
		}
		s.Layers = append(s.Layers, LayerInfo{Index: i, Type: l.Kind(), Output: shapes[i], Params: n})
	}
	s.Trainable, s.NonTrainable = net.NumParams()
	if m.State != nil {
		s.Epochs, s.BestValAcc, s.BestEpoch = m.State.Epoch, m.State.BestValAcc, m.State.BestEpoch
	}
	return &s
}

// CompareClasses describes how the class names of a dataset differ from
// those stored with a model, or returns "" when they agree or either list
// is unknown. Labels are compared by index, so a different order means the
// metrics compare the wrong classes.
func CompareClasses(model, data []string) string {
	if len(model) == 0 || len(data) == 0 {
		return ""
	}
	for i, name := range data {
		if i >= len(model) {
			return fmt.Sprintf("the data has %d classes, the model %d", len(data), len(model))
		}
		if name != model[i] {
			return fmt.Sprintf("label %d is %q in the data but %q for the model", i, name, model[i])
		}
	}
	return ""
}

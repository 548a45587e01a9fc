package cnn

import (
	"errors"
	"strings"
	"testing"
)

const tinySpec = `
name: tiny
input: {height: 12, width: 10, channels: 2}
layers:
  - {type: conv2d, filters: 4, kernel: 3, padding: same, activation: relu}
  - {type: maxpool2d, size: 2}
  - {type: conv2d, filters: 3, kernel: [3, 2], stride: [2, 1], bias: false}
  - {type: batchnorm, momentum: 0.8}
  - {type: leaky_relu, alpha: 0.2}
  - {type: flatten}
  - {type: dropout, rate: 0.1}
  - {type: dense, units: 5, activation: softmax, init: glorot_normal}
loss: cross_entropy
optimizer: {name: sgd, lr: 0.05, momentum: 0.9, nesterov: true, weight_decay: 0.0001, schedule: {name: step, step_size: 2, gamma: 0.5}}
`

func TestParseSpecYAMLAndJSON(t *testing.T) {
	s, err := ParseSpec([]byte(tinySpec))
	if err != nil {
		t.Fatal(err)
	}
	m, err := s.Build(3)
	if err != nil {
		t.Fatal(err)
	}
	kinds := []string{}
	for _, l := range m.Layers() {
		kinds = append(kinds, l.Kind())
	}
	want := "conv2d relu maxpool2d conv2d batchnorm leaky_relu flatten dropout dense softmax"
	if got := strings.Join(kinds, " "); got != want {
		t.Fatalf("layers %q, want %q", got, want)
	}
	if got := m.OutputShape(); !got.Equal(Shape{5}) {
		t.Fatalf("output %v", got)
	}
	// 12x10 -same-> 12x10 -pool-> 6x5 -[3,2] stride [2,1]-> 2x4
	if got := m.LayerShapes()[3]; !got.Equal(Shape{3, 2, 4}) {
		t.Fatalf("conv 2 output %v", got)
	}
	opt, lr, sched, err := s.NewOptimizer()
	if err != nil {
		t.Fatal(err)
	}
	if sgd, ok := opt.(*SGD); !ok || !sgd.Nesterov || sgd.Momentum != 0.9 || lr != 0.05 || sched.(StepLR).StepSize != 2 {
		t.Fatalf("optimizer %#v lr %v schedule %#v", opt, lr, sched)
	}
	// The model's spec, written as JSON, parses back to the same model.
	ms, err := m.Spec()
	if err != nil {
		t.Fatal(err)
	}
	js := []byte(ms.String())
	if _, err := ParseSpec(js); err != nil {
		t.Fatalf("YAML form: %v\n%s", err, js)
	}
	cp, _ := m.weights()
	s2, err := cp.Spec()
	if err != nil {
		t.Fatalf("JSON form: %v\n%s", err, cp.Metadata[MetaSpec])
	}
	m2, err := s2.Build(3)
	if err != nil {
		t.Fatal(err)
	}
	if m2.Summary() != m.Summary() {
		t.Fatalf("rebuilt model differs:\n%s\n%s", m2.Summary(), m.Summary())
	}
	// A model built in Go derives its spec.
	g, err := NewSequential(Shape{1, 8, 8}, NewConv2D(Conv2DConfig{Filters: 2, Kernel: 3, Stride: 2, Padding: Same}), NewReLU(), NewGlobalAvgPool2D(), NewDense(DenseConfig{Units: 3}))
	if err != nil {
		t.Fatal(err)
	}
	gs, err := g.Spec()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := gs.Build(1); err != nil {
		t.Fatalf("%v\n%s", err, gs)
	}
}

func TestSpecErrors(t *testing.T) {
	head := "input: {height: 28, width: 28}\nlayers:\n"
	cases := []struct {
		name, spec, want string
		shape            bool
	}{
		{"empty", "", "empty document", false},
		{"unknown top field", "input: {height: 2, width: 2}\nlayers: [{type: flatten}]\nextra: 1\n", "field extra not found", false},
		{"unknown layer field", head + "  - {type: dense, units: 2, colour: red}\n", "colour", false},
		{"field of another type", head + "  - {type: flatten, units: 3}\n", `layer 0 (flatten): field "units" does not apply`, false},
		{"unknown type", head + "  - {type: flatten}\n  - {type: conv3d}\n", `layer 1 (conv3d): unknown layer type`, false},
		{"missing kernel", head + "  - {type: conv2d, filters: 3}\n", "kernel is required", false},
		{"bad padding", head + "  - {type: conv2d, filters: 3, kernel: 3, padding: full}\n", "padding", false},
		{"bad activation", head + "  - {type: dense, units: 3, activation: gelu}\n", "gelu", false},
		{"bad pair", head + "  - {type: conv2d, filters: 3, kernel: [1, 2, 3]}\n", "height, width", false},
		{"negative rate", head + "  - {type: dropout, rate: -0.5}\n", "rate", false},
		{"huge filters", head + "  - {type: conv2d, filters: 100000000, kernel: 3}\n", "filters", false},
		{"fractional filters", head + "  - {type: conv2d, filters: 2.5, kernel: 3}\n", "layers[0].filters: 2.5 is not a whole number", false},
		{"fractional kernel", head + "  - {type: conv2d, filters: 2, kernel: [3, 1.5]}\n", "layers[0].kernel: 1.5", false},
		{"fractional input", "input: {height: 28.5, width: 28}\nlayers: [{type: flatten}]\n", "input.height: 28.5", false},
		{"no input", "layers: [{type: flatten}]\n", "input", false},
		{"no layers", "input: {height: 2, width: 2}\n", "no layers", false},
		{"bad loss", head + "  - {type: flatten}\nloss: hinge\n", "hinge", false},
		{"bad optimizer", head + "  - {type: flatten}\noptimizer: {name: rmsprop}\n", "rmsprop", false},
		{"adam momentum", head + "  - {type: flatten}\noptimizer: {name: adam, momentum: 0.9}\n", "momentum", false},
		{"bad schedule", head + "  - {type: flatten}\noptimizer: {schedule: {name: cyclic}}\n", "cyclic", false},
		{"two documents", head + "  - {type: flatten}\n---\nname: x\n", "more than one", false},
		{"json unknown field", `{"input": {"height": 2, "width": 2}, "layers": [{"type": "flatten"}], "x": 1}`, "unknown field", false},
		{"json trailing", `{"input": {"height": 2, "width": 2}, "layers": [{"type": "flatten"}]} {}`, "trailing", false},
		{"dense on image", head + "  - {type: dense, units: 3}\n", "layer 0 (dense): input shape (None, 1, 28, 28)", true},
		{"kernel too big", head + "  - {type: maxpool2d, size: 2}\n  - {type: conv2d, filters: 2, kernel: 15}\n", "layer 1 (conv2d): input shape (None, 1, 14, 14): kernel 15x15 is larger", true},
		{"huge dense", "input: {height: 16384, width: 16384, channels: 16}\nlayers: [{type: flatten}, {type: dense, units: 65536}]\n", "size limit", true},
		{"huge conv", "input: {height: 16384, width: 16384, channels: 16384}\nlayers: [{type: conv2d, filters: 65536, kernel: 16}]\n", "size limit", true},
		{"softmax on image", head + "  - {type: conv2d, filters: 2, kernel: 3, activation: softmax}\n", "layer 0 (conv2d softmax)", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := ParseSpec([]byte(c.spec))
			if err == nil {
				_, err = s.Build(1)
			}
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %q does not mention %q", err, c.want)
			}
			if errors.Is(err, ErrShape) != c.shape || (!c.shape && !errors.Is(err, ErrSpec)) {
				t.Fatalf("error %v: ErrShape %v, ErrSpec %v", err, errors.Is(err, ErrShape), errors.Is(err, ErrSpec))
			}
		})
	}
}

func TestSummary(t *testing.T) {
	s, _ := ParseSpec([]byte(tinySpec))
	m, _ := s.Build(1)
	sum := m.Summary()
	for _, want := range []string{`Model: "tiny"`, "3 (conv2d)", "(None, 3, 2, 4)", "Total params: 285", "Trainable params: 279", "Non-trainable params: 6"} {
		if !strings.Contains(sum, want) {
			t.Errorf("summary lacks %q:\n%s", want, sum)
		}
	}
}

func TestSetOutputUnits(t *testing.T) {
	const head = "input: {height: 8, width: 8}\nlayers:\n  - {type: flatten}\n"
	for _, tc := range []struct {
		name, layers string
		n, old       int
		err          error
	}{
		{"dense head", "  - {type: dense, units: 10, activation: softmax}\n", 3, 10, nil},
		{"same size", "  - {type: dense, units: 4}\n", 4, 4, nil},
		{"no dense head", "  - {type: dense, units: 10}\n  - {type: dropout, rate: 0.5}\n", 3, 0, ErrNoDenseOutput},
		{"zero units", "  - {type: dense, units: 10}\n", 0, 0, errors.New("must be in")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := ParseSpec([]byte(head + tc.layers))
			if err != nil {
				t.Fatal(err)
			}
			old, err := s.SetOutputUnits(tc.n)
			switch {
			case tc.err == nil && err != nil:
				t.Fatalf("error %v", err)
			case tc.err != nil && (err == nil || (!errors.Is(err, tc.err) && !strings.Contains(err.Error(), tc.err.Error()))):
				t.Fatalf("error %v, want %v", err, tc.err)
			case tc.err != nil:
				return
			}
			if old != tc.old {
				t.Errorf("old units %d, want %d", old, tc.old)
			}
			m, err := s.Build(1)
			if err != nil {
				t.Fatal(err)
			}
			if got := m.OutputShape().Size(); got != tc.n {
				t.Errorf("built model has %d outputs, want %d", got, tc.n)
			}
		})
	}
}

package cnn

// Fault tests for model specs and checkpoints that lie: what the existing
// tables (TestSpecErrors, TestReadCheckpointMalformed, TestCheckpointMismatch)
// do not cover — wrong YAML/JSON types, NaN and infinite numbers, alias
// bombs, a checkpoint whose spec does not match its tensors, and, for every
// case, that reading a small lying file allocates a bounded amount of
// memory (runtime.MemStats.TotalAlloc delta), not what the file claims.

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// allocated returns the bytes allocated while f runs.
func allocated(f func()) uint64 {
	var a, b runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&a)
	f()
	runtime.ReadMemStats(&b)
	return b.TotalAlloc - a.TotalAlloc
}

// allocBudget is what reading a malformed file of n bytes may allocate:
// a fixed allowance for parsing plus a small multiple of the file.
func allocBudget(n int) uint64 { return 8<<20 + 16*uint64(n) }

// checkpointWithSpec encodes a checkpoint that holds spec as its metadata
// and the given tensors (header JSON entries and data).
func checkpointWithSpec(t *testing.T, spec string, entries string, data []byte) []byte {
	t.Helper()
	s, err := ParseSpec([]byte(spec))
	if err != nil {
		t.Fatalf("spec: %v", err)
	}
	js := strings.ReplaceAll(strings.ReplaceAll(s.clone().jsonString(t), `\`, `\\`), `"`, `\"`)
	hdr := `{"__metadata__":{"` + MetaSpec + `":"` + js + `"}`
	if entries != "" {
		hdr += "," + entries
	}
	return encodeRaw(hdr+"}", data)
}

func (s *Spec) jsonString(t *testing.T) string {
	w, err := func() (*Checkpoint, error) {
		m, err := s.Build(1)
		if err != nil {
			return nil, err
		}
		return m.weights()
	}()
	if err != nil {
		t.Fatalf("spec does not build: %v", err)
	}
	return w.Metadata[MetaSpec]
}

// TestFaultCheckpointLies loads small files whose header or spec claim far
// more than they hold: every one must fail with an error that wraps
// ErrCheckpoint (or ErrShape for a spec/weights mismatch) and names the
// file, without a panic and without allocating what the file claims.
func TestFaultCheckpointLies(t *testing.T) {
	// A spec whose weights are 2 x 4096 x 4096 float32 (256 MiB with their
	// gradients): Build allocates that before LoadWeights can see that the
	// file holds no tensor at all.
	bigSpec := "input: {features: 4096}\nlayers: [{type: dense, units: 4096}, {type: dense, units: 4096}]\n"
	smallSpec := "input: {features: 3}\nlayers: [{type: dense, units: 2}]\n"
	f32 := func(n int) []byte { return make([]byte, 4*n) }
	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"header length 2^63", append(binary.LittleEndian.AppendUint64(nil, 1<<63), "{}"...), "limit"},
		{"header length at the limit, file of 10 bytes", append(binary.LittleEndian.AppendUint64(nil, MaxHeaderBytes), "{}"...), "exceeds the file"},
		{"header length one past the file", append(binary.LittleEndian.AppendUint64(nil, 3), "{}"...), "exceeds the file"},
		{"offsets claim 2^63 bytes", encodeRaw(`{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,9223372036854775808]}}`, f32(2)), "outside"},
		{"shape claims 2^40 floats", encodeRaw(`{"w":{"dtype":"F32","shape":[1099511627776],"data_offsets":[0,8]}}`, f32(2)), "bad dimension"},
		{"shape product overflows", encodeRaw(`{"w":{"dtype":"I64","shape":[65536,65536,65536,65536],"data_offsets":[0,8]}}`, f32(2)), "tensor \"w\""},
		{"shape is not a number", encodeRaw(`{"w":{"dtype":"F32","shape":["2"],"data_offsets":[0,8]}}`, f32(2)), "tensor"},
		{"offset is negative", encodeRaw(`{"w":{"dtype":"F32","shape":[2],"data_offsets":[-8,0]}}`, f32(2)), "tensor"},
		{"truncated data", checkpointWithSpec(t, smallSpec, `"0.weight":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},"0.bias":{"dtype":"F32","shape":[2],"data_offsets":[24,32]}`, f32(8))[:100], "exceeds the file"},
		{"truncated tensor", checkpointWithSpec(t, smallSpec, `"0.weight":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},"0.bias":{"dtype":"F32","shape":[2],"data_offsets":[24,32]}`, f32(7)), "outside"},
		{"spec without tensors", checkpointWithSpec(t, smallSpec, "", nil), "need at least 6 weights, the file holds 0"},
		{"spec with a tensor missing", checkpointWithSpec(t, smallSpec, `"0.weight":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]}`, f32(6)), "missing tensor 0.bias"},
		{"spec and weights disagree", checkpointWithSpec(t, smallSpec, `"0.weight":{"dtype":"F32","shape":[3,2],"data_offsets":[0,24]},"0.bias":{"dtype":"F32","shape":[2],"data_offsets":[24,32]}`, f32(8)), "0.weight"},
		{"weights of the wrong dtype", checkpointWithSpec(t, smallSpec, `"0.weight":{"dtype":"I64","shape":[2,3],"data_offsets":[0,48]},"0.bias":{"dtype":"F32","shape":[2],"data_offsets":[48,56]}`, f32(14)), "0.weight"},
		{"spec of a huge model, no tensors", checkpointWithSpec(t, bigSpec, "", nil), "need at least 33554432 weights"},
		{"spec metadata of the wrong type", encodeRaw(`{"__metadata__":{"`+MetaSpec+`":"{\"input\":{\"height\":\"tall\"},\"layers\":[]}"}}`, nil), MetaSpec},
		{"spec metadata asking for 2^30 units", encodeRaw(`{"__metadata__":{"`+MetaSpec+`":"{\"input\":{\"features\":1024},\"layers\":[{\"type\":\"dense\",\"units\":1073741824}]}"}}`, nil), "units"},
	}
	dir := t.TempDir()
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, fmt.Sprintf("lie%02d.safetensors", i))
			if err := os.WriteFile(path, c.data, 0o644); err != nil {
				t.Fatal(err)
			}
			var err error
			n := allocated(func() {
				defer func() {
					if p := recover(); p != nil {
						err = fmt.Errorf("panic: %v", p)
					}
				}()
				_, err = LoadModel(path)
			})
			if err == nil {
				t.Fatal("no error")
			}
			if !errors.Is(err, ErrCheckpoint) && !errors.Is(err, ErrShape) {
				t.Errorf("error %v wraps neither ErrCheckpoint nor ErrShape", err)
			}
			if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q does not name %s and %q", err, path, c.want)
			}
			if budget := allocBudget(len(c.data)); n > budget {
				t.Errorf("loading a %d-byte file allocated %d MiB (budget %d MiB): %v", len(c.data), n>>20, budget>>20, err)
			}
		})
	}
}

// TestFaultSpecMalformed parses and builds specs with wrong types, NaN and
// infinite numbers, shapes that do not fit and alias bombs: each must give
// an error (wrapping ErrSpec, or ErrShape when the shapes do not fit)
// without a panic and within the allocation budget.
func TestFaultSpecMalformed(t *testing.T) {
	head := "input: {height: 8, width: 8, channels: 1}\nlayers:\n"
	// 10^10 layers through ten levels of aliases, in a known field.
	bomb := "a: &a [" + strings.Repeat("{type: flatten}, ", 9) + "{type: flatten}]\n"
	for i, prev := 'b', 'a'; i <= 'j'; i, prev = i+1, i {
		bomb += fmt.Sprintf("%c: &%c [*%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c]\n", i, i, prev, prev, prev, prev, prev, prev, prev, prev, prev, prev)
	}
	cases := []struct {
		name, spec, want string
	}{
		{"units a string", head + "  - {type: flatten}\n  - {type: dense, units: many}\n", "line 4: cannot unmarshal !!str `many`"},
		{"filters beyond int64", head + "  - {type: conv2d, filters: 99999999999999999999, kernel: 3}\n", "line 3: cannot unmarshal"},
		{"negative kernel", head + "  - {type: conv2d, filters: 2, kernel: -3}\n", "kernel"},
		{"zero stride", head + "  - {type: conv2d, filters: 2, kernel: 3, stride: 0}\n", "stride"},
		{"negative units", head + "  - {type: flatten}\n  - {type: dense, units: -4}\n", "units"},
		{"negative height", "input: {height: -8, width: 8}\nlayers: [{type: flatten}]\n", "height"},
		{"huge width", "input: {height: 8, width: 1000000000000}\nlayers: [{type: flatten}]\n", "width"},
		{"layers not a list", "input: {height: 8, width: 8}\nlayers: 3\n", "line 2: cannot unmarshal"},
		{"input not a map", "input: 5\nlayers: [{type: flatten}]\n", "line 1: cannot unmarshal"},
		{"layer not a map", head + "  - flatten\n", "flatten"},
		{"type a list", head + "  - {type: [conv2d]}\n", "line 3: cannot unmarshal"},
		{"NaN rate", head + "  - {type: dropout, rate: .nan}\n", "rate"},
		{"infinite rate", head + "  - {type: dropout, rate: .inf}\n", "rate"},
		{"rate above 1", head + "  - {type: dropout, rate: 1.5}\n", "rate"},
		{"NaN learning rate", head + "  - {type: flatten}\noptimizer: {name: sgd, lr: .nan}\n", "NaN is not a finite number"},
		{"infinite epsilon", head + "  - {type: flatten}\noptimizer: {name: adam, epsilon: .inf}\n", "+Inf is not a finite number"},
		{"NaN gamma", head + "  - {type: flatten}\noptimizer: {schedule: {name: step, step_size: 1, gamma: .nan}}\n", "NaN"},
		{"NaN alpha", head + "  - {type: leaky_relu, alpha: .nan}\n", "alpha"},
		{"negative learning rate", head + "  - {type: flatten}\noptimizer: {name: sgd, lr: -1}\n", "lr"},
		{"NaN momentum", head + "  - {type: batchnorm, momentum: .nan}\n", "momentum"},
		{"pool larger than input", head + "  - {type: maxpool2d, size: 9}\n", "maxpool2d"},
		{"stride past the input", head + "  - {type: conv2d, filters: 2, kernel: 8, stride: 9}\n  - {type: conv2d, filters: 2, kernel: 2}\n", "conv2d"},
		{"flatten twice then conv", head + "  - {type: flatten}\n  - {type: conv2d, filters: 2, kernel: 1}\n", "conv2d"},
		{"JSON wrong type", `{"input": {"height": "8", "width": 8}, "layers": [{"type": "flatten"}]}`, "height"},
		{"JSON units float", `{"input": {"features": 8}, "layers": [{"type": "dense", "units": 1e30}]}`, "units"},
		{"YAML alias bomb", bomb + "input: {height: 8, width: 8}\nlayers: *j\n", ""},
		{"deep nesting", head + "  - {type: flatten, units: " + strings.Repeat("[", 10000) + strings.Repeat("]", 10000) + "}\n", ""},
		{"larger than 1 MiB", head + strings.Repeat("  - {type: flatten}\n", 60000), "bytes"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var err error
			n := allocated(func() {
				defer func() {
					if p := recover(); p != nil {
						err = fmt.Errorf("panic: %v", p)
					}
				}()
				var s *Spec
				if s, err = ParseSpec([]byte(c.spec)); err == nil {
					_, err = s.Build(1)
				}
			})
			if err == nil {
				t.Fatal("no error")
			}
			if strings.HasPrefix(err.Error(), "panic") {
				t.Fatal(err)
			}
			if !errors.Is(err, ErrSpec) && !errors.Is(err, ErrShape) {
				t.Errorf("error %v wraps neither ErrSpec nor ErrShape", err)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q does not mention %q", err, c.want)
			}
			if budget := allocBudget(len(c.spec)); n > budget {
				t.Errorf("a %d-byte spec allocated %d MiB (budget %d MiB)", len(c.spec), n>>20, budget>>20)
			}
		})
	}
}

// FuzzSpecWeightsBound checks the bound Checkpoint.Spec applies: for every
// small spec that builds, the weights it counts without building never
// exceed the values of the model's own checkpoint, so a genuine checkpoint
// is never refused.
func FuzzSpecWeightsBound(f *testing.F) {
	f.Add([]byte(tinySpec))
	f.Add([]byte(lineSpec))
	f.Add([]byte("input: {height: 9, width: 7, channels: 3}\nlayers: [{type: conv2d, filters: 4, kernel: [3, 2], stride: [2, 3], padding: same}, {type: avgpool2d, size: 2, stride: 1}, {type: conv2d, filters: 2, kernel: 2}, {type: globalavgpool2d}, {type: dense, units: 3}]\n"))
	f.Add([]byte("input: {features: 5}\nlayers: [{type: dense, units: 4, activation: relu}, {type: batchnorm}, {type: dense, units: 2, bias: false}]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := ParseSpec(data)
		if err != nil || !smallSpec(s) {
			return
		}
		m, err := s.Build(1)
		if err != nil {
			return
		}
		c, err := m.weights()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Spec(); err != nil {
			t.Fatalf("the model's own checkpoint is refused: %v", err)
		}
	})
}

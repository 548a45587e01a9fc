package cnn

import (
	"testing"
)

// smallSpec reports whether building s is cheap enough for fuzzing.
func smallSpec(s *Spec) bool {
	if s.InputShape().Size() > 4096 || len(s.Layers) > 16 {
		return false
	}
	for _, l := range s.Layers {
		kh, kw := l.Kernel.HW()
		ph, pw := l.Size.HW()
		if l.Filters > 64 || l.Units > 256 || kh*kw > 64 || ph*pw > 64 {
			return false
		}
	}
	return true
}

// FuzzParseSpec checks that no input makes the spec parser (or building a
// small parsed model) panic, and that a model's spec survives a round trip
// through its JSON form. Seeds are in testdata/fuzz/FuzzParseSpec.
func FuzzParseSpec(f *testing.F) {
	f.Add([]byte(tinySpec))
	f.Add([]byte(lineSpec))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := ParseSpec(data)
		if err != nil {
			return
		}
		if err := s.Validate(); err != nil {
			t.Fatalf("parsed spec does not validate: %v", err)
		}
		if !smallSpec(s) {
			return
		}
		m, err := s.Build(1)
		if err != nil {
			return
		}
		w, err := m.weights()
		if err != nil {
			t.Fatal(err)
		}
		s2, err := w.Spec()
		if err != nil {
			t.Fatalf("spec of a built model does not parse: %v\n%s", err, w.Metadata[MetaSpec])
		}
		m2, err := s2.Build(1)
		if err != nil {
			t.Fatalf("spec of a built model does not build: %v", err)
		}
		if m.Summary() != m2.Summary() {
			t.Fatalf("round trip changed the model:\n%s\n%s", m.Summary(), m2.Summary())
		}
	})
}

// FuzzReadCheckpoint checks that no input makes the safetensors reader
// panic or allocate beyond the input's size, that whatever it accepts
// encodes and reads back to the same tensors, and that loading it into a
// model fails cleanly. Seeds are in testdata/fuzz/FuzzReadCheckpoint.
func FuzzReadCheckpoint(f *testing.F) {
	f.Add(encodeRaw(`{"__metadata__":{"a":"b"},"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`, make([]byte, 8)))
	m, err := NewSequential(Shape{1, 4, 4}, NewConv2D(Conv2DConfig{Filters: 2, Kernel: 3}), NewBatchNorm(BatchNormConfig{}), NewFlatten(), NewDense(DenseConfig{Units: 2}))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ReadCheckpoint(data)
		if err != nil {
			return
		}
		enc, err := c.Encode()
		if err != nil {
			t.Fatalf("accepted checkpoint does not encode: %v", err)
		}
		c2, err := ReadCheckpoint(enc)
		if err != nil {
			t.Fatalf("re-encoded checkpoint does not read: %v", err)
		}
		if len(c2.Tensors) != len(c.Tensors) || len(c2.Metadata) != len(c.Metadata) {
			t.Fatalf("round trip changed the checkpoint")
		}
		for name, tt := range c.Tensors {
			u := c2.Tensors[name]
			if u == nil || !Shape(u.Shape).Equal(tt.Shape) || len(u.F32) != len(tt.F32) || len(u.I64) != len(tt.I64) {
				t.Fatalf("tensor %s changed", name)
			}
		}
		_ = m.LoadWeights(c)
		_, _ = c.Spec()
	})
}

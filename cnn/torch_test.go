package cnn

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestTorchEquivalence loads cnnpipe checkpoints into PyTorch and compares
// the logits (testdata/torch_check.py). It needs /usr/bin/python3 with
// torch and runs only when CNNPIPE_TORCH=1.
func TestTorchEquivalence(t *testing.T) {
	if os.Getenv("CNNPIPE_TORCH") != "1" {
		t.Skip("set CNNPIPE_TORCH=1 to compare with PyTorch")
	}
	specs := map[string]string{"seed": "../models/seed.yaml", "lenet": "../models/lenet.yaml", "bn": "../models/bn.yaml", "lines": ""}
	for name, path := range specs {
		t.Run(name, func(t *testing.T) {
			src := []byte(lineSpec)
			if path != "" {
				var err error
				if src, err = os.ReadFile(path); err != nil {
					t.Fatal(err)
				}
			}
			s, err := ParseSpec(src)
			if err != nil {
				t.Fatal(err)
			}
			m, err := s.Build(3)
			if err != nil {
				t.Fatal(err)
			}
			in := m.InputShape()
			x := NewTensor(append([]int{8}, in...)...)
			for i := range x.Data {
				x.Data[i] = float32((i*7919)%251) / 251
			}
			// A few training steps give non-trivial BatchNorm statistics.
			tr := NewTrainer(m, TrainConfig{})
			labels := make([]int, 8)
			for i := 0; i < 3; i++ {
				if _, _, err := tr.TrainStep(Batch{X: x, Labels: labels}, 1e-3); err != nil {
					t.Fatal(err)
				}
			}
			logits, err := m.Logits(x)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			if d := os.Getenv("CNNPIPE_TORCH_KEEP"); d != "" {
				dir = filepath.Join(d, name)
				os.MkdirAll(dir, 0o755)
			}
			if err := m.Save(filepath.Join(dir, "m.safetensors")); err != nil {
				t.Fatal(err)
			}
			io := &Checkpoint{}
			io.add("x", &CheckpointTensor{DType: "F32", Shape: x.Shape, F32: x.Data})
			io.add("logits", &CheckpointTensor{DType: "F32", Shape: logits.Shape, F32: logits.Data})
			b, _ := io.Encode()
			os.WriteFile(filepath.Join(dir, "io.safetensors"), b, 0o644)
			out, err := exec.Command("/usr/bin/python3", "testdata/torch_check.py", filepath.Join(dir, "m.safetensors"), filepath.Join(dir, "io.safetensors")).CombinedOutput()
			t.Logf("%s", out)
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}

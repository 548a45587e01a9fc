package models

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cnnpipe/cnnpipe/cnn"
)

// TestBuiltins builds every built-in model and checks its size against
// the PyTorch reference models (shared/bench/torch_train.py).
func TestBuiltins(t *testing.T) {
	want := map[string]struct {
		params int
		out    int
		first  string
	}{
		// conv 12*25+12, conv 16*300+16, conv 20*256+20, dense 960*128+128, dense 128*4+4
		"seed": {312 + 4816 + 5140 + 123008 + 516, 4, "0.weight"},
		// conv 32*9+32, conv 64*288+64, dense 1600*128+128, dense 128*10+10
		"lenet": {320 + 18496 + 204928 + 1290, 10, "0.weight"},
		// conv 320 + bn 64, conv 18496 + bn 128, conv 73856 + bn 256, dense 1290
		"bn": {320 + 64 + 18496 + 128 + 73856 + 256 + 1290, 10, "0.weight"},
	}
	if got := strings.Join(Names(), ","); got != "bn,lenet,seed" {
		t.Fatalf("Names() = %s", got)
	}
	for name, w := range want {
		s, err := Open(name)
		if err != nil {
			t.Fatal(err)
		}
		m, err := s.Build(1)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		tr, _ := m.NumParams()
		if tr != w.params || m.OutputShape()[0] != w.out || m.Params()[0].Name != w.first {
			t.Errorf("%s: %d params, output %v, first %s; want %d, %d, %s", name, tr, m.OutputShape(), m.Params()[0].Name, w.params, w.out, w.first)
		}
	}
}

// TestTorchNames checks that the seed model's state-dict names are those of
// torch_train.py's nn.Sequential (ReLU and pooling modules count).
func TestTorchNames(t *testing.T) {
	s, _ := Open("seed")
	m, _ := s.Build(1)
	var names []string
	for _, p := range m.Params() {
		names = append(names, p.Name)
	}
	want := "0.weight 0.bias 3.weight 3.bias 6.weight 6.bias 10.weight 10.bias 12.weight 12.bias"
	if got := strings.Join(names, " "); got != want {
		t.Fatalf("names %s, want %s", got, want)
	}
}

func TestOpenPathAndErrors(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "m.yaml")
	src, _ := Source("lenet")
	if err := os.WriteFile(p, src, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(p); err != nil {
		t.Fatal(err)
	}
	if _, err := Open("nosuch"); err == nil || !strings.Contains(err.Error(), "seed") {
		t.Fatalf("unknown name: %v", err)
	}
	if _, err := Open(filepath.Join(dir, "missing.yaml")); err == nil {
		t.Fatal("missing file: no error")
	}
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("input: {height: 8, width: 8}\nlayers: [{type: dense, units: 3, filters: 2}]\n"), 0o644)
	if _, err := Open(bad); err == nil || !strings.Contains(err.Error(), "bad.yaml") || !strings.Contains(err.Error(), "layer 0") {
		t.Fatalf("bad spec: %v", err)
	}
	var _ = cnn.ErrSpec
}

package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSummary(t *testing.T) {
	f := newEvFixture(t)
	spec := filepath.Join(t.TempDir(), "tiny.yaml")
	if err := os.WriteFile(spec, []byte("input: {height: 8, width: 8}\nlayers:\n  - {type: flatten}\n  - {type: dense, units: 2}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		arg  string
		want []string
	}{
		{f.ckpt, []string{`Model: "tiny"`, "conv2d", "dense", "Total params: 357", "classes: a, b, c"}},
		{"lenet", []string{`Model: "lenet"`, "(None, 64, 5, 5)", "Total params: 225,034", "weights: untrained"}},
		{spec, []string{"(None, 64)", "Total params: 130", "weights: untrained"}},
	}
	for _, tt := range tests {
		code, out, errOut := evRun(t, "summary", tt.arg)
		if code != exitOK {
			t.Fatalf("summary %s: exit %d: %s", tt.arg, code, errOut)
		}
		for _, w := range tt.want {
			if !strings.Contains(out, w) {
				t.Errorf("summary %s lacks %q:\n%s", tt.arg, w, out)
			}
		}
	}
	code, out, _ := evRun(t, "summary", "--json", f.ckpt)
	var s struct {
		Name      string `json:"name"`
		Trained   bool   `json:"trained"`
		Input     []int  `json:"input"`
		Trainable int    `json:"trainable_params"`
		Layers    []struct {
			Type   string `json:"type"`
			Params int    `json:"params"`
		} `json:"layers"`
	}
	if code != exitOK || json.Unmarshal([]byte(out), &s) != nil {
		t.Fatalf("summary --json: exit %d, %q", code, out)
	}
	if s.Name != "tiny" || !s.Trained || len(s.Input) != 3 || s.Trainable != 357 || len(s.Layers) != 5 || s.Layers[0].Params != 30 {
		t.Errorf("summary JSON %+v", s)
	}
}

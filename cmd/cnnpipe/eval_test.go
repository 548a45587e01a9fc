package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cnnpipe/cnnpipe/cnn"
	"github.com/cnnpipe/cnnpipe/eval"
)

// evRun runs the CLI with args and returns the exit code and outputs.
func evRun(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, &env{stdout: &out, stderr: &errb})
	return code, out.String(), errb.String()
}

// evFixture is a small trained-shape model and dataset for the eval,
// predict and summary commands.
type evFixture struct {
	ckpt    string // checkpoint with class names a, b, c in its metadata
	plain   string // the same weights without class names
	data    string // class folder a/, b/, c/ of 8x8 gray PNGs and one 12x12 RGB
	images  []string
	model   *cnn.Sequential
	classes []string
}

func newEvFixture(t *testing.T) *evFixture {
	t.Helper()
	dir := t.TempDir()
	spec, err := cnn.ParseSpec([]byte(`{"name":"tiny","input":{"height":8,"width":8,"channels":1},
		"layers":[{"type":"conv2d","filters":3,"kernel":3,"activation":"relu"},{"type":"flatten"},
		{"type":"dense","units":3,"activation":"softmax"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	m, err := spec.Build(3)
	if err != nil {
		t.Fatal(err)
	}
	f := &evFixture{plain: filepath.Join(dir, "plain.safetensors"), ckpt: filepath.Join(dir, "named.safetensors"),
		data: filepath.Join(dir, "data"), model: m, classes: []string{"a", "b", "c"}}
	if err := m.Save(f.plain); err != nil {
		t.Fatal(err)
	}
	c, err := cnn.LoadCheckpoint(f.plain)
	if err != nil {
		t.Fatal(err)
	}
	c.Metadata[eval.MetaClasses] = `["a","b","c"]`
	b, err := c.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(f.ckpt, b, 0o644); err != nil {
		t.Fatal(err)
	}
	for i, cls := range f.classes {
		for j := range 3 {
			img := image.NewGray(image.Rect(0, 0, 8, 8))
			for k := range img.Pix {
				img.Pix[k] = uint8((k*(i+1)*37 + j*11) % 256)
			}
			f.images = append(f.images, evWritePNG(t, filepath.Join(f.data, cls, fmt.Sprintf("%d.png", j)), img))
		}
	}
	big := image.NewNRGBA(image.Rect(0, 0, 12, 12))
	for k := range 144 {
		big.Set(k%12, k/12, color.NRGBA{R: uint8(k), G: uint8(2 * k), B: 50, A: 255})
	}
	f.images = append(f.images, evWritePNG(t, filepath.Join(f.data, "c", "big.png"), big))
	return f
}

func evWritePNG(t *testing.T, path string, img image.Image) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestEvalText(t *testing.T) {
	f := newEvFixture(t)
	code, out, errOut := evRun(t, "eval", "--model", f.ckpt, "--data", f.data)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"accuracy ", "(3/10)", "10 images in", "precision", "recall", "f1", "support",
		"macro avg", "weighted avg", "confusion matrix (rows: true class, columns: predicted class)",
		"1 resized, 1 with other channels", "resized 12x12 to 8x8 (bilinear)"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(errOut, "warning") {
		t.Errorf("warning although the classes agree: %s", errOut)
	}
}

func TestEvalJSONAndPlot(t *testing.T) {
	f := newEvFixture(t)
	png := filepath.Join(t.TempDir(), "cm.png")
	code, out, errOut := evRun(t, "eval", "--model", f.ckpt, "--data", f.data, "--json", "--plot", "-o", png, "--batch", "4")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	// Exactly one JSON object on stdout.
	dec := json.NewDecoder(strings.NewReader(out))
	var res map[string]any
	if err := dec.Decode(&res); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, out)
	}
	if _, err := dec.Token(); err != io.EOF {
		t.Errorf("more than one JSON value on stdout: %s", out)
	}
	for _, k := range []string{"accuracy", "loss", "images", "classes", "confusion", "macro_f1", "weighted_f1", "resized"} {
		if _, ok := res[k]; !ok {
			t.Errorf("JSON lacks %q", k)
		}
	}
	if res["images"] != 10.0 || len(res["confusion"].([]any)) != 3 {
		t.Errorf("images %v, confusion %v", res["images"], res["confusion"])
	}
	b, err := os.ReadFile(png)
	if err != nil {
		t.Fatal(err)
	}
	if cfg, err := pngConfig(b); err != nil || cfg.Width < 300 {
		t.Errorf("confusion PNG: %v %+v", err, cfg)
	}
	if !strings.Contains(errOut, "wrote "+png) {
		t.Errorf("stderr %q does not name the PNG", errOut)
	}
}

func pngConfig(b []byte) (image.Config, error) { return png.DecodeConfig(bytes.NewReader(b)) }

// TestEvalPredictSummaryExitCodes checks the exit codes scripts rely on: 0
// for success and -h, 1 for a failure such as a missing checkpoint, 2 for
// a bad flag or argument.
func TestEvalPredictSummaryExitCodes(t *testing.T) {
	f := newEvFixture(t)
	missing := filepath.Join(t.TempDir(), "missing.safetensors")
	img := f.images[0]
	tests := []struct {
		name string
		args []string
		code int
	}{
		{"eval ok", []string{"eval", "--model", f.ckpt, "--data", f.data}, exitOK},
		{"eval help", []string{"eval", "-h"}, exitOK},
		{"eval missing checkpoint", []string{"eval", "--model", missing, "--data", f.data}, exitFailure},
		{"eval missing data", []string{"eval", "--model", f.ckpt, "--data", filepath.Join(f.data, "nope")}, exitFailure},
		{"eval unknown split", []string{"eval", "--model", f.ckpt, "--data", f.data, "--split", "val"}, exitFailure},
		{"eval bad flag", []string{"eval", "--bogus", "--model", f.ckpt, "--data", f.data}, exitUsage},
		{"eval bad batch", []string{"eval", "--model", f.ckpt, "--data", f.data, "--batch", "0"}, exitUsage},
		{"eval no model", []string{"eval", "--data", f.data}, exitUsage},
		{"eval extra argument", []string{"eval", "--model", f.ckpt, "--data", f.data, "x"}, exitUsage},
		{"predict ok", []string{"predict", "--model", f.ckpt, img}, exitOK},
		{"predict help", []string{"predict", "--help"}, exitOK},
		{"predict missing checkpoint", []string{"predict", "--model", missing, img}, exitFailure},
		{"predict missing image", []string{"predict", "--model", f.ckpt, img + ".nope"}, exitFailure},
		{"predict bad flag", []string{"predict", "--model", f.ckpt, "--top", "x", img}, exitUsage},
		{"predict zero top", []string{"predict", "--model", f.ckpt, "--top", "0", img}, exitUsage},
		{"predict no image", []string{"predict", "--model", f.ckpt}, exitUsage},
		{"predict no model", []string{"predict", img}, exitUsage},
		{"summary checkpoint", []string{"summary", f.ckpt}, exitOK},
		{"summary name", []string{"summary", "lenet"}, exitOK},
		{"summary help", []string{"summary", "-h"}, exitOK},
		{"summary missing checkpoint", []string{"summary", missing}, exitFailure},
		{"summary bad flag", []string{"summary", "--bogus", "lenet"}, exitUsage},
		{"summary no argument", []string{"summary"}, exitUsage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := evRun(t, tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tt.code, out, errOut)
			}
			if strings.HasSuffix(tt.name, "help") && !strings.Contains(out+errOut, "example:") {
				t.Errorf("-h shows no example: %s%s", out, errOut)
			}
		})
	}
}

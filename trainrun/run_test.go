package trainrun

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cnnpipe/cnnpipe/cnn"
	"github.com/cnnpipe/cnnpipe/pipeline"
)

const images = "../testdata/images"

const tinySpec = `
name: tiny
input: {height: 16, width: 16, channels: 1}
layers:
  - {type: conv2d, filters: 4, kernel: 3, activation: relu}
  - {type: maxpool2d, size: 2}
  - {type: flatten}
  - {type: dense, units: 3, activation: softmax}
optimizer: {name: adam, lr: 0.01}
`

func writeSpec(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "tiny.yaml")
	if err := os.WriteFile(p, []byte(tinySpec), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRunConfigErrors(t *testing.T) {
	spec := writeSpec(t)
	cases := []struct {
		name   string
		cfg    Config
		config bool // wraps ErrConfig
		want   string
	}{
		{"negative epochs", Config{Epochs: -1}, true, "must be positive"},
		{"split out of range", Config{Data: images, ValSplit: 1}, true, "not in [0, 1)"},
		{"val and split", Config{Data: images, Val: images, ValSplit: 0.1}, true, "not both"},
		{"split without data", Config{ValSplit: 0.1}, true, "needs a training dataset"},
		{"unknown model", Config{Model: "nosuch"}, true, "nosuch"},
		{"unknown optimizer", Config{Optimizer: "rmsprop"}, true, "rmsprop"},
		{"learning rate out of range", Config{LR: 1e30}, true, "lr 1e+30"},
		{"class count of a model file", Config{Model: spec}, true, "has 3 outputs but the shapes dataset has 4 classes"},
		{"bad policy", Config{Data: images, Model: spec, Augment: "hflip p=7"}, true, "augment"},
		{"missing data", Config{Data: filepath.Join(t.TempDir(), "nothing")}, false, "nothing"},
		{"missing checkpoint", Config{Resume: filepath.Join(t.TempDir(), "none.safetensors")}, false, "none.safetensors"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.cfg.OutDir = t.TempDir()
			_, err := Run(context.Background(), c.cfg)
			if err == nil || errors.Is(err, ErrConfig) != c.config || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v; want an error mentioning %q (config error: %v)", err, c.want, c.config)
			}
		})
	}
}

// TestRunSplitsAndReport trains on a manifest with train and test splits
// (used for training and validation without being asked) and checks the
// data description, the channel/size note and the time breakdown.
func TestRunSplitsAndReport(t *testing.T) {
	dir := t.TempDir()
	var m strings.Builder
	m.WriteString("path,class,split\n")
	for _, cls := range []string{"circle", "square", "triangle"} {
		for j := range 10 {
			name := cls + "_0" + string(rune('0'+j)) + ".png"
			if j%2 == 1 {
				name = name[:len(name)-4] + ".jpg"
			}
			b, err := os.ReadFile(filepath.Join(images, cls, name))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
				t.Fatal(err)
			}
			split := "train"
			if j >= 8 {
				split = "test"
			}
			m.WriteString(name + "," + cls + "," + split + "\n")
		}
	}
	manifest := filepath.Join(dir, "manifest.csv")
	if err := os.WriteFile(manifest, []byte(m.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, prog bytes.Buffer
	steps := 0
	res, err := Run(context.Background(), Config{
		Data: manifest, Model: writeSpec(t), Epochs: 2, Batch: 8, OutDir: filepath.Join(dir, "run"),
		Out: &out, Progress: &prog, ProgressEvery: time.Nanosecond, OnBatch: func(cnn.BatchStats) { steps++ },
	})
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	o := out.String()
	for _, want := range []string{
		"split train (24 images), validating on " + manifest + " split test (6 images)",
		"images are 32x32, the model takes 16x16", "images have 3 channels, the model takes 1",
		"epoch  2/2", "where the time went", "training: compute", "wait-in",
	} {
		if !strings.Contains(o, want) {
			t.Errorf("output lacks %q:\n%s", want, o)
		}
	}
	if steps != 2*3 || res.State.Epoch != 2 || len(res.State.History) != 2 {
		t.Fatalf("%d steps, state %+v", steps, res.State)
	}
	if !strings.Contains(prog.String(), "epoch 1/2  batch 3/3  loss ") || !strings.Contains(prog.String(), "img/s") {
		t.Errorf("progress:\n%s", prog.String())
	}
	b := res.Time
	if b.TrainCompute <= 0 || b.ValCompute <= 0 || b.Total < b.TrainCompute+b.TrainWait+b.ValCompute+b.ValWait {
		t.Errorf("breakdown %+v", b)
	}
	for _, f := range []string{"metrics.csv", "last.safetensors", "best.safetensors", "curves.png", "confusion.png"} {
		if _, err := os.Stat(filepath.Join(dir, "run", f)); err != nil {
			t.Error(err)
		}
	}
	// The checkpoints carry the class names, so predict can name classes.
	for _, f := range []string{"last.safetensors", "best.safetensors"} {
		c, err := cnn.LoadCheckpoint(filepath.Join(dir, "run", f))
		if err != nil {
			t.Fatal(err)
		}
		if got, want := c.Metadata[cnn.MetaClasses], `["circle","square","triangle"]`; got != want {
			t.Errorf("%s: %s = %q, want %q", f, cnn.MetaClasses, got, want)
		}
	}
}

func TestBreakdown(t *testing.T) {
	s := func(busy, wait time.Duration) pipeline.Stats {
		return pipeline.Stats{{Name: "decode", Busy: time.Hour}, {Name: "train", Kind: "sink", Busy: busy, WaitIn: wait}}
	}
	b := breakdown(100*time.Second, 90*time.Second, s(60*time.Second, 10*time.Second), s(12*time.Second, 3*time.Second))
	want := Breakdown{Total: 100 * time.Second, Setup: 10 * time.Second, TrainCompute: 60 * time.Second, TrainWait: 10 * time.Second,
		ValCompute: 12 * time.Second, ValWait: 3 * time.Second, Other: 5 * time.Second}
	if b != want || b.Data() != 13*time.Second || b.Compute() != 72*time.Second {
		t.Fatalf("got %+v, want %+v", b, want)
	}
	var w bytes.Buffer
	b.WriteTable(&w)
	for _, line := range []string{"training: compute                                   60.0   60.0%", "total                                              100.0  100.0%"} {
		if !strings.Contains(w.String(), line) {
			t.Errorf("table lacks %q:\n%s", line, w.String())
		}
	}
}

func TestProgress(t *testing.T) {
	var w bytes.Buffer
	p := newProgress(&w, true, 0)
	p.setTotal(20, 8)
	p.update(cnn.BatchStats{Epoch: 1, Batch: 1, Images: 8, Loss: 2}, 3)
	p.last = time.Time{} // redraw now
	p.update(cnn.BatchStats{Epoch: 1, Batch: 2, Images: 16, Loss: 1}, 3)
	p.update(cnn.BatchStats{Epoch: 1, Batch: 3, Images: 20, Loss: 1}, 3) // the last batch is always shown
	p.clear()
	got := w.String()
	if !strings.Contains(got, "\repoch 1/3  batch 2/3  loss 1.5000") || !strings.Contains(got, "batch 3/3  loss 1.4000") || !strings.HasSuffix(got, "\r") {
		t.Fatalf("%q", got)
	}
	// A resumed epoch starts with the running totals of its own batches.
	w.Reset()
	p = newProgress(&w, false, time.Nanosecond)
	p.setTotal(20, 8)
	p.update(cnn.BatchStats{Epoch: 2, Batch: 2, Images: 16, Loss: 3}, 3)
	if !strings.Contains(w.String(), "epoch 2/3  batch 2/3  loss 3.0000") {
		t.Fatalf("%q", w.String())
	}
}

// TestRunBuiltinInMemory checks the fast path of the built-in dataset
// (generated once, batched from memory) and that it reports its time too.
func TestRunBuiltinInMemory(t *testing.T) {
	var out bytes.Buffer
	res, err := Run(context.Background(), Config{ShapesTrain: 48, ShapesVal: 16, Epochs: 1, Batch: 16, OutDir: t.TempDir(), Out: &out})
	if err != nil {
		t.Fatal(err)
	}
	o := out.String()
	for _, want := range []string{"data: in memory (48+16 images", "training: compute", "memory  source"} {
		if !strings.Contains(o, want) {
			t.Errorf("output lacks %q:\n%s", want, o)
		}
	}
	if res.State.Step != 3 || res.Time.TrainCompute <= 0 || res.Time.ValCompute <= 0 {
		t.Fatalf("state %+v, time %+v", res.State, res.Time)
	}
}

// TestRunBuiltinFitsClasses: a built-in model's last layer takes the
// dataset's number of classes (LeNet's 10 become the folder's 3), says so,
// and the checkpoint records the resized model.
func TestRunBuiltinFitsClasses(t *testing.T) {
	var out bytes.Buffer
	dir := t.TempDir()
	_, err := Run(context.Background(), Config{Data: images, Model: "lenet", Epochs: 1, Batch: 16, OutDir: dir, Out: &out})
	if err != nil {
		t.Fatal(err)
	}
	if want := "note: model lenet: last layer set to 3 units (from 10) for the 3 classes of " + images; !strings.Contains(out.String(), want) {
		t.Errorf("output lacks %q:\n%s", want, out.String())
	}
	c, err := cnn.LoadCheckpoint(filepath.Join(dir, "last.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	spec, err := c.Spec()
	if err != nil {
		t.Fatal(err)
	}
	if last := spec.Layers[len(spec.Layers)-1]; last.Type != "dense" || last.Units != 3 {
		t.Errorf("checkpoint's last layer %+v, want dense with 3 units", last)
	}
}

package eval

import (
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/cnnpipe/cnnpipe/cnn"
	"github.com/cnnpipe/cnnpipe/loaders"
	"github.com/cnnpipe/cnnpipe/pipeline"
)

// tinyModel returns a small randomly initialized model on c×h×w inputs
// with k classes and a final softmax.
func tinyModel(t testing.TB, c, h, w, k int) *cnn.Sequential {
	t.Helper()
	spec, err := cnn.ParseSpec([]byte(fmt.Sprintf(`{"name":"tiny","input":{"height":%d,"width":%d,"channels":%d},
		"layers":[{"type":"conv2d","filters":3,"kernel":3,"activation":"relu"},{"type":"flatten"},
		{"type":"dense","units":%d,"activation":"softmax"}]}`, h, w, c, k)))
	if err != nil {
		t.Fatal(err)
	}
	m, err := spec.Build(7)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func randomMemory(n int, shape cnn.Shape, k int, seed uint64) *cnn.MemoryDataset {
	r := rand.New(rand.NewPCG(seed, 1))
	d := &cnn.MemoryDataset{Shape: shape, Pixels: make([]uint8, n*shape.Size()), Labels: make([]int, n)}
	for i := range d.Pixels {
		d.Pixels[i] = uint8(r.IntN(256))
	}
	for i := range d.Labels {
		d.Labels[i] = r.IntN(k)
	}
	return d
}

// TestEvaluateMatchesPerSample checks Evaluate against the model run on one
// sample at a time, and its loss against the trainer's Evaluate.
func TestEvaluateMatchesPerSample(t *testing.T) {
	m := tinyModel(t, 1, 6, 5, 3)
	d := randomMemory(37, m.InputShape(), 3, 1)
	res, err := Evaluate(context.Background(), m, d.Batches(cnn.BatchConfig{Size: 8}).Epoch(1), &Config{Classes: []string{"a", "b", "c"}})
	if err != nil {
		t.Fatal(err)
	}
	want := NewConfusion(3)
	x := cnn.NewTensor(1, 1, 6, 5)
	for i, l := range d.Labels {
		for j, v := range d.Pixels[i*30 : (i+1)*30] {
			x.Data[j] = float32(v) / 255
		}
		out, err := m.Predict(x)
		if err != nil {
			t.Fatal(err)
		}
		want.Add(l, argmax(out.Data))
	}
	if !reflect.DeepEqual(res.Confusion, want) {
		t.Errorf("confusion %v, want %v", res.Confusion, want)
	}
	if res.Images != 37 || !near(res.Accuracy, want.Accuracy()) {
		t.Errorf("images %d accuracy %v, want 37 and %v", res.Images, res.Accuracy, want.Accuracy())
	}
	loss, _, err := cnn.NewTrainer(m, cnn.TrainConfig{}).Evaluate(context.Background(), d.Batches(cnn.BatchConfig{Size: 8}), 1)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(res.Loss-loss) > 1e-6 {
		t.Errorf("loss %v, trainer's %v", res.Loss, loss)
	}
	if got := res.ClassNames(); !reflect.DeepEqual(got, []string{"a", "b", "c"}) {
		t.Errorf("class names %v", got)
	}
	// Another loss is computed as the trainer computes it.
	mse, err := Evaluate(context.Background(), m, d.Batches(cnn.BatchConfig{Size: 8}).Epoch(1), &Config{Loss: cnn.MSE{}})
	if err != nil {
		t.Fatal(err)
	}
	loss, _, err = cnn.NewTrainer(m, cnn.TrainConfig{Loss: cnn.MSE{}}).Evaluate(context.Background(), d.Batches(cnn.BatchConfig{Size: 8}), 1)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(mse.Loss-loss) > 1e-6 || mse.LossName != "mse" || !reflect.DeepEqual(mse.Confusion, want) {
		t.Errorf("mse loss %v (%s), trainer's %v; confusion %v", mse.Loss, mse.LossName, loss, mse.Confusion)
	}
}

func TestEvaluateErrors(t *testing.T) {
	m := tinyModel(t, 1, 6, 5, 3)
	ctx := context.Background()
	empty := &cnn.MemoryDataset{Shape: m.InputShape()}
	if _, err := Evaluate(ctx, m, empty.Batches(cnn.BatchConfig{}).Epoch(1), nil); !errors.Is(err, ErrNoData) {
		t.Errorf("empty data: %v, want ErrNoData", err)
	}
	bad := randomMemory(4, m.InputShape(), 3, 2)
	bad.Labels[2] = 3
	if _, err := Evaluate(ctx, m, bad.Batches(cnn.BatchConfig{}).Epoch(1), nil); err == nil || !strings.Contains(err.Error(), "label 3") {
		t.Errorf("label out of range: %v", err)
	}
	if _, err := Evaluate(ctx, m, bad.Batches(cnn.BatchConfig{}).Epoch(1), &Config{Classes: []string{"a", "b", "c", "d"}}); err == nil {
		t.Error("4 classes for a 3-output model: no error")
	}
	wrong := randomMemory(4, cnn.Shape{1, 5, 5}, 3, 2)
	if _, err := Evaluate(ctx, m, wrong.Batches(cnn.BatchConfig{}).Epoch(1), nil); !errors.Is(err, cnn.ErrShape) {
		t.Errorf("wrong input shape: %v, want ErrShape", err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := Evaluate(cancelled, m, bad.Batches(cnn.BatchConfig{}).Epoch(1), nil); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

// TestEvaluateDatasetConverts streams the built-in shapes (1x120x60) into
// a 3x12x6 model: every image is resized and converted to 3 channels, and
// the result is the one of the same images prepared by hand.
func TestEvaluateDatasetConverts(t *testing.T) {
	ds, err := loaders.Open("builtin:shapes?n=45&seed=3", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ds.Close()
	m := tinyModel(t, 3, 12, 6, 4)
	res, err := EvaluateDataset(context.Background(), m, ds, &Config{BatchSize: 16, Workers: 3})
	if err != nil {
		t.Fatal(err)
	}
	if res.Images != 45 || res.Resized != 45 || res.ChannelsConverted != 45 {
		t.Errorf("images %d resized %d channels %d, want 45 each", res.Images, res.Resized, res.ChannelsConverted)
	}
	if !strings.Contains(res.Example, "resized 120x60 to 12x6") || !strings.Contains(res.Example, "1 channels to 3") {
		t.Errorf("conversion example %q", res.Example)
	}
	if !reflect.DeepEqual(res.ClassNames(), ds.Info().Classes) {
		t.Errorf("classes %v, want the dataset's %v", res.ClassNames(), ds.Info().Classes)
	}

	// The same images, one at a time, through Fit and a Tensorizer.
	in, _ := InputOf(m)
	tz, err := pipeline.NewTensorizer(3, pipeline.Normalization{})
	if err != nil {
		t.Fatal(err)
	}
	want := NewConfusion(4)
	x := cnn.NewTensor(1, 3, 12, 6)
	for s, err := range ds.Samples(context.Background(), nil) {
		if err != nil {
			t.Fatal(err)
		}
		img, err := pipeline.DecodeImage(&s, 0)
		if err != nil {
			t.Fatal(err)
		}
		fitted, conv := in.Fit(img, s.Channels, nil)
		if !conv.Resized || !conv.Channels {
			t.Fatalf("%s: conversion %+v", s.Path, conv)
		}
		if err := tz.Fill(x.Data, fitted); err != nil {
			t.Fatal(err)
		}
		out, err := m.Predict(x)
		if err != nil {
			t.Fatal(err)
		}
		want.Add(int(s.Label), argmax(out.Data))
	}
	if !reflect.DeepEqual(res.Confusion, want) {
		t.Errorf("streamed confusion %v, by hand %v", res.Confusion, want)
	}

	// Fewer outputs than the dataset's classes is an error.
	if _, err := EvaluateDataset(context.Background(), tinyModel(t, 1, 12, 6, 2), ds, nil); err == nil {
		t.Error("2-class model on a 4-class dataset: no error")
	}
}

func TestSelectSplit(t *testing.T) {
	dir := t.TempDir()
	for _, p := range []string{"train/a/1.png", "train/b/2.png", "test/a/3.png", "test/b/4.png", "test/b/5.png"} {
		writePNG(t, filepath.Join(dir, p), gray(4, 4, 100))
	}
	ds, err := loaders.Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ds.Close()
	for _, tt := range []struct{ ask, want string }{{"", "test"}, {"train", "train"}} {
		sub, name, err := SelectSplit(ds, tt.ask)
		if err != nil || name != tt.want {
			t.Fatalf("SelectSplit(%q) = %q, %v; want %q", tt.ask, name, err, tt.want)
		}
		if c := sub.Info().Count; c >= 0 && c != map[string]int{"test": 3, "train": 2}[tt.want] {
			t.Errorf("split %s has %d samples", name, c)
		}
	}
	if _, _, err := SelectSplit(ds, "val"); err == nil {
		t.Error("missing split: no error")
	}
	flat, err := loaders.Open("builtin:shapes?n=4", nil)
	if err != nil {
		t.Fatal(err)
	}
	if sub, name, err := SelectSplit(flat, ""); err != nil || name != "" || sub != flat {
		t.Errorf("no splits: %v %q %v", sub, name, err)
	}
}

func gray(w, h int, v uint8) image.Image {
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = v + uint8(i)
	}
	return img
}

func writePNG(t testing.TB, path string, img image.Image) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func rgb(w, h int) image.Image {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.NRGBA{R: uint8(10 * x), G: uint8(20 * y), B: 200, A: 255})
		}
	}
	return img
}

func TestPredict(t *testing.T) {
	m := tinyModel(t, 1, 8, 8, 3)
	p, err := NewPredictor(m, []string{"a", "b"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Classes(); !reflect.DeepEqual(got, []string{"a", "b", "2"}) {
		t.Errorf("classes %v", got)
	}
	preds, err := p.Predict([]image.Image{gray(8, 8, 30), rgb(16, 12)})
	if err != nil {
		t.Fatal(err)
	}
	// The first image fits: its probabilities are the model's softmax.
	x := cnn.NewTensor(1, 1, 8, 8)
	for i, v := range gray(8, 8, 30).(*image.Gray).Pix {
		x.Data[i] = float32(v) / 255
	}
	out, err := m.Predict(x)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range out.Data {
		if math.Abs(preds[0].Probs[i]-float64(v)) > 1e-6 {
			t.Errorf("prob %d = %v, model gives %v", i, preds[0].Probs[i], v)
		}
	}
	if preds[0].Converted != "" {
		t.Errorf("fitting image converted: %q", preds[0].Converted)
	}
	if c := preds[1].Converted; c != "resized 12x16 to 8x8 (bilinear); 3 channels to 1 (luminance)" {
		t.Errorf("conversion note %q", c)
	}
	for _, pr := range preds {
		sum := 0.0
		for _, v := range pr.Probs {
			sum += v
		}
		if math.Abs(sum-1) > 1e-9 || pr.Prob != pr.Probs[pr.Label] || pr.Label != argmax64(pr.Probs) || pr.Class != p.Classes()[pr.Label] {
			t.Errorf("inconsistent prediction %+v", pr)
		}
		top := pr.TopK(5, p.Classes())
		if len(top) != 3 || top[0].Label != pr.Label || top[0].Prob < top[1].Prob || top[1].Prob < top[2].Prob {
			t.Errorf("top-k %+v", top)
		}
	}
	if _, err := NewPredictor(m, []string{"a", "b", "c", "d"}, nil); err == nil {
		t.Error("4 names for 3 outputs: no error")
	}
}

func TestPredictFilesAndImageFiles(t *testing.T) {
	dir := t.TempDir()
	writePNG(t, filepath.Join(dir, "b", "2.png"), gray(8, 8, 1))
	writePNG(t, filepath.Join(dir, "a", "1.png"), rgb(8, 8))
	writePNG(t, filepath.Join(dir, "a", "deep", "3.png"), gray(20, 20, 9))
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(t.TempDir(), "corrupt.png")
	if err := os.WriteFile(bad, []byte("\x89PNG\r\n\x1a\nnot really"), 0o644); err != nil {
		t.Fatal(err)
	}
	files, err := ImageFiles([]string{dir, bad})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{filepath.Join(dir, "a", "1.png"), filepath.Join(dir, "a", "deep", "3.png"), filepath.Join(dir, "b", "2.png"), bad}
	if !reflect.DeepEqual(files, want) {
		t.Fatalf("files %v, want %v", files, want)
	}
	if _, err := ImageFiles([]string{filepath.Join(dir, "missing")}); err == nil {
		t.Error("missing path: no error")
	}
	if _, err := ImageFiles([]string{t.TempDir()}); err == nil {
		t.Error("empty directory: no error")
	}

	p, err := NewPredictor(tinyModel(t, 1, 8, 8, 3), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	err = p.PredictFiles(context.Background(), files, 2, 2, func(pr Prediction, err error) error {
		if err != nil {
			got = append(got, "error "+pr.Path)
			return nil
		}
		if len(pr.Top) != 2 {
			t.Errorf("%s: top %v", pr.Path, pr.Top)
		}
		got = append(got, pr.Path+" "+pr.Converted)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	wantLines := []string{
		files[0] + " 3 channels to 1 (luminance)",
		files[1] + " resized 20x20 to 8x8 (bilinear)",
		files[2] + " ",
		"error " + bad,
	}
	if !reflect.DeepEqual(got, wantLines) {
		t.Errorf("predictions\n%q\nwant\n%q", got, wantLines)
	}
}

// TestLoadModelNormalization checks that a checkpoint's normalization
// reaches the inputs: an image predicted through Model.Input gives the
// model's output on (v/255 - mean) / std.
func TestLoadModelNormalization(t *testing.T) {
	m := tinyModel(t, 1, 8, 8, 3)
	dir := t.TempDir()
	path := filepath.Join(dir, "m.safetensors")
	if err := m.Save(path); err != nil {
		t.Fatal(err)
	}
	c, err := cnn.LoadCheckpoint(path)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name, norm string) string {
		c.Metadata[MetaNormalization] = norm
		b, err := c.Encode()
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	loaded, err := LoadModel(write("norm.safetensors", `{"mean":[0.5],"std":[0.25]}`))
	if err != nil {
		t.Fatal(err)
	}
	in, err := loaded.Input()
	if err != nil {
		t.Fatal(err)
	}
	p, err := NewPredictor(loaded.Net, nil, &in)
	if err != nil {
		t.Fatal(err)
	}
	img := gray(8, 8, 40)
	preds, err := p.Predict([]image.Image{img})
	if err != nil {
		t.Fatal(err)
	}
	x := cnn.NewTensor(1, 1, 8, 8)
	for i, v := range img.(*image.Gray).Pix {
		x.Data[i] = (float32(v)/255 - 0.5) / 0.25
	}
	out, err := m.Predict(x)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range out.Data {
		if math.Abs(preds[0].Probs[i]-float64(v)) > 1e-5 {
			t.Fatalf("probs %v, model on normalized input %v", preds[0].Probs, out.Data)
		}
	}
	// A checkpoint without the key means [0, 1]; a bad one is an error.
	plain, err := LoadModel(path)
	if err != nil || plain.Normalization.Mean != nil || plain.Normalization.Std != nil {
		t.Errorf("plain checkpoint: %v %+v", err, plain.Normalization)
	}
	if _, err := LoadModel(write("bad.safetensors", `{"mean":`)); err == nil {
		t.Error("malformed normalization: no error")
	}
	bad, err := LoadModel(write("zero.safetensors", `{"mean":[0],"std":[0]}`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bad.Input(); err == nil || !strings.Contains(err.Error(), MetaNormalization) {
		t.Errorf("std 0: %v", err)
	}
}

package main

import (
	"bytes"
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cnnpipe/cnnpipe/cnn"
)

// tinySpec is a small model for the 3-class fixture images, fast enough
// for the race detector; its dropout makes the run depend on the step
// counter (restored by --resume).
const tinySpec = `
name: tiny
input: {height: 16, width: 16, channels: 3}
layers:
  - {type: conv2d, filters: 4, kernel: 3, activation: relu}
  - {type: maxpool2d, size: 2}
  - {type: flatten}
  - {type: dropout, rate: 0.2}
  - {type: dense, units: 3, activation: softmax}
optimizer: {name: adam, lr: 0.01}
`

const fixtureImages = "../../testdata/images"

// tinyArgs returns the flags of a short run on the fixture folder (30
// images of 3 classes, of several sizes, resized to 16x16), with
// augmentation so that per-sample seeds matter.
func tinyArgs(t *testing.T, out string, more ...string) []string {
	t.Helper()
	spec := filepath.Join(t.TempDir(), "tiny.yaml")
	if err := os.WriteFile(spec, []byte(tinySpec), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"--data", fixtureImages, "--val-split", "0.2", "--model", spec, "--batch", "4",
		"--augment", "hflip p=0.5; rotate deg=10"}
	if out != "" {
		args = append(args, "--out", out)
	}
	return append(args, more...)
}

// column returns column i of metrics.csv (without the header).
func column(t *testing.T, dir string, i int) []string {
	t.Helper()
	var col []string
	for _, r := range readMetrics(t, dir) {
		col = append(col, r[i])
	}
	return col
}

// TestTrainSameLossAnyWorkers checks that the same seed gives the same
// train_loss column of metrics.csv with 1 and 4 pipeline workers: the
// augmentation of each sample is seeded from (seed, epoch, index), not
// from the worker that happens to process it.
func TestTrainSameLossAnyWorkers(t *testing.T) {
	var cols [][]string
	for _, w := range []string{"1", "4"} {
		dir := t.TempDir()
		code, out, errs := trainCmd(t, tinyArgs(t, dir, "--epochs", "2", "--workers", w)...)
		if code != 0 {
			t.Fatalf("--workers %s: exit %d\n%s\n%s", w, code, out, errs)
		}
		cols = append(cols, column(t, dir, 1))
		if !strings.Contains(out, "where the time went") || !strings.Contains(out, "training: waiting for data") {
			t.Fatalf("no time breakdown in the output:\n%s", out)
		}
	}
	if len(cols[0]) != 2 || strings.Join(cols[0], ",") != strings.Join(cols[1], ",") {
		t.Fatalf("train_loss with 1 worker %v, with 4 workers %v", cols[0], cols[1])
	}
}

// tensorsEqual reports whether two checkpoints hold bit-identical tensors
// (weights, BatchNorm buffers and optimizer state).
func tensorsEqual(t *testing.T, a, b string) {
	t.Helper()
	ca, err := cnn.LoadCheckpoint(a)
	if err != nil {
		t.Fatal(err)
	}
	cb, err := cnn.LoadCheckpoint(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(ca.Names) != len(cb.Names) {
		t.Fatalf("%d vs %d tensors", len(ca.Names), len(cb.Names))
	}
	for _, n := range ca.Names {
		x, y := ca.Tensors[n], cb.Tensors[n]
		if y == nil || len(x.F32) != len(y.F32) {
			t.Fatalf("tensor %s missing or resized", n)
		}
		for i := range x.F32 {
			if math.Float32bits(x.F32[i]) != math.Float32bits(y.F32[i]) {
				t.Fatalf("tensor %s differs at %d: %v vs %v", n, i, x.F32[i], y.F32[i])
			}
		}
	}
}

// TestTrainInterruptAndResume interrupts a run in the middle of its
// second epoch (as Ctrl-C does: the context is cancelled, here after the
// third step), checks that it exits non-zero with a checkpoint and the
// command that continues it, runs that command, and compares the final
// weights and optimizer state bit for bit, and the loss column, with an
// uninterrupted run.
func TestTrainInterruptAndResume(t *testing.T) {
	ref := t.TempDir()
	if code, out, errs := trainCmd(t, tinyArgs(t, ref, "--epochs", "2")...); code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}

	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	trainHook = func(b cnn.BatchStats) {
		if b.Epoch == 2 && b.Batch == 3 {
			cancel()
		}
	}
	defer func() { trainHook = nil }()
	var out, errb bytes.Buffer
	code := run(ctx, append([]string{"train"}, tinyArgs(t, dir, "--epochs", "2")...), &env{stdout: &out, stderr: &errb})
	trainHook = nil
	if code != 1 {
		t.Fatalf("interrupted run: exit %d\n%s\n%s", code, out.String(), errb.String())
	}
	msg := errb.String()
	if !strings.Contains(msg, "interrupted in epoch 2 after 3 batches") || !strings.Contains(msg, "--resume "+filepath.Join(dir, "last.safetensors")) {
		t.Fatalf("interruption message:\n%s", msg)
	}
	_, cmdline, ok := strings.Cut(msg, "to continue: cnnpipe train ")
	if !ok {
		t.Fatalf("no resume command in:\n%s", msg)
	}
	// The hint repeats the run's flags (with a spec path that still
	// exists), adds --resume and --out.
	args := shellSplit(strings.TrimSpace(cmdline))
	// Another batch size would change the data order: refused.
	if code, _, e := trainCmd(t, append(append([]string(nil), args...), "--batch", "5")...); code != 2 || !strings.Contains(e, "same batch size") {
		t.Fatalf("resume with another batch size: exit %d\n%s", code, e)
	}
	code, o, e := trainCmd(t, args...)
	if code != 0 {
		t.Fatalf("resume %v: exit %d\n%s\n%s", args, code, o, e)
	}
	if !strings.Contains(o, "in epoch 2 after 3 batches") {
		t.Fatalf("resumed run output:\n%s", o)
	}
	tensorsEqual(t, filepath.Join(ref, "last.safetensors"), filepath.Join(dir, "last.safetensors"))
	if a, b := column(t, ref, 1), column(t, dir, 1); strings.Join(a, ",") != strings.Join(b, ",") {
		t.Fatalf("train_loss uninterrupted %v, interrupted and resumed %v", a, b)
	}
}

// shellSplit splits a command line written by shellQuote: words separated
// by spaces, single quotes protecting spaces.
func shellSplit(s string) []string {
	var args []string
	var cur strings.Builder
	quoted, inWord := false, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\'' && quoted && strings.HasPrefix(s[i:], `'\''`):
			cur.WriteByte('\'')
			i += 3
		case c == '\'':
			quoted, inWord = !quoted, true
		case c == ' ' && !quoted:
			if inWord {
				args = append(args, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		args = append(args, cur.String())
	}
	return args
}

// linSpec is a linear model with a squared loss trained by plain SGD: a
// learning rate of 10 makes it blow up within a few steps.
const linSpec = `
name: lin
input: {height: 16, width: 16, channels: 3}
layers:
  - {type: conv2d, filters: 4, kernel: 3}
  - {type: flatten}
  - {type: dense, units: 3}
loss: mse
optimizer: {name: sgd, lr: 0.001}
`

// TestTrainDivergence resumes a one-epoch run with a learning rate so high
// that the loss or the weights become non-finite: the command must stop
// with a message naming the epoch and step and suggesting a lower rate,
// exit non-zero, and leave the checkpoints of epoch 1 untouched (without
// the guard, epoch 2 would overwrite them with non-finite weights).
func TestTrainDivergence(t *testing.T) {
	dir := t.TempDir()
	spec := filepath.Join(t.TempDir(), "lin.yaml")
	if err := os.WriteFile(spec, []byte(linSpec), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"--data", fixtureImages, "--val-split", "0.2", "--batch", "4", "--out", dir}
	if code, out, errs := trainCmd(t, append(args, "--model", spec, "--epochs", "1")...); code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
	last := filepath.Join(dir, "last.safetensors")
	before, err := os.ReadFile(last)
	if err != nil {
		t.Fatal(err)
	}
	best, _ := os.ReadFile(filepath.Join(dir, "best.safetensors"))
	code, out, errs := trainCmd(t, append(args, "--epochs", "2", "--resume", last, "--lr", "10")...)
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s\n%s", code, out, errs)
	}
	for _, want := range []string{"diverged at epoch 2, step ", "try a lower one", "last good checkpoint is kept: " + last} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errs)
		}
	}
	after, _ := os.ReadFile(last)
	best2, _ := os.ReadFile(filepath.Join(dir, "best.safetensors"))
	if !bytes.Equal(before, after) || !bytes.Equal(best, best2) {
		t.Fatal("a checkpoint was overwritten after the divergence")
	}
	if rows := readMetrics(t, dir); len(rows) != 1 {
		t.Fatalf("metrics.csv has %d rows after the diverged epoch, want 1", len(rows))
	}
}

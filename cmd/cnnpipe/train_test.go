package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/cnnpipe/cnnpipe/cnn"
)

func trainCmd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), append([]string{"train"}, args...), &env{stdout: &out, stderr: &errb})
	return code, out.String(), errb.String()
}

// readMetrics returns the rows of metrics.csv, checking its header.
func readMetrics(t *testing.T, dir string) [][]string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "metrics.csv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if lines[0] != "epoch,train_loss,train_acc,val_loss,val_acc,images_per_sec,seconds" {
		t.Fatalf("metrics.csv header %q", lines[0])
	}
	var rows [][]string
	for _, l := range lines[1:] {
		rows = append(rows, strings.Split(l, ","))
	}
	return rows
}

// TestTrainSeedLearnsShapes trains the default (seed) model for one short
// epoch on the built-in shapes dataset and checks that validation accuracy
// is well above chance (25%), and that every output file is written.
func TestTrainSeedLearnsShapes(t *testing.T) {
	if testing.Short() || trainRace {
		t.Skip("trains a CNN for a few seconds (too slow under -short or the race detector)")
	}
	dir := t.TempDir()
	code, out, errs := trainCmd(t, "--epochs", "1", "--train-size", "2048", "--val-size", "256", "--batch", "16", "--out", dir)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
	rows := readMetrics(t, dir)
	if len(rows) != 1 {
		t.Fatalf("%d rows", len(rows))
	}
	acc, _ := strconv.ParseFloat(rows[0][4], 64)
	if acc < 0.45 {
		t.Fatalf("validation accuracy %v after one short epoch, want well above chance (0.25)\n%s", acc, out)
	}
	for _, f := range []string{"last.safetensors", "best.safetensors", "curves.png", "confusion.png"} {
		if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	if !strings.Contains(out, "epoch  1/1") || !strings.Contains(out, "Total params: 133,792") {
		t.Errorf("output lacks the summary or the epoch line:\n%s", out)
	}
	// The best checkpoint loads as a model on its own (spec in metadata).
	if _, err := cnn.LoadModel(filepath.Join(dir, "best.safetensors")); err != nil {
		t.Fatal(err)
	}
}

// TestTrainResume extends a finished one-epoch run to two epochs from its
// last.safetensors (written at the end of an epoch).
func TestTrainResume(t *testing.T) {
	dir := t.TempDir()
	if code, out, errs := trainCmd(t, tinyArgs(t, dir, "--epochs", "1")...); code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
	code, out, errs := trainCmd(t, tinyArgs(t, "", "--epochs", "2", "--resume", filepath.Join(dir, "last.safetensors"))...)
	if code != 0 {
		t.Fatalf("resume: exit %d\n%s\n%s", code, out, errs)
	}
	if !strings.Contains(out, "after epoch 1") || strings.Contains(out, "epoch  1/2") || !strings.Contains(out, "epoch  2/2") {
		t.Fatalf("resumed run output:\n%s", out)
	}
	// Without --out the run continues in the checkpoint's directory.
	if rows := readMetrics(t, dir); len(rows) != 2 || rows[1][0] != "2" {
		t.Fatalf("metrics after resume: %v", rows)
	}
}

func TestTrainUsageErrors(t *testing.T) {
	spec := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(spec, []byte("input: {height: 120, width: 60}\nlayers: [{type: dense, units: 4}]\n"), 0o644)
	three := filepath.Join(t.TempDir(), "three.yaml") // a model file is taken as written
	os.WriteFile(three, []byte("input: {height: 120, width: 60}\nlayers: [{type: flatten}, {type: dense, units: 3}]\n"), 0o644)
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"extra"}, 2, "unexpected arguments"},
		{[]string{"--epochs", "0"}, 2, "must be positive"},
		{[]string{"--model", "nosuch"}, 2, "unknown model"},
		{[]string{"--model", three, "--out", t.TempDir()}, 2, "has 4 classes"},
		{[]string{"--val-split", "0.2"}, 2, "needs a training dataset"},
		{[]string{"--data", "../../testdata/images", "--val-split", "1.5"}, 2, "not in [0, 1)"},
		{[]string{"--data", "../../testdata/images", "--augment", "nosuchop", "--out", t.TempDir()}, 2, "--augment"},
		{[]string{"--data", filepath.Join(t.TempDir(), "missing")}, 1, "missing"},
		{[]string{"--optimizer", "rmsprop"}, 2, "rmsprop"},
		{[]string{"--model", spec}, 1, "layer 0 (dense)"},
		{[]string{"--resume", filepath.Join(t.TempDir(), "none.safetensors"), "--train-size", "8", "--val-size", "0", "--out", t.TempDir()}, 1, "none.safetensors"},
	}
	for _, c := range cases {
		code, _, errs := trainCmd(t, c.args...)
		if code != c.code || !strings.Contains(errs, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d mentioning %q", c.args, code, errs, c.code, c.want)
		}
	}
}

package report

import (
	"bytes"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/cnnpipe/cnnpipe/cnn"
)

func TestCurves(t *testing.T) {
	rows := []cnn.EpochStats{
		{Epoch: 1, TrainLoss: 1.2, TrainAcc: 0.5, ValLoss: 1.0, ValAcc: 0.6},
		{Epoch: 2, TrainLoss: 0.6, TrainAcc: 0.8, ValLoss: 0.5, ValAcc: 0.85},
		{Epoch: 3, TrainLoss: 0.3, TrainAcc: 0.9, ValLoss: math.NaN(), ValAcc: math.NaN()},
	}
	path := filepath.Join(t.TempDir(), "curves.png")
	if err := WriteCurves(path, rows); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if r := img.Bounds(); r.Dx() < 800 || r.Dy() < 300 {
		t.Fatalf("image %v", r)
	}
	if _, err := Curves(nil); err == nil {
		t.Fatal("no rows: no error")
	}
}

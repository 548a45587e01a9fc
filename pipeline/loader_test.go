package pipeline

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cnnpipe/cnnpipe/augment"
	"github.com/cnnpipe/cnnpipe/cnn"
	"github.com/cnnpipe/cnnpipe/loaders"
)

func shapes(t testing.TB, n int) *loaders.Dataset {
	t.Helper()
	ds, err := loaders.Open("shapes?n="+strconv.Itoa(n), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ds.Close() })
	return ds
}

// epochData runs one epoch and returns copies of its batches.
func epochData(t testing.TB, l *Loader, e int) []cnn.Batch {
	t.Helper()
	var out []cnn.Batch
	for b, err := range l.Epoch(e) {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, cnn.Batch{X: b.X.Clone(), Labels: slices.Clone(b.Labels)})
	}
	return out
}

func sameBatches(a, b []cnn.Batch) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !slices.Equal(a[i].X.Shape, b[i].X.Shape) || !slices.Equal(a[i].X.Data, b[i].X.Data) || !slices.Equal(a[i].Labels, b[i].Labels) {
			return false
		}
	}
	return true
}

func TestLoaderBatches(t *testing.T) {
	checkNoLeaks(t)
	ds := shapes(t, 70)
	l, err := NewLoader(ds, LoaderConfig{BatchSize: 32, Channels: 1, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	batches := epochData(t, l, 1)
	if len(batches) != 3 {
		t.Fatalf("got %d batches of 70 samples by 32, want 3", len(batches))
	}
	want := [][]int{{32, 1, 120, 60}, {32, 1, 120, 60}, {6, 1, 120, 60}}
	for i, b := range batches {
		if !slices.Equal(b.X.Shape, want[i]) || len(b.Labels) != want[i][0] {
			t.Errorf("batch %d shape %v with %d labels, want %v", i, b.X.Shape, len(b.Labels), want[i])
		}
	}
	// Without shuffling or augmentation, sample i is image i of the dataset.
	img, label := loaders.ShapesImage(loaders.DefaultShapesSeed, 33)
	x := batches[1].X.Sample(1)
	for k, v := range img.Pix {
		if x[k] != float32(v)/255 {
			t.Fatalf("pixel %d of sample 33 = %v, want %v", k, x[k], float32(v)/255)
		}
	}
	if batches[1].Labels[1] != label {
		t.Errorf("label of sample 33 = %d, want %d", batches[1].Labels[1], label)
	}
	st := l.Stats()
	names := []string{}
	for _, s := range st {
		names = append(names, s.Name)
	}
	if !slices.Equal(names, []string{"read", "rows", "interleave", "decode", "batch", "collate", "prefetch", "train"}) {
		t.Errorf("stages %v", names)
	}
	if dec, _ := st.Stage("decode"); st[len(st)-1].Out != 3 || dec.Out != 70 || st[0].Workers != 2 {
		t.Errorf("stats:\n%s", st)
	}
	epochData(t, l, 2)
	total := l.TotalStats()
	if tr, ok := total.Stage("train"); !ok || tr.Out != 6 {
		t.Errorf("total over 2 epochs:\n%s", total)
	}
}

// TestLoaderReproducible: the same seed gives the same batches whatever
// the number of workers; another epoch gives another order and other
// augmentations.
func TestLoaderReproducible(t *testing.T) {
	checkNoLeaks(t)
	ds := shapes(t, 48)
	policy := augment.Compose{
		augment.RandomApply{P: 0.5, Op: augment.HFlip{}},
		augment.Rotate{Degrees: augment.Range{Lo: -20, Hi: 20}},
		augment.RandomResizedCrop{Size: augment.Size{H: 60, W: 30}},
	}
	run := func(workers int, e int) []cnn.Batch {
		l, err := NewLoader(ds, LoaderConfig{BatchSize: 16, Channels: 1, Workers: workers, Shuffle: true, Seed: 7, Augment: policy})
		if err != nil {
			t.Fatal(err)
		}
		return epochData(t, l, e)
	}
	a, b, c := run(1, 1), run(4, 1), run(3, 2)
	if !sameBatches(a, b) {
		t.Error("1 and 4 workers gave different batches")
	}
	if sameBatches(a, c) {
		t.Error("epochs 1 and 2 gave the same batches")
	}
	if got := a[0].X.Shape; !slices.Equal(got, []int{16, 1, 60, 30}) {
		t.Errorf("augmented shape %v", got)
	}
}

func TestLoaderResizesAndNormalizes(t *testing.T) {
	ds := shapes(t, 4)
	pol, err := augment.Parse("hflip p=1; normalize mean=0.5,0.5,0.5 std=0.25,0.25,0.25")
	if err != nil {
		t.Fatal(err)
	}
	l, err := NewLoader(ds, LoaderConfig{BatchSize: 4, Channels: 3, Height: 30, Width: 20, Augment: pol})
	if err != nil {
		t.Fatal(err)
	}
	bs := epochData(t, l, 1)
	if len(bs) != 1 || !slices.Equal(bs[0].X.Shape, []int{4, 3, 30, 20}) {
		t.Fatalf("got %d batches, shape %v", len(bs), bs[0].X.Shape)
	}
	lo, hi := float32(math.Inf(1)), float32(math.Inf(-1))
	for _, v := range bs[0].X.Data {
		lo, hi = min(lo, v), max(hi, v)
	}
	if lo < -2-1e-5 || hi > 2+1e-5 || hi <= 1 {
		t.Errorf("values in [%v, %v], want the normalize stage's range [-2, 2] to be used", lo, hi)
	}
}

func TestLoaderConfigErrors(t *testing.T) {
	ds := shapes(t, 4)
	for _, cfg := range []LoaderConfig{
		{Channels: 2},
		{Height: 10},
		{Normalization: Normalization{Std: []float32{1, 0, 1}}},
	} {
		if _, err := NewLoader(ds, cfg); err == nil {
			t.Errorf("NewLoader(%+v) accepted a bad configuration", cfg)
		}
	}
}

func TestLoaderStopsEarlyAndReportsErrors(t *testing.T) {
	checkNoLeaks(t)
	ds := shapes(t, 200)
	l, _ := NewLoader(ds, LoaderConfig{BatchSize: 8, Channels: 1, Workers: 3})
	n := 0
	for _, err := range l.Epoch(1) {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n == 2 {
			break
		}
	}
	if st := l.Stats(); len(st) == 0 || !st[0].Done {
		t.Errorf("stats after an early break:\n%s", st)
	}

	// A corrupt file in a folder dataset.
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "a"), 0o755)
	good, err := os.ReadFile(filepath.Join("..", "testdata", "images", "circle", "circle_00.png"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "a", "1.png"), good, 0o644)
	os.WriteFile(filepath.Join(dir, "a", "2.png"), good[:len(good)/3], 0o644)
	fds, err := loaders.Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer fds.Close()
	l, _ = NewLoader(fds, LoaderConfig{BatchSize: 2, Workers: 2})
	var got error
	for _, err := range l.Epoch(1) {
		if err != nil {
			got = err
		}
	}
	if !errors.Is(got, loaders.ErrCorrupt) || !strings.Contains(got.Error(), "2.png") {
		t.Errorf("epoch error = %v, want a corrupt-data error naming 2.png", got)
	}
}

// TestLoaderCancel cancels the context of a running epoch.
func TestLoaderCancel(t *testing.T) {
	checkNoLeaks(t)
	ds := shapes(t, 400)
	l, _ := NewLoader(ds, LoaderConfig{BatchSize: 4, Channels: 1, Workers: 2})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var got error
	n := 0
	for _, err := range l.EpochContext(ctx, 1) {
		if err != nil {
			got = err
			break
		}
		if n++; n == 3 {
			cancel()
		}
	}
	if !errors.Is(got, context.Canceled) {
		t.Errorf("epoch error after cancel = %v, want context.Canceled", got)
	}
}

// TestLoaderBoundedMemory: with a slow trainer, the epoch reuses a bounded
// set of batch tensors however many batches it has.
func TestLoaderBoundedMemory(t *testing.T) {
	checkNoLeaks(t)
	ds := shapes(t, 240)
	const workers, prefetch = 2, 2
	l, _ := NewLoader(ds, LoaderConfig{BatchSize: 4, Channels: 1, Workers: workers, Prefetch: prefetch})
	seen := map[*float32]bool{}
	batches := 0
	for b, err := range l.Epoch(1) {
		if err != nil {
			t.Fatal(err)
		}
		seen[&b.X.Data[0]] = true
		batches++
		time.Sleep(200 * time.Microsecond) // a slow training step
	}
	if bound := prefetch + workers + 4; batches != 60 || len(seen) > bound {
		t.Errorf("%d batches used %d distinct tensors, want at most %d", batches, len(seen), bound)
	}
}

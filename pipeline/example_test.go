package pipeline_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/cnnpipe/cnnpipe/augment"
	"github.com/cnnpipe/cnnpipe/cnn"
	"github.com/cnnpipe/cnnpipe/loaders"
	"github.com/cnnpipe/cnnpipe/models"
	"github.com/cnnpipe/cnnpipe/pipeline"
)

// ExampleMap squares numbers with four workers. Ordered output (the default)
// keeps the input order whatever the workers' timing.
func ExampleMap() {
	p := pipeline.New(context.Background())
	nums := pipeline.FromSlice(p, "nums", []int{1, 2, 3, 4, 5, 6})
	squares := pipeline.Map(p, "square", nums, pipeline.MapConfig{Workers: 4},
		func(_ context.Context, n int) (int, error) { return n * n, nil })
	for v := range squares {
		fmt.Print(v, " ")
	}
	if err := p.Wait(); err != nil {
		fmt.Println(err)
	}
	// Output: 1 4 9 16 25 36
}

type file string

func (f file) ID() string { return string(f) }

// ExampleMap_error shows the first error stopping the pipeline and naming
// the stage and the item that caused it.
func ExampleMap_error() {
	p := pipeline.New(context.Background())
	files := pipeline.FromSlice(p, "list", []file{"a.jpg", "b.txt", "c.jpg"})
	decoded := pipeline.Map(p, "decode", files, pipeline.MapConfig{Workers: 2},
		func(_ context.Context, f file) (string, error) {
			if !strings.HasSuffix(string(f), ".jpg") {
				return "", errors.New("unknown format")
			}
			return "pixels of " + string(f), nil
		})
	for range decoded {
	}
	fmt.Println(p.Wait())
	// Output: pipeline: stage decode: b.txt: unknown format
}

// ExampleBatch groups a stream into batches; the last one may be short.
func ExampleBatch() {
	p := pipeline.New(context.Background())
	nums := pipeline.FromSlice(p, "nums", []int{1, 2, 3, 4, 5, 6, 7})
	for b := range pipeline.Batch(p, "batch", nums, pipeline.BatchConfig{Size: 3}) {
		fmt.Println(b)
	}
	_ = p.Wait()
	// Output:
	// [1 2 3]
	// [4 5 6]
	// [7]
}

// ExampleShuffle shuffles through a seeded buffer: the same seed gives the
// same order.
func ExampleShuffle() {
	order := func(seed uint64) []int {
		p := pipeline.New(context.Background())
		out, _ := pipeline.Collect(p, pipeline.Shuffle(p, "shuffle",
			pipeline.FromSlice(p, "nums", []int{0, 1, 2, 3, 4, 5, 6, 7}), 8, seed))
		return out
	}
	fmt.Println(fmt.Sprint(order(42)) == fmt.Sprint(order(42)))
	// Output: true
}

// ExampleFilter keeps the even numbers.
func ExampleFilter() {
	p := pipeline.New(context.Background())
	nums := pipeline.FromSlice(p, "nums", []int{1, 2, 3, 4, 5, 6})
	even, _ := pipeline.Collect(p, pipeline.Filter(p, "even", nums, func(n int) bool { return n%2 == 0 }))
	fmt.Println(even)
	// Output: [2 4 6]
}

// ExamplePrefetch consumes a pipeline with a range loop and prints where the
// time went. The figures vary from run to run.
func ExamplePrefetch() {
	p := pipeline.New(context.Background())
	defer p.Stop()
	nums := pipeline.Generate(p, "gen", 100, func(_ context.Context, i int) (int, error) { return i, nil })
	doubled := pipeline.Map(p, "double", nums, pipeline.MapConfig{Workers: 2},
		func(_ context.Context, n int) (int, error) { return 2 * n, nil })
	ready := pipeline.Prefetch(p, "prefetch", doubled, 4)
	sum := 0
	for v := range pipeline.All(p, "consume", ready) {
		sum += v
	}
	if err := p.Wait(); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(sum)
	p.Stats().WriteTable(os.Stderr) // stage, kind, workers, in, out, items/s, busy, wait-in, wait-out
	// Output: 9900
}

// ExampleLoader streams the built-in shapes dataset, augmented, as the
// mini-batches a cnn.Trainer consumes (a Loader is a cnn.Source).
func ExampleLoader() {
	ds, err := loaders.Open("shapes?n=100", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ds.Close()
	policy, _ := augment.Parse("hflip p=0.5; rotate deg=10")
	l, err := pipeline.NewLoader(ds, pipeline.LoaderConfig{
		BatchSize: 32, Workers: 2, Channels: 1,
		Shuffle: true, Seed: 1, Augment: policy,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for b, err := range l.Epoch(1) {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(b.X.Shape, len(b.Labels))
	}
	_ = l.Stats() // where the epoch's time went, stage by stage

	// Output:
	// [32 1 120 60] 32
	// [32 1 120 60] 32
	// [32 1 120 60] 32
	// [4 1 120 60] 4
}

// ExampleRows builds the image stages by hand: Arrow record batches from a
// loaders reader cross a channel (ReadRecords retains each for the
// receiver, Rows releases it once its rows are copied out), then the rows
// are decoded, batched and collated into tensors.
func ExampleRows() {
	ds, err := loaders.Open("shapes?n=10", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ds.Close()
	p := pipeline.New(context.Background())
	rr := ds.Records(p.Context(), &loaders.ReadOptions{BatchSize: 4})
	p.Cleanup(rr.Release) // after every stage has stopped

	records := pipeline.ReadRecords(p, "read", rr)
	rows := pipeline.Rows(p, "rows", records, 1)
	images := pipeline.Decode(p, "decode", rows, pipeline.DecodeConfig{Workers: 2})
	groups := pipeline.Batch(p, "batch", images, pipeline.BatchConfig{Size: 8})
	for b := range pipeline.Collate(p, "collate", groups, pipeline.CollateConfig{Channels: 1}) {
		fmt.Println(b.X.Shape, b.Index)
		b.Release()
	}
	if err := p.Wait(); err != nil {
		fmt.Println(err)
	}
	// Output:
	// [8 1 120 60] [0 1 2 3 4 5 6 7]
	// [2 1 120 60] [8 9]
}

// ExampleLoader_train is what "cnnpipe train" does with a dataset: a
// Loader with augmentation for the training split, one without for
// validation, the model's input shape for both, and the stage statistics
// at the end to tell compute from waiting for data.
func ExampleLoader_train() {
	ctx := context.Background()
	ds, err := loaders.Open("shapes?n=40", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ds.Close()
	train, val, err := ds.SplitFraction(ctx, 0.25, 1)
	if err != nil {
		fmt.Println(err)
		return
	}
	spec, _ := models.Open("seed")
	m, err := spec.Build(1)
	if err != nil {
		fmt.Println(err)
		return
	}
	in := m.InputShape() // [channels, height, width]
	policy, _ := augment.Parse("hflip p=0.5; rotate deg=10")
	tl, _ := pipeline.NewLoader(train, pipeline.LoaderConfig{
		BatchSize: 16, Workers: 2, Shuffle: true, Seed: 1, Augment: policy,
		Channels: in[0], Height: in[1], Width: in[2],
	})
	vl, _ := pipeline.NewLoader(val, pipeline.LoaderConfig{
		BatchSize: 64, Workers: 2, Channels: in[0], Height: in[1], Width: in[2],
	})
	tr := cnn.NewTrainer(m, cnn.TrainConfig{Epochs: 1})
	if err := tr.Fit(ctx, tl, vl); err != nil {
		fmt.Println(err)
		return
	}
	st, _ := tl.TotalStats().Stage("train")
	// st.Busy is the time spent training, st.WaitIn the time spent waiting
	// for data; tl.TotalStats().WriteTable prints every stage.
	fmt.Printf("%d training batches in %d epoch\n", st.Out, len(tr.State().History))
	// Output: 2 training batches in 1 epoch
}

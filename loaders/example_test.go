package loaders_test

import (
	"context"
	"fmt"
	"log"

	"github.com/cnnpipe/cnnpipe/loaders"
)

// Open a folder of class subdirectories and stream it as record batches.
func ExampleOpen() {
	ds, err := loaders.Open("../testdata/images", nil)
	if err != nil {
		log.Fatal(err)
	}
	defer ds.Close()
	info := ds.Info()
	fmt.Println(info.Format, info.Count, info.Classes)

	rr := ds.Records(context.Background(), &loaders.ReadOptions{BatchSize: 16})
	defer rr.Release()
	for rr.Next() {
		rec := rr.RecordBatch() // valid until the next call to Next; Retain to keep it
		fmt.Println("batch of", rec.NumRows(), "rows")
	}
	if err := rr.Err(); err != nil {
		log.Fatal(err)
	}
	// Output:
	// folder 30 [circle square triangle]
	// batch of 16 rows
	// batch of 14 rows
}

// Iterate over samples, decoded to pixels, in a seeded shuffled order.
func ExampleDataset_Samples() {
	ds, err := loaders.Open("../testdata/images", nil)
	if err != nil {
		log.Fatal(err)
	}
	defer ds.Close()
	n := 0
	for s, err := range ds.Shuffle(42).Samples(context.Background(), &loaders.ReadOptions{Decode: true}) {
		if err != nil {
			log.Fatal(err)
		}
		if n < 2 {
			fmt.Printf("%s label=%d %dx%dx%d %d bytes\n", s.Class, s.Label, s.Height, s.Width, s.Channels, len(s.Data))
		}
		n++
	}
	fmt.Println(n, "samples")
	// Output:
	// triangle label=2 32x32x3 3072 bytes
	// triangle label=2 32x32x3 3072 bytes
	// 30 samples
}

// Split a dataset into training and validation parts, stratified by class.
func ExampleDataset_SplitFraction() {
	ds, err := loaders.Open("../testdata/images", nil)
	if err != nil {
		log.Fatal(err)
	}
	defer ds.Close()
	ctx := context.Background()
	train, val, err := ds.SplitFraction(ctx, 0.2, 1)
	if err != nil {
		log.Fatal(err)
	}
	tc, _ := train.ClassCounts(ctx)
	vc, _ := val.ClassCounts(ctx)
	fmt.Println("train", train.Info().Count, tc)
	fmt.Println("val", val.Info().Count, vc)
	// Output:
	// train 24 [8 8 8]
	// val 6 [2 2 2]
}

// Convert a folder dataset to Parquet and read it back.
func ExampleConvert() {
	ctx := context.Background()
	ds, err := loaders.Open("../testdata/images", nil)
	if err != nil {
		log.Fatal(err)
	}
	defer ds.Close()
	dst := tempDir() + "/images.parquet"
	st, err := loaders.Convert(ctx, ds, dst, &loaders.ConvertOptions{Write: loaders.WriteOptions{RowGroupSize: 10}})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(st.Format, st.Written, "written")
	pq, err := loaders.Open(dst, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer pq.Close()
	fmt.Println(pq.Info().Format, pq.Info().Count, pq.Info().Classes)
	// Output:
	// parquet 30 written
	// parquet 30 [circle square triangle]
}

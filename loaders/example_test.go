package loaders_test

import (
	"context"
	"fmt"
	"image"
	"image/png"
	"io"
	"log"
	"os"

	"github.com/apache/arrow-go/v18/arrow"
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

// Send record batches to another goroutine: Retain before sending, and the
// receiver Releases when done. A RowView gives per-row access.
func ExampleNewRowView() {
	ds, err := loaders.Open("shapes?n=8&seed=1", nil)
	if err != nil {
		log.Fatal(err)
	}
	defer ds.Close()
	rr := ds.Records(context.Background(), &loaders.ReadOptions{BatchSize: 4})
	defer rr.Release()

	ch := make(chan arrow.RecordBatch)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for rec := range ch {
			v, err := loaders.NewRowView(rec)
			if err != nil {
				log.Fatal(err)
			}
			for i := 0; i < v.Len(); i++ {
				s := v.Sample(i) // s.Data aliases rec: valid until rec.Release
				fmt.Printf("%d %s %dx%dx%d\n", s.Index, s.Class, s.Height, s.Width, s.Channels)
			}
			rec.Release()
		}
	}()
	for rr.Next() {
		rec := rr.RecordBatch()
		rec.Retain() // the reader reuses its reference on the next call to Next
		ch <- rec
	}
	close(ch)
	<-done
	if err := rr.Err(); err != nil {
		log.Fatal(err)
	}
	// Output:
	// 0 bar 120x60x1
	// 1 circle 120x60x1
	// 2 triangle 120x60x1
	// 3 square 120x60x1
	// 4 circle 120x60x1
	// 5 bar 120x60x1
	// 6 triangle 120x60x1
	// 7 square 120x60x1
}

// Several machines each read their own shard of the same shuffled order.
func ExampleDataset_Shard() {
	ds, err := loaders.Open("../testdata/images", nil)
	if err != nil {
		log.Fatal(err)
	}
	defer ds.Close()
	for machine := 0; machine < 3; machine++ {
		shard, err := ds.Shuffle(7).Shard(machine, 3)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println("machine", machine, "reads", shard.Info().Count, "images")
	}
	// Output:
	// machine 0 reads 10 images
	// machine 1 reads 10 images
	// machine 2 reads 10 images
}

// Plug in another decoder for a format: a later registration with the
// same name replaces the built-in one.
func ExampleRegisterDecoder() {
	builtin, _ := loaders.LookupDecoder("png")
	defer loaders.RegisterDecoder(builtin)
	calls := 0
	loaders.RegisterDecoder(loaders.Decoder{
		Name:         "png",
		Magic:        []string{"\x89PNG\r\n\x1a\n"},
		Extensions:   []string{".png"},
		DecodeConfig: png.DecodeConfig,
		Decode: func(r io.Reader) (image.Image, error) {
			calls++ // a faster decoder would go here
			return png.Decode(r)
		},
	})
	img, format, err := loaders.Decode(mustRead("../testdata/images/circle/circle_00.png"), 0)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(format, img.Bounds().Dx(), "x", img.Bounds().Dy(), "decoded by the plug-in:", calls == 1)
	// Output:
	// png 32 x 32 decoded by the plug-in: true
}

// Inspect a dataset: counts, classes, sizes and unreadable files.
func ExampleInspect() {
	ds, err := loaders.Open("../testdata/images", nil)
	if err != nil {
		log.Fatal(err)
	}
	defer ds.Close()
	rep, err := loaders.Inspect(context.Background(), ds, nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(rep.Count, "images,", rep.Unreadable, "unreadable, class counts", rep.ClassCounts)
	fmt.Printf("most common size %dx%dx%d\n", rep.Sizes[0].Height, rep.Sizes[0].Width, rep.Sizes[0].Channels)
	// Output:
	// 30 images, 0 unreadable, class counts [10 10 10]
	// most common size 32x32x3
}

func mustRead(name string) []byte {
	b, err := os.ReadFile(name)
	if err != nil {
		log.Fatal(err)
	}
	return b
}

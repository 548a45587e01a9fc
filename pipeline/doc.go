// Package pipeline connects the stages that feed a trainer: generic stages
// over bounded channels (sources, Map with N workers, Filter, Shuffle, Batch,
// Prefetch) run in goroutines owned by a Pipeline, which cancels them all on
// the first error and reports per-stage statistics.
//
// # Running a pipeline
//
// A Pipeline is created with New and works like errgroup.Group: each stage
// constructor starts its goroutines on it and returns its output channel,
// the consumer drains the last channel, and Wait returns the first error.
//
//	p := pipeline.New(ctx)
//	paths := pipeline.FromSlice(p, "list", files)
//	imgs := pipeline.Map(p, "decode", paths, pipeline.MapConfig{Workers: 4}, decode)
//	batches := pipeline.Batch(p, "batch", imgs, pipeline.BatchConfig{Size: 64})
//	for b := range batches {
//		train(b)
//	}
//	if err := p.Wait(); err != nil { … }
//	fmt.Print(p.Stats())
//
// # Cancellation and errors
//
// Every stage selects on the pipeline's context when it sends or receives,
// so cancelling the parent context, calling Stop, or the failure of any
// stage ends every goroutine promptly and closes every output channel;
// nothing needs to be drained. The first failure is returned by Wait as a
// *StageError naming the stage and the item: its ID if it implements
// Identifier (a file path, say), otherwise its position in the stage's
// input. A panic in a stage function is reported the same way.
//
// # Memory
//
// Every channel is bounded. The items alive at any time are at most the sum
// of the channel capacities, the items held by workers (one each), the
// reorder window of each ordered Map (Workers+Buffer), the Shuffle buffer
// and the batch being filled: memory is set by the configuration, never by
// the length of the stream. A slow consumer blocks the stages behind it
// (backpressure).
//
// # Ownership
//
// An item sent on a channel belongs to the receiver, as in arrow-go: a stage
// that receives an item either passes it on or releases it. Items that hold
// reference-counted resources (Arrow records, pooled tensors) must be
// released by the stage that drops them; the adapters in this package do so
// and document it.
//
// # Image stages
//
// The adapters connect cnnpipe's other packages. ReadRecords sends the
// Arrow record batches of a loaders reader over a channel (retained for the
// receiver); Rows turns each record into *Sample values that own a copy of
// their row and releases the record; Decode, Augment (per-sample randomness
// from the seed, the epoch and the sample index) and Collate (uint8 HWC to
// normalized float32 CHW, into pooled cnn batch tensors) follow. ReadRows
// reads several shards of a dataset in parallel and interleaves them back
// into the dataset's order. Loader wires them all into a cnn.Source, one
// Pipeline per epoch:
//
//	read → rows → interleave → decode → augment → batch → collate → prefetch → trainer
//
// Training from any loaders dataset is then
//
//	l, err := pipeline.NewLoader(ds, pipeline.LoaderConfig{BatchSize: 64, Workers: 4, Shuffle: true, Seed: seed, Augment: policy})
//	err = trainer.Fit(ctx, l, val)
//	fmt.Print(l.TotalStats()) // per stage; "train" splits compute from waiting for data
//
// Decoding goes through the loaders decoder registry. The default JPEG and
// PNG decoders (internal/jpeg, internal/png) decode straight into the
// pipeline's recycled RGBA buffers, with pixels bit-identical to
// image/jpeg and image/png followed by [ToNRGBA]; subpackage jpegturbo
// provides an optional libjpeg-turbo JPEG decoder (build tag jpegturbo).
//
// # Statistics
//
// Pipeline.Stats returns, for every stage, the items in and out, the
// throughput, and how its workers' time divides between working (Busy),
// waiting for input (WaitIn, the stage is starved) and waiting for output
// (WaitOut, the stage is held back). Stats.WriteTable prints them and marks
// the busiest stage: that is the one to give more workers.
package pipeline

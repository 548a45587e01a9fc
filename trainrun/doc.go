// Package trainrun is what "cnnpipe train" does, as a library: it opens a
// training (and validation) dataset with package loaders, streams it
// through a pipeline.Loader (decode, augmentation of the training split
// with per-sample seeds from (seed, epoch, index), resize to the model's
// input, batching, prefetch), trains a cnn model with
// cnn.Trainer.FitGuarded, and reports progress, one line per epoch, and at
// the end where the time went (compute versus waiting for data) from the
// pipeline's stage statistics.
//
// A run is described by a plain Config and started with Run. It writes
// metrics.csv, last.safetensors, best.safetensors, curves.png and
// confusion.png into Config.OutDir. Cancelling the context (Ctrl-C) makes
// Run checkpoint the position reached in the epoch and return an error
// wrapping *cnn.InterruptedError; Config.Resume continues such a run with
// the same optimizer state, epoch, random streams and data order, so that
// the final weights equal those of an uninterrupted run. A loss or weight
// that becomes NaN or infinite stops the run with an error wrapping
// *cnn.DivergedError and leaves the last good checkpoint in place.
package trainrun

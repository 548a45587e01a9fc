// Package expand is the job behind `cnnpipe augment`: it reads an image
// dataset through package loaders, writes Copies augmented variants of
// every image into a destination folder that mirrors the source's class
// subdirectories, and writes a manifest (CSV and Parquet) naming, for each
// output, its source, label, copy index, per-sample seed and the
// parameters the augmentation drew.
//
// The unit of work is the pure function [Render] (or, reusing buffers, a
// [Renderer]): one sample and one copy index in, one relative path and the
// encoded file bytes out. Its randomness comes from
// augment.SampleSeed(Config.Seed, copy, sample.Index) alone, so any
// executor that calls it — [Run] with any number of workers, or a
// distributed runner — produces byte-identical files under identical
// names.
//
// [Run] writes every file under a temporary name and renames it into place,
// never writes inside the source folder, skips outputs that already exist
// (so re-running an interrupted job finishes it, with the same bytes as an
// uninterrupted run), names every input it cannot read, decode or augment,
// and reports progress and a summary with where the time went (decode,
// transform, encode, write).
package expand

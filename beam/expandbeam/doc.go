// Package expandbeam runs the `cnnpipe augment` job — expand an image
// dataset on disk into N augmented copies per image plus a manifest — as an
// Apache Beam pipeline, so that one job can use many machines through any
// Beam runner: Prism in-process on one machine, or Flink, Spark and
// Dataflow.
//
// The pipeline is
//
//	driver: open SRC with loaders, plan read shards, check and prepare DST
//	Create(shards) → Reshuffle → read shard (loaders) → one Task per image
//	  → Reshuffle → one Task per (image, copy)
//	  → render each Task (expand.Renderer: decode, augment, encode)
//	  → write the file → manifest rows → GroupByKey(part of the output path)
//	  → Parquet part files; failures → GroupByKey → failures.csv
//
// Each output is computed by the same per-(image, copy) function as the core
// command (expand.Renderer), seeded from (seed, copy, sample index), so the
// files do not depend on the runner, on the number of workers or on how
// bundles are split and retried. Files are written through Beam's
// filesystem abstraction (package
// github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem): local paths,
// and gs:// or s3:// where the program registers those filesystems. Every
// write is atomic and deterministic: a local file is written to a unique
// temporary name in its directory and renamed into place; an object store
// makes a single object write visible only when it completes. A retried
// bundle therefore rewrites identical bytes under identical names and never
// leaves a partial file behind, and an output that already exists is not
// written again (a re-run resumes).
//
// The manifest is written as Parquet shards DST/manifest/part-NNNNN.parquet,
// one per key group, each sorted by output path; read them together with
// any Parquet reader (for example DuckDB's read_parquet('DST/manifest/*.parquet')).
// Inputs that cannot be read, decoded or augmented are listed in
// DST/failures.csv, as by the core command, and make [Run] return
// [ErrFailed] unless the error policy is "skip". Apart from the manifest
// (one manifest.csv and manifest.parquet for the core, Parquet parts here),
// DST is byte for byte what `cnnpipe augment` writes, including its
// settings file, so either command can finish a DST the other started.
//
// SRC is opened with the loaders package on the driver and again on every
// worker, so it must be a path that the workers can read (a local path for
// Prism, a shared or mounted filesystem for a cluster).
package expandbeam

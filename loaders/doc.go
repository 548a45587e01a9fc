// Package loaders turns image-classification datasets into a stream of
// Apache Arrow record batches with one schema whatever the source, and
// writes such streams back out as Arrow IPC, Parquet or an image folder.
//
// # Sources
//
// [Open] detects the format of a path and returns a [Dataset]:
//
//   - a folder with one subdirectory per class (PNG, JPEG, GIF, BMP, TIFF,
//     WebP; images may be nested deeper inside a class directory; classes are
//     the sorted directory names, so labels are stable), optionally with
//     top-level split directories (train/, test/, val/, validation/);
//   - a CSV manifest (header "path,label", "path,class" or both, optional
//     "split" column; paths relative to the manifest), given directly or as
//     manifest.csv / labels.csv in a folder (beside class directories, only
//     a manifest with a path column counts: the manifest cnnpipe augment
//     writes into its output describes the variants, and that output reads
//     as class folders);
//   - MNIST-style IDX files, gzip-compressed or not: a dataset is named by its
//     images file and the labels file is found beside it by the standard
//     naming (train-images-idx3-ubyte.gz ↔ train-labels-idx1-ubyte.gz); a
//     directory holding train- and t10k- pairs has a "train" and a "test" split;
//   - CIFAR-10 binary batches (a data_batch_N.bin / test_batch.bin file or the
//     directory holding them) and CIFAR-100 (train.bin / test.bin, fine labels
//     by default, coarse with [Config].CIFAR100Labels);
//   - Arrow IPC files (.arrow, .feather; .arrows for the stream format) and
//     Parquet files with the columns below, written by cnnpipe or by anyone
//     else (at least a binary "image" and an integer "label" column; a
//     Hugging Face struct<bytes, path> image column works too);
//   - the built-in "shapes" dataset (see [ShapesImage]): the names "shapes"
//     and "builtin:shapes", optionally with "?n=COUNT&seed=SEED" (defaults
//     [DefaultShapesCount], [DefaultShapesSeed]); an existing file or
//     directory of that name takes precedence.
//
// A Dataset is a cheap, immutable view: [Dataset.Shuffle], [Dataset.Shard],
// [Dataset.SplitFraction] and [Dataset.Split] return new views and read no
// image data. Shuffling is a full seeded permutation for sources with random
// access (folders, manifests, IDX, CIFAR, shapes, and uncompressed Arrow IPC
// files, which are memory-mapped on Unix systems) and a bounded shuffle
// buffer for streams (Parquet, Arrow IPC streams and compressed Arrow files;
// Parquet row groups are also read in a seeded order, so a file sorted by
// class is still mixed). The same seed gives the same order on every
// machine, so shard i of n of a shuffled view is a disjoint part of it.
//
// Reading is bounded in memory whatever the dataset size: a record batch
// holds at most [ReadOptions].BatchSize rows and MaxBatchBytes of images, a
// Parquet row group being written at most RowGroupSize rows and
// RowGroupBytes, a stream shuffle ShuffleBuffer samples. [ReadOptions].Workers
// reads and decodes with several goroutines and yields the same samples in
// the same order.
//
// # Schema
//
// Every record batch produced by this package has the schema returned by
// [Schema]; all columns are standard Arrow types (no extension types), so
// files written by [Convert] open in pyarrow, DuckDB or Arrow JS:
//
//	index     int64   not null  the sample's position in the source it was read from
//	path      utf8    not null  the image's path, relative to the dataset root
//	                            ("cat/001.png", "train-images-idx3-ubyte.gz#17")
//	label     int32   not null  index into the class names, 0-based
//	split     utf8    not null  "train", "test", ... or "" when the source has none
//	image     binary  not null  the encoded file bytes, or decoded pixels when format is "raw"
//	format    utf8    not null  "png", "jpeg", "gif", "bmp", "tiff", "webp", ... or "raw"
//	height    int32   not null  image height in pixels
//	width     int32   not null  image width in pixels
//	channels  int32   not null  1 (gray) or 3 (RGB): the channels of the decoded pixels
//
// Raw pixels are uint8, row-major, channels interleaved (HWC), so that
// len(image) == height*width*channels. Encoded images decode to the same
// layout with [Sample.Pixels]: gray images to 1 channel, everything else to
// RGB with any alpha dropped.
//
// The schema metadata holds the class names as a JSON array of strings under
// the key "cnnpipe:classes" (class i is the name of label i) and the schema
// version under "cnnpipe:version". Parquet files carry both in their
// key-value metadata as well as in the stored Arrow schema.
//
// # Ownership
//
// Record batches follow arrow-go's reference counting rules:
//
//   - the record returned by RecordReader.RecordBatch is owned by the reader
//     and valid until the next call to Next or Release; call Retain on it to
//     keep it longer (for example before sending it on a channel), and then
//     Release it when done;
//   - objects returned by functions named New* are owned by the caller, who
//     must call Release;
//   - a [Sample] obtained from a record with [RowView] aliases the record's
//     memory: it is valid only while the record is retained; copy Data
//     (bytes.Clone) to keep it longer. Samples from [Dataset.Samples] own their
//     data.
//
// # Errors
//
// Every error names the file it comes from. A problem with one image (corrupt,
// truncated, too many pixels, unknown format, missing file, unknown class)
// is a [*SampleError] wrapping one of the sentinel errors ([ErrCorrupt],
// [ErrTooLarge], [ErrUnknownFormat], [ErrNotFound], [ErrUnknownClass], ...).
// With [ReadOptions].OnError set to [Skip] such samples are left out and
// recorded in a [SkipLog]; with [Fail] (the default) reading stops with the
// error. Errors in a whole file (wrong magic, label-count mismatch, a
// truncated IDX or CIFAR file) always stop reading.
//
// # Security considerations
//
// Decoding an image can allocate memory in proportion to the width and height
// stated in its header. Every decode goes through [Decode], which reads the
// header with DecodeConfig first and refuses an image with more than
// MaxPixels pixels ([DefaultMaxPixels] unless configured) before decoding it.
package loaders

package loaders

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"math"
	"math/bits"
	"math/rand/v2"
	"slices"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

// A Source is one dataset format: it describes itself and yields its
// samples in storage order. Implement it to plug a new format into
// NewDataset.
//
// Samples yields a non-nil error for a sample it cannot produce; if that
// error is a *SampleError the caller may continue the iteration to get the
// following samples, any other error ends it.
type Source interface {
	Info() Info
	Samples(ctx context.Context) iter.Seq2[Sample, error]
	Close() error
}

// An IndexedSource is a Source with random access; it allows a full
// shuffle. Sample(i) returns the sample whose Index is i, 0 <= i < Len().
type IndexedSource interface {
	Source
	Len() int
	Sample(i int) (Sample, error)
}

// A Labeler is a Source that can list its labels, indexed by sample index,
// without reading the images (-1 for a sample without a valid label). It
// makes SplitFraction and ClassCounts fast.
type Labeler interface {
	Labels(ctx context.Context) ([]int32, error)
}

// A Splitter is a Source with named splits (for example "train" and "test").
type Splitter interface {
	SplitSource(name string) (Source, error)
}

// Info describes a dataset.
type Info struct {
	// Format names the source format: "folder", "manifest", "idx", "cifar10",
	// "cifar100", "arrow", "arrows", "parquet" or "shapes".
	Format string
	// Path is the dataset's path: the one given to Open, or the dataset
	// directory Open found inside it (a download's single subdirectory).
	Path string
	// Classes lists the class names; label i is Classes[i].
	Classes []string
	// Count is the number of samples, or -1 when unknown without reading.
	Count int
	// Splits lists the named splits with their sizes (Count -1 when unknown).
	Splits []SplitInfo
	// Encoded is true when samples hold encoded files, false for raw pixels.
	Encoded bool
	// Ignored counts the files of a folder dataset that are not images
	// (by extension) or lie outside the class directories; IgnoredFiles
	// lists the first 20, relative to the root.
	Ignored      int
	IgnoredFiles []string
}

// SplitInfo is the name and size of one split.
type SplitInfo struct {
	Name  string
	Count int
}

// Config configures Open. The zero value (or nil) means defaults.
type Config struct {
	// Format forces a source format (as in Info.Format) instead of detection.
	Format string
	// CIFAR100Labels selects "fine" (default) or "coarse" CIFAR-100 labels.
	CIFAR100Labels string
	// Classes fixes the class list of a manifest; a class or label not in
	// it is an ErrUnknownClass error for that row.
	Classes []string
	// MaxPixels bounds the pixels of one image (default DefaultMaxPixels).
	MaxPixels int
}

// ReadOptions configures reading a Dataset. The zero value (or nil) means
// defaults.
type ReadOptions struct {
	// BatchSize is the number of rows per record batch (default 256).
	BatchSize int
	// MaxBatchBytes bounds the image bytes of one record batch (default
	// 64 MiB; a single larger image still makes a batch of its own). It
	// keeps memory bounded for large images and Arrow's 2 GiB binary
	// column limit out of reach.
	MaxBatchBytes int
	// Decode stores decoded pixels (format "raw") instead of encoded bytes.
	Decode bool
	// Verify fully decodes every encoded image to detect corrupt data, but
	// keeps the encoded bytes. Implied by Decode.
	Verify bool
	// MaxPixels bounds the pixels of one image (default: the dataset's
	// Config.MaxPixels, else DefaultMaxPixels).
	MaxPixels int
	// OnError is Fail (default) or Skip for bad samples.
	OnError ErrorPolicy
	// Skips, if not nil, records the samples skipped under Skip.
	Skips *SkipLog
	// Workers is the number of goroutines that read and decode samples
	// (default 1: no goroutines). Samples are yielded in the same order
	// whatever the number of workers.
	Workers int
	// Allocator allocates the record batches of Records (default
	// memory.DefaultAllocator).
	Allocator memory.Allocator
	// ShuffleBuffer is the size of the shuffle buffer used when a stream
	// source is shuffled (default 1024 samples, held as they are stored:
	// encoded images take little room). The order depends on it.
	ShuffleBuffer int
}

const (
	defaultBatchSize     = 256
	defaultMaxBatchBytes = 64 << 20
	defaultShuffleBuffer = 1024
)

func (o *ReadOptions) withDefaults(maxPixels int) ReadOptions {
	var r ReadOptions
	if o != nil {
		r = *o
	}
	if r.BatchSize <= 0 {
		r.BatchSize = defaultBatchSize
	}
	if r.ShuffleBuffer <= 0 {
		r.ShuffleBuffer = defaultShuffleBuffer
	}
	if r.MaxBatchBytes <= 0 {
		r.MaxBatchBytes = defaultMaxBatchBytes
	}
	if r.MaxPixels <= 0 {
		r.MaxPixels = maxPixels
	}
	if r.Allocator == nil {
		r.Allocator = memory.DefaultAllocator
	}
	if r.MaxPixels <= 0 {
		r.MaxPixels = DefaultMaxPixels
	}
	return r
}

type opKind int

const (
	opShuffle opKind = iota
	opShard
	opFilter
	opSplitName
)

type op struct {
	kind  opKind
	seed  uint64
	i, n  int
	set   []uint64 // opFilter: bitset over source indices
	keep  bool     // opFilter: keep members (true) or non-members
	split string   // opSplitName
}

func (o op) member(index int) bool {
	in := index >= 0 && index/64 < len(o.set) && o.set[index/64]&(1<<(index%64)) != 0
	return in == o.keep
}

// A Dataset is an immutable view of a Source: the source plus a sequence
// of shuffles, shards and splits. Views share the source; close it once,
// through any of them. A Dataset may be read by several goroutines at once
// when its source allows it (all sources of this package do).
type Dataset struct {
	src       Source
	root      Source // closed by Close; src or the source src was split from
	ops       []op
	maxPixels int
}

// NewDataset wraps a Source as a Dataset.
func NewDataset(src Source, cfg *Config) *Dataset {
	d := &Dataset{src: src, root: src}
	if cfg != nil {
		d.maxPixels = cfg.MaxPixels
	}
	return d
}

// Source returns the dataset's underlying source.
func (d *Dataset) Source() Source { return d.src }

// Close closes the source shared by this view and all views derived from
// the same Open (Shuffle, Shard, Split, SplitFraction). Close it once.
func (d *Dataset) Close() error { return d.root.Close() }

func (d *Dataset) with(o op) *Dataset {
	nd := *d
	nd.ops = append(slices.Clip(d.ops), o)
	return &nd
}

// Info describes the view: the source's description with Count set to the
// number of samples in the view when that is known without reading.
func (d *Dataset) Info() Info {
	info := d.src.Info()
	if len(d.ops) == 0 {
		return info
	}
	if _, ok := d.src.(IndexedSource); ok && !d.hasOp(opSplitName) {
		info.Count = len(d.order())
		return info
	}
	// A stream: follow the count through the operations when it is known.
	c := info.Count
	for _, o := range d.ops {
		if c < 0 {
			break
		}
		switch o.kind {
		case opShard:
			c = max(0, (c-o.i+o.n-1)/o.n)
		case opFilter:
			members := 0
			for _, w := range o.set {
				members += bits.OnesCount64(w)
			}
			if o.keep {
				c = members
			} else {
				c -= members
			}
		case opSplitName:
			c = -1
			for _, sp := range info.Splits {
				if sp.Name == o.split {
					c = sp.Count
				}
			}
		}
	}
	info.Count = c
	return info
}

func (d *Dataset) hasOp(k opKind) bool {
	for _, o := range d.ops {
		if o.kind == k {
			return true
		}
	}
	return false
}

// Shuffle returns a view in a pseudo-random order determined by seed: a
// full permutation for indexed sources, a bounded shuffle buffer (see
// ReadOptions.ShuffleBuffer) for streams. Use a different seed per epoch
// (for example seed+epoch) to get a new order each epoch.
func (d *Dataset) Shuffle(seed uint64) *Dataset {
	return d.with(op{kind: opShuffle, seed: seed})
}

// Shard returns the i-th of n disjoint parts of the view (every n-th sample
// starting with the i-th), so that n machines can split one dataset.
func (d *Dataset) Shard(i, n int) (*Dataset, error) {
	if n <= 0 || i < 0 || i >= n {
		return nil, fmt.Errorf("loaders: shard %d of %d: want 0 <= i < n", i, n)
	}
	return d.with(op{kind: opShard, i: i, n: n}), nil
}

// Split returns the named split ("train", "test", ...) of the dataset.
func (d *Dataset) Split(name string) (*Dataset, error) {
	if sp, ok := d.src.(Splitter); ok {
		if len(d.ops) > 0 {
			return nil, fmt.Errorf("loaders: %s: select split %q before shuffling, sharding or splitting", d.src.Info().Path, name)
		}
		sub, err := sp.SplitSource(name)
		if err != nil {
			return nil, err
		}
		return &Dataset{src: sub, root: d.root, maxPixels: d.maxPixels}, nil
	}
	info := d.src.Info()
	if len(info.Splits) > 0 && !slices.ContainsFunc(info.Splits, func(s SplitInfo) bool { return s.Name == name }) {
		return nil, fmt.Errorf("loaders: %s: %w %q (have %v)", info.Path, ErrNoSplit, name, splitNames(info.Splits))
	}
	if _, indexed := d.src.(IndexedSource); indexed && len(info.Splits) == 0 {
		return nil, fmt.Errorf("loaders: %s: %w %q: the dataset has no splits", info.Path, ErrNoSplit, name)
	}
	// A stream (Arrow, Parquet) learns its splits only by reading: filter
	// on the split column.
	return d.with(op{kind: opSplitName, split: name}), nil
}

func splitNames(s []SplitInfo) []string {
	n := make([]string, len(s))
	for i := range s {
		n[i] = s[i].Name
	}
	return n
}

// SplitFraction splits the view into a training and a validation view,
// stratified by class: of each class's n samples, round(frac*n) chosen
// pseudo-randomly from seed go to validation. The result depends only on
// the samples' indices and labels, not on the view's order. It reads the
// labels (not the images) of sources that implement Labeler, and the whole
// view otherwise.
func (d *Dataset) SplitFraction(ctx context.Context, frac float64, seed uint64) (train, val *Dataset, err error) {
	if !(frac > 0 && frac < 1) {
		return nil, nil, fmt.Errorf("loaders: validation fraction %v: want 0 < frac < 1", frac)
	}
	idx, labels, err := d.indexLabels(ctx)
	if err != nil {
		return nil, nil, err
	}
	byClass := map[int32][]int{}
	maxIdx := -1
	for k, i := range idx {
		byClass[labels[k]] = append(byClass[labels[k]], i)
		maxIdx = max(maxIdx, i)
	}
	set := make([]uint64, maxIdx/64+1)
	for label, members := range byClass {
		sort.Ints(members)
		r := rand.New(rand.NewPCG(seed, uint64(label)^0x9e3779b97f4a7c15))
		r.Shuffle(len(members), func(a, b int) { members[a], members[b] = members[b], members[a] })
		nv := int(math.Round(frac * float64(len(members))))
		for _, i := range members[:nv] {
			set[i/64] |= 1 << (i % 64)
		}
	}
	return d.with(op{kind: opFilter, set: set, keep: false}), d.with(op{kind: opFilter, set: set, keep: true}), nil
}

// ClassCounts returns the number of samples of each label in the view
// (indexed by label; it has at least len(Classes) entries).
func (d *Dataset) ClassCounts(ctx context.Context) ([]int, error) {
	_, labels, err := d.indexLabels(ctx)
	if err != nil {
		return nil, err
	}
	counts := make([]int, len(d.src.Info().Classes))
	for _, l := range labels {
		if l < 0 || (int(l) >= len(counts) && l >= MaxClasses) {
			continue // a Source of someone else's may yield anything
		}
		for int(l) >= len(counts) {
			counts = append(counts, 0)
		}
		counts[l]++
	}
	return counts, nil
}

// indexLabels lists the view's sample indices and labels.
func (d *Dataset) indexLabels(ctx context.Context) ([]int, []int32, error) {
	if is, ok := d.src.(IndexedSource); ok && !d.hasOp(opSplitName) {
		order := d.order()
		if lb, ok := d.src.(Labeler); ok {
			all, err := lb.Labels(ctx)
			if err != nil {
				return nil, nil, err
			}
			labels := make([]int32, len(order))
			for k, i := range order {
				labels[k] = all[i]
			}
			return order, labels, nil
		}
		_ = is
	}
	// A stream that lists its labels (Parquet reads the label column alone):
	// membership does not depend on order as long as no shard (which counts
	// positions in the shuffled stream) or split-name filter is involved.
	if lb, ok := d.src.(Labeler); ok && !d.hasOp(opShard) && !d.hasOp(opSplitName) {
		all, err := lb.Labels(ctx)
		if err != nil {
			return nil, nil, err
		}
		var idx []int
		var labels []int32
		for i, l := range all {
			keep := l >= 0
			for _, o := range d.ops {
				if o.kind == opFilter && !o.member(i) {
					keep = false
				}
			}
			if keep {
				idx = append(idx, i)
				labels = append(labels, l)
			}
		}
		return idx, labels, nil
	}
	var idx []int
	var labels []int32
	for s, err := range d.Samples(ctx, &ReadOptions{OnError: Skip}) {
		if err != nil {
			return nil, nil, err
		}
		idx = append(idx, s.Index)
		labels = append(labels, s.Label)
	}
	return idx, labels, nil
}

// order returns the view's sample indices for an indexed source.
func (d *Dataset) order() []int {
	n := d.src.(IndexedSource).Len()
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	for _, o := range d.ops {
		switch o.kind {
		case opShuffle:
			r := rand.New(rand.NewPCG(o.seed, 0x636e6e70697065))
			r.Shuffle(len(order), func(a, b int) { order[a], order[b] = order[b], order[a] })
		case opShard:
			k := 0
			for p := o.i; p < len(order); p += o.n {
				order[k] = order[p]
				k++
			}
			order = order[:k]
		case opFilter:
			order = slices.DeleteFunc(order, func(i int) bool { return !o.member(i) })
		}
	}
	return order
}

// A chunkShuffler is a stream source that can read its chunks (Parquet
// row groups) in a seeded order; a Shuffle first in a view uses it ahead of
// the shuffle buffer.
type chunkShuffler interface {
	shuffledChunks(ctx context.Context, seed uint64) iter.Seq2[Sample, error]
}

// item is one element of a sample stream: a sample or an error.
type item struct {
	s   Sample
	err error
}

func itemIndex(it item) int {
	if it.err != nil {
		var se *SampleError
		if errors.As(it.err, &se) {
			return se.Index
		}
		return -1
	}
	return it.s.Index
}

// raw yields the view's samples (or per-sample errors) before decoding.
func (d *Dataset) raw(ctx context.Context, opts ReadOptions) iter.Seq[item] {
	if is, ok := d.src.(IndexedSource); ok && len(d.ops) > 0 && !d.hasOp(opSplitName) {
		order := d.order()
		return func(yield func(item) bool) {
			for _, i := range order {
				if err := ctx.Err(); err != nil {
					yield(item{err: err})
					return
				}
				s, err := is.Sample(i)
				if !yield(item{s, err}) {
					return
				}
			}
		}
	}
	base := d.src.Samples
	if cs, ok := d.src.(chunkShuffler); ok && len(d.ops) > 0 && d.ops[0].kind == opShuffle {
		seed := d.ops[0].seed
		base = func(ctx context.Context) iter.Seq2[Sample, error] { return cs.shuffledChunks(ctx, seed) }
	}
	seq := func(yield func(item) bool) {
		for s, err := range base(ctx) {
			if !yield(item{s, err}) {
				return
			}
			if err != nil && !isSampleErr(err) {
				return
			}
		}
	}
	for _, o := range d.ops {
		seq = streamOp(seq, o, opts.ShuffleBuffer)
	}
	return seq
}

func isSampleErr(err error) bool {
	var se *SampleError
	return errors.As(err, &se)
}

// streamOp applies one view operation to a stream.
func streamOp(in iter.Seq[item], o op, bufSize int) iter.Seq[item] {
	return func(yield func(item) bool) {
		switch o.kind {
		case opShard:
			p := 0
			for it := range in {
				if it.err != nil && !isSampleErr(it.err) {
					yield(it)
					return
				}
				if p%o.n == o.i && !yield(it) {
					return
				}
				p++
			}
		case opFilter:
			for it := range in {
				if it.err != nil && !isSampleErr(it.err) {
					yield(it)
					return
				}
				if o.member(itemIndex(it)) && !yield(it) {
					return
				}
			}
		case opSplitName:
			for it := range in {
				if it.err != nil && !isSampleErr(it.err) {
					yield(it)
					return
				}
				if (it.err != nil || it.s.Split == o.split) && !yield(it) {
					return
				}
			}
		case opShuffle:
			r := rand.New(rand.NewPCG(o.seed, 0x636e6e70697065))
			buf := make([]item, 0, bufSize)
			for it := range in {
				if it.err != nil && !isSampleErr(it.err) {
					yield(it)
					return
				}
				if len(buf) < bufSize {
					buf = append(buf, it)
					continue
				}
				j := r.IntN(len(buf))
				out := buf[j]
				buf[j] = it
				if !yield(out) {
					return
				}
			}
			r.Shuffle(len(buf), func(a, b int) { buf[a], buf[b] = buf[b], buf[a] })
			for _, it := range buf {
				if !yield(it) {
					return
				}
			}
		}
	}
}

// Samples yields the view's samples in order, applying opts (decoding,
// verification, error policy). The samples own their data. Iteration stops
// after the first error it yields. With opts.Workers > 1, samples are read
// and decoded by that many goroutines and still yielded in order.
func (d *Dataset) Samples(ctx context.Context, opts *ReadOptions) iter.Seq2[Sample, error] {
	o := opts.withDefaults(d.maxPixels)
	if o.Workers > 1 {
		return d.parallelSamples(ctx, o)
	}
	classes := d.src.Info().Classes
	return func(yield func(Sample, error) bool) {
		for it := range d.raw(ctx, o) {
			s, err := finish(it, classes, o)
			if !deliver(s, err, o, yield) {
				return
			}
		}
	}
}

// finish turns a raw item into a processed sample or an error.
func finish(it item, classes []string, o ReadOptions) (Sample, error) {
	s, err := it.s, it.err
	if err == nil {
		if s.Class == "" {
			s.Class = ClassName(classes, s.Label)
		}
		err = process(&s, o)
	}
	return s, err
}

// deliver applies the error policy and yields; it reports whether
// iteration goes on.
func deliver(s Sample, err error, o ReadOptions, yield func(Sample, error) bool) bool {
	if err != nil {
		var se *SampleError
		if o.OnError == Skip && errors.As(err, &se) {
			if o.Skips != nil {
				o.Skips.Add(se)
			}
			return true
		}
		yield(Sample{}, err)
		return false
	}
	return yield(s, nil)
}

// parallelSamples reads (for indexed sources) and processes samples with
// o.Workers goroutines, yielding them in order. At most 4*Workers samples
// are in flight.
func (d *Dataset) parallelSamples(ctx context.Context, o ReadOptions) iter.Seq2[Sample, error] {
	classes := d.src.Info().Classes
	is, indexed := d.src.(IndexedSource)
	indexed = indexed && !d.hasOp(opSplitName)
	type job struct {
		seq int
		idx int // >= 0: read sample idx from the indexed source
		it  item
	}
	type result struct {
		seq int
		s   Sample
		err error
	}
	parent := ctx
	return func(yield func(Sample, error) bool) {
		ctx, cancel := context.WithCancel(parent)
		defer cancel()
		var complete atomic.Bool // the producer listed every sample
		var total atomic.Int64   // how many it listed
		window := 4 * o.Workers
		tokens := make(chan struct{}, window)
		jobs := make(chan job, o.Workers)
		results := make(chan result, window)
		var wg sync.WaitGroup
		wg.Add(1)
		go func() { // producer
			defer wg.Done()
			defer close(jobs)
			send := func(j job) bool {
				select {
				case tokens <- struct{}{}:
				case <-ctx.Done():
					return false
				}
				select {
				case jobs <- j:
					return true
				case <-ctx.Done():
					return false
				}
			}
			seq := 0
			if indexed {
				for _, i := range d.order() {
					if !send(job{seq: seq, idx: i}) {
						return
					}
					seq++
				}
				total.Store(int64(seq))
				complete.Store(true)
				return
			}
			for it := range d.raw(ctx, o) {
				if !send(job{seq: seq, idx: -1, it: it}) {
					return
				}
				seq++
			}
			total.Store(int64(seq))
			complete.Store(true)
		}()
		var workers sync.WaitGroup
		for w := 0; w < o.Workers; w++ {
			workers.Add(1)
			go func() {
				defer workers.Done()
				for j := range jobs {
					if j.idx >= 0 {
						j.it.s, j.it.err = is.Sample(j.idx)
					}
					s, err := finish(j.it, classes, o)
					select {
					case results <- result{j.seq, s, err}:
					case <-ctx.Done():
						return
					}
				}
			}()
		}
		go func() { workers.Wait(); close(results) }()
		defer func() {
			cancel()
			for range results { // let the workers finish
			}
			wg.Wait()
		}()
		pending := map[int]result{}
		next := 0
		for r := range results {
			pending[r.seq] = r
			for {
				r, ok := pending[next]
				if !ok {
					break
				}
				delete(pending, next)
				next++
				<-tokens
				if !deliver(r.s, r.err, o, yield) {
					return
				}
			}
		}
		// Samples were lost only if the caller's context stopped us.
		if !complete.Load() || int64(next) < total.Load() {
			if err := parent.Err(); err != nil {
				yield(Sample{}, err)
			}
		}
	}
}

// process applies decoding and verification to one sample.
func process(s *Sample, o ReadOptions) error {
	switch {
	case o.Decode:
		return s.decodeRaw(o.MaxPixels)
	case o.Verify && s.Format != FormatRaw:
		_, err := s.Image(o.MaxPixels)
		return err
	case s.Format == FormatRaw:
		if len(s.Data) != s.Height*s.Width*s.Channels {
			return sampleErr(s.File(), s.Index, ErrCorrupt, "%d bytes of pixels for %dx%dx%d", len(s.Data), s.Height, s.Width, s.Channels)
		}
	}
	return nil
}

package expandbeam

import (
	"context"
	"fmt"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"

	"github.com/cnnpipe/cnnpipe/expand"
	"github.com/cnnpipe/cnnpipe/loaders"
)

// Plan is what the driver learns about the job before it runs: the
// options with defaults filled in, the source's description and how the
// work is cut.
type Plan struct {
	// Options are the job's options with defaults filled in.
	Options Options
	// Info describes the source.
	Info loaders.Info
	// ReadShards and ManifestShards are the numbers of source parts and
	// manifest part files.
	ReadShards, ManifestShards int
}

// streamFormats are the sources without random access: each read shard
// scans the whole file.
var streamFormats = map[string]bool{"arrow": true, "arrows": true, "parquet": true}

// NewPlan checks opts (compiling the policy, so that a bad one is reported
// before any worker starts), opens the source on the driver to describe it
// and chooses the shard counts. It does not touch DST.
func NewPlan(opts Options) (*Plan, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	ds, err := openSource(&o)
	if err != nil {
		return nil, err
	}
	info := ds.Info()
	if err := ds.Close(); err != nil {
		return nil, err
	}
	p := &Plan{Options: o, Info: info, ReadShards: o.ReadShards, ManifestShards: o.ManifestShards}
	if p.ReadShards == 0 {
		p.ReadShards = 16
		if info.Count >= 0 {
			p.ReadShards = clamp((info.Count+255)/256, 1, 4096)
		}
		if streamFormats[info.Format] {
			p.ReadShards = min(p.ReadShards, 16)
		}
	}
	if p.ManifestShards == 0 {
		p.ManifestShards = 16
		if info.Count >= 0 {
			outs := info.Count * o.Config.Copies
			if o.Config.KeepOriginals {
				outs += info.Count
			}
			p.ManifestShards = clamp((outs+99_999)/100_000, 1, 1000)
		}
	}
	return p, nil
}

func clamp(v, lo, hi int) int { return max(lo, min(v, hi)) }

// Build adds the job to the pipeline scope s: read the source in
// ReadShards parts, distribute the images (Reshuffle), fan each out into
// one task per (image, copy), render and write each, and write the
// manifest parts and the failures list. The images, not the copies, go
// through the shuffle: it moves each source image once, and the copies of
// an image are rendered together so that it is decoded once. Call
// [Prepare] on the driver before running the pipeline.
func (p *Plan) Build(s beam.Scope) {
	s = s.Scope("cnnpipe.augment")
	shards := make([]Shard, p.ReadShards)
	for i := range shards {
		shards[i] = Shard{I: i, N: p.ReadShards}
	}
	parts := beam.Reshuffle(s, beam.CreateList(s, shards))
	images, readFails := beam.ParDo2(s, &readFn{Opts: p.Options}, parts)
	images = beam.Reshuffle(s, images)
	tasks := beam.ParDo(s, &copiesFn{Copies: p.Options.Config.Copies, KeepOriginals: p.Options.Config.KeepOriginals}, images)
	rows, renderFails := beam.ParDo2(s, &expandFn{Opts: p.Options}, tasks)

	keyed := beam.ParDo(s, &keyRowFn{N: p.ManifestShards}, rows)
	beam.ParDo0(s, &writePartFn{Dst: p.Options.Dst}, beam.GroupByKey(s, keyed))

	fails := beam.Flatten(s, readFails, renderFails)
	beam.ParDo0(s, &writeFailuresFn{Dst: p.Options.Dst}, beam.GroupByKey(s, beam.ParDo(s, keyFailure, fails)))
}

// Prepare readies DST on the driver as `cnnpipe augment` does: it refuses
// a DST inside SRC or one written with other settings, records this run's
// settings, and removes temporary files and the manifest parts and failures
// list of an earlier run (outputs are kept: the job does not rewrite them).
func (p *Plan) Prepare(ctx context.Context) error {
	return prepareDst(ctx, &p.Options)
}

// Runner runs a pipeline: beamx.RunWithMetrics (the runner named by the
// --runner flag, Prism by default) is one.
type Runner func(context.Context, *beam.Pipeline) (beam.PipelineResult, error)

// Run plans the job, prepares DST, builds the pipeline, runs it with run
// and returns the same summary as expand.Run (Inputs, Outputs, Written,
// Existed, Failed, Bytes, Time summed over workers, Elapsed), taken from
// the job's Beam counters and DST's failures list. When inputs failed, Run
// returns the summary and an error wrapping ErrFailed unless opts.OnError
// is "skip", and ErrNoResult when the runner returned no result to wait
// for (the job may still be running).
func Run(ctx context.Context, opts Options, run Runner) (expand.Summary, []Failure, error) {
	start := time.Now()
	p, err := NewPlan(opts)
	if err != nil {
		return expand.Summary{}, nil, err
	}
	if err := p.Prepare(ctx); err != nil {
		return expand.Summary{}, nil, err
	}
	pipe, s := beam.NewPipelineWithRoot()
	p.Build(s)
	res, err := run(ctx, pipe)
	if err != nil {
		return expand.Summary{}, nil, fmt.Errorf("expandbeam: pipeline: %w", err)
	}
	if res == nil {
		return expand.Summary{}, nil, ErrNoResult
	}
	sum := summarize(res)
	fails, err := ReadFailures(ctx, p.Options.Dst)
	if err != nil {
		return sum, nil, err
	}
	sum.Failed = len(fails)
	sum.Elapsed = time.Since(start)
	if len(fails) > 0 && p.Options.OnError != "skip" {
		return sum, fails, fmt.Errorf("expandbeam: %w: %d of %d inputs (listed in %s)", ErrFailed, len(fails), sum.Inputs, joinPath(p.Options.Dst, expand.FailuresCSV))
	}
	return sum, fails, nil
}

// summarize reads the job's counters.
func summarize(res beam.PipelineResult) expand.Summary {
	var s expand.Summary
	for _, c := range res.Metrics().AllMetrics().Counters() {
		if c.Namespace() != counterNS {
			continue
		}
		v := c.Result()
		switch c.Name() {
		case "inputs":
			s.Inputs += int(v)
		case "written":
			s.Written += int(v)
		case "existed":
			s.Existed += int(v)
		case "bytes":
			s.Bytes += v
		case "decode_ns":
			s.Time.Decode += time.Duration(v)
		case "transform_ns":
			s.Time.Transform += time.Duration(v)
		case "encode_ns":
			s.Time.Encode += time.Duration(v)
		case "write_ns":
			s.Time.Write += time.Duration(v)
		}
	}
	s.Outputs = s.Written + s.Existed
	return s
}

// openSource opens the job's source (and split) with loaders. Closing the
// returned view closes the source.
func openSource(o *Options) (*loaders.Dataset, error) {
	ds, err := loaders.Open(o.Src, &loaders.Config{MaxPixels: o.Config.MaxPixels})
	if err != nil {
		return nil, err
	}
	if o.Split == "" {
		return ds, nil
	}
	sub, err := ds.Split(o.Split)
	if err != nil {
		ds.Close()
		return nil, err
	}
	return sub, nil
}

package loaders

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// ConvertOptions configures Convert. The zero value (or nil) means defaults.
type ConvertOptions struct {
	// Read configures reading the source (batch size, decoding, error policy).
	Read ReadOptions
	// Write configures the output.
	Write WriteOptions
	// Progress, if not nil, is called after each batch with the number of
	// samples read so far (written plus skipped) and the total (-1 when
	// unknown).
	Progress func(done, total int)
}

// ConvertStats reports what Convert did.
type ConvertStats struct {
	Format  string         // the output format
	Written int            // samples written
	Skipped int            // samples skipped under the Skip policy
	Errors  []*SampleError // the first skipped samples' errors
	Elapsed time.Duration
}

// Convert writes the samples of d to dst in the format given by
// opts.Write.Format or dst's extension. The output appears atomically when
// complete; on error or cancellation nothing is left at dst. Convert refuses
// to write over its input or inside an input folder.
func Convert(ctx context.Context, d *Dataset, dst string, opts *ConvertOptions) (ConvertStats, error) {
	start := time.Now()
	var o ConvertOptions
	if opts != nil {
		o = *opts
	}
	var st ConvertStats
	format, err := OutputFormat(dst, o.Write.Format)
	if err != nil {
		return st, err
	}
	st.Format = format
	o.Write.Format = format
	info := d.Info()
	if err := checkNotInput(info.Path, dst); err != nil {
		return st, err
	}
	skips := o.Read.Skips
	if skips == nil {
		skips = &SkipLog{}
		o.Read.Skips = skips
	}
	sink, err := Create(dst, info.Classes, &o.Write)
	if err != nil {
		return st, err
	}
	rr := d.Records(ctx, &o.Read)
	defer rr.Release()
	for rr.Next() {
		rec := rr.RecordBatch()
		if err := sink.Write(rec); err != nil {
			sink.Abort()
			return st, err
		}
		st.Written += int(rec.NumRows())
		if o.Progress != nil {
			o.Progress(st.Written+skips.Count(), info.Count)
		}
	}
	st.Skipped, st.Errors = skips.Count(), skips.Errors()
	if err := rr.Err(); err != nil {
		sink.Abort()
		return st, err
	}
	if err := ctx.Err(); err != nil {
		sink.Abort()
		return st, err
	}
	if err := sink.Close(); err != nil {
		return st, err
	}
	st.Elapsed = time.Since(start)
	return st, nil
}

// checkNotInput refuses an output that is the input or lies inside it.
func checkNotInput(input, dst string) error {
	if isShapesName(input) {
		if _, err := os.Stat(input); err != nil {
			return nil
		}
	}
	in, err1 := filepath.Abs(input)
	out, err2 := filepath.Abs(dst)
	if err1 != nil || err2 != nil {
		return nil
	}
	if in == out {
		return fmt.Errorf("loaders: %s: %w: it is the input", dst, ErrOutputExists)
	}
	if a, err := os.Stat(input); err == nil {
		if b, err := os.Stat(dst); err == nil && os.SameFile(a, b) {
			return fmt.Errorf("loaders: %s: %w: it is the input", dst, ErrOutputExists)
		}
		if a.IsDir() && strings.HasPrefix(out, in+string(filepath.Separator)) {
			return fmt.Errorf("loaders: %s: refusing to write inside the input folder %s", dst, input)
		}
	}
	return nil
}
